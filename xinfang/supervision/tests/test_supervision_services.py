"""催办 and 督办 through their services: records, the transition table, permissions, papers and notices."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from xinfang.cases import steps
from xinfang.cases.choices import EventKind
from xinfang.messaging.models import Notification, OutboundSms
from xinfang.supervision import services
from xinfang.supervision.choices import Measure, SupervisionEventKind, SupervisionStatus, Trigger
from xinfang.supervision.models import ImmutableError, Supervision, SupervisionEvent, Urge
from xinfang.supervision.tests.support import TOWN_MOBILE, add_personas, closed_case, handling_case
from xinfang.supervision.workflow import SupervisionConflict, SupervisionRefused, steps_for

SS = SupervisionStatus


def _open(org, case, **overrides):
    fields = {
        "case": case,
        "actor": org.supervisor,
        "triggers": [Trigger.OVERDUE, Trigger.SHIRKING],
        "facts": "该件交办后迟迟未出具处理意见。",
        "requested_action": "请立即核查并依法处理，书面回复办理结果。",
    }
    fields.update(overrides)
    return services.supervision_open(**fields)


def _docx_text(document) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(document.docx.read())).paragraphs)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sv(org):
    return add_personas(org)


# --- 催办 ------------------------------------------------------------------------------------------


def test_urges_are_counted_and_told_to_the_unit(sv, register):
    case = handling_case(sv, register)
    first = services.urge_create(case=case, actor=sv.dispatcher, note="请抓紧办理")
    second = services.urge_create(case=case, actor=sv.supervisor, note="再次催办，请于本周内反馈")
    assert (first.sequence, second.sequence) == (1, 2)
    assert (second.from_unit, second.to_unit) == (sv.county, sv.town)
    titles = list(
        case.events.filter(kind=EventKind.ACTION, data__action="urge").values_list("data__title", flat=True)
    )
    assert titles == ["催办（第1次）", "催办（第2次）"]
    notices = Notification.objects.filter(kind="urge", user=sv.town_handler)
    assert notices.count() == 2 and "第2次" in notices.order_by("-id").first().title
    assert not Notification.objects.filter(kind="urge", user=sv.police_handler).exists()
    sms = OutboundSms.objects.filter(template="supervision_urge", phone=TOWN_MOBILE).order_by("id")
    assert sms.count() == 2 and case.number in sms.last().text and "第2次" in sms.last().text
    assert case.title not in sms.last().text  # the matter may name the accused: never by SMS


def test_urge_needs_an_open_case_a_note_and_a_bureau_above(sv, register):
    case = handling_case(sv, register)
    with pytest.raises(ValidationError):
        services.urge_create(case=case, actor=sv.supervisor, note="  ")
    with pytest.raises(SupervisionRefused):
        services.urge_create(case=case, actor=sv.town_handler, note="自己催自己")
    waiting = register()  # still at the county bureau itself
    with pytest.raises(SupervisionConflict, match="本单位"):
        services.urge_create(case=waiting, actor=sv.supervisor, note="催办")
    done = closed_case(sv, register)
    with pytest.raises(SupervisionConflict, match="已办结"):
        services.urge_create(case=done, actor=sv.supervisor, note="催办")
    assert not Urge.objects.exists()


# --- 督办: open ------------------------------------------------------------------------------------


def test_open_issues_a_numbered_letter_and_starts_the_t11_clock(sv, register):
    case = handling_case(sv, register)
    supervision = _open(sv, case)
    today = timezone.localdate()
    assert (supervision.unit, supervision.target_unit, supervision.status) == (sv.county, sv.town, SS.OPEN)
    assert supervision.due_on == today + datetime.timedelta(days=30)  # T11: 30 calendar days (national)
    assert "30" in supervision.due_explanation
    letter = supervision.letter
    assert letter.kind == "supervision_letter" and letter.unit == sv.county
    assert letter.number == f"示范县信访局信督〔{today.year}〕1号"
    text = _docx_text(letter)
    assert case.number in text and letter.number in text
    assert "督办函" in letter.title and "第四十条" in text and "无正当理由超期未办结" in text
    assert f"{supervision.due_on.year}年{supervision.due_on.month}月{supervision.due_on.day}日" in text
    event = supervision.events.get()
    assert (event.kind, event.to_status, event.data["letter"]) == ("opened", SS.OPEN, letter.number)
    actions = list(
        case.events.filter(kind__in=[EventKind.ACTION, EventKind.DOCUMENT]).values_list("kind", flat=True)
    )
    assert actions[-2:] == [EventKind.DOCUMENT, EventKind.ACTION]
    assert Notification.objects.filter(kind="supervision", user=sv.town_head).exists()
    sms = OutboundSms.objects.get(template="supervision_opened")
    assert letter.number in sms.text and sms.phone == TOWN_MOBILE


def test_open_refuses_bad_input_and_a_second_active_supervision(sv, register):
    case = handling_case(sv, register)
    with pytest.raises(ValidationError) as error:
        _open(sv, case, triggers=[])
    assert "督办事由" in str(error.value)
    with pytest.raises(ValidationError):
        _open(sv, case, triggers=["nonsense"])
    with pytest.raises(ValidationError):
        _open(sv, case, facts="")
    with pytest.raises(ValidationError, match="晚于今天"):
        _open(sv, case, due_on=timezone.localdate())
    with pytest.raises(SupervisionRefused):
        _open(sv, case, actor=sv.town_head)  # a township cannot supervise
    with pytest.raises(SupervisionRefused):
        _open(sv, case, actor=sv.registrar)  # a registrar is not among the supervising roles
    _open(sv, case)
    with pytest.raises(SupervisionConflict, match="已有进行中的督办"):
        _open(sv, case)
    assert Supervision.objects.count() == 1
    assert case.documents.filter(kind="supervision_letter").count() == 1  # the refused ones left no number


def test_a_chosen_deadline_and_listing_for_leaders(sv, register):
    case = handling_case(sv, register)
    due = timezone.localdate() + datetime.timedelta(days=10)
    supervision = _open(sv, case, due_on=due, is_listed=True)
    assert supervision.due_on == due and supervision.is_listed
    assert supervision.due_explanation.startswith("督办单位指定回复期限为")
    other = handling_case(sv, register)
    suggested = services.default_reply_due(other)
    same = _open(sv, other, due_on=suggested)  # the form's suggestion, left as it was
    assert same.due_on == suggested and not same.due_explanation.startswith("督办单位指定")
    assert supervision.measures == [Measure.LISTED]
    assert Notification.objects.filter(user=sv.county_leader, title__startswith="挂牌督办").exists()
    assert "挂牌督办" in _docx_text(supervision.letter)


def test_a_whistleblower_letter_never_names_the_petitioner(sv, register):
    case = handling_case(sv, register, purpose_code="accusation", title="举报某站所违规收费")
    supervision = _open(sv, case, facts="反映的问题尚未查处。")
    text = _docx_text(supervision.letter)
    assert "张三" not in text and "13912345678" not in text
    assert case.number in text and "第三十条" in text


# --- 督办: reply, close, escalate ------------------------------------------------------------------


def test_the_township_replies_and_the_bureau_closes(sv, register):
    case = handling_case(sv, register)
    supervision = _open(sv, case)
    assert {s.code for s in steps_for(sv.town_handler, supervision)} == {"reply"}
    assert {s.code for s in steps_for(sv.supervisor, supervision)} == {"escalate"}
    with pytest.raises(SupervisionRefused):
        services.supervision_reply(supervision=supervision, actor=sv.police_handler, text="不是我们的")
    with pytest.raises(SupervisionRefused):
        services.supervision_close(supervision=supervision, actor=sv.town_head)
    with pytest.raises(ValidationError):
        services.supervision_reply(supervision=supervision, actor=sv.town_handler, text="   ")
    supervision = services.supervision_reply(
        supervision=supervision, actor=sv.town_handler, text="已约谈施工方，工资于3日内发放。"
    )
    assert supervision.status == SS.REPLIED and supervision.replied_at
    reply = supervision.replies.get()
    assert (reply.round, reply.unit, reply.is_late) == (1, sv.town, False)
    assert Notification.objects.filter(user=sv.supervisor, title__contains="已书面回复").exists()
    with pytest.raises(SupervisionConflict, match="已经回复"):
        services.supervision_reply(supervision=supervision, actor=sv.town_handler, text="补充")
    with pytest.raises(SupervisionRefused):
        services.supervision_close(supervision=supervision, actor=sv.town_head)  # replies, never closes
    supervision = services.supervision_close(supervision=supervision, actor=sv.supervisor, note="同意办结")
    assert supervision.status == SS.CLOSED and supervision.closed_by == sv.supervisor
    with pytest.raises(SupervisionConflict, match="已办结"):
        services.supervision_reply(supervision=supervision, actor=sv.town_handler, text="再回复")
    with pytest.raises(SupervisionConflict, match="已办结"):
        services.supervision_escalate(supervision=supervision, actor=sv.supervisor, reason="再督")
    kinds = list(supervision.events.values_list("kind", "from_status", "to_status"))
    assert kinds == [
        ("opened", "", SS.OPEN),
        ("replied", SS.OPEN, SS.REPLIED),
        ("closed", SS.REPLIED, SS.CLOSED),
    ]
    assert supervision.version == 3


def test_a_stale_form_is_told_someone_else_acted(sv, register):
    supervision = _open(sv, handling_case(sv, register))
    seen = supervision.version
    services.supervision_escalate(supervision=supervision, actor=sv.supervisor, reason="催促无果")
    with pytest.raises(SupervisionConflict, match="已被他人处理"):
        services.supervision_reply(
            supervision=supervision, actor=sv.town_handler, text="回复", expected_version=seen
        )


def test_escalation_opens_a_new_round_with_a_new_letter(sv, register):
    case = handling_case(sv, register)
    supervision = _open(sv, case)
    first_letter = supervision.letter
    supervision = services.supervision_reply(supervision=supervision, actor=sv.town_handler, text="正在办理")
    supervision = services.supervision_escalate(
        supervision=supervision,
        actor=sv.county_leader,
        reason="回复敷衍，问题仍未解决",
        measures=[Measure.TALK, Measure.LISTED],
    )
    assert supervision.status == SS.OPEN and supervision.round == 2
    assert supervision.is_listed and set(supervision.measures) == {Measure.TALK, Measure.LISTED}
    assert supervision.reminder_sent_at is None and supervision.replied_at is None
    assert supervision.letter != first_letter and supervision.letter.number.endswith(
        f"〔{first_letter.year}〕2号"
    )
    text = _docx_text(supervision.letter)
    assert first_letter.number in text and "约谈" in text
    supervision = services.supervision_reply(supervision=supervision, actor=sv.town_head, text="已整改到位")
    assert list(supervision.replies.values_list("round", flat=True)) == [1, 2]
    event = supervision.events.get(kind=SupervisionEventKind.ESCALATED)
    assert (event.from_status, event.to_status, event.data["round"]) == (SS.REPLIED, SS.OPEN, 2)
    assert event.data["letter"] == supervision.letter.number


def test_supervision_events_are_immutable(sv, register):
    supervision = _open(sv, handling_case(sv, register))
    event = SupervisionEvent.objects.get(supervision=supervision)
    event.note = "改写"
    with pytest.raises(ImmutableError):
        event.save()
    with pytest.raises(ImmutableError):
        event.delete()


# --- 不满意 → 督办 in one step ------------------------------------------------------------------------


def _rated(org, register, level):
    case = closed_case(org, register)
    return steps.case_evaluate(
        case=case, actor=org.registrar, target="handler", level=level, source="phone", reason="问题没有解决"
    )


def test_an_unsatisfied_evaluation_opens_supervision_in_one_step(sv, register):
    case = _rated(sv, register, "unsatisfied")
    evaluation = case.evaluations.get()
    supervision = services.supervision_open(
        case=case,
        actor=sv.supervisor,
        triggers=[Trigger.DISSATISFIED],
        facts="信访人评价不满意：问题没有解决。",
        requested_action="请重新核查并答复信访人。",
        evaluation=evaluation,
    )
    assert supervision.target_unit == sv.town and supervision.evaluation == evaluation
    with pytest.raises(SupervisionConflict, match="已就该不满意评价"):
        services.supervision_open(
            case=case,
            actor=sv.supervisor,
            triggers=[Trigger.DISSATISFIED],
            facts="x",
            requested_action="y",
            evaluation=evaluation,
        )


def test_only_an_unsatisfied_evaluation_may_be_the_source(sv, register):
    case = _rated(sv, register, "satisfied")
    with pytest.raises(SupervisionConflict, match="不满意"):
        services.supervision_open(
            case=case,
            actor=sv.supervisor,
            triggers=[Trigger.DISSATISFIED],
            facts="x",
            requested_action="y",
            evaluation=case.evaluations.get(),
        )
