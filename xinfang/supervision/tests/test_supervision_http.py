"""督办 on the web and in API v1: who sees what (404 alike), who may act (403), 409s and 400s in Chinese."""

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_pdf_bytes
from xinfang.cases import steps
from xinfang.integrations.auth import api_token_create
from xinfang.supervision import services
from xinfang.supervision.choices import SupervisionStatus, Trigger
from xinfang.supervision.models import Supervision, SupervisionAttachment, Urge
from xinfang.supervision.tests.support import add_personas, closed_case, handling_case

SS = SupervisionStatus


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sv(org):
    return add_personas(org)


@pytest.fixture
def case(sv, register):
    return handling_case(sv, register)


@pytest.fixture
def opened(sv, case):
    return services.supervision_open(
        case=case,
        actor=sv.supervisor,
        triggers=[Trigger.OVERDUE],
        facts="逾期未办结。",
        requested_action="请书面回复。",
    )


def as_user(client, user):
    client.force_login(user)
    return client


def api(client, user, method, path, body=None):
    _token, raw = api_token_create(user=user, name="test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    url = f"/api/v1/supervision{path}"
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", **headers)


# --- Pages ----------------------------------------------------------------------------------------


def test_the_bureau_opens_supervision_from_the_case_page(client, sv, case):
    as_user(client, sv.supervisor)
    page = client.get(reverse("cases:detail", args=[case.number]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="xf-supervision-heading"' in text and "发起督办" in text and "催办" in text
    form = client.get(reverse("supervision:open", args=[case.number]))
    assert form.status_code == 200 and "督办事由" in form.content.decode()
    answer = client.post(
        reverse("supervision:open", args=[case.number]),
        {
            "triggers": [Trigger.OVERDUE, Trigger.SHIRKING],
            "target_unit": sv.town.pk,
            "facts": "交办后逾期。",
            "requested_action": "请依法处理并书面回复。",
            "due_on": "",
        },
    )
    supervision = Supervision.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("supervision:detail", args=[supervision.pk])
    detail = client.get(answer.url).content.decode()
    assert supervision.letter.number in detail and "推诿、敷衍、拖延" in detail
    assert "再次督办" in detail  # the bureau's step; replying is the township's


def test_the_open_form_says_what_is_missing(client, sv, case):
    as_user(client, sv.supervisor)
    url = reverse("supervision:open", args=[case.number])
    answer = client.post(
        url, {"target_unit": sv.town.pk, "facts": "", "requested_action": "x", "due_on": "2020-01-01"}
    )
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "请至少选择一项督办事由" in text
    answer = client.post(
        url,
        {
            "triggers": ["overdue"],
            "target_unit": sv.town.pk,
            "facts": "f",
            "requested_action": "r",
            "due_on": "2020-01-01",
        },
    )
    assert answer.status_code == 400 and "回复期限必须晚于今天" in answer.content.decode()
    answer = client.post(
        url,
        {
            "triggers": ["overdue"],
            "target_unit": sv.town.pk,
            "facts": "f",
            "requested_action": "r",
            "due_on": "2026-02-30",
        },
    )
    assert answer.status_code == 400
    assert not Supervision.objects.exists()


def test_a_township_cannot_open_or_urge(client, sv, case):
    as_user(client, sv.town_head)
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "发起督办" not in page
    answer = client.post(
        reverse("supervision:open", args=[case.number]),
        {"triggers": ["overdue"], "facts": "f", "requested_action": "r"},
    )
    assert answer.status_code == 403 and "上级信访部门" in answer.content.decode()
    answer = client.post(reverse("supervision:urge", args=[case.number]), {"note": "催"})
    assert answer.status_code == 403 and "上级信访部门" in answer.content.decode()
    assert not Supervision.objects.exists() and not Urge.objects.exists()


def test_urge_from_the_case_page_counts(client, sv, case):
    as_user(client, sv.dispatcher)
    for _ in range(2):
        answer = client.post(reverse("supervision:urge", args=[case.number]), {"note": "请尽快办理"})
        assert answer.status_code == 302
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "已催办 2 次" in page
    assert client.post(reverse("supervision:urge", args=[case.number]), {"note": ""}).status_code == 400


def test_the_township_replies_with_a_file_and_the_bureau_closes(client, sv, opened, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    as_user(client, sv.town_handler)
    listing = client.get(reverse("supervision:list")).content.decode()
    assert opened.case.number in listing  # the township lands on 待本单位回复
    reply_url = reverse("supervision:step", args=[opened.pk, "reply"])
    assert client.get(reply_url).status_code == 200
    bad = client.post(reply_url, {"text": "见附件", "attachments": SimpleUploadedFile("a.pdf", b"not a pdf")})
    assert bad.status_code == 400 and "不是有效的PDF" in bad.content.decode()
    empty = client.post(reply_url, {"text": " "})
    assert empty.status_code == 400
    done = client.post(
        reply_url,
        {"text": "已办结，见附件。", "attachments": SimpleUploadedFile("回复.pdf", make_pdf_bytes())},
    )
    assert done.status_code == 302
    attachment = SupervisionAttachment.objects.get()
    download = client.get(reverse("supervision:attachment", args=[opened.pk, attachment.pk]))
    assert download.status_code == 200
    again = client.post(reply_url, {"text": "再回复一次"})
    assert again.status_code == 409 and "已经回复" in again.content.decode()
    close_url = reverse("supervision:step", args=[opened.pk, "close"])
    assert client.post(close_url, {"note": "自己办结"}).status_code == 403

    as_user(client, sv.supervisor)
    assert client.post(close_url, {"note": "同意"}).status_code == 302
    assert Supervision.objects.get().status == SS.CLOSED
    late = client.post(reply_url, {"text": "办结后又回复"})
    assert late.status_code == 403  # the bureau cannot reply at all
    as_user(client, sv.town_handler)
    late = client.post(reply_url, {"text": "办结后又回复"})
    assert late.status_code == 409 and "已办结" in late.content.decode()


def test_another_county_sees_nothing(client, sv, opened):
    as_user(client, sv.other_supervisor)
    for url in (
        reverse("supervision:detail", args=[opened.pk]),
        reverse("supervision:step", args=[opened.pk, "close"]),
        reverse("supervision:open", args=[opened.case.number]),
        reverse("supervision:urge", args=[opened.case.number]),
    ):
        assert client.get(url).status_code == 404, url
    assert opened.case.number not in client.get(reverse("supervision:list")).content.decode()
    as_user(client, sv.police_handler)  # a sibling unit of the township
    assert client.get(reverse("supervision:detail", args=[opened.pk])).status_code == 404


def test_the_city_sees_the_countys_supervision_but_does_not_act_on_it(client, sv, opened):
    as_user(client, sv.city_supervisor)
    assert client.get(reverse("supervision:detail", args=[opened.pk])).status_code == 200
    answer = client.post(reverse("supervision:step", args=[opened.pk, "escalate"]), {"reason": "x"})
    assert answer.status_code == 403


def test_lists_put_overdue_first_and_filter(client, sv, register):
    late = handling_case(sv, register)
    early = handling_case(sv, register)
    first = services.supervision_open(
        case=early, actor=sv.supervisor, triggers=["other"], facts="f", requested_action="r"
    )
    second = services.supervision_open(
        case=late, actor=sv.supervisor, triggers=["other"], facts="f", requested_action="r", is_listed=True
    )
    Supervision.objects.filter(pk=second.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    as_user(client, sv.county_leader)
    text = client.get(reverse("supervision:list")).content.decode()
    assert text.index(late.number) < text.index(early.number)
    assert "逾期未回复" in text
    listed = client.get(reverse("supervision:list") + "?tab=listed").content.decode()
    assert late.number in listed and early.number not in listed
    filtered = client.get(reverse("supervision:list") + f"?unit={sv.police.pk}").content.decode()
    assert late.number not in filtered
    assert client.get(reverse("supervision:list") + "?unit=abc&status=zzz&page=x").status_code == 200
    assert first.pk


def test_unsatisfied_evaluation_offers_supervision_in_one_step(client, sv, register):
    case = closed_case(sv, register)
    case = steps.case_evaluate(
        case=case, actor=sv.registrar, target="handler", level="unsatisfied", source="phone", reason="没解决"
    )
    evaluation = case.evaluations.get()
    as_user(client, sv.supervisor)
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    link = reverse("supervision:open", args=[case.number]) + f"?evaluation={evaluation.pk}"
    assert link in page
    form = client.get(link).content.decode()
    assert "没解决" in form
    assert re.search(r'value="dissatisfied"[^>]*checked', form)
    answer = client.post(
        link,
        {
            "triggers": ["dissatisfied"],
            "target_unit": sv.town.pk,
            "facts": "信访人不满意：没解决。",
            "requested_action": "请重新办理。",
            "evaluation": evaluation.pk,
        },
    )
    assert answer.status_code == 302
    assert Supervision.objects.get().evaluation == evaluation
    assert link not in client.get(reverse("cases:detail", args=[case.number])).content.decode()


# --- API v1 -------------------------------------------------------------------------------------


def test_api_open_reply_close(client, sv, case):
    body = {
        "case": case.number,
        "triggers": ["overdue"],
        "facts": "逾期。",
        "requested_action": "请回复。",
    }
    created = api(client, sv.supervisor, "post", "", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "open" and data["letters"][0]["number"].startswith("示范县信访局信督")
    pk = data["id"]
    assert api(client, sv.town_handler, "post", f"/{pk}/close", {}).status_code == 403
    empty = api(client, sv.town_handler, "post", f"/{pk}/reply", {"text": ""})
    assert empty.status_code == 400 and empty.json()["errors"]["text"]
    replied = api(client, sv.town_handler, "post", f"/{pk}/reply", {"text": "已处理"})
    assert replied.status_code == 200 and replied.json()["status"] == "replied"
    stale = api(client, sv.supervisor, "post", f"/{pk}/close", {"version": 1})
    assert stale.status_code == 409 and "已被他人处理" in stale.json()["detail"]
    closed = api(client, sv.supervisor, "post", f"/{pk}/close", {"note": "同意"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    after = api(client, sv.town_handler, "post", f"/{pk}/reply", {"text": "再回复"})
    assert after.status_code == 409 and "已办结" in after.json()["detail"]
    assert api(client, sv.other_supervisor, "get", f"/{pk}").status_code == 404
    listing = api(client, sv.town_handler, "get", "?tab=closed").json()
    assert [item["id"] for item in listing["items"]] == [pk]


def test_api_bad_input_is_a_chinese_4xx(client, sv, case):
    no_trigger = api(
        client,
        sv.supervisor,
        "post",
        "",
        {"case": case.number, "triggers": [], "facts": "f", "requested_action": "r"},
    )
    assert no_trigger.status_code == 400 and "督办事由" in json.dumps(no_trigger.json(), ensure_ascii=False)
    malformed = api(client, sv.supervisor, "post", "", {"case": case.number})
    assert malformed.status_code == 422
    missing = api(
        client,
        sv.supervisor,
        "post",
        "",
        {"case": "0", "triggers": ["x"], "facts": "f", "requested_action": "r"},
    )
    assert missing.status_code == 404
    assert api(client, sv.supervisor, "get", "/999999").status_code == 404
    assert api(client, sv.supervisor, "post", "/999999/escalate", {"reason": "x"}).status_code == 404


def test_api_urges_and_case_panel(client, sv, case):
    first = api(client, sv.supervisor, "post", f"/cases/{case.number}/urges", {"note": "请抓紧"})
    second = api(client, sv.supervisor, "post", f"/cases/{case.number}/urges", {"note": "再催"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["sequence"] == 2
    panel = api(client, sv.supervisor, "get", f"/cases/{case.number}").json()
    assert len(panel["urges"]) == 2 and panel["can_urge"] and panel["can_supervise"]
    refused = api(client, sv.town_handler, "post", f"/cases/{case.number}/urges", {"note": "x"})
    assert refused.status_code == 403
    assert api(client, sv.other_supervisor, "get", f"/cases/{case.number}").status_code == 404


def test_api_escalate(client, sv, opened):
    due = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    answer = api(
        client,
        sv.supervisor,
        "post",
        f"/{opened.pk}/escalate",
        {"reason": "仍未回复", "measures": ["notice"], "due_on": due},
    )
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["round"] == 2 and data["due_on"] == due and data["measures"] == ["notice"]
    assert len(data["letters"]) == 2
    bad = api(client, sv.supervisor, "post", f"/{opened.pk}/escalate", {"reason": "x", "measures": ["shout"]})
    assert bad.status_code == 400


def test_api_reply_with_files_and_odd_bodies(client, sv, opened):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _token, raw = api_token_create(user=sv.town_handler, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    url = f"/api/v1/supervision/{opened.pk}/reply"
    odd = client.post(url, data="[1, 2]", content_type="application/json", **headers)
    assert odd.status_code == 400
    broken = client.post(url, data="{not json", content_type="application/json", **headers)
    assert broken.status_code == 400
    stale = client.post(url, data={"text": "回复", "version": "abc"}, **headers)
    assert stale.status_code == 400
    done = client.post(
        url,
        data={"text": "整改情况见附件", "attachments": SimpleUploadedFile("整改.pdf", make_pdf_bytes())},
        **headers,
    )
    assert done.status_code == 200, done.content
    reply = done.json()["replies"][0]
    assert reply["attachments"][0]["name"] == "整改.pdf" and reply["text"] == "整改情况见附件"


def test_the_admin_lists_them_read_only(client, sv, opened):
    client.force_login(sv.admin)
    for model in ("supervision", "supervisionevent", "urge", "callbackdraw", "callback"):
        assert client.get(f"/admin/supervision/{model}/").status_code == 200, model
    assert client.get(f"/admin/supervision/supervision/{opened.pk}/change/").status_code == 200
    assert client.get("/admin/supervision/supervision/add/").status_code == 403
