"""All writes to a case: events, transitions and deadlines (style.md §2, §4–§6)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases.choices import ALLOWED_TRANSITIONS, CLOSED_STATUSES, CaseStatus, CaseUnitRole, EventKind
from xinfang.cases.models import Case, CaseDeadline, CaseEvent, CaseUnit
from xinfang.deadlines.calendar import WorkCalendar, compute_due
from xinfang.deadlines.models import DayType
from xinfang.deadlines.selectors import get_limit, load_calendar
from xinfang.deadlines.services import due_for
from xinfang.orgs.models import Unit

# What the deadline scan records on a clock (xinfang/supervision/reminders.py); cleared when its date moves.
SCAN_MARKS = ("overdue_noted_at", "reminded_at", "escalated_head_at", "escalated_bureau_at")


class InvalidTransition(ValidationError):
    pass


class StaleCase(ValidationError):
    pass


def event_record(
    *, case: Case, kind: str, actor=None, unit=None, from_status="", to_status="", reason="", data=None
):
    """Append an immutable event; callers are inside the transaction of the change they describe."""
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor,
        unit=unit,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )
    from xinfang.messaging.notify import notify_for_event  # the SMS notices, in this same transaction

    notify_for_event(event)
    from xinfang.webhooks.emit import emit_for_case_event  # the webhook outbox, in this same transaction

    emit_for_case_event(event, case)
    return event


def case_link_unit(*, case: Case, unit: Unit, role: str) -> None:
    CaseUnit.objects.get_or_create(case=case, unit=unit, role=role)


def check_transition(from_status: str, to_status: str) -> None:
    """The one guard of the workflow table (domain.md §5)."""
    if to_status not in ALLOWED_TRANSITIONS.get(from_status, ()):
        raise InvalidTransition(
            _("信访件当前状态为“%(from)s”，不能变更为“%(to)s”。")
            % {"from": CaseStatus(from_status).label, "to": CaseStatus(to_status).label},
            code="invalid_transition",
        )


def lock_case(case: Case, *, expected_version: int | None = None) -> Case:
    """Re-read the case under a row lock so that two concurrent actions cannot both win."""
    locked = Case.objects.select_for_update().select_related("purpose").get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleCase(_("该信访件已被他人修改，请刷新后重试。"), code="stale")
    return locked


@transaction.atomic
def case_transition(
    *,
    case: Case,
    to_status: str,
    actor,
    unit: Unit,
    reason: str = "",
    changes: dict | None = None,
    new_owner: Unit | None = None,
    expected_version: int | None = None,
) -> Case:
    """Move a case to `to_status` and record it.

    1. lock the row and check the version; 2. check the transition table; 3. change status/owner;
    4. write the CaseEvent in the same transaction; 5. close the deadlines the step satisfies.
    """
    locked = lock_case(case, expected_version=expected_version)
    check_transition(locked.status, to_status)
    from_status = locked.status
    locked.status = to_status
    locked.is_open = to_status not in CLOSED_STATUSES
    locked.closed_at = timezone.now() if not locked.is_open else None
    locked.version = F("version") + 1
    fields = ["status", "is_open", "closed_at", "version"]
    if new_owner is not None and new_owner.pk != locked.owner_unit_id:
        locked.owner_unit = new_owner
        fields.append("owner_unit")
        case_link_unit(case=locked, unit=new_owner, role=CaseUnitRole.HOLDER)
    locked.save(update_fields=fields)
    data = dict(changes or {})
    if new_owner is not None:
        data["owner_unit"] = new_owner.name
    event_record(
        case=locked,
        kind=EventKind.TRANSITION,
        actor=actor,
        unit=unit,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data,
    )
    if not locked.is_open:
        deadlines_close_all(case=locked, actor=actor)
    locked.refresh_from_db()
    return locked


def deadline_open(
    *,
    case: Case,
    step: str,
    unit: Unit,
    starts_on: datetime.date,
    actor=None,
    fixed_due_on: datetime.date | None = None,
    fixed_basis: str = "",
) -> CaseDeadline:
    """Start one statutory clock from the case's rule set and record how its date was computed.

    `fixed_due_on` is a date set by a person, e.g. the deadline written on a 交办单 (2022 条例 §22(三)).
    """
    if fixed_due_on is not None:
        days = (fixed_due_on - starts_on).days
        text = _("交办单位指定期满日为%(due)s。依据：%(basis)s") % {
            "due": f"{fixed_due_on:%Y年%-m月%-d日}",
            "basis": fixed_basis,
        }
        deadline = CaseDeadline.objects.create(
            case=case,
            step=step,
            unit=unit,
            starts_on=starts_on,
            days=max(days, 0),
            day_type=DayType.CALENDAR,
            basis=fixed_basis,
            due_on=fixed_due_on,
            explanation={"fixed": True, "text": text},
        )
    else:
        limit = get_limit(case.rule_set, step)
        due = due_for(rule_set=case.rule_set, step=step, starts_on=starts_on)
        text = due.explain()
        deadline = CaseDeadline.objects.create(
            case=case,
            step=step,
            unit=unit,
            starts_on=starts_on,
            days=limit.days,
            day_type=limit.day_type,
            basis=limit.basis,
            due_on=due.due_on,
            explanation={**due.as_dict(), "text": text},
        )
    event_record(
        case=case,
        kind=EventKind.DEADLINE_SET,
        actor=actor,
        unit=unit,
        data={"step": step, "due_on": deadline.due_on.isoformat(), "explanation": text},
    )
    case_refresh_due(case)
    return deadline


def deadline_move(*, case: Case, step: str, days: int, why: str, actor=None, unit=None) -> CaseDeadline:
    """Push the open clock of `step` back by `days` calendar days (延期 §34; 听证 time §36 ¶2)."""
    deadline = CaseDeadline.objects.select_for_update().get(case=case, step=step, is_open=True)
    old = deadline.due_on
    deadline.due_on = old + datetime.timedelta(days=days)
    deadline.days += days
    text = _("%(text)s %(why)s，期满日由%(old)s顺延%(days)d日至%(new)s。") % {
        "text": deadline.explanation.get("text", ""),
        "why": why,
        "old": f"{old:%Y年%-m月%-d日}",
        "days": days,
        "new": f"{deadline.due_on:%Y年%-m月%-d日}",
    }
    deadline.explanation = {**deadline.explanation, "text": text}
    for mark in SCAN_MARKS:  # a new date, a new reminder and escalation chain
        setattr(deadline, mark, None)
    deadline.save(update_fields=["due_on", "days", "explanation", *SCAN_MARKS])
    event_record(
        case=case,
        kind=EventKind.DEADLINE_RECOMPUTED,
        actor=actor,
        unit=unit,
        data={
            "step": step,
            "old_due_on": old.isoformat(),
            "due_on": deadline.due_on.isoformat(),
            "explanation": text,
        },
    )
    case_refresh_due(case)
    return deadline


def deadlines_close_all(*, case: Case, actor=None) -> None:
    now = timezone.now()
    CaseDeadline.objects.filter(case=case, is_open=True).update(is_open=False, met_at=now)
    case_refresh_due(case)


def deadline_meet(*, case: Case, step: str | tuple[str, ...], actor=None, unit=None) -> None:
    """Mark the open clock(s) of `step` as met (the step was done)."""
    steps = (step,) if isinstance(step, str) else step
    met = False
    for one in steps:
        if CaseDeadline.objects.filter(case=case, step=one, is_open=True).update(
            is_open=False, met_at=timezone.now()
        ):
            event_record(case=case, kind=EventKind.DEADLINE_MET, actor=actor, unit=unit, data={"step": one})
            met = True
    if met:
        case_refresh_due(case)


def case_refresh_due(case: Case) -> None:
    """Keep the indexed `Case.due_on` equal to the earliest open clock (the workbench sorts on it)."""
    earliest = CaseDeadline.objects.filter(case=case, is_open=True).aggregate(d=Min("due_on"))["d"]
    Case.objects.filter(pk=case.pk).update(due_on=earliest)
    case.due_on = earliest


def deadline_recompute(deadline: CaseDeadline, calendar: WorkCalendar) -> bool:
    """Recompute one open clock after the holiday table changed; True when its date moved.

    The clock keeps the limit it was started with (days, day type, basis); only the calendar changes.
    """
    due = compute_due(
        deadline.starts_on,
        deadline.days,
        deadline.day_type,
        calendar=calendar,
        roll_forward=deadline.case.rule_set.roll_forward,
        basis=deadline.basis,
    )
    if due.due_on == deadline.due_on:
        return False
    with transaction.atomic():
        old = deadline.due_on
        CaseDeadline.objects.filter(pk=deadline.pk).update(
            due_on=due.due_on,
            explanation={**due.as_dict(), "text": due.explain()},
            **dict.fromkeys(SCAN_MARKS),  # a new date, a new reminder and escalation chain
        )
        event_record(
            case=deadline.case,
            kind=EventKind.DEADLINE_RECOMPUTED,
            data={
                "step": deadline.step,
                "old_due_on": old.isoformat(),
                "due_on": due.due_on.isoformat(),
                "explanation": due.explain(),
            },
        )
        case_refresh_due(deadline.case)
    return True


def deadlines_recompute_open() -> int:
    """Recompute every open clock that depends on the holiday table (working days, or roll-forward on).

    One calendar covering all open clocks is loaded once, so the cost is one pass over open clocks.
    """
    affected = CaseDeadline.objects.filter(is_open=True).filter(
        Q(day_type=DayType.WORKING) | Q(case__rule_set__roll_forward=True)
    )
    span = affected.aggregate(first=Min("starts_on"), last=Max("starts_on"), longest=Max("days"))
    if span["first"] is None:
        return 0
    calendar = load_calendar(span["first"], span["last"] + datetime.timedelta(days=span["longest"] * 3 + 60))
    moved = 0
    for deadline in affected.select_related("case", "case__rule_set").iterator(chunk_size=2000):
        moved += deadline_recompute(deadline, calendar)
    return moved


def deadlines_note_overdue(*, today: datetime.date | None = None) -> int:
    """Flag the clocks that passed, once each; returns how many were newly flagged.

    The overdue stage of the deadline scan (`xinfang.supervision.reminders`), which also writes the
    `overdue` event and tells the unit; safe on many workers.
    """
    from xinfang.supervision.reminders import OVERDUE, deadline_scan

    return deadline_scan(today=today, stages=(OVERDUE,)).overdue
