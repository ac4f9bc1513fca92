"""Every step of the journey through its service: status, clocks, records, papers and events (issue 3)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from xinfang.cases import steps
from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.choices import EventKind, RecordStatus
from xinfang.cases.models import Case, CaseEvent
from xinfang.cases.workflow import ActionConflict, ActionRefused, actions_for
from xinfang.deadlines.models import Step

TODAY = datetime.date(2026, 3, 2)  # a Monday, away from public holidays


@pytest.fixture
def frozen():
    with time_machine.travel(
        datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=False
    ) as traveller:
        yield traveller


def clock(case, step):
    return case.deadlines.filter(step=step).order_by("-id").first()


def papers(case):
    return list(case.documents.order_by("id").values_list("kind", flat=True))


def codes(user, case):
    return {a.code for a in actions_for(user, case)}


@pytest.fixture
def assigned(org, register, frozen):
    """A county case 交办 to the township with a deadline."""
    case = register(received_on=TODAY - datetime.timedelta(days=2))
    return steps.case_assign(
        case=case,
        actor=org.dispatcher,
        to_unit=org.town,
        due_on=TODAY + datetime.timedelta(days=40),
        note="请认真核实并报送办结报告",
        copies=[org.police],
    )


def test_assign_moves_the_case_and_starts_the_receivers_clocks(org, assigned):
    case = assigned
    assert case.status == S.PENDING_SIGN and case.owner_unit == org.town
    assert case.assigning_unit == org.county
    assert not clock(case, Step.DISPOSE).is_open
    assert clock(case, Step.ACCEPT).due_on == TODAY + datetime.timedelta(days=15)
    assert clock(case, Step.OBJECT).due_on == datetime.date(2026, 3, 9)  # 5 working days
    assert papers(case) == ["assign_slip"]
    dispatch = case.dispatches.get()
    assert (dispatch.from_unit, dispatch.to_unit, dispatch.kind) == (org.county, org.town, "assign")
    assert case.unit_links.filter(unit=org.police, role="copied").exists()
    event = case.events.filter(kind=EventKind.TRANSITION).last()
    assert (event.from_status, event.to_status, event.data["action"]) == (
        S.REGISTERED,
        S.PENDING_SIGN,
        "assign",
    )
    assert codes(org.town_handler, case) >= {"sign", "object"}
    assert "sign" not in codes(org.police_handler, case)  # a copy is to read, not to act on


def test_the_whole_assigned_journey_to_final(org, assigned, frozen):
    case = steps.case_sign(case=assigned, actor=org.town_handler)
    assert case.status == S.SIGNED
    case = steps.case_accept(case=case, actor=org.town_handler, route="依照信访程序调查处理")
    assert case.status == S.HANDLING and case.accepted_on == TODAY and case.handling_unit == org.town
    handle = clock(case, Step.HANDLE)
    assert handle.due_on == TODAY + datetime.timedelta(days=40)  # the deadline written on the 交办单
    assert not clock(case, Step.ACCEPT).is_open and not clock(case, Step.OBJECT).is_open

    case = steps.case_extension_request(case=case, actor=org.town_handler, days=20, reason="需现场勘验")
    with pytest.raises(ActionRefused):
        steps.case_extension_decide(case=case, actor=org.town_handler, approve=True)  # only the head
    case = steps.case_extension_decide(case=case, actor=org.town_head, approve=True, note="同意")
    assert clock(case, Step.HANDLE).due_on == handle.due_on + datetime.timedelta(days=20)
    assert case.due_on == clock(case, Step.HANDLE).due_on
    assert case.extensions.get().status == RecordStatus.APPROVED

    case = steps.case_opinion_draft(
        case=case,
        actor=org.town_handler,
        outcome="support",
        facts="经查，拖欠工资属实。",
        basis="《保障农民工工资支付条例》第三条",
        text="责令施工单位于十日内支付。",
    )
    case = steps.case_opinion_decide(case=case, actor=org.town_head, approve=True)
    assert case.status == S.OPINION_ISSUED and not clock(case, Step.HANDLE).is_open
    case = steps.case_serve(case=case, actor=org.town_handler, method="in_person", served_on=TODAY)
    assert case.status == S.SERVED and case.served_on == TODAY  # 交办: the 办结报告 is still owed
    case = steps.case_report_submit(
        case=case, actor=org.town_handler, text="已督促支付到位", contact="李四 0579-1"
    )
    assert case.status == S.REPORTED and case.owner_unit == org.county
    case = steps.case_report_decide(case=case, actor=org.dispatcher, approve=True, note="同意办结")
    assert case.status == S.CLOSED and not case.is_open
    assert papers(case) == [
        "assign_slip",
        "accept_notice",
        "extension_notice",
        "opinion",
        "service_receipt",
        "completion_report",
    ]

    case = steps.case_evaluate(
        case=case, actor=org.registrar, target="handler", level="fairly", source="phone"
    )
    case = steps.case_evaluate(
        case=case, actor=org.registrar, target="bureau", level="satisfied", source="phone"
    )
    assert {(e.target, e.unit) for e in case.evaluations.all()} == {
        ("handler", org.town),
        ("bureau", org.county),
    }

    # 复查 at the city (a 信访部门 above the township), then 复核 is impossible: nothing above the city.
    case = steps.case_recheck_request(
        case=case,
        actor=org.city_dispatcher,
        requested_on=TODAY,
        review_unit=org.city,
        reason="对处理意见不服",
    )
    assert case.status == S.RECHECK and case.owner_unit == org.city and case.is_open
    assert clock(case, Step.RECHECK_OPINION).due_on == TODAY + datetime.timedelta(days=30)
    case = steps.case_opinion_draft(
        case=case,
        actor=org.city_head,
        outcome="explain",
        facts="复查查明……",
        basis="《信访工作条例》第三十五条",
        text="维持",
    )
    case = steps.case_opinion_decide(case=case, actor=org.city_head, approve=True)
    case = steps.case_serve(case=case, actor=org.city_dispatcher, method="post", served_on=TODAY)
    assert case.status == S.RECHECK_SERVED and not case.is_open
    assert papers(case)[-2:] == ["recheck_opinion", "service_receipt"]
    # Every change left exactly one event in the same transaction; the log is complete and ordered.
    actions = [
        e.data.get("action") for e in case.events.filter(kind__in=[EventKind.TRANSITION, EventKind.ACTION])
    ]
    assert actions == [
        "assign",
        "sign",
        "accept",
        "extension_request",
        "extension_decide",
        "opinion_draft",
        "opinion_decide",
        "serve",
        "report_submit",
        "report_decide",
        "evaluate",
        "evaluate",
        "recheck_request",
        "opinion_draft",
        "opinion_decide",
        "serve",
    ]


def test_object_returns_the_case_to_the_sender_within_five_working_days(org, assigned, frozen):
    case = steps.case_object(case=assigned, actor=org.town_handler, reason="不属于本镇职权范围")
    assert case.status == S.RETURNED and case.owner_unit == org.county and case.assigning_unit is None
    assert case.dispatches.get().return_reason == "不属于本镇职权范围"
    # The county re-routes it to the police.
    case = steps.case_transfer(case=case, actor=org.dispatcher, to_unit=org.police)
    assert case.status == S.PENDING_SIGN and case.owner_unit == org.police


def test_object_after_five_working_days_is_refused(org, assigned, frozen):
    frozen.move_to(datetime.datetime(2026, 3, 10, 10, 0, tzinfo=datetime.UTC))  # due 3-09
    with pytest.raises(ActionConflict, match="5个工作日"):
        steps.case_object(case=assigned, actor=org.town_handler, reason="晚了")
    assert Case.objects.get(pk=assigned.pk).status == S.PENDING_SIGN


def test_only_one_extension(org, assigned):
    case = steps.case_sign(case=assigned, actor=org.town_handler)
    case = steps.case_accept(case=case, actor=org.town_handler)
    case = steps.case_extension_request(case=case, actor=org.town_handler, days=10, reason="一")
    case = steps.case_extension_decide(case=case, actor=org.town_head, approve=True)
    with pytest.raises(ActionConflict, match="只能一次"):
        steps.case_extension_request(case=case, actor=org.town_handler, days=5, reason="二")
    with pytest.raises(ActionConflict, match="1至30日"):
        # A refused request may be asked again, but never for more than 30 days.
        other = steps.case_accept(
            case=steps.case_sign(
                case=steps.case_transfer(case=org_case(org), actor=org.dispatcher, to_unit=org.town),
                actor=org.town_handler,
            ),
            actor=org.town_handler,
        )
        steps.case_extension_request(case=other, actor=org.town_handler, days=31, reason="太长")


def org_case(org):
    from xinfang.intake.services import PetitionerInput, case_register

    return case_register(
        actor=org.registrar,
        unit=org.county,
        channel_code="visit",
        purpose_code="claim",
        title="另一件",
        content="内容",
        received_on=TODAY,
        petitioners=[PetitionerInput(name="王五")],
    )


def test_opinion_needs_a_legal_basis_and_the_heads_sign_off(org, assigned):
    case = steps.case_accept(
        case=steps.case_sign(case=assigned, actor=org.town_handler), actor=org.town_handler
    )
    with pytest.raises(ActionConflict, match="法律政策依据"):
        steps.case_opinion_draft(
            case=case, actor=org.town_handler, outcome="reject", facts="查明", basis=" ", text="不支持"
        )
    case = steps.case_opinion_draft(
        case=case, actor=org.town_handler, outcome="reject", facts="查明", basis="某条", text="x"
    )
    case = steps.case_opinion_decide(case=case, actor=org.town_head, approve=False, note="事实不清，重写")
    assert case.status == S.HANDLING and papers(case) == ["assign_slip", "accept_notice"]
    assert "opinion_draft" in codes(org.town_handler, case)  # the way back is open


def test_recheck_on_day_31_is_refused(org, register, frozen):
    case = register(received_on=TODAY)
    case = steps.case_accept(case=case, actor=org.dispatcher)
    case = steps.case_opinion_draft(
        case=case, actor=org.dispatcher, outcome="explain", facts="f", basis="b", text="t"
    )
    case = steps.case_opinion_decide(case=case, actor=org.county_head, approve=True)
    case = steps.case_serve(case=case, actor=org.dispatcher, method="in_person", served_on=TODAY)
    assert case.status == S.CLOSED  # not 交办: no report is owed
    frozen.move_to(datetime.datetime(2026, 4, 2, 10, 0, tzinfo=datetime.UTC))
    before = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(ActionConflict, match="申请期限已于2026年4月1日届满"):
        steps.case_recheck_request(
            case=case,
            actor=org.city_dispatcher,
            requested_on=TODAY + datetime.timedelta(days=31),
            review_unit=org.city,
            reason="迟到的申请",
        )
    assert CaseEvent.objects.filter(case=case).count() == before
    case = steps.case_recheck_request(
        case=case,
        actor=org.city_dispatcher,
        requested_on=TODAY + datetime.timedelta(days=30),
        review_unit=org.city,
        reason="按时的申请",
    )
    assert case.status == S.RECHECK


def test_rereview_hearing_pauses_the_clock_and_ends_final(org, register, frozen):
    case = register(received_on=TODAY, unit=org.town, actor=org.town_handler)
    case = steps.case_accept(case=case, actor=org.town_handler)
    case = steps.case_opinion_draft(
        case=case, actor=org.town_handler, outcome="reject", facts="f", basis="b", text="t"
    )
    case = steps.case_opinion_decide(case=case, actor=org.town_head, approve=True)
    case = steps.case_serve(case=case, actor=org.town_handler, method="in_person", served_on=TODAY)
    case = steps.case_recheck_request(
        case=case, actor=org.registrar, requested_on=TODAY, review_unit=org.county, reason="不服"
    )
    assert case.owner_unit == org.county
    case = steps.case_opinion_draft(
        case=case, actor=org.dispatcher, outcome="reject", facts="f", basis="b", text="维持"
    )
    case = steps.case_opinion_decide(case=case, actor=org.county_head, approve=True)
    case = steps.case_serve(case=case, actor=org.dispatcher, method="in_person", served_on=TODAY)
    assert case.status == S.RECHECK_SERVED and case.handling_unit == org.county
    with pytest.raises(ActionConflict, match="上级机关"):
        steps.case_rereview_request(
            case=case, actor=org.city_dispatcher, requested_on=TODAY, review_unit=org.county, reason="x"
        )
    case = steps.case_rereview_request(
        case=case, actor=org.city_dispatcher, requested_on=TODAY, review_unit=org.city, reason="再不服"
    )
    due = clock(case, Step.REREVIEW_OPINION).due_on
    case = steps.case_hearing_start(case=case, actor=org.city_head, started_on=TODAY)
    case = steps.case_hearing_end(case=case, actor=org.city_head, ended_on=TODAY + datetime.timedelta(days=0))
    assert clock(case, Step.REREVIEW_OPINION).due_on == due + datetime.timedelta(days=1)
    case = steps.case_opinion_draft(
        case=case, actor=org.city_head, outcome="reject", facts="f", basis="b", text="维持"
    )
    case = steps.case_opinion_decide(case=case, actor=org.city_head, approve=True)
    case = steps.case_serve(case=case, actor=org.city_dispatcher, method="post", served_on=TODAY)
    assert case.status == S.FINAL and not case.is_open
    # A new petition on the same matter: 不再受理, pointing at the final decision (§36 ¶3).
    again = register(received_on=TODAY)
    again = steps.case_no_longer_accept(
        case=again, actor=org.dispatcher, final_case=case, reason="同一事实和理由"
    )
    assert again.status == S.NO_LONGER_ACCEPTED
    assert again.events.filter(kind=EventKind.TRANSITION).last().data["final_case_number"] == case.number
    assert papers(again) == ["no_longer_notice"]


def test_no_longer_accept_needs_a_final_case(org, register):
    case, other = register(), register()
    with pytest.raises(ActionConflict, match="尚未终结"):
        steps.case_no_longer_accept(case=case, actor=org.dispatcher, final_case=other, reason="x")


def test_dispositions_that_end_the_case(org, register):
    informed = steps.case_inform(
        case=register(), actor=org.dispatcher, reason="属人大职权", route="向县人大常委会反映"
    )
    diverted = steps.case_divert(
        case=register(), actor=org.dispatcher, route_code="litigation", reason="已起诉"
    )
    refused = steps.case_not_accept(case=register(), actor=org.dispatcher, reason="正在办理中", basis="§19")
    archived = steps.case_archive(case=register(), actor=org.dispatcher, reason="感谢信")
    assert [c.status for c in (informed, diverted, refused, archived)] == [
        S.INFORMED,
        S.DIVERTED,
        S.NOT_ACCEPTED,
        S.ARCHIVED,
    ]
    assert not any(c.is_open for c in (informed, diverted, refused, archived))
    assert papers(informed) == papers(diverted) == ["inform_notice"]
    assert papers(refused) == ["not_accept_notice"] and papers(archived) == []
    assert not informed.deadlines.filter(is_open=True).exists()


def test_settlement_ends_the_case(org, register):
    case = steps.case_accept(case=register(), actor=org.dispatcher)
    case = steps.case_settle(case=case, actor=org.dispatcher, agreement="双方达成和解协议")
    assert case.status == S.SETTLED and not case.is_open


def test_report_sent_back_for_rework_with_a_new_deadline(org, assigned, frozen):
    case = steps.case_accept(
        case=steps.case_sign(case=assigned, actor=org.town_handler), actor=org.town_handler
    )
    case = steps.case_opinion_draft(
        case=case, actor=org.town_handler, outcome="support", facts="f", basis="b", text="t"
    )
    case = steps.case_opinion_decide(case=case, actor=org.town_head, approve=True)
    case = steps.case_serve(case=case, actor=org.town_handler, method="in_person", served_on=TODAY)
    case = steps.case_report_submit(case=case, actor=org.town_handler, text="已处理")
    with pytest.raises(ActionConflict, match="理由"):
        steps.case_report_decide(case=case, actor=org.dispatcher, approve=False, note=" ")
    due = TODAY + datetime.timedelta(days=10)
    case = steps.case_report_decide(
        case=case, actor=org.dispatcher, approve=False, note="未附签收的意见书", rework_due_on=due
    )
    assert case.status == S.HANDLING and case.owner_unit == org.town and case.due_on == due
    assert "opinion_draft" in codes(org.town_handler, case)


def test_evaluation_window_lapses(org, register, frozen, settings):
    settings.EVALUATION_WINDOW_DAYS = 15
    case = steps.case_accept(case=register(), actor=org.dispatcher)
    case = steps.case_opinion_draft(
        case=case, actor=org.dispatcher, outcome="support", facts="f", basis="b", text="t"
    )
    case = steps.case_opinion_decide(case=case, actor=org.county_head, approve=True)
    case = steps.case_serve(case=case, actor=org.dispatcher, method="in_person", served_on=TODAY)
    frozen.move_to(datetime.datetime(2026, 3, 18, 10, 0, tzinfo=datetime.UTC))
    with pytest.raises(ActionConflict, match="超期未评价"):
        steps.case_evaluate(
            case=case, actor=org.registrar, target="handler", level="satisfied", source="phone"
        )
    assert not case.evaluations.exists()


def test_split_makes_linked_cases_with_their_own_clock(org, register):
    case = register()
    parts = steps.case_split(
        case=case,
        actor=org.dispatcher,
        parts=[{"title": "另一个问题：噪音扰民", "content": "工地夜间施工噪音扰民。"}],
    )
    (part,) = parts
    assert part.split_from == case and part.owner_unit == org.county and part.number != case.number
    assert list(part.petitioners.values_list("name", flat=True)) == ["张三"]
    assert part.deadlines.get().step == Step.DISPOSE and part.received_on == case.received_on
    assert "split" not in codes(org.dispatcher, part)


def test_a_stale_form_is_told_the_case_was_handled(org, assigned):
    version = assigned.version
    steps.case_sign(case=assigned, actor=org.town_handler, expected_version=version)
    with pytest.raises(ActionConflict, match="已被他人处理"):
        steps.case_sign(case=assigned, actor=org.town_head, expected_version=version)
    assert assigned.events.filter(data__action="sign").count() == 1


def test_a_step_from_the_wrong_status_changes_nothing(org, register):
    case = register()
    with pytest.raises(ActionConflict, match="不能“签收”"):
        steps.case_sign(case=case, actor=org.dispatcher)
    with pytest.raises(ValidationError):
        steps.case_serve(case=case, actor=org.dispatcher, method="post", served_on=datetime.date.today())
    assert Case.objects.get(pk=case.pk).version == case.version


def test_a_repeat_of_a_final_case_offers_no_longer_accept_with_the_pointer(org, register, client):
    from django.urls import reverse

    final = register()
    Case.objects.filter(pk=final.pk).update(status=S.FINAL, is_open=False)
    again = register(repeat_of=Case.objects.get(pk=final.pk))
    client.force_login(org.dispatcher)
    page = client.get(reverse("cases:detail", args=[again.number])).content.decode()
    assert "已经复核终结" in page
    form = client.get(reverse("cases:action", args=[again.number, "no_longer_accept"])).content.decode()
    assert f'value="{final.number}"' in form


def test_case_page_shows_missing_and_lapsed_evaluations(org, register, frozen, client):
    from django.urls import reverse

    case = steps.case_accept(case=register(), actor=org.dispatcher)
    case = steps.case_opinion_draft(
        case=case, actor=org.dispatcher, outcome="support", facts="f", basis="b", text="t"
    )
    case = steps.case_opinion_decide(case=case, actor=org.county_head, approve=True)
    case = steps.case_serve(case=case, actor=org.dispatcher, method="in_person", served_on=TODAY)
    steps.case_evaluate(case=case, actor=org.registrar, target="bureau", level="satisfied", source="phone")
    client.force_login(org.dispatcher)
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "待评价" in page and "责任单位" in page and "评价期至 2026-04-01" in page
    frozen.move_to(datetime.datetime(2026, 4, 3, 10, 0, tzinfo=datetime.UTC))
    client.force_login(org.dispatcher)  # the session of a month ago has expired
    assert "超期未评价" in client.get(reverse("cases:detail", args=[case.number])).content.decode()


def test_the_opinion_paper_names_the_head_who_signed_it(org, register):
    org.county_head.full_name = "李局长"
    org.county_head.save()
    case = steps.case_accept(case=register(), actor=org.dispatcher)
    case = steps.case_opinion_draft(
        case=case, actor=org.dispatcher, outcome="support", facts="f", basis="b", text="t"
    )
    steps.case_opinion_decide(case=case, actor=org.county_head, approve=True)
    paper = case.documents.get(kind="opinion")
    assert "李局长" in str(paper.snapshot)


def _served(org, register):
    case = register(received_on=TODAY, unit=org.town, actor=org.town_handler)
    case = steps.case_accept(case=case, actor=org.town_handler)
    case = steps.case_opinion_draft(
        case=case, actor=org.town_handler, outcome="reject", facts="f", basis="b", text="t"
    )
    case = steps.case_opinion_decide(case=case, actor=org.town_head, approve=True)
    return steps.case_serve(case=case, actor=org.town_handler, method="in_person", served_on=TODAY)


def test_the_petitioner_evaluates_and_asks_for_review_online(org, register, frozen):
    case = _served(org, register)
    case = steps.case_evaluate_online(case=case, target="handler", level="unsatisfied", reason="没有解决")
    evaluation = case.evaluations.get()
    assert evaluation.source == "portal" and evaluation.recorded_by is None and evaluation.unit == org.town
    with pytest.raises(ActionConflict, match="已录入过"):
        steps.case_evaluate_online(case=case, target="handler", level="satisfied")

    case = steps.case_review_online(case=case, reason="对处理意见不服")
    assert case.status == S.RECHECK and case.owner_unit == org.county  # the nearest 信访部门 above
    request = case.review_requests.get()
    assert request.recorded_by is None and request.requested_on == TODAY
    with pytest.raises(ActionConflict, match="不能申请"):
        steps.case_review_online(case=case, reason="再来一次")


def test_online_review_after_the_window_is_refused(org, register, frozen):
    case = _served(org, register)
    frozen.move_to(datetime.datetime(2026, 4, 2, 10, 0, tzinfo=datetime.UTC))
    with pytest.raises(ActionConflict, match="申请期限已于"):
        steps.case_review_online(case=case, reason="晚了")
    assert Case.objects.get(pk=case.pk).status == S.CLOSED
