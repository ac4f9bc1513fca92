"""The outbox rows: written with the change, filtered by event, unit and visibility, no personal data."""

import datetime
import json

import pytest
from django.db import transaction

from conftest import valid_resident_id
from xinfang.cases import steps
from xinfang.intake.services import PetitionerInput
from xinfang.webhooks.models import Delivery
from xinfang.webhooks.tests.support import make_account, subscribe

URL = "http://127.0.0.1:9/hook"


@pytest.fixture
def account(org):
    return make_account(org)


def test_a_registration_writes_one_delivery_in_the_same_transaction(org, register, account):
    subscription, _secret = subscribe(account, URL)
    case = register()
    delivery = Delivery.objects.get()
    assert delivery.subscription == subscription and delivery.status == "pending"
    assert delivery.event_type == "case.registered" and delivery.case_number == case.number
    payload = delivery.payload
    assert payload["event_label"] == "案件登记"
    assert payload["case"]["number"] == case.number
    assert payload["case"]["api_url"].endswith(f"/api/v1/cases/{case.number}")
    assert payload["unit"] == {"id": org.county.pk, "name": "示范县信访局"}


def test_a_rolled_back_change_leaves_no_event(org, register, account):
    subscribe(account, URL)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        register()
        assert Delivery.objects.count() == 1  # written inside the transaction …
        raise Boom
    assert Delivery.objects.count() == 0  # … and gone with it


def test_only_the_subscribed_event_types_are_queued(org, register, account):
    subscribe(account, URL, events=("case.dispatched",))
    case = register()
    assert Delivery.objects.count() == 0
    steps.case_transfer(case=case, actor=org.dispatcher, to_unit=org.town, note="请依法处理")
    delivery = Delivery.objects.get()
    assert delivery.event_type == "case.dispatched"
    assert delivery.payload["unit"]["name"] == "东湖镇"
    assert delivery.payload["data"] == {"kind": "transfer", "from_unit_id": org.county.pk}
    assert delivery.payload["case"]["owner_unit"]["name"] == "东湖镇"


def test_the_unit_filter_keeps_only_events_of_those_units(org, register, account):
    subscribe(account, URL, events=("case.dispatched",), units=[org.police])
    case = register()
    steps.case_transfer(case=case, actor=org.dispatcher, to_unit=org.town)
    assert Delivery.objects.count() == 0
    other = register()
    steps.case_transfer(case=other, actor=org.dispatcher, to_unit=org.police)
    assert list(Delivery.objects.values_list("case_number", flat=True)) == [other.number]


def test_the_account_unit_restriction_applies_with_its_subtree(org, register, account):
    account.units.set([org.county])
    subscribe(account, URL)
    register()
    register(unit=org.town, actor=org.town_handler)  # below the county: in its subtree
    assert Delivery.objects.count() == 2
    account.units.set([org.police])
    register()
    assert Delivery.objects.count() == 2


def test_a_case_the_service_user_may_not_see_is_not_sent(org, register):
    township_only = make_account(
        org, name="镇论坛", kind="forum", username="svc_town", unit=org.town, role="handler"
    )
    subscribe(township_only, URL, events=("case.registered", "case.dispatched"))
    case = register()  # registered at the county: the township cannot see it
    assert Delivery.objects.count() == 0
    steps.case_transfer(case=case, actor=org.dispatcher, to_unit=org.town)  # now it holds it
    assert Delivery.objects.get().event_type == "case.dispatched"
    register(unit=org.other, actor=org.other_registrar)
    assert Delivery.objects.count() == 1


def test_inactive_subscriptions_and_accounts_get_nothing(org, register, account):
    subscription, _ = subscribe(account, URL)
    subscription.is_active = False
    subscription.save()
    register()
    subscription.is_active = True
    subscription.save()
    account.is_active = False
    account.save()
    register()
    assert Delivery.objects.count() == 0


def test_a_whistleblower_case_leaks_no_personal_data(org, register, account):
    subscribe(account, URL)
    register(
        purpose_code="accusation",
        title="举报李某某收受贿赂",
        content="举报人王小明，电话13800001111。",
        petitioners=[
            PetitionerInput(
                name="王小明", id_number=valid_resident_id(), phone="13800001111", address="东湖镇2号"
            )
        ],
    )
    text = json.dumps(Delivery.objects.get().payload, ensure_ascii=False)
    for secret in ("王小明", "13800001111", "东湖镇2号", "李某某", "举报", valid_resident_id()):
        assert secret not in text


def test_serve_evaluate_urge_and_supervise_are_events(org, register, account):
    from xinfang.supervision.services import supervision_open, urge_create

    subscribe(
        account,
        URL,
        events=("opinion.served", "evaluation.received", "supervision.urged", "supervision.opened"),
    )
    case = register(unit=org.town, actor=org.town_handler)
    urge_create(case=case, actor=org.dispatcher, note="请抓紧办理")
    supervision_open(
        case=case, actor=org.dispatcher, triggers=["overdue"], facts="逾期未办", requested_action="限期办结"
    )
    case = steps.case_accept(case=case, actor=org.town_handler)
    case = steps.case_opinion_draft(
        case=case, actor=org.town_handler, outcome="support", facts="f", basis="b", text="t"
    )
    case = steps.case_opinion_decide(case=case, actor=org.town_head, approve=True)
    case = steps.case_serve(
        case=case, actor=org.town_handler, method="in_person", served_on=datetime.date.today()
    )
    steps.case_evaluate_online(case=case, target="handler", level="satisfied")
    events = list(Delivery.objects.order_by("id").values_list("event_type", flat=True))
    assert events == ["supervision.urged", "supervision.opened", "opinion.served", "evaluation.received"]
    by_type = {d.event_type: d.payload for d in Delivery.objects.all()}
    assert by_type["supervision.opened"]["unit"]["name"] == "东湖镇"
    assert by_type["supervision.opened"]["data"]["supervision_id"] == case.supervisions.get().pk
    assert by_type["evaluation.received"]["data"] == {
        "target": "handler",
        "level": "satisfied",
        "source": "portal",
    }
    assert by_type["opinion.served"]["data"]["served_on"] == datetime.date.today().isoformat()


def test_the_deadline_scan_emits_deadline_near_and_overdue(org, register, account):
    import time_machine

    from xinfang.cases.models import CaseDeadline
    from xinfang.deadlines.models import DayType, Step
    from xinfang.supervision.reminders import deadline_scan

    subscribe(account, URL, events=("deadline.near", "deadline.overdue"))
    case = register()
    case.deadlines.update(is_open=False)
    CaseDeadline.objects.create(
        case=case,
        unit=org.county,
        step=Step.HANDLE,
        starts_on=datetime.date(2025, 4, 13),
        days=60,
        day_type=DayType.CALENDAR,
        basis="《信访工作条例》第三十四条",
        due_on=datetime.date(2025, 6, 12),
    )
    with time_machine.travel(datetime.datetime(2025, 6, 10, 9, tzinfo=datetime.UTC), tick=False):
        deadline_scan()
    near = Delivery.objects.get()
    assert near.event_type == "deadline.near" and near.case_number == case.number
    assert near.payload["data"] == {
        "step": "handle",
        "step_label": near.payload["data"]["step_label"],
        "due_on": "2025-06-12",
    }
    with time_machine.travel(datetime.datetime(2025, 6, 13, 9, tzinfo=datetime.UTC), tick=False):
        deadline_scan()
        deadline_scan()  # a second scan claims nothing again
    assert sorted(Delivery.objects.values_list("event_type", flat=True)) == [
        "deadline.near",
        "deadline.overdue",
    ]
