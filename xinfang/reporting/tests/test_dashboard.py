"""数据看板 (issue 6 §2) on hand-built cases: every expected figure is worked out below.

The story, period 2026-Q1 (the previous equal period is 2025-Q4), registered by 示范县信访局 unless said:

- p   2025-11-10 来信, 城乡建设›拆迁安置, 问题属地 示范县          (previous period)
- a   2026-01-05 来信, 城乡建设›拆迁安置, 问题属地 东湖镇(990121001)
- b   2026-01-06 来信, 农村农业›宅基地,   问题属地 示范县
- c   2026-01-20 网上信访, 城乡建设›拆迁安置, no 问题属地
- d   2026-02-03 来访, 农村农业›宅基地,   问题属地 东湖镇 — registered by 东湖镇 itself
- e   2026-03-15 来电, no category,        no 问题属地
- x   2026-01-07 来信, 城乡建设›拆迁安置 — registered by 邻县信访局 (another county)

So for the county in 2026-Q1: 5 cases (a–e), 1 in the period before (p).
来信 a, b (Jan 2) · 来访 d (Feb 1) · 网信 c (Jan 1) · 其他 e (Mar 1).
城乡建设 a, c = 2 (1 before: +1, +100.0%) · 农村农业 b, d = 2 (0 before: +2, 新出现) · 未分类 e = 1.
问题属地 东湖镇 a, d = 2 · 示范县本级 b = 1 · 未填 c, e = 2.
By unit: the county itself a, b, c, e = 4 · 东湖镇 d = 1. The city sees 6 (x too): 示范县 5, 邻县 1.
Overdue is today's state, whatever the period: nobody acted on p, a, b, c, e (held by the county), so
their 15-day 登记交转 clocks have passed and the county holds 5 overdue cases today.
"""

import datetime

import pytest
from django.urls import reverse

from xinfang.cases.models import Case
from xinfang.orgs.models import Region
from xinfang.reference.models import Category
from xinfang.reporting import dashboard as dash
from xinfang.reporting.dashboard_rollup import volume_rollup_refresh
from xinfang.reporting.models import VolumeRollup, VolumeRollupMonth
from xinfang.reporting.periods import parse_period

CST = datetime.timezone(datetime.timedelta(hours=8))
Q1 = parse_period("2026-Q1")


def moment(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, 10, 0, tzinfo=CST)


def category(name: str) -> Category:
    return Category.objects.get(name=name, version__is_current=True)


@pytest.fixture
def story(org, register):
    Region.objects.create(code="990121001", name="东湖镇", parent_id="990121")
    chai, zhai = category("拆迁安置"), category("宅基地")

    def reg(when, **fields):
        return register(received_on=when.date(), registered_at=when, **fields)

    s = {
        "p": reg(moment(2025, 11, 10), category_id=chai.pk, issue_region_code="990121"),
        "a": reg(moment(2026, 1, 5), category_id=chai.pk, issue_region_code="990121001"),
        "b": reg(moment(2026, 1, 6), category_id=zhai.pk, issue_region_code="990121"),
        "c": reg(moment(2026, 1, 20), channel_code="web", category_id=chai.pk),
        "d": reg(
            moment(2026, 2, 3),
            unit=org.town,
            actor=org.town_handler,
            channel_code="visit",
            category_id=zhai.pk,
            issue_region_code="990121001",
        ),
        "e": reg(moment(2026, 3, 15), channel_code="call"),
        "x": reg(moment(2026, 1, 7), unit=org.other, actor=org.other_registrar, category_id=chai.pk),
    }
    s["urban"], s["rural"] = chai.parent, zhai.parent
    return s


def page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("reporting:dashboard"), params)


def api(client, user, **params):
    client.force_login(user)
    return client.get("/api/v1/reports/dashboard", params)


def rows(payload: dict, dimension: str) -> dict[str, dict]:
    found = next(b for b in payload["breakdowns"] if b["dimension"] == dimension)
    return {row["label"]: row for row in found["rows"]}


def test_it_counts_volume_by_channel_group_category_region_and_unit(client, org, story):
    data = api(client, org.leader_only, period="2026-Q1", kpis="0").json()
    assert data["unit"] == org.county.pk and data["total"] == 5 and data["previous_total"] == 1
    assert data["months"] == ["2026-01", "2026-02", "2026-03"]
    groups = rows(data, "group")
    assert groups["来信"]["months"] == [2, 0, 0]
    assert groups["来访"]["months"] == [0, 1, 0]
    assert groups["网信"]["months"] == [1, 0, 0]
    assert groups["其他（来电、传真等）"]["months"] == [0, 0, 1]
    channels = rows(data, "channel")
    assert channels["来信"]["total"] == 2 and channels["来电"]["total"] == 1
    assert channels["网上信访/县长信箱"]["total"] == 1
    categories = rows(data, "category")
    assert {k: v["total"] for k, v in categories.items()} == {"城乡建设": 2, "农村农业": 2, "未分类": 1}
    regions = rows(data, "region")
    assert {k: v["total"] for k, v in regions.items()} == {"东湖镇": 2, "示范县本级": 1, "未填问题属地": 2}
    units = rows(data, "unit")
    assert {k: v["total"] for k, v in units.items()} == {"示范县信访局（本单位登记）": 4, "东湖镇": 1}


def test_it_ranks_categories_rising_fastest_against_the_previous_period(client, org, story):
    data = api(client, org.leader_only, period="2026-Q1", kpis="0").json()
    rising = [(r["label"], r["current"], r["previous"], r["change"], r["percent"]) for r in data["rising"]]
    assert rising == [("农村农业", 2, 0, 2, "新出现"), ("城乡建设", 2, 1, 1, "+100.0%")]


def test_it_shows_the_city_every_county_and_lets_it_narrow_to_one(client, org, story):
    city = api(client, org.city_leader, period="2026-Q1", kpis="0").json()
    assert city["total"] == 6
    assert {k: v["total"] for k, v in rows(city, "unit").items()} == {"示范县信访局": 5, "邻县信访局": 1}
    narrowed = api(client, org.city_leader, period="2026-Q1", unit=org.other.pk, kpis="0").json()
    assert narrowed["unit_name"] == "邻县信访局" and narrowed["total"] == 1


def test_it_answers_404_for_another_countys_dashboard(client, org, story):
    assert page(client, org.leader_only, unit=org.other.pk).status_code == 404
    assert api(client, org.leader_only, unit=org.other.pk).status_code == 404
    client.force_login(org.leader_only)
    cases_url = reverse("reporting:dashboard-cases")
    assert client.get(cases_url, {"unit": org.other.pk, "dim": "total", "key": "all"}).status_code == 404


def test_it_shows_a_handling_unit_only_its_own_cases(client, org, story):
    """东湖镇 handles only what it took on itself: d (it registered and holds it, handling_unit unset
    until it accepts), so nothing is attributed to it before acceptance — and it may not look at the county."""
    from xinfang.cases import steps

    steps.case_accept(case=story["d"], actor=org.town_handler)
    data = api(client, org.town_handler, period="2026-Q1", kpis="0").json()
    assert data["unit"] == org.town.pk and data["side"] == "handler"
    assert data["total"] == 1
    assert {k: v["total"] for k, v in rows(data, "channel").items()} == {"来访": 1}
    assert api(client, org.town_handler, unit=org.county.pk).status_code == 404
    assert page(client, org.town_handler, unit=org.county.pk).status_code == 404


def test_it_lists_exactly_the_cases_behind_a_count(client, org, story):
    data = api(client, org.leader_only, period="2026-Q1", kpis="0").json()
    urban = rows(data, "category")["城乡建设"]
    client.force_login(org.leader_only)
    listing = client.get(urban["url"])
    assert listing.status_code == 200
    assert listing.context["page"].paginator.count == urban["total"] == 2
    shown = {case.number for case in listing.context["page"].object_list}
    assert shown == {story["a"].number, story["c"].number}
    january_letters = client.get(rows(data, "group")["来信"]["month_urls"][0])
    assert {c.number for c in january_letters.context["page"].object_list} == {
        story["a"].number,
        story["b"].number,
    }
    nowhere = client.get(rows(data, "region")["未填问题属地"]["url"])
    assert {c.number for c in nowhere.context["page"].object_list} == {story["c"].number, story["e"].number}


def test_it_counts_overdue_cases_per_holding_unit_with_their_list(client, org, story):
    data = api(client, org.leader_only, period="2026-Q1", kpis="0").json()
    county = next(r for r in data["due"]["rows"] if r["unit"] == org.county.pk)
    assert county["overdue"] == 5
    client.force_login(org.leader_only)
    listing = client.get(county["overdue_url"])
    numbers = {c.number for c in listing.context["page"].object_list}
    assert numbers == {story[k].number for k in "pabce"}


def test_it_reads_complete_months_from_the_rollup_with_the_same_figures(client, org, story, settings):
    live = api(client, org.leader_only, period="2026-Q1", kpis="0").json()
    settings.DASHBOARD_ROLLUP_MONTHS = 240
    rebuilt = volume_rollup_refresh()
    assert (
        datetime.date(2026, 1, 1) in rebuilt and VolumeRollupMonth.objects.filter(month="2026-01-01").exists()
    )
    assert VolumeRollup.objects.filter(month="2026-01-01").count() >= 4
    rolled = api(client, org.leader_only, period="2026-Q1", kpis="0").json()
    assert rolled["breakdowns"] == live["breakdowns"] and rolled["rising"] == live["rising"]
    assert rolled["total"] == 5 and rolled["previous_total"] == 1
    assert volume_rollup_refresh() == []  # nothing changed: nothing rebuilt


def test_it_rebuilds_a_rolled_month_when_a_case_is_added_to_it(org, register, settings):
    settings.DASHBOARD_ROLLUP_MONTHS = 240
    register(received_on=datetime.date(2026, 1, 5), registered_at=moment(2026, 1, 5))
    volume_rollup_refresh()
    assert VolumeRollupMonth.objects.get(month="2026-01-01").cases == 1
    register(received_on=datetime.date(2026, 1, 9), registered_at=moment(2026, 1, 9))  # an import
    assert datetime.date(2026, 1, 1) in volume_rollup_refresh()
    assert VolumeRollupMonth.objects.get(month="2026-01-01").cases == 2


def test_it_shows_a_clear_empty_state_for_a_period_without_data(client, org, story):
    response = page(client, org.leader_only, period="2024-03")
    assert response.status_code == 200
    assert "所选统计期内没有数据" in response.content.decode()
    data = api(client, org.leader_only, period="2024-03", kpis="0").json()
    assert data["total"] == 0 and all(not b["rows"] for b in data["breakdowns"]) and data["rising"] == []


@pytest.mark.parametrize(
    "params",
    [{"period": "2026-13"}, {"period": "上个月"}, {"period": "2026-05~2026-01"}, {"unit": "县信访局"}],
)
def test_it_refuses_bad_parameters_with_a_chinese_400(client, org, story, params):
    response = page(client, org.leader_only, **params)
    assert response.status_code == 400
    assert "统计期" in response.content.decode() or "单位参数" in response.content.decode()
    answer = api(client, org.leader_only, **params)
    assert answer.status_code == 400 and answer.json()["code"] == "invalid"


@pytest.mark.parametrize(
    "params",
    [
        {"dim": "colour", "key": "red"},
        {"dim": "category", "key": "99999"},
        {"dim": "channel", "key": "letter", "month": "2025-07"},
        {"dim": "channel", "key": "letter", "month": "七月"},
        {"dim": "overdue", "key": "abc"},
        {"dim": "callback", "key": "drawn", "at": "x"},
    ],
)
def test_it_refuses_a_bad_drilldown_with_a_chinese_400(client, org, story, params):
    client.force_login(org.leader_only)
    response = client.get(reverse("reporting:dashboard-cases"), {"period": "2026-Q1", **params})
    assert response.status_code == 400
    assert "没有" in response.content.decode() or "月份" in response.content.decode()


def test_it_shows_a_user_without_a_unit_a_clear_page(client, org, django_user_model):
    loner = django_user_model.objects.create_user(
        username="loner", password="x-Pass-2026", full_name="无单位"
    )
    client.force_login(loner)
    response = client.get(reverse("reporting:dashboard"))
    assert response.status_code == 403
    assert "还没有所属单位" in response.content.decode()
    assert client.get("/api/v1/reports/dashboard").json()["code"] == "no_unit"


def test_it_renders_charts_data_tables_and_kpi_links(client, org, story):
    response = page(client, org.leader_only, period="2026-Q1")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="dashboard-charts"' in body and "vendor/echarts/echarts.min.js" in body
    assert 'data-chart="category"' in body and "<caption>" in body
    kpis = client.get(reverse("reporting:dashboard-kpis"), {"period": "2026-Q1"})
    assert kpis.status_code == 200
    assert "/reports/kpis/cases/?" in kpis.content.decode() and "重复信访率" in kpis.content.decode()


def test_it_prints_every_table_for_a4(client, org, story):
    client.force_login(org.leader_only)
    for response in (
        client.get(reverse("reporting:dashboard-print"), {"period": "2026-Q1"}),
        client.get(reverse("reporting:dashboard"), {"period": "2026-Q1", "print": "1"}),
    ):
        body = response.content.decode()
        assert response.status_code == 200
        assert "size: A4" in body and "示范县信访局信访数据看板" in body
        assert "城乡建设" in body and "统计指标" in body and "echarts" not in body


def test_it_counts_supervisions_and_urges_of_the_period(client, org, register):
    from django.utils import timezone

    from xinfang.supervision import services
    from xinfang.supervision.choices import Trigger
    from xinfang.supervision.tests.support import add_personas, handling_case

    sv = add_personas(org)
    case = handling_case(sv, register)
    services.supervision_open(
        case=case,
        actor=sv.supervisor,
        triggers=[Trigger.OVERDUE],
        facts="逾期未办结。",
        requested_action="请回复。",
    )
    services.urge_create(case=case, actor=sv.supervisor, note="请抓紧办理。")
    services.urge_create(case=case, actor=sv.supervisor, note="再次催办。")
    this_month = f"{timezone.localdate():%Y-%m}"
    data = api(client, org.leader_only, period=this_month, kpis="0").json()
    figures = {s["code"]: s["count"] for s in data["supervision"]}
    assert figures["opened"] == 1 and figures["open"] == 1 and figures["closed"] == 0
    assert data["urges"]["urges"] == 2 and data["urges"]["cases"] == 1
    client.force_login(org.leader_only)
    opened = next(s for s in data["supervision"] if s["code"] == "opened")
    assert [c.number for c in client.get(opened["url"]).context["page"].object_list] == [case.number]
    assert Case.objects.filter(pk=case.pk).exists()


def test_it_returns_the_api_shape_with_kpis(client, org, story):
    data = api(client, org.leader_only, period="2026-Q1").json()
    for name in ("unit", "period", "months", "total", "breakdowns", "rising", "due", "supervision", "urges"):
        assert name in data
    assert {k["code"] for k in data["kpis"]} >= {"timely_accept", "repeat", "online"}
    online = next(k for k in data["kpis"] if k["code"] == "online")
    assert online["denominator_cases"].startswith("/reports/kpis/cases/?")
    assert {b["dimension"] for b in data["breakdowns"]} == set(dash.VOLUME_DIMENSIONS)
    assert api(client, org.leader_only, kpis="maybe").status_code == 400


def test_it_keeps_the_rollup_fresh_from_the_worker(org, register, run_worker, settings):
    from xinfang.common.periodic import periodic_jobs

    assert "xinfang.reporting.tasks.refresh_volume_rollup" in periodic_jobs()
    settings.DASHBOARD_ROLLUP_MONTHS = 240
    register(received_on=datetime.date(2026, 2, 2), registered_at=moment(2026, 2, 2))
    run_worker()
    assert VolumeRollupMonth.objects.get(month="2026-02-01").cases == 1
