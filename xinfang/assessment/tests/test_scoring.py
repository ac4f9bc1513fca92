"""Scoring rules on the hand-built story of conftest.py: each deduction, caps, KPI weights, a KPI
without denominator, ties in ranking, the ranking interface for the bulletin."""

from decimal import Decimal

import pytest

from xinfang.assessment import scoring, services
from xinfang.assessment.selectors import ScoreItem, ScoreRow, assessment_ranking
from xinfang.assessment.tests.conftest import SCORED_ON
from xinfang.reporting.kpis import ChildCount
from xinfang.reporting.periods import parse_period

Q1 = parse_period("2026-Q1")


def compute(rule_set, user):
    return services.assessment_compute(rule_set=rule_set, acting_user=user, today=SCORED_ON)


def items_of(row: ScoreRow) -> dict[str, ScoreItem]:
    return {item.code: item for item in row.items}


def by_unit(rows):
    return {row.unit.name: row for row in rows}


def test_it_counts_and_scores_every_deduction(org, story, q1_rules, supervisor):
    services.key_tasks_set(rule_set=q1_rules, points={org.town.pk: "50"}, acting_user=supervisor)
    compute(q1_rules, supervisor)
    rows = by_unit(assessment_ranking(bureau=org.county, period=Q1))
    town = items_of(rows["东湖镇"])
    # 登记不及时: A came 01-01 and was registered 01-20 (19 > 15 days): 1 × 0.5.
    assert (town["deduct.late_registration"].count, town["deduct.late_registration"].points) == (
        1,
        Decimal("-0.50"),
    )
    # 信息报送: quota 1 a month × 3 months = 3, one sent → 2 short × 0.5 = 1.
    assert (town["deduct.info_shortfall"].count, town["deduct.info_shortfall"].points) == (
        2,
        Decimal("-1.00"),
    )
    # 超期: T5 clocks due in Q1 — A met in time, B never met, C met 2 days late; D is due in April: 2 × 1.
    assert (town["deduct.overdue"].count, town["deduct.overdue"].points) == (2, Decimal("-2.00"))
    # 回访问题: 02-15 不满意 and 03-01 需要跟进 count; 03-02 满意 does not; 04-02 is after Q1: 2 × 1.
    assert (town["deduct.callback"].count, town["deduct.callback"].points) == (2, Decimal("-2.00"))
    # 重复信访: C and D are repeats registered in Q1 with 东湖镇 as 受理单位: 2 × 1.
    assert (town["deduct.repeat"].count, town["deduct.repeat"].points) == (2, Decimal("-2.00"))
    # 东湖镇 has its 承办员 and was not supervised.
    assert town["deduct.no_operator"].count == 0 and town["deduct.supervision"].count == 0
    police = items_of(rows["县公安局"])
    # 未落实专人: the police's only 承办员 is inactive: 1 × 2 (cap 2).
    assert (police["deduct.no_operator"].count, police["deduct.no_operator"].points) == (1, Decimal("-2.00"))
    # 督办: two opened in Q1 (01-25, 03-20), one in April: 2 × 1.
    assert (police["deduct.supervision"].count, police["deduct.supervision"].points) == (2, Decimal("-2.00"))
    assert police["deduct.info_shortfall"].count == 3


def test_it_weights_the_kpis_and_gives_full_points_without_denominator(org, story, q1_rules, supervisor):
    services.key_tasks_set(rule_set=q1_rules, points={org.town.pk: "50"}, acting_user=supervisor)
    compute(q1_rules, supervisor)
    rows = by_unit(assessment_ranking(bureau=org.county, period=Q1))
    town = rows["东湖镇"]
    got = items_of(town)
    # 按期办结率: T5 clocks due in Q1 — A, B, C; only A met: 1/3 × 10 = 3.33.
    assert (got["kpi.on_time"].count, got["kpi.on_time"].points) == (1, Decimal("3.33"))
    assert got["kpi.on_time"].rate == pytest.approx(1 / 3)
    # 及时受理率, 参评率, 满意率: nothing due (clocks replaced, nothing closed, nothing rated) → the
    # default "给满分": 5 + 5 + 10; rate None.
    assert got["kpi.timely_accept"].points == Decimal("5.00") and got["kpi.timely_accept"].rate is None
    assert got["kpi.participation"].points == Decimal("5.00")
    assert got["kpi.satisfaction"].points == Decimal("10.00")
    # 重复信访率 has weight 0 by default (达川 deducts per case instead).
    assert got["kpi.repeat"].points == Decimal("0.00")
    assert town.kpi_points == Decimal("23.33")
    # total = 23.33 + 50 (key tasks) + 10 (base) − (0.5 + 1 + 2 + 2 + 2) = 75.83
    assert town.deductions == Decimal("7.50")
    assert town.total == Decimal("75.83")
    assert sum(item.points for item in town.items) == town.total
    # 县公安局: every KPI without denominator → 5 + 10 + 5 + 10 = 30; no key tasks entered (0); base 10;
    # deductions 2 (专人) + 1.5 (3 reports short) + 2 (督办) = 5.5 → 34.5.
    police = rows["县公安局"]
    assert (police.kpi_points, police.deductions, police.total) == (
        Decimal("30.00"),
        Decimal("5.50"),
        Decimal("34.50"),
    )
    assert [(row.unit.name, row.rank) for row in assessment_ranking(bureau=org.county, period=Q1)] == [
        ("东湖镇", 1),
        ("县公安局", 2),
    ]


def test_it_can_exclude_a_kpi_without_denominator(org, story, q1_rules, supervisor):
    services.rule_set_update(
        rule_set=q1_rules, values={"no_denominator": "exclude"}, deductions={}, acting_user=supervisor
    )
    compute(q1_rules, supervisor)
    police = by_unit(assessment_ranking(bureau=org.county, period=Q1))["县公安局"]
    # Nothing due for the police: no KPI points at all.
    assert police.kpi_points == Decimal("0.00")
    assert police.total == Decimal("10.00") - Decimal("5.50")


def test_it_caps_a_deduction_and_applies_new_weights(org, story, q1_rules, supervisor):
    services.rule_set_update(
        rule_set=q1_rules,
        values={"weight_on_time": "30"},
        deductions={"overdue": {"points_per_event": "3", "cap": "5"}, "callback": {"is_active": False}},
        acting_user=supervisor,
    )
    compute(q1_rules, supervisor)
    town = items_of(by_unit(assessment_ranking(bureau=org.county, period=Q1))["东湖镇"])
    # 2 overdue × 3 = 6, capped at 5.
    assert town["deduct.overdue"].points == Decimal("-5.00")
    # A switched-off item still shows its count but deducts nothing.
    assert (town["deduct.callback"].count, town["deduct.callback"].points) == (2, Decimal("0.00"))
    # 1/3 × 30 = 10.
    assert town["kpi.on_time"].points == Decimal("10.00")


def test_it_scores_repeat_rate_as_lower_is_better():
    rule_set = type("R", (), {"weight": lambda self, code: Decimal("10"), "no_denominator": "full"})()
    # 1 repeat of 4: (1 − 0.25) × 10 = 7.5; an ordinary KPI 1 of 4: 0.25 × 10 = 2.5.
    assert scoring.kpi_points(rule_set, ChildCount("repeat", 1, 4)).points == Decimal("7.50")
    assert scoring.kpi_points(rule_set, ChildCount("on_time", 1, 4)).points == Decimal("2.50")


def test_it_ranks_ties_together():
    assert scoring.ranks(
        [(1, Decimal("80")), (2, Decimal("90")), (3, Decimal("80")), (4, Decimal("70"))]
    ) == {
        2: 1,
        1: 2,
        3: 2,
        4: 4,
    }


def test_it_gives_tied_units_the_same_rank_in_the_stored_ranking(org, supervisor):
    # June 2026: nothing happened; both units are staffed and sent nothing: identical scores.
    june = services.rule_set_create(bureau=org.county, period=parse_period("2026-06"), acting_user=supervisor)
    compute(june, supervisor)
    rows = assessment_ranking(bureau=org.county, period=parse_period("2026-06"))
    assert [row.rank for row in rows] == [1, 1]
    assert rows[0].total == rows[1].total
    # Quota 1 a month: 1 short × 0.5; KPIs full (30) + base 10 − 0.5 = 39.5.
    assert rows[0].total == Decimal("39.50")


def test_it_returns_none_without_computed_results(org, q1_rules):
    assert assessment_ranking(bureau=org.county, period=Q1) is None
    assert assessment_ranking(bureau=org.other, period=Q1) is None


def test_the_snapshot_does_not_drift(org, story, q1_rules, supervisor):
    from xinfang.supervision.models import Supervision

    compute(q1_rules, supervisor)
    before = by_unit(assessment_ranking(bureau=org.county, period=Q1))["县公安局"].total
    Supervision.objects.all().delete()
    assert by_unit(assessment_ranking(bureau=org.county, period=Q1))["县公安局"].total == before
    compute(q1_rules, supervisor)  # recomputing before finalizing picks the change up
    assert by_unit(assessment_ranking(bureau=org.county, period=Q1))["县公安局"].total == before + 2


def test_the_callback_count_agrees_with_callback_results(org, story, q1_rules):
    from xinfang.supervision.selectors import callback_results

    results = callback_results(org.town, Q1.start, Q1.end)
    problems = scoring.callback_problems(Q1).filter(unit=org.town).count()
    # 不满意 (1) + 需要跟进 (1), no callback being both here.
    assert problems == results.unsatisfied + results.follow_up == 2


def test_the_city_assesses_its_county_bureaus(org, story, register):
    from xinfang.orgs.models import Membership, Role, User

    city_supervisor = User.objects.create_user(username="city_supervisor", password="x")
    Membership.objects.create(
        user=city_supervisor, unit=org.city, role=Role.objects.get(code=Role.SUPERVISOR)
    )
    rules = services.rule_set_create(bureau=org.city, period=Q1, acting_user=city_supervisor)
    compute(rules, city_supervisor)
    rows = by_unit(assessment_ranking(bureau=org.city, period=Q1))
    assert set(rows) == {"示范县信访局", "邻县信访局"}
    county = items_of(rows["示范县信访局"])
    # The county's subtree: 东湖镇's late registration and repeats roll up to it.
    assert county["deduct.late_registration"].count == 1
    assert county["deduct.overdue"].count == 2
