"""Registering, editing and moving disputes through the services: rules, Chinese messages, nothing changed
on bad input, the transition table and its one guard, 上报 making an item read-only."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from xinfang.disputes.choices import ALLOWED_TRANSITIONS, DisputeStatus, EventKind, PartyKind, RiskLevel
from xinfang.disputes.models import Dispute, DisputeEvent, DisputeMeasure, DisputeParty, ImmutableError
from xinfang.disputes.services import (
    PartyInput,
    dispute_acknowledge,
    dispute_create,
    dispute_escalate,
    dispute_measure_add,
    dispute_mediate,
    dispute_report,
    dispute_resolve,
    dispute_update,
)
from xinfang.disputes.tests.conftest import dispute_input, parties
from xinfang.disputes.workflow import DisputeConflict, DisputeRefused, check_transition

TODAY = datetime.date.today()


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_it_registers_a_dispute_with_a_number_parties_and_an_event(tree, make_dispute):
    dispute = make_dispute()
    assert dispute.number == f"PC990121{TODAY.year}00001"
    assert dispute.status == DisputeStatus.REGISTERED and dispute.is_open
    assert dispute.batch == f"{TODAY.year}年{TODAY.month}月"
    assert [p.name for p in dispute.parties.all()] == ["李四", "东湖村村民委员会"]
    assert list(dispute.events.values_list("kind", flat=True)) == [EventKind.CREATED]
    assert make_dispute().number.endswith("00002")


@pytest.mark.parametrize(
    ("overrides", "party_list", "field", "message"),
    [
        ({"due_on": TODAY - datetime.timedelta(days=1)}, None, "due_on", "化解期限不能早于排查日期。"),
        ({}, [], "parties", "请至少填写一名当事人。"),
        ({"risk_level": "extreme"}, None, "risk_level", "风险等级应为高、中、低之一。"),
        (
            {"risk_level": RiskLevel.HIGH, "leader_id": None},
            None,
            "leader",
            "高风险矛盾纠纷须明确包案领导（“三定一包”）。",
        ),
        ({"title": "  "}, None, "title", "请填写矛盾纠纷名称。"),
        ({"found_on": TODAY + datetime.timedelta(days=1)}, None, "found_on", "排查日期不能晚于今天。"),
        (
            {"period_start": TODAY, "period_end": TODAY - datetime.timedelta(days=1)},
            None,
            "period_end",
            "排查期间的结束日期不能早于开始日期。",
        ),
        ({"due_on": None}, None, "due_on", "请填写化解期限。"),
    ],
)
def test_it_refuses_bad_input_with_a_chinese_message_and_stores_nothing(
    tree, overrides, party_list, field, message
):
    with pytest.raises(ValidationError) as excinfo:
        dispute_create(
            actor=tree.town_registrar,
            unit=tree.town,
            data=dispute_input(tree, **overrides),
            parties=parties() if party_list is None else party_list,
        )
    assert message in _errors(excinfo)[field]
    assert Dispute.objects.count() == 0 and DisputeParty.objects.count() == 0


def test_it_checks_parties_people_and_places_all_at_once(tree):
    bad_parties = [PartyInput(name="", contact="123"), PartyInput(name="某公司", kind="robot")]
    data = dispute_input(
        tree, responsible_id=tree.town2_handler.pk, leader_id=tree.town2_handler.pk, region_code="000000"
    )
    with pytest.raises(ValidationError) as excinfo:
        dispute_create(actor=tree.town_registrar, unit=tree.town, data=data, parties=bad_parties)
    errors = _errors(excinfo)
    assert errors["parties.0.name"] == ["请填写当事人的姓名或名称。"]
    assert "电话号码" in errors["parties.0.contact"][0]
    assert errors["parties.1.kind"] == ["当事人类型应为个人或单位。"]
    assert errors["responsible"] == ["责任人应为本单位的工作人员。"]
    assert errors["leader"] == ["包案领导应为本单位或上级单位的人员。"]
    assert errors["region"] == ["发生地区划代码不存在。"]


def test_a_county_leader_may_be_the_leader_in_charge(tree, make_dispute):
    dispute = make_dispute(risk_level=RiskLevel.HIGH, leader_id=tree.county_leader.pk)
    assert dispute.leader == tree.county_leader


def test_only_the_units_own_staff_register_on_its_ledger(tree):
    for outsider in (tree.town2_handler, tree.county_supervisor, tree.county_leader):
        with pytest.raises(DisputeRefused):
            dispute_create(actor=outsider, unit=tree.town, data=dispute_input(tree), parties=parties())
    assert Dispute.objects.count() == 0


def test_the_transition_table_is_the_one_guard():
    for from_status in DisputeStatus:
        for to_status in DisputeStatus:
            allowed = to_status in ALLOWED_TRANSITIONS[from_status]
            if allowed:
                check_transition(from_status, to_status)
            else:
                with pytest.raises(DisputeConflict):
                    check_transition(from_status, to_status)


def test_it_mediates_then_resolves_with_an_outcome(tree, make_dispute):
    dispute = make_dispute()
    dispute = dispute_mediate(dispute=dispute, actor=tree.town_handler)
    assert dispute.status == DisputeStatus.MEDIATING and dispute.version == 2
    with pytest.raises(ValidationError) as excinfo:
        dispute_resolve(dispute=dispute, actor=tree.town_handler, outcome=" ")
    assert _errors(excinfo)["outcome"] == ["请填写化解结果。"]
    dispute = dispute_resolve(
        dispute=dispute, actor=tree.town_handler, outcome="经调解双方签订协议，重新划定边界。"
    )
    assert dispute.status == DisputeStatus.RESOLVED and not dispute.is_open and dispute.closed_at
    kinds = list(dispute.events.values_list("kind", "to_status"))
    assert kinds[-2:] == [(EventKind.TRANSITION, "mediating"), (EventKind.TRANSITION, "resolved")]


def test_a_closed_dispute_is_read_only(tree, make_dispute):
    dispute = make_dispute()
    dispute = dispute_resolve(dispute=dispute, actor=tree.town_handler, outcome="已调解。")
    with pytest.raises(DisputeConflict, match="已办结"):
        dispute_mediate(dispute=dispute, actor=tree.town_handler)
    with pytest.raises(DisputeConflict):
        dispute_measure_add(dispute=dispute, actor=tree.town_handler, taken_on=TODAY, text="回访")
    with pytest.raises(DisputeConflict):
        dispute_update(dispute=dispute, actor=tree.town_handler, data=dispute_input(tree), parties=parties())


def test_a_reported_dispute_takes_measures_and_an_outcome_but_no_edits(tree, make_dispute):
    dispute = make_dispute()
    with pytest.raises(DisputeRefused):
        dispute_report(dispute=dispute, actor=tree.town_handler)  # only the unit head reports
    dispute = dispute_report(dispute=dispute, actor=tree.town_head)
    assert dispute.reported_at and dispute.reported_by == tree.town_head
    with pytest.raises(DisputeConflict, match="已上报"):
        dispute_update(
            dispute=dispute,
            actor=tree.town_registrar,
            data=dispute_input(tree, title="改名"),
            parties=parties(),
        )
    with pytest.raises(DisputeConflict):
        dispute_report(dispute=dispute, actor=tree.town_head)
    dispute_measure_add(dispute=dispute, actor=tree.town_handler, taken_on=TODAY, text="组织双方到场调解。")
    dispute = dispute_resolve(dispute=dispute, actor=tree.town_handler, outcome="达成调解协议。")
    assert dispute.title == "东湖村土地承包纠纷" and dispute.status == DisputeStatus.RESOLVED


def test_the_bureau_above_acknowledges_a_report_once(tree, make_dispute):
    dispute = make_dispute()
    with pytest.raises(DisputeConflict, match="尚未上报"):
        dispute_acknowledge(dispute=dispute, actor=tree.county_supervisor)
    dispute = dispute_report(dispute=dispute, actor=tree.town_head)
    with pytest.raises(DisputeRefused):
        dispute_acknowledge(dispute=dispute, actor=tree.town_head)  # not the unit's own step
    dispute = dispute_acknowledge(dispute=dispute, actor=tree.county_supervisor, note="请于月底前化解。")
    assert dispute.acknowledged_by == tree.county_supervisor and dispute.acknowledged_unit == tree.county
    with pytest.raises(DisputeConflict, match="已经签收"):
        dispute_acknowledge(dispute=dispute, actor=tree.city_supervisor)


def test_escalating_is_the_heads_report_of_an_unsettled_dispute(tree, make_dispute):
    dispute = make_dispute()
    with pytest.raises(DisputeRefused):
        dispute_escalate(dispute=dispute, actor=tree.town_handler, outcome="双方分歧大。")
    with pytest.raises(ValidationError) as excinfo:
        dispute_escalate(dispute=dispute, actor=tree.town_head, outcome="")
    assert "未化解的原因" in _errors(excinfo)["outcome"][0]
    dispute = dispute_escalate(dispute=dispute, actor=tree.town_head, outcome="涉及土地确权，需县里协调。")
    assert dispute.status == DisputeStatus.ESCALATED and dispute.reported_at and dispute.is_open
    with pytest.raises(DisputeConflict):
        dispute_mediate(dispute=dispute, actor=tree.town_handler)


def test_a_stale_version_is_refused_and_changes_nothing(tree, make_dispute):
    dispute = make_dispute()
    dispute_mediate(dispute=dispute, actor=tree.town_handler)
    with pytest.raises(DisputeConflict, match="已被他人修改"):
        dispute_update(
            dispute=dispute,
            actor=tree.town_registrar,
            data=dispute_input(tree, title="新名称"),
            parties=parties(),
            expected_version=1,
        )
    assert Dispute.objects.get(pk=dispute.pk).title == "东湖村土地承包纠纷"


def test_an_edit_records_old_and_new_values_but_not_the_parties_data(tree, make_dispute):
    dispute = make_dispute()
    new_parties = [PartyInput(name="王五", kind=PartyKind.PERSON, contact="13800001111")]
    updated = dispute_update(
        dispute=dispute,
        actor=tree.town_registrar,
        data=dispute_input(tree, title="东湖村承包地边界纠纷"),
        parties=new_parties,
        expected_version=1,
    )
    assert updated.version == 2 and [p.name for p in updated.parties.all()] == ["王五"]
    event = updated.events.get(kind=EventKind.UPDATED)
    assert event.data["changes"]["title"] == {"old": "东湖村土地承包纠纷", "new": "东湖村承包地边界纠纷"}
    assert event.data["parties_changed"] is True and "13800001111" not in str(event.data)


def test_measures_are_dated_and_immutable(tree, make_dispute):
    dispute = make_dispute()
    with pytest.raises(ValidationError) as excinfo:
        dispute_measure_add(
            dispute=dispute, actor=tree.town_handler, taken_on=TODAY + datetime.timedelta(days=1), text=""
        )
    errors = _errors(excinfo)
    assert errors["text"] == ["请填写采取的化解措施。"] and errors["taken_on"] == ["措施日期不能晚于今天。"]
    measure = dispute_measure_add(dispute=dispute, actor=tree.town_handler, taken_on=TODAY, text="上门走访。")
    measure.text = "改写"
    with pytest.raises(ImmutableError):
        measure.save()
    with pytest.raises(ImmutableError):
        measure.delete()
    with pytest.raises(ImmutableError):
        DisputeEvent.objects.filter(dispute=dispute).first().delete()
    assert DisputeMeasure.objects.get(pk=measure.pk).text == "上门走访。"
