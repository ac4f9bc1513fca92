"""Test helpers: a real HTTP receiver on loopback and a connected system with a subscription."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Server(ThreadingHTTPServer):
    request_queue_size = 64  # http.server's backlog of 5 drops parallel connects (SYN retried after 1 s)


class Receiver:
    """An HTTP server on 127.0.0.1 that answers from a script: "200", "500", "hang" …; then "200".

    Every request it read is kept (headers and the raw body) for the test to check the signature.
    """

    def __init__(self, script=(), hang_seconds: float = 3.0, port: int = 0, delay: float = 0.0):
        self.script = list(script)
        self.hang_seconds = hang_seconds
        self.delay = delay
        self.requests: list[tuple[dict, bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append((dict(self.headers), body))
                    step = receiver.script.pop(0) if receiver.script else "200"
                if receiver.delay:
                    time.sleep(receiver.delay)
                if step == "hang":
                    time.sleep(receiver.hang_seconds)
                    step = "200"
                try:
                    self.send_response(int(step))
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.end_headers()
                    self.wfile.write(f"收到 {step}".encode())
                except OSError:
                    pass  # the sender gave up (timeout) and closed the connection

            def log_message(self, *args):
                pass

        self.server = Server(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _headers, body in self.requests]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def _make(script=(), hang_seconds: float = 3.0, port: int = 0, delay: float = 0.0) -> Receiver:
        made.append(Receiver(script, hang_seconds, port, delay))
        return made[-1]

    yield _make
    for r in made:
        r.stop()


def free_port() -> int:
    """A loopback port where nothing listens (connection refused) until a test starts a receiver there."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_account(org, *, name="OA系统", kind="oa", username="svc_oa", unit=None, role="dispatcher"):
    from xinfang.integrations.models import IntegrationAccount
    from xinfang.orgs.models import Membership, Role, User

    user = User.objects.create_user(username=username, password=None, full_name=name)
    Membership.objects.create(user=user, unit=unit or org.county, role=Role.objects.get(code=role))
    return IntegrationAccount.objects.create(name=name, kind=kind, user=user)


def subscribe(account, url, events=("case.registered",), units=(), user=None):
    from xinfang.webhooks.services import subscription_create

    return subscription_create(account=account, url=url, event_types=events, units=units, acting_user=user)
