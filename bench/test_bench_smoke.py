"""The bench runs end to end on a tiny data set (SQLite and PostgreSQL alike).

No timing assertions here: speed is measured by `make bench`, never asserted in tests.
"""

import pytest

from bench import report
from bench.generate import BENCH_USERS, ensure_personas, generate
from bench.measure import Options, measure

CASES = 2000
SAMPLES = 20


@pytest.fixture
def generated(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the bench users' logins
    return generate(CASES, batch=700, progress=None, analyze=False)


def test_generator_writes_consistent_rows(generated):
    from xinfang.cases.models import Case, CaseDeadline, CaseEvent, CaseNumberSeq, CaseUnit, Petitioner

    assert generated.cases == CASES
    assert Case.objects.count() == CASES
    assert generated.rows["case"] == CASES
    assert CaseEvent.objects.count() == generated.rows["event"] == 2 * CASES
    assert Petitioner.objects.count() == generated.rows["petitioner"] > CASES * 0.9
    assert CaseUnit.objects.count() == generated.rows["case_unit"] >= 2 * CASES

    open_cases = Case.objects.filter(is_open=True)
    assert 0.08 * CASES < open_cases.count() < 0.25 * CASES
    assert CaseDeadline.objects.count() == open_cases.count()
    assert not open_cases.filter(due_on__isnull=True).exists()
    assert not Case.objects.filter(is_open=False, closed_at__isnull=True).exists()
    assert Case.objects.values("channel").distinct().count() >= 5

    # Numbers are region + date + serial, and the sequences continue after the highest serial used.
    for seq in CaseNumberSeq.objects.all()[:50]:
        numbers = list(Case.objects.filter(number__startswith=seq.prefix).values_list("number", flat=True))
        assert numbers and max(int(n[-5:]) for n in numbers) == seq.last
    assert all(len(n) == 19 for n in Case.objects.values_list("number", flat=True)[:100])
    assert all(len(q) == 10 for q in Case.objects.values_list("query_code", flat=True)[:100])

    # Some petitioners come back: the same name and phone on more than one case.
    repeated = Case.objects.filter(is_repeat=True, repeat_of__isnull=False)
    assert repeated.exists()
    first = repeated.first()
    assert set(first.petitioners.values_list("phone", flat=True)) & set(
        first.repeat_of.petitioners.values_list("phone", flat=True)
    )


def test_measurements_have_every_operation(generated):
    from xinfang.orgs.models import User

    personas = ensure_personas()
    assert set(User.objects.filter(username__in=BENCH_USERS).values_list("username", flat=True)) == set(
        BENCH_USERS
    )

    options = Options(samples=SAMPLES, warmup=2, registrations=SAMPLES, concurrent=False, explain="all")
    result = measure(personas, options, progress=None)
    ops = result["operations"]

    assert set(ops) == set(report.ORDER) - {"registration_concurrent"}
    scan, idle = ops.pop("deadline_scan"), ops.pop("deadline_scan_idle")
    assert scan["samples"] == idle["samples"] == options.scan_samples
    assert scan["work"]["candidates"] > 0 and scan["work"]["overdue"] > 0 and scan["work"]["sms"] > 0
    assert scan["work"]["notifications"] > scan["work"]["overdue"]  # the unit, its heads, the bureau above
    assert idle["queries"] < scan["queries"] and scan["ok"] in (True, False)
    assert_scan_left_no_trace()
    # Issue 7: the write and the counter are not page fetches (no profile, their own sample counts).
    api_others = {
        name: ops.pop(name) for name in ("api_token_note", "ratelimit_counter", "ratelimit_sliding_window")
    }
    assert api_others["api_token_note"]["errors"] == 0, api_others["api_token_note"].get("first_error")
    assert (
        0 < api_others["ratelimit_counter"]["p50_ms"] and 0 < api_others["ratelimit_sliding_window"]["p50_ms"]
    )
    for name, op in ops.items():
        if name.startswith("transition_"):  # fresh cases per step, never fewer than min_samples
            assert op["samples"] == options.min_samples and op["errors"] == 0, (
                name,
                op.get("first_error"),
            )
            continue
        assert op["samples"] == SAMPLES, name
        assert op.get("errors", 0) == 0, (name, op.get("first_error"))
        assert 0 < op["p50_ms"] <= op["p95_ms"] <= op["max_ms"], name
        assert op["queries"] > 0, name
        assert op["slowest_sql"] and "plan" in op["slowest_sql"][0], name
        assert op["ok"] in (True, False), name
    assert ops["registration"]["cases_per_second"] > 0
    assert sum(result["context"]["busy_unit_open"].values()) > 0
    assert ops["lookup_number"]["mean_hits"] == 1

    ops.update(deadline_scan=scan, deadline_scan_idle=idle, **api_others)
    text = report.table({"engine": "test", "operations": ops, "cases_in_db": CASES})
    for name in ops:
        assert name in text


def assert_scan_left_no_trace():
    """The scan's bench staff, phones, notices, SMS, events and marks are gone again."""
    from xinfang.cases.models import CaseDeadline, CaseEvent
    from xinfang.messaging.models import Notification, OutboundSms
    from xinfang.orgs.models import Unit, User

    assert not User.objects.filter(username__startswith="bench_scan_").exists()
    assert not Unit.objects.filter(contact_phone__startswith="139").exists()
    assert not Notification.objects.exists()
    assert not OutboundSms.objects.filter(template__startswith="deadline_").exists()
    assert not CaseEvent.objects.filter(kind="overdue").exists()
    assert not CaseDeadline.objects.filter(reminded_at__isnull=False).exists()
    assert not CaseDeadline.objects.filter(escalated_bureau_at__isnull=False).exists()


def test_generated_cases_are_in_the_search_index(generated):
    from xinfang.cases.models import Case
    from xinfang.cases.search import fulltext_q

    case = Case.objects.order_by("pk").first()
    word = case.title[2:4]
    assert Case.objects.filter(fulltext_q(word), pk=case.pk).exists()
