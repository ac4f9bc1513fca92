"""Where the outbox's SMS go: the console (demo), an HTTP gateway, or an SMSC over SMPP (`SMS_BACKEND`).

A backend sends one text to one phone and returns the gateway's id for it, or raises:
`SmsSendError` (this message failed; it is retried with backoff) or `SmsGatewayDown` (the gateway
cannot be reached; the rest of the run is not tried against it). Backends are context managers so a
delivery run can keep one connection (SMPP) for all its messages.
"""

import http.client
import json
import logging
import time
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from xinfang.messaging.sms import mask_phone
from xinfang.messaging.sms.encoding import smpp_segments, sms_part_count
from xinfang.messaging.sms.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from xinfang.messaging.sms.smpp import ERRORS as SMPP_ERRORS
from xinfang.messaging.sms.smpp import SmppAccount, SmppRefused, SmppSender

logger = logging.getLogger("xinfang.sms")


class SmsSendError(Exception):
    """The gateway did not take this message; the outbox retries it later."""


class SmsGatewayDown(SmsSendError):
    """The gateway cannot be reached (or answers 5xx): the other messages of this run wait too."""


class SmsBackend:
    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Release what the run held (a connection)."""

    def send(self, *, phone: str, text: str, key: int) -> str:
        """Send `text` to `phone`; `key` identifies the outbox row (idempotency key, concat reference)."""
        raise NotImplementedError


class ConsoleBackend(SmsBackend):
    """The demo: the SMS is written to the log instead of being sent."""

    def send(self, *, phone: str, text: str, key: int) -> str:
        logger.info("SMS (console) to %s, %d part(s): %s", mask_phone(phone), sms_part_count(text), text)
        return f"console-{uuid.uuid4().hex[:16]}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer we do not understand: the 3xx is treated as a failure


class HttpBackend(SmsBackend):
    """POST `{"id", "phone", "text"}` as JSON, signed with HMAC-SHA256 (see signing.py).

    The whole text goes in one request: the gateway splits it into SMS parts (it knows the
    operator's limits). Any answer but 2xx is a failure; 5xx, timeouts and refused connections
    mean the gateway is down. The gateway should treat `id` as an idempotency key: a message
    whose answer was lost is sent again with the same id.
    """

    MAX_ANSWER = 64 * 1024

    def __init__(self, *, url: str | None = None, secret: str | None = None, timeout: float | None = None):
        self.url = url or settings.SMS_HTTP_URL
        self.secret = secret or settings.SMS_HTTP_SECRET
        self.timeout = timeout or settings.SMS_HTTP_TIMEOUT
        if not self.url.startswith(("http://", "https://")):
            raise ImproperlyConfigured("SMS_HTTP_URL must be an http:// or https:// URL.")
        # The gateway is on the intranet: connect directly, whatever proxy the environment names.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)

    def send(self, *, phone: str, text: str, key: int) -> str:
        body = json.dumps({"id": f"xinfang-{key}", "phone": phone, "text": text}, ensure_ascii=False)
        body_bytes = body.encode("utf-8")
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=body_bytes,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "xinfang-sms/1",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(self.secret, timestamp, body_bytes),
            },
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                status, answer = response.status, response.read(self.MAX_ANSWER)
        except urllib.error.HTTPError as exc:
            detail = f"HTTP {exc.code}: {exc.read(300).decode('utf-8', 'replace')}"
            raise (SmsGatewayDown if exc.code >= 500 or exc.code == 429 else SmsSendError)(detail) from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            raise SmsGatewayDown(f"{self.url}: {getattr(exc, 'reason', exc)}") from exc
        if not 200 <= status < 300:
            raise SmsSendError(f"HTTP {status}")
        return _gateway_id(answer)


def _gateway_id(answer: bytes) -> str:
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    return str(data.get("id") or data.get("message_id") or "")[:120]


class SmppBackend(SmsBackend):
    """submit_sm in UCS-2 (data_coding 8), long texts as concatenated parts (see encoding.py)."""

    def __init__(self, account: SmppAccount | None = None):
        self.sender = SmppSender(account or SmppAccount.from_settings())

    def close(self) -> None:
        try:
            self.sender.close()
        except SMPP_ERRORS as exc:
            logger.info("SMPP close: %s", exc)

    def send(self, *, phone: str, text: str, key: int) -> str:
        try:
            segments = smpp_segments(text, ref=key % 256)
        except ValueError as exc:
            raise SmsSendError(str(exc)) from exc
        try:
            ids = self.sender.submit(phone=phone, segments=segments)
        except SmppRefused as exc:
            raise SmsSendError(str(exc)) from exc
        except SMPP_ERRORS as exc:
            self.sender.drop()
            raise SmsGatewayDown(
                f"SMPP {self.sender.account.host}:{self.sender.account.port}: {exc}"
            ) from exc
        return ",".join(ids)[:120]


BACKENDS = {"console": ConsoleBackend, "http": HttpBackend, "smpp": SmppBackend}


def get_backend() -> SmsBackend:
    return BACKENDS[settings.SMS_BACKEND]()
