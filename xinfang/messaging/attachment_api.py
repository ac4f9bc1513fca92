"""API v1: download a screened message's attachment (信箱审查), behind the message's gate, audited.

The same gate and audit as the page (xinfang/messaging/views.py `attachment_download`): only the
message's screeners; a message they may not see answers 404.
"""

from ninja import Router

from xinfang.common.files import audited_attachment_response
from xinfang.messaging.screening_selectors import get_message_attachment_for_user

router = Router(tags=["信箱审查"])


@router.get(
    "/{number}/attachments/{attachment_id}",
    response={200: None, 404: dict, 422: dict},
    summary="下载留言的附件（仅审查人员；留痕）",
)
def message_attachment_api(request, number: str, attachment_id: int):
    message, attachment = get_message_attachment_for_user(
        request.user, number=number, attachment_id=attachment_id
    )
    return audited_attachment_response(request, attachment, detail={"message": message.number}, via="api")
