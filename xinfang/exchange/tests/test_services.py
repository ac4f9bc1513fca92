"""Export and import through the services, on one database playing both sides (see conftest.py)."""

import datetime
import io
import json
import zipfile

import pytest

from xinfang.cases.access import can_see_identity
from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.models import Case, CaseEvent
from xinfang.cases.steps import case_report_decide
from xinfang.cases.workflow import ActionConflict, ActionRefused
from xinfang.common.models import AuditLog
from xinfang.exchange.importing import package_import
from xinfang.exchange.models import CaseLink, Direction, ExchangePackage, LinkRole, Peer
from xinfang.exchange.package import PackageRejected
from xinfang.exchange.services import case_export_result, case_export_transfer, package_bytes, peer_save
from xinfang.exchange.tests.conftest import answer

pytestmark = pytest.mark.django_db


def counts():
    return (Case.objects.count(), CaseEvent.objects.count(), ExchangePackage.objects.count())


def sent(org, peer, case, **kw):
    package = case_export_transfer(case=case, peer=peer, actor=org.city_dispatcher, **kw)
    return package, package_bytes(package)


def test_it_exports_a_transfer_through_the_workflow(org, peer, city_case):
    package, data = sent(org, peer, city_case, note="请依法处理")
    case = Case.objects.get(pk=city_case.pk)
    assert (case.status, case.owner_unit) == (S.PENDING_SIGN, org.county)  # 转送 to the peer's stand-in
    assert case.dispatches.get().to_unit == org.county
    assert list(case.documents.values_list("kind", flat=True)) == ["transfer_slip"]
    assert package.direction == Direction.OUT and package.kind == "transfer"
    assert CaseLink.objects.get(case=case).role == LinkRole.SENT
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert set(archive.namelist()) == {"manifest.json", "manifest.sig", "case.json", "attachments/01.pdf"}
    doc = json.loads(archive.read("case.json"))
    assert doc["petitioners"][0]["name"] == "张三" and doc["dispatch"]["note"] == "请依法处理"
    assert doc["attachments"][0]["name"] == "来信扫描.pdf"
    assert [e["to_status"] for e in doc["history"] if e["to_status"]][-1] == S.PENDING_SIGN
    audit = AuditLog.objects.get(action="exchange_exported")
    assert audit.user == org.city_dispatcher and audit.detail["personal_data"] is True


def test_only_who_may_transfer_can_export(org, peer, city_case):
    with pytest.raises(ActionRefused):
        case_export_transfer(case=city_case, peer=peer, actor=org.city_leader)
    assert Case.objects.get(pk=city_case.pk).status == S.REGISTERED
    assert not ExchangePackage.objects.exists()


def test_export_without_a_key_changes_nothing(org, peer, city_case, settings, tmp_path):
    from xinfang.exchange.keys import NotConfigured

    settings.EXCHANGE_PRIVATE_KEY_PATH = tmp_path / "missing.pem"
    with pytest.raises(NotConfigured):
        sent(org, peer, city_case)
    assert Case.objects.get(pk=city_case.pk).status == S.REGISTERED


def test_it_imports_a_transfer_to_the_right_unit(org, peer, city_case):
    package, data = sent(org, peer, city_case)
    outcome = package_import(data=data, actor=org.dispatcher)
    assert outcome.created and "已导入" in outcome.message
    case = outcome.case
    assert case.pk != city_case.pk
    assert (case.status, case.owner_unit, case.registering_unit) == (S.PENDING_SIGN, org.town, org.county)
    assert case.dispatches.get().from_unit == org.county  # passed on by the peer's stand-in
    assert case.petitioners.get().name == "张三"
    assert case.attachments.get().original_name == "来信扫描.pdf"
    link = CaseLink.objects.get(case=case)
    assert (link.role, link.remote_number) == (LinkRole.RECEIVED, city_case.number)
    received = ExchangePackage.objects.get(direction=Direction.IN)
    assert received.package_id == package.package_id and received.case == case
    assert AuditLog.objects.filter(action="exchange_imported", user=org.dispatcher).count() == 1
    assert case.events.filter(data__action="exchange_received").exists()


def test_import_is_idempotent(org, peer, city_case):
    _, data = sent(org, peer, city_case)
    first = package_import(data=data, actor=org.dispatcher)
    before = counts()
    again = package_import(data=data, actor=org.dispatcher)
    assert not again.created and again.case == first.case
    assert "已导入" in again.message
    assert counts() == before


def test_assign_travels_with_its_deadline(org, peer, city_case):
    due = datetime.date.today() + datetime.timedelta(days=30)
    _, data = sent(org, peer, city_case, assign=True, due_on=due)
    case = package_import(data=data, actor=org.dispatcher).case
    dispatch = case.dispatches.get()
    assert (dispatch.kind, dispatch.due_on) == ("assign", due)
    assert case.assigning_unit == org.county


def test_unknown_or_inactive_peer_is_refused_and_nothing_written(org, peer, city_case):
    _, data = sent(org, peer, city_case)
    Peer.objects.filter(pk=peer.pk).update(is_active=False)
    before = counts()
    with pytest.raises(PackageRejected) as caught:
        package_import(data=data, actor=org.dispatcher)
    assert caught.value.code == "unknown_peer" and caught.value.status == 403
    assert counts() == before


def test_a_package_for_another_deployment_is_refused(org, peer, city_case, settings):
    _, data = sent(org, peer, city_case)
    settings.EXCHANGE_DEPLOYMENT_ID = "someone-else"
    before = counts()
    with pytest.raises(PackageRejected) as caught:
        package_import(data=data, actor=org.dispatcher)
    assert caught.value.code == "unknown_peer" or caught.value.code == "wrong_recipient"
    assert counts() == before


def test_a_package_signed_with_another_key_is_refused(org, peer, city_case):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from xinfang.exchange.keys import public_key_text

    _, data = sent(org, peer, city_case)
    peer.public_key = public_key_text(Ed25519PrivateKey.generate())
    peer_save(peer=peer, acting_user=org.admin)
    before = counts()
    with pytest.raises(PackageRejected) as caught:
        package_import(data=data, actor=org.dispatcher)
    assert caught.value.code == "bad_signature"
    assert counts() == before


def test_a_registration_problem_is_refused_whole(org, peer, city_case):
    """The receiver checks the case like any registration: nothing is kept when it fails."""
    from xinfang.reference.models import Channel

    _, data = sent(org, peer, city_case)
    Channel.objects.filter(code=city_case.channel_id).update(is_active=False)
    before = counts()
    with pytest.raises(PackageRejected) as caught:
        package_import(data=data, actor=org.dispatcher)
    assert caught.value.status == 422 and "信访形式" in caught.value.message
    assert counts() == before


def test_whistleblower_identity_travels_but_is_masked_by_the_same_rules(org, peer, register):
    case = register(actor=org.city_dispatcher, unit=org.city, purpose_code="accusation")
    _, data = sent(org, peer, case)
    imported = package_import(data=data, actor=org.dispatcher).case
    assert imported.protects_identity
    assert imported.petitioners.get().name == "张三"
    assert can_see_identity(org.dispatcher, imported)  # the county 信访局 above the handler
    assert not can_see_identity(org.town_handler, imported)  # the handling unit never sees it


def test_the_result_goes_back_and_closes_the_original(org, peer, city_case):
    _, data = sent(org, peer, city_case)
    imported = package_import(data=data, actor=org.dispatcher).case
    with pytest.raises(PackageRejected) as early:
        case_export_result(case=imported, actor=org.dispatcher)
    assert early.value.code == "no_result"
    answered = answer(org, imported)
    assert answered.status == S.CLOSED
    result = case_export_result(case=answered, actor=org.dispatcher)
    archive = zipfile.ZipFile(io.BytesIO(package_bytes(result)))
    doc = json.loads(archive.read("case.json"))
    assert "petitioners" not in doc and doc["origin_number"] == city_case.number
    papers = {a["kind"] for a in doc["attachments"]}
    assert papers == {"opinion", "service_receipt"}  # the 处理意见书 and the 送达回证, as PDF
    assert all(archive.read(a["entry"]).startswith(b"%PDF") for a in doc["attachments"])
    assert case_export_result(case=answered, actor=org.dispatcher) == result  # same outcome, same package
    outcome = package_import(data=package_bytes(result), actor=org.city_dispatcher)
    original = outcome.case
    assert original.pk == city_case.pk and original.status == S.CLOSED
    transitions = list(
        original.events.filter(data__action="exchange_result").values_list("from_status", "to_status")
    )
    assert transitions == [
        (S.PENDING_SIGN, S.SIGNED),
        (S.SIGNED, S.HANDLING),
        (S.HANDLING, S.OPINION_ISSUED),
        (S.OPINION_ISSUED, S.CLOSED),
    ]
    opinion = original.opinions.get()
    assert (opinion.outcome, opinion.served_on) == ("support", datetime.date.today())
    assert original.services.get().method == "in_person"
    names = list(original.attachments.values_list("original_name", flat=True))
    assert len(names) == 3 and any("（" in name and name.endswith(".pdf") for name in names[1:])
    assert CaseLink.objects.get(case=original).remote_number == imported.number
    assert package_import(data=package_bytes(result), actor=org.city_dispatcher).created is False


def test_an_assigned_result_brings_the_report_for_review(org, peer, city_case):
    due = datetime.date.today() + datetime.timedelta(days=30)
    _, data = sent(org, peer, city_case, assign=True, due_on=due)
    imported = package_import(data=data, actor=org.dispatcher).case
    reported = answer(org, imported, report=True)
    assert reported.status == S.REPORTED
    result = case_export_result(case=reported, actor=org.dispatcher)
    original = package_import(data=package_bytes(result), actor=org.city_dispatcher).case
    assert (original.status, original.owner_unit) == (S.REPORTED, org.city)
    report = original.reports.get()
    assert report.text == "已督促支付完毕。" and report.to_unit == org.city
    closed = case_report_decide(case=original, actor=org.city_dispatcher, approve=True, note="同意办结")
    assert closed.status == S.CLOSED


def test_a_returned_case_comes_back_for_a_new_disposal(org, peer, city_case):
    from xinfang.cases.steps import case_object

    _, data = sent(org, peer, city_case)
    imported = package_import(data=data, actor=org.dispatcher).case
    back = case_object(case=imported, actor=org.town_handler, reason="不属本镇职责")
    assert back.status == S.RETURNED and back.owner_unit == org.county
    result = case_export_result(case=back, actor=org.dispatcher)
    original = package_import(data=package_bytes(result), actor=org.city_dispatcher).case
    assert (original.status, original.owner_unit) == (S.RETURNED, org.city)
    assert original.dispatches.get().return_reason


def test_a_result_for_an_unknown_case_is_refused(org, peer, city_case):
    _, data = sent(org, peer, city_case)
    imported = package_import(data=data, actor=org.dispatcher).case
    answered = answer(org, imported)
    CaseLink.objects.filter(role=LinkRole.SENT).delete()
    result = case_export_result(case=answered, actor=org.dispatcher)
    before = counts()
    with pytest.raises(PackageRejected) as caught:
        package_import(data=package_bytes(result), actor=org.city_dispatcher)
    assert caught.value.code == "no_case" and caught.value.status == 404
    assert counts() == before


def test_only_a_bureau_dispatcher_sends_the_result(org, peer, city_case):
    _, data = sent(org, peer, city_case)
    answered = answer(org, package_import(data=data, actor=org.dispatcher).case)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        case_export_result(case=answered, actor=org.town_handler)


def test_a_second_transfer_of_the_same_case_is_a_conflict(org, peer, city_case):
    sent(org, peer, city_case)
    with pytest.raises(ActionConflict):
        sent(org, peer, Case.objects.get(pk=city_case.pk))
    assert ExchangePackage.objects.count() == 1


def test_peer_needs_a_valid_key_and_a_bureau(org, key):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        peer_save(
            peer=Peer(name="x", deployment_id="x", public_key="not-a-key", local_unit=org.county),
            acting_user=org.admin,
        )
    from xinfang.exchange.keys import public_key_text

    with pytest.raises(ValidationError):
        peer_save(
            peer=Peer(name="y", deployment_id="y", public_key=public_key_text(key), local_unit=org.town),
            acting_user=org.admin,
        )
    assert not Peer.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"channel": "letter"},
        {"title": 5},
        {"received_on": "not a date"},
        {"petitioners": [{"nom": "x"}]},
        {"complained": [{"name": "x", "unknown": 1}]},
        {"headcount": "many"},
        {"dispatch": {"kind": "assign", "due_on": "2020-01-01", "to_unit": {}}},
        {"issue_address": "长" * 300},
        {"attachments": [{"entry": "attachments/99.pdf"}]},
        {"attachments": "none"},
    ],
)
def test_a_signed_but_malformed_case_is_refused_with_4xx(org, peer, city_case, key, change):
    """A peer's software may differ: whatever its case.json holds, the answer is a 4xx, never a 500."""
    from xinfang.exchange.package import package_build

    _, data = sent(org, peer, city_case)
    doc = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("case.json"))
    doc["attachments"] = []  # re-signed without the scan: each case below is wrong for its own reason
    doc.update(change)
    bad, _manifest = package_build(
        key=key,
        sender=peer.deployment_id,
        recipient=peer.deployment_id,
        kind="transfer",
        case_doc=doc,
        attachments=[],
    )
    before = counts()
    with pytest.raises(PackageRejected) as caught:
        package_import(data=bad, actor=org.dispatcher)
    assert 400 <= caught.value.status < 500 and caught.value.message
    assert "列出的附件不在" not in caught.value.message or "attachments" in change
    assert counts() == before


def test_the_same_document_re_signed_is_accepted(org, peer, city_case, key):
    """The control for the test above: only the change makes those packages fail."""
    from xinfang.exchange.package import package_build

    _, data = sent(org, peer, city_case)
    doc = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("case.json"))
    doc["attachments"] = []
    good, _manifest = package_build(
        key=key,
        sender=peer.deployment_id,
        recipient=peer.deployment_id,
        kind="transfer",
        case_doc=doc,
        attachments=[],
    )
    assert package_import(data=good, actor=org.dispatcher).created


def test_a_signed_but_malformed_result_is_refused_with_4xx(org, peer, city_case, key):
    from xinfang.exchange.package import package_build

    _, data = sent(org, peer, city_case)
    for doc in (
        {
            "number": "X1",
            "origin_number": city_case.number,
            "outcome": "answered",
            "opinion": {"outcome": "??"},
        },
        {"number": "X2", "origin_number": city_case.number, "outcome": "strange"},
        {"number": "X3"},
    ):
        bad, _m = package_build(
            key=key,
            sender=peer.deployment_id,
            recipient=peer.deployment_id,
            kind="result",
            case_doc=doc,
            attachments=[],
        )
        with pytest.raises(PackageRejected) as caught:
            package_import(data=bad, actor=org.city_dispatcher)
        assert 400 <= caught.value.status < 500
    assert Case.objects.get(pk=city_case.pk).status == S.PENDING_SIGN
