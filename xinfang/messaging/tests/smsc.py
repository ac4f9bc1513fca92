"""A small SMPP 3.4 server (a test SMSC) on 127.0.0.1, written from the specification, not from smpplib.

It answers bind_transmitter / bind_receiver / bind_transceiver, submit_sm (recording each PDU and
answering with a message id), enquire_link and unbind, and pushes deliver_sm to a bound receiver:
queued ones right after the bind, or at any time with `push_deliver`. It runs in a thread; each
connection gets its own thread. Only loopback is used.
"""

import itertools
import socket
import socketserver
import struct
import threading
import time
from dataclasses import dataclass, field

BIND_RECEIVER, BIND_TRANSMITTER, SUBMIT_SM, DELIVER_SM = 0x01, 0x02, 0x04, 0x05
UNBIND, BIND_TRANSCEIVER, ENQUIRE_LINK, GENERIC_NACK = 0x06, 0x09, 0x15, 0x80000000
RESP = 0x80000000
BIND_NAMES = {BIND_RECEIVER: "receiver", BIND_TRANSMITTER: "transmitter", BIND_TRANSCEIVER: "transceiver"}
ESME_RBINDFAIL, ESME_RSYSERR = 0x0D, 0x08


def cstr(value: str | bytes) -> bytes:
    return (value.encode("ascii") if isinstance(value, str) else value) + b"\0"


def read_cstr(body: bytes, pos: int) -> tuple[bytes, int]:
    end = body.index(b"\0", pos)
    return body[pos:end], end + 1


def pdu(command_id: int, sequence: int, body: bytes = b"", status: int = 0) -> bytes:
    return struct.pack(">IIII", 16 + len(body), command_id, status, sequence) + body


@dataclass
class ShortMessage:
    """A submit_sm or deliver_sm as it went over the wire."""

    sequence: int
    source: str
    destination: str
    dest_ton: int
    esm_class: int
    data_coding: int
    short_message: bytes
    tlvs: dict[int, bytes] = field(default_factory=dict)


def parse_short_message(sequence: int, body: bytes) -> ShortMessage:
    """The mandatory fields of submit_sm/deliver_sm (SMPP 3.4 §4.4.1), then the TLVs."""
    _service_type, pos = read_cstr(body, 0)
    pos += 2  # source TON, NPI
    source, pos = read_cstr(body, pos)
    dest_ton = body[pos]
    pos += 2
    destination, pos = read_cstr(body, pos)
    esm_class = body[pos]
    pos += 3  # esm_class, protocol_id, priority_flag
    _schedule, pos = read_cstr(body, pos)
    _validity, pos = read_cstr(body, pos)
    data_coding, sm_length = body[pos + 2], body[pos + 4]
    pos += 5  # registered_delivery, replace_if_present, data_coding, sm_default_msg_id, sm_length
    short_message = body[pos : pos + sm_length]
    pos += sm_length
    tlvs = {}
    while pos + 4 <= len(body):
        tag, length = struct.unpack(">HH", body[pos : pos + 4])
        tlvs[tag] = body[pos + 4 : pos + 4 + length]
        pos += 4 + length
    return ShortMessage(
        sequence, source.decode(), destination.decode(), dest_ton, esm_class, data_coding, short_message, tlvs
    )


def deliver_body(
    *, source: str, destination: str, short_message: bytes, data_coding: int, esm_class: int, tlvs: bytes
) -> bytes:
    return (
        cstr("")  # service_type
        + bytes((1 if source.startswith("86") else 0, 1))
        + cstr(source)
        + bytes((0, 1))
        + cstr(destination)
        + bytes((esm_class, 0, 0))
        + cstr("")
        + cstr("")
        + bytes((0, 0, data_coding, 0, len(short_message)))
        + short_message
        + tlvs
    )


def tlv(tag: int, value: bytes) -> bytes:
    return struct.pack(">HH", tag, len(value)) + value


class _Session(socketserver.BaseRequestHandler):
    def setup(self):
        self.smsc: TestSmsc = self.server.smsc
        self.lock = threading.Lock()
        self.bound_as = ""
        self.sequences = itertools.count(1)

    def send(self, data: bytes) -> None:
        with self.lock:
            self.request.sendall(data)

    def handle(self):
        self.request.settimeout(0.1)
        buffer = b""
        try:
            while not self.smsc.stopping:
                try:
                    chunk = self.request.recv(65536)
                except TimeoutError:
                    continue
                if not chunk:
                    return
                buffer += chunk
                while len(buffer) >= 16 and len(buffer) >= struct.unpack(">I", buffer[:4])[0]:
                    length, command_id, status, sequence = struct.unpack(">IIII", buffer[:16])
                    body, buffer = buffer[16:length], buffer[length:]
                    if not self.on_pdu(command_id, status, sequence, body):
                        return
        except OSError:
            return
        finally:
            self.smsc.sessions.discard(self)

    def on_pdu(self, command_id: int, status: int, sequence: int, body: bytes) -> bool:
        smsc = self.smsc
        if command_id in BIND_NAMES:
            system_id, pos = read_cstr(body, 0)
            password, _pos = read_cstr(body, pos)
            ok = (
                not smsc.refuse_binds
                and system_id.decode() == smsc.system_id
                and password.decode() == smsc.password
            )
            smsc.binds.append((BIND_NAMES[command_id], system_id.decode(), ok))
            self.send(pdu(command_id | RESP, sequence, cstr("testsmsc"), 0 if ok else ESME_RBINDFAIL))
            if ok:
                self.bound_as = BIND_NAMES[command_id]
                smsc.sessions.add(self)
                if self.bound_as != "transmitter":
                    while smsc.queued_delivers:
                        self.deliver(**smsc.queued_delivers.pop(0))
            return True
        if command_id == SUBMIT_SM:
            message = parse_short_message(sequence, body)
            if smsc.fail_submits > 0:
                smsc.fail_submits -= 1
                self.send(pdu(SUBMIT_SM | RESP, sequence, cstr(""), ESME_RSYSERR))
                return True
            smsc.submits.append(message)
            self.send(pdu(SUBMIT_SM | RESP, sequence, cstr(f"smsc-{len(smsc.submits)}")))
            return True
        if command_id == DELIVER_SM | RESP:
            smsc.deliver_resps.append((sequence, status, time.monotonic()))
            return True
        if command_id == ENQUIRE_LINK:
            smsc.enquire_links += 1
            self.send(pdu(ENQUIRE_LINK | RESP, sequence))
            return True
        if command_id == UNBIND:
            smsc.unbinds += 1
            self.send(pdu(UNBIND | RESP, sequence))
            return False
        if command_id & RESP:
            return True
        self.send(pdu(GENERIC_NACK, sequence, status=0x03))  # ESME_RINVCMDID
        return True

    def deliver(self, *, source, text=None, payload=None, data_coding=8, esm_class=0, tlvs=b"") -> int:
        short_message = payload if payload is not None else text.encode("utf-16-be")
        sequence = next(self.sequences)
        body = deliver_body(
            source=source,
            destination=self.smsc.service_number,
            short_message=short_message,
            data_coding=data_coding,
            esm_class=esm_class,
            tlvs=tlvs,
        )
        self.smsc.delivers_sent.append(sequence)
        self.send(pdu(DELIVER_SM, sequence, body))
        return sequence


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class TestSmsc:
    """Start with `with TestSmsc() as smsc:`; `smsc.port` is the port to bind to."""

    __test__ = False  # not a pytest test class

    def __init__(self, *, system_id: str = "xinfang", password: str = "secret"):  # noqa: S107
        self.system_id, self.password = system_id, password
        self.service_number = "10690001"
        self.refuse_binds = False
        self.fail_submits = 0
        self.stopping = False
        self.binds: list[tuple[str, str, bool]] = []
        self.submits: list[ShortMessage] = []
        self.deliver_resps: list[tuple[int, int, float]] = []
        self.delivers_sent: list[int] = []
        self.queued_delivers: list[dict] = []
        self.enquire_links = 0
        self.unbinds = 0
        self.sessions: set[_Session] = set()
        self.server = _Server(("127.0.0.1", 0), _Session)
        self.server.smsc = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopping = True
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def queue_deliver(self, **message) -> None:
        """Deliver `message` to the next receiver that binds (source=, text= or payload=, …)."""
        self.queued_delivers.append(message)

    def push_deliver(self, **message) -> int:
        receivers = [s for s in self.sessions if s.bound_as in ("receiver", "transceiver")]
        if not receivers:
            raise RuntimeError("no receiver is bound")
        return receivers[0].deliver(**message)

    def wait_for(self, condition, timeout: float = 5.0) -> bool:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            if condition():
                return True
            time.sleep(0.02)
        return condition()


def free_port() -> int:
    """A loopback port with nothing listening (for "gateway down")."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
