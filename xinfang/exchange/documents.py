"""What travels in case.json (docs/exchange.md, "What travels").

A transfer carries what the receiving body needs to handle the petition (domain.md §7): the
petitioners with their identity and contact details (the package goes from one 信访部门 to another,
2022 条例 §22), the complained-about parties, content, category, 问题属地, channel, dates, the open
clocks, a summary of the history and the opinions so far. The receiver masks 检举控告 identities by
its own rules (`can_see_identity`), because the purpose travels with the case.

A result goes back to the body that already holds the petitioner's details, so case.json carries no
petitioner records: only the outcome, the opinion, its service and the 办结报告. The papers that
answer the petition (意见书, 送达回证, 办结报告, 告知书) travel as PDF beside it, as issued.
"""

from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.choices import OpinionStage, RecordStatus
from xinfang.cases.models import Case


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _ref(obj, code_attr: str = "code") -> dict | None:
    return {"code": getattr(obj, code_attr), "name": obj.name} if obj is not None else None


def _petitioners(case: Case) -> list[dict]:
    return [
        {
            "name": p.name,
            "gender": p.gender,
            "id_type": p.id_type_id or "",
            "id_number": p.id_number,
            "phone": p.phone,
            "address": p.address,
            "region_code": p.region_id or "",
            "is_primary": p.is_primary,
            "is_representative": p.is_representative,
        }
        for p in case.petitioners.all()
    ]


def _history(case: Case) -> list[dict]:
    """The event log, summarised: when, what, which unit, status change and reason."""
    return [
        {
            "at": e.created_at.isoformat(timespec="seconds"),
            "kind": e.kind,
            "label": e.get_kind_display(),
            "unit": e.unit.name if e.unit_id else "",
            "from_status": e.from_status,
            "to_status": e.to_status,
            "action": (e.data or {}).get("action", ""),
            "reason": e.reason,
        }
        for e in case.events.select_related("unit").order_by("created_at", "id")
    ]


def _opinions(case: Case) -> list[dict]:
    return [
        {
            "stage": o.stage,
            "unit": o.unit.name,
            "outcome": o.outcome,
            "outcome_label": o.get_outcome_display(),
            "facts": o.facts,
            "basis": o.basis,
            "text": o.text,
            "decided_at": o.decided_at.isoformat(timespec="seconds") if o.decided_at else None,
            "served_on": _date(o.served_on),
        }
        for o in case.opinions.filter(status=RecordStatus.APPROVED).select_related("unit")
    ]


def case_common(case: Case) -> dict:
    return {
        "number": case.number,
        "query_code": case.query_code,
        "title": case.title,
        "status": case.status,
        "status_label": case.get_status_display(),
        "received_on": _date(case.received_on),
        "registered_at": case.registered_at.isoformat(timespec="seconds"),
        "registering_unit": case.registering_unit.name,
        "opinions": _opinions(case),
        "history": _history(case),
    }


def transfer_doc(case: Case, *, dispatch, to_unit) -> dict:
    """case.json of a 转送/交办 package; `attachments` is filled in by the caller."""
    return {
        **case_common(case),
        "content": case.content,
        "demands": case.demands,
        "addressee": case.addressee,
        "channel": _ref(case.channel),
        "purpose": {**_ref(case.purpose), "protects_identity": case.purpose.protects_identity},
        "category": _ref(case.category),
        "issue_region": {"code": case.issue_region_id, "name": case.issue_region.name}
        if case.issue_region_id
        else None,
        "issue_address": case.issue_address,
        "headcount": case.headcount,
        "flags": {
            name: getattr(case, name)
            for name in ("is_anonymous", "is_urgent", "is_skip_level", "is_litigation", "is_repeat")
        },
        "petitioners": _petitioners(case),
        "complained": [
            {"name": c.name, "position": c.position, "organisation": c.organisation}
            for c in case.complained_parties.all()
        ],
        "deadlines": [
            {"step": d.step, "unit": d.unit.name, "due_on": _date(d.due_on), "is_open": d.is_open}
            for d in case.deadlines.select_related("unit")
        ],
        "dispatch": {
            "kind": dispatch.kind,
            "from_unit": dispatch.from_unit.name,
            "to_unit": {"name": to_unit.name, "region_code": to_unit.region_id},
            "due_on": _date(dispatch.due_on),
            "note": dispatch.note,
        },
        "attachments": [],
    }


# Where a case on the receiving side can be answered back from (docs/exchange.md, Results).
REFUSALS = frozenset({S.INFORMED, S.DIVERTED, S.NOT_ACCEPTED, S.NO_LONGER_ACCEPTED})


def result_outcome(case: Case, local_unit_id: int) -> str:
    """answered | refused | settled | returned, or "" when there is nothing to send back yet."""
    if case.status == S.RETURNED and case.owner_unit_id == local_unit_id:
        return "returned"
    if case.status in REFUSALS:
        return "refused"
    if case.status == S.SETTLED:
        return "settled"
    served = case.opinions.filter(
        stage=OpinionStage.HANDLE, status=RecordStatus.APPROVED, served_on__isnull=False
    ).exists()
    return "answered" if served else ""


def _last_reason(case: Case, to_status: str) -> str:
    event = case.events.filter(to_status=to_status).order_by("-id").first()
    return event.reason if event else ""


def result_doc(case: Case, *, outcome: str, origin_number: str) -> dict:
    """case.json of a 办理结果 package: no petitioner records (the original side already has them)."""
    doc = {
        **case_common(case),
        "origin_number": origin_number,
        "outcome": outcome,
        "handling_unit": case.handling_unit.name if case.handling_unit_id else "",
        "accepted_on": _date(case.accepted_on),
        "served_on": _date(case.served_on),
        "reason": _last_reason(case, case.status),
        "opinion": None,
        "service": None,
        "report": None,
        "attachments": [],
    }
    opinion = (
        case.opinions.filter(stage=OpinionStage.HANDLE, status=RecordStatus.APPROVED, served_on__isnull=False)
        .order_by("-id")
        .first()
    )
    if opinion is not None:
        doc["opinion"] = {
            "outcome": opinion.outcome,
            "facts": opinion.facts,
            "basis": opinion.basis,
            "text": opinion.text,
            "unit": opinion.unit.name,
            "served_on": _date(opinion.served_on),
        }
        service = getattr(opinion, "service", None)
        if service is not None:
            doc["service"] = {
                "method": service.method,
                "served_on": _date(service.served_on),
                "refused": service.refused,
                "petitioner_opinion": service.petitioner_opinion,
            }
    report = case.reports.order_by("-id").first()
    if report is not None:
        doc["report"] = {"text": report.text, "contact": report.contact, "status": report.status}
    return doc
