"""Writes at the public doors: receive a message (any source) and queue an SMS (issue 4).

`message_receive` is the one way in for 县长信箱, 在线咨询, 短信 and 论坛: it validates, stores the message
(and its files) before anyone is told "received", is idempotent on the sender's own id, numbers it,
and queues the SMS with the number and 查询码 — all in one transaction.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.bulk import rows_append
from xinfang.common.validators import check_upload, normalize_phone, normalize_resident_id
from xinfang.messaging.choices import MessageKind, SmsStatus, Source
from xinfang.messaging.models import (
    InboundMessage,
    MessageAttachment,
    MessageNumberSeq,
    OutboundSms,
    SmsOptOut,
    SmsTemplate,
)
from xinfang.messaging.selectors import portal_unit

MAX_TITLE = 200
MAX_CONTENT = 5000  # a long letter fits; a 20,000-character paste is refused with a clear message


@dataclass(frozen=True)
class Received:
    message: InboundMessage
    created: bool  # False: the same delivery came again (a retry) and nothing new was made


def next_message_number(day: datetime.date) -> str:
    """ "W" + yyyymmdd + 5-digit daily serial, gap-free (bumped under a row lock, like case numbers)."""
    prefix = f"W{day:%Y%m%d}"
    MessageNumberSeq.objects.bulk_create([MessageNumberSeq(prefix=prefix, last=0)], ignore_conflicts=True)
    seq = MessageNumberSeq.objects.select_for_update().get(prefix=prefix)
    seq.last += 1
    if seq.last > 99999:
        raise ValidationError(_("今日留言编号已用尽。"), code="serial_exhausted")
    seq.save(update_fields=["last"])
    return f"{prefix}{seq.last:05d}"


def new_message_code() -> str:
    while True:
        code = f"{secrets.randbelow(10**10):010d}"
        if code[0] != "0" and not InboundMessage.objects.filter(query_code=code).exists():
            return code


def _clean(*, source, kind, name, phone, id_number, is_anonymous, title, content, attachments):
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    content = (content or "").strip()
    title = (title or "").strip()
    if not content:
        add("content", _("请填写内容。"))
    elif len(content) > MAX_CONTENT:
        add("content", _("内容最多%(n)d字，请精简或分几次提交。") % {"n": MAX_CONTENT})
    if len(title) > MAX_TITLE:
        add("title", _("标题最多%(n)d字。") % {"n": MAX_TITLE})
    if kind not in MessageKind.values:
        add("kind", _("请选择类型。"))
    anonymous_report = is_anonymous and kind == MessageKind.REPORT
    name = (name or "").strip()[:40]
    if not anonymous_report and source in (Source.MAILBOX, Source.CONSULT) and not name:
        add("name", _("请填写姓名（匿名举报除外）。"))
    try:
        phone = normalize_phone(phone) if phone else ""
    except ValidationError as exc:
        add("phone", exc.messages[0])
    if not phone and not anonymous_report and source in (Source.MAILBOX, Source.CONSULT, Source.SMS):
        add("phone", _("请填写手机号码，以便接收编号和答复（匿名举报除外）。"))
    try:
        id_number = normalize_resident_id(id_number) if id_number else ""
    except ValidationError as exc:
        add("id_number", exc.messages[0])
    if len(attachments) > settings.ATTACHMENT_MAX_COUNT:
        add("attachments", _("附件最多%(n)s个。") % {"n": settings.ATTACHMENT_MAX_COUNT})
    checked = []
    for upload in attachments:
        try:
            checked.append((upload, check_upload(upload)))
        except ValidationError as exc:
            add("attachments", exc.messages[0])
    if errors:
        raise ValidationError(errors)
    return {"name": name, "phone": phone, "id_number": id_number, "title": title, "content": content}, checked


def message_receive(
    *,
    source: str,
    content: str,
    kind: str = MessageKind.COMPLAINT,
    title: str = "",
    name: str = "",
    phone: str = "",
    id_number: str = "",
    is_anonymous: bool = False,
    issue_address: str = "",
    consent_publish: bool = False,
    external_id: str | None = None,
    link: str = "",
    sender_ip: str | None = None,
    attachments=(),
    received_at: datetime.datetime | None = None,
) -> Received:
    """Store one message from the public and queue its acknowledgement (number + 查询码) by SMS."""
    if external_id:
        existing = InboundMessage.objects.filter(source=source, external_id=external_id).first()
        if existing is not None:
            return Received(existing, created=False)
    cleaned, checked = _clean(
        source=source,
        kind=kind,
        name=name,
        phone=phone,
        id_number=id_number,
        is_anonymous=is_anonymous,
        title=title,
        content=content,
        attachments=list(attachments),
    )
    stored: list[str] = []
    try:
        with transaction.atomic():
            message = _store(
                source=source,
                kind=kind,
                is_anonymous=is_anonymous and kind == MessageKind.REPORT,
                issue_address=(issue_address or "").strip()[:200],
                consent_publish=consent_publish,
                external_id=external_id or None,
                link=link,
                sender_ip=sender_ip,
                received_at=received_at or timezone.now(),
                checked=checked,
                stored=stored,
                **cleaned,
            )
    except IntegrityError:
        for name_ in stored:
            default_storage.delete(name_)
        if external_id:  # the twin delivery committed first
            existing = InboundMessage.objects.filter(source=source, external_id=external_id).first()
            if existing is not None:
                return Received(existing, created=False)
        raise
    except Exception:
        for name_ in stored:
            default_storage.delete(name_)
        raise
    return Received(message, created=True)


def _store(*, checked, stored, received_at, **fields) -> InboundMessage:
    day = timezone.localtime(received_at).date()
    message = InboundMessage.objects.create(
        number=next_message_number(day),
        query_code=new_message_code(),
        received_at=received_at,
        due_on=day + datetime.timedelta(days=settings.MAILBOX_REPLY_DAYS),
        screening_unit=portal_unit(),
        **fields,
    )
    for upload, info in checked:
        attachment = MessageAttachment(
            message=message,
            original_name=info.name,
            content_type=info.content_type,
            size=info.size,
            sha256=info.sha256,
        )
        attachment.file.save(info.name, upload, save=False)
        stored.append(attachment.file.name)
        attachment.save()
    if message.phone:
        sms_queue(
            phone=message.phone,
            template_key="message_received",
            context={"number": message.number, "query_code": message.query_code, "due_on": message.due_on},
            message=message,
        )
    return message


class _Blank(dict):
    def __missing__(self, key):
        return ""


def sms_render(template_key: str, context: dict) -> str | None:
    """The text of a notice from its admin-edited template; None when the template is switched off."""
    template = SmsTemplate.objects.filter(key=template_key, is_active=True).first()
    if template is None:
        return None
    return _fill(template.text, context)


def _fill(text: str, context: dict) -> str:
    values = _Blank(
        {k: (f"{v:%Y年%-m月%-d日}" if isinstance(v, datetime.date) else v) for k, v in context.items()}
    )
    return text.format_map(values).strip()


def sms_queue(*, phone: str, template_key: str, context: dict, case=None, message=None) -> OutboundSms | None:
    """Put one notice in the outbox, in the caller's transaction; the worker sends it.

    A phone that opted out gets no notice; the row is kept as `skipped` so staff can see why.
    """
    text = sms_render(template_key, context)
    if text is None or not phone:
        return None
    status = SmsStatus.SKIPPED if SmsOptOut.objects.filter(phone=phone).exists() else SmsStatus.QUEUED
    return OutboundSms.objects.create(
        phone=phone,
        text=text,
        template=template_key,
        status=status,
        next_attempt_at=timezone.now(),
        case=case,
        message=message,
    )


@dataclass(frozen=True)
class SmsNotice:
    """One notice for `sms_queue_many`: a phone, a template and its values, and the case it is about."""

    phone: str
    template_key: str
    context: dict
    case_id: int | None = None


def sms_queue_many(notices: list[SmsNotice]) -> int:
    """`sms_queue` for a batch (the deadline scan): templates and opt-outs are read once, one append.

    Same rules as `sms_queue`: a switched-off template or an empty phone queues nothing, an opted-out
    phone gets a `skipped` row. Returns how many rows were queued.
    """
    notices = [n for n in notices if n.phone]
    if not notices:
        return 0
    templates = dict(
        SmsTemplate.objects.filter(key__in={n.template_key for n in notices}, is_active=True).values_list(
            "key", "text"
        )
    )
    opted_out = set(
        SmsOptOut.objects.filter(phone__in={n.phone for n in notices}).values_list("phone", flat=True)
    )
    now = timezone.now()
    rows = [
        (
            n.phone,
            _fill(templates[n.template_key], n.context),
            n.template_key,
            SmsStatus.SKIPPED.value if n.phone in opted_out else SmsStatus.QUEUED.value,
            now,
            n.case_id,
            now,
        )
        for n in notices
        if n.template_key in templates
    ]
    columns = ("phone", "text", "template", "status", "next_attempt_at", "case_id", "created_at")
    return rows_append(OutboundSms, columns, rows)
