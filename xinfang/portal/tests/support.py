"""Test setup shared by the portal tests and the browser journey: what screening and the workflow do."""

import datetime

from django.utils import timezone

from conftest import valid_resident_id
from xinfang.cases import steps
from xinfang.messaging.choices import ScreeningStatus
from xinfang.messaging.models import InboundMessage
from xinfang.portal.models import Captcha
from xinfang.portal.services import captcha_issue

XSS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


def convert(message: InboundMessage, org, register, *, purpose_code: str = "claim", **extra):
    """What screening does (issue 4 §2), done directly: register the case and link the message."""
    from xinfang.intake.services import PetitionerInput

    case = register(
        channel_code="web",
        purpose_code=purpose_code,
        title=message.title,
        content=message.content,
        received_on=timezone.localdate(message.received_at),
        petitioners=[
            PetitionerInput(
                name=message.name, phone=message.phone, id_number=valid_resident_id(), is_primary=True
            )
        ],
        **extra,
    )
    InboundMessage.objects.filter(pk=message.pk).update(
        status=ScreeningStatus.CONVERTED, case=case, handled_at=timezone.now(), handled_by=org.registrar
    )
    message.refresh_from_db()
    return case


def answer_and_serve(case, org, *, served_on: datetime.date | None = None):
    """The county bureau accepts, answers (the head signs) and serves the opinion."""
    case = steps.case_accept(case=case, actor=org.dispatcher, route="依照信访程序调查处理")
    case = steps.case_opinion_draft(
        case=case,
        actor=org.dispatcher,
        outcome="support",
        facts="经查，幸福路路灯因线路老化损坏。",
        basis="《城市照明管理规定》第二十条",
        text="已责成供电所于一周内修复。",
    )
    case = steps.case_opinion_decide(case=case, actor=org.county_head, approve=True)
    return steps.case_serve(
        case=case, actor=org.dispatcher, method="electronic", served_on=served_on or timezone.localdate()
    )


def solved(ip: str = "127.0.0.1") -> tuple[str, str]:
    """A fresh captcha and its answer, read from the server-side store."""
    captcha = captcha_issue(ip=ip)
    return captcha.id, Captcha.objects.get(pk=captcha.id).answer


def letter(**overrides) -> dict:
    """The write form's POST data with a solved captcha."""
    captcha_id, answer = solved()
    data = {
        "kind": "complaint",
        "name": "周市民",
        "phone": "13912345678",
        "id_number": "",
        "title": "幸福路路灯不亮",
        "content": "幸福路的路灯坏了三个月，晚上出行很不安全，请尽快修好。",
        "issue_address": "东湖镇幸福路",
        "consent_publish": "on",
        "captcha_id": captcha_id,
        "captcha": answer,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def look_up(client, number: str, code: str):
    return client.post("/portal/track/", {"number": number, "code": code})
