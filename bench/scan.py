"""The deadline scan over the bench database (issue 5 §1: "1,000,000 cases … finishes in ≤ 10 s").

The generated data has never been scanned, so its ~150,000 open clocks hold a backlog: ~8 % due within
days (reminders), ~25 % already overdue (the overdue flag, and most of them both escalations at once).
Each timed sample is one full `deadline_scan()` through the production path (batches committed one by
one) after the scan's marks were reset, so every sample does that whole backlog; then the idle scan
(nothing left to do) is timed too. On PostgreSQL the clocks' table is vacuumed before each (as
autovacuum would between two runs ten minutes apart), so dead index entries left by the previous
sample are not read again.

For the notices to cost what they cost in production, every unit gets a mobile contact phone and staff
to tell for the duration (township/department: a handler and a head; 信访部门: a dispatcher, a
supervisor and a head); afterwards the phones are restored, those users deleted (with their notices),
the SMS and timeline rows the scans wrote deleted and the marks cleared: the database is as before.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection

SCAN_TARGET_S = 10.0
MARKS = ("reminded_at", "overdue_noted_at", "escalated_head_at", "escalated_bureau_at")
STAFF = {
    "handling": (("h", "handler"), ("k", "unit_head")),
    "bureau": (("d", "dispatcher"), ("s", "supervisor"), ("k", "unit_head")),
}
PREFIX = "bench_scan_"


class _Counter:
    """Counts statements without keeping them (an execute wrapper: no DEBUG cursor)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def _staff_up() -> dict[int, str]:
    """Mobile phones and staff for every unit; returns the phones to restore."""
    from xinfang.orgs.models import Membership, Role, Unit, User

    units = list(Unit.objects.only("id", "kind", "contact_phone"))
    before = {u.pk: u.contact_phone for u in units}
    for unit in units:
        unit.contact_phone = f"139{unit.pk:08d}"
    Unit.objects.bulk_update(units, ["contact_phone"])
    seats = [(unit, suffix, role) for unit in units for suffix, role in STAFF[unit.kind]]
    User.objects.bulk_create(
        [
            User(username=f"{PREFIX}{u.pk}_{suffix}", password="!", full_name="值班员")
            for u, suffix, _r in seats
        ],
        ignore_conflicts=True,
    )
    ids = dict(User.objects.filter(username__startswith=PREFIX).values_list("username", "pk"))
    roles = {role.code: role for role in Role.objects.all()}
    Membership.objects.bulk_create(
        [
            Membership(user_id=ids[f"{PREFIX}{u.pk}_{suffix}"], unit=u, role=roles[r])
            for u, suffix, r in seats
        ],
        ignore_conflicts=True,
    )
    return before


def _watermarks() -> dict[str, int]:
    from django.db.models import Max

    from xinfang.cases.models import CaseEvent
    from xinfang.messaging.models import Notification, OutboundSms

    return {
        model.__name__: model.objects.aggregate(m=Max("pk"))["m"] or 0
        for model in (CaseEvent, Notification, OutboundSms)
    }


def _undo(marks: dict[str, int]) -> None:
    """Delete what the scans wrote and clear the marks again."""
    from xinfang.cases.models import CaseDeadline, CaseEvent
    from xinfang.messaging.models import Notification, OutboundSms

    for model in (CaseEvent, Notification, OutboundSms):
        model.objects.filter(pk__gt=marks[model.__name__])._raw_delete(connection.alias)  # no per-row hooks
    CaseDeadline.objects.filter(is_open=True).exclude(
        **dict.fromkeys([f"{m}__isnull" for m in MARKS], True)
    ).update(**dict.fromkeys(MARKS))


def _settle(*tables: str) -> None:
    """PostgreSQL: VACUUM (ANALYZE) what the last scan and its undo churned, as autovacuum would between
    scans in production (the dead index entries would otherwise be read again). Not inside a transaction
    (the smoke test's)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


def _staff_down(phones: dict[int, str]) -> None:
    from xinfang.orgs.models import Unit, User

    units = list(Unit.objects.filter(pk__in=phones).only("id", "contact_phone"))
    for unit in units:
        unit.contact_phone = phones[unit.pk]
    Unit.objects.bulk_update(units, ["contact_phone"])
    User.objects.filter(username__startswith=PREFIX).delete()  # memberships and notices go with them


def measure_scan(
    samples: int, say: Callable[[str], None], *, summarise, contention, timer_cls, quiet: Callable[[], float]
) -> dict[str, dict]:
    """Time `samples` full scans and as many idle ones; returns {"deadline_scan": …, "deadline_scan_idle": …}."""
    from xinfang.cases.models import CaseDeadline
    from xinfang.supervision.reminders import deadline_scan

    open_clocks = CaseDeadline.objects.filter(is_open=True).count()
    marks = _watermarks()
    phones = _staff_up()
    full, idle = timer_cls(), timer_cls()
    work, queries, idle_queries, waited = {}, 0, 0, 0.0
    before = contention()
    try:
        _undo(marks)
        for _sample in range(samples):
            _settle("cases_casedeadline")
            waited += quiet()
            counter = _Counter()
            with connection.execute_wrapper(counter):
                done = full(deadline_scan)
            work, queries = done.as_dict(), counter.n
            _settle("cases_casedeadline")  # the next run, after autovacuum: nothing left to do
            counter = _Counter()
            with connection.execute_wrapper(counter):
                idle(deadline_scan)
            idle_queries = counter.n
            _undo(marks)
    finally:
        _undo(marks)
        _staff_down(phones)
        _settle("cases_casedeadline", "cases_caseevent", "messaging_notification", "messaging_outboundsms")
    seconds = max(full.wall) if full.wall else 0.0
    scan = {
        "kind": "service",
        "what": "deadline_scan(): reminders, overdue flag, escalation to heads and bureau, from scratch",
        **summarise(full.wall, full.cpu),
        "queries": queries,
        "open_clocks": open_clocks,
        "work": work,
        "contention": {"before": before, "after": contention(), "waited_s": waited},
        "target": f"≤ {SCAN_TARGET_S:g} s",
        "ok": seconds <= SCAN_TARGET_S,
        "errors": 0,
    }
    scan["note"] = (
        f"{open_clocks:,} open clocks, {work.get('candidates', 0):,} due for something: "
        f"{work.get('reminded', 0):,} reminded, {work.get('overdue', 0):,} overdue, "
        f"{work.get('escalated_head', 0):,} → heads, {work.get('escalated_bureau', 0):,} → bureau; "
        f"wrote {work.get('notifications', 0):,} notices, {work.get('sms', 0):,} SMS, {work.get('events', 0):,} events"
    )
    idle_op = {
        "kind": "service",
        "what": "deadline_scan() again (after VACUUM on PostgreSQL): nothing left to do",
        **summarise(idle.wall, idle.cpu),
        "queries": idle_queries,
        "target": "",
        "ok": None,
        "errors": 0,
    }
    say(
        f"  {'deadline_scan':<22} p50 {scan['p50_ms'] / 1000:>6.2f} s  max {scan['max_ms'] / 1000:>6.2f} s  "
        f"{queries} queries — {scan['note']}"
    )
    say(f"  {'deadline_scan_idle':<22} p50 {idle_op['p50_ms']:>7.1f} ms  {idle_queries} queries")
    return {"deadline_scan": scan, "deadline_scan_idle": idle_op}
