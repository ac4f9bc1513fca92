"""The offline image captcha: drawn with Pillow, stored with its answer, one use, then dead."""

import datetime
import io
import threading

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone
from PIL import Image

from xinfang.messaging.choices import Source
from xinfang.messaging.models import InboundMessage
from xinfang.portal.captcha import ALPHABET, LENGTH, normalise, render_png
from xinfang.portal.models import Captcha
from xinfang.portal.services import CaptchaRefused, captcha_issue, captcha_prune, letter_submit
from xinfang.portal.tests.support import solved

pytestmark = pytest.mark.django_db

FIELDS = {
    "kind": "suggestion",
    "name": "钱市民",
    "phone": "13800000001",
    "title": "建议",
    "content": "增设公交站",
}


def submit(captcha_id, answer, **fields):
    return letter_submit(
        source=Source.MAILBOX,
        captcha_id=captcha_id,
        captcha_answer=answer,
        ip="127.0.0.1",
        fields={**FIELDS, **fields},
    )


def test_it_draws_a_png_of_the_answer():
    png = render_png("A7KM")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (180, 70)


def test_it_stores_a_fresh_answer_with_an_expiry(settings):
    issued = captcha_issue(ip="127.0.0.1")
    stored = Captcha.objects.get(pk=issued.id)
    assert len(stored.answer) == LENGTH and set(stored.answer) <= set(ALPHABET)
    minutes = (stored.expires_at - stored.created_at).total_seconds() / 60
    assert minutes == settings.PORTAL_CAPTCHA_MINUTES and stored.used_at is None
    assert len(issued.id) >= 20 and issued.png_base64


def test_typing_is_forgiven_but_not_the_letters():
    assert normalise(" a7 km ") == "A7KM" and normalise("Ａ７ＫＭ") == "A7KM"


def test_one_captcha_lets_one_letter_in(org):
    captcha_id, answer = solved()
    first = submit(captcha_id, answer)
    assert not first.replayed
    with pytest.raises(CaptchaRefused, match="已经用过"):
        submit(captcha_id, answer, content="换一封信")
    assert InboundMessage.objects.count() == 1


def test_the_same_submission_again_is_answered_with_the_first_message(org):
    captcha_id, answer = solved()
    first = submit(captcha_id, answer)
    again = submit(captcha_id, answer.lower())
    assert again.replayed and again.message == first.message and InboundMessage.objects.count() == 1


def test_an_expired_captcha_is_refused(org, settings):
    captcha_id, answer = solved()
    later = timezone.now() + datetime.timedelta(minutes=settings.PORTAL_CAPTCHA_MINUTES + 1)
    with time_machine.travel(later), pytest.raises(CaptchaRefused, match="已过期"):
        submit(captcha_id, answer)
    assert not InboundMessage.objects.exists()


def test_a_refused_letter_still_spends_the_captcha(org):
    captcha_id, answer = solved()
    with pytest.raises(Exception, match="请填写内容"):
        submit(captcha_id, answer, content="")
    assert Captcha.objects.get(pk=captcha_id).used_at is not None
    with pytest.raises(CaptchaRefused):
        submit(captcha_id, answer)
    assert not InboundMessage.objects.exists()


def test_dead_captchas_are_pruned():
    captcha_issue(ip="127.0.0.1")
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        captcha_prune()
    assert not Captcha.objects.exists()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_double_submit_racing_itself_makes_one_message(org):
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions")
    captcha_id, answer = solved()
    barrier = threading.Barrier(4)
    results: list = []

    def work() -> None:
        try:
            barrier.wait()
            results.append(submit(captcha_id, answer))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert InboundMessage.objects.count() == 1
    assert len(results) == 4 and len({r.message.pk for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
