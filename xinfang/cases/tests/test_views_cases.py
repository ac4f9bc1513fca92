import datetime

import pytest
import time_machine

from xinfang.cases.choices import CaseStatus
from xinfang.cases.services import case_transition
from xinfang.common.models import AuditLog


@pytest.fixture
def county_client(client, org):
    client.force_login(org.registrar)
    return client


def test_the_workbench_groups_cases_by_what_is_due(county_client, register):
    today = datetime.date.today()
    overdue = register(received_on=today - datetime.timedelta(days=30))
    later = register(received_on=today - datetime.timedelta(days=1))
    page = county_client.get("/cases/")
    assert page.status_code == 200
    counts = {key: count for key, _label, count in page.context["groups"]}
    assert counts["overdue"] == 1 and counts["later"] + counts["due_soon"] == 1
    body = page.content.decode()
    assert overdue.number in body and "已超期" in body  # the overdue group opens first
    later_page = county_client.get(
        "/cases/", {"group": "later" if counts["later"] else "due_soon"}
    ).content.decode()
    assert later.number in later_page


def test_the_due_soon_group_counts_working_days(county_client, register, org):
    # Friday 2026-11-20: 3 working days ahead is Wednesday 11-25; a clock due on Monday is amber.
    with time_machine.travel(datetime.datetime(2026, 11, 8, 2, tzinfo=datetime.UTC), tick=False):
        case = register(received_on=datetime.date(2026, 11, 8))  # 15日 → 2026-11-23 (Monday)
    with time_machine.travel(datetime.datetime(2026, 11, 20, 2, tzinfo=datetime.UTC), tick=False):
        page = county_client.get("/cases/", {"group": "due_soon"})
    assert page.context["bench"].soon_until == datetime.date(2026, 11, 25)
    assert case.number in page.content.decode()


def test_the_workbench_shows_only_the_units_own_cases(client, register, org):
    register()
    client.force_login(org.town_handler)
    page = client.get("/cases/")
    assert page.context["bench"].total == 0


def test_the_workbench_paginates(county_client, register, settings):
    settings.PAGE_SIZE = 10
    for _ in range(12):
        register(received_on=datetime.date.today() - datetime.timedelta(days=30))
    first = county_client.get("/cases/", {"group": "overdue"})
    second = county_client.get("/cases/", {"group": "overdue", "page": 2})
    assert len(first.context["page"].object_list) == 10 and len(second.context["page"].object_list) == 2
    assert county_client.get("/cases/", {"group": "overdue", "page": "abc"}).status_code == 200


@pytest.mark.parametrize("field", ["number", "query_code", "name", "phone"])
def test_lookup_finds_a_case_by_each_key(county_client, register, field):
    case = register()
    text = {"number": case.number, "query_code": case.query_code, "name": "张三", "phone": "139 1234 5678"}[
        field
    ]
    page = county_client.get("/cases/lookup/", {"q": text})
    assert case.number in page.content.decode()


def test_lookup_does_not_find_other_units_cases(client, register, org):
    case = register()
    client.force_login(org.other_registrar)
    assert list(client.get("/cases/lookup/", {"q": case.number}).context["page"].object_list) == []
    assert client.get(f"/cases/{case.number}/").status_code == 404


@pytest.mark.parametrize(
    "text", ["'; DROP TABLE cases_case; --", ".*", "%", "<script>alert(1)</script>", "9" * 500]
)
def test_lookup_survives_odd_input(county_client, register, text):
    register()
    page = county_client.get("/cases/lookup/", {"q": text})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.content.decode()


def test_the_case_page_shows_timeline_and_deadline_explanation_and_audits_the_view(
    county_client, register, org
):
    case = register()
    case_transition(
        case=case,
        to_status=CaseStatus.PENDING_SIGN,
        actor=org.dispatcher,
        unit=org.county,
        new_owner=org.town,
    )
    body = county_client.get(f"/cases/{case.number}/").content.decode()
    assert "登记" in body and "状态变更" in body and "起算" in body
    assert "139****5678" in body and "13912345678" not in body  # masked
    assert AuditLog.objects.filter(
        action="view_personal_data", object_id=str(case.pk), user=org.registrar
    ).exists()


def test_the_unit_switch_accepts_only_the_users_units(client, org):
    from xinfang.orgs.models import Membership, Role

    Membership.objects.create(user=org.registrar, unit=org.town, role=Role.objects.get(code="registrar"))
    client.force_login(org.registrar)
    assert client.post("/accounts/unit/", {"unit": org.town.pk, "next": "/cases/"}).status_code == 302
    assert client.get("/cases/").context["bench"].unit == org.town
    assert client.post("/accounts/unit/", {"unit": org.other.pk}).status_code == 400
    assert client.post("/accounts/unit/", {"unit": "x"}).status_code == 400


def test_admins_see_a_banner_for_a_year_without_holiday_data(client, org):
    with time_machine.travel(datetime.datetime(2026, 12, 1, 2, tzinfo=datetime.UTC), tick=False):
        client.force_login(org.admin)
        assert "2027年的节假日和调休安排尚未录入" in client.get("/cases/").content.decode()
        client.force_login(org.registrar)
        assert "2027年的节假日和调休安排尚未录入" not in client.get("/cases/").content.decode()
