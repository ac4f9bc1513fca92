"""The pages over HTTP: who may see and do what (404 for everyone else), forms with clear Chinese
errors, adjustments logged and immutable, finalizing locks, the evidence lists, the Excel export."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from xinfang.assessment import services
from xinfang.assessment.models import Adjustment, RuleSet, UnitScore
from xinfang.assessment.tests.conftest import SCORED_ON
from xinfang.common.models import AuditLog, ImmutableError


def computed(rule_set, user):
    services.assessment_compute(rule_set=rule_set, acting_user=user, today=SCORED_ON)
    rule_set.refresh_from_db()
    return rule_set


def urls(rule_set, org):
    return {
        "results": reverse("assessment:results", args=[rule_set.pk]),
        "edit": reverse("assessment:edit", args=[rule_set.pk]),
        "key-tasks": reverse("assessment:key-tasks", args=[rule_set.pk]),
        "breakdown": reverse("assessment:breakdown", args=[rule_set.pk, org.town.pk]),
        "evidence": reverse("assessment:evidence", args=[rule_set.pk, org.town.pk, "overdue"]),
        "export": reverse("assessment:export", args=[rule_set.pk]),
    }


MANAGERS = ("supervisor", "leader_only", "county_head")
OUTSIDERS = (
    "registrar",
    "town_handler",
    "police_head",
    "town_head",
    "other_registrar",
    "city_leader",
    "admin",
)


def persona(org, supervisor, name):
    return supervisor if name == "supervisor" else getattr(org, name)


@pytest.mark.parametrize("name", MANAGERS)
def test_it_lets_the_bureau_supervisors_leaders_and_heads_in(client, org, story, q1_rules, supervisor, name):
    computed(q1_rules, supervisor)
    client.force_login(persona(org, supervisor, name))
    for page, url in urls(q1_rules, org).items():
        assert client.get(url).status_code == 200, page
    response = client.post(reverse("assessment:compute", args=[q1_rules.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize("name", OUTSIDERS)
def test_it_answers_404_to_everyone_else_before_finalizing(client, org, story, q1_rules, supervisor, name):
    computed(q1_rules, supervisor)
    client.force_login(persona(org, supervisor, name))
    for page, url in urls(q1_rules, org).items():
        assert client.get(url).status_code == 404, page
    for action in ("compute", "finalize", "copy"):
        assert client.post(reverse(f"assessment:{action}", args=[q1_rules.pk])).status_code == 404
    adjust = reverse("assessment:adjust", args=[q1_rules.pk, org.town.pk])
    assert client.post(adjust, {"points": "5", "reason": "自己加分"}).status_code == 404
    assert not Adjustment.objects.exists()


def test_it_sends_anonymous_users_to_the_login(client, org, q1_rules):
    response = client.get(reverse("assessment:results", args=[q1_rules.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_unit_sees_only_its_own_score_after_finalizing(client, org, story, q1_rules, supervisor):
    computed(q1_rules, supervisor)
    services.assessment_finalize(rule_set=q1_rules, acting_user=supervisor)
    client.force_login(org.town_handler)
    body = client.get(reverse("assessment:results", args=[q1_rules.pk])).content.decode()
    assert "东湖镇" in body and "县公安局" not in body
    assert client.get(reverse("assessment:breakdown", args=[q1_rules.pk, org.town.pk])).status_code == 200
    assert client.get(reverse("assessment:breakdown", args=[q1_rules.pk, org.police.pk])).status_code == 404
    assert client.get(reverse("assessment:edit", args=[q1_rules.pk])).status_code == 404
    assert client.get(reverse("assessment:export", args=[q1_rules.pk])).status_code == 404
    assert "东湖镇" in client.get(reverse("assessment:list")).content.decode()
    client.force_login(org.other_registrar)
    assert client.get(reverse("assessment:results", args=[q1_rules.pk])).status_code == 404


def test_it_offers_the_default_rule_set_first_and_copies_to_the_next_period(client, org, supervisor):
    client.force_login(supervisor)
    response = client.post(reverse("assessment:new"), {"period": "2026年第一季度", "bureau": org.county.pk})
    assert response.status_code == 302
    first = RuleSet.objects.get(bureau=org.county, period_code="2026-Q1")
    # 达川区 2022: 及时受理率 × 5, 按期答复率 × 10, 参评满意率 × 10, 参评率 × 5, key tasks 60.
    assert (first.weight_timely_accept, first.weight_on_time, first.weight_satisfaction) == (5, 10, 10)
    assert (first.weight_participation, first.key_task_points) == (5, 60)
    repeat = first.deductions.get(code="repeat")
    assert (repeat.points_per_event, repeat.cap) == (1, 10)
    assert first.deductions.count() == 7
    services.rule_set_update(
        rule_set=first, values={"weight_on_time": "12"}, deductions={}, acting_user=supervisor
    )
    assert client.post(reverse("assessment:copy", args=[first.pk])).status_code == 302
    second = RuleSet.objects.get(bureau=org.county, period_code="2026-Q2")
    assert second.weight_on_time == 12 and second.deductions.count() == 7
    # The same period twice: a clear message, nothing made.
    again = client.post(reverse("assessment:new"), {"period": "2026-Q1", "bureau": org.county.pk})
    assert again.status_code == 400 and "已经有了" in again.content.decode()
    bad = client.post(reverse("assessment:new"), {"period": "第五季度", "bureau": org.county.pk})
    assert bad.status_code == 400 and "季度" in bad.content.decode()
    assert RuleSet.objects.count() == 2


def test_the_rule_form_rejects_negative_weights_and_caps(client, org, q1_rules, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("assessment:edit", args=[q1_rules.pk])).content.decode()
    assert "及时受理率权重" in page and "达川区" in page and "少一次扣0.5分" in page
    data = {field: "5" for field in services.WEIGHT_FIELDS}
    data.update(no_denominator="full", key_task_points="60", base_points="10", title="")
    for code in (
        "no_operator",
        "late_registration",
        "info_shortfall",
        "overdue",
        "callback",
        "repeat",
        "supervision",
    ):
        data.update(
            {
                f"{code}-is_active": "on",
                f"{code}-points_per_event": "1",
                f"{code}-cap": "5",
                f"{code}-threshold": "3",
            }
        )
    data["weight_on_time"] = "-1"
    data["overdue-cap"] = "-2"
    response = client.post(reverse("assessment:edit", args=[q1_rules.pk]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "不能小于 0" in body and "最多扣分不能小于 0" in body
    q1_rules.refresh_from_db()
    assert q1_rules.weight_on_time == 10
    data["weight_on_time"] = "20"
    data["overdue-cap"] = "8"
    assert client.post(reverse("assessment:edit", args=[q1_rules.pk]), data).status_code == 302
    q1_rules.refresh_from_db()
    assert q1_rules.weight_on_time == 20 and q1_rules.deductions.get(code="overdue").cap == 8
    assert AuditLog.objects.filter(action="assessment.rules.update").exists()


def test_key_tasks_above_the_maximum_are_refused(client, org, q1_rules, supervisor):
    client.force_login(supervisor)
    url = reverse("assessment:key-tasks", args=[q1_rules.pk])
    response = client.post(url, {f"unit_{org.town.pk}": "61"})
    assert response.status_code == 400 and "不能超过满分" in response.content.decode()
    assert client.post(url, {f"unit_{org.town.pk}": "55.5"}).status_code == 302
    assert q1_rules.key_tasks.get(unit=org.town).points == Decimal("55.5")


def test_adjustments_are_logged_immutable_audited_and_counted(client, org, story, q1_rules, supervisor):
    computed(q1_rules, supervisor)
    before = UnitScore.objects.get(rule_set=q1_rules, unit=org.police)
    client.force_login(org.leader_only)
    url = reverse("assessment:adjust", args=[q1_rules.pk, org.police.pk])
    # No reason: refused, nothing written.
    response = client.post(url, {"points": "45", "reason": "  "})
    assert response.status_code == 400 and "请写明加减分的理由" in response.content.decode()
    assert client.post(url, {"points": "abc", "reason": "x"}).status_code == 400
    assert client.post(url, {"points": "0", "reason": "x"}).status_code == 400
    assert not Adjustment.objects.exists()
    assert client.post(url, {"points": "45", "reason": "市级表彰信访工作先进单位"}).status_code == 302
    after = UnitScore.objects.get(rule_set=q1_rules, unit=org.police)
    # 34.50 + 45 = 79.50: the police now rank first, above 东湖镇's 25.83 (no key tasks entered).
    assert after.total == before.total + 45 and after.adjustments == 45 and after.rank == 1
    adjustment = Adjustment.objects.get()
    assert (adjustment.created_by, adjustment.points) == (org.leader_only, Decimal("45"))
    with pytest.raises(ImmutableError):
        adjustment.reason = "改一下"
        adjustment.save()
    with pytest.raises(ImmutableError):
        adjustment.delete()
    assert AuditLog.objects.filter(action="assessment.adjust", object_id=str(adjustment.pk)).exists()
    body = client.get(reverse("assessment:breakdown", args=[q1_rules.pk, org.police.pk])).content.decode()
    assert "市级表彰信访工作先进单位" in body and "79.50" in body
    # Recomputing keeps the adjustment in the total.
    computed(q1_rules, supervisor)
    assert UnitScore.objects.get(rule_set=q1_rules, unit=org.police).total == after.total


def test_finalizing_locks_everything(client, org, story, q1_rules, supervisor):
    client.force_login(supervisor)
    finalize = reverse("assessment:finalize", args=[q1_rules.pk])
    client.post(finalize)
    assert RuleSet.objects.get(pk=q1_rules.pk).status == "draft"  # nothing computed yet: refused
    computed(q1_rules, supervisor)
    assert client.post(finalize).status_code == 302
    q1_rules.refresh_from_db()
    assert q1_rules.is_final and q1_rules.finalized_by == supervisor
    stamp = q1_rules.computed_at
    client.post(reverse("assessment:compute", args=[q1_rules.pk]))
    q1_rules.refresh_from_db()
    assert q1_rules.computed_at == stamp
    adjust = client.post(
        reverse("assessment:adjust", args=[q1_rules.pk, org.town.pk]), {"points": "1", "reason": "迟到的加分"}
    )
    assert adjust.status_code == 409 and not Adjustment.objects.exists()
    with pytest.raises(services.AssessmentLocked):
        services.rule_set_update(
            rule_set=q1_rules, values={"weight_on_time": "1"}, deductions={}, acting_user=supervisor
        )
    with pytest.raises(services.AssessmentLocked):
        services.key_tasks_set(rule_set=q1_rules, points={org.town.pk: "1"}, acting_user=supervisor)


def test_every_count_links_to_the_records_behind_it(client, org, story, q1_rules, supervisor):
    computed(q1_rules, supervisor)
    client.force_login(supervisor)
    body = client.get(reverse("assessment:breakdown", args=[q1_rules.pk, org.town.pk])).content.decode()
    assert "/reports/kpis/cases/?" in body and "kpi=on_time" in body
    late = reverse("assessment:evidence", args=[q1_rules.pk, org.town.pk, "late_registration"])
    assert late in body
    page = client.get(late).content.decode()
    assert story["A"].number in page and story["B"].number not in page
    overdue = client.get(
        reverse("assessment:evidence", args=[q1_rules.pk, org.town.pk, "overdue"])
    ).content.decode()
    assert story["B"].number in overdue and story["C"].number in overdue and story["A"].number not in overdue
    kpi = client.get(
        reverse("reporting:kpi-cases"),
        {
            "unit": org.town.pk,
            "period": "2026-Q1",
            "side": "handler",
            "subtree": "1",
            "kpi": "on_time",
            "part": "num",
        },
    ).content.decode()
    assert story["A"].number in kpi
    assert (
        client.get(reverse("assessment:evidence", args=[q1_rules.pk, org.town.pk, "nonsense"])).status_code
        == 404
    )


def test_the_export_opens_and_holds_the_numbers(client, org, story, q1_rules, supervisor):
    services.key_tasks_set(rule_set=q1_rules, points={org.town.pk: "50"}, acting_user=supervisor)
    computed(q1_rules, supervisor)
    client.force_login(supervisor)
    response = client.get(reverse("assessment:export", args=[q1_rules.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[3]]
    rows = {row[1]: row for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert header[:3] == ["名次", "单位", "总分"]
    assert rows["东湖镇"][0] == 1 and rows["东湖镇"][2] == pytest.approx(75.83)
    assert rows["县公安局"][2] == pytest.approx(34.5)
    overdue = header.index("超期办理（次数）")
    assert rows["东湖镇"][overdue] == 2 and rows["东湖镇"][overdue + 1] == pytest.approx(-2)
    assert AuditLog.objects.filter(action="assessment.export", object_id=str(q1_rules.pk)).exists()
