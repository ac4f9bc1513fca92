"""信箱审查 (issue 4 §2): the queue, the four decisions, who may see what, and the public answers.

Personas come from the root conftest: the county bureau's registrar and dispatcher screen its
messages; its head screens and approves; a leader only approves; the township's and the other county's
staff see nothing of it.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import make_png_bytes, valid_resident_id
from xinfang.cases.choices import CaseStatus, EventKind, OpinionOutcome, OpinionStage, RecordStatus
from xinfang.cases.models import Case, CaseEvent, Opinion
from xinfang.common.models import AuditLog
from xinfang.messaging.choices import ScreeningStatus, SmsStatus, Source
from xinfang.messaging.models import InboundMessage, OutboundSms, Publication
from xinfang.messaging.screening import (
    AlreadyHandled,
    message_answer,
    message_convert,
    message_mark_spam,
    message_merge,
    personal_data_in,
    publication_approve,
    publication_draft_reply,
    publication_withdraw,
)
from xinfang.messaging.services import message_receive

SCRIPT = "<script>alert(1)</script>"


def receive(**overrides) -> InboundMessage:
    data = {
        "source": Source.MAILBOX,
        "kind": "complaint",
        "name": "周市民",
        "phone": "13912345678",
        "title": "路灯不亮",
        "content": "幸福路的路灯坏了三个月，晚上出行很不方便。",
    } | overrides
    return message_receive(**data).message


def public():
    """What the portal shows (its query, as agreed)."""
    return Publication.objects.filter(published_at__isnull=False, withdrawn_at__isnull=True)


def convert(message, actor, **overrides):
    data = {
        "purpose_code": "claim",
        "title": message.title or "来信",
        "content": message.content,
        "name": message.name,
        "phone": message.phone,
        "id_number": message.id_number,
    } | overrides
    return message_convert(message=message, actor=actor, **data)


def closed_case_reply_ready(org, *, consent=True):
    """A message converted into a case that has since been answered (opinion served) and closed."""
    message = receive(consent_publish=consent)
    case = convert(message, org.registrar)
    Opinion.objects.create(
        case=case,
        stage=OpinionStage.HANDLE,
        unit=org.county,
        outcome=OpinionOutcome.SUPPORT,
        facts="经查属实。",
        basis="《信访工作条例》",
        text="已安排维修，路灯于本月恢复照明。",
        drafted_by=org.registrar,
        status=RecordStatus.APPROVED,
        served_on=timezone.localdate(),
    )
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, is_open=False, closed_at=timezone.now())
    message.refresh_from_db()
    return message


@pytest.fixture(autouse=True)
def portal_is_the_county(settings):
    """Messages land at the county bureau. Named, because with two county bureaus the default pick
    (first by path) depends on the ids the database hands out: "/98/102/" sorts before "/98/99/"."""
    settings.PORTAL_UNIT = "示范县信访局"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- 直接答复 ----------------------------------------------------------------------------------------


def test_it_answers_a_consultation_and_tells_the_sender(org):
    message = receive(source=Source.CONSULT, kind="consult", content="办理低保需要什么材料？")
    message_answer(message=message, actor=org.registrar, answer="请携带身份证和户口簿到镇民政办申请。")
    message.refresh_from_db()
    assert message.status == ScreeningStatus.ANSWERED and message.handled_by == org.registrar
    assert message.handled_at is not None and message.answer.startswith("请携带")
    sms = OutboundSms.objects.get(message=message, template="message_answered")
    assert sms.phone == "13912345678" and message.number in sms.text and sms.status == SmsStatus.QUEUED
    assert AuditLog.objects.filter(action="message_answer", detail__message=message.number).exists()
    assert not Publication.objects.exists()


def test_an_empty_answer_is_refused_and_nothing_changes(org):
    message = receive()
    with pytest.raises(ValidationError) as caught:
        message_answer(message=message, actor=org.registrar, answer="   ")
    assert "请填写答复内容" in caught.value.message_dict["answer"][0]
    message.refresh_from_db()
    assert message.status == ScreeningStatus.NEW and message.handled_by is None


def test_an_faq_draft_is_not_public_until_a_head_approves_it(org):
    message = receive(source=Source.CONSULT, kind="consult", content="周市民问：低保怎么申请？")
    message_answer(
        message=message,
        actor=org.registrar,
        answer="到镇民政办申请。",
        publish=True,
        faq_title="低保怎么申请",
        faq_question="低保怎么申请？",
    )
    faq = Publication.objects.get(message=message)
    assert faq.kind == Publication.Kind.FAQ and faq.answer == "到镇民政办申请。" and not faq.is_public
    assert not public().exists()
    with pytest.raises(PermissionDenied):
        publication_approve(publication=faq, actor=org.dispatcher)  # screens, but approves nothing
    publication_approve(publication=faq, actor=org.county_head)
    assert list(public()) == [faq]
    faq.refresh_from_db()
    assert faq.approved_by == org.county_head and faq.published_at is not None
    publication_withdraw(publication=faq, actor=org.leader_only, reason="政策已调整")
    assert not public().exists()
    with pytest.raises(AlreadyHandled):
        publication_withdraw(publication=faq, actor=org.county_head)


def test_an_faq_that_still_names_the_sender_is_refused_and_the_answer_waits(org):
    message = receive(source=Source.CONSULT, kind="consult")
    with pytest.raises(ValidationError) as caught:
        message_answer(
            message=message,
            actor=org.registrar,
            answer="已答复。",
            publish=True,
            faq_title="路灯",
            faq_question="周市民（13912345678）反映路灯不亮",
        )
    text = " ".join(caught.value.message_dict["faq_question"])
    assert "个人信息" in text and "周市民" in text and "手机号码" in text
    message.refresh_from_db()
    assert message.status == ScreeningStatus.NEW and not Publication.objects.exists()


def test_personal_data_check_finds_any_mobile_or_id_number():
    assert personal_data_in("请联系13800001111", []) == ["手机号码"]
    assert personal_data_in(f"身份证{valid_resident_id()}", []) == ["身份证号码"]
    assert personal_data_in("路灯已修好", [("周市民", "13912345678", "")]) == []


# --- 转为信访件 --------------------------------------------------------------------------------------


def test_it_converts_a_message_into_a_case_with_the_messages_date_and_channel(org):
    two_days_ago = timezone.now() - datetime.timedelta(days=2)
    message = receive(id_number=valid_resident_id(), issue_address="幸福路", received_at=two_days_ago)
    case = convert(message, org.registrar, title="幸福路路灯不亮")
    message.refresh_from_db()
    assert message.status == ScreeningStatus.CONVERTED and message.case == case
    assert case.channel_id == "web" and case.purpose_id == "claim" and case.title == "幸福路路灯不亮"
    assert case.received_on == timezone.localtime(two_days_ago).date() and case.issue_address == "幸福路"
    assert case.submission_key == f"msg-{message.number}" and case.registering_unit == org.county
    person = case.petitioners.get()
    assert (person.name, person.phone, person.id_number) == ("周市民", "13912345678", valid_resident_id())
    assert case.deadlines.filter(is_open=True).exists() and case.due_on is not None  # the clock runs
    note = CaseEvent.objects.get(case=case, kind=EventKind.NOTE)
    assert message.number in note.reason
    sms = OutboundSms.objects.get(message=message, template="message_converted")
    assert case.number in sms.text
    assert AuditLog.objects.filter(action="message_convert", detail__case=case.number).exists()


@pytest.mark.parametrize(
    ("source", "channel"), [(Source.SMS, "sms"), (Source.FORUM, "forum"), (Source.CONSULT, "consult")]
)
def test_the_case_gets_the_channel_of_the_messages_source(org, source, channel):
    message = receive(source=source)
    assert convert(message, org.dispatcher).channel_id == channel


def test_the_attachments_are_copied_to_the_case(org, media):
    upload = SimpleUploadedFile("photo.png", make_png_bytes(), content_type="image/png")
    message = receive(attachments=[upload])
    case = convert(message, org.registrar)
    copied = case.attachments.get()
    original = message.attachments.get()
    assert copied.sha256 == original.sha256 and copied.original_name == "photo.png"
    assert copied.file.name != original.file.name and copied.file.read() == make_png_bytes()


def test_an_anonymous_report_becomes_an_anonymous_accusation(org):
    message = receive(kind="report", is_anonymous=True, name="", phone="", content="某站所乱收费")
    case = convert(message, org.registrar, purpose_code="claim", name="不该用", phone="")
    assert case.is_anonymous and case.purpose_id == "accusation" and not case.petitioners.exists()
    assert not OutboundSms.objects.filter(template="message_converted").exists()  # nobody to tell


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"phone": "12345"}, "phone", "电话号码"),
        ({"id_number": "123"}, "id_number", "身份证号码"),
        ({"name": " "}, "name", "请填写信访人姓名"),
        ({"title": ""}, "title", "请填写标题"),
        ({"purpose_code": "nope"}, "purpose", "信访目的"),
    ],
)
def test_bad_petitioner_data_gets_the_registrations_messages_and_changes_nothing(org, fields, field, text):
    message = receive()
    with pytest.raises(ValidationError) as caught:
        convert(message, org.registrar, **fields)
    assert text in " ".join(caught.value.message_dict[field])
    message.refresh_from_db()
    assert message.status == ScreeningStatus.NEW and not Case.objects.exists()


def test_a_double_submit_makes_one_case(org):
    message = receive()
    first = convert(message, org.registrar)
    again = convert(InboundMessage.objects.get(pk=message.pk), org.registrar)
    assert again == first and Case.objects.count() == 1
    assert OutboundSms.objects.filter(template="message_converted").count() == 1


def test_converting_needs_a_registrar_or_dispatcher(org):
    message = receive()
    with pytest.raises(PermissionDenied):
        convert(message, org.county_head)
    assert not Case.objects.exists()


# --- 并入 and 无效信息 -------------------------------------------------------------------------------


def test_a_duplicate_is_merged_into_a_visible_case_with_a_note(org, register):
    case = register()
    message = receive()
    merged = message_merge(message=message, actor=org.dispatcher, case_number=f" {case.number} ")
    message.refresh_from_db()
    assert merged == case and message.status == ScreeningStatus.MERGED and message.case == case
    note = CaseEvent.objects.get(case=case, kind=EventKind.NOTE)
    assert message.number in note.reason and note.data["message"] == message.number
    sms = OutboundSms.objects.get(message=message, template="message_merged")
    assert case.number in sms.text


def test_merging_into_a_case_the_user_cannot_see_is_refused(org, register):
    elsewhere = register(actor=org.other_registrar, unit=org.other)
    message = receive()
    for number in (elsewhere.number, "", "990121209901019999"):
        with pytest.raises(ValidationError) as caught:
            message_merge(message=message, actor=org.registrar, case_number=number)
        assert "case_number" in caught.value.message_dict
    message.refresh_from_db()
    assert message.status == ScreeningStatus.NEW


def test_spam_needs_a_reason_tells_nobody_and_stays_listed(org, client):
    message = receive()
    with pytest.raises(ValidationError) as caught:
        message_mark_spam(message=message, actor=org.registrar, reason="")
    assert "理由" in caught.value.message_dict["reason"][0]
    message_mark_spam(message=message, actor=org.registrar, reason="广告")
    message.refresh_from_db()
    assert message.status == ScreeningStatus.SPAM and message.reason == "广告"
    assert list(OutboundSms.objects.filter(message=message).values_list("template", flat=True)) == [
        "message_received"
    ]
    client.force_login(org.registrar)
    assert message.number in client.get("/mailbox/", {"tab": "handled"}).content.decode()


def test_the_second_decision_loses_and_changes_nothing(org, register):
    message = receive()
    message_answer(message=message, actor=org.registrar, answer="已答复。")
    stale = InboundMessage.objects.get(pk=message.pk)
    case = register()
    attempts = [
        lambda: message_mark_spam(message=stale, actor=org.dispatcher, reason="广告"),
        lambda: message_merge(message=stale, actor=org.dispatcher, case_number=case.number),
        lambda: convert(stale, org.dispatcher),
        lambda: message_answer(message=stale, actor=org.dispatcher, answer="再答一次"),
    ]
    for attempt in attempts:
        with pytest.raises(AlreadyHandled) as caught:
            attempt()
        assert "已被他人处理" in caught.value.messages[0]
    message.refresh_from_db()
    assert message.status == ScreeningStatus.ANSWERED and message.handled_by == org.registrar
    assert message.answer == "已答复。" and message.case is None and Case.objects.count() == 1


# --- Pages ------------------------------------------------------------------------------------------


@pytest.fixture
def screener(client, org):
    client.force_login(org.registrar)
    return client


def test_the_queue_lists_the_oldest_deadline_first_with_counts_per_source(screener, org):
    now = timezone.now()
    late = receive(title="早来的", received_at=now - datetime.timedelta(days=10))
    soon = receive(title="快到期", source=Source.SMS, received_at=now - datetime.timedelta(days=6))
    fresh = receive(title="刚来的", source=Source.FORUM, received_at=now)
    page = screener.get("/mailbox/")
    assert page.status_code == 200
    assert [m.number for m in page.context["page"].object_list] == [late.number, soon.number, fresh.number]
    counts = page.context["counts"]
    assert counts.pending == 3 and counts.overdue == 1 and counts.due_soon == 1
    assert {code: n for code, _label, n in counts.by_source} == {
        "mailbox": 1,
        "consult": 0,
        "sms": 1,
        "forum": 1,
        "open311": 0,
    }
    body = page.content.decode()
    assert "已超期" in body and "即将到期" in body and "县长信箱" in body and "论坛" in body
    only_sms = screener.get("/mailbox/", {"source": "sms"})
    assert [m.number for m in only_sms.context["page"].object_list] == [soon.number]


def test_the_handled_tab_shows_the_outcome_and_who_decided(screener, org):
    message = receive()
    message_mark_spam(message=message, actor=org.dispatcher, reason="辱骂")
    body = screener.get("/mailbox/", {"tab": "handled"}).content.decode()
    assert message.number in body and "无效信息" in body and "dispatcher" in body and "辱骂" in body
    assert message.number not in screener.get("/mailbox/").content.decode().split("<main")[1]


@pytest.mark.parametrize("what", ["number", "phone", "name", "text"])
def test_the_queue_finds_a_message_by_number_phone_name_or_text(screener, org, what):
    wanted = receive(name="李四", phone="13700001111", content="村口的桥裂了一道缝")
    receive()
    q = {"number": wanted.number, "phone": "137 0000 1111", "name": "李四", "text": "桥裂"}[what]
    found = list(screener.get("/mailbox/", {"q": q}).context["page"].object_list)
    assert found == [wanted]


def test_the_queue_paginates(screener, org, settings):
    settings.PAGE_SIZE = 10
    for _ in range(12):
        receive()
    assert len(screener.get("/mailbox/").context["page"].object_list) == 10
    assert len(screener.get("/mailbox/", {"page": 2}).context["page"].object_list) == 2
    assert screener.get("/mailbox/", {"page": "x", "tab": "bogus", "source": "bogus"}).status_code == 200


def test_the_detail_shows_personal_data_and_every_view_is_audited(screener, org):
    message = receive(id_number=valid_resident_id())
    for _ in range(2):
        body = screener.get(f"/mailbox/{message.number}/").content.decode()
        assert "周市民" in body and "13912345678" in body and valid_resident_id() in body
    views = AuditLog.objects.filter(action="view_personal_data", detail={"message": message.number})
    assert views.count() == 2 and views.first().user == org.registrar


def test_the_queue_itself_shows_only_masked_personal_data(screener, org):
    receive()
    body = screener.get("/mailbox/").content.decode()
    assert "13912345678" not in body and "139****5678" in body and "周**" in body


@pytest.mark.parametrize("outsider", ["town_handler", "other_registrar", "city_head", "leader_only"])
def test_other_units_staff_get_404_for_the_queues_messages(client, org, outsider, media):
    upload = SimpleUploadedFile("photo.png", make_png_bytes(), content_type="image/png")
    message = receive(attachments=[upload])
    client.force_login(getattr(org, outsider))
    attachment = message.attachments.get()
    assert client.get(f"/mailbox/{message.number}/").status_code == 404
    assert client.get(f"/mailbox/{message.number}/attachments/{attachment.pk}/").status_code == 404
    for code, data in [
        ("answer", {"answer": "x"}),
        ("spam", {"reason": "x"}),
        ("convert", {"purpose": "claim"}),
    ]:
        assert client.post(f"/mailbox/{message.number}/do/{code}/", data).status_code == 404
    assert client.get(f"/api/v1/messages/{message.number}").status_code == 404
    queue = client.get("/mailbox/")
    assert queue.status_code == 403 or message.number not in queue.content.decode()
    message.refresh_from_db()
    assert message.status == ScreeningStatus.NEW
    assert not AuditLog.objects.filter(action="view_personal_data").exists()


def test_a_non_screener_gets_a_clear_page_not_the_queue(client, org):
    client.force_login(org.town_handler)
    page = client.get("/mailbox/")
    assert page.status_code == 403 and "您不是信箱审查人员" in page.content.decode()
    assert "信箱审查 (" not in client.get("/cases/").content.decode()


def test_the_top_navigation_shows_the_pending_count(screener, org):
    receive()
    receive()
    assert "信箱审查 (2)" in screener.get("/cases/").content.decode()


def test_answering_on_the_page_returns_to_the_queue(screener, org):
    message = receive(source=Source.CONSULT, kind="consult")
    response = screener.post(f"/mailbox/{message.number}/do/answer/", {"answer": "请到民政办咨询。"})
    assert response.status_code == 302 and response["Location"] == "/mailbox/"
    message.refresh_from_db()
    assert message.status == ScreeningStatus.ANSWERED
    assert screener.get(f"/mailbox/{message.number}/do/answer/").status_code == 302  # a reload is harmless


@pytest.mark.parametrize(
    ("code", "data", "text"),
    [
        ("answer", {"answer": ""}, "请填写答复内容"),
        ("spam", {"reason": "  "}, "请填写认定为无效信息的理由"),
        (
            "convert",
            {"purpose": "claim", "title": "路灯", "content": "内容", "name": "周市民", "phone": "12345"},
            "电话号码",
        ),
        (
            "convert",
            {"purpose": "claim", "title": "路灯", "content": "内容", "name": "周市民", "id_number": "1"},
            "身份证号码",
        ),
        ("merge", {"case_number": "nope"}, "找不到编号为nope的信访件"),
    ],
)
def test_bad_input_on_the_page_shows_the_message_and_keeps_the_form_open(screener, org, code, data, text):
    message = receive()
    page = screener.post(f"/mailbox/{message.number}/do/{code}/", data)
    assert page.status_code == 400
    body = page.content.decode()
    assert text in body and f'id="action-{code}"' in body and "aria-invalid" in body
    message.refresh_from_db()
    assert message.status == ScreeningStatus.NEW


def test_the_loser_on_the_page_is_told_and_nothing_changes(screener, org, client):
    message = receive()
    message_answer(message=message, actor=org.dispatcher, answer="已答复。")
    page = screener.post(f"/mailbox/{message.number}/do/spam/", {"reason": "广告"})
    assert page.status_code == 409 and "已被他人处理" in page.content.decode()
    message.refresh_from_db()
    assert message.status == ScreeningStatus.ANSWERED and message.handled_by == org.dispatcher


def test_converting_on_the_page_twice_makes_one_case_and_opens_it(screener, org):
    message = receive()
    data = {
        "purpose": "claim",
        "title": "路灯不亮",
        "content": message.content,
        "name": "周市民",
        "phone": "13912345678",
    }
    first = screener.post(f"/mailbox/{message.number}/do/convert/", data)
    second = screener.post(f"/mailbox/{message.number}/do/convert/", data)
    case = Case.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/cases/{case.number}/"


def test_a_head_sees_why_converting_is_not_theirs(client, org):
    message = receive()
    client.force_login(org.county_head)
    body = client.get(f"/mailbox/{message.number}/").content.decode()
    assert "转为信访件需由本单位的登记员或分办员办理" in body
    data = {"purpose": "claim", "title": "路灯", "content": "内容", "name": "周市民"}
    page = client.post(f"/mailbox/{message.number}/do/convert/", data)
    assert page.status_code == 403 and not Case.objects.exists()


def test_script_in_every_field_is_shown_escaped(screener, org):
    message = InboundMessage.objects.create(
        number="W2026010100001",
        query_code="1234567890",
        source=Source.FORUM,
        kind="complaint",
        name=SCRIPT,
        phone=SCRIPT[:20],
        id_number=SCRIPT[:30],
        title=SCRIPT,
        content=SCRIPT,
        issue_address=SCRIPT,
        link="javascript:alert(1)",
        received_at=timezone.now(),
        due_on=timezone.localdate(),
        screening_unit=org.county,
    )
    pages = [
        screener.get("/mailbox/"),
        screener.get("/mailbox/", {"q": "script"}),
        screener.get(f"/mailbox/{message.number}/"),
    ]
    message_mark_spam(message=message, actor=org.registrar, reason=SCRIPT)
    pages += [screener.get("/mailbox/", {"tab": "handled"}), screener.get(f"/mailbox/{message.number}/")]
    for page in pages:
        body = page.content.decode()
        assert page.status_code == 200
        assert "<script>alert" not in body and "&lt;script&gt;" in body
        assert 'href="javascript:' not in body


# --- 公开回复 ----------------------------------------------------------------------------------------


def test_a_reply_is_drafted_from_the_closed_case_and_public_only_after_approval(client, org):
    message = closed_case_reply_ready(org)
    client.force_login(org.registrar)
    form = client.get(f"/mailbox/{message.number}/reply/")
    assert form.status_code == 200 and "已安排维修" in form.content.decode()  # the served opinion
    data = {"title": "路灯不亮", "question": "幸福路路灯不亮怎么办？", "answer": "已安排维修，路灯已恢复。"}
    response = client.post(f"/mailbox/{message.number}/reply/", data)
    reply = Publication.objects.get(kind=Publication.Kind.REPLY)
    assert response.status_code == 302 and reply.case == message.case and not public().exists()
    assert reply.title in client.get("/mailbox/publications/").content.decode()
    assert client.post(f"/mailbox/publications/{reply.pk}/approve/", data).status_code == 403  # not a head
    client.force_login(org.leader_only)
    assert client.get("/mailbox/publications/").status_code == 200
    approved = client.post(f"/mailbox/publications/{reply.pk}/approve/", data | {"answer": "路灯已修复。"})
    assert approved.status_code == 302 and list(public()) == [reply]
    reply.refresh_from_db()
    assert reply.answer == "路灯已修复。" and reply.approved_by == org.leader_only
    again = client.post(f"/mailbox/publications/{reply.pk}/approve/", data)
    assert again.status_code == 409 and "已被他人处理" in again.content.decode()
    client.post(f"/mailbox/publications/{reply.pk}/withdraw/", {"reason": "当事人要求"})
    assert not public().exists()
    assert AuditLog.objects.filter(action="publication_withdraw", detail__reason="当事人要求").exists()


def test_a_reply_needs_consent_and_a_closed_case(org):
    data = {"title": "路灯", "question": "路灯不亮", "answer": "已修好"}
    without_consent = closed_case_reply_ready(org, consent=False)
    with pytest.raises(ValidationError, match="未同意公开"):
        publication_draft_reply(message=without_consent, actor=org.registrar, **data)
    still_open = receive(consent_publish=True)
    convert(still_open, org.registrar)
    still_open.refresh_from_db()
    with pytest.raises(ValidationError, match="办结"):
        publication_draft_reply(message=still_open, actor=org.registrar, **data)
    ready = closed_case_reply_ready(org)
    publication_draft_reply(message=ready, actor=org.registrar, **data)
    with pytest.raises(AlreadyHandled):
        publication_draft_reply(message=ready, actor=org.dispatcher, **data)
    with pytest.raises(ValidationError) as caught:
        publication_draft_reply(
            message=closed_case_reply_ready(org), actor=org.registrar, **data | {"answer": "已电话告知周市民"}
        )
    assert "个人信息" in caught.value.message_dict["answer"][0]


def test_the_publications_page_lists_cases_ready_for_a_reply(client, org):
    message = closed_case_reply_ready(org)
    client.force_login(org.registrar)
    body = client.get("/mailbox/publications/").content.decode()
    assert f"/mailbox/{message.number}/reply/" in body and message.case.number in body


def test_an_approver_only_leader_sees_the_answers_but_not_the_letters(client, org):
    message = receive()
    client.force_login(org.leader_only)
    assert client.get("/mailbox/").status_code == 403
    assert client.get(f"/mailbox/{message.number}/").status_code == 404
    assert "公开答复审批 (0)" in client.get("/cases/").content.decode()
