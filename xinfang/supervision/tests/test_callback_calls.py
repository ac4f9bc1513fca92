"""抽查回访 calls: who may call, the phone shown (audited, never a whistleblower's to those who may not
see it), reached or not, 督办 from a callback in one step, and the results per unit."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from xinfang.cases.models import Case
from xinfang.common.models import AuditLog
from xinfang.integrations.auth import api_token_create
from xinfang.supervision import callbacks, services
from xinfang.supervision.choices import CallbackStatus, DrawMode, Trigger
from xinfang.supervision.models import CallbackCall, ImmutableError, Supervision
from xinfang.supervision.selectors import callback_results
from xinfang.supervision.tests.support import add_personas, closed_case
from xinfang.supervision.workflow import SupervisionConflict, SupervisionRefused


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sv(org):
    return add_personas(org)


@pytest.fixture
def draw(sv, register):
    for _ in range(3):
        closed_case(sv, register)
    today = timezone.localdate()
    return callbacks.callback_draw(
        actor=sv.supervisor,
        unit=sv.county,
        period_start=today,
        period_end=today,
        mode=DrawMode.COUNT,
        per_unit_count=3,
        seed=11,
        assignees=[sv.registrar],
    )


@pytest.fixture
def task(draw):
    return draw.callbacks.order_by("position").first()


def test_an_unanswered_call_counts_and_a_reached_call_completes(sv, task):
    task = callbacks.callback_record_call(callback=task, actor=sv.registrar, reached=False)
    assert (task.status, task.attempts) == (CallbackStatus.PENDING, 1)
    task = callbacks.callback_record_call(
        callback=task, actor=sv.registrar, reached=True, satisfaction="fairly", petitioner_said="基本解决了"
    )
    assert (task.status, task.attempts, task.satisfaction) == (CallbackStatus.DONE, 2, "fairly")
    assert task.calls.count() == 2
    event = task.case.events.filter(data__action="callback").last()
    assert event.reason == "回访结果：基本满意" and "基本解决了" not in event.reason
    with pytest.raises(SupervisionConflict, match="已经完成"):
        callbacks.callback_record_call(callback=task, actor=sv.registrar, reached=False)
    call = CallbackCall.objects.first()
    with pytest.raises(ImmutableError):
        call.save()


def test_giving_up_ends_the_task_as_unreachable(sv, task):
    task = callbacks.callback_record_call(callback=task, actor=sv.registrar, reached=False, give_up=True)
    assert task.status == CallbackStatus.UNREACHABLE and task.done_at


def test_a_call_needs_what_the_petitioner_said(sv, task):
    with pytest.raises(ValidationError) as error:
        callbacks.callback_record_call(callback=task, actor=sv.registrar, reached=True)
    assert "满意度" in str(error.value)
    with pytest.raises(ValidationError, match="反映的情况"):
        callbacks.callback_record_call(
            callback=task, actor=sv.registrar, reached=True, satisfaction="unsatisfied"
        )
    with pytest.raises(ValidationError, match="跟进事项"):
        callbacks.callback_record_call(
            callback=task, actor=sv.registrar, reached=True, satisfaction="satisfied", follow_up_needed=True
        )
    with pytest.raises(ValidationError):
        callbacks.callback_record_call(
            callback=task, actor=sv.registrar, reached=False, satisfaction="satisfied"
        )
    assert not CallbackCall.objects.exists()


def test_only_the_assignee_or_the_bureaus_supervisors_call(sv, task):
    with pytest.raises(SupervisionRefused):
        callbacks.callback_record_call(callback=task, actor=sv.dispatcher, reached=False)
    with pytest.raises(SupervisionRefused):
        callbacks.callback_record_call(callback=task, actor=sv.town_handler, reached=False)
    callbacks.callback_record_call(
        callback=task, actor=sv.county_leader, reached=False
    )  # covers for the caller
    with pytest.raises(SupervisionRefused):
        callbacks.callback_assign(callback=task, actor=sv.registrar, assignee=sv.dispatcher)
    task = callbacks.callback_assign(callback=task, actor=sv.supervisor, assignee=sv.dispatcher)
    assert task.assignee == sv.dispatcher
    callbacks.callback_record_call(callback=task, actor=sv.dispatcher, reached=False)


def test_the_caller_sees_the_phone_and_the_view_is_audited(client, sv, task):
    client.force_login(sv.registrar)
    page = client.get(reverse("supervision:callback", args=[task.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'href="tel:13912345678"' in text and "张三" in text
    audit = AuditLog.objects.get(action="view_personal_data", user=sv.registrar)
    assert audit.object_id == str(task.case_id) and audit.detail["callback"] == task.pk
    client.force_login(sv.dispatcher)  # may see the case, but this is not their task
    assert client.get(reverse("supervision:callback", args=[task.pk])).status_code == 404


def test_a_whistleblowers_phone_is_never_given_to_whom_may_not_see_it(sv, register):
    case = closed_case(sv, register, purpose_code="accusation", title="举报站所乱收费")
    today = timezone.localdate()
    draw = callbacks.callback_draw(
        actor=sv.supervisor,
        unit=sv.county,
        period_start=today,
        period_end=today,
        mode=DrawMode.COUNT,
        per_unit_count=5,
    )
    task = draw.callbacks.get(case=case)
    assert callbacks.callback_contact(user=sv.supervisor, callback=task)[0]["phone"] == "13912345678"
    assert callbacks.callback_contact(user=sv.town_handler, callback=task) is None
    assert not AuditLog.objects.filter(user=sv.town_handler, action="view_personal_data").exists()


def test_a_callback_that_finds_a_problem_opens_supervision_in_one_step(client, sv, task):
    task = callbacks.callback_record_call(
        callback=task,
        actor=sv.registrar,
        reached=True,
        satisfaction="unsatisfied",
        petitioner_said="钱还没拿到",
        follow_up_needed=True,
        follow_up_note="核实补偿款发放",
    )
    client.force_login(sv.supervisor)
    page = client.get(reverse("supervision:callback", args=[task.pk])).content.decode()
    link = reverse("supervision:open", args=[task.case.number]) + f"?callback={task.pk}"
    assert link in page
    form = client.get(link).content.decode()
    assert "钱还没拿到" in form and "核实补偿款发放" in form
    answer = client.post(
        link,
        {
            "triggers": [Trigger.DISSATISFIED],
            "target_unit": sv.town.pk,
            "facts": "抽查回访发现：钱还没拿到。",
            "requested_action": "请核实补偿款发放情况并书面回复。",
            "callback": task.pk,
        },
    )
    assert answer.status_code == 302
    supervision = Supervision.objects.get()
    assert supervision.callback == task and supervision.target_unit == sv.town
    assert supervision.case.status == "closed"  # a closed case can be supervised
    with pytest.raises(SupervisionConflict, match="已就该回访"):
        services.supervision_open(
            case=task.case,
            actor=sv.supervisor,
            triggers=["other"],
            facts="f",
            requested_action="r",
            callback=task,
        )
    assert link not in client.get(reverse("supervision:callback", args=[task.pk])).content.decode()


def test_supervision_from_a_callback_not_yet_made_is_refused(sv, task):
    with pytest.raises(SupervisionConflict, match="请先录入"):
        services.supervision_open(
            case=task.case,
            actor=sv.supervisor,
            triggers=["other"],
            facts="f",
            requested_action="r",
            callback=task,
        )


def test_results_per_unit_for_the_assessment(sv, draw):
    tasks = list(draw.callbacks.order_by("position"))
    callbacks.callback_record_call(
        callback=tasks[0], actor=sv.registrar, reached=True, satisfaction="satisfied"
    )
    callbacks.callback_record_call(
        callback=tasks[1],
        actor=sv.registrar,
        reached=True,
        satisfaction="unsatisfied",
        petitioner_said="不行",
    )
    callbacks.callback_record_call(callback=tasks[2], actor=sv.registrar, reached=False, give_up=True)
    services.supervision_open(
        case=tasks[1].case,
        actor=sv.supervisor,
        triggers=["dissatisfied"],
        facts="f",
        requested_action="r",
        callback=tasks[1],
    )
    today = timezone.localdate()
    results = callback_results(sv.town, today - datetime.timedelta(days=30), today)
    assert (results.drawn, results.reached, results.unreachable, results.pending) == (3, 2, 1, 0)
    assert (results.satisfied, results.fairly, results.unsatisfied, results.supervised) == (1, 0, 1, 1)
    assert results.satisfaction_rate == 0.5 and results.reach_rate == 2 / 3
    earlier = callback_results(
        sv.town, today - datetime.timedelta(days=60), today - datetime.timedelta(days=31)
    )
    assert earlier.drawn == 0 and earlier.satisfaction_rate is None
    assert callback_results(sv.police, today, today).drawn == 0


def test_the_call_form_and_the_api(client, sv, task):
    client.force_login(sv.registrar)
    url = reverse("supervision:callback-call", args=[task.pk])
    bad = client.post(url, {"reached": "yes", "satisfaction": ""})
    assert bad.status_code == 400 and "满意度" in bad.content.decode()
    ok = client.post(url, {"reached": "no"})
    assert ok.status_code == 302
    mine = client.get(reverse("supervision:callbacks")).content.decode()
    assert task.case.number in mine
    results = client.get(reverse("supervision:results") + "?since=2020-01-01&until=2099-12-31")
    assert results.status_code == 200 and "东湖镇" in results.content.decode()
    assert client.get(reverse("supervision:results") + "?since=2026-02-31").status_code == 200

    _token, raw = api_token_create(user=sv.registrar, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    listed = client.get("/api/v1/supervision/callbacks", **headers).json()["items"]
    assert {item["id"] for item in listed} == set(task.draw.callbacks.values_list("pk", flat=True))
    detail = client.get(f"/api/v1/supervision/callbacks/{task.pk}", **headers).json()
    assert detail["contact"][0]["phone"] == "13912345678" and detail["attempts"] == 1
    assert AuditLog.objects.filter(action="view_personal_data", via="api", user=sv.registrar).exists()
    called = client.post(
        f"/api/v1/supervision/callbacks/{task.pk}/calls",
        data={"reached": True, "satisfaction": "satisfied", "petitioner_said": "满意"},
        content_type="application/json",
        **headers,
    )
    assert called.status_code == 200 and called.json()["status"] == "done"
    again = client.post(
        f"/api/v1/supervision/callbacks/{task.pk}/calls",
        data={"reached": False},
        content_type="application/json",
        **headers,
    )
    assert again.status_code == 409
    today = timezone.localdate().isoformat()
    rows = client.get(f"/api/v1/supervision/callbacks/results?since={today}&until={today}", **headers).json()
    assert rows[0]["unit"] == "东湖镇" and rows[0]["satisfied"] == 1
    _token, other = api_token_create(user=sv.other_supervisor, name="t")
    hidden = client.get(f"/api/v1/supervision/callbacks/{task.pk}", HTTP_AUTHORIZATION=f"Bearer {other}")
    assert hidden.status_code == 404


def test_a_reopened_case_keeps_its_recorded_callback(sv, task):
    Case.objects.filter(pk=task.case_id).update(status="recheck", is_open=True)
    task = callbacks.callback_record_call(
        callback=task, actor=sv.registrar, reached=True, satisfaction="satisfied"
    )
    assert task.status == CallbackStatus.DONE
