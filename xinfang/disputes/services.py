"""All writes to the 排查调处 ledger: register, edit, measures, status steps, 上报 and 签收, case links.

Every write checks the actor through `workflow.action_begin` (row lock + the action table), validates
with Chinese messages collected per field, and writes an immutable `DisputeEvent` in the same
transaction (style.md §2, §4, §5).
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.validators import normalize_phone
from xinfang.disputes.access import writable_units
from xinfang.disputes.choices import CLOSED_STATUSES, EventKind, PartyKind, RiskLevel
from xinfang.disputes.choices import DisputeStatus as S
from xinfang.disputes.models import (
    Dispute,
    DisputeCase,
    DisputeEvent,
    DisputeMeasure,
    DisputeNumberSeq,
    DisputeParty,
)
from xinfang.disputes.notify import notify_high_risk, notify_reported
from xinfang.disputes.workflow import DisputeRefused, action_begin, check_transition
from xinfang.orgs.models import Membership, Region, Unit
from xinfang.reference.models import Category

MAX_PARTIES = 50
TEXT_MAX = 4000


@dataclass
class PartyInput:
    name: str
    kind: str = PartyKind.PERSON
    contact: str = ""


@dataclass
class DisputeInput:
    """What a unit writes on its ledger; ids and codes are checked by the service, not trusted."""

    title: str = ""
    description: str = ""
    risk_level: str = ""
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    found_on: datetime.date | None = None
    due_on: datetime.date | None = None
    responsible_id: int | None = None
    leader_id: int | None = None
    batch: str = ""
    category_id: int | None = None
    region_code: str = ""
    address: str = ""


@dataclass
class Errors:
    """Collects field errors so that the user sees every problem at once."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


# --- Validation ---------------------------------------------------------------------------------


def _clean_text(data: DisputeInput, errors: Errors) -> None:
    data.title = (data.title or "").strip()
    data.description = (data.description or "").strip()
    data.batch = (data.batch or "").strip()
    data.address = (data.address or "").strip()
    if not data.title:
        errors.add("title", _("请填写矛盾纠纷名称。"))
    elif len(data.title) > 200:
        errors.add("title", _("矛盾纠纷名称不能超过200个字。"))
    if not data.description:
        errors.add("description", _("请填写矛盾纠纷的基本情况。"))
    elif len(data.description) > TEXT_MAX:
        errors.add("description", _("基本情况不能超过4000个字。"))
    if len(data.batch) > 60:
        errors.add("batch", _("排查批次不能超过60个字。"))
    if len(data.address) > 200:
        errors.add("address", _("发生地不能超过200个字。"))
    if data.risk_level not in RiskLevel.values:
        errors.add("risk_level", _("风险等级应为高、中、低之一。"))


def _is_date(value) -> bool:
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


def _clean_dates(data: DisputeInput, errors: Errors) -> None:
    """The screening period, the screening date and the deadline (化解期限) must be in order."""
    required = {
        "period_start": _("请填写排查期间的开始日期。"),
        "period_end": _("请填写排查期间的结束日期。"),
        "found_on": _("请填写排查日期。"),
        "due_on": _("请填写化解期限。"),
    }
    for name, message in required.items():
        if not _is_date(getattr(data, name)):
            errors.add(name, message)
    start, end, found, due = data.period_start, data.period_end, data.found_on, data.due_on
    if _is_date(start) and _is_date(end) and end < start:
        errors.add("period_end", _("排查期间的结束日期不能早于开始日期。"))
    if _is_date(found):
        if found > timezone.localdate():
            errors.add("found_on", _("排查日期不能晚于今天。"))
        if _is_date(start) and found < start:
            errors.add("found_on", _("排查日期不能早于排查期间的开始日期。"))
    if _is_date(found) and _is_date(due) and due < found:
        errors.add("due_on", _("化解期限不能早于排查日期。"))


def _clean_people(data: DisputeInput, unit: Unit, errors: Errors) -> None:
    """责任人 is someone of the unit; 包案领导 someone of the unit or of a unit above it."""
    if data.responsible_id is None:
        errors.add("responsible", _("请选择责任人。"))
    elif not Membership.objects.filter(user_id=data.responsible_id, unit=unit, user__is_active=True).exists():
        errors.add("responsible", _("责任人应为本单位的工作人员。"))
    if data.leader_id is not None:
        ancestors = [int(pk) for pk in unit.path.strip("/").split("/") if pk]
        if not Membership.objects.filter(
            user_id=data.leader_id, unit_id__in=ancestors, user__is_active=True
        ).exists():
            errors.add("leader", _("包案领导应为本单位或上级单位的人员。"))
    elif data.risk_level == RiskLevel.HIGH:
        errors.add("leader", _("高风险矛盾纠纷须明确包案领导（“三定一包”）。"))


def _clean_refs(data: DisputeInput, errors: Errors) -> None:
    if (
        data.category_id is not None
        and not Category.objects.filter(
            pk=data.category_id, version__is_current=True, is_active=True
        ).exists()
    ):
        errors.add("category", _("类别无效。"))
    data.region_code = (data.region_code or "").strip()
    if data.region_code and not Region.objects.filter(code=data.region_code).exists():
        errors.add("region", _("发生地区划代码不存在。"))


def _clean_parties(parties: Sequence[PartyInput], errors: Errors) -> list[PartyInput]:
    cleaned = []
    for index, party in enumerate(parties):
        prefix = f"parties.{index}"
        name = (party.name or "").strip()
        if not name:
            errors.add(f"{prefix}.name", _("请填写当事人的姓名或名称。"))
        elif len(name) > 80:
            errors.add(f"{prefix}.name", _("当事人姓名或名称不能超过80个字。"))
        if party.kind not in PartyKind.values:
            errors.add(f"{prefix}.kind", _("当事人类型应为个人或单位。"))
        try:
            contact = normalize_phone(party.contact or "")
        except ValidationError as exc:
            errors.add(f"{prefix}.contact", exc.messages[0])
            contact = ""
        cleaned.append(PartyInput(name=name, kind=party.kind, contact=contact))
    if not cleaned:
        errors.add("parties", _("请至少填写一名当事人。"))
    elif len(cleaned) > MAX_PARTIES:
        errors.add("parties", _("当事人最多%(n)s个。") % {"n": MAX_PARTIES})
    return cleaned


def default_batch(start: datetime.date, end: datetime.date) -> str:
    """“2026年11月” for a one-month screening, else the date range."""
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.year}年{start.month}月"
    return f"{start:%Y-%m-%d}至{end:%Y-%m-%d}"


def dispute_clean(data: DisputeInput, unit: Unit, parties: Sequence[PartyInput]) -> tuple[dict, list]:
    """Validate everything and return the model fields and cleaned parties, or raise ValidationError."""
    errors = Errors()
    _clean_text(data, errors)
    _clean_dates(data, errors)
    _clean_people(data, unit, errors)
    _clean_refs(data, errors)
    people = _clean_parties(parties, errors)
    errors.raise_if_any()
    fields = {
        "title": data.title,
        "description": data.description,
        "risk_level": data.risk_level,
        "period_start": data.period_start,
        "period_end": data.period_end,
        "found_on": data.found_on,
        "due_on": data.due_on,
        "batch": data.batch or default_batch(data.period_start, data.period_end),
        "responsible_id": data.responsible_id,
        "leader_id": data.leader_id,
        "category_id": data.category_id,
        "region_id": data.region_code or None,
        "address": data.address,
    }
    return fields, people


# --- Register and edit --------------------------------------------------------------------------


def next_dispute_number(unit: Unit, year: int) -> str:
    """PC + region code + year + 5-digit serial, gap-free (bumped under a row lock, like case numbers)."""
    prefix = f"PC{unit.region_id[:6]}{year}"
    DisputeNumberSeq.objects.bulk_create([DisputeNumberSeq(prefix=prefix, last=0)], ignore_conflicts=True)
    seq = DisputeNumberSeq.objects.select_for_update().get(prefix=prefix)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{prefix}{seq.last:05d}"


def event_record(
    *, dispute: Dispute, kind: str, actor=None, unit=None, from_status="", to_status="", note="", data=None
):
    return DisputeEvent.objects.create(
        dispute=dispute,
        kind=kind,
        actor=actor,
        unit=unit,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )


def _save_parties(dispute: Dispute, people: Sequence[PartyInput]) -> None:
    DisputeParty.objects.bulk_create(
        [DisputeParty(dispute=dispute, kind=p.kind, name=p.name, contact=p.contact) for p in people]
    )


def dispute_create(*, actor, unit: Unit, data: DisputeInput, parties: Sequence[PartyInput]) -> Dispute:
    """Register a dispute found in screening (排查登记).

    1. the actor keeps this unit's ledger; 2. validate everything; 3. in one transaction: number,
    dispute, parties, the `created` event and — for a high-risk item — the supervisors' notice.
    """
    if unit.pk not in {u.pk for u in writable_units(actor)}:
        raise DisputeRefused(_("您无权在该单位的排查调处台账中登记。"))
    fields, people = dispute_clean(data, unit, parties)
    with transaction.atomic():
        dispute = Dispute.objects.create(
            number=next_dispute_number(unit, timezone.localdate().year), unit=unit, created_by=actor, **fields
        )
        _save_parties(dispute, people)
        event_record(
            dispute=dispute,
            kind=EventKind.CREATED,
            actor=actor,
            unit=unit,
            to_status=dispute.status,
            data={"number": dispute.number, "risk_level": dispute.risk_level, "due_on": str(dispute.due_on)},
        )
        if dispute.risk_level == RiskLevel.HIGH:
            notify_high_risk(dispute)
    return dispute


TRACKED_FIELDS = (
    "title",
    "description",
    "risk_level",
    "period_start",
    "period_end",
    "found_on",
    "due_on",
    "batch",
    "responsible_id",
    "leader_id",
    "category_id",
    "region_id",
    "address",
)


def _party_tuples(people) -> list[tuple[str, str, str]]:
    return [(p.kind, p.name, p.contact) for p in people]


def dispute_update(
    *, dispute: Dispute, actor, data: DisputeInput, parties: Sequence[PartyInput], expected_version=None
) -> Dispute:
    """Edit an item that has not been reported yet; records old and new values (not the parties' data)."""
    with transaction.atomic():
        locked, unit = action_begin(
            dispute=dispute, actor=actor, code="edit", expected_version=expected_version
        )
        fields, people = dispute_clean(data, locked.unit, parties)
        changes = {
            name: {"old": str(getattr(locked, name)), "new": str(fields[name])}
            for name in TRACKED_FIELDS
            if getattr(locked, name) != fields[name]
        }
        parties_changed = _party_tuples(locked.parties.all()) != _party_tuples(people)
        if not changes and not parties_changed:
            return locked
        for name, value in fields.items():
            setattr(locked, name, value)
        update = [*fields]
        if "due_on" in changes and locked.due_on >= timezone.localdate():
            locked.overdue_notified_at = None  # a new deadline: its passing is news again
            update.append("overdue_notified_at")
        locked.version = F("version") + 1
        locked.save(update_fields=[*update, "version", "updated_at"])
        if parties_changed:
            locked.parties.all().delete()
            _save_parties(locked, people)
        event_record(
            dispute=locked,
            kind=EventKind.UPDATED,
            actor=actor,
            unit=unit,
            data={"changes": changes, "parties_changed": parties_changed},
        )
        if locked.risk_level == RiskLevel.HIGH:
            notify_high_risk(locked)
    locked.refresh_from_db()
    return locked


# --- Measures ------------------------------------------------------------------------------------


def dispute_measure_add(
    *, dispute: Dispute, actor, taken_on, text: str, expected_version=None
) -> DisputeMeasure:
    """Append one dated entry to the running log of measures (allowed after 上报 too)."""
    with transaction.atomic():
        locked, unit = action_begin(dispute=dispute, actor=actor, code="measure")
        errors = Errors()
        text = (text or "").strip()
        if not text:
            errors.add("text", _("请填写采取的化解措施。"))
        elif len(text) > TEXT_MAX:
            errors.add("text", _("化解措施不能超过4000个字。"))
        if not _is_date(taken_on):
            errors.add("taken_on", _("请填写措施日期。"))
        elif taken_on > timezone.localdate():
            errors.add("taken_on", _("措施日期不能晚于今天。"))
        elif taken_on < locked.period_start:
            errors.add("taken_on", _("措施日期不能早于排查期间的开始日期。"))
        errors.raise_if_any()
        measure = DisputeMeasure.objects.create(
            dispute=locked, taken_on=taken_on, text=text, unit=unit, recorded_by=actor
        )
        event_record(
            dispute=locked, kind=EventKind.MEASURE, actor=actor, unit=unit, data={"taken_on": str(taken_on)}
        )
    return measure


# --- Status steps ----------------------------------------------------------------------------------


def _move(locked: Dispute, *, to_status: str, actor, unit: Unit, note: str = "", data=None) -> Dispute:
    """Change the status through the one guard and record it."""
    check_transition(locked.status, to_status)
    from_status = locked.status
    locked.status = to_status
    locked.is_open = to_status not in CLOSED_STATUSES
    locked.closed_at = None if locked.is_open else timezone.now()
    locked.version = F("version") + 1
    locked.save(update_fields=["status", "is_open", "closed_at", "outcome", "version", "updated_at"])
    event_record(
        dispute=locked,
        kind=EventKind.TRANSITION,
        actor=actor,
        unit=unit,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )
    locked.refresh_from_db()
    return locked


def _required_text(value: str, key: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({key: [message]})
    if len(value) > TEXT_MAX:
        raise ValidationError({key: [_("内容不能超过4000个字。")]})
    return value


@transaction.atomic
def dispute_mediate(*, dispute: Dispute, actor, note: str = "", expected_version=None) -> Dispute:
    locked, unit = action_begin(
        dispute=dispute, actor=actor, code="mediate", expected_version=expected_version
    )
    return _move(locked, to_status=S.MEDIATING, actor=actor, unit=unit, note=(note or "").strip())


@transaction.atomic
def dispute_resolve(*, dispute: Dispute, actor, outcome: str, expected_version=None) -> Dispute:
    """已化解: the outcome is required (the ledger's 化解结果 column)."""
    locked, unit = action_begin(
        dispute=dispute, actor=actor, code="resolve", expected_version=expected_version
    )
    locked.outcome = _required_text(outcome, "outcome", _("请填写化解结果。"))
    return _move(locked, to_status=S.RESOLVED, actor=actor, unit=unit, note=locked.outcome)


def _mark_reported(locked: Dispute, actor, unit: Unit, note: str = "") -> None:
    locked.reported_at = timezone.now()
    locked.reported_by = actor
    locked.save(update_fields=["reported_at", "reported_by"])
    event_record(dispute=locked, kind=EventKind.REPORTED, actor=actor, unit=unit, note=note)
    notify_reported(locked)


@transaction.atomic
def dispute_escalate(*, dispute: Dispute, actor, outcome: str, expected_version=None) -> Dispute:
    """未化解上报: the head reports an item the unit cannot settle, with why and what help it needs."""
    locked, unit = action_begin(
        dispute=dispute, actor=actor, code="escalate", expected_version=expected_version
    )
    locked.outcome = _required_text(outcome, "outcome", _("请说明未化解的原因和需要上级协调解决的事项。"))
    if locked.reported_at is None:
        _mark_reported(locked, actor, unit, note=locked.outcome)
    return _move(locked, to_status=S.ESCALATED, actor=actor, unit=unit, note=locked.outcome)


@transaction.atomic
def dispute_report(*, dispute: Dispute, actor, note: str = "", expected_version=None) -> Dispute:
    """上报: the unit head submits the item to the 信访部门 above; afterwards the unit only adds
    measures and the outcome."""
    locked, unit = action_begin(
        dispute=dispute, actor=actor, code="report", expected_version=expected_version
    )
    _mark_reported(locked, actor, unit, note=(note or "").strip())
    Dispute.objects.filter(pk=locked.pk).update(version=F("version") + 1)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def dispute_acknowledge(*, dispute: Dispute, actor, note: str = "", expected_version=None) -> Dispute:
    """签收: the 信访部门 above confirms it received the report (and may say what it expects)."""
    locked, unit = action_begin(
        dispute=dispute, actor=actor, code="acknowledge", expected_version=expected_version
    )
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by = actor
    locked.acknowledged_unit = unit
    locked.acknowledged_note = (note or "").strip()
    locked.version = F("version") + 1
    locked.save(
        update_fields=[
            "acknowledged_at",
            "acknowledged_by",
            "acknowledged_unit",
            "acknowledged_note",
            "version",
        ]
    )
    event_record(
        dispute=locked, kind=EventKind.ACKNOWLEDGED, actor=actor, unit=unit, note=locked.acknowledged_note
    )
    locked.refresh_from_db()
    return locked


# --- Links to petitions ---------------------------------------------------------------------------


def _visible_case(actor, number: str):
    from xinfang.cases.access import get_case_for_user

    number = (number or "").strip()
    if not number:
        raise ValidationError({"case_number": [_("请填写信访件编号。")]})
    try:
        return get_case_for_user(actor, number=number[:24])
    except Http404 as exc:
        raise ValidationError({"case_number": [_("信访件编号不存在或无权查看。")]}) from exc


def _link(locked: Dispute, case, actor, unit: Unit, *, registered: bool) -> DisputeCase:
    if DisputeCase.objects.filter(dispute=locked, case=case).exists():
        raise ValidationError({"case_number": [_("该信访件已经关联。")]})
    link = DisputeCase.objects.create(
        dispute=locked, case=case, linked_by=actor, registered_from_dispute=registered
    )
    event_record(
        dispute=locked,
        kind=EventKind.CASE_LINKED,
        actor=actor,
        unit=unit,
        data={"case": case.number, "registered": registered},
    )
    return link


@transaction.atomic
def dispute_link_case(*, dispute: Dispute, actor, case_number: str, expected_version=None) -> Dispute:
    """关联 an existing petition the actor can see (e.g. one a party filed before the screening)."""
    locked, unit = action_begin(dispute=dispute, actor=actor, code="link", expected_version=expected_version)
    _link(locked, _visible_case(actor, case_number), actor, unit, registered=False)
    locked.refresh_from_db()
    return locked


def _register_case(locked: Dispute, actor, *, channel_code: str, purpose_code: str):
    """Register the dispute as a petition at the reporting unit, its persons as the petitioners."""
    from xinfang.intake.services import PetitionerInput, case_register, registration_units

    if locked.unit_id not in {u.pk for u in registration_units(actor)}:
        raise ValidationError(
            {"case_number": [_("您无权在本单位登记信访件，请填写已登记的信访件编号进行关联。")]}
        )
    persons = [p for p in locked.parties.all() if p.kind == PartyKind.PERSON]
    if not persons:
        raise ValidationError(
            {"case_number": [_("当事人中没有个人，无法作为信访人登记；请填写已登记的信访件编号进行关联。")]}
        )
    measures = "\n".join(f"{m.taken_on:%Y-%m-%d} {m.text}" for m in locked.measures.all())
    content = locked.description + (_("\n\n已采取的化解措施：\n") + measures if measures else "")
    return case_register(
        actor=actor,
        unit=locked.unit,
        channel_code=channel_code,
        purpose_code=purpose_code,
        title=locked.title,
        content=content,
        received_on=timezone.localdate(),
        petitioners=[PetitionerInput(name=p.name, phone=p.contact) for p in persons],
        category_id=locked.category_id,
        issue_region_code=locked.region_id,
        issue_address=locked.address,
        headcount=len(persons),
        submission_key=f"dispute:{locked.number}",
    )


@transaction.atomic
def dispute_to_petition(
    *,
    dispute: Dispute,
    actor,
    case_number: str = "",
    channel_code: str = "visit",
    purpose_code: str = "claim",
    outcome: str = "",
    expected_version=None,
) -> Dispute:
    """转入信访程序: link a petition already registered (by its number), or — when the actor may
    register at the unit — register one now through `intake.services.case_register`."""
    locked, unit = action_begin(
        dispute=dispute, actor=actor, code="to_petition", expected_version=expected_version
    )
    check_transition(locked.status, S.TO_PETITION)  # before anything is registered
    if (case_number or "").strip():
        case, registered = _visible_case(actor, case_number), False
    else:
        try:
            case = _register_case(locked, actor, channel_code=channel_code, purpose_code=purpose_code)
        except PermissionDenied as exc:
            raise ValidationError({"case_number": [str(exc)]}) from exc
        registered = True
    _link(locked, case, actor, unit, registered=registered)
    locked.outcome = (outcome or "").strip() or _("转入信访程序，信访件编号%(number)s。") % {
        "number": case.number
    }
    return _move(
        locked,
        to_status=S.TO_PETITION,
        actor=actor,
        unit=unit,
        note=locked.outcome,
        data={"case": case.number},
    )


STEP_SERVICES = {
    "mediate": dispute_mediate,
    "resolve": dispute_resolve,
    "escalate": dispute_escalate,
    "to_petition": dispute_to_petition,
    "link": dispute_link_case,
    "report": dispute_report,
    "acknowledge": dispute_acknowledge,
}
