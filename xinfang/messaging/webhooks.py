"""The SMS gateway's webhook: `POST /sms/inbound/` (issue 4 §3; docs/messaging.md).

Not part of API v1: the gateway has no session and no token, it signs the raw body instead
(HMAC-SHA256 with `SMS_WEBHOOK_SECRET` over `timestamp.body`, see sms/signing.py). The answer:
200 with the message number once the message is stored (the same number again for a retried
delivery, nothing new made), 403 for a bad signature or a stale timestamp, 400 for a body that is
not the expected JSON. The gateway retries on anything else (5xx), so nothing it sent is lost.
"""

import json
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from xinfang.messaging.sms.inbound import sms_inbound_receive
from xinfang.messaging.sms.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_problem

logger = logging.getLogger("xinfang.sms.webhook")

MAX_BODY = 64 * 1024
MAX_ID = 100


def _answer(status: int, code: str, detail: str, **extra) -> JsonResponse:
    return JsonResponse(
        {"code": code, "detail": detail, **extra}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _fields(data) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The gateway's `id`, `from` and `text`, or the errors (in Chinese) per field."""
    if not isinstance(data, dict):
        return {}, {"__all__": [_("请求体应为 JSON 对象。")]}
    errors: dict[str, list[str]] = {}
    message_id = data.get("id")
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        message_id = str(message_id)
    if not isinstance(message_id, str) or not message_id.strip() or len(message_id) > MAX_ID:
        errors["id"] = [_("缺少短信编号 id（不超过%(n)d个字符）。") % {"n": MAX_ID}]
    sender = data.get("from")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > 32:
        errors["from"] = [_("缺少发送方号码 from。")]
    text = data.get("text")
    if not isinstance(text, str):
        errors["text"] = [_("缺少短信内容 text。")]
    if errors:
        return {}, errors
    return {"external_id": message_id.strip(), "phone": sender, "text": text}, {}


@csrf_exempt
def sms_inbound(request):
    """One SMS from the gateway → one message in the screening queue (or an opt-out)."""
    if request.method != "POST":
        return _answer(405, "method_not_allowed", _("只接受 POST 请求。"))
    ip = request.META.get("REMOTE_ADDR", "")
    if not settings.SMS_WEBHOOK_SECRET:
        logger.error("SMS webhook called from %s but SMS_WEBHOOK_SECRET is not set", ip)
        return _answer(503, "not_configured", _("短信接口未启用。"))
    if _content_length(request) > MAX_BODY or len(body := request.body) > MAX_BODY:
        logger.warning("SMS webhook from %s refused: body over %s bytes", ip, MAX_BODY)
        return _answer(413, "too_large", _("请求体过大。"))
    problem = signature_problem(
        secret=settings.SMS_WEBHOOK_SECRET,
        timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
        body=body,
        signature=request.headers.get(SIGNATURE_HEADER, ""),
        now=timezone.now().timestamp(),
        max_age=settings.SMS_WEBHOOK_MAX_AGE_SECONDS,
    )
    if problem:
        logger.warning("SMS webhook from %s refused: %s", ip, problem)
        return _answer(403, "forbidden", _("签名无效或请求已过期，已拒绝。"))
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        logger.warning("SMS webhook from %s: body is not JSON", ip)
        return _answer(400, "malformed", _("请求格式不正确：应为 UTF-8 编码的 JSON。"))
    fields, errors = _fields(data)
    if errors:
        logger.warning("SMS webhook from %s: malformed fields %s", ip, sorted(errors))
        return _answer(400, "malformed", _("请求格式不正确。"), errors=errors)
    try:
        result = sms_inbound_receive(**fields)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        logger.warning("SMS webhook %s refused: %s", fields["external_id"], errors)
        return _answer(400, "invalid", _("短信内容有误，未能受理。"), errors=errors)
    if result.opted_out:
        return _answer(200, "opted_out", _("已退订通知短信。"), opt_out=True)
    message = result.received.message
    return _answer(200, "received", _("已收到。"), number=message.number, created=result.received.created)
