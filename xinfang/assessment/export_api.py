"""API v1 of the assessment's remaining pages: the ranking as .xlsx and the records behind a deduction.

The same gates as the pages (xinfang/assessment/views.py `export`, `evidence`): the export is for the
assessing bureau's managers (audited); the evidence for whoever may read that unit's score; cases among
it are only those the caller may see. Anything else 404.
"""

import datetime

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from xinfang.assessment import access, selectors
from xinfang.assessment.choices import DEDUCTION_ORDER, DeductionCode
from xinfang.assessment.exports import results_export
from xinfang.common.paging import IdFirstPaginator

router = Router(tags=["目标管理考核"])


class EvidenceItemOut(Schema):
    case_number: str | None
    date: datetime.date | None
    title: str
    detail: str


class AssessmentPage(Schema):
    page: int
    count: int
    pages: int


class EvidenceOut(Schema):
    rule_set: int
    unit: int
    unit_name: str
    code: str
    title: str
    source: str
    stored_count: int | None
    stored_points: str | None
    items: list[EvidenceItemOut]
    pagination: AssessmentPage


def _day(moment) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


def _item(kind: str, record) -> dict:
    """One record of the evidence list, in the columns the page shows for its kind."""
    if kind == "cases":
        return {
            "case_number": record.number,
            "date": record.received_on,
            "title": record.title,
            "detail": record.get_status_display(),
        }
    if kind == DeductionCode.NO_OPERATOR:
        return {"case_number": None, "date": None, "title": str(record.user), "detail": str(record.role)}
    if kind == DeductionCode.INFO_SHORTFALL:
        date = _day(record.first_submitted_at)
        return {"case_number": None, "date": date, "title": record.title, "detail": record.get_kind_display()}
    if kind == DeductionCode.CALLBACK:
        detail = record.get_satisfaction_display() or "—"
        if record.follow_up_needed:
            detail += " · " + _("需要跟进")
        return {"case_number": record.case.number, "date": record.closed_on, "title": "", "detail": detail}
    return {
        "case_number": record.case.number,
        "date": _day(record.opened_at),
        "title": "",
        "detail": record.get_status_display(),
    }


@router.get(
    "/rule-sets/{rule_set_id}/export",
    response={200: None, 404: dict, 422: dict},
    summary="导出考核得分和名次为Excel（仅考核单位的管理人员；留痕）",
)
def results_export_api(request: HttpRequest, rule_set_id: int):
    rule_set = access.rule_set_to_manage(request.user, rule_set_id)
    content, filename = results_export(rule_set=rule_set, user=request.user, request=request, via="api")
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get(
    "/rule-sets/{rule_set_id}/results/{unit_id}/evidence/{code}",
    response={200: EvidenceOut, 404: dict, 422: dict},
    summary="扣分依据：一个单位某扣分项所计的记录（按现在的数据）",
    description="code：" + "、".join(f"{c.value} {c.label}" for c in DeductionCode),
)
def evidence_api(request: HttpRequest, rule_set_id: int, unit_id: int, code: str, page: int = 1):
    rule_set, visible = access.rule_set_to_view(request.user, rule_set_id)
    unit = access.unit_to_view(request.user, rule_set, visible, unit_id)
    if code not in DEDUCTION_ORDER:
        raise Http404(_("没有这个扣分项。"))
    evidence = selectors.evidence_for(
        user=request.user, rule_set=rule_set, unit=unit, code=code, today=timezone.localdate()
    )
    paged = IdFirstPaginator(evidence.records, settings.PAGE_SIZE).get_page(page)
    stored = evidence.stored or {}
    return {
        "rule_set": rule_set.pk,
        "unit": unit.pk,
        "unit_name": unit.name,
        "code": code,
        "title": str(DeductionCode(code).label),
        "source": getattr(evidence.rule, "source", "") or "",
        "stored_count": stored.get("count"),
        "stored_points": str(stored["points"]) if stored.get("points") is not None else None,
        "items": [_item(evidence.kind, record) for record in paged.object_list],
        "pagination": {
            "page": paged.number,
            "count": paged.paginator.count,
            "pages": paged.paginator.num_pages,
        },
    }
