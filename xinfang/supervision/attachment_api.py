"""API v1: download an attachment of a supervised unit's written reply (督办回复), audited.

The same gate and audit as the page (xinfang/supervision/views.py `reply_attachment`): whoever may
open the supervision; anyone else gets 404.
"""

from ninja import Router

from xinfang.common.files import audited_attachment_response
from xinfang.supervision.access import get_reply_attachment_for_user

router = Router(tags=["催办、督办与抽查回访"])


@router.get(
    "/{int:pk}/attachments/{attachment_id}",
    response={200: None, 404: dict, 422: dict},
    summary="下载督办回复的附件（留痕）",
)
def reply_attachment_api(request, pk: int, attachment_id: int):
    supervision, attachment = get_reply_attachment_for_user(request.user, pk, attachment_id)
    return audited_attachment_response(
        request,
        attachment,
        detail={"number": supervision.case.number, "supervision": supervision.pk},
        via="api",
    )
