"""进度查询, online evaluation and 复查/复核 on the web: what the holder of number + 查询码 sees and does."""

import datetime
import io
import re

import docx
import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from xinfang.cases import steps
from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.choices import EvaluationSource
from xinfang.cases.models import ComplainedParty, Evaluation, ReviewRequest
from xinfang.common.models import AuditLog
from xinfang.messaging.choices import ScreeningStatus
from xinfang.messaging.models import InboundMessage
from xinfang.portal.tests.support import answer_and_serve, convert, look_up

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    return response.content.decode()


def without_values(html: str) -> str:
    """The page without what was typed back into the inputs (and the CSRF token)."""
    return re.sub(r'value="[^"]*"', "", html)


def test_a_fresh_message_shows_received_and_the_reply_deadline(sent):
    message, client = sent
    response = look_up(client, message.number, message.query_code)
    assert response.status_code == 302 and response["Location"] == f"/portal/track/{message.number}/"
    page = client.get(response["Location"])
    html = page_text(page)
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    assert "已收到，正在审查" in html and "前答复您" in html and message.title in html
    # Only public states and dates: not the sender's name, phone or letter.
    for private in (message.name, message.phone, message.content, message.issue_address):
        assert private not in html


def test_lookup_tolerates_spaces_and_lower_case(sent):
    message, client = sent
    spaced = " ".join(message.number.lower())
    assert look_up(client, spaced, f" {message.query_code} ").status_code == 302


def test_a_wrong_number_and_a_wrong_code_get_the_same_answer(sent):
    message, _client = sent
    wrong_code = look_up(Client(), message.number, "1234567890")
    wrong_number = look_up(Client(), "W2099010100001", message.query_code)
    assert wrong_code.status_code == wrong_number.status_code == 404
    assert without_values(page_text(wrong_code)) == without_values(page_text(wrong_number))
    assert "编号或查询码不正确" in page_text(wrong_code)


def test_guessing_is_limited_per_ip_and_successes_do_not_count(sent, settings):
    message, _client = sent
    guesser = Client(REMOTE_ADDR="10.9.8.7")
    assert look_up(guesser, message.number, message.query_code).status_code == 302  # not counted
    for n in range(10):
        assert look_up(guesser, message.number, f"{n:010d}").status_code == 404
    limited = look_up(guesser, message.number, message.query_code)  # even the right code, for now
    assert limited.status_code == 429 and "查询失败次数过多，请稍后再试（约60分钟后）" in page_text(limited)
    assert 3500 < int(limited["Retry-After"]) <= 3600
    assert look_up(Client(REMOTE_ADDR="10.9.8.8"), message.number, message.query_code).status_code == 302
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1, minutes=1)):
        assert look_up(guesser, message.number, message.query_code).status_code == 302


def test_the_progress_page_needs_a_lookup_in_this_session(sent):
    message, _client = sent
    response = Client().get(f"/portal/track/{message.number}/")
    assert response.status_code == 302 and response["Location"] == f"/portal/track/?number={message.number}"


def test_leaving_forgets_the_lookup(sent):
    message, client = sent
    look_up(client, message.number, message.query_code)
    client.post("/portal/track/forget/")
    assert client.get(f"/portal/track/{message.number}/").status_code == 302


def test_the_success_page_session_may_open_its_progress_directly(sent):
    message, client = sent
    assert client.get(f"/portal/track/{message.number}/").status_code == 200


def test_an_answered_message_shows_the_answer_but_not_internal_reasons(sent, org):
    message, client = sent
    InboundMessage.objects.filter(pk=message.pk).update(
        status=ScreeningStatus.ANSWERED,
        answer="已转告供电所，路灯将于本周修复。",
        reason="内部备注：已电话联系供电所王某",
        handled_at=timezone.now(),
        handled_by=org.dispatcher,
    )
    html = page_text(client.get(f"/portal/track/{message.number}/"))
    assert "已答复" in html and "已转告供电所，路灯将于本周修复。" in html
    assert "内部备注" not in html and org.dispatcher.get_full_name() not in html


def test_spam_is_told_without_the_reason(sent, org):
    message, client = sent
    InboundMessage.objects.filter(pk=message.pk).update(
        status=ScreeningStatus.SPAM, reason="广告", handled_at=timezone.now(), handled_by=org.dispatcher
    )
    html = page_text(client.get(f"/portal/track/{message.number}/"))
    assert "不作为信访事项处理" in html and "广告" not in html


def test_a_converted_message_shows_the_case_timeline_deadlines_and_papers(sent, org, register):
    message, client = sent
    case = convert(message, org, register)
    case = steps.case_transfer(
        case=case, actor=org.dispatcher, to_unit=org.town, note="请东湖镇核实，内部意见"
    )
    case = steps.case_sign(case=case, actor=org.town_handler)
    case = steps.case_accept(case=case, actor=org.town_handler)
    steps.case_note(case=case, actor=org.town_handler, text="走访了周边商户（内部记录）")
    case = steps.case_extension_request(
        case=case, actor=org.town_handler, days=20, reason="需协调供电所，内部理由"
    )
    case = steps.case_extension_decide(case=case, actor=org.town_head, approve=True)
    new_due = case.extensions.get().new_due_on
    html = page_text(client.get(f"/portal/track/{message.number}/"))
    assert f"经批准延期办理，办理期限延至{new_due:%Y年%-m月%-d日}" in html and "延期告知书" in html
    assert "已受理，正在办理" in html and case.number in html
    assert "登记为信访件" in html and "转送东湖镇办理" in html and "东湖镇已受理" in html
    assert "前办结，并书面答复您" in html
    assert "受理告知书" in html and "转送单" not in html  # the slip goes to the unit, not to the citizen
    for secret in (
        "内部意见",
        "内部记录",
        "内部理由",
        "town_handler",
        "town_head",
        "dispatcher",
        "registrar",
    ):
        assert secret not in html


def test_the_petitioner_downloads_their_own_paper_unmasked(sent, org, register):
    message, client = sent
    case = convert(message, org, register)
    steps.case_accept(case=case, actor=org.dispatcher)
    notice = case.documents.get(kind="accept_notice")
    response = client.get(f"/portal/track/{message.number}/documents/{notice.pk}.docx")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    assert message.name in text and case.number in text  # their own data, not （依法保密）
    pdf = client.get(f"/portal/track/{message.number}/documents/{notice.pk}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    audit = AuditLog.objects.filter(action="document_download").first()
    assert audit.via == "portal" and audit.user is None
    assert Client().get(f"/portal/track/{message.number}/documents/{notice.pk}.docx").status_code == 404


def test_papers_for_units_and_other_cases_are_not_downloadable(sent, org, register):
    message, client = sent
    case = convert(message, org, register)
    steps.case_transfer(case=case, actor=org.dispatcher, to_unit=org.town)
    slip = case.documents.get(kind="transfer_slip")
    other = register(title="别人的信访件")
    other = steps.case_accept(case=other, actor=org.dispatcher)
    others_notice = other.documents.get(kind="accept_notice")
    for document in (slip, others_notice):
        assert client.get(f"/portal/track/{message.number}/documents/{document.pk}.pdf").status_code == 404


def test_an_opinion_is_downloadable_only_once_served(sent, org, register):
    message, client = sent
    case = convert(message, org, register)
    case = steps.case_accept(case=case, actor=org.dispatcher)
    case = steps.case_opinion_draft(
        case=case, actor=org.dispatcher, outcome="support", facts="f", basis="b", text="t"
    )
    case = steps.case_opinion_decide(case=case, actor=org.county_head, approve=True)
    assert "处理意见书（" not in page_text(client.get(f"/portal/track/{message.number}/"))
    steps.case_serve(case=case, actor=org.dispatcher, method="post", served_on=timezone.localdate())
    html = page_text(client.get(f"/portal/track/{message.number}/"))
    assert "处理意见书（" in html and "处理意见书已送达" in html


def test_a_case_is_found_by_its_own_number_and_code(org, register, client):
    case = register()
    assert look_up(client, case.number, case.query_code).status_code == 302
    html = page_text(client.get(f"/portal/track/{case.number}/"))
    assert "已登记，正在审查交转" in html and case.title in html and "张三" not in html


def test_a_merged_message_shows_the_cases_progress_but_nothing_of_its_petitioner(sent, org, register):
    message, client = sent
    theirs = register(title="张三反映的同一问题")
    theirs = steps.case_accept(case=theirs, actor=org.dispatcher)
    InboundMessage.objects.filter(pk=message.pk).update(
        status=ScreeningStatus.MERGED, case=theirs, handled_at=timezone.now()
    )
    html = page_text(client.get(f"/portal/track/{message.number}/"))
    assert "合并办理" in html and "已受理，正在办理" in html
    assert "张三" not in html and "受理告知书" not in html and theirs.number not in html
    assert "评价" not in html.split("<main")[1]


def test_a_whistleblowing_case_names_no_unit_and_nothing_about_the_accused(org, register, client):
    from xinfang.cases.models import Case

    case = register(title="检举某所长王某某受贿", purpose_code="accusation")
    ComplainedParty.objects.create(case=case, name="王某某", position="所长", organisation="某站所")
    case = steps.case_transfer(case=case, actor=org.dispatcher, to_unit=org.police)
    case = Case.objects.get(pk=case.pk)
    look_up(client, case.number, case.query_code)
    html = page_text(client.get(f"/portal/track/{case.number}/"))
    assert "转送有关单位办理" in html
    for secret in ("王某某", "所长", "某站所", "受贿", org.police.name):
        assert secret not in html


def test_the_petitioner_evaluates_both_units_once_within_the_window(sent, org, register):
    message, client = sent
    case = answer_and_serve(convert(message, org, register), org)
    assert case.status == S.CLOSED
    html = page_text(client.get(f"/portal/track/{message.number}/"))
    assert "对信访部门的评价" in html and "对责任单位的评价" in html and "前对办理情况进行评价" in html
    url = f"/portal/track/{message.number}/evaluate/"
    response = client.post(url, {"target": "bureau", "level": "satisfied", "reason": "答复及时"})
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(case=case, target="bureau")
    assert evaluation.level == "satisfied" and evaluation.source == EvaluationSource.PORTAL
    assert evaluation.recorded_by is None
    page = client.get(f"/portal/track/{message.number}/")
    html = page_text(page)
    assert "感谢您的评价" in html and "您对信访部门的评价：满意" in html
    assert "<legend>对信访部门的评价</legend>" not in html and "<legend>对责任单位的评价</legend>" in html
    again = client.post(url, {"target": "bureau", "level": "unsatisfied"})
    assert again.status_code == 409 and "已录入过对该单位的评价" in page_text(again)
    assert client.post(url, {"target": "handler", "level": "fairly"}).status_code == 302
    assert Evaluation.objects.filter(case=case).count() == 2
    bad = client.post(url, {"target": "handler", "level": "great"})
    assert bad.status_code == 400


def test_after_the_window_the_evaluation_is_refused_with_the_steps_message(sent, org, register, settings):
    message, client = sent
    answer_and_serve(convert(message, org, register), org)
    later = timezone.now() + datetime.timedelta(days=settings.EVALUATION_WINDOW_DAYS + 2)
    with time_machine.travel(later):
        look_up(client, message.number, message.query_code)  # the old session has expired meanwhile
        html = page_text(client.get(f"/portal/track/{message.number}/"))
        assert "对信访部门的评价" not in html
        response = client.post(
            f"/portal/track/{message.number}/evaluate/", {"target": "bureau", "level": "satisfied"}
        )
    assert response.status_code == 409 and "评价期已于" in page_text(response)
    assert not Evaluation.objects.exists()


def test_the_petitioner_asks_for_recheck_then_rereview(sent, org, register):
    message, client = sent
    case = answer_and_serve(convert(message, org, register), org)
    html = page_text(client.get(f"/portal/track/{message.number}/"))
    assert "申请复查" in html
    url = f"/portal/track/{message.number}/review/"
    empty = client.post(url, {"reason": "  "})
    assert empty.status_code == 400 and "请写明申请理由" in page_text(empty)
    assert client.post(url, {"reason": "路灯仍未修好"}).status_code == 302
    case.refresh_from_db()
    request = ReviewRequest.objects.get(case=case)
    assert case.status == S.RECHECK and request.recorded_by is None and request.review_unit == org.city
    html = page_text(client.get(f"/portal/track/{message.number}/"))
    assert "复查中" in html and "申请复查，由示范市信访局办理" in html and "复查机关应在" in html
    again = client.post(url, {"reason": "再申请一次"})
    assert again.status_code == 409 and "不能申请复查或复核" in page_text(again)


def test_a_review_after_thirty_days_is_refused(sent, org, register):
    message, client = sent
    answer_and_serve(convert(message, org, register), org)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=45)):
        look_up(client, message.number, message.query_code)
        assert "申请复查" not in page_text(client.get(f"/portal/track/{message.number}/"))
        response = client.post(f"/portal/track/{message.number}/review/", {"reason": "迟到的申请"})
    assert response.status_code == 409 and "申请期限已于" in page_text(response)
    assert not ReviewRequest.objects.exists()


def test_staff_names_never_appear(sent, org, register):
    message, client = sent
    answer_and_serve(convert(message, org, register), org)
    html = page_text(client.get(f"/portal/track/{message.number}/"))
    for user in (org.dispatcher, org.county_head, org.registrar):
        assert user.get_full_name() not in html and user.username not in html
