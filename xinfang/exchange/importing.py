"""Packages coming in: verify everything first, then write through the case services.

1. open the zip defensively and parse the manifest (package.py);
2. find the sender among the active peers; the package must be addressed to this deployment;
3. check the Ed25519 signature over the manifest bytes and the SHA-256 of every file;
4. check case.json and the attachments (type by content, size) — still nothing written;
5. in one transaction, with the peer's row locked so that two imports of one package queue up:
   the same package id seen before → the same case ("已导入"); else register + 转送/交办 (transfer)
   or record the result on the original case (result); keep the package and the link; audit.
"""

import datetime
import hashlib
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases import steps
from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.choices import (
    DispatchKind,
    EventKind,
    OpinionOutcome,
    OpinionStage,
    RecordStatus,
    ServiceMethod,
)
from xinfang.cases.models import Case, CompletionReport, Dispatch, Opinion, Service
from xinfang.cases.services import case_transition, deadline_meet, event_record, lock_case
from xinfang.common.services import audit_record
from xinfang.common.validators import check_upload
from xinfang.exchange import keys
from xinfang.exchange.documents import REFUSALS
from xinfang.exchange.models import CaseLink, Direction, ExchangePackage, LinkRole, PackageKind, Peer
from xinfang.exchange.package import OpenedPackage, PackageRejected, package_open, package_verify
from xinfang.exchange.services import package_limits
from xinfang.intake.services import ComplainedInput, PetitionerInput, attachment_store, case_register
from xinfang.orgs.models import Unit, UnitKind


@dataclass
class ImportOutcome:
    package: ExchangePackage
    case: Case
    created: bool  # False: this package had been imported before (已导入)

    @property
    def message(self) -> str:
        if not self.created:
            return _("该数据包已导入过（已导入），对应信访件%(number)s，未重复登记。") % {
                "number": self.case.number
            }
        if self.package.kind == PackageKind.TRANSFER:
            return _("已导入：登记为信访件%(number)s，并交转至%(unit)s。") % {
                "number": self.case.number,
                "unit": self.case.owner_unit.name,
            }
        return _("已导入办理结果：信访件%(number)s当前状态为“%(status)s”。") % {
            "number": self.case.number,
            "status": self.case.get_status_display(),
        }


def package_import(*, data: bytes, actor, request=None, via="web") -> ImportOutcome:
    opened = package_open(data, **package_limits())
    peer = _sender(opened)
    package_verify(opened, keys.public_key_parse(peer.public_key))
    doc = opened.case_doc
    files = _checked_attachments(opened, doc)
    stored: list[str] = []
    try:
        with transaction.atomic():
            outcome = _import_locked(opened, peer, doc, files, data, actor, stored)
            if outcome.created:
                audit_record(
                    user=actor,
                    action="exchange_imported",
                    obj=outcome.case,
                    detail={
                        "number": outcome.case.number,
                        "package_id": str(outcome.package.package_id),
                        "kind": outcome.package.kind,
                        "peer": peer.name,
                        "remote_number": opened.manifest["case_number"],
                        "sha256": outcome.package.sha256,
                        "personal_data": bool(doc.get("petitioners")),
                    },
                    request=request,
                    via=via,
                )
            return outcome
    except Exception:
        for name in stored:
            ExchangePackage._meta.get_field("file").storage.delete(name)
        raise


def _sender(opened: OpenedPackage) -> Peer:
    manifest = opened.manifest
    peer = (
        Peer.objects.select_related("local_unit", "receiving_unit", "service_user")
        .filter(deployment_id=manifest["sender"], is_active=True)
        .first()
    )
    if peer is None:
        raise PackageRejected(
            _("发送方“%(sender)s”不是本系统登记的对端系统（或已停用），数据包已拒收。")
            % {"sender": manifest["sender"][:64]},
            code="unknown_peer",
            status=403,
        )
    try:
        ours = keys.deployment_id()
    except keys.NotConfigured as exc:
        raise PackageRejected(str(exc), code="not_configured", status=503) from exc
    if manifest["recipient"] != ours:
        raise PackageRejected(
            _("该数据包是发给“%(to)s”的，不是发给本系统（%(ours)s）的。")
            % {"to": manifest["recipient"][:64], "ours": ours},
            code="wrong_recipient",
        )
    return peer


def _checked_attachments(opened: OpenedPackage, doc: dict) -> list[tuple[SimpleUploadedFile, object]]:
    """Every attachment listed in case.json, type-checked by content like any upload (check_upload)."""
    listing = doc.get("attachments") or []
    if not isinstance(listing, list):
        raise PackageRejected(_("case.json 的附件清单格式不正确。"), code="bad_case")
    checked = []
    for item in listing:
        entry = item.get("entry") if isinstance(item, dict) else None
        if entry not in opened.files:
            raise PackageRejected(_("case.json 列出的附件不在数据包中。"), code="bad_case")
        upload = SimpleUploadedFile(str(item.get("name") or entry)[:200], opened.files[entry])
        try:
            checked.append((upload, check_upload(upload)))
        except ValidationError as exc:
            raise PackageRejected(exc.messages[0], code="bad_attachment") from exc
    return checked


def _import_locked(opened, peer, doc, files, data, actor, stored) -> ImportOutcome:
    Peer.objects.select_for_update().get(pk=peer.pk)  # imports from one peer queue up here
    package_id = uuid.UUID(opened.manifest["package_id"])
    earlier = (
        ExchangePackage.objects.select_related("case", "case__owner_unit")
        .filter(package_id=package_id, direction=Direction.IN)
        .first()
    )
    if earlier is not None:
        if earlier.peer_id != peer.pk:
            raise PackageRejected(_("数据包编号与已有数据包冲突，已拒收。"), code="id_conflict", status=409)
        return ImportOutcome(package=earlier, case=earlier.case, created=False)
    try:
        if opened.manifest["kind"] == PackageKind.TRANSFER:
            case = _import_transfer(peer, doc, files, package_id, stored)
        else:
            case = _import_result(peer, doc)
            _store_files(case, peer, files, stored)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise PackageRejected(_("case.json 缺少必填项或取值不正确。"), code="bad_case") from exc
    except DataError as exc:  # a text longer than our column (the peer runs other limits)
        raise PackageRejected(
            _("case.json 中有超长或不合规的内容，本系统无法保存。"), code="bad_case", status=422
        ) from exc
    package = ExchangePackage(
        package_id=package_id,
        peer=peer,
        direction=Direction.IN,
        kind=opened.manifest["kind"],
        case=case,
        remote_number=opened.manifest["case_number"],
        case_status=doc.get("status", ""),
        manifest=opened.manifest,
        size=len(data),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    package.sha256 = hashlib.sha256(data).hexdigest()
    package.file.save(f"{package_id}.zip", ContentFile(data), save=False)
    stored.append(package.file.name)
    package.save()
    event_record(
        case=case,
        kind=EventKind.ACTION,
        actor=peer.service_user,
        unit=peer.local_unit,
        data={
            "action": "exchange_received",
            "package_id": str(package_id),
            "peer": peer.name,
            "remote_number": opened.manifest["case_number"],
            "imported_by": actor.get_username() if actor is not None and actor.is_authenticated else "",
        },
    )
    case.refresh_from_db()
    return ImportOutcome(package=package, case=case, created=True)


# --- 转送/交办 from the peer ---------------------------------------------------------------------


def _registration_errors(exc: ValidationError) -> PackageRejected:
    messages = []
    for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]:
        messages.extend(f"{field}：{m}" if field else m for m in errors)
    return PackageRejected(
        _("数据包中的信访件信息不符合本系统登记要求：%(errors)s") % {"errors": "；".join(messages)},
        code="invalid_case",
        status=422,
    )


def _target_unit(peer: Peer, doc: dict) -> Unit:
    """The sender addressed a body by its region code: that region's only 信访部门, else the default."""
    region = ((doc.get("dispatch") or {}).get("to_unit") or {}).get("region_code")
    if region:
        bureaus = list(
            Unit.objects.filter(kind=UnitKind.PETITION_BUREAU, is_active=True, region_id=region).exclude(
                pk=peer.local_unit_id
            )[:2]
        )
        if len(bureaus) == 1:
            return bureaus[0]
    if peer.receiving_unit_id and peer.receiving_unit.is_active:
        return peer.receiving_unit
    raise PackageRejected(
        _("找不到接收单位：本系统没有该区划的信访部门，也未给对端系统设默认接收单位。"),
        code="no_unit",
        status=422,
    )


def _date(value) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _people(doc: dict) -> list[PetitionerInput]:
    return [
        PetitionerInput(
            name=p["name"],
            gender=p.get("gender", ""),
            id_type_code=p.get("id_type") or "resident",
            id_number=p.get("id_number", ""),
            phone=p.get("phone", ""),
            address=p.get("address", ""),
            region_code=p.get("region_code") or None,
            is_primary=bool(p.get("is_primary")),
            is_representative=bool(p.get("is_representative")),
        )
        for p in doc.get("petitioners") or []
    ]


def _category_id(doc: dict) -> int | None:
    from xinfang.reference.models import Category

    code = (doc.get("category") or {}).get("code")
    if not code:
        return None
    found = Category.objects.filter(code=code, version__is_current=True, is_active=True).first()
    return found.pk if found else None  # a taxonomy the receiver lacks: left for its staff to set


# Texts our columns bound (SQLite would store longer ones, PostgreSQL refuses them): checked first so
# that both databases answer the same.
TEXT_LIMITS = {
    "addressee": (Case, "addressee"),
    "issue_address": (Case, "issue_address"),
}
PERSON_LIMITS = {"name": "name", "address": "address", "id_number": "id_number", "phone": "phone"}
PARTY_LIMITS = {"name": "name", "position": "position", "organisation": "organisation"}


def _too_long(model, field: str, value) -> bool:
    return isinstance(value, str) and len(value) > model._meta.get_field(field).max_length


def _check_lengths(doc: dict) -> None:
    from xinfang.cases.models import ComplainedParty, Petitioner

    problems = [key for key, (model, field) in TEXT_LIMITS.items() if _too_long(model, field, doc.get(key))]
    for person in doc.get("petitioners") or []:
        problems += [
            f"petitioners.{k}" for k, f in PERSON_LIMITS.items() if _too_long(Petitioner, f, person.get(k))
        ]
    for party in doc.get("complained") or []:
        problems += [
            f"complained.{k}" for k, f in PARTY_LIMITS.items() if _too_long(ComplainedParty, f, party.get(k))
        ]
    if problems:
        raise PackageRejected(
            _("case.json 中以下内容超过本系统的长度限制：%(fields)s")
            % {"fields": "、".join(sorted(set(problems)))},
            code="too_long",
            status=422,
        )


def _import_transfer(peer: Peer, doc: dict, files, package_id, stored) -> Case:
    robot, stand_in = peer.service_user, peer.local_unit
    _check_lengths(doc)
    target = _target_unit(peer, doc)
    flags = doc.get("flags") or {}
    try:
        case = case_register(
            actor=robot,
            unit=stand_in,
            channel_code=doc["channel"]["code"],
            purpose_code=doc["purpose"]["code"],
            category_id=_category_id(doc),
            title=doc["title"],
            content=doc["content"],
            demands=doc.get("demands", ""),
            addressee=doc.get("addressee", ""),
            issue_region_code=(doc.get("issue_region") or {}).get("code") or None,
            issue_address=doc.get("issue_address", ""),
            received_on=_date(doc["received_on"]),
            petitioners=_people(doc),
            headcount=int(doc.get("headcount") or 1),
            is_anonymous=bool(flags.get("is_anonymous")),
            is_urgent=bool(flags.get("is_urgent")),
            is_skip_level=bool(flags.get("is_skip_level")),
            is_litigation=bool(flags.get("is_litigation")),
            complained=[ComplainedInput(**c) for c in doc.get("complained") or []],
            submission_key=f"exchange-{package_id}",
        )
    except ValidationError as exc:
        raise _registration_errors(exc) from exc
    except PermissionDenied as exc:  # the stand-in unit was deactivated, or its seats removed
        raise PackageRejected(
            _("代表对端系统的单位“%(unit)s”不能登记信访件（已停用或无登记权限），请系统管理员检查对端设置。")
            % {"unit": stand_in.name},
            code="peer_unit",
            status=422,
        ) from exc
    _store_files(case, peer, files, stored)
    CaseLink.objects.create(
        peer=peer,
        case=case,
        role=LinkRole.RECEIVED,
        remote_number=doc["number"],
        remote_query_code=str(doc.get("query_code", ""))[:20],
    )
    return _pass_on(case, peer, doc, target)


def _store_files(case: Case, peer: Peer, files, stored: list[str]) -> None:
    """The package's attachments (a transfer's scans, a result's papers as PDF) on the local case."""
    for upload, checked in files:
        attachment_store(case=case, upload=upload, checked=checked, actor=peer.service_user, stored=stored)
    if files:
        event_record(
            case=case,
            kind=EventKind.ATTACHMENT_ADDED,
            actor=peer.service_user,
            unit=peer.local_unit,
            data={"count": len(files), "names": [checked.name for _upload, checked in files]},
        )


def _pass_on(case: Case, peer: Peer, doc: dict, target: Unit) -> Case:
    """The peer's 转送 or 交办, done here by its stand-in through the same step services and guard."""
    dispatch = doc.get("dispatch") or {}
    note = _("%(peer)s系统%(kind)s，原编号%(number)s。%(note)s") % {
        "peer": peer.name,
        "kind": DispatchKind(dispatch.get("kind", "transfer")).label,
        "number": doc["number"],
        "note": dispatch.get("note", ""),
    }
    try:
        if dispatch.get("kind") == DispatchKind.ASSIGN:
            return steps.case_assign(
                case=case,
                actor=peer.service_user,
                to_unit=target,
                due_on=_date(dispatch["due_on"]),
                note=note,
            )
        return steps.case_transfer(case=case, actor=peer.service_user, to_unit=target, note=note)
    except (ValidationError, PermissionDenied) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        raise PackageRejected(
            _("无法在本系统完成交转：%(m)s") % {"m": message}, code="cannot_dispatch", status=422
        ) from exc


# --- 办理结果 back from the peer -----------------------------------------------------------------


def _import_result(peer: Peer, doc: dict) -> Case:
    link = (
        CaseLink.objects.select_related("case")
        .filter(peer=peer, role=LinkRole.SENT, case__number=doc["origin_number"])
        .first()
    )
    if link is None:
        raise PackageRejected(
            _("本系统没有发给该对端的信访件%(number)s，无法登记办理结果。")
            % {"number": str(doc["origin_number"])[:40]},
            code="no_case",
            status=404,
        )
    case = lock_case(link.case)
    if case.status != S.PENDING_SIGN or case.owner_unit_id != peer.local_unit_id:
        raise PackageRejected(
            _("信访件%(number)s当前状态为“%(status)s”，不能再登记对端的办理结果。")
            % {"number": case.number, "status": case.get_status_display()},
            code="conflict",
            status=409,
        )
    CaseLink.objects.filter(pk=link.pk).update(remote_number=str(doc["number"])[:40])
    return ResultMirror(case=case, peer=peer, doc=doc).run()


class ResultMirror:
    """Record the peer's outcome on our case by the steps of the transition table (docs/exchange.md).

    The peer's stand-in unit held the case (待签收) since we sent it; the other system's acts are
    recorded in order as that unit's, each an ordinary transition with its event: 签收 → 受理 (办理中)
    → 意见书 → 送达 (已办结, or 已送达 and the 办结报告 for our review when we 交办'd it). A refusal
    (告知, 导入法定程序, 不予/不再受理), a settlement or a 退回 takes the table's own way there.
    No status is invented; papers are not re-issued (they were issued by the other system).
    """

    def __init__(self, *, case: Case, peer: Peer, doc: dict) -> None:
        self.case, self.peer, self.doc = case, peer, doc
        self.robot, self.unit = peer.service_user, peer.local_unit
        self.reason = _("据%(peer)s系统回传的办理结果（对端编号%(number)s）") % {
            "peer": peer.name,
            "number": doc["number"],
        }

    def step(self, to_status: str, *, new_owner=None, reason: str = "", **data) -> None:
        self.case = case_transition(
            case=self.case,
            to_status=to_status,
            actor=self.robot,
            unit=self.unit,
            reason=reason or self.reason,
            changes={"action": "exchange_result", **data},
            new_owner=new_owner,
        )

    def run(self) -> Case:
        outcome = self.doc["outcome"]
        dispatch = (
            self.case.dispatches.filter(to_unit=self.unit, returned_at__isnull=True).order_by("-id").first()
        )
        if outcome == "returned":
            return self._returned(dispatch)
        Dispatch.objects.filter(pk=dispatch.pk).update(signed_at=timezone.now())
        self.step(S.SIGNED)
        deadline_meet(case=self.case, step=steps.DISPOSAL_CLOCKS, actor=self.robot, unit=self.unit)
        if outcome == "refused":
            status = self.doc["status"]
            if status not in REFUSALS:
                raise PackageRejected(_("办理结果的状态不正确。"), code="bad_case")
            self.step(status, reason=self.doc.get("reason") or self.reason)
            return self.case
        accepted_on = _date(self.doc.get("accepted_on")) or timezone.localdate()
        Case.objects.filter(pk=self.case.pk).update(accepted_on=accepted_on, handling_unit=self.unit)
        self.step(S.HANDLING, accepted_on=accepted_on.isoformat())
        if outcome == "settled":
            self.step(S.SETTLED, reason=self.doc.get("reason") or self.reason)
            return self.case
        if outcome != "answered" or not self.doc.get("opinion"):
            raise PackageRejected(_("办理结果缺少意见书。"), code="bad_case")
        return self._answered()

    def _returned(self, dispatch) -> Case:
        reason = self.doc.get("reason") or self.reason
        Dispatch.objects.filter(pk=dispatch.pk).update(returned_at=timezone.now(), return_reason=reason)
        deadline_meet(case=self.case, step=steps.DISPOSAL_CLOCKS, actor=self.robot, unit=self.unit)
        if dispatch.kind == DispatchKind.ASSIGN:
            Case.objects.filter(pk=self.case.pk).update(assigning_unit=None)
        self.step(S.RETURNED, new_owner=dispatch.from_unit, reason=reason)
        return self.case

    def _answered(self) -> Case:
        given = self.doc["opinion"]
        served_on = _date(given["served_on"])
        outcome = OpinionOutcome(given["outcome"])
        opinion = Opinion.objects.create(
            case=self.case,
            stage=OpinionStage.HANDLE,
            unit=self.unit,
            outcome=outcome,
            facts=given.get("facts", ""),
            basis=given.get("basis", ""),
            text=given.get("text", ""),
            drafted_by=self.robot,
            status=RecordStatus.APPROVED,
            decided_by=self.robot,
            decided_at=timezone.now(),
            decision_note=_("对端系统%(unit)s签发") % {"unit": given.get("unit", "")},
            served_on=served_on,
        )
        self.step(S.OPINION_ISSUED, outcome=outcome.value)
        service = self.doc.get("service") or {}
        Service.objects.create(
            case=self.case,
            opinion=opinion,
            method=ServiceMethod(service.get("method") or ServiceMethod.ELECTRONIC),
            served_on=served_on,
            served_by=self.robot,
            recipient_signed=not service.get("refused", False),
            refused=bool(service.get("refused", False)),
            petitioner_opinion=service.get("petitioner_opinion", ""),
        )
        Case.objects.filter(pk=self.case.pk).update(served_on=served_on, version=F("version") + 1)
        self.case.refresh_from_db()
        assigned_by = self.case.assigning_unit
        self.step(S.SERVED if assigned_by else S.CLOSED, served_on=served_on.isoformat())
        report = self.doc.get("report")
        if assigned_by and report:
            CompletionReport.objects.create(
                case=self.case,
                unit=self.unit,
                to_unit=assigned_by,
                text=report.get("text", ""),
                contact=report.get("contact", ""),
                submitted_by=self.robot,
            )
            self.step(S.REPORTED, new_owner=assigned_by)
        return self.case
