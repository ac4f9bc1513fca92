"""Writes of the exchange app: peers, and packages going out (docs/exchange.md).

Sending a case to another deployment is a 转送/交办 like any other: it goes through
`cases.steps.case_transfer`/`case_assign` (the guard and the transition table) to the local unit
that stands for the peer, and the package is the paper that travels with it.
"""

import hashlib
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from xinfang.cases import steps
from xinfang.cases.access import can_see_identity
from xinfang.cases.choices import EventKind
from xinfang.cases.models import Case
from xinfang.cases.services import event_record
from xinfang.common.services import audit_record
from xinfang.exchange import keys
from xinfang.exchange.documents import result_doc, result_outcome, transfer_doc
from xinfang.exchange.models import CaseLink, Direction, ExchangePackage, LinkRole, PackageKind, Peer
from xinfang.exchange.package import PackageRejected, attachment_entry, package_build
from xinfang.orgs.access import seats_of
from xinfang.orgs.models import Membership, Role, User

# The peer's stand-in registers what comes in and passes it on (转送/交办): those are its roles here.
SERVICE_ROLES = (Role.REGISTRAR, Role.DISPATCHER)
RESULT_ROLES = frozenset({Role.DISPATCHER, Role.UNIT_HEAD})


# --- Peers ----------------------------------------------------------------------------------------


def peer_clean(peer: Peer) -> None:
    keys.public_key_parse(peer.public_key)
    if peer.local_unit_id and not peer.local_unit.is_bureau:
        raise ValidationError(
            {"local_unit": _("代表对端的单位必须是信访部门（转送、交办是信访部门的职权）。")}
        )
    if peer.receiving_unit_id and peer.receiving_unit_id == peer.local_unit_id:
        raise ValidationError({"receiving_unit": _("默认接收单位不能是代表对端的单位本身。")})


@transaction.atomic
def peer_save(*, peer: Peer, acting_user, request=None, via="web") -> Peer:
    """Create or update a peer and its service account (a login-less user seated at `local_unit`)."""
    peer.public_key = peer.public_key.strip()
    peer_clean(peer)
    created = peer.pk is None
    peer.save()
    if peer.service_user_id is None:
        user = User(
            username=f"exchange-{uuid.uuid4().hex[:12]}",
            full_name=_("%(name)s（跨系统）") % {"name": peer.name},
        )
        user.set_unusable_password()
        user.is_active = False  # never logs in; it only acts inside an import
        user.save()
        peer.service_user = user
        peer.save(update_fields=["service_user"])
    Membership.objects.filter(user=peer.service_user).exclude(unit=peer.local_unit).delete()
    for role in SERVICE_ROLES:
        Membership.objects.get_or_create(user=peer.service_user, unit=peer.local_unit, role_id=role)
    audit_record(
        user=acting_user,
        action="exchange_peer_created" if created else "exchange_peer_changed",
        obj=peer,
        detail={"name": peer.name, "deployment_id": peer.deployment_id, "local_unit": peer.local_unit.name},
        request=request,
        via=via,
    )
    return peer


# --- Storage --------------------------------------------------------------------------------------


def _stored_bytes(field) -> bytes:
    field.open("rb")
    try:
        return field.read()
    finally:
        field.close()


def _attachments(case: Case) -> tuple[list[tuple[str, bytes]], list[dict]]:
    entries, listing = [], []
    if case.attachments.count() > MAX_ATTACHMENTS:
        raise PackageRejected(
            _("本件附件超过%(n)s个，无法打包。") % {"n": MAX_ATTACHMENTS}, code="too_many", status=409
        )
    for index, attachment in enumerate(case.attachments.all(), start=1):
        try:
            data = _stored_bytes(attachment.file)
        except OSError as exc:
            raise PackageRejected(
                _("附件“%(name)s”的文件已不在存储中，无法打包。") % {"name": attachment.original_name},
                code="attachment_missing",
                status=409,
            ) from exc
        entry = attachment_entry(index, attachment.content_type)
        entries.append((entry, data))
        listing.append(
            {
                "entry": entry,
                "name": attachment.original_name,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
            }
        )
    return entries, listing


def _signer():
    return keys.private_key_load(), keys.deployment_id()


# --- Export: 转送/交办 to a peer -----------------------------------------------------------------


def case_export_transfer(
    *, case: Case, peer: Peer, actor, assign: bool = False, due_on=None, note="", request=None, via="web"
) -> ExchangePackage:
    """转送 (or 交办 with `due_on`) `case` to `peer`, and sign the package that carries it.

    1. the signing key and deployment id must be set up (checked before anything changes);
    2. the step itself through the case services (guard + table) to the peer's stand-in unit;
    3. case.json + attachments + manifest, signed; stored and recorded with the case link;
    4. audit. All in one transaction: a failure leaves the case where it was.
    """
    if not peer.is_active:
        raise PermissionDenied(_("对端系统“%(name)s”已停用。") % {"name": peer.name})
    if not can_see_identity(actor, case):  # the package carries the petitioner's identity
        raise PermissionDenied(_("您无权查看本件信访人身份，不能将其交转到其他系统。"))
    key, sender = _signer()
    stored: list[str] = []
    try:
        with transaction.atomic():
            return _export_transfer(
                case, peer, actor, assign, due_on, note, key, sender, stored, request, via
            )
    except Exception:
        for name in stored:
            ExchangePackage._meta.get_field("file").storage.delete(name)
        raise


def _export_transfer(case, peer, actor, assign, due_on, note, key, sender, stored, request, via):
    step = steps.case_assign if assign else steps.case_transfer
    extra = {"due_on": due_on} if assign else {}
    moved = step(case=case, actor=actor, to_unit=peer.local_unit, note=note, **extra)
    moved = Case.objects.select_related(
        "channel", "purpose", "category", "issue_region", "registering_unit", "owner_unit"
    ).get(pk=moved.pk)
    dispatch = moved.dispatches.select_related("from_unit").order_by("-id").first()
    doc = transfer_doc(moved, dispatch=dispatch, to_unit=peer.local_unit)
    entries, doc["attachments"] = _attachments(moved)
    data, manifest = package_build(
        key=key,
        sender=sender,
        recipient=peer.deployment_id,
        kind="transfer",
        case_doc=doc,
        attachments=entries,
    )
    package = _save_out(peer, PackageKind.TRANSFER, moved, data, manifest, actor, stored)
    CaseLink.objects.get_or_create(peer=peer, case=moved, defaults={"role": LinkRole.SENT})
    _note(moved, actor, dispatch.from_unit, "exchange_sent", package, peer)
    audit_record(
        user=actor,
        action="exchange_exported",
        obj=moved,
        detail=_audit_detail(package, peer, moved, personal=bool(doc["petitioners"])),
        request=request,
        via=via,
    )
    return package


def _save_out(peer, kind, case, data, manifest, actor, stored, remote_number="") -> ExchangePackage:
    package = ExchangePackage(
        package_id=uuid.UUID(manifest["package_id"]),
        peer=peer,
        direction=Direction.OUT,
        kind=kind,
        case=case,
        remote_number=remote_number,
        manifest=manifest,
        case_status=case.status,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    package.file.save(f"{package.package_id}.zip", ContentFile(data), save=False)
    stored.append(package.file.name)
    package.save()
    return package


def _note(case, actor, unit, action, package, peer, reason=""):
    event_record(
        case=case,
        kind=EventKind.ACTION,
        actor=actor,
        unit=unit,
        reason=reason,
        data={"action": action, "package_id": str(package.package_id), "peer": peer.name},
    )


def _audit_detail(package, peer, case, *, personal: bool) -> dict:
    return {
        "number": case.number,
        "package_id": str(package.package_id),
        "kind": package.kind,
        "peer": peer.name,
        "sha256": package.sha256,
        "personal_data": personal,  # the petitioner's identity left this system inside the package
    }


# --- Export: the result back to the peer that sent the case -------------------------------------


def may_send_result(user, case: Case) -> bool:
    """A dispatcher or head of a 信访部门 that sees the case (and so may know the petitioner)."""
    if not can_see_identity(user, case):
        return False
    linked = set(case.unit_links.values_list("unit__path", flat=True))
    for seat in seats_of(user):
        if not (seat.unit.is_bureau and seat.roles & RESULT_ROLES):
            continue
        if any(path.startswith(seat.unit.path) for path in linked):
            return True
    return False


def case_export_result(*, case: Case, actor, request=None, via="web") -> ExchangePackage:
    """办理结果: send the outcome of a case received from a peer back to it (no personal data).

    Sending twice returns the package already made for the same outcome (nothing new is written).
    """
    link = (
        CaseLink.objects.select_related("peer", "peer__local_unit")
        .filter(case=case, role=LinkRole.RECEIVED)
        .first()
    )
    if link is None:
        raise PackageRejected(
            _("本件不是从其他系统交转来的，无需回传办理结果。"), code="not_received", status=409
        )
    if not may_send_result(actor, case):
        raise PermissionDenied(_("只有信访部门的办信员或负责人可以回传办理结果。"))
    peer = link.peer
    if not peer.is_active:
        raise PermissionDenied(_("对端系统“%(name)s”已停用。") % {"name": peer.name})
    outcome = result_outcome(case, peer.local_unit_id)
    if not outcome:
        raise PackageRejected(
            _("本件尚无可回传的办理结果（须意见书已送达，或已告知、不予受理、调解结案、退回）。"),
            code="no_result",
            status=409,
        )
    earlier = case.exchange_packages.filter(
        direction=Direction.OUT, kind=PackageKind.RESULT, case_status=case.status
    ).first()
    if earlier is not None:
        return earlier
    key, sender = _signer()
    stored: list[str] = []
    try:
        with transaction.atomic():
            return _export_result(case, link, outcome, actor, key, sender, stored, request, via)
    except Exception:
        for name in stored:
            ExchangePackage._meta.get_field("file").storage.delete(name)
        raise


# The papers that answer the petition, sent back as PDF with the result (the latest of each kind).
RESULT_PAPERS = (
    "opinion",
    "service_receipt",
    "completion_report",
    "inform_notice",
    "not_accept_notice",
    "no_longer_notice",
)


def _result_papers(case: Case) -> tuple[list[tuple[str, bytes]], list[dict]]:
    from xinfang.documents.services import document_pdf_ensure

    latest = {d.kind: d for d in case.documents.filter(kind__in=RESULT_PAPERS).order_by("id")}
    entries, listing = [], []
    for index, document in enumerate(latest.values(), start=1):
        document = document_pdf_ensure(document)
        data = _stored_bytes(document.pdf)
        entry = attachment_entry(index, "application/pdf")
        entries.append((entry, data))
        listing.append(
            {
                "entry": entry,
                "name": f"{document.masked_title}（{document.number}）.pdf"[:200],
                "content_type": "application/pdf",
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "kind": document.kind,
                "number": document.number,
            }
        )
    return entries, listing


def _export_result(case, link, outcome, actor, key, sender, stored, request, via):
    peer = link.peer
    case = Case.objects.select_related("registering_unit", "handling_unit").get(pk=case.pk)
    doc = result_doc(case, outcome=outcome, origin_number=link.remote_number)
    entries, doc["attachments"] = _result_papers(case)
    data, manifest = package_build(
        key=key, sender=sender, recipient=peer.deployment_id, kind="result", case_doc=doc, attachments=entries
    )
    package = _save_out(peer, PackageKind.RESULT, case, data, manifest, actor, stored, link.remote_number)
    _note(case, actor, None, "exchange_result_sent", package, peer)
    audit_record(
        user=actor,
        action="exchange_exported",
        obj=case,
        detail=_audit_detail(package, peer, case, personal=bool(entries)),  # the papers name the petitioner
        request=request,
        via=via,
    )
    return package


def package_bytes(package: ExchangePackage) -> bytes:
    return _stored_bytes(package.file)


def package_limits() -> dict:
    mb = 1024 * 1024
    return {
        "max_bytes": settings.EXCHANGE_MAX_PACKAGE_MB * mb,
        "max_file": settings.ATTACHMENT_MAX_MB * mb,
        "max_entries": 3 + MAX_ATTACHMENTS,
    }


MAX_ATTACHMENTS = 99  # entry names carry two digits
