"""Two workers run the deadline scan at the same moment on PostgreSQL (issue 5 §1, "Done means").

Each scan runs in its own thread with its own database connection, released together by a barrier,
over 1,200 clocks (three batches each). Writing a batch's notices is slowed down while its clocks are
locked, so the two scans surely meet on the same batches: the second skips what the first holds. In
the end every inbox notice, SMS and timeline entry exists exactly once, and both workers did part of
the work.
"""

import threading
import time

import pytest
from django.db import connection
from django.db.models import Count

from xinfang.cases.choices import EventKind
from xinfang.cases.models import Case, CaseDeadline, CaseEvent
from xinfang.deadlines.models import DayType, Step
from xinfang.messaging.models import Notification, OutboundSms
from xinfang.supervision import reminders
from xinfang.supervision.tests.test_reminders import D, at

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PER_GROUP = 600  # clocks due soon + clocks long overdue: 1,200, more than two batches of 500
HOLD_SECONDS = 0.2
TODAY = D(2025, 6, 11)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions; SQLite serialises every write anyway")


@pytest.fixture
def clocks(register, org):
    """One case per clock (copies of a registered case): due on 6月16日 (reminder) or 5月20日 (all stages)."""
    from xinfang.orgs.models import Membership, Role, User

    org.town.contact_phone = "13800000001"
    org.town.save()
    supervisor = User.objects.create_user(username="supervisor", full_name="督办员")
    Membership.objects.create(user=supervisor, unit=org.county, role=Role.objects.get(code="supervisor"))
    base = register()
    base.deadlines.update(is_open=False)
    fields = {f.attname: getattr(base, f.attname) for f in Case._meta.concrete_fields if not f.primary_key}
    cases = Case.objects.bulk_create(
        [
            Case(**{**fields, "number": f"99{i:017d}", "query_code": f"9{i:09d}", "submission_key": None})
            for i in range(2 * PER_GROUP)
        ]
    )
    rows = [
        CaseDeadline(
            case=case,
            step=Step.HANDLE,
            unit=org.town,
            starts_on=D(2025, 3, 1),
            days=60,
            day_type=DayType.CALENDAR,
            basis="《信访工作条例》第三十四条",
            due_on=D(2025, 6, 16) if i < PER_GROUP else D(2025, 5, 20),
        )
        for i, case in enumerate(cases)
    ]
    return CaseDeadline.objects.bulk_create(rows)


def race(*calls):
    """Run the calls in parallel threads, released together; each thread closes its own connection."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = calls[index]()
        except BaseException as exc:  # noqa: BLE001 - reported by the caller's assertions
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a scan hung"
    return results


@pytest.fixture
def slow_batches(monkeypatch):
    """Hold each batch's locks a moment (while its SMS are written) so that the two scans overlap."""
    real = reminders.sms_queue_many

    def held(notices):
        time.sleep(HOLD_SECONDS)
        return real(notices)

    monkeypatch.setattr(reminders, "sms_queue_many", held)


def test_two_workers_scanning_at_once_send_everything_exactly_once(clocks, org, slow_batches):
    with at(TODAY):
        results = race(reminders.deadline_scan, reminders.deadline_scan)
    assert all(isinstance(r, reminders.ScanResult) for r in results), results
    a, b = results
    assert a.candidates == b.candidates == 2 * PER_GROUP  # both saw all the work …
    assert a.reminded and b.reminded or a.overdue and b.overdue  # … and both did some of it
    assert a.reminded + b.reminded == PER_GROUP
    assert a.overdue + b.overdue == a.escalated_head + b.escalated_head == PER_GROUP
    assert a.escalated_bureau + b.escalated_bureau == PER_GROUP

    # Exactly once: per case (one clock each) one SMS, one notice per person, one timeline entry.
    sms = OutboundSms.objects.filter(template__startswith="deadline_")
    assert sms.count() == 2 * PER_GROUP
    assert not sms.values("case", "template").annotate(n=Count("id")).filter(n__gt=1).exists()
    notices = Notification.objects.all()
    assert notices.count() == PER_GROUP * 1 + PER_GROUP * 5  # a reminder to 1; overdue+head+bureau to 5
    assert not notices.values("case", "user").annotate(n=Count("id")).filter(n__gt=1).exists()
    events = CaseEvent.objects.filter(kind=EventKind.OVERDUE)
    assert events.count() == PER_GROUP
    assert not events.values("case").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert a.notifications + b.notifications == notices.count()
    assert a.sms + b.sms == sms.count()

    # Every claim is on the clocks, and a third scan finds nothing left to do.
    open_marks = CaseDeadline.objects.filter(is_open=True)
    assert open_marks.filter(reminded_at__isnull=False).count() == PER_GROUP
    assert open_marks.filter(escalated_bureau_at__isnull=False).count() == PER_GROUP
    with at(TODAY):
        assert reminders.deadline_scan().candidates == 0


def test_two_workers_on_the_next_days_still_send_each_stage_once(clocks, org):
    for day in (D(2025, 6, 11), D(2025, 6, 17), D(2025, 6, 19), D(2025, 6, 24)):
        with at(day):
            results = race(reminders.deadline_scan, reminders.deadline_scan)
        assert all(isinstance(r, reminders.ScanResult) for r in results), results
    # The reminded clocks went through every stage, one day at a time: four texts each.
    per_case = (
        OutboundSms.objects.filter(template__startswith="deadline_").values("case").annotate(n=Count("id"))
    )
    assert sorted({row["n"] for row in per_case}) == [1, 4]
    assert Notification.objects.count() == PER_GROUP * (1 + 1 + 1 + 3) + PER_GROUP * 5
    assert CaseEvent.objects.filter(kind=EventKind.OVERDUE).count() == PER_GROUP * 3 + PER_GROUP
