"""Fixtures of the portal tests: a citizen's letter, a case made from it, answered and served."""

import pytest
from django.utils import timezone

from xinfang.messaging.models import InboundMessage, Publication
from xinfang.portal.tests.support import letter


@pytest.fixture(autouse=True)
def _portal_settings(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PORTAL_WRITE_PER_IP_HOUR = 5
    settings.PORTAL_WRITE_PER_PHONE_DAY = 3
    settings.PORTAL_TRACK_FAILURES_PER_IP_HOUR = 10
    settings.PORTAL_CAPTCHA_PER_IP_HOUR = 200
    settings.PORTAL_TRUSTED_PROXIES = []
    settings.PORTAL_FRAME_ANCESTORS = ["'self'"]
    settings.PORTAL_PHONE = "0999-12345"


@pytest.fixture
def sent(org, client):
    """A letter sent through the form: (message, client that sent it)."""
    response = client.post("/portal/write/", letter())
    assert response.status_code == 302, response.content.decode()[:2000]
    return InboundMessage.objects.get(), client


@pytest.fixture
def publish(org):
    def _publish(
        kind=Publication.Kind.REPLY, *, title="路灯维修", question="路灯坏了", answer="已修复", **extra
    ):
        fields = {
            "kind": kind,
            "title": title,
            "question": question,
            "answer": answer,
            "answered_by_unit": "示范县信访局",
            "created_by": org.dispatcher,
            "approved_by": org.county_head,
            "published_at": timezone.now(),
        }
        fields.update(extra)
        return Publication.objects.create(**fields)

    return _publish
