"""API v1: what the case page shows beyond the case itself — the workflow's records (意见书, 延期, 办结报告,
评价, 复查/复核申请), the persons complained about, and the scanned attachments with their download.

The same gates and audit as the page (xinfang/cases/views.py `_case_context`, `attachment_download`):
the case gate answers 404 alike for missing and forbidden; attachments of a 检举控告 case are only for
those who may see the petitioner's identity (2022 条例 §30 ¶3), and every download is audited.
"""

import datetime

from ninja import Router, Schema

from xinfang.cases.access import can_see_identity, get_attachment_for_user, get_case_for_user
from xinfang.cases.selectors import case_workflow_records
from xinfang.common.files import audited_attachment_response
from xinfang.common.services import audit_record

router = Router(tags=["信访件"])


class OpinionOut(Schema):
    stage: str
    stage_label: str
    unit: str
    outcome: str
    outcome_label: str
    status: str
    status_label: str
    facts: str
    basis: str
    text: str
    decision_note: str
    served_on: datetime.date | None


class ExtensionOut(Schema):
    unit: str
    days: int
    reason: str
    status: str
    status_label: str
    new_due_on: datetime.date | None


class ReportOut(Schema):
    unit: str
    to_unit: str
    status: str
    status_label: str
    decision_note: str


class EvaluationOut(Schema):
    target: str
    target_label: str
    unit: str | None
    level: str
    level_label: str
    source_label: str
    reason: str


class ReviewOut(Schema):
    stage: str
    stage_label: str
    requested_on: datetime.date
    from_unit: str | None
    review_unit: str | None
    reason: str


class EvaluationStateOut(Schema):
    missing: list[str]
    window_end: datetime.date
    lapsed: bool


class ComplainedOut(Schema):
    name: str
    position: str
    organisation: str


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_at: datetime.datetime
    url: str


class RecordsOut(Schema):
    number: str
    identity_protected: bool
    complained: list[ComplainedOut]
    attachments: list[AttachmentOut]
    opinions: list[OpinionOut]
    extensions: list[ExtensionOut]
    reports: list[ReportOut]
    evaluations: list[EvaluationOut]
    reviews: list[ReviewOut]
    evaluation_state: EvaluationStateOut | None
    split_parts: list[str]


def _name(unit) -> str | None:
    return unit.name if unit is not None else None


def _records_out(records: dict) -> dict:
    return {
        "opinions": [
            {
                "stage": o.stage,
                "stage_label": o.get_stage_display(),
                "unit": o.unit.name,
                "outcome": o.outcome,
                "outcome_label": o.get_outcome_display(),
                "status": o.status,
                "status_label": o.get_status_display(),
                "facts": o.facts,
                "basis": o.basis,
                "text": o.text,
                "decision_note": o.decision_note,
                "served_on": o.served_on,
            }
            for o in records["opinions"]
        ],
        "extensions": [
            {
                "unit": e.unit.name,
                "days": e.days,
                "reason": e.reason,
                "status": e.status,
                "status_label": e.get_status_display(),
                "new_due_on": e.new_due_on,
            }
            for e in records["extensions"]
        ],
        "reports": [
            {
                "unit": _name(r.unit),
                "to_unit": _name(r.to_unit),
                "status": r.status,
                "status_label": r.get_status_display(),
                "decision_note": r.decision_note,
            }
            for r in records["reports"]
        ],
        "evaluations": [
            {
                "target": e.target,
                "target_label": e.get_target_display(),
                "unit": _name(e.unit),
                "level": e.level,
                "level_label": e.get_level_display(),
                "source_label": e.get_source_display(),
                "reason": e.reason,
            }
            for e in records["evaluations"]
        ],
        "reviews": [
            {
                "stage": r.stage,
                "stage_label": r.get_stage_display(),
                "requested_on": r.requested_on,
                "from_unit": _name(r.from_unit),
                "review_unit": _name(r.review_unit),
                "reason": r.reason,
            }
            for r in records["reviews"]
        ],
        "evaluation_state": records["evaluation_state"],
        "split_parts": [p.number for p in records["split_parts"]],
    }


@router.get(
    "/{number}/records",
    response={200: RecordsOut, 404: dict},
    summary="办理情况：处理意见、延期、办结报告、评价、复查复核申请、被反映人、附件",
    description=(
        "与网页信访件页相同。检举控告件对无权知悉信访人身份的用户不列出附件（扫描的检举信会暴露检举人）；"
        "列出附件时记入查阅记录。"
    ),
)
def case_records_api(request, number: str):
    case = get_case_for_user(request.user, number=number)
    show_identity = can_see_identity(request.user, case)
    attachments = list(case.attachments.all()) if show_identity else []
    if attachments:  # scans of letters and ID cards are personal data: audited as the page is
        audit_record(
            user=request.user,
            action="view_personal_data",
            obj=case,
            detail={"number": case.number, "what": "records"},
            request=request,
            via="api",
        )
    base = f"/api/v1/cases/{case.number}/attachments"
    return {
        "number": case.number,
        "identity_protected": not show_identity,
        "complained": list(case.complained_parties.values("name", "position", "organisation")),
        "attachments": [
            {
                "id": a.pk,
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "uploaded_at": a.uploaded_at,
                "url": f"{base}/{a.pk}",
            }
            for a in attachments
        ],
        **_records_out(case_workflow_records(case)),
    }


@router.get(
    "/{number}/attachments/{attachment_id}",
    response={200: None, 404: dict, 422: dict},
    summary="下载信访件附件（扫描件；检举控告件仅限可知悉信访人身份的用户；留痕）",
)
def case_attachment_api(request, number: str, attachment_id: int):
    case, attachment = get_attachment_for_user(request.user, number=number, attachment_id=attachment_id)
    return audited_attachment_response(request, attachment, detail={"number": case.number}, via="api")
