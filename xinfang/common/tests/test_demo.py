"""manage.py load_demo: the demo county loads once, stays the same on a second run, and is plausible."""

import datetime
from io import StringIO

import phonenumbers
import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from xinfang.cases.choices import CLOSED_STATUSES, CaseStatus
from xinfang.cases.models import Case, CaseDeadline, CaseEvent, Petitioner
from xinfang.common import demo_data
from xinfang.common.demo import demo_accounts, plan_cases, resident_id
from xinfang.deadlines.models import RuleSet
from xinfang.orgs.models import Membership, Region, Role, Unit, UnitLevel, User

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
GB11643_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]


def gb11643_ok(number: str) -> bool:
    """The check character of GB 11643-1999, computed here independently of the project's validator."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    remainder = sum(int(d) * w for d, w in zip(number[:17], GB11643_WEIGHTS, strict=True)) % 11
    return "10X98765432"[remainder] == number[17]


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, int]:
    return {
        "regions": Region.objects.filter(code__startswith="99").count(),
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "cases": Case.objects.count(),
        "petitioners": Petitioner.objects.count(),
        "events": CaseEvent.objects.count(),
        "deadlines": CaseDeadline.objects.count(),
    }


@pytest.mark.django_db
def test_it_leaves_a_database_with_real_cases_alone(register):
    # First in the module: the `demo` fixture below keeps the demo loaded until the module ends,
    # and `register`'s unit tree would clash with it.
    register()  # a real case: this might be a production database
    units, users = Unit.objects.count(), User.objects.count()

    output = load()

    assert "未载入演示数据" in output and "--force" in output
    assert (Unit.objects.count(), User.objects.count()) == (units, users)
    assert not Case.objects.filter(submission_key__startswith=demo_data.DEMO_KEY_PREFIX).exists()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo twice (with a changed password in between) once for this module, then roll back.

    Each test still runs in its own savepoint (django_db), so nothing a test does leaks into the next.
    Passwords are checked here, under the hasher they were made with (the tests get a faster one).
    """
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        first = load()
        before = snapshot()
        changed = User.objects.get(username="xfj_dengji")
        changed.set_password("something-else-2026")
        changed.save()
        second = load()
        password_ok = {
            user.username: user.check_password(demo_data.DEMO_PASSWORD)
            for user in User.objects.filter(username__in=[a.username for a in demo_accounts()])
        }
        yield {
            "first": first,
            "second": second,
            "before": before,
            "after": snapshot(),
            "password_ok": password_ok,
        }
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_it_loads_the_demo_county_once_and_prints_the_accounts(demo):
    assert demo["after"] == demo["before"]
    assert "新建信访件 200 件" in demo["first"]
    assert "未重复创建" in demo["second"]
    # the printed password works for everyone, also for the account whose password was changed in between
    assert demo["password_ok"] == {account.username: True for account in demo_accounts()}
    for output in (demo["first"], demo["second"]):
        assert demo_data.DEMO_PASSWORD in output
        for account in demo_accounts():
            assert account.username in output and account.full_name in output


@pytest.mark.django_db
def test_it_builds_the_unit_tree_and_the_accounts(demo):
    county = Unit.objects.get(name=demo_data.COUNTY_BUREAU)
    assert county.parent.name == demo_data.CITY_BUREAU
    assert Unit.objects.filter(parent=county, level=UnitLevel.TOWNSHIP).count() == 18
    assert Unit.objects.filter(parent=county, level=UnitLevel.DEPARTMENT).count() == 15
    assert Region.objects.filter(parent_id=demo_data.COUNTY[0], code__regex=r"^990121\d{3}$").count() == 18
    if RuleSet.objects.filter(code=demo_data.COUNTY_RULE_SET).exists():
        assert county.rule_set.code == demo_data.COUNTY_RULE_SET
        assert not Case.objects.filter(registering_unit=county).exclude(rule_set=county.rule_set).exists()
    demo_users = User.objects.filter(username__in=[a.username for a in demo_accounts()])
    assert demo_users.count() == len(demo_accounts())
    held = set(Membership.objects.filter(user__in=demo_users).values_list("role_id", flat=True))
    assert held == {r.code for r in Role.objects.all()}
    assert User.objects.get(username="admin").is_superuser
    assert set(
        Membership.objects.filter(user__username="chengguan_xfy").values_list("role_id", flat=True)
    ) == {
        Role.REGISTRAR,
        Role.HANDLER,
    }
    keys = list(Case.objects.values_list("submission_key", flat=True))
    assert len(keys) == demo_data.DEMO_CASE_COUNT == len(set(keys))
    assert all(key.startswith(demo_data.DEMO_KEY_PREFIX) for key in keys)


@pytest.mark.django_db
def test_the_cases_are_plausible(demo):
    today = timezone.localdate()
    cases = Case.objects.all()
    statuses = set(cases.values_list("status", flat=True))

    # a mix for every list: awaiting disposition, at the units, being handled, done, informed …
    for status in (CaseStatus.REGISTERED, CaseStatus.PENDING_SIGN, CaseStatus.SIGNED, CaseStatus.HANDLING):
        assert cases.filter(status=status).count() >= 20, status
    assert statuses & {CaseStatus.SERVED, CaseStatus.CLOSED}
    assert statuses & {CaseStatus.INFORMED, CaseStatus.NOT_ACCEPTED, CaseStatus.ARCHIVED}
    assert cases.filter(status__in=CLOSED_STATUSES, is_open=True).count() == 0
    # red and amber on the workbench
    open_cases = cases.filter(is_open=True)
    assert open_cases.filter(due_on__lt=today).count() >= 10
    assert open_cases.filter(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=5)).count() >= 10
    # spread over about three months, through several channels, with the special kinds present
    assert cases.filter(received_on__lt=today - datetime.timedelta(days=60)).exists()
    assert cases.filter(received_on__gt=today).count() == 0
    assert cases.values("channel").distinct().count() >= 5
    assert cases.filter(is_collective=True, headcount__gte=5).exists()
    assert cases.filter(is_anonymous=True, purpose_id="accusation").exists()
    assert Petitioner.objects.filter(case__is_anonymous=True).count() == 0
    assert all(c.petitioners.count() <= 5 for c in cases.filter(is_collective=True))
    repeats = cases.filter(is_repeat=True).select_related("repeat_of")
    assert repeats.count() >= 10
    for case in repeats:
        assert case.repeat_of.registered_at < case.registered_at
        assert case.petitioners.first().id_number == case.repeat_of.petitioners.first().id_number
    closed = cases.filter(status=CaseStatus.CLOSED).first()
    assert closed.closed_at < timezone.now() - datetime.timedelta(days=1)  # the history is backdated
    # petitioners: valid GB 11643 numbers whose birth date and sex digit make sense, valid mobiles
    people = Petitioner.objects.all()

    assert people.count() >= 150
    for person in people:
        assert gb11643_ok(person.id_number), person.id_number
        birth = datetime.date(
            int(person.id_number[6:10]), int(person.id_number[10:12]), int(person.id_number[12:14])
        )
        assert datetime.date(1900, 1, 1) < birth < datetime.date.today()  # noqa: DTZ011
        assert (int(person.id_number[16]) % 2 == 1) == (person.gender == "M")
        assert phonenumbers.is_valid_number(phonenumbers.parse(person.phone, "CN")), person.phone


def test_the_plan_is_the_same_every_time():
    today = datetime.date(2026, 3, 2)
    first = [
        (s.key, s.title, s.status, s.received_on, [p.id_number for p in s.people]) for s in plan_cases(today)
    ]
    second = [
        (s.key, s.title, s.status, s.received_on, [p.id_number for p in s.people]) for s in plan_cases(today)
    ]

    assert first == second
    assert len(first) == demo_data.DEMO_CASE_COUNT
    assert all(received <= today for _key, _title, _status, received, _ids in first)


def test_resident_id_has_a_correct_check_character():
    assert resident_id(datetime.date(1980, 2, 29), 123).startswith("99012119800229123")
    assert gb11643_ok(resident_id(datetime.date(1980, 2, 29), 123))
    assert gb11643_ok("11010519491231002X")  # the example in GB 11643-1999
