"""API v1 for the 排查调处 ledger: list, get, create, update, measures, steps, case links.

Errors: 400 with Chinese field messages (bad input, nothing changed), 403 (may read but not do),
404 (missing or not visible — the same answer), 409 (wrong status, already reported, stale version).
"""

import datetime

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from xinfang.common.paging import page_meta, page_of
from xinfang.common.services import audit_record
from xinfang.common.validators import mask_name, mask_phone
from xinfang.disputes.access import can_see_contacts, get_dispute_for_user, writable_units
from xinfang.disputes.choices import RISK_RULES, PartyKind, RiskLevel
from xinfang.disputes.models import Dispute
from xinfang.disputes.selectors import LedgerFilters, dispute_list, ledger_counts
from xinfang.disputes.services import (
    STEP_SERVICES,
    DisputeInput,
    PartyInput,
    dispute_create,
    dispute_measure_add,
    dispute_update,
)
from xinfang.disputes.workflow import TRANSITION_CODES, DisputeConflict, actions_for
from xinfang.integrations.conditional import Resource, conditional

router = Router(tags=["排查调处"])
DISPUTE = Resource("dispute", lambda user, path: get_dispute_for_user(user, path["number"]))
ERRORS = {400: dict, 403: dict, 404: dict, 409: dict}


class PartyIn(Schema):
    name: str = ""
    kind: str = PartyKind.PERSON
    contact: str = ""


class DisputeIn(Schema):
    unit: int | None = None
    title: str = ""
    description: str = ""
    risk_level: str = ""
    batch: str = ""
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    found_on: datetime.date | None = None
    due_on: datetime.date | None = None
    responsible: int | None = None
    leader: int | None = None
    category: int | None = None
    region: str = ""
    address: str = ""
    parties: list[PartyIn] = []


class DisputePatch(Schema):
    """Only the fields sent change; `version` (from GET) makes a concurrent edit answer 409."""

    version: int | None = None
    title: str | None = None
    description: str | None = None
    risk_level: str | None = None
    batch: str | None = None
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    found_on: datetime.date | None = None
    due_on: datetime.date | None = None
    responsible: int | None = None
    leader: int | None = None
    category: int | None = None
    region: str | None = None
    address: str | None = None
    parties: list[PartyIn] | None = None


class PartyOut(Schema):
    kind: str
    kind_label: str
    name: str
    contact_masked: str
    contact: str | None  # in full only for those who may see it (audited)


class MeasureOut(Schema):
    taken_on: datetime.date
    text: str
    unit: str
    recorded_by: str
    created_at: datetime.datetime


class DisputeListOut(Schema):
    number: str
    title: str
    unit: str
    unit_id: int
    batch: str
    found_on: datetime.date
    risk_level: str
    risk_label: str
    status: str
    status_label: str
    due_on: datetime.date
    is_open: bool
    is_overdue: bool
    reported: bool
    acknowledged: bool
    responsible: str
    leader: str | None


class DisputeOut(DisputeListOut):
    description: str
    category: str | None
    region: str | None
    address: str
    period_start: datetime.date
    period_end: datetime.date
    risk_rule: str
    outcome: str
    reported_at: datetime.datetime | None
    acknowledged_at: datetime.datetime | None
    acknowledged_note: str
    parties: list[PartyOut]
    measures: list[MeasureOut]
    cases: list[str]
    actions: list[str]
    version: int


class LedgerPage(Schema):
    page: int
    count: int
    pages: int


class LedgerOut(Schema):
    counts: dict[str, int]
    items: list[DisputeListOut]
    pagination: LedgerPage


class LedgerQuery(Schema):
    unit: int | None = None
    risk: str = ""
    status: str = ""
    period: str = ""
    overdue: bool = False
    q: str = ""
    page: int = 1


class RiskLevelOut(Schema):
    code: str
    label: str
    rule: str


class MeasureIn(Schema):
    taken_on: datetime.date | None = None
    text: str = ""


class StepIn(Schema):
    action: str
    version: int | None = None
    note: str = ""
    outcome: str = ""
    case_number: str = ""
    channel: str = "visit"
    purpose: str = "claim"


class LinkIn(Schema):
    case_number: str = ""
    version: int | None = None


def list_out(d: Dispute, today: datetime.date) -> dict:
    return {
        "number": d.number,
        "title": d.title,
        "unit": d.unit.name,
        "unit_id": d.unit_id,
        "batch": d.batch,
        "found_on": d.found_on,
        "risk_level": d.risk_level,
        "risk_label": d.get_risk_level_display(),
        "status": d.status,
        "status_label": d.get_status_display(),
        "due_on": d.due_on,
        "is_open": d.is_open,
        "is_overdue": d.is_overdue_on(today),
        "reported": d.reported_at is not None,
        "acknowledged": d.acknowledged_at is not None,
        "responsible": str(d.responsible),
        "leader": str(d.leader) if d.leader_id else None,
    }


def dispute_out(request, dispute: Dispute) -> dict:
    """The full item; parties' contacts in full only when allowed, and then the view is audited."""
    dispute = get_dispute_for_user(request.user, dispute.number)
    full = can_see_contacts(request.user, dispute)
    parties = list(dispute.parties.all())
    if full and any(p.kind == PartyKind.PERSON or p.contact for p in parties):
        audit_record(
            user=request.user,
            action="view_personal_data",
            obj=dispute,
            detail={"number": dispute.number},
            request=request,
            via="api",
        )
    return {
        **list_out(dispute, timezone.localdate()),
        "description": dispute.description,
        "category": dispute.category.name if dispute.category_id else None,
        "region": dispute.region_id,
        "address": dispute.address,
        "period_start": dispute.period_start,
        "period_end": dispute.period_end,
        "risk_rule": str(RISK_RULES[dispute.risk_level]),
        "outcome": dispute.outcome,
        "reported_at": dispute.reported_at,
        "acknowledged_at": dispute.acknowledged_at,
        "acknowledged_note": dispute.acknowledged_note,
        "parties": [
            {
                "kind": p.kind,
                "kind_label": p.get_kind_display(),
                "name": p.name if full or p.kind != PartyKind.PERSON else mask_name(p.name),
                "contact_masked": mask_phone(p.contact),
                "contact": p.contact if full else None,
            }
            for p in parties
        ],
        "measures": [
            {
                "taken_on": m.taken_on,
                "text": m.text,
                "unit": m.unit.name,
                "recorded_by": str(m.recorded_by),
                "created_at": m.created_at,
            }
            for m in dispute.measures.select_related("unit", "recorded_by")
        ],
        "cases": [link.case.number for link in dispute.case_links.select_related("case")],
        "actions": [a.code for a in actions_for(request.user, dispute)],
        "version": dispute.version,
    }


def _conflict(exc: DisputeConflict):
    return Status(409, {"code": "conflict", "detail": exc.messages[0]})


def _parties(items) -> list[PartyInput]:
    return [PartyInput(name=p.name, kind=p.kind, contact=p.contact) for p in items]


@router.get("", response=LedgerOut, summary="排查调处台账：高风险在前，其次超期，再按化解期限")
def ledger_api(request, q: Query[LedgerQuery]):
    filters = LedgerFilters.from_params(
        {
            "unit": q.unit,
            "risk": q.risk,
            "status": q.status,
            "period": q.period,
            "overdue": q.overdue,
            "q": q.q,
        }
    )
    today = timezone.localdate()
    page = page_of(dispute_list(user=request.user, filters=filters, today=today), q.page)
    return {
        "counts": ledger_counts(user=request.user, filters=filters, today=today),
        "items": [list_out(d, today) for d in page.object_list],
        "pagination": page_meta(page),
    }


@router.get("/risk-levels", response=list[RiskLevelOut], summary="风险等级及其含义")
def risk_levels_api(request):
    return [
        {"code": level.value, "label": str(level.label), "rule": str(RISK_RULES[level])}
        for level in RiskLevel
    ]


@router.post("", response={201: DisputeOut, **ERRORS}, summary="排查登记一件矛盾纠纷")
def dispute_create_api(request, payload: DisputeIn):
    units = {u.pk: u for u in writable_units(request.user)}
    unit = units.get(payload.unit) if payload.unit is not None else next(iter(units.values()), None)
    if unit is None:
        return Status(403, {"code": "forbidden", "detail": _("您无权在该单位的排查调处台账中登记。")})
    data = DisputeInput(
        title=payload.title,
        description=payload.description,
        risk_level=payload.risk_level,
        batch=payload.batch,
        period_start=payload.period_start,
        period_end=payload.period_end,
        found_on=payload.found_on,
        due_on=payload.due_on,
        responsible_id=payload.responsible,
        leader_id=payload.leader,
        category_id=payload.category,
        region_code=payload.region,
        address=payload.address,
    )
    dispute = dispute_create(actor=request.user, unit=unit, data=data, parties=_parties(payload.parties))
    return Status(201, dispute_out(request, dispute))


@router.get("/{number}", response=DisputeOut, summary="矛盾纠纷详情（联系电话仅对有权人员完整显示，并留痕）")
@conditional(DISPUTE)
def dispute_get_api(request, number: str):
    return dispute_out(request, get_dispute_for_user(request.user, number))


def _merged_input(dispute: Dispute, patch: DisputePatch) -> DisputeInput:
    sent = patch.dict(exclude_unset=True)
    current = {
        "title": dispute.title,
        "description": dispute.description,
        "risk_level": dispute.risk_level,
        "batch": dispute.batch,
        "period_start": dispute.period_start,
        "period_end": dispute.period_end,
        "found_on": dispute.found_on,
        "due_on": dispute.due_on,
        "responsible_id": dispute.responsible_id,
        "leader_id": dispute.leader_id,
        "category_id": dispute.category_id,
        "region_code": dispute.region_id or "",
        "address": dispute.address,
    }
    renamed = {
        "responsible": "responsible_id",
        "leader": "leader_id",
        "category": "category_id",
        "region": "region_code",
    }
    for key, value in sent.items():
        if key in ("version", "parties"):
            continue
        text_field = key in ("title", "description", "risk_level", "batch", "region", "address")
        current[renamed.get(key, key)] = "" if value is None and text_field else value
    return DisputeInput(**current)


@router.patch("/{number}", response={200: DisputeOut, **ERRORS}, summary="修改登记内容（上报前）")
@conditional(DISPUTE)
def dispute_update_api(request, number: str, payload: DisputePatch):
    dispute = get_dispute_for_user(request.user, number)
    if payload.parties is not None:
        parties = _parties(payload.parties)
    else:
        parties = [PartyInput(name=p.name, kind=p.kind, contact=p.contact) for p in dispute.parties.all()]
    try:
        updated = dispute_update(
            dispute=dispute,
            actor=request.user,
            data=_merged_input(dispute, payload),
            parties=parties,
            expected_version=payload.version,
        )
    except DisputeConflict as exc:
        return _conflict(exc)
    return Status(200, dispute_out(request, updated))


@router.get("/{number}/measures", response=list[MeasureOut], summary="化解措施记录")
def measures_api(request, number: str):
    return dispute_out(request, get_dispute_for_user(request.user, number))["measures"]


@router.post(
    "/{number}/measures", response={201: MeasureOut, **ERRORS}, summary="记录一条化解措施（上报后仍可）"
)
@conditional(DISPUTE)
def measure_add_api(request, number: str, payload: MeasureIn):
    dispute = get_dispute_for_user(request.user, number)
    try:
        m = dispute_measure_add(
            dispute=dispute, actor=request.user, taken_on=payload.taken_on, text=payload.text
        )
    except DisputeConflict as exc:
        return _conflict(exc)
    return Status(
        201,
        {
            "taken_on": m.taken_on,
            "text": m.text,
            "unit": m.unit.name,
            "recorded_by": str(m.recorded_by),
            "created_at": m.created_at,
        },
    )


STEP_CODES = (*TRANSITION_CODES, "report", "acknowledge")


@router.post(
    "/{number}/transitions",
    response={200: DisputeOut, **ERRORS},
    summary="办理一步：mediate 开始调处、resolve 已化解、escalate 未化解上报、to_petition 转入信访程序、report 上报、acknowledge 签收",
)
@conditional(DISPUTE)
def dispute_step_api(request, number: str, payload: StepIn):
    dispute = get_dispute_for_user(request.user, number)
    if payload.action not in STEP_CODES:
        raise Http404(_("没有这项操作。"))
    specific = {
        "mediate": {"note": payload.note},
        "resolve": {"outcome": payload.outcome},
        "escalate": {"outcome": payload.outcome},
        "to_petition": {
            "case_number": payload.case_number,
            "channel_code": payload.channel,
            "purpose_code": payload.purpose,
            "outcome": payload.outcome,
        },
        "report": {"note": payload.note},
        "acknowledge": {"note": payload.note},
    }[payload.action]
    try:
        updated = STEP_SERVICES[payload.action](
            dispute=dispute, actor=request.user, expected_version=payload.version, **specific
        )
    except DisputeConflict as exc:
        return _conflict(exc)
    return Status(200, dispute_out(request, updated))


@router.post("/{number}/cases", response={200: DisputeOut, **ERRORS}, summary="关联已有信访件（按编号）")
@conditional(DISPUTE)
def dispute_link_api(request, number: str, payload: LinkIn):
    dispute = get_dispute_for_user(request.user, number)
    try:
        updated = STEP_SERVICES["link"](
            dispute=dispute,
            actor=request.user,
            case_number=payload.case_number,
            expected_version=payload.version,
        )
    except DisputeConflict as exc:
        return _conflict(exc)
    return Status(200, dispute_out(request, updated))
