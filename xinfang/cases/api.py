"""API v1 for reading cases: workbench, look-up, case, timeline, deadlines."""

from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Body, Query, Router, Schema, Status

from xinfang.cases.access import can_see_identity, get_case_for_user
from xinfang.cases.schemas import (
    CaseListOut,
    CaseOut,
    DeadlineOut,
    EventOut,
    case_list_out,
    case_out,
    deadline_out,
)
from xinfang.cases.selectors import (
    case_lookup,
    case_timeline,
    sent_dispatches,
    workbench_cases,
    workbench_counts,
)
from xinfang.common.api_schemas import Page
from xinfang.common.paging import page_meta, page_of
from xinfang.common.services import audit_record
from xinfang.integrations.conditional import Resource, conditional
from xinfang.orgs.access import seats_of

router = Router(tags=["信访件"])
CASE = Resource("case", lambda user, path: get_case_for_user(user, number=path["number"]))


class WorkbenchOut(Schema):
    unit: str
    today: str
    soon_until: str
    counts: dict[str, int]
    group: str
    items: list[CaseListOut]
    pagination: Page


class LookupOut(Schema):
    items: list[CaseListOut]
    pagination: Page


def _page(queryset, number: int):
    page = page_of(queryset, number)
    return [case_list_out(c) for c in page.object_list], page_meta(page)


class WorkbenchQuery(Schema):
    unit: int | None = None
    group: str = "overdue"
    page: int = 1


@router.get("/workbench", response=WorkbenchOut, summary="工作台：本单位未办结信访件按期限分组")
def workbench_api(request, q: Query[WorkbenchQuery]):
    seats = {seat.unit.pk: seat.unit for seat in seats_of(request.user)}
    if not seats:
        raise Http404(_("您尚未分配到任何单位。"))
    unit = seats.get(q.unit) if q.unit is not None else next(iter(seats.values()))
    if unit is None:
        raise Http404(_("您不在该单位任职。"))
    bench = workbench_counts(unit=unit, due_soon_days=settings.DUE_SOON_WORKING_DAYS)
    group = q.group if q.group in ("overdue", "due_soon", "later", "none") else "overdue"
    items, meta = _page(workbench_cases(bench=bench, group=group), q.page)
    counts = {
        "overdue": bench.overdue,
        "due_soon": bench.due_soon,
        "later": bench.later,
        "none": bench.no_deadline,
    }
    return {
        "unit": unit.name,
        "today": bench.today.isoformat(),
        "soon_until": bench.soon_until.isoformat(),
        "counts": counts,
        "group": group,
        "items": items,
        "pagination": meta,
    }


@router.get("/lookup", response=LookupOut, summary="按编号、查询码、信访人姓名或电话查找")
def lookup_api(request, q: str, page: int = 1):
    items, meta = _page(case_lookup(user=request.user, text=q[:60]), page)
    return {"items": items, "pagination": meta}


class SentOut(Schema):
    number: str
    title: str
    kind: str
    to_unit: str
    sent_at: str
    due_on: str | None
    returned: bool
    return_reason: str
    status: str
    status_label: str
    owner_unit: str
    case_due_on: str | None


class SentPage(Schema):
    items: list[SentOut]
    pagination: Page


@router.get("/sent", response=SentPage, summary="本单位转送、交办出去的信访件及其当前状态")
def sent_api(request, unit: int | None = None, show: str = "open", page: int = 1):
    seats = {seat.unit.pk: seat.unit for seat in seats_of(request.user)}
    chosen = seats.get(unit) if unit is not None else next(iter(seats.values()), None)
    if chosen is None:
        raise Http404(_("您不在该单位任职。"))
    queryset = sent_dispatches(unit=chosen, only_open=show != "all")
    found = page_of(queryset, page)
    items = [
        {
            "number": d.case.number,
            "title": d.case.title,
            "kind": d.kind,
            "to_unit": d.to_unit.name,
            "sent_at": d.created_at.isoformat(),
            "due_on": d.due_on.isoformat() if d.due_on else None,
            "returned": d.returned_at is not None,
            "return_reason": d.return_reason,
            "status": d.case.status,
            "status_label": d.case.get_status_display(),
            "owner_unit": d.case.owner_unit.name,
            "case_due_on": d.case.due_on.isoformat() if d.case.due_on else None,
        }
        for d in found.object_list
    ]
    return {"items": items, "pagination": page_meta(found)}


class SearchQuery(Schema):
    q: str = ""
    received_from: str = ""
    received_to: str = ""
    status: str = ""
    owner_unit: str = ""
    channel: str = ""
    purpose: str = ""
    category: str = ""
    petitioner_name: str = ""
    petitioner_phone: str = ""
    complained: str = ""
    is_urgent: bool = False
    is_repeat: bool = False
    is_collective: bool = False
    is_skip_level: bool = False
    is_litigation: bool = False
    page: int = 1


@router.get(
    "/search",
    response={200: LookupOut, 400: dict},
    summary="高级查询：标题和内容全文检索（中文二元分词）及按字段筛选",
    description="最新登记的在前；计数最多到1001（表示超过1000件），页码止于第1000件。",
)
def search_api(request, q: Query[SearchQuery]):
    from xinfang.cases.search import SearchPaginator, case_search, case_search_form

    data = {k: v for k, v in q.dict().items() if k != "page" and v not in ("", False)}
    form = case_search_form(data)
    if not form.is_valid():
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        return Status(400, {"code": "invalid", "detail": _("查询条件有误。"), "errors": errors})
    results = case_search(user=request.user, criteria=form.cleaned_data)
    if results is None:
        return Status(400, {"code": "invalid", "detail": _("请输入要查找的字词，或选择至少一个条件。")})
    page = page_of(results, q.page, paginator=SearchPaginator)
    return {"items": [case_list_out(c) for c in page.object_list], "pagination": page_meta(page)}


@router.get("/{number}", response=CaseOut, summary="信访件详情")
@conditional(CASE)
def case_get_api(request, number: str):
    case = get_case_for_user(request.user, number=number)
    if can_see_identity(request.user, case) and case.petitioners.exists():
        audit_record(  # the same row as the page's, so the 查阅记录 finds it by case number
            user=request.user,
            action="view_personal_data",
            obj=case,
            detail={"number": case.number},
            request=request,
            via="api",
        )
    return case_out(case, request.user)


@router.get("/{number}/events", response=list[EventOut], summary="办理记录（时间线）")
def case_events_api(request, number: str):
    case = get_case_for_user(request.user, number=number)
    return [
        {
            "kind": e.kind,
            "kind_label": e.get_kind_display(),
            "at": e.created_at,
            "actor": str(e.actor) if e.actor_id else None,
            "unit": e.unit.name if e.unit_id else None,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "reason": e.reason,
            "action": e.data.get("action", ""),
        }
        for e in case_timeline(case)
    ]


@router.get("/{number}/deadlines", response=list[DeadlineOut], summary="时限及其计算过程")
def case_deadlines_api(request, number: str):
    case = get_case_for_user(request.user, number=number)
    return [deadline_out(d) for d in case.deadlines.select_related("unit")]


class ActionOut(Schema):
    code: str
    label: str
    primary: bool


@router.get("/{number}/actions", response=list[ActionOut], summary="当前用户现在可以办理的操作")
def case_actions_api(request, number: str):
    from xinfang.cases.workflow import actions_for

    case = get_case_for_user(request.user, number=number)
    return [
        {"code": a.code, "label": str(a.label), "primary": a.primary} for a in actions_for(request.user, case)
    ]


@router.post(
    "/{number}/actions/{code}",
    response={200: CaseOut, 400: dict, 403: dict, 409: dict},
    summary="办理一个环节（转送、交办、签收、受理、延期、意见书、送达、办结报告、评价、复查、复核等）",
    description=(
        "请求体是该环节表单的字段（JSON），字段与网页表单相同，见 docs/workflow.md。"
        "可带 `version`（读取信访件时的版本号）：若期间已被他人处理，返回 409。"
    ),
)
@conditional(CASE)
def case_action_api(request, number: str, code: str, payload: Body[dict[str, Any] | None] = None):
    from xinfang.cases.views import action_perform
    from xinfang.cases.workflow import ACTIONS, action_refusal

    case = get_case_for_user(request.user, number=number)
    action = ACTIONS.get(code)
    if action is None:
        raise Http404(_("没有这项操作。"))
    refusal = action_refusal(request.user, case, action, seen_version=(payload or {}).get("version"))
    if refusal:
        kind, message = refusal
        return Status(403 if kind == "forbidden" else 409, {"code": kind, "detail": message})
    updated, form, status = action_perform(code=code, case=case, user=request.user, data=payload or {})
    if updated is None:
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        detail = "；".join(errors.pop("__all__", [])) or _("提交的内容有误，请按提示修改。")
        body = {"code": {400: "invalid", 403: "forbidden", 409: "conflict"}[status], "detail": detail}
        if errors:
            body["errors"] = errors
        return Status(status, body)
    number = case.number if code == "split" else updated.number  # a split answers with the original
    return Status(200, case_out(get_case_for_user(request.user, number=number), request.user))
