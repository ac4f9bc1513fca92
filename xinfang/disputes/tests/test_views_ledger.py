"""The ledger pages: order (high risk first, then overdue, then deadline), the overdue flag with time
travel, filters and the counts strip, masking in lists, audit of personal data, register by form, print."""

import datetime

import pytest
import time_machine

from xinfang.common.models import AuditLog
from xinfang.disputes.choices import RiskLevel
from xinfang.disputes.models import Dispute
from xinfang.disputes.services import dispute_resolve
from xinfang.disputes.tests.conftest import PHONE

NOV_2 = datetime.datetime(2026, 11, 2, 2, tzinfo=datetime.UTC)  # Monday, 10:00 in Shanghai


def travel(moment):
    return time_machine.travel(moment, tick=False)


def numbers_in_order(response) -> list[str]:
    return [d.number for d in response.context["page"].object_list]


def test_the_county_sees_high_risk_first_then_overdue_then_by_deadline(client, tree, make_dispute):
    with travel(NOV_2):
        day = datetime.date(2026, 11, 2)
        low_late = make_dispute(
            title="低风险已超期", risk_level=RiskLevel.LOW, due_on=day + datetime.timedelta(days=3)
        )
        medium_soon = make_dispute(title="中风险将到期", due_on=day + datetime.timedelta(days=8))
        high_far = make_dispute(
            title="高风险远期", risk_level=RiskLevel.HIGH, due_on=day + datetime.timedelta(days=40)
        )
        high_late = make_dispute(
            title="高风险已超期", risk_level=RiskLevel.HIGH, due_on=day + datetime.timedelta(days=5)
        )
        sibling = make_dispute(
            title="西山镇纠纷",
            actor=tree.town2_handler,
            unit=tree.town2,
            responsible_id=tree.town2_handler.pk,
        )
        done = make_dispute(title="已化解高风险", risk_level=RiskLevel.HIGH, due_on=day)
        dispute_resolve(dispute=done, actor=tree.town_handler, outcome="已调解。")
    client.force_login(tree.county_supervisor)
    with travel(NOV_2 + datetime.timedelta(days=6)):  # 11-08: low_late and high_late have passed
        page = client.get("/disputes/")
    assert numbers_in_order(page) == [
        high_late.number,
        high_far.number,
        low_late.number,
        medium_soon.number,
        sibling.number,
        done.number,
    ]
    body = page.content.decode()
    assert body.count("xf-tag overdue") == 2  # 已超期, red like cases


def test_the_overdue_flag_turns_on_the_day_after_the_deadline(client, tree, make_dispute):
    with travel(NOV_2):
        item = make_dispute(due_on=datetime.date(2026, 11, 20))
    client.force_login(tree.town_handler)
    for moment, overdue in (
        (datetime.datetime(2026, 11, 20, 15, tzinfo=datetime.UTC), False),
        (datetime.datetime(2026, 11, 20, 16, 30, tzinfo=datetime.UTC), True),
    ):  # 11-21 00:30 local
        with travel(moment):
            page = client.get(f"/disputes/{item.number}/")
            listing = client.get("/disputes/", {"overdue": "1"})
        assert page.context["overdue"] is overdue
        assert (item.number in [d.number for d in listing.context["page"].object_list]) is overdue
        assert listing.context["counts"]["overdue"] == int(overdue)


def test_a_settled_dispute_is_never_overdue(client, tree, make_dispute):
    with travel(NOV_2):
        item = make_dispute(due_on=datetime.date(2026, 11, 5))
        dispute_resolve(dispute=item, actor=tree.town_handler, outcome="已调解。")
    with travel(datetime.datetime(2026, 12, 1, 2, tzinfo=datetime.UTC)):
        client.force_login(tree.county_supervisor)  # sessions last hours: log in at the travelled time
        assert client.get("/disputes/").context["counts"]["overdue"] == 0


def test_filters_and_the_counts_strip(client, tree, make_dispute):
    with travel(NOV_2):
        high = make_dispute(title="高风险纠纷", risk_level=RiskLevel.HIGH)
        low = make_dispute(title="邻里噪音纠纷", risk_level=RiskLevel.LOW)
        other = make_dispute(
            title="西山镇纠纷",
            actor=tree.town2_handler,
            unit=tree.town2,
            responsible_id=tree.town2_handler.pk,
        )
        dispute_resolve(dispute=low, actor=tree.town_handler, outcome="已调解。")
    client.force_login(tree.county_supervisor)
    with travel(NOV_2):
        counts = client.get("/disputes/").context["counts"]
        assert (counts["total"], counts["risk_high"], counts["risk_low"], counts["status_resolved"]) == (
            3,
            1,
            0,
            1,
        )

        def listed(**params):
            return set(numbers_in_order(client.get("/disputes/", params)))

        assert listed(risk="high") == {high.number}
        assert listed(status="resolved") == {low.number}
        assert listed(status="open") == {high.number, other.number}
        assert listed(unit=tree.town2.pk) == {other.number}
        assert listed(unit=tree.county.pk) == {high.number, low.number, other.number}  # with its subtree
        assert listed(period="2026-11") == {high.number, low.number, other.number}
        assert listed(period="2026-10") == set()
        assert listed(q="噪音") == {low.number}
        assert listed(q=high.number) == {high.number}
        assert listed(risk="nonsense", status="bogus", period="13-2026") == {
            high.number,
            low.number,
            other.number,
        }


def test_searching_by_a_persons_name_needs_the_right_to_see_parties(client, tree, make_dispute):
    item = make_dispute()
    client.force_login(tree.county_supervisor)
    assert numbers_in_order(client.get("/disputes/", {"q": "李四"})) == [item.number]
    client.force_login(tree.county_leader)  # reads the ledger masked: a name search would reveal it
    assert numbers_in_order(client.get("/disputes/", {"q": "李四"})) == []


def test_the_list_masks_personal_data_and_the_page_audits_it(client, tree, make_dispute):
    item = make_dispute()
    client.force_login(tree.county_supervisor)
    listing = client.get("/disputes/").content.decode()
    assert "李*" in listing and "李四" not in listing and PHONE not in listing
    assert not AuditLog.objects.filter(action="view_personal_data").exists()
    page = client.get(f"/disputes/{item.number}/").content.decode()
    assert "李四" in page and PHONE in page
    audit = AuditLog.objects.get(action="view_personal_data")
    assert audit.user == tree.county_supervisor and audit.object_id == str(item.pk)
    client.force_login(tree.county_leader)
    page = client.get(f"/disputes/{item.number}/").content.decode()
    assert PHONE not in page and "139****5678" in page
    assert AuditLog.objects.filter(action="view_personal_data").count() == 1


def test_the_ledger_paginates(client, tree, make_dispute, settings):
    settings.PAGE_SIZE = 10
    for n in range(12):
        make_dispute(title=f"纠纷{n}")
    client.force_login(tree.town_handler)
    first = client.get("/disputes/")
    second = client.get("/disputes/", {"page": 2})
    assert len(first.context["page"].object_list) == 10 and len(second.context["page"].object_list) == 2
    assert client.get("/disputes/", {"page": "abc"}).status_code == 200


def form_data(tree, **overrides) -> dict:
    today = datetime.date.today()
    data = {
        "unit": tree.town.pk,
        "period_start": today.replace(day=1).isoformat(),
        "period_end": today.isoformat(),
        "found_on": today.isoformat(),
        "title": "南街商铺租赁纠纷",
        "description": "商户与出租方因租金上涨发生纠纷，商户多次聚集。",
        "risk_level": "medium",
        "responsible": tree.town_handler.pk,
        "due_on": (today + datetime.timedelta(days=15)).isoformat(),
        "parties-TOTAL_FORMS": 3,
        "parties-INITIAL_FORMS": 0,
        "parties-0-kind": "person",
        "parties-0-name": "赵六",
        "parties-0-contact": "13700001111",
        "parties-1-kind": "organisation",
        "parties-1-name": "南街商贸公司",
        "parties-1-contact": "",
        "parties-2-kind": "person",
        "parties-2-name": "",
        "parties-2-contact": "",
    }
    data.update(overrides)
    return data


def test_a_township_registers_a_dispute_by_form(client, tree):
    client.force_login(tree.town_registrar)
    assert client.get("/disputes/new/").status_code == 200
    response = client.post("/disputes/new/", form_data(tree))
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/disputes/{dispute.number}/"
    assert [p.name for p in dispute.parties.all()] == ["赵六", "南街商贸公司"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"due_on": "2020-01-01"}, "化解期限不能早于排查日期。"),
        ({"parties-0-name": "", "parties-0-contact": "", "parties-1-name": ""}, "请至少填写一名当事人。"),
        ({"risk_level": "extreme"}, "风险等级应为高、中、低之一。"),
        ({"parties-0-contact": "12345"}, "电话号码"),
        ({"unit": "999999"}, "只能在您所在单位的台账中登记。"),
    ],
)
def test_bad_form_input_answers_400_in_chinese_and_stores_nothing(client, tree, overrides, message):
    client.force_login(tree.town_registrar)
    response = client.post("/disputes/new/", form_data(tree, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Dispute.objects.count() == 0


def test_outsiders_cannot_open_the_register_form(client, tree):
    client.force_login(tree.county_leader)
    assert client.get("/disputes/new/").status_code == 403


def test_a_step_by_htmx_swaps_in_place_and_a_wrong_one_answers_409(client, tree, make_dispute):
    item = make_dispute()
    client.force_login(tree.town_handler)
    form = client.get(f"/disputes/{item.number}/do/resolve/", headers={"HX-Request": "true"})
    assert form.status_code == 200 and 'id="action-panel"' in form.content.decode()
    empty = client.post(f"/disputes/{item.number}/do/resolve/", {"outcome": "", "version": 1})
    assert empty.status_code == 400 and "请填写化解结果。" in empty.content.decode()
    done = client.post(
        f"/disputes/{item.number}/do/resolve/",
        {"outcome": "已调解。", "version": 1},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 200 and "HX-Location" in done.headers
    again = client.post(f"/disputes/{item.number}/do/mediate/", {"version": 2})
    assert again.status_code == 409 and "已办结" in again.content.decode()
    stale = make_dispute()
    client.post(f"/disputes/{stale.number}/do/mediate/", {"version": 1})
    assert (
        client.post(f"/disputes/{stale.number}/do/resolve/", {"outcome": "x", "version": 1}).status_code
        == 409
    )
    assert client.get(f"/disputes/{item.number}/do/nothing/").status_code == 404


def test_the_print_view_lists_the_filtered_ledger_masked(client, tree, make_dispute):
    high = make_dispute(title="高风险纠纷", risk_level=RiskLevel.HIGH)
    low = make_dispute(title="一般纠纷", risk_level=RiskLevel.LOW)
    client.force_login(tree.county_supervisor)
    page = client.get("/disputes/print/", {"risk": "high"})
    body = page.content.decode()
    assert page.status_code == 200 and high.title in body and low.title not in body
    assert "@page" not in body and "disputes.css" in body and PHONE not in body
    assert AuditLog.objects.filter(action="print_disputes", user=tree.county_supervisor).exists()
