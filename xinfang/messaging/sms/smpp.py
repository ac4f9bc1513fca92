"""SMPP 3.4 through smpplib: the transmitter that sends the outbox, the receiver that takes citizens' SMS.

The receiver acknowledges a deliver_sm only after the message is committed (`deliver_sm_resp` with
ESME_ROK). When storing fails it answers ESME_RX_T_APPN, so the SMSC delivers again later; input
that can never be stored (no valid phone, no text) gets ESME_RX_R_APPN and a log line. The parts
of a long message (user data header or SAR options) are held, unacknowledged, until the last one
arrives; a message whose parts stop coming is stored after `assembly_seconds` with the gap marked,
so nothing received is lost.
"""

import hashlib
import logging
import select
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from smpplib import client as smpp_client
from smpplib import consts, exceptions, smpp

from xinfang.messaging.sms import mask_phone
from xinfang.messaging.sms.encoding import UCS2, UDHI, Concat, decode_short_message, split_udh

logger = logging.getLogger("xinfang.sms.smpp")

ESME_ROK = 0x00
ESME_RX_T_APPN = 0x64  # SMPP 3.4 §5.1.3: temporary application error, the SMSC retries
ESME_RX_R_APPN = 0x65  # permanent application error: the message is refused
# esm_class bits 5–2 (SMPP 3.4 §5.2.12): a delivery receipt or acknowledgement, not a citizen's text.
ESM_RECEIPT_BITS = 0x3C
ERRORS = (exceptions.ConnectionError, exceptions.PDUError, OSError)  # OSError covers socket timeouts


@dataclass(frozen=True)
class SmppAccount:
    host: str
    port: int
    system_id: str
    password: str
    system_type: str = ""
    source_addr: str = ""
    transceiver: bool = False
    timeout: float = 10

    @classmethod
    def from_settings(cls) -> "SmppAccount":
        return cls(
            host=settings.SMPP_HOST,
            port=settings.SMPP_PORT,
            system_id=settings.SMPP_SYSTEM_ID,
            password=settings.SMPP_PASSWORD,
            system_type=settings.SMPP_SYSTEM_TYPE,
            source_addr=settings.SMPP_SOURCE_ADDR,
            transceiver=settings.SMPP_TRANSCEIVER,
            timeout=settings.SMPP_TIMEOUT,
        )


def _text(value) -> str:
    if value is None:
        return ""
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return text.rstrip("\x00")


def open_client(account: SmppAccount, *, receive: bool) -> smpp_client.Client:
    """Connect and bind: transmitter or receiver, or transceiver when the SMSC wants one bind."""
    client = smpp_client.Client(
        account.host,
        account.port,
        timeout=account.timeout,
        allow_unknown_opt_params=True,
        logger_name="xinfang.sms.smpplib",
    )
    mode = "transceiver" if account.transceiver else ("receiver" if receive else "transmitter")
    try:
        client.connect()
        getattr(client, f"bind_{mode}")(
            system_id=account.system_id, password=account.password, system_type=account.system_type
        )
    except BaseException:
        client.disconnect()
        raise
    return client


def close_client(client: smpp_client.Client, *, unbind: bool = True) -> None:
    if unbind:
        try:
            client.unbind()
        except ERRORS as exc:
            logger.info("SMPP unbind: %s", exc)
    client.disconnect()


def respond(client: smpp_client.Client, command: str, sequence: int, status: int = ESME_ROK) -> None:
    pdu = smpp.make_pdu(command, client=client, status=status)
    pdu.sequence = sequence
    client.send_pdu(pdu)


def destination(phone: str) -> tuple[int, str]:
    """(TON, address): national numbers as the SMSC's default, `+…` as international (TON 1)."""
    return (1, phone[1:]) if phone.startswith("+") else (0, phone)


def phone_from_smpp(address: str, ton: int) -> str:
    """A sender address as `normalize_phone` reads it: international numbers get their `+` back."""
    address = address.strip()
    if ton == 1 or (address.startswith("86") and len(address) == 13):
        return "+" + address.lstrip("+")
    return address


class SmppSender:
    """One bound transmitter for a delivery run: connected at the first message, closed at the end."""

    def __init__(self, account: SmppAccount):
        self.account = account
        self.client: smpp_client.Client | None = None

    def close(self) -> None:
        if self.client is not None:
            client, self.client = self.client, None
            close_client(client)

    def drop(self) -> None:
        """Forget a connection that failed; the next message connects again."""
        if self.client is not None:
            client, self.client = self.client, None
            client.disconnect()

    def submit(self, *, phone: str, segments: list[tuple[int, bytes]]) -> list[str]:
        """submit_sm each segment and wait for its submit_sm_resp; the SMSC's message ids."""
        if self.client is None:
            self.client = open_client(self.account, receive=False)
        ton, address = destination(phone)
        return [self._submit_one(ton, address, esm_class, payload) for esm_class, payload in segments]

    def _submit_one(self, ton: int, address: str, esm_class: int, payload: bytes) -> str:
        client = self.client
        sent = client.send_message(
            source_addr_ton=0,
            source_addr_npi=0,
            source_addr=self.account.source_addr,
            dest_addr_ton=ton,
            dest_addr_npi=1,  # E.164 numbering plan
            destination_addr=address,
            short_message=payload,
            data_coding=UCS2,
            esm_class=esm_class,
            registered_delivery=0,
        )
        while True:
            pdu = client.read_pdu()
            if pdu is None:
                continue
            if pdu.command in ("submit_sm_resp", "generic_nack") and pdu.sequence == sent.sequence:
                if pdu.is_error() or pdu.command == "generic_nack":
                    raise SmppRefused(int(pdu.status or 0))
                return _text(pdu.message_id)
            self._answer(client, pdu)

    def _answer(self, client, pdu) -> None:
        if pdu.command == "enquire_link":
            respond(client, "enquire_link_resp", pdu.sequence)
        elif pdu.command == "deliver_sm":
            # A transceiver may be handed a citizen's SMS here; the receiver stores those, so ask the
            # SMSC to deliver it again (to the receiver) instead of dropping it.
            respond(client, "deliver_sm_resp", pdu.sequence, ESME_RX_T_APPN)
        elif pdu.command == "unbind":
            respond(client, "unbind_resp", pdu.sequence)
            raise exceptions.ConnectionError("the SMSC unbound")


class SmppRefused(Exception):
    """submit_sm_resp with an error status."""

    def __init__(self, status: int):
        self.status = status
        super().__init__(f"SMPP status 0x{status:02x} {consts.DESCRIPTIONS.get(status, 'unknown')}")


# --- Receiver ----------------------------------------------------------------------------------------

Handler = Callable[..., int]  # (phone=, text=, external_id=) -> deliver_sm_resp status


def external_id_for(*, message_id: str, source: str, sequence: int, text: str) -> str:
    """The SMSC's message id when it gives one, else a hash of (sender, sequence, text)."""
    if message_id:
        return f"smpp:{message_id}"[:120]
    digest = hashlib.sha256(f"{source}\n{sequence}\n{text}".encode()).hexdigest()[:40]
    return f"smpp:{digest}"


def store_deliver(*, phone: str, text: str, external_id: str) -> int:
    """Store one citizen's SMS (or opt-out) and say how to answer the SMSC."""
    from xinfang.messaging.sms.inbound import sms_inbound_receive

    try:
        result = sms_inbound_receive(external_id=external_id, phone=phone, text=text)
    except ValidationError as exc:
        logger.warning("SMPP deliver_sm from %s refused: %s", mask_phone(phone), "; ".join(exc.messages))
        return ESME_RX_R_APPN
    except Exception:
        logger.exception(
            "SMPP deliver_sm from %s could not be stored; the SMSC will retry", mask_phone(phone)
        )
        return ESME_RX_T_APPN
    logger.info("SMPP deliver_sm from %s stored: %s", mask_phone(phone), result)
    return ESME_ROK


@dataclass
class _Assembly:
    """The parts of one long message received so far, and their PDUs still to acknowledge."""

    started: float
    first_sequence: int
    message_id: str
    parts: dict[int, str] = field(default_factory=dict)
    sequences: list[int] = field(default_factory=list)


class SmppReceiver:
    """Bound as receiver (or transceiver): every deliver_sm becomes one stored message."""

    POLL_SECONDS = 0.25

    def __init__(
        self,
        account: SmppAccount,
        *,
        handler: Handler = store_deliver,
        enquire_seconds: float = 30,
        assembly_seconds: float = 60,
    ):
        self.account = account
        self.handler = handler
        self.enquire_seconds = enquire_seconds
        self.assembly_seconds = assembly_seconds
        self.pending: dict[tuple[str, int, int], _Assembly] = {}

    def run(self, should_stop: Callable[[], bool], *, max_backoff: float = 60) -> None:
        """Stay bound until `should_stop()`; reconnect after a failure, waiting 1, 2, 4 … seconds."""
        backoff = 1.0
        while not should_stop():
            try:
                self.run_session(should_stop)
                backoff = 1.0
            except ERRORS as exc:
                logger.warning("SMPP receiver: %s; reconnecting in %.0fs", exc, backoff)
                until = time.monotonic() + backoff
                while time.monotonic() < until and not should_stop():
                    time.sleep(0.2)
                backoff = min(backoff * 2, max_backoff)

    def run_session(self, should_stop: Callable[[], bool]) -> None:
        """One bind: read PDUs until told to stop or the SMSC unbinds."""
        client = open_client(self.account, receive=True)
        logger.info("SMPP receiver bound to %s:%s", self.account.host, self.account.port)
        unbound_by_smsc = False
        try:
            quiet_since = time.monotonic()
            while not should_stop():
                readable, _, _ = select.select([client._socket], [], [], self.POLL_SECONDS)
                if readable:
                    pdu = client.read_pdu()
                    quiet_since = time.monotonic()
                    if pdu is not None and not self.dispatch(client, pdu):
                        unbound_by_smsc = True
                        return
                elif time.monotonic() - quiet_since >= self.enquire_seconds:
                    client.send_pdu(smpp.make_pdu("enquire_link", client=client))
                    quiet_since = time.monotonic()
                self.flush_stale(client)
        finally:
            # Parts not yet acknowledged are delivered again by the SMSC after the next bind.
            self.pending.clear()
            close_client(client, unbind=not unbound_by_smsc)

    def dispatch(self, client, pdu) -> bool:
        """Act on one PDU; False when the SMSC ended the session."""
        if pdu.command == "deliver_sm":
            self.on_deliver(client, pdu)
        elif pdu.command == "enquire_link":
            respond(client, "enquire_link_resp", pdu.sequence)
        elif pdu.command == "unbind":
            respond(client, "unbind_resp", pdu.sequence)
            logger.info("SMPP receiver: the SMSC unbound")
            return False
        return True

    def on_deliver(self, client, pdu) -> None:
        esm_class = pdu.esm_class or 0
        if esm_class & ESM_RECEIPT_BITS:
            logger.info("SMPP delivery receipt: %s", _text(pdu.short_message)[:200])
            respond(client, "deliver_sm_resp", pdu.sequence)
            return
        payload = pdu.short_message or pdu.message_payload or b""
        concat: Concat | None = None
        if esm_class & UDHI:
            concat, payload = split_udh(payload)
        elif pdu.sar_msg_ref_num is not None and pdu.sar_total_segments:
            concat = Concat(pdu.sar_msg_ref_num, pdu.sar_total_segments, pdu.sar_segment_seqnum or 1)
        text = decode_short_message(payload, pdu.data_coding or 0)
        source = phone_from_smpp(_text(pdu.source_addr), pdu.source_addr_ton or 0)
        message_id = _text(pdu.receipted_message_id)
        if concat is None or concat.total <= 1:
            self._store(client, [pdu.sequence], source, text, message_id, pdu.sequence)
            return
        key = (source, concat.ref, concat.total)
        assembly = self.pending.setdefault(
            key, _Assembly(started=time.monotonic(), first_sequence=pdu.sequence, message_id=message_id)
        )
        assembly.parts[concat.number] = text
        assembly.sequences.append(pdu.sequence)
        if len(assembly.parts) >= concat.total:
            del self.pending[key]
            self._store_assembly(client, source, concat.total, assembly)

    def flush_stale(self, client) -> None:
        """Store long messages whose missing parts did not come within `assembly_seconds`."""
        now = time.monotonic()
        for key, assembly in list(self.pending.items()):
            if now - assembly.started >= self.assembly_seconds:
                del self.pending[key]
                logger.warning(
                    "SMPP: %s of %s parts from %s arrived", len(assembly.parts), key[2], mask_phone(key[0])
                )
                self._store_assembly(client, key[0], key[2], assembly)

    def _store_assembly(self, client, source: str, total: int, assembly: _Assembly) -> None:
        gap = _("【此段未收到】")
        text = "".join(assembly.parts.get(number, gap) for number in range(1, total + 1))
        self._store(client, assembly.sequences, source, text, assembly.message_id, assembly.first_sequence)

    def _store(self, client, sequences, source, text, message_id, first_sequence) -> None:
        external_id = external_id_for(
            message_id=message_id, source=source, sequence=first_sequence, text=text
        )
        status = self.handler(phone=source, text=text, external_id=external_id)
        for sequence in sequences:  # acknowledged only now, after the commit (or the refusal)
            respond(client, "deliver_sm_resp", sequence, status)
