"""Exchange fixtures: this test database plays both sides through a peer that is itself (loopback).

The peer "self" stands for another deployment: its stand-in unit here is 县信访局, its packages are
addressed to our own deployment id and signed with our own key. A case of 市信访局 sent to it goes to
待签收 at 县信访局; importing that package registers a second case at 县信访局 and passes it on to
东湖镇 (the default receiving unit). The real two-database round trip is in test_roundtrip.py.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_pdf_bytes
from xinfang.cases import steps
from xinfang.exchange.keys import key_generate, public_key_text
from xinfang.exchange.models import Peer
from xinfang.exchange.services import peer_save

DEPLOYMENT = "test-deployment"


@pytest.fixture
def key(settings, tmp_path):
    settings.EXCHANGE_DEPLOYMENT_ID = DEPLOYMENT
    settings.EXCHANGE_PRIVATE_KEY_PATH = tmp_path / "exchange" / "private.pem"
    settings.MEDIA_ROOT = tmp_path / "media"
    return key_generate(settings.EXCHANGE_PRIVATE_KEY_PATH)


@pytest.fixture
def peer(org, key):
    return peer_save(
        peer=Peer(
            name="环回对端",
            deployment_id=DEPLOYMENT,
            public_key=public_key_text(key),
            local_unit=org.county,
            receiving_unit=org.town,
        ),
        acting_user=org.admin,
    )


@pytest.fixture
def city_case(org, register):
    """A case registered by the city bureau, with a scanned PDF, waiting to be passed on."""
    scan = SimpleUploadedFile("来信扫描.pdf", make_pdf_bytes(), content_type="application/pdf")
    return register(
        actor=org.city_dispatcher,
        unit=org.city,
        attachments=[scan],
        received_on=datetime.date.today() - datetime.timedelta(days=2),
    )


def answer(org, case, *, report: bool = False):
    """The receiving side handles the case to a served opinion (and its 办结报告 when 交办)."""
    case = steps.case_sign(case=case, actor=org.town_handler)
    case = steps.case_accept(case=case, actor=org.town_handler, route="依照信访程序调查处理")
    case = steps.case_opinion_draft(
        case=case,
        actor=org.town_handler,
        outcome="support",
        facts="经核实，工资确被拖欠。",
        basis="《保障农民工工资支付条例》第三条",
        text="责令用人单位十日内支付。",
    )
    case = steps.case_opinion_decide(case=case, actor=org.town_head, approve=True)
    case = steps.case_serve(
        case=case, actor=org.town_handler, method="in_person", served_on=datetime.date.today()
    )
    if report:
        case = steps.case_report_submit(
            case=case, actor=org.town_handler, text="已督促支付完毕。", contact="王五 123"
        )
    return case
