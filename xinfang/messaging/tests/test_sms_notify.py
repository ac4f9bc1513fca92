"""Workflow notices by SMS: registration, acceptance, service, evaluation and the 复查/复核 deadline."""

import datetime

import pytest
import time_machine

from xinfang.cases import steps
from xinfang.cases.models import Case
from xinfang.deadlines.models import Step
from xinfang.deadlines.services import due_for
from xinfang.intake.services import ComplainedInput
from xinfang.messaging.choices import SmsStatus
from xinfang.messaging.models import OutboundSms, SmsOptOut, SmsTemplate
from xinfang.messaging.notify import review_reminders_send

TODAY = datetime.date(2026, 3, 2)  # a Monday, away from public holidays
PHONE = "13912345678"


@pytest.fixture
def frozen():
    with time_machine.travel(
        datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.UTC), tick=False
    ) as traveller:
        yield traveller


def chinese(day: datetime.date) -> str:
    return f"{day:%Y年%-m月%-d日}"


def notices(case) -> list[str]:
    return list(OutboundSms.objects.filter(case=case).order_by("id").values_list("template", flat=True))


def text_of(case, template) -> str:
    return OutboundSms.objects.get(case=case, template=template).text


def answer(org, case, *, actor=None, head=None):
    actor, head = actor or org.dispatcher, head or org.county_head
    case = steps.case_opinion_draft(case=case, actor=actor, outcome="explain", facts="f", basis="b", text="t")
    case = steps.case_opinion_decide(case=case, actor=head, approve=True)
    return steps.case_serve(case=case, actor=actor, method="in_person", served_on=TODAY)


def test_a_registered_letter_gets_its_number_and_query_code(org, register, frozen):
    case = register()
    sms = OutboundSms.objects.get(case=case)
    assert sms.template == "case_registered" and sms.phone == PHONE and sms.status == SmsStatus.QUEUED
    assert case.number in sms.text and case.query_code in sms.text


@pytest.mark.parametrize("channel", ["web", "consult", "sms", "forum"])
def test_a_case_from_a_public_door_gets_no_second_number(org, register, frozen, channel):
    case = register(channel_code=channel)
    assert notices(case) == []  # the message already got its number by SMS


def test_acceptance_names_the_unit_and_the_handling_deadline(org, register, frozen):
    case = steps.case_accept(case=register(), actor=org.dispatcher)
    handle = case.deadlines.get(step=Step.HANDLE, is_open=True)
    text = text_of(case, "case_accepted")
    assert org.county.name in text and chinese(handle.due_on) in text and case.number in text


def test_service_sends_the_review_window_and_the_evaluation_invitation(org, register, frozen, settings):
    case = answer(org, steps.case_accept(case=register(), actor=org.dispatcher))
    assert notices(case) == ["case_registered", "case_accepted", "opinion_served", "evaluation_invite"]
    review_until = due_for(rule_set=case.rule_set, step=Step.RECHECK_REQUEST, starts_on=TODAY).due_on
    assert chinese(review_until) in text_of(case, "opinion_served")
    until = TODAY + datetime.timedelta(days=settings.EVALUATION_WINDOW_DAYS)
    assert chinese(until) in text_of(case, "evaluation_invite")


def test_other_steps_send_nothing(org, register, frozen):
    case = register()
    steps.case_transfer(case=case, actor=org.dispatcher, to_unit=org.town)
    assert notices(case) == ["case_registered"]


def test_the_review_deadline_reminder_comes_once_n_days_before_the_end(org, register, frozen, settings):
    settings.SMS_REVIEW_REMINDER_DAYS = 5
    case = answer(org, steps.case_accept(case=register(), actor=org.dispatcher))
    last_day = due_for(rule_set=case.rule_set, step=Step.RECHECK_REQUEST, starts_on=TODAY).due_on
    first_day = last_day - datetime.timedelta(days=5)
    assert review_reminders_send(today=first_day - datetime.timedelta(days=1)) == 0
    assert review_reminders_send(today=first_day) == 1
    assert review_reminders_send(today=first_day + datetime.timedelta(days=1)) == 0  # once
    text = text_of(case, "review_deadline")
    assert "复查" in text and chinese(last_day) in text and case.number in text
    assert review_reminders_send(today=last_day + datetime.timedelta(days=1)) == 0


def test_after_a_recheck_the_reminder_is_about_the_rereview(org, register, frozen):
    case = register(received_on=TODAY, unit=org.town, actor=org.town_handler)
    case = answer(
        org, steps.case_accept(case=case, actor=org.town_handler), actor=org.town_handler, head=org.town_head
    )
    case = steps.case_recheck_request(
        case=case, actor=org.dispatcher, requested_on=TODAY, review_unit=org.county, reason="不服"
    )
    case = answer(org, case)
    assert notices(case).count("opinion_served") == 1  # the 复查意见 gets the invitation only
    assert notices(case)[-1] == "evaluation_invite"
    last_day = due_for(rule_set=case.rule_set, step=Step.REREVIEW_REQUEST, starts_on=TODAY).due_on
    assert review_reminders_send(today=last_day) == 1
    assert "复核" in text_of(case, "review_deadline")


def test_a_case_whose_petitioner_asked_for_review_gets_no_reminder(org, register, frozen):
    case = answer(org, steps.case_accept(case=register(), actor=org.dispatcher))
    steps.case_review_online(case=case, reason="不服")
    last_day = due_for(rule_set=case.rule_set, step=Step.RECHECK_REQUEST, starts_on=TODAY).due_on
    assert review_reminders_send(today=last_day) == 0


def test_an_opted_out_phone_is_recorded_as_reminded_without_an_sms(org, register, frozen):
    case = answer(org, steps.case_accept(case=register(), actor=org.dispatcher))
    SmsOptOut.objects.create(phone=PHONE)
    last_day = due_for(rule_set=case.rule_set, step=Step.RECHECK_REQUEST, starts_on=TODAY).due_on
    assert review_reminders_send(today=last_day) == 1
    assert OutboundSms.objects.get(case=case, template="review_deadline").status == SmsStatus.SKIPPED
    assert review_reminders_send(today=last_day) == 0


def test_the_whistleblower_is_never_sent_the_name_of_the_accused(org, register, frozen):
    case = register(
        purpose_code="accusation",
        complained=[ComplainedInput(name="王某某", position="所长", organisation=org.county.name)],
    )
    case = answer(org, steps.case_accept(case=case, actor=org.dispatcher))
    texts = list(OutboundSms.objects.filter(case=case).values_list("text", flat=True))
    assert len(texts) == 4
    assert not [t for t in texts if "王某某" in t or org.county.name in t]
    assert "承办单位受理" in text_of(case, "case_accepted")


def test_a_broken_template_never_stops_the_step(org, register, frozen, caplog):
    SmsTemplate.objects.filter(key="case_accepted").update(text="【信访】{number")
    case = steps.case_accept(case=register(), actor=org.dispatcher)
    assert Case.objects.get(pk=case.pk).status == "handling"
    assert notices(case) == ["case_registered"] and "not queued" in caplog.text


def test_notices_can_be_switched_off(org, register, frozen, settings):
    settings.SMS_NOTIFY = False
    case = steps.case_accept(case=register(), actor=org.dispatcher)
    assert notices(case) == []


def test_a_landline_gets_no_sms(org, register, frozen):
    from conftest import valid_resident_id
    from xinfang.intake.services import PetitionerInput

    case = register(
        petitioners=[PetitionerInput(name="李四", id_number=valid_resident_id(), phone="0579-82345678")]
    )
    assert notices(case) == []
