"""KPIs of domain.md §9 on hand-built data (issue 6 §1): every expected value is worked out below.

The story, all in 2026-Q1, in the county's subtree (示范县信访局 → 东湖镇, 县公安局):

- c1  county registers 01-05 (来信), 交办 to 东湖镇, signed and accepted 01-06; still being handled.
- c2  county registers 01-05 (网上信访), nobody touches it: its T1 clock (due 01-20) is missed.
- c3  东湖镇 registers 01-07 and answers it the same day (closed); rated 满意 for the 责任单位.
- c4  东湖镇 registers 01-08, closed the same day; rated 不满意 for the 责任单位.
- c5  county registers 01-10 (来信), a repeat of c3 (is_repeat), untouched.
- c6  东湖镇 registers 01-12, closed the same day, never rated.
"""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from xinfang.cases import steps
from xinfang.reference.models import Channel
from xinfang.reporting import kpis
from xinfang.reporting.kpis import KpiScope, Side

CST = datetime.timezone(datetime.timedelta(hours=8))
Q1 = kpis.quarter(2026, 1)


def at(day: int):
    return time_machine.travel(datetime.datetime(2026, 1, day, 10, 0, tzinfo=CST), tick=False)


def _close_own(org, register, day: int, **overrides):
    """东湖镇 registers, accepts, answers and serves on `day`: closed that day."""
    with at(day):
        case = register(
            unit=org.town, actor=org.town_handler, received_on=datetime.date(2026, 1, day), **overrides
        )
        case = steps.case_accept(case=case, actor=org.town_handler)
        case = steps.case_opinion_draft(
            case=case,
            actor=org.town_handler,
            outcome="support",
            facts="经查属实。",
            basis="有关规定",
            text="予以支持。",
        )
        case = steps.case_opinion_decide(case=case, actor=org.town_head, approve=True)
        return steps.case_serve(
            case=case, actor=org.town_handler, method="in_person", served_on=timezone.localdate()
        )


@pytest.fixture
def story(org, register):
    s = {}
    with at(5):
        c1 = register(received_on=datetime.date(2026, 1, 5))
        c1 = steps.case_assign(
            case=c1,
            actor=org.dispatcher,
            to_unit=org.town,
            due_on=datetime.date(2026, 3, 1),
            note="请依法办理",
        )
        s["c2"] = register(received_on=datetime.date(2026, 1, 5), channel_code="web")
    with at(6):
        c1 = steps.case_sign(case=c1, actor=org.town_handler)
        s["c1"] = steps.case_accept(case=c1, actor=org.town_handler)
    s["c3"] = _close_own(org, register, 7)
    with at(7):
        steps.case_evaluate(
            case=s["c3"], actor=org.town_handler, target="handler", level="satisfied", source="phone"
        )
    s["c4"] = _close_own(org, register, 8)
    with at(8):
        steps.case_evaluate(
            case=s["c4"], actor=org.town_handler, target="handler", level="unsatisfied", source="phone"
        )
    with at(10):
        s["c5"] = register(received_on=datetime.date(2026, 1, 10), repeat_of=s["c3"])
    s["c6"] = _close_own(org, register, 12)
    return s


def values(scope):
    return {r.code: (r.numerator, r.denominator) for r in kpis.kpis(scope)}


def test_the_county_subtree_for_the_bureau(org, story):
    got = values(KpiScope(unit=org.county, period=Q1, side=Side.BUREAU))
    # 及时受理率 (信访部门): T1 clocks of the county bureau due in Q1 — c1, c2, c5 (the township's own
    # cases have their clocks at the township, a 责任单位). c1 was 交办 the day it came: 1 of 3.
    assert got["timely_accept"] == (1, 3)
    # 按期办结率: no 办理期限 of a 信访部门 falls due → 0/0, shown as "—".
    assert got["on_time"] == (0, 0)
    # 参评率: registered in the subtree and closed in Q1 — c3, c4, c6; none rated the 信访部门: 0/3.
    assert got["participation"] == (0, 3)
    # 满意率: no rating of a 信访部门 in Q1: 0/0.
    assert got["satisfaction"] == (0, 0)
    # 重复信访率: registered in Q1 in the subtree — c1…c6 = 6; repeats — c5: 1/6.
    assert got["repeat"] == (1, 6)
    # 网信占比: c2 came online: 1/6.
    assert got["online"] == (1, 6)
    # 一次性化解率: first-time cases closed in Q1 — c3, c4, c6; c3 was petitioned again (c5), c4 rated
    # 不满意; only c6 stays resolved: 1/3.
    assert got["one_time"] == (1, 3)


def test_the_county_subtree_for_the_handling_units(org, story):
    got = values(KpiScope(unit=org.county, period=Q1, side=Side.HANDLER))
    # 及时受理率 (责任单位): the township's T3 clock of c1 and its T2 clocks (直接收件告知) of c3, c4, c6,
    # all due in January and all met: 4/4.
    assert got["timely_accept"] == (4, 4)
    # 参评率: 受理单位 in the subtree, closed in Q1 — c3, c4, c6; rated — c3, c4: 2/3.
    assert got["participation"] == (2, 3)
    # 满意率: ratings of the township in Q1 — c3 满意, c4 不满意: 1/2.
    assert got["satisfaction"] == (1, 2)
    # 重复信访率 / 网信占比: registered in Q1 with a 受理单位 in the subtree — c1, c3, c4, c6: 0/4.
    assert got["repeat"] == (0, 4)
    assert got["online"] == (0, 4)
    # 一次性化解率: as for the bureau (c3, c4, c6 are the township's), 1/3.
    assert got["one_time"] == (1, 3)


def test_on_time_closing_counts_the_handling_clocks_due_in_the_period(org, story):
    # 办理期限 (T5) due in Q1: c1's is the 交办 date 03-01 and c1 is still open — a miss; c3, c4, c6
    # (60 days from 01-07, 01-08, 01-12 → 03-08, 03-09, 03-13) were answered the day they came: 3/4.
    result = kpis.kpi("on_time", KpiScope(unit=org.county, period=Q1, side=Side.HANDLER))
    assert (result.numerator, result.denominator) == (3, 4)
    assert result.rate == pytest.approx(0.75)
    assert set(result.numerator_cases()) == {story["c3"], story["c4"], story["c6"]}
    # In January nothing of the kind falls due: 0/0 → no rate.
    january = kpis.kpi("on_time", KpiScope(unit=org.county, period=kpis.month(2026, 1), side=Side.HANDLER))
    assert (january.numerator, january.denominator, january.rate) == (0, 0, None)


def test_own_unit_versus_subtree(org, story):
    got = values(KpiScope(unit=org.county, period=Q1, side=Side.BUREAU, subtree=False))
    # Only what the county bureau registered itself: c1, c2, c5 → repeats 1/3, online 1/3.
    assert got["repeat"] == (1, 3)
    assert got["online"] == (1, 3)
    # It closed none of its own: 参评率 and 一次性化解率 have nothing to count.
    assert got["participation"] == (0, 0)
    assert got["one_time"] == (0, 0)


def test_the_channel_filter(org, story):
    web = Channel.objects.get(code="web")
    got = values(KpiScope(unit=org.county, period=Q1, side=Side.BUREAU, channel_id=web.pk))
    # Only c2: its T1 clock missed (0/1), not a repeat (0/1), online (1/1).
    assert got["timely_accept"] == (0, 1)
    assert got["repeat"] == (0, 1)
    assert got["online"] == (1, 1)
    assert got["participation"] == (0, 0)


def test_a_period_with_no_data_gives_no_rate(org, story):
    for result in kpis.kpis(KpiScope(unit=org.county, period=kpis.month(2026, 6), side=Side.BUREAU)):
        assert (result.numerator, result.denominator, result.rate) == (0, 0, None)
    other = values(KpiScope(unit=org.other, period=Q1, side=Side.BUREAU))
    assert set(other.values()) == {(0, 0)}


def test_drill_down_lists_are_the_counted_cases(org, story):
    scope = KpiScope(unit=org.county, period=Q1, side=Side.BUREAU)
    for result in kpis.kpis(scope):
        assert result.numerator_cases().count() == result.numerator
        assert result.denominator_cases().count() == result.denominator
    repeat = kpis.kpi("repeat", scope)
    assert set(repeat.numerator_cases()) == {story["c5"]}
    one_time = kpis.kpi("one_time", scope)
    assert set(one_time.numerator_cases()) == {story["c6"]}
    assert set(one_time.denominator_cases()) == {story["c3"], story["c4"], story["c6"]}
    assert kpis.kpi("repeat", scope).rate == pytest.approx(1 / 6)


def test_period_helpers():
    assert (kpis.month(2026, 2).start, kpis.month(2026, 2).end) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )
    assert kpis.year(2026).end == datetime.date(2026, 12, 31)
    assert Q1.end == datetime.date(2026, 3, 31)


# --- The page, the drill-down and who may look ----------------------------------------------------


def test_the_page_shows_the_numbers_and_links_to_their_cases(client, org, story):
    client.force_login(org.leader_only)
    response = client.get(reverse("reporting:kpis"), {"period": "2026-Q1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "重复信访率" in body and "16.7%" in body  # 1/6
    assert "kpi=repeat" in body and "part=num" in body
    assert "东湖镇" in body  # the per-unit table of a 信访部门
    assert "—" in body  # 按期办结率 of the 信访部门: 0/0


def test_the_drill_down_lists_the_counted_cases(client, org, story):
    client.force_login(org.leader_only)
    params = {"kpi": "one_time", "part": "den", "period": "2026-Q1", "unit": org.county.pk}
    response = client.get(reverse("reporting:kpi-cases"), params)
    assert response.status_code == 200
    shown = {case.pk for case in response.context["page"].object_list}
    assert shown == {story["c3"].pk, story["c4"].pk, story["c6"].pk}
    response = client.get(reverse("reporting:kpi-cases"), {**params, "part": "num"})
    assert {case.pk for case in response.context["page"].object_list} == {story["c6"].pk}


def test_a_township_cannot_see_the_county(client, org, story):
    client.force_login(org.town_handler)
    assert client.get(reverse("reporting:kpis"), {"unit": org.county.pk}).status_code == 404
    params = {"kpi": "repeat", "part": "num", "unit": org.county.pk, "period": "2026-Q1"}
    assert client.get(reverse("reporting:kpi-cases"), params).status_code == 404
    # Its own unit it may see: c3, c4, c6 closed, c3 and c4 rated by the petitioner: 参评率 2/3.
    response = client.get(reverse("reporting:kpis"), {"period": "2026-Q1", "side": "handler"})
    assert response.status_code == 200
    participation = next(r["result"] for r in response.context["rows"] if r["result"].code == "participation")
    assert (participation.numerator, participation.denominator) == (2, 3)


def test_the_city_sees_every_county_and_a_neighbour_does_not(client, org, story):
    client.force_login(org.city_leader)
    assert (
        client.get(reverse("reporting:kpis"), {"unit": org.county.pk, "period": "2026-Q1"}).status_code == 200
    )
    client.force_login(org.other_registrar)
    assert client.get(reverse("reporting:kpis"), {"unit": org.county.pk}).status_code == 404


def test_bad_parameters_are_a_clear_400_not_a_500(client, org):
    client.force_login(org.leader_only)
    assert client.get(reverse("reporting:kpis"), {"period": "'; DROP TABLE"}).status_code == 400
    assert client.get(reverse("reporting:kpis"), {"side": "x"}).status_code == 400
    assert client.get(reverse("reporting:kpis"), {"unit": "abc"}).status_code == 404
    assert client.get(reverse("reporting:kpi-cases"), {"kpi": "nope", "part": "num"}).status_code == 404


def test_the_api_gives_the_same_numbers(client, org, story):
    from xinfang.integrations.auth import api_token_create

    _token, raw = api_token_create(user=org.leader_only, name="测试")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    response = client.get(
        "/api/v1/reports/kpis", {"unit": org.county.pk, "period": "2026-Q1", "side": "handler"}, **headers
    )
    assert response.status_code == 200
    got = {row["code"]: row for row in response.json()["kpis"]}
    assert (got["satisfaction"]["numerator"], got["satisfaction"]["denominator"]) == (1, 2)
    assert got["satisfaction"]["rate"] == 0.5
    assert "part=num" in got["satisfaction"]["numerator_cases"]
    web = client.get(
        "/api/v1/reports/kpis", {"unit": org.county.pk, "period": "2026-Q1", "channel": "web"}, **headers
    ).json()
    assert {row["code"]: row["denominator"] for row in web["kpis"]}["online"] == 1
    bad = client.get("/api/v1/reports/kpis", {"period": "soon"}, **headers)
    assert bad.status_code == 400
    _token, town_raw = api_token_create(user=org.town_handler, name="测试")
    town = client.get(
        "/api/v1/reports/kpis", {"unit": org.county.pk}, HTTP_AUTHORIZATION=f"Bearer {town_raw}"
    )
    assert town.status_code == 404


@pytest.mark.parametrize("side", [Side.BUREAU, Side.HANDLER])
def test_the_per_unit_table_equals_each_child_on_its_own(org, story, side):
    web = Channel.objects.get(code="web").pk
    for unit, channel in ((org.county, None), (org.city, None), (org.county, web)):
        scope = KpiScope(unit=unit, period=Q1, side=side, channel_id=channel)
        table = kpis.kpis_by_child(scope)
        assert table, unit
        for child, counts in table:
            alone = values(KpiScope(unit=child, period=Q1, side=side, channel_id=channel))
            assert {c.code: (c.numerator, c.denominator) for c in counts} == alone, child
    # By hand: 东湖镇 as 责任单位 — 参评率 2/3 (c3, c4 of c3, c4, c6), 按期办结率 3/4 (c1 missed).
    town = dict(kpis.kpis_by_child(KpiScope(unit=org.county, period=Q1, side=Side.HANDLER)))[org.town]
    got = {c.code: (c.numerator, c.denominator) for c in town}
    assert got["participation"] == (2, 3) and got["on_time"] == (3, 4)
    assert dict(kpis.kpis_by_child(KpiScope(unit=org.county, period=Q1)))[org.police][0].percent == "—"


# --- The page's table: own row from the grouped queries, and the cache of a finished period -------


@pytest.mark.parametrize("side", [Side.BUREAU, Side.HANDLER])
def test_it_computes_the_own_row_like_each_kpi_on_its_own(org, story, side):
    web = Channel.objects.get(code="web").pk
    for unit, channel, subtree in (
        (org.county, None, True),
        (org.city, None, True),
        (org.county, web, True),
        (org.county, None, False),
        (org.town, None, True),
    ):
        scope = KpiScope(unit=unit, period=Q1, side=side, channel_id=channel, subtree=subtree)
        table = kpis.kpi_table(scope)
        assert {r.code: (r.numerator, r.denominator) for r in table.own} == values(scope), scope
        assert [r.code for r in table.own] == list(kpis.KPI_CODES)
        assert bool(table.children) == (subtree and unit != org.town), scope
    # By hand (the story above): the county as 信访部门 — 及时受理率 1/3, 一次性化解率 1/3.
    county = {r.code: (r.numerator, r.denominator) for r in kpis.kpi_table(KpiScope(org.county, Q1)).own}
    assert county["timely_accept"] == (1, 3) and county["one_time"] == (1, 3)


def test_it_serves_a_finished_period_from_the_cache(org, story, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.KPI_CACHE_SECONDS = 600
    scope = KpiScope(unit=org.county, period=Q1, side=Side.HANDLER)
    with time_machine.travel(datetime.datetime(2026, 5, 4, 10, 0, tzinfo=CST), tick=False):  # Q1 is over
        with CaptureQueriesContext(connection) as first:
            computed = kpis.kpi_table_cached(scope)
        with CaptureQueriesContext(connection) as second:
            cached = kpis.kpi_table_cached(scope)
    # The second call reads no KPI query: only the child units are loaded again.
    assert len(second.captured_queries) == 1 < len(first.captured_queries)
    assert [(r.code, r.numerator, r.denominator) for r in cached.own] == [
        (r.code, r.numerator, r.denominator) for r in computed.own
    ]
    assert [(u, [(c.numerator, c.denominator) for c in counts]) for u, counts in cached.children] == [
        (u, [(c.numerator, c.denominator) for c in counts]) for u, counts in computed.children
    ]
    assert {r.code: (r.numerator, r.denominator) for r in cached.own}["satisfaction"] == (1, 2)
    # The drill-down filters of a cached row are the live ones.
    assert set(cached.own[-1].numerator_cases()) == {story["c6"]}
    # Another side is another key: computed, not the handler side's numbers.
    bureau = kpis.kpi_table_cached(KpiScope(unit=org.county, period=Q1, side=Side.BUREAU))
    assert {r.code: (r.numerator, r.denominator) for r in bureau.own}["timely_accept"] == (1, 3)


def test_it_never_caches_the_current_period_or_with_caching_off(org, story, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.KPI_CACHE_SECONDS = 600
    with time_machine.travel(datetime.datetime(2026, 3, 20, 10, 0, tzinfo=CST), tick=False):
        kpis.kpi_table_cached(KpiScope(unit=org.county, period=Q1))  # Q1 is still running
        with CaptureQueriesContext(connection) as again:
            running = kpis.kpi_table_cached(KpiScope(unit=org.county, period=Q1))
    assert len(again.captured_queries) > 1
    assert {r.code: (r.numerator, r.denominator) for r in running.own}["repeat"] == (1, 6)
    settings.KPI_CACHE_SECONDS = 0
    kpis.kpi_table_cached(KpiScope(unit=org.county, period=Q1))
    with CaptureQueriesContext(connection) as off:
        kpis.kpi_table_cached(KpiScope(unit=org.county, period=Q1))
    assert len(off.captured_queries) > 1
