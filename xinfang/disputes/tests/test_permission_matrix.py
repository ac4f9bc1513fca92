"""Who may do what on a township's ledger: every role × where the user sits (issue 5 "Done means").

The user's unit relative to the township whose ledger is under test (东湖镇):

- own         — the township itself;
- parent      — the county 信访局 right above it;
- grandparent — the city 信访局 above that;
- sibling     — another township under the same county (西山镇);
- child       — a unit below the township (东湖村);
- unrelated   — the 信访局 of another county.

The expectations below are written by hand from docs/disputes.md, never from `access.py`:
a township's registrars, handlers and head keep its ledger (register, edit, measures, steps), only the
head reports (上报); the 信访局s above it read it through their dispatchers, supervisors, leaders and
heads, and acknowledge reports (签收); everyone else gets 404 — the same as a dispute that does not
exist — and a user who reads the item but may not take a step gets 403. Refused requests change nothing.
"""

import datetime
import io

import pytest
from openpyxl import load_workbook

from xinfang.disputes.models import Dispute, DisputeEvent, DisputeMeasure
from xinfang.disputes.services import dispute_report

ROLES = ("registrar", "dispatcher", "handler", "unit_head", "supervisor", "leader", "admin", None)
RELATIONS = ("own", "parent", "grandparent", "sibling", "child", "unrelated")

UNIT_STAFF = {"registrar", "handler", "unit_head"}
BUREAU_READERS = {"dispatcher", "supervisor", "leader", "unit_head"}
ABOVE = {"parent", "grandparent"}


def reads(relation, role) -> bool:
    return (relation == "own" and role in UNIT_STAFF) or (relation in ABOVE and role in BUREAU_READERS)


def has_a_ledger(relation, role) -> bool:
    """Reads some ledger: its own unit's (staff) or, from a 信访局, the ledgers below it."""
    bureaus = {"parent", "grandparent", "unrelated"}
    return role in UNIT_STAFF or (relation in bureaus and role in BUREAU_READERS)


def keeps(relation, role) -> bool:
    return relation == "own" and role in UNIT_STAFF


def reports(relation, role) -> bool:
    return relation == "own" and role == "unit_head"


def acknowledges(relation, role) -> bool:
    return relation in ABOVE and role in BUREAU_READERS


def sees_contacts(relation, role) -> bool:
    return keeps(relation, role) or (relation in ABOVE and role in {"dispatcher", "supervisor", "unit_head"})


def expected(allowed: bool, visible: bool) -> int:
    return 302 if allowed else 403 if visible else 404


def snapshot(dispute: Dispute):
    row = Dispute.objects.get(pk=dispute.pk)
    return (
        row.title,
        row.status,
        row.version,
        row.reported_at,
        row.acknowledged_at,
        row.due_on,
        DisputeEvent.objects.filter(dispute=dispute).count(),
        DisputeMeasure.objects.filter(dispute=dispute).count(),
    )


def edit_form(dispute: Dispute, title: str) -> dict:
    return {
        "version": dispute.version,
        "title": title,
        "description": dispute.description,
        "risk_level": dispute.risk_level,
        "period_start": dispute.period_start.isoformat(),
        "period_end": dispute.period_end.isoformat(),
        "found_on": dispute.found_on.isoformat(),
        "due_on": dispute.due_on.isoformat(),
        "responsible": dispute.responsible_id,
        "parties-TOTAL_FORMS": 1,
        "parties-INITIAL_FORMS": 0,
        "parties-0-kind": "person",
        "parties-0-name": "李四",
        "parties-0-contact": "13912345678",
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("relation", RELATIONS)
def test_the_ledger_permission_matrix(client, tree, make_dispute, relation, role):
    user = tree.person(f"u_{relation}_{role}", tree.units[relation], *([role] if role else []))
    item = make_dispute(title="东湖村土地承包纠纷")
    reported = make_dispute(title="西街拆迁安置纠纷")
    dispute_report(dispute=reported, actor=tree.town_head)
    client.force_login(user)
    visible = reads(relation, role)

    # Read: the page, the list and the export show the item only to its readers.
    page = client.get(f"/disputes/{item.number}/")
    assert page.status_code == (200 if visible else 404)
    if visible:
        assert ("13912345678" in page.content.decode()) == sees_contacts(relation, role)
    listing = client.get("/disputes/")
    assert listing.status_code == (200 if has_a_ledger(relation, role) else 403)
    assert (item.number in listing.content.decode()) == visible
    export = client.get("/disputes/export.xlsx")
    assert export.status_code == (200 if has_a_ledger(relation, role) else 404)
    if export.status_code == 200:
        sheet = load_workbook(io.BytesIO(export.content)).active
        exported = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert (item.number in exported) == visible

    # Write: edit, a measure and a status step; refused requests change nothing.
    cases = [
        (f"/disputes/{item.number}/edit/", edit_form(item, "已改名"), keeps(relation, role)),
        (
            f"/disputes/{item.number}/do/measure/",
            {"taken_on": datetime.date.today().isoformat(), "text": "上门走访，做双方工作。"},
            keeps(relation, role),
        ),
        (f"/disputes/{item.number}/do/mediate/", {"note": ""}, keeps(relation, role)),
        (f"/disputes/{item.number}/do/report/", {"note": ""}, reports(relation, role)),
        (f"/disputes/{reported.number}/do/acknowledge/", {"note": "已阅"}, acknowledges(relation, role)),
    ]
    for url, data, allowed in cases:
        target = reported if reported.number in url else item
        before = snapshot(target)
        response = client.post(url, data)
        assert response.status_code == expected(allowed, visible), (url, response.status_code)
        if not allowed:
            assert snapshot(target) == before, url


def test_a_bureaus_own_ledger_is_read_by_the_city_and_not_by_its_townships(client, tree, make_dispute):
    """A 信访局 may keep a ledger of its own (registrar, handler, head); the townships below never see it."""
    item = make_dispute(
        actor=tree.county_dispatcher, unit=tree.county, responsible_id=tree.county_dispatcher.pk
    )
    for user, status in (
        (tree.county_dispatcher, 200),
        (tree.county_supervisor, 200),
        (tree.city_supervisor, 200),
        (tree.town_head, 404),
        (tree.town2_handler, 404),
    ):
        client.force_login(user)
        assert client.get(f"/disputes/{item.number}/").status_code == status, user


def test_a_missing_dispute_answers_like_a_forbidden_one(client, tree, make_dispute):
    item = make_dispute()
    client.force_login(tree.town2_handler)
    forbidden = client.get(f"/disputes/{item.number}/")
    missing = client.get("/disputes/PC99012120269999/")
    assert forbidden.status_code == missing.status_code == 404


def test_anonymous_users_are_sent_to_login(client, tree, make_dispute):
    item = make_dispute()
    for url in ("/disputes/", f"/disputes/{item.number}/", "/disputes/export.xlsx", "/disputes/new/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
