import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from xinfang.cases.choices import ALLOWED_TRANSITIONS, CLOSED_STATUSES, CaseStatus, EventKind
from xinfang.cases.models import CaseDeadline, CaseEvent, ImmutableError
from xinfang.cases.services import (
    InvalidTransition,
    case_transition,
    deadlines_note_overdue,
    deadlines_recompute_open,
)
from xinfang.cases.tasks import recompute_open_deadlines, scan_overdue
from xinfang.deadlines.models import HolidayDay, RuleSet, Step


def test_it_writes_an_event_in_the_same_transaction_as_a_transition(register, org):
    case = register()
    case = case_transition(
        case=case,
        to_status=CaseStatus.PENDING_SIGN,
        actor=org.dispatcher,
        unit=org.county,
        reason="转送东湖镇",
        new_owner=org.town,
    )
    event = case.events.get(kind=EventKind.TRANSITION)
    assert (event.from_status, event.to_status, event.reason) == ("registered", "pending_sign", "转送东湖镇")
    assert event.data["owner_unit"] == "东湖镇"
    assert case.owner_unit == org.town and case.version == 2


def test_it_refuses_transitions_outside_the_table_and_changes_nothing(register, org):
    case = register()
    with pytest.raises(InvalidTransition) as caught:
        case_transition(case=case, to_status=CaseStatus.SERVED, actor=org.dispatcher, unit=org.county)
    assert "不能变更为" in caught.value.messages[0]
    case.refresh_from_db()
    assert case.status == CaseStatus.REGISTERED and case.events.filter(kind=EventKind.TRANSITION).count() == 0


def test_it_refuses_a_stale_version(register, org):
    case = register()
    with pytest.raises(ValidationError) as caught:
        case_transition(
            case=case,
            to_status=CaseStatus.INFORMED,
            actor=org.dispatcher,
            unit=org.county,
            expected_version=99,
        )
    assert "已被他人修改" in caught.value.messages[0]


def test_it_closes_clocks_when_the_case_closes(register, org):
    case = register()
    case = case_transition(case=case, to_status=CaseStatus.INFORMED, actor=org.dispatcher, unit=org.county)
    assert not case.is_open and case.closed_at is not None and case.due_on is None
    assert not CaseDeadline.objects.filter(case=case, is_open=True).exists()


def test_every_status_has_a_row_in_the_transition_table():
    assert set(ALLOWED_TRANSITIONS) == set(CaseStatus.values)
    for targets in ALLOWED_TRANSITIONS.values():
        assert set(targets) <= set(CaseStatus.values)
    assert ALLOWED_TRANSITIONS[CaseStatus.ARCHIVED] == ()
    assert CaseStatus.ARCHIVED in CLOSED_STATUSES


def test_case_events_are_immutable(register):
    event = register().events.first()
    event.reason = "篡改"
    with pytest.raises(ImmutableError):
        event.save()
    with pytest.raises(ImmutableError):
        event.delete()
    assert CaseEvent.objects.get(pk=event.pk).reason == ""


@pytest.fixture
def zhejiang(org):
    """Working-day clocks: the Zhejiang preset disposes in 5 working days."""
    org.county.rule_set = RuleSet.objects.get(code="zhejiang-2016")
    org.county.save()
    return org


def test_it_recomputes_open_working_day_clocks_when_the_holiday_table_changes(register, zhejiang):
    with time_machine.travel(datetime.datetime(2026, 9, 30, 10, tzinfo=datetime.UTC), tick=False):
        case = register(received_on=datetime.date(2026, 9, 30))
    assert case.due_on == datetime.date(2026, 10, 13)  # 10-08, 10-09, 10-10 (调休), 10-12, 10-13
    HolidayDay.objects.create(date=datetime.date(2026, 10, 12), is_workday=False, name="假设临时放假")
    assert deadlines_recompute_open() == 1
    case.refresh_from_db()
    assert case.due_on == datetime.date(2026, 10, 14)
    event = case.events.get(kind=EventKind.DEADLINE_RECOMPUTED)
    assert event.data["old_due_on"] == "2026-10-13" and event.data["due_on"] == "2026-10-14"
    assert deadlines_recompute_open() == 0  # nothing moves a second time


def test_it_leaves_calendar_day_clocks_alone_without_roll_forward(register, org):
    case = register(received_on=datetime.date.today() - datetime.timedelta(days=2))
    HolidayDay.objects.create(date=case.due_on, is_workday=False, name="假设")
    assert deadlines_recompute_open() == 0


def test_the_worker_runs_the_recompute_job(register, zhejiang, run_worker):
    with time_machine.travel(datetime.datetime(2026, 9, 30, 10, tzinfo=datetime.UTC), tick=False):
        case = register(received_on=datetime.date(2026, 9, 30))
    HolidayDay.objects.create(date=datetime.date(2026, 10, 12), is_workday=False, name="假设")
    recompute_open_deadlines.enqueue()
    run_worker()
    case.refresh_from_db()
    assert case.due_on == datetime.date(2026, 10, 14)


def test_it_notes_overdue_clocks_once(register, org):
    case = register(received_on=datetime.date.today() - datetime.timedelta(days=40))
    assert case.due_on < datetime.date.today()
    assert deadlines_note_overdue() == 1
    assert deadlines_note_overdue() == 0
    assert case.events.filter(kind=EventKind.OVERDUE).count() == 1
    assert case.deadlines.get().step == Step.DISPOSE


def test_the_periodic_overdue_scan_is_enqueued_once_per_interval(register, org, run_worker):
    from django_tasks_db.models import DBTaskResult

    case = register(received_on=datetime.date.today() - datetime.timedelta(days=40))
    run_worker()
    run_worker()  # not due again yet
    runs = DBTaskResult.objects.filter(task_path="xinfang.supervision.reminders.scan_deadlines")
    assert runs.count() == 1 and runs.get().status == "SUCCESSFUL"
    assert case.events.filter(kind=EventKind.OVERDUE).count() == 1
    assert scan_overdue.call() == 0
