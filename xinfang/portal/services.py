"""Writes at the public portal: captchas, letters, look-ups and the petitioner's own steps (issue 4 §1).

Every public write goes through here, for the web pages and API v1 alike, so both have the same
captcha, the same limits and the same Chinese messages.
"""

import base64
import datetime
import hashlib
import json
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases import steps
from xinfang.cases.models import Case
from xinfang.cases.workflow import ActionConflict
from xinfang.common.validators import normalize_phone
from xinfang.messaging.choices import MessageKind, ScreeningStatus, Source
from xinfang.messaging.models import InboundMessage
from xinfang.messaging.services import message_receive
from xinfang.portal.captcha import new_answer, normalise, render_png
from xinfang.portal.limits import (
    CAPTCHAS_PER_IP,
    TRACK_FAILURES_PER_IP,
    WRITE_PER_IP,
    WRITE_PER_PHONE,
    RateGate,
    RateLimited,
    buckets_prune,
)
from xinfang.portal.models import Captcha

# --- Captchas -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCaptcha:
    id: str
    png: bytes
    expires_at: datetime.datetime

    @property
    def png_base64(self) -> str:
        return base64.b64encode(self.png).decode("ascii")

    @property
    def data_uri(self) -> str:
        return f"data:image/png;base64,{self.png_base64}"


def captcha_issue(*, ip: str | None) -> IssuedCaptcha:
    """A new one-time captcha (stored with its answer and expiry) and its image, drawn once."""
    now = timezone.now()
    with transaction.atomic():
        gate = RateGate(
            [(CAPTCHAS_PER_IP, ip or "")], message=_("获取验证码过于频繁，请稍后再试（约%(wait)s后）。")
        )
        captcha = Captcha.objects.create(
            id=secrets.token_urlsafe(18),
            answer=new_answer(),
            created_at=now,
            expires_at=now + datetime.timedelta(minutes=settings.PORTAL_CAPTCHA_MINUTES),
        )
        gate.hit()
    if secrets.randbelow(100) == 0:  # now and then: forget long-dead captchas and idle buckets
        captcha_prune()
    return IssuedCaptcha(id=captcha.id, png=render_png(captcha.answer), expires_at=captcha.expires_at)


def captcha_prune() -> int:
    cutoff = timezone.now() - datetime.timedelta(days=1)
    deleted, _rows = Captcha.objects.filter(expires_at__lt=cutoff).delete()
    return deleted + buckets_prune()


class CaptchaRefused(ValidationError):
    """The captcha is wrong, expired or already used: a field error on `captcha` (HTTP 400)."""

    def __init__(self, message: str):
        super().__init__({"captcha": [message]})


REPLAY = "replay"


def _captcha_verdict(captcha: Captcha | None, answer: str, digest: str, now) -> str | None:
    """None when the captcha lets this submission in, REPLAY for the same submission again, else why not."""
    if captcha is None:
        return _("验证码已失效，请点“换一张”后重新输入。")
    if captcha.used_at is not None:
        same = captcha.message_id and captcha.payload_digest == digest and normalise(answer) == captcha.answer
        return REPLAY if same else _("这张验证码已经用过，请输入新验证码。")
    if captcha.expires_at <= now:
        return _("验证码已过期，请输入新验证码。")
    if normalise(answer) != captcha.answer:
        return _("验证码不正确，请看清新图片后重新输入。")
    return None


# --- Letters (县长信箱) and consultations (在线咨询) ---------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    message: InboundMessage
    replayed: bool  # the same submission came twice (a double-click): this is the first one's message


LETTER_FIELDS = (
    "kind",
    "name",
    "phone",
    "id_number",
    "is_anonymous",
    "title",
    "content",
    "issue_address",
    "consent_publish",
)
BOOLEAN_FIELDS = ("is_anonymous", "consent_publish")


def _digest(fields: dict, attachments) -> str:
    body = {name: str(fields.get(name, "")) for name in LETTER_FIELDS}
    body["attachments"] = [(getattr(a, "name", ""), getattr(a, "size", 0)) for a in attachments]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _phone_key(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except ValidationError:
        return ""  # message_receive refuses it with the field's own message


def letter_submit(
    *, source: str, captcha_id: str, captcha_answer: str, ip: str | None, fields: dict, attachments=()
) -> Submitted:
    """One letter or consultation from the portal, behind the captcha and the limits.

    1. lock the captcha row: the same submission again (double-click) gets the first message back,
       any other second use is refused; 2. a wrong or expired answer is refused — the captcha is
       spent either way (one guess per image); 3. within the limits per IP and per phone, hand over
       to `message_receive` (validation, storage, number, 查询码, SMS); 4. mark the captcha used.
    The captcha's use is committed even when the letter is refused; the letter and its counts are not.
    """
    if source not in (Source.MAILBOX, Source.CONSULT):
        raise ValueError(source)
    fields = {
        name: bool(fields.get(name)) if name in BOOLEAN_FIELDS else str(fields.get(name) or "")
        for name in LETTER_FIELDS
    }
    if source == Source.CONSULT:
        fields["kind"] = MessageKind.CONSULT
    attachments = list(attachments)
    digest = _digest(fields, attachments)
    now = timezone.now()
    refusal: Exception | None = None
    with transaction.atomic():
        captcha = Captcha.objects.select_for_update().filter(pk=str(captcha_id or "")[:32]).first()
        verdict = _captcha_verdict(captcha, captcha_answer, digest, now)
        if verdict == REPLAY:
            return Submitted(message=captcha.message, replayed=True)
        if captcha is None:
            raise CaptchaRefused(verdict)
        if verdict:
            refusal = CaptchaRefused(verdict)
        else:
            try:
                with transaction.atomic():
                    gate = RateGate(
                        [(WRITE_PER_IP, ip or ""), (WRITE_PER_PHONE, _phone_key(fields.get("phone") or ""))]
                    )
                    received = message_receive(source=source, sender_ip=ip, attachments=attachments, **fields)
                    gate.hit()
            except (ValidationError, RateLimited) as exc:  # re-raised once the captcha is marked used
                refusal = exc
            else:
                captcha.message, captcha.payload_digest = received.message, digest
        captcha.used_at = now
        captcha.save(update_fields=["used_at", "message", "payload_digest"])
    if refusal is not None:
        raise refusal
    return Submitted(message=captcha.message, replayed=False)


# --- Look-up by number + 查询码 ---------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """What the holder of a (number, 查询码) pair may see.

    `owns_case`: the case is theirs (looked up by its own number, or made from their message), so
    they get its papers and may evaluate and ask for 复查/复核. A message merged into somebody else's
    case shows only that case's public progress.
    """

    number: str
    code: str
    message: InboundMessage | None
    case: Case | None
    owns_case: bool


class LookupFailed(Exception):
    """A wrong number and a wrong code: the same answer for both (HTTP 404)."""

    def __init__(self):
        super().__init__(_("编号或查询码不正确，请核对后重新输入。"))


def clean_number(raw: str) -> str:
    return "".join(str(raw or "").split()).upper()[:24]


def clean_code(raw: str) -> str:
    return "".join(str(raw or "").split())[:16]


def holder_find(number: str, code: str) -> Holder | None:
    """The holder's view of a message ("W…") or a case, or None — without saying which part was wrong."""
    number, code = clean_number(number), clean_code(code)
    if not number or not code:
        return None
    if number.startswith("W"):
        message = InboundMessage.objects.select_related("case").filter(number=number).first()
        if message is None or not secrets.compare_digest(message.query_code, code):
            return None
        linked = message.status in (ScreeningStatus.CONVERTED, ScreeningStatus.MERGED) and message.case_id
        return Holder(
            number=number,
            code=code,
            message=message,
            case=message.case if linked else None,
            owns_case=bool(linked) and message.status == ScreeningStatus.CONVERTED,
        )
    case = Case.objects.filter(number=number).first() if number.isdigit() else None
    if case is None or not secrets.compare_digest(case.query_code, code):
        return None
    return Holder(number=number, code=code, message=None, case=case, owns_case=True)


def holder_lookup(*, number: str, code: str, ip: str | None) -> Holder:
    """`holder_find` behind the per-IP limit on failed guesses (RateLimited, else LookupFailed)."""
    with transaction.atomic():
        gate = RateGate(
            [(TRACK_FAILURES_PER_IP, ip or "")],
            message=_("查询失败次数过多，请稍后再试（约%(wait)s后）。"),
        )
        holder = holder_find(number, code)
        if holder is None:
            gate.hit()
    if holder is None:
        raise LookupFailed()
    return holder


# --- The petitioner's own steps ----------------------------------------------------------------------


def _own_case(holder: Holder) -> Case:
    if holder.case is None or not holder.owns_case:
        raise ActionConflict(_("本事项目前不能在网上评价或申请复查，请联系信访部门。"), code="not_own")
    return holder.case


def portal_evaluate(*, holder: Holder, target: str, level: str, reason: str = "") -> Case:
    """满意/基本满意/不满意 of the 信访部门 or of the handling unit (the case step decides the rest)."""
    from xinfang.cases.choices import EvaluationLevel, EvaluationTarget

    if target not in EvaluationTarget.values:
        raise ValidationError({"target": [_("请选择评价对象。")]})
    if level not in EvaluationLevel.values:
        raise ValidationError({"level": [_("请选择满意、基本满意或不满意。")]})
    reason = (reason or "").strip()
    if len(reason) > 1000:
        raise ValidationError({"reason": [_("理由最多1000字。")]})
    return steps.case_evaluate_online(case=_own_case(holder), target=target, level=level, reason=reason)


def portal_review_request(*, holder: Holder, reason: str) -> Case:
    """复查 (or, after the 复查意见, 复核) asked for on the portal, dated today."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请写明申请理由。")]})
    if len(reason) > 2000:
        raise ValidationError({"reason": [_("申请理由最多2000字。")]})
    return steps.case_review_online(case=_own_case(holder), reason=reason)
