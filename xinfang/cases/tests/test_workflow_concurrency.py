"""Two people act on the same case at the same moment, as real parallel requests on PostgreSQL (issue 3 §10).

Each request runs in its own thread with its own test `Client` and its own database connection; a
`threading.Barrier` releases them together. Exactly one wins (a redirect on the web, 200 on the API);
the other gets 409 and is told why — 已被他人处理, or the step no longer fits the case. The log holds one
event for the step and the version moved by exactly one.

Half of the rounds hold the case's row lock for a moment once taken (`LockProbe`), so that the second
request is surely inside its own transaction, waiting on that lock, when the first commits. Without
that, the second may only arrive after the first finished and be turned away by the view's own check.
"""

import datetime
import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from xinfang.cases import steps, workflow
from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.choices import RecordStatus
from xinfang.cases.models import Case, CaseEvent, Dispatch, Extension
from xinfang.integrations.auth import api_token_create
from xinfang.orgs.models import Membership, Role, User

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROUNDS = 6  # every other round holds the row lock
HOLD_SECONDS = 0.3
STALE = "已被他人处理"


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions; SQLite serialises every write anyway")


class LockProbe:
    """Wraps the guard's `lock_case`: counts who reached the row lock and, when asked, holds it."""

    def __init__(self):
        self.hold = False
        self.entered = 0
        self.overlapped = 0  # held rounds in which both requests reached the row lock
        self._real = workflow.lock_case
        self._count = threading.Lock()

    def __call__(self, case, **kwargs):
        with self._count:
            self.entered += 1
        locked = self._real(case, **kwargs)
        if self.hold:
            time.sleep(HOLD_SECONDS)
        return locked

    def round(self, n: int) -> None:
        self.hold, self.entered = n % 2 == 1, 0

    def race(self, *calls):
        results = race(*calls)
        self.overlapped += self.hold and self.entered == 2
        return results


@pytest.fixture
def probe(monkeypatch):
    probe = LockProbe()
    monkeypatch.setattr(workflow, "lock_case", probe)
    return probe


def race(*calls):
    """Run the calls in parallel threads, released together; each thread closes its own connection."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = calls[index]()
        except BaseException as exc:  # noqa: BLE001 - reported by the caller's assertions
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    return results


def web_post(user, case, code, data):
    """A browser submitting the step's form (logged in here, posting in the thread)."""
    client = Client()
    client.force_login(user)
    url = reverse("cases:action", args=[case.number, code])

    def call():
        response = client.post(url, data)
        return response.status_code, response.content.decode()

    return call


def api_post(user, case, code, body):
    _token, raw = api_token_create(user=user, name="并发测试")
    client = Client()
    url = f"/api/v1/cases/{case.number}/actions/{code}"

    def call():
        response = client.post(
            url, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
        )
        return response.status_code, "" if response.status_code == 200 else response.json()["detail"]

    return call


def one_wins(results, *, ok: int, loser_says: str) -> int:
    """Exactly one success and one 409 that says `loser_says`; returns the index of the winner."""
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(status for status, _text in results) == sorted([ok, 409]), results
    winner = next(i for i, (status, _text) in enumerate(results) if status == ok)
    assert loser_says in results[1 - winner][1], results
    return winner


def settled(case, before: Case, *codes: str) -> Case:
    after = Case.objects.get(pk=case.pk)
    assert after.version == before.version + 1
    assert CaseEvent.objects.filter(case=case, data__action__in=codes).count() == 1
    return after


def assigned(org, register) -> Case:
    due = datetime.date.today() + datetime.timedelta(days=40)
    return steps.case_assign(case=register(), actor=org.dispatcher, to_unit=org.town, due_on=due)


def handling(org, register) -> Case:
    case = steps.case_sign(case=assigned(org, register), actor=org.town_handler)
    return steps.case_accept(case=case, actor=org.town_handler)


def reported(org, register) -> Case:
    case = steps.case_opinion_draft(
        case=handling(org, register),
        actor=org.town_handler,
        outcome="support",
        facts="f",
        basis="b",
        text="t",
    )
    case = steps.case_opinion_decide(case=case, actor=org.town_head, approve=True)
    case = steps.case_serve(
        case=case, actor=org.town_handler, method="in_person", served_on=datetime.date.today()
    )
    return steps.case_report_submit(case=case, actor=org.town_handler, text="已处理")


def test_two_township_staff_sign_at_once(org, register, probe):
    for n in range(ROUNDS):
        case = assigned(org, register)
        probe.round(n)
        results = probe.race(
            web_post(org.town_handler, case, "sign", {"version": case.version}),
            web_post(org.town_head, case, "sign", {"version": case.version}),
        )
        one_wins(results, ok=302, loser_says=STALE)
        assert settled(case, case, "sign").status == S.SIGNED
    assert probe.overlapped, "no round had both requests inside the service at once"


def test_two_dispatchers_assign_to_different_units(org, register, probe):
    second = User.objects.create_user(username="dispatcher2", password=None)
    Membership.objects.create(user=second, unit=org.county, role=Role.objects.get(code="dispatcher"))
    due = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    for n in range(ROUNDS):
        case = register()
        probe.round(n)
        targets = (org.town, org.police)
        results = probe.race(
            web_post(
                org.dispatcher,
                case,
                "assign",
                {"to_unit": org.town.pk, "due_on": due, "version": case.version},
            ),
            web_post(
                second, case, "assign", {"to_unit": org.police.pk, "due_on": due, "version": case.version}
            ),
        )
        winner = one_wins(results, ok=302, loser_says=STALE)
        after = settled(case, case, "assign")
        assert after.status == S.PENDING_SIGN and after.owner_unit == targets[winner]
        assert list(Dispatch.objects.filter(case=case).values_list("to_unit", flat=True)) == [
            targets[winner].pk
        ]
        assert case.documents.filter(kind="assign_slip").count() == 1  # one 交办单, one number taken
    assert probe.overlapped, "no round had both requests inside the service at once"


def test_a_dispatcher_assigns_while_the_head_accepts(org, register, probe):
    """Two different decisions on the same new case: 交办 to the township, or 受理 at the county."""
    today = datetime.date.today()
    due = (today + datetime.timedelta(days=30)).isoformat()
    today = today.isoformat()
    for n in range(ROUNDS):
        case = register()
        probe.round(n)
        results = probe.race(
            web_post(
                org.dispatcher,
                case,
                "assign",
                {"to_unit": org.town.pk, "due_on": due, "version": case.version},
            ),
            web_post(org.county_head, case, "accept", {"accepted_on": today, "version": case.version}),
        )
        winner = one_wins(results, ok=302, loser_says=STALE)
        after = settled(case, case, "assign", "accept")
        assert after.status == (S.PENDING_SIGN, S.HANDLING)[winner]
        assert after.documents.count() == 1  # the 交办单 or the 受理告知书, never both
    assert probe.overlapped, "no round had both requests inside the service at once"


def test_a_dispatcher_and_the_head_decide_the_report_at_once_over_the_api(org, register, probe):
    """No version sent: the loser is told the case is no longer waiting for this decision."""
    rework = (datetime.date.today() + datetime.timedelta(days=10)).isoformat()
    for n in range(ROUNDS):
        case = reported(org, register)
        probe.round(n)
        results = probe.race(
            api_post(org.dispatcher, case, "report_decide", {"decision": "yes", "note": "同意办结"}),
            api_post(
                org.county_head,
                case,
                "report_decide",
                {"decision": "no", "note": "未附意见书", "rework_due_on": rework},
            ),
        )
        winner = one_wins(results, ok=200, loser_says="不能“审核办结报告”")
        after = settled(case, case, "report_decide")
        assert after.status == (S.CLOSED, S.HANDLING)[winner]
        assert case.reports.get().status == (RecordStatus.APPROVED, RecordStatus.REFUSED)[winner]
    assert probe.overlapped, "no round had both requests inside the service at once"


def test_two_extension_requests_at_once_make_one(org, register, probe):
    """The step's own precondition (延期只能一次) is checked again under the lock."""
    for n in range(ROUNDS):
        case = handling(org, register)
        probe.round(n)
        results = probe.race(
            api_post(org.town_handler, case, "extension_request", {"days": 10, "reason": "需现场勘验"}),
            api_post(org.town_head, case, "extension_request", {"days": 20, "reason": "需鉴定"}),
        )
        winner = one_wins(results, ok=200, loser_says="只能一次")
        settled(case, case, "extension_request")
        assert list(Extension.objects.filter(case=case).values_list("days", flat=True)) == [(10, 20)[winner]]
    assert probe.overlapped, "no round had both requests inside the service at once"
