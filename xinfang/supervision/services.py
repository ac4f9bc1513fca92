"""Writes of 催办 and 督办 (issue 5 §2; 2022 条例 §39–§40, domain.md §4, §11).

Every step runs in one transaction: the row lock and the guard (`workflow.supervision_begin`), the
record, the status change through the table, one immutable `SupervisionEvent`, a case event on the
case's timeline, the 督办函 where the step issues one, and the notices (inbox + SMS) — so a step that
fails leaves nothing behind, not even a document number.

Errors: `SupervisionRefused` (403) when the user may not take the step, `SupervisionConflict` (409)
when the supervision or case is not where the step starts, plain `ValidationError` (400) for input.
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases.choices import EvaluationLevel, EventKind
from xinfang.cases.models import Case, CaseUnit
from xinfang.cases.services import event_record
from xinfang.cases.workflow import answering_unit
from xinfang.common.validators import check_upload
from xinfang.deadlines.models import Step
from xinfang.deadlines.selectors import MissingRuleLimit
from xinfang.deadlines.services import due_for
from xinfang.documents.choices import DocKind
from xinfang.documents.services import document_issue
from xinfang.orgs.access import seats_of
from xinfang.orgs.models import Unit
from xinfang.supervision import notices
from xinfang.supervision.access import SUPERVISING_ROLES, supervising_unit_for
from xinfang.supervision.choices import (
    ACTIVE_STATUSES,
    CallbackStatus,
    Measure,
    SupervisionEventKind,
    SupervisionStatus,
    Trigger,
)
from xinfang.supervision.models import (
    Supervision,
    SupervisionAttachment,
    SupervisionEvent,
    SupervisionReply,
    Urge,
)
from xinfang.supervision.workflow import (
    SupervisionConflict,
    SupervisionRefused,
    check_transition,
    supervision_begin,
)

SS = SupervisionStatus
MAX_TEXT = 4000


def _today() -> datetime.date:
    return timezone.localdate()


def _cn(day: datetime.date) -> str:
    return f"{day:%Y年%-m月%-d日}"


def _required(field: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [message]})
    if len(value) > MAX_TEXT:
        raise ValidationError({field: [_("最多%(n)d字。") % {"n": MAX_TEXT}]})
    return value


def _lock_case(case: Case) -> Case:
    """The case under a row lock (no version bump: 催办/督办 do not move the case itself)."""
    Case.objects.select_for_update().filter(pk=case.pk).first()
    return Case.objects.select_related("owner_unit", "handling_unit", "purpose", "rule_set").get(pk=case.pk)


def _bureau_over(actor, target: Unit, what: str) -> Unit:
    """The 信访部门 the actor acts for over `target`, else a clear refusal."""
    unit = supervising_unit_for(actor, target)
    if unit is not None:
        return unit
    if any(
        seat.unit.pk == target.pk and seat.unit.is_bureau and seat.roles & SUPERVISING_ROLES
        for seat in seats_of(actor)
    ):
        raise SupervisionConflict(
            _("本件目前由本单位（%(unit)s）办理，不能对本单位%(what)s。")
            % {"unit": target.name, "what": what},
            code="own_unit",
        )
    raise SupervisionRefused(
        _("只有%(unit)s的上级信访部门的办信、督办人员或领导可以%(what)s。")
        % {"unit": target.name, "what": what}
    )


def _case_event(*, case, actor, unit, action: str, title: str, reason: str = "", data=None) -> None:
    """The case's own timeline notes every 催办/督办 step (the case itself does not change)."""
    event_record(
        case=case,
        kind=EventKind.ACTION,
        actor=actor,
        unit=unit,
        reason=reason,
        data={"action": action, "title": title, **(data or {})},
    )


# --- 催办 ------------------------------------------------------------------------------------------


@transaction.atomic
def urge_create(*, case: Case, actor, note: str) -> Urge:
    """催办: a short note to the unit holding an open case; repeated 催办 are allowed and counted.

    1. lock the case; 2. it must be open and held by a unit below a bureau where the actor supervises;
    3. number the urge (the nth to this unit); 4. record it and a case event; 5. tell the unit's staff
    (inbox) and its contact phone (SMS).
    """
    note = _required("note", note, _("请填写催办意见。"))
    case = _lock_case(case)
    if not case.is_open:
        raise SupervisionConflict(_("信访件已办结，无需催办。"), code="closed")
    target = case.owner_unit
    unit = _bureau_over(actor, target, _("催办"))
    sequence = Urge.objects.filter(case=case, to_unit=target).count() + 1
    urge = Urge.objects.create(
        case=case, from_unit=unit, to_unit=target, actor=actor, note=note, sequence=sequence
    )
    title = _("催办（第%(n)d次）") % {"n": sequence}
    _case_event(
        case=case,
        actor=actor,
        unit=unit,
        action="urge",
        title=title,
        reason=note,
        data={"to_unit": target.name},
    )
    notices.tell_unit(
        target,
        kind=notices.KIND_URGE,
        title=_("%(from)s催办信访件%(number)s（第%(n)d次）")
        % {"from": unit.name, "number": case.number, "n": sequence},
        body=note,
        link=reverse("cases:detail", args=[case.number]),
        case=case,
    )
    notices.sms_to_unit(
        target,
        "supervision_urge",
        {
            "unit": target.short_name or target.name,
            "from_unit": unit.short_name or unit.name,
            "number": case.number,
            "count": sequence,
            "due_on": case.due_on or "",
        },
        case=case,
    )
    return urge


# --- 督办: the reply deadline (T11) ----------------------------------------------------------------


def reply_due(case: Case, *, starts_on: datetime.date, due_on: datetime.date | None = None):
    """(due date, how it was computed): the rule set's 督办回复 limit (T11), or the date a person set.

    A date equal to the rule's (the form's suggestion, left as it was) keeps the rule's explanation.
    """
    if due_on is not None and due_on <= starts_on:
        raise ValidationError({"due_on": [_("回复期限必须晚于今天。")]})
    try:
        rule = due_for(rule_set=case.rule_set, step=Step.SUPERVISION_REPLY, starts_on=starts_on)
    except MissingRuleLimit as exc:
        if due_on is None:
            raise SupervisionConflict(
                _("%(problem)s也可以手工填写回复期限。") % {"problem": exc}, code="no_limit"
            ) from exc
        rule = None
    if due_on is None or (rule is not None and due_on == rule.due_on):
        return rule.due_on, rule.explain()
    return due_on, _("督办单位指定回复期限为%(due)s（自%(start)s起%(days)d日）。") % {
        "due": _cn(due_on),
        "start": _cn(starts_on),
        "days": (due_on - starts_on).days,
    }


def default_reply_due(case: Case) -> datetime.date | None:
    """The deadline the open form suggests (None when the rule set has no T11 limit)."""
    try:
        return reply_due(case, starts_on=_today())[0]
    except SupervisionConflict:
        return None


# --- 督办: open ------------------------------------------------------------------------------------


def _clean_triggers(triggers) -> list[str]:
    chosen = []
    for code in triggers or ():
        if code not in Trigger.values:
            raise ValidationError({"triggers": [_("未知的督办事由：%(code)s") % {"code": code}]})
        if code not in chosen:
            chosen.append(code)
    if not chosen:
        raise ValidationError({"triggers": [_("请至少选择一项督办事由。")]})
    return chosen


def _target_for(case: Case, actor, *, target_unit, evaluation, callback) -> Unit:
    """The supervised unit: the one named, else the one rated or called about, else the holder/answerer."""
    if target_unit is not None:
        linked = CaseUnit.objects.filter(case=case, unit=target_unit).exists()
        if not linked and target_unit.pk != case.handling_unit_id:
            raise ValidationError({"target_unit": [_("被督办单位必须是办理过本件的单位。")]})
        return target_unit
    if evaluation is not None:
        return evaluation.unit
    if callback is not None:
        return callback.unit
    if supervising_unit_for(actor, case.owner_unit) is not None:
        return case.owner_unit
    return answering_unit(case)


def _check_sources(case: Case, *, evaluation, callback) -> None:
    if evaluation is not None:
        if evaluation.case_id != case.pk:
            raise ValidationError({"evaluation": [_("该评价不属于本信访件。")]})
        if evaluation.level != EvaluationLevel.UNSATISFIED:
            raise SupervisionConflict(_("只有“不满意”的评价才能据此发起督办。"), code="not_unsatisfied")
        if Supervision.objects.filter(evaluation=evaluation).exists():
            raise SupervisionConflict(_("已就该不满意评价发起过督办。"), code="duplicate")
    if callback is not None:
        callback.refresh_from_db(fields=["status", "case"])
        if callback.case_id != case.pk:
            raise ValidationError({"callback": [_("该回访任务不属于本信访件。")]})
        if callback.status != CallbackStatus.DONE:
            raise SupervisionConflict(_("请先录入联系上信访人的回访结果。"), code="not_called")
        if Supervision.objects.filter(callback=callback).exists():
            raise SupervisionConflict(_("已就该回访发起过督办。"), code="duplicate")


def _issue_letter(supervision: Supervision, *, actor, previous_number: str = "") -> None:
    """督办函: numbered 〔unit〕信督〔year〕n号, stored with the case, noted on its timeline."""
    letter = document_issue(
        case=supervision.case,
        kind=DocKind.SUPERVISION_LETTER,
        unit=supervision.unit,
        actor=actor,
        extra={
            "to_unit": supervision.target_unit.name,
            "triggers": [str(Trigger(code).label) for code in supervision.triggers],
            "facts": supervision.facts,
            "requested_action": supervision.requested_action,
            "due_on": supervision.due_on,
            "is_listed": supervision.is_listed,
            "measures": [str(Measure(code).label) for code in supervision.measures if code != Measure.LISTED],
            "round": supervision.round,
            "previous_number": previous_number,
        },
    )
    Supervision.objects.filter(pk=supervision.pk).update(letter=letter)
    supervision.letter = letter
    event_record(
        case=supervision.case,
        kind=EventKind.DOCUMENT,
        actor=actor,
        unit=supervision.unit,
        data={
            "document_id": letter.pk,
            "kind": DocKind.SUPERVISION_LETTER,
            "number": letter.number,
            "title": letter.title,
        },
    )


@transaction.atomic
def supervision_open(
    *,
    case: Case,
    actor,
    triggers,
    facts: str,
    requested_action: str,
    target_unit: Unit | None = None,
    due_on: datetime.date | None = None,
    is_listed: bool = False,
    evaluation=None,
    callback=None,
) -> Supervision:
    """督办 (2022 条例 §40): open a supervision with its 督办函 and its own clock.

    1. clean the input: at least one trigger, the facts and the requested action;
    2. lock the case; the supervised unit (named, or the one rated/called about, else the holder or
       the unit that answered) and the bureau above it the actor acts for;
    3. refuse a second active supervision of that unit on this case, or of the same evaluation/callback;
    4. the reply deadline: T11 of the case's rule set from today, or the date given (later than today);
    5. create the row and its first event, issue the 督办函, note both on the case's timeline;
    6. tell the unit's staff (inbox) and contact phone (SMS), and the leaders when 挂牌督办.
    """
    triggers = _clean_triggers(triggers)
    facts = _required("facts", facts, _("请填写基本情况（督办的事实）。"))
    requested_action = _required("requested_action", requested_action, _("请填写督办要求。"))
    case = _lock_case(case)
    _check_sources(case, evaluation=evaluation, callback=callback)
    target = _target_for(case, actor, target_unit=target_unit, evaluation=evaluation, callback=callback)
    unit = _bureau_over(actor, target, _("督办"))
    active = Supervision.objects.filter(case=case, target_unit=target, status__in=ACTIVE_STATUSES).first()
    if active is not None:
        raise SupervisionConflict(
            _("本件对%(unit)s已有进行中的督办，请在该督办中“再次督办”。") % {"unit": target.name},
            code="active",
        )
    today = _today()
    due, explanation = reply_due(case, starts_on=today, due_on=due_on)
    supervision = Supervision.objects.create(
        case=case,
        unit=unit,
        target_unit=target,
        triggers=triggers,
        facts=facts,
        requested_action=requested_action,
        opened_by=actor,
        starts_on=today,
        due_on=due,
        due_explanation=explanation,
        is_listed=is_listed,
        measures=[Measure.LISTED.value] if is_listed else [],
        evaluation=evaluation,
        callback=callback,
    )
    _issue_letter(supervision, actor=actor)
    SupervisionEvent.objects.create(
        supervision=supervision,
        kind=SupervisionEventKind.OPENED,
        actor=actor,
        unit=unit,
        to_status=SS.OPEN,
        note=facts,
        data={
            "triggers": triggers,
            "due_on": due.isoformat(),
            "letter": supervision.letter.number,
            "is_listed": is_listed,
            "explanation": explanation,
        },
    )
    labels = "、".join(str(Trigger(code).label) for code in triggers)
    _case_event(
        case=case,
        actor=actor,
        unit=unit,
        action="supervise",
        title=_("挂牌督办") if is_listed else _("发起督办"),
        reason=labels,
        data={"to_unit": target.name, "supervision_id": supervision.pk, "due_on": due.isoformat()},
    )
    notices.tell_supervised(
        supervision,
        title=_("%(from)s对信访件%(number)s发出督办函%(doc)s，请于%(due)s前书面回复")
        % {"from": unit.name, "number": case.number, "doc": supervision.letter.number, "due": _cn(due)},
        body=requested_action,
        template_key="supervision_opened",
    )
    if is_listed:
        notices.tell_leaders(supervision)
    return supervision


# --- 督办: the steps after opening -----------------------------------------------------------------


def _transition(*, supervision, to_status, actor, unit, kind, note="", data=None, **fields) -> Supervision:
    """Move through the table, bump the version and write the one immutable event (locked by the caller)."""
    check_transition(supervision.status, to_status)
    from_status = supervision.status
    Supervision.objects.filter(pk=supervision.pk).update(status=to_status, version=F("version") + 1, **fields)
    SupervisionEvent.objects.create(
        supervision=supervision,
        kind=kind,
        actor=actor,
        unit=unit,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )
    supervision.refresh_from_db()
    return supervision


def _store_attachments(reply: SupervisionReply, checked, stored: list[str]) -> list[str]:
    names = []
    for upload, info in checked:
        attachment = SupervisionAttachment(
            reply=reply,
            original_name=info.name,
            content_type=info.content_type,
            size=info.size,
            sha256=info.sha256,
        )
        attachment.file.save(info.name, upload, save=False)
        stored.append(attachment.file.name)
        attachment.save()
        names.append(info.name)
    return names


def supervision_reply(*, supervision: Supervision, actor, text: str, attachments=(), expected_version=None):
    """The supervised unit's written reply (书面反馈, §40), with files; late replies are marked late.

    Files are checked by content before anything is written, and removed again if the step fails.
    """
    text = _required("text", text, _("请填写回复内容（办理和整改情况）。"))
    checked = [(upload, check_upload(upload)) for upload in attachments]
    stored: list[str] = []
    try:
        return _reply(supervision, actor, text, checked, stored, expected_version)
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise


@transaction.atomic
def _reply(supervision, actor, text, checked, stored, expected_version) -> Supervision:
    supervision, unit = supervision_begin(
        supervision=supervision, actor=actor, code="reply", expected_version=expected_version
    )
    today = _today()
    late = today > supervision.due_on
    reply = SupervisionReply.objects.create(
        supervision=supervision,
        round=supervision.round,
        unit=unit,
        text=text,
        submitted_by=actor,
        is_late=late,
    )
    names = _store_attachments(reply, checked, stored)
    supervision = _transition(
        supervision=supervision,
        to_status=SS.REPLIED,
        actor=actor,
        unit=unit,
        kind=SupervisionEventKind.REPLIED,
        note=text,
        data={"round": supervision.round, "late": late, "attachments": names},
        replied_at=timezone.now(),
    )
    _case_event(
        case=supervision.case,
        actor=actor,
        unit=unit,
        action="supervision_reply",
        title=_("督办回复（逾期）") if late else _("督办回复"),
        reason=text,
        data={"supervision_id": supervision.pk},
    )
    notices.tell_supervisors(
        supervision,
        kind=notices.KIND_SUPERVISION,
        title=_("%(unit)s已书面回复督办（信访件%(number)s），请审核")
        % {"unit": unit.name, "number": supervision.case.number},
        body=text,
    )
    return supervision


@transaction.atomic
def supervision_close(
    *, supervision: Supervision, actor, note: str = "", expected_version=None
) -> Supervision:
    """The 信访部门 accepts the reply and closes the supervision."""
    supervision, unit = supervision_begin(
        supervision=supervision, actor=actor, code="close", expected_version=expected_version
    )
    note = (note or "").strip()[:MAX_TEXT]
    supervision = _transition(
        supervision=supervision,
        to_status=SS.CLOSED,
        actor=actor,
        unit=unit,
        kind=SupervisionEventKind.CLOSED,
        note=note,
        data={"round": supervision.round},
        closed_at=timezone.now(),
        closed_by=actor,
    )
    _case_event(
        case=supervision.case,
        actor=actor,
        unit=unit,
        action="supervision_close",
        title=_("督办办结"),
        reason=note,
        data={"supervision_id": supervision.pk},
    )
    notices.tell_supervised(
        supervision,
        title=_("督办已办结（信访件%(number)s）") % {"number": supervision.case.number},
        body=note,
    )
    return supervision


def _clean_measures(measures) -> list[str]:
    chosen = []
    for code in measures or ():
        if code not in Measure.values:
            raise ValidationError({"measures": [_("未知的措施：%(code)s") % {"code": code}]})
        if code not in chosen:
            chosen.append(code)
    return chosen


@transaction.atomic
def supervision_escalate(
    *,
    supervision: Supervision,
    actor,
    reason: str,
    due_on: datetime.date | None = None,
    measures=(),
    requested_action: str = "",
    expected_version=None,
) -> Supervision:
    """再次督办: a new round with a new deadline and a new 督办函; 约谈/通报/挂牌督办 noted (§39).

    1. the guard (open or replied, the supervising bureau); 2. the new deadline (T11 from today, or
    the date given); 3. the new round: reminders and overdue marks start afresh; 4. the new 督办函
    cites the previous one; 5. events and notices as when opening.
    """
    reason = _required("reason", reason, _("请写明再次督办的理由。"))
    measures = _clean_measures(measures)
    requested_action = (requested_action or "").strip()[:MAX_TEXT]
    supervision, unit = supervision_begin(
        supervision=supervision, actor=actor, code="escalate", expected_version=expected_version
    )
    today = _today()
    due, explanation = reply_due(supervision.case, starts_on=today, due_on=due_on)
    previous_number = notices.letter_number(supervision)
    all_measures = list(supervision.measures) + [m for m in measures if m not in supervision.measures]
    listed_now = Measure.LISTED in measures and not supervision.is_listed
    new_round = {
        "round": supervision.round + 1,
        "starts_on": today,
        "due_on": due,
        "due_explanation": explanation,
        "measures": all_measures,
        "is_listed": supervision.is_listed or Measure.LISTED in measures,
        "requested_action": requested_action or supervision.requested_action,
    }
    for name, value in new_round.items():
        setattr(supervision, name, value)
    _issue_letter(supervision, actor=actor, previous_number=previous_number)
    supervision = _transition(
        supervision=supervision,
        to_status=SS.OPEN,
        actor=actor,
        unit=unit,
        kind=SupervisionEventKind.ESCALATED,
        note=reason,
        data={
            "round": new_round["round"],
            "due_on": due.isoformat(),
            "measures": measures,
            "letter": supervision.letter.number,
            "explanation": explanation,
        },
        reminder_sent_at=None,
        overdue_noted_at=None,
        replied_at=None,
        **new_round,
    )
    labels = "、".join(str(Measure(code).label) for code in measures)
    _case_event(
        case=supervision.case,
        actor=actor,
        unit=unit,
        action="supervise_again",
        title=_("再次督办（第%(n)d轮）") % {"n": supervision.round},
        reason=f"{reason}（{labels}）" if labels else reason,
        data={"to_unit": supervision.target_unit.name, "supervision_id": supervision.pk},
    )
    notices.tell_supervised(
        supervision,
        title=_("%(from)s再次督办信访件%(number)s（督办函%(doc)s），请于%(due)s前书面回复")
        % {
            "from": unit.name,
            "number": supervision.case.number,
            "doc": supervision.letter.number,
            "due": _cn(due),
        },
        body=reason,
        template_key="supervision_opened",
    )
    if listed_now:
        notices.tell_leaders(supervision)
    return supervision


# The service of each step after opening, called by the web form and the API alike.
STEP_SERVICES = {
    "reply": supervision_reply,
    "close": supervision_close,
    "escalate": supervision_escalate,
}
