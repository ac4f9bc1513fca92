"""Writes of 信箱审查 (issue 4 §2): answer, convert, merge or mark spam; draft, approve, withdraw answers.

Every decision on a message is one transaction that re-reads the message under a row lock and acts only
while it is still 待审查: of two staff who press at the same moment one wins, the other is told
已被他人处理 and nothing changes. Each decision records who and when, writes an audit row, and queues
the sender's SMS in the same transaction (the worker sends it after commit). Nothing is deleted: spam
stays in the list with its reason.

Public answers (咨询问答 and 公开回复) are drafts until a unit head or leader approves them; only then
is `published_at` set, which is what the portal shows.
"""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases.access import cases_visible_to
from xinfang.cases.choices import EventKind
from xinfang.cases.models import Case
from xinfang.cases.services import event_record
from xinfang.common.services import audit_record
from xinfang.intake.services import PetitionerInput, case_register, registration_units
from xinfang.messaging.choices import CHANNEL_OF_SOURCE, MessageKind, ScreeningStatus
from xinfang.messaging.models import InboundMessage, Publication
from xinfang.messaging.screening_selectors import REPLY_CASE_STATUSES, can_approve, can_screen
from xinfang.messaging.services import sms_queue
from xinfang.reference.models import Purpose

MAX_ANSWER = 4000
MAX_REASON = 1000
MAX_TITLE = 200

# The purpose a converted message starts with, from what the writer said it is (staff may change it).
PURPOSE_OF_KIND = {
    MessageKind.COMPLAINT: "claim",
    MessageKind.HELP: "claim",
    MessageKind.SUGGESTION: "suggestion",
    MessageKind.CONSULT: "consult",
    MessageKind.REPORT: Purpose.ACCUSATION,
}

MOBILE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
RESIDENT_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


class AlreadyHandled(ValidationError):
    """The message (or the answer) was decided by someone else in the meantime."""


# --- Guards -----------------------------------------------------------------------------------------


def _require_screener(actor, message: InboundMessage) -> None:
    if not can_screen(actor, message.screening_unit):
        raise PermissionDenied(_("您不是该单位的信箱审查人员。"))


def handled_text(message: InboundMessage) -> str:
    who = message.handled_by.get_full_name() if message.handled_by else _("他人")
    when = timezone.localtime(message.handled_at).strftime("%Y-%m-%d %H:%M") if message.handled_at else ""
    return _("该留言已被他人处理：%(outcome)s（%(who)s %(when)s）。") % {
        "outcome": message.get_status_display(),
        "who": who,
        "when": when,
    }


def _lock(message: InboundMessage) -> InboundMessage:
    """Re-read the message under a row lock: a concurrent decision waits here until the first commits."""
    return InboundMessage.objects.select_for_update().get(pk=message.pk)


def _lock_new(message: InboundMessage) -> InboundMessage:
    locked = _lock(message)
    if locked.status != ScreeningStatus.NEW:
        raise AlreadyHandled(handled_text(locked), code="handled")
    return locked


def _decide(locked: InboundMessage, *, actor, status: str, action: str, request, via, detail=None, **fields):
    """Record the decision on the locked message and write its audit row."""
    locked.status = status
    locked.handled_by = actor
    locked.handled_at = timezone.now()
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=["status", "handled_by", "handled_at", *fields])
    audit_record(
        user=actor,
        action=action,
        obj=locked,
        detail={"message": locked.number, **(detail or {})},
        request=request,
        via=via,
    )


def _required_text(errors: dict, field: str, value: str, *, empty: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        errors.setdefault(field, []).append(empty)
    elif len(value) > limit:
        errors.setdefault(field, []).append(_("最多%(n)d字，请精简。") % {"n": limit})
    return value


# --- 直接答复 ---------------------------------------------------------------------------------------


def message_answer(
    *,
    message: InboundMessage,
    actor,
    answer: str,
    publish: bool = False,
    faq_title: str = "",
    faq_question: str = "",
    faq_answer: str = "",
    request=None,
    via: str = "web",
) -> InboundMessage:
    """直接答复 a consultation or a simple question.

    1. check the actor screens the unit and the answer (and the FAQ text, when publishing) is complete;
    2. lock the message, still 待审查; 3. record the answer (ANSWERED) and the audit row;
    4. queue `message_answered` to the sender; 5. optionally a 咨询问答 draft for approval.
    """
    _require_screener(actor, message)
    errors: dict[str, list[str]] = {}
    answer = _required_text(errors, "answer", answer, empty=_("请填写答复内容。"), limit=MAX_ANSWER)
    faq = None
    if publish:
        faq = _clean_publication(
            errors,
            title=faq_title or message.title or (faq_question or "")[:30],
            question=faq_question,
            answer=faq_answer or answer,
            people=_people_of_message(message),
            prefix="faq_",
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock_new(message)
        _decide(
            locked,
            actor=actor,
            status=ScreeningStatus.ANSWERED,
            action="message_answer",
            request=request,
            via=via,
            detail={"publish": publish},
            answer=answer,
        )
        sms_queue(
            phone=locked.phone,
            template_key="message_answered",
            context={"number": locked.number, "answer": answer},
            message=locked,
        )
        if faq is not None:
            _publication_create(
                kind=Publication.Kind.FAQ,
                message=locked,
                case=None,
                actor=actor,
                request=request,
                via=via,
                **faq,
            )
    return locked


# --- 转为信访件 -------------------------------------------------------------------------------------


def message_convert(
    *,
    message: InboundMessage,
    actor,
    purpose_code: str,
    title: str,
    content: str,
    name: str = "",
    phone: str = "",
    id_number: str = "",
    category_id: int | None = None,
    issue_address: str | None = None,
    request=None,
    via: str = "web",
) -> Case:
    """转为信访件: register the message as a case of the screening unit, in the normal workflow.

    1. check the actor screens the unit and may register there; 2. lock the message — if this same
    user already converted it (a double submit), answer with that case; 3. `case_register` with the
    source's channel, the message's date (the statutory clock starts then), its attachments and the
    idempotency key `msg-<number>`; anonymous 举报 → anonymous 检举控告 case; 4. a note on the case;
    5. CONVERTED, linked; 6. SMS `message_converted` with the case number.
    """
    _require_screener(actor, message)
    if message.screening_unit_id not in {u.pk for u in registration_units(actor)}:
        raise PermissionDenied(_("转为信访件需由本单位的登记员或分办员办理。"))
    entered = {
        "purpose_code": purpose_code,
        "category_id": category_id,
        "title": title,
        "content": content,
        "person": PetitionerInput(name=name, phone=phone, id_number=id_number, is_primary=True),
        "issue_address": issue_address,
    }
    files = _reopen_attachments(message)
    try:
        with transaction.atomic():
            locked = _lock(message)
            if locked.status == ScreeningStatus.CONVERTED and locked.handled_by_id == actor.pk:
                return locked.case  # the same person's second click: the first already did it
            if locked.status != ScreeningStatus.NEW:
                raise AlreadyHandled(handled_text(locked), code="handled")
            case = _register(locked, actor=actor, files=files, **entered)
            stored = [a.file.name for a in case.attachments.all()]
            try:
                _after_convert(locked, case=case, actor=actor, request=request, via=via)
            except Exception:
                for name_ in stored:  # the rollback takes the rows; the copied files go too
                    default_storage.delete(name_)
                raise
    finally:
        for f in files:
            f.close()
    return case


def _register(locked, *, actor, files, purpose_code, category_id, title, content, person, issue_address):
    """The registration of a message; an anonymous 举报 is an anonymous 检举控告 case (2022 条例 §30)."""
    anonymous = locked.is_anonymous
    try:
        return case_register(
            actor=actor,
            unit=locked.screening_unit,
            channel_code=CHANNEL_OF_SOURCE[locked.source],
            purpose_code=Purpose.ACCUSATION if anonymous else purpose_code,
            category_id=category_id,
            title=title,
            content=content,
            received_on=timezone.localtime(locked.received_at).date(),
            petitioners=[] if anonymous else [person],
            is_anonymous=anonymous,
            issue_address=locked.issue_address if issue_address is None else issue_address.strip()[:200],
            attachments=files,
            submission_key=f"msg-{locked.number}",
        )
    except ValidationError as exc:
        raise _registration_errors(exc) from None


def _reopen_attachments(message: InboundMessage) -> list[File]:
    """The message's stored files, to be copied to the case (checked again by the registration)."""
    files: list[File] = []
    try:
        for attachment in message.attachments.all():
            files.append(File(attachment.file.open("rb"), name=attachment.original_name))
    except OSError as exc:
        for f in files:
            f.close()
        raise ValidationError(
            {"attachments": [_("留言的附件文件缺失，请联系系统管理员。")]}, code="attachment_missing"
        ) from exc
    return files


def _after_convert(locked: InboundMessage, *, case: Case, actor, request, via) -> None:
    event_record(
        case=case,
        kind=EventKind.NOTE,
        actor=actor,
        unit=locked.screening_unit,
        reason=_("由网上来信%(number)s（%(source)s）转为信访件。")
        % {"number": locked.number, "source": locked.get_source_display()},
        data={"message": locked.number, "source": locked.source},
    )
    _decide(
        locked,
        actor=actor,
        status=ScreeningStatus.CONVERTED,
        action="message_convert",
        request=request,
        via=via,
        detail={"case": case.number},
        case=case,
    )
    sms_queue(
        phone=locked.phone,
        template_key="message_converted",
        context={"number": locked.number, "case_number": case.number, "query_code": case.query_code},
        case=case,
        message=locked,
    )


# The registration's error keys, renamed to the conversion form's fields.
_REGISTRATION_FIELDS = {
    "petitioners.0.name": "name",
    "petitioners.0.phone": "phone",
    "petitioners.0.id_number": "id_number",
    "petitioners.0.id_type": "id_number",
    "petitioners": "name",
}


def _registration_errors(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    errors: dict[str, list[str]] = {}
    for key, messages in exc.message_dict.items():
        errors.setdefault(_REGISTRATION_FIELDS.get(key, key), []).extend(messages)
    return ValidationError(errors)


# --- 并入已有信访件 ---------------------------------------------------------------------------------


def message_merge(
    *, message: InboundMessage, actor, case_number: str, request=None, via: str = "web"
) -> Case:
    """并入已有信访件: the message repeats a case the actor can see.

    1. find the case among those visible to the actor; 2. lock the message, still 待审查; 3. MERGED,
    linked; 4. a NOTE on the case quoting the message number; 5. SMS `message_merged`.
    """
    _require_screener(actor, message)
    number = (case_number or "").strip()
    if not number:
        raise ValidationError({"case_number": [_("请填写要并入的信访件编号。")]})
    case = cases_visible_to(actor).filter(number=number[:24]).first()
    if case is None:
        raise ValidationError(
            {"case_number": [_("找不到编号为%(n)s的信访件，或您无权查看。") % {"n": number[:24]}]}
        )
    with transaction.atomic():
        locked = _lock_new(message)
        _decide(
            locked,
            actor=actor,
            status=ScreeningStatus.MERGED,
            action="message_merge",
            request=request,
            via=via,
            detail={"case": case.number},
            case=case,
        )
        event_record(
            case=case,
            kind=EventKind.NOTE,
            actor=actor,
            unit=locked.screening_unit,
            reason=_("网上来信%(number)s（%(source)s）反映同一事项，已并入本件。")
            % {"number": locked.number, "source": locked.get_source_display()},
            data={"message": locked.number, "source": locked.source, "merged": True},
        )
        sms_queue(
            phone=locked.phone,
            template_key="message_merged",
            context={"number": locked.number, "case_number": case.number},
            case=case,
            message=locked,
        )
    return case


# --- 无效信息 ---------------------------------------------------------------------------------------


def message_mark_spam(
    *, message: InboundMessage, actor, reason: str, request=None, via: str = "web"
) -> InboundMessage:
    """无效信息 (spam, abuse, empty): recorded with its reason, kept in the list, no SMS to the sender."""
    _require_screener(actor, message)
    errors: dict[str, list[str]] = {}
    reason = _required_text(
        errors, "reason", reason, empty=_("请填写认定为无效信息的理由。"), limit=MAX_REASON
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock_new(message)
        _decide(
            locked,
            actor=actor,
            status=ScreeningStatus.SPAM,
            action="message_spam",
            request=request,
            via=via,
            reason=reason,
        )
    return locked


# --- Public answers: 咨询问答 and 公开回复 -----------------------------------------------------------


def _people_of_message(message: InboundMessage) -> list[tuple[str, str, str]]:
    return [(message.name, message.phone, message.id_number)]


def _people_of_case(case: Case) -> list[tuple[str, str, str]]:
    return [(p.name, p.phone, p.id_number) for p in case.petitioners.all()]


def personal_data_in(text: str, people: list[tuple[str, str, str]]) -> list[str]:
    """What in `text` still looks like personal data: the writers' names, phones, ID numbers, or any
    mobile or resident-ID number. The editor removes them; this catches what was overlooked."""
    found: list[str] = []
    compact = re.sub(r"[\s\-]", "", text or "")
    for name, phone, id_number in people:
        if name and len(name.strip()) >= 2 and name.strip() in text:
            found.append(_("姓名“%(name)s”") % {"name": name.strip()})
        if phone and phone in compact:
            found.append(_("手机号码"))
        if id_number and id_number.upper() in compact.upper():
            found.append(_("身份证号码"))
    if MOBILE_RE.search(compact):
        found.append(_("手机号码"))
    if RESIDENT_ID_RE.search(compact):
        found.append(_("身份证号码"))
    return list(dict.fromkeys(found))


def _clean_publication(
    errors: dict, *, title: str, question: str, answer: str, people, prefix: str = ""
) -> dict:
    title = _required_text(errors, f"{prefix}title", title, empty=_("请填写标题。"), limit=MAX_TITLE)
    question = _required_text(
        errors,
        f"{prefix}question",
        question,
        empty=_("请填写公开的问题（已去除个人信息）。"),
        limit=MAX_ANSWER,
    )
    answer = _required_text(
        errors, f"{prefix}answer", answer, empty=_("请填写公开的答复。"), limit=MAX_ANSWER
    )
    for field, text in (
        (f"{prefix}title", title),
        (f"{prefix}question", question),
        (f"{prefix}answer", answer),
    ):
        found = personal_data_in(text, people)
        if found:
            errors.setdefault(field, []).append(
                _(
                    "仍含有个人信息（%(what)s），请删除后再提交：公开的内容不得含有姓名、电话、身份证号、住址等。"
                )
                % {"what": "、".join(found)}
            )
    return {"title": title, "question": question, "answer": answer}


def _publication_create(*, kind, message, case, actor, title, question, answer, request, via) -> Publication:
    unit = case.handling_unit if case is not None and case.handling_unit_id else message.screening_unit
    publication = Publication.objects.create(
        kind=kind,
        message=message,
        case=case,
        title=title,
        question=question,
        answer=answer,
        answered_by_unit=unit.name,
        created_by=actor,
    )
    audit_record(
        user=actor,
        action="publication_draft",
        obj=publication,
        detail={"message": message.number, "kind": kind},
        request=request,
        via=via,
    )
    return publication


def publication_draft_faq(
    *, message: InboundMessage, actor, title: str, question: str, answer: str, request=None, via: str = "web"
) -> Publication:
    """A 咨询问答 draft from a message answered earlier (when it was not published with the answer)."""
    _require_screener(actor, message)
    errors: dict[str, list[str]] = {}
    fields = _clean_publication(
        errors, title=title, question=question, answer=answer, people=_people_of_message(message)
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock(message)
        if locked.status != ScreeningStatus.ANSWERED:
            raise ValidationError(_("只有已直接答复的留言可以发布到咨询问答。"), code="not_answered")
        if locked.publications.filter(kind=Publication.Kind.FAQ, withdrawn_at__isnull=True).exists():
            raise AlreadyHandled(_("该留言已有咨询问答草稿或已发布。"), code="handled")
        return _publication_create(
            kind=Publication.Kind.FAQ,
            message=locked,
            case=None,
            actor=actor,
            request=request,
            via=via,
            **fields,
        )


def reply_refusal(message: InboundMessage) -> str:
    """Why no 公开回复 may be drafted from this message now ("" when it may)."""
    if message.status != ScreeningStatus.CONVERTED or message.case_id is None:
        return _("只有转为信访件的留言才能公开回复。")
    if not message.consent_publish:
        return _("来信人未同意公开答复。")
    if message.case.status not in REPLY_CASE_STATUSES:
        return _("信访件办结（或终结）后才能公开回复。")
    return ""


def publication_draft_reply(
    *, message: InboundMessage, actor, title: str, question: str, answer: str, request=None, via: str = "web"
) -> Publication:
    """公开回复 draft: the writer consented, the case is closed or final; the text is rewritten by staff.

    1. check who and whether (consent, case done); 2. the text holds no personal data of the writer or
    the case's petitioners; 3. one active reply per case (locked on the message); 4. the draft.
    """
    _require_screener(actor, message)
    refusal = reply_refusal(message)
    if refusal:
        raise ValidationError(refusal, code="not_publishable")
    errors: dict[str, list[str]] = {}
    people = _people_of_message(message) + _people_of_case(message.case)
    fields = _clean_publication(errors, title=title, question=question, answer=answer, people=people)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock(message)
        active = Publication.objects.filter(
            case_id=locked.case_id, kind=Publication.Kind.REPLY, withdrawn_at__isnull=True
        )
        if active.exists():
            raise AlreadyHandled(_("该信访件已有公开回复草稿或已发布。"), code="handled")
        return _publication_create(
            kind=Publication.Kind.REPLY,
            message=locked,
            case=message.case,
            actor=actor,
            request=request,
            via=via,
            **fields,
        )


def _publication_unit(publication: Publication):
    if publication.message is None:
        raise PermissionDenied(_("无权审批该公开答复。"))
    return publication.message.screening_unit


def publication_approve(
    *,
    publication: Publication,
    actor,
    title: str | None = None,
    question: str | None = None,
    answer: str | None = None,
    request=None,
    via: str = "web",
) -> Publication:
    """Approve a draft (the approver may correct the text): from now on it is public."""
    if not can_approve(actor, _publication_unit(publication)):
        raise PermissionDenied(_("公开答复须由本单位负责人或领导审批。"))
    people = _people_of_message(publication.message)
    if publication.case_id:
        people += _people_of_case(publication.case)
    errors: dict[str, list[str]] = {}
    fields = _clean_publication(
        errors,
        title=publication.title if title is None else title,
        question=publication.question if question is None else question,
        answer=publication.answer if answer is None else answer,
        people=people,
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Publication.objects.select_for_update().get(pk=publication.pk)
        if locked.published_at is not None or locked.withdrawn_at is not None:
            raise AlreadyHandled(_("该公开答复已被他人处理（已发布或已撤回）。"), code="handled")
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.approved_by = actor
        locked.published_at = timezone.now()
        locked.save(update_fields=["title", "question", "answer", "approved_by", "published_at"])
        audit_record(
            user=actor,
            action="publication_approve",
            obj=locked,
            detail={"message": locked.message.number, "kind": locked.kind},
            request=request,
            via=via,
        )
    return locked


def publication_withdraw(
    *, publication: Publication, actor, reason: str = "", request=None, via: str = "web"
) -> Publication:
    """Withdraw a published answer (heads and leaders) or a draft (they, or whoever drafted it)."""
    unit = _publication_unit(publication)
    own_draft = publication.published_at is None and publication.created_by_id == actor.pk
    if not (can_approve(actor, unit) or own_draft):
        raise PermissionDenied(_("撤回公开答复须由本单位负责人或领导办理。"))
    with transaction.atomic():
        locked = Publication.objects.select_for_update().get(pk=publication.pk)
        if locked.withdrawn_at is not None:
            raise AlreadyHandled(_("该公开答复已被他人撤回。"), code="handled")
        if locked.published_at is not None and not can_approve(actor, unit):
            raise PermissionDenied(_("该答复已发布，撤回须由本单位负责人或领导办理。"))
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["withdrawn_at"])
        audit_record(
            user=actor,
            action="publication_withdraw",
            obj=locked,
            detail={
                "message": locked.message.number,
                "kind": locked.kind,
                "was_public": locked.published_at is not None,
                "reason": (reason or "").strip()[:MAX_REASON],
            },
            request=request,
            via=via,
        )
    return locked
