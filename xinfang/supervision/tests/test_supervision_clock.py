"""The supervision clock with time travel: T11 in calendar days, reminders in working days, once only.

2026: 中秋 on Friday 25 September, 国庆 1–7 October (holidays), Saturday 10 October a 调休 working day.
"""

import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.test import override_settings

from xinfang.common.periodic import periodic_jobs
from xinfang.messaging.models import Notification, OutboundSms
from xinfang.supervision import services
from xinfang.supervision.choices import SupervisionEventKind, Trigger
from xinfang.supervision.clock import supervision_clock_scan
from xinfang.supervision.models import Supervision, SupervisionEvent
from xinfang.supervision.tests.support import add_personas, handling_case

SHANGHAI_10AM = datetime.time(2, 0, tzinfo=datetime.UTC)  # 10:00 in Asia/Shanghai


def at(day: datetime.date):
    return datetime.datetime.combine(day, SHANGHAI_10AM)


@pytest.fixture
def sv(org):
    return add_personas(org)


@pytest.fixture
def traveller():
    with time_machine.travel(at(datetime.date(2026, 9, 9)), tick=False) as t:
        yield t


def _open(org, register, **fields):
    case = handling_case(org, register, due_in_days=60)
    return services.supervision_open(
        case=case,
        actor=org.supervisor,
        triggers=[Trigger.SHIRKING],
        facts="久拖不办。",
        requested_action="请于期限内书面回复。",
        **fields,
    )


def _events(kind):
    return SupervisionEvent.objects.filter(kind=kind).count()


def test_the_deadline_is_thirty_calendar_days_and_the_reminder_counts_working_days(sv, register, traveller):
    supervision = _open(sv, register)  # opened Wednesday 9 September
    assert supervision.due_on == datetime.date(2026, 10, 9)  # through 中秋 and 国庆: calendar days
    traveller.move_to(at(datetime.date(2026, 9, 28)))  # Mon: 3 working days ahead is only 8 October
    assert supervision_clock_scan().reminded == 0
    traveller.move_to(at(datetime.date(2026, 9, 29)))  # Tue: 30 Sep, 8 Oct, 9 Oct → the deadline
    assert supervision_clock_scan().reminded == 1
    assert supervision_clock_scan().reminded == 0  # the second run finds nothing to claim
    traveller.move_to(at(datetime.date(2026, 10, 9)))  # the last day: not overdue yet
    run = supervision_clock_scan()
    assert (run.reminded, run.overdue) == (0, 0)
    traveller.move_to(at(datetime.date(2026, 10, 10)))
    assert supervision_clock_scan().overdue == 1
    assert supervision_clock_scan().overdue == 0
    assert (_events(SupervisionEventKind.REMINDED), _events(SupervisionEventKind.OVERDUE)) == (1, 1)
    assert OutboundSms.objects.filter(template="supervision_reminder").count() == 1
    assert OutboundSms.objects.filter(template="supervision_overdue").count() == 1
    assert Notification.objects.filter(kind="supervision_overdue", user=sv.supervisor).count() == 1
    assert Notification.objects.filter(kind="supervision_reminder", user=sv.town_handler).count() == 1


def test_a_weekend_deadline_is_not_moved_and_is_reminded_before_the_weekend(sv, register, traveller):
    traveller.move_to(at(datetime.date(2026, 11, 6)))  # Friday
    supervision = _open(sv, register)
    assert supervision.due_on == datetime.date(2026, 12, 6)  # a Sunday, kept (no roll-forward)
    traveller.move_to(at(datetime.date(2026, 12, 1)))  # Tue: 2, 3, 4 Dec are the next working days
    assert supervision_clock_scan().reminded == 0
    traveller.move_to(at(datetime.date(2026, 12, 2)))  # Wed: 3, 4, 7 Dec → covers Sunday the 6th
    assert supervision_clock_scan().reminded == 1
    traveller.move_to(at(datetime.date(2026, 12, 7)))  # Monday after the deadline
    assert supervision_clock_scan().overdue == 1


def test_a_rule_set_that_rolls_forward_moves_a_holiday_deadline(sv, register, traveller):
    traveller.move_to(at(datetime.date(2026, 9, 2)))
    plain = _open(sv, register)
    assert plain.due_on == datetime.date(2026, 10, 2)  # 国庆 holiday, kept under the national rules
    rule_set = plain.case.rule_set
    rule_set.roll_forward = True
    rule_set.save()
    rolled = _open(sv, register)
    assert rolled.due_on == datetime.date(2026, 10, 8)  # the first working day after the holiday
    assert "顺延" in rolled.due_explanation


def test_a_reply_stops_the_clock_and_escalation_restarts_it(sv, register, traveller):
    supervision = _open(sv, register)
    traveller.move_to(at(datetime.date(2026, 10, 12)))
    assert supervision_clock_scan().overdue == 1
    supervision = services.supervision_reply(
        supervision=supervision, actor=sv.town_handler, text="迟到的回复"
    )
    assert supervision.replies.get().is_late
    traveller.move_to(at(datetime.date(2026, 10, 20)))
    assert supervision_clock_scan().overdue == 0  # replied: waiting for the bureau, not the unit
    supervision = services.supervision_escalate(
        supervision=supervision, actor=sv.supervisor, reason="整改不到位"
    )
    assert supervision.due_on == datetime.date(2026, 11, 19)
    traveller.move_to(at(datetime.date(2026, 11, 17)))
    assert supervision_clock_scan().reminded == 1  # the new round is reminded afresh
    traveller.move_to(at(datetime.date(2026, 11, 20)))
    assert supervision_clock_scan().overdue == 1  # and flagged afresh
    assert _events(SupervisionEventKind.OVERDUE) == 2


@override_settings(SUPERVISION_REMINDER_WORKING_DAYS=0)
def test_reminders_can_be_switched_off(sv, register, traveller):
    _open(sv, register)
    traveller.move_to(at(datetime.date(2026, 10, 9)))
    assert supervision_clock_scan().reminded == 0


def test_the_clock_is_a_periodic_job(settings):
    assert "xinfang.supervision.clock.supervision_clock" in periodic_jobs()


# --- Two workers at the same moment (PostgreSQL) ------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_send_each_notice_once(org, register):
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions; SQLite serialises every write anyway")
    sv = add_personas(org)
    with time_machine.travel(at(datetime.date(2026, 9, 9)), tick=False) as traveller:
        for _ in range(5):
            _open(sv, register)
        traveller.move_to(at(datetime.date(2026, 10, 12)))  # every one of them overdue, none reminded
        Supervision.objects.update(reminder_sent_at=None)
        runs = _race(supervision_clock_scan, supervision_clock_scan)
    assert sum(run.overdue for run in runs) == 5
    assert _events(SupervisionEventKind.OVERDUE) == 5
    assert OutboundSms.objects.filter(template="supervision_overdue").count() == 5


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results
