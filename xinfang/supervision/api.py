"""API v1 for 催办, 督办 and 抽查回访 (`/api/v1/supervision`).

Same gates, forms, services and Chinese messages as the pages: 400 invalid input, 403 not allowed,
404 missing or not yours (the same answer), 409 the step no longer fits (已办结, 已被他人处理 …).
"""

import datetime
import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from ninja import Body, Query, Router, Schema, Status

from xinfang.cases.access import get_case_for_user
from xinfang.common.paging import page_meta, page_of
from xinfang.documents.choices import DocKind
from xinfang.integrations.conditional import Resource, conditional
from xinfang.supervision import callbacks as cb
from xinfang.supervision.access import (
    draw_units,
    get_callback_for_user,
    get_draw_for_user,
    get_supervision_for_user,
    may_call,
)
from xinfang.supervision.choices import CallbackStatus, Measure, SupervisionStatus, Trigger
from xinfang.supervision.forms import (
    STEP_FORMS,
    AssignForm,
    CallForm,
    DrawForm,
    SupervisionOpenForm,
    UrgeForm,
)
from xinfang.supervision.selectors import (
    TABS,
    callback_calls,
    callback_results_by_unit,
    case_supervision_panel,
    draw_callbacks,
    draw_list,
    my_callbacks,
    supervision_counts,
    supervision_history,
    supervision_list,
    supervision_replies,
)
from xinfang.supervision.services import STEP_SERVICES, supervision_open, urge_create
from xinfang.supervision.workflow import STEPS, SupervisionConflict, step_refusal, steps_for

router = Router(tags=["催办、督办与抽查回访"])
SUPERVISION = Resource("supervision", lambda user, path: get_supervision_for_user(user, path["pk"]))
ERRORS = {400: dict, 403: dict, 404: dict, 409: dict}


# --- Running a form and a service, with the errors as 4xx ------------------------------------------


def _form_errors(form) -> Status:
    errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    detail = "；".join(errors.pop("__all__", [])) or "提交的内容有误，请按提示修改。"
    body = {"code": "invalid", "detail": detail}
    if errors:
        body["errors"] = errors
    return Status(400, body)


def _perform(form, call):
    """(result, None) or (None, the 4xx Status) for a bound form and a service call."""
    if not form.is_valid():
        return None, _form_errors(form)
    try:
        return call(form.service_kwargs()), None
    except PermissionDenied as exc:
        return None, Status(403, {"code": "forbidden", "detail": str(exc)})
    except SupervisionConflict as exc:
        return None, Status(409, {"code": "conflict", "detail": "；".join(exc.messages)})
    except ValidationError as exc:
        for message in exc.messages if not hasattr(exc, "error_dict") else ():
            form.add_error(None, message)
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        return None, _form_errors(form)


def _request_data(request, payload):
    """JSON body, or form fields (multipart, for a reply with files)."""
    if payload is not None:
        return payload
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST


# --- Output ------------------------------------------------------------------------------------


class Pagination(Schema):
    page: int
    count: int
    pages: int


class SupervisionListOut(Schema):
    id: int
    case_number: str
    case_title: str
    unit: str
    target_unit: str
    target_unit_id: int
    triggers: list[str]
    trigger_labels: list[str]
    status: str
    status_label: str
    round: int
    starts_on: datetime.date
    due_on: datetime.date
    overdue: bool
    is_listed: bool
    letter_number: str | None


class ReplyOut(Schema):
    round: int
    unit: str
    text: str
    submitted_by: str
    submitted_at: datetime.datetime
    is_late: bool
    attachments: list[dict]


class SupervisionEventOut(Schema):
    kind: str
    kind_label: str
    at: datetime.datetime
    actor: str | None
    unit: str | None
    from_status: str
    to_status: str
    note: str
    data: dict


class SupervisionLetterOut(Schema):
    id: int
    number: str
    title: str
    docx_url: str
    pdf_url: str


class SupervisionOut(SupervisionListOut):
    facts: str
    requested_action: str
    due_explanation: str
    measures: list[str]
    opened_by: str
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None
    version: int
    steps: list[str]
    replies: list[ReplyOut]
    events: list[SupervisionEventOut]
    letters: list[SupervisionLetterOut]


class SupervisionPage(Schema):
    items: list[SupervisionListOut]
    counts: dict[str, int]
    pagination: Pagination


def _list_out(s, today) -> dict:
    return {
        "id": s.pk,
        "case_number": s.case.number,
        "case_title": s.case.title,
        "unit": s.unit.name,
        "target_unit": s.target_unit.name,
        "target_unit_id": s.target_unit_id,
        "triggers": list(s.triggers),
        "trigger_labels": [str(Trigger(code).label) for code in s.triggers if code in Trigger.values],
        "status": s.status,
        "status_label": s.get_status_display(),
        "round": s.round,
        "starts_on": s.starts_on,
        "due_on": s.due_on,
        "overdue": s.is_overdue_on(today),
        "is_listed": s.is_listed,
        "letter_number": s.letter.number if s.letter_id else None,
    }


def _letters(s) -> list[dict]:
    """The 督办函 of every round (download through the documents API, with its gate and audit)."""
    numbers = {e.data.get("letter") for e in s.events.all() if e.data.get("letter")}
    documents = s.case.documents.filter(kind=DocKind.SUPERVISION_LETTER, number__in=numbers).order_by("id")
    base = f"/api/v1/cases/{s.case.number}/documents"
    return [
        {
            "id": d.pk,
            "number": d.number,
            "title": d.title,
            "docx_url": f"{base}/{d.pk}/docx",
            "pdf_url": f"{base}/{d.pk}/pdf",
        }
        for d in documents
    ]


def _detail_out(request, s) -> dict:
    today = timezone.localdate()
    return {
        **_list_out(s, today),
        "facts": s.facts,
        "requested_action": s.requested_action,
        "due_explanation": s.due_explanation,
        "measures": list(s.measures),
        "opened_by": str(s.opened_by),
        "opened_at": s.opened_at,
        "closed_at": s.closed_at,
        "version": s.version,
        "steps": [step.code for step in steps_for(request.user, s)],
        "replies": [
            {
                "round": r.round,
                "unit": r.unit.name,
                "text": r.text,
                "submitted_by": str(r.submitted_by),
                "submitted_at": r.submitted_at,
                "is_late": r.is_late,
                "attachments": [
                    {"id": a.pk, "name": a.original_name, "size": a.size, "content_type": a.content_type}
                    for a in r.attachments.all()
                ],
            }
            for r in supervision_replies(s)
        ],
        "events": [
            {
                "kind": e.kind,
                "kind_label": e.get_kind_display(),
                "at": e.created_at,
                "actor": str(e.actor) if e.actor_id else None,
                "unit": e.unit.name if e.unit_id else None,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
                "data": e.data,
            }
            for e in supervision_history(s)
        ],
        "letters": _letters(s),
    }


# --- 督办 ----------------------------------------------------------------------------------------


class SupervisionListQuery(Schema):
    tab: str = "active"
    unit: int | None = None
    status: str = ""
    page: int = 1


@router.get(
    "", response=SupervisionPage, summary="督办列表：进行中（逾期在前）、待本单位回复、挂牌督办、已办结"
)
def supervision_list_api(request, q: Query[SupervisionListQuery]):
    tab = q.tab if q.tab in TABS else "active"
    status = q.status if q.status in SupervisionStatus.values else ""
    found = supervision_list(user=request.user, tab=tab, target_unit_id=q.unit, status=status)
    page = page_of(found, q.page)
    today = timezone.localdate()
    counts = supervision_counts(user=request.user)
    return {
        "items": [_list_out(s, today) for s in page.object_list],
        "counts": {
            "active": counts.active,
            "overdue": counts.overdue,
            "to_reply": counts.to_reply,
            "listed": counts.listed,
            "closed": counts.closed,
        },
        "pagination": page_meta(page),
    }


class OpenIn(Schema):
    case: str
    triggers: list[str]
    facts: str
    requested_action: str
    target_unit: int | None = None
    due_on: datetime.date | None = None
    is_listed: bool = False
    evaluation: int | None = None
    callback: int | None = None


@router.post(
    "",
    response={201: SupervisionOut, **ERRORS},
    summary="发起督办（制发督办函）",
    description="督办事由 `triggers`：" + "、".join(f"`{c}` {label}" for c, label in Trigger.choices),
)
def supervision_open_api(request, payload: OpenIn):
    case = get_case_for_user(request.user, number=payload.case)
    data = payload.dict()
    data.pop("case")
    data = {key: value for key, value in data.items() if value is not None}
    form = SupervisionOpenForm(data, case=case, user=request.user)
    done, error = _perform(form, lambda kwargs: supervision_open(case=case, actor=request.user, **kwargs))
    if error:
        return error
    return Status(201, _detail_out(request, get_supervision_for_user(request.user, done.pk)))


@router.get("/{int:pk}", response=SupervisionOut, summary="督办详情：督办函、回复、督办记录")
@conditional(SUPERVISION)
def supervision_get_api(request, pk: int):
    return _detail_out(request, get_supervision_for_user(request.user, pk))


def _step(request, pk: int, code: str, payload):
    supervision = get_supervision_for_user(request.user, pk)
    data = _request_data(request, payload)
    refusal = step_refusal(request.user, supervision, STEPS[code], seen_version=data.get("version"))
    if refusal:
        kind, message = refusal
        return Status(403 if kind == "forbidden" else 409, {"code": kind, "detail": message})
    files = request.FILES if code == "reply" else None
    form = STEP_FORMS[code](data, files, supervision=supervision, user=request.user)
    done, error = _perform(
        form, lambda kwargs: STEP_SERVICES[code](supervision=supervision, actor=request.user, **kwargs)
    )
    if error:
        return error
    return Status(200, _detail_out(request, get_supervision_for_user(request.user, done.pk)))


@router.post(
    "/{int:pk}/reply",
    response={200: SupervisionOut, **ERRORS},
    summary="被督办单位书面回复",
    description='JSON `{"text": …, "version": …}`，或 multipart/form-data（字段 `text`、`version`，文件 `attachments`）。',
)
@conditional(SUPERVISION)
def supervision_reply_api(request, pk: int):
    return _step(request, pk, "reply", None)


@router.post("/{int:pk}/close", response={200: SupervisionOut, **ERRORS}, summary="督办单位审核办结")
@conditional(SUPERVISION)
def supervision_close_api(request, pk: int, payload: Body[dict[str, Any] | None] = None):
    return _step(request, pk, "close", payload or {})


@router.post(
    "/{int:pk}/escalate",
    response={200: SupervisionOut, **ERRORS},
    summary="再次督办（新的回复期限、新的督办函；可记约谈、通报、挂牌督办）",
    description="`measures`：" + "、".join(f"`{c}` {label}" for c, label in Measure.choices),
)
@conditional(SUPERVISION)
def supervision_escalate_api(request, pk: int, payload: Body[dict[str, Any] | None] = None):
    return _step(request, pk, "escalate", payload or {})


class UrgeOut(Schema):
    id: int
    sequence: int
    from_unit: str
    to_unit: str
    actor: str
    note: str
    created_at: datetime.datetime


class CasePanelOut(Schema):
    urges: list[UrgeOut]
    supervisions: list[SupervisionListOut]
    can_urge: bool
    can_supervise: bool
    unsatisfied_evaluation: int | None


def _urge_out(u) -> dict:
    return {
        "id": u.pk,
        "sequence": u.sequence,
        "from_unit": u.from_unit.name,
        "to_unit": u.to_unit.name,
        "actor": str(u.actor),
        "note": u.note,
        "created_at": u.created_at,
    }


@router.get("/cases/{number}", response=CasePanelOut, summary="一件信访件的催办和督办")
def case_panel_api(request, number: str):
    case = get_case_for_user(request.user, number=number)
    panel = case_supervision_panel(request.user, case)
    today = timezone.localdate()
    return {
        "urges": [_urge_out(u) for u in panel["urges"]],
        "supervisions": [_list_out(s, today) for s in panel["supervisions"]],
        "can_urge": panel["can_urge"],
        "can_supervise": panel["can_supervise"],
        "unsatisfied_evaluation": panel["unsatisfied"].pk if panel["unsatisfied"] else None,
    }


class UrgeIn(Schema):
    note: str


@router.post("/cases/{number}/urges", response={201: UrgeOut, **ERRORS}, summary="催办（可多次，计次）")
def urge_api(request, number: str, payload: UrgeIn):
    case = get_case_for_user(request.user, number=number)
    form = UrgeForm(payload.dict())
    done, error = _perform(form, lambda kwargs: urge_create(case=case, actor=request.user, **kwargs))
    if error:
        return error
    return Status(201, _urge_out(done))


# --- 抽查回访 -----------------------------------------------------------------------------------


class CallbackListOut(Schema):
    id: int
    draw: int
    position: int
    case_number: str
    case_title: str
    unit: str
    closed_on: datetime.date
    assignee: str | None
    status: str
    status_label: str
    attempts: int
    satisfaction: str
    follow_up_needed: bool


class CallOut(Schema):
    called_at: datetime.datetime
    caller: str
    reached: bool
    satisfaction: str
    petitioner_said: str
    follow_up_needed: bool
    follow_up_note: str


class CallbackOut(CallbackListOut):
    contact: list[dict] | None
    identity_hidden: bool
    calls: list[CallOut]
    supervisions: list[int]


def _callback_out(c) -> dict:
    return {
        "id": c.pk,
        "draw": c.draw_id,
        "position": c.position,
        "case_number": c.case.number,
        "case_title": c.case.title,
        "unit": c.unit.name,
        "closed_on": c.closed_on,
        "assignee": str(c.assignee) if c.assignee_id else None,
        "status": c.status,
        "status_label": c.get_status_display(),
        "attempts": c.attempts,
        "satisfaction": c.satisfaction,
        "follow_up_needed": c.follow_up_needed,
    }


def _callback_detail_out(request, c) -> dict:
    contact = None
    if may_call(request.user, c) and c.status == CallbackStatus.PENDING:
        contact = cb.callback_contact(user=request.user, callback=c, request=request, via="api")
    return {
        **_callback_out(c),
        "contact": contact,
        "identity_hidden": contact is None
        and may_call(request.user, c)
        and c.status == CallbackStatus.PENDING,
        "calls": [
            {
                "called_at": call.called_at,
                "caller": str(call.caller),
                "reached": call.reached,
                "satisfaction": call.satisfaction,
                "petitioner_said": call.petitioner_said,
                "follow_up_needed": call.follow_up_needed,
                "follow_up_note": call.follow_up_note,
            }
            for call in callback_calls(c)
        ],
        "supervisions": list(c.supervisions.values_list("pk", flat=True)),
    }


class CallbackPage(Schema):
    items: list[CallbackListOut]
    pagination: Pagination


@router.get("/callbacks", response=CallbackPage, summary="我的回访任务")
def callbacks_api(request, status: str = CallbackStatus.PENDING, page: int = 1):
    found = page_of(my_callbacks(user=request.user, status=status), page)
    return {"items": [_callback_out(c) for c in found.object_list], "pagination": page_meta(found)}


class DrawOut(Schema):
    id: int
    unit: str
    drawn_by: str
    drawn_at: datetime.datetime
    period_start: datetime.date
    period_end: datetime.date
    mode: str
    share_percent: int | None
    per_unit_count: int | None
    seed: int
    statuses: list[str]
    population: dict
    case_ids: list[int]
    note: str


class DrawDetailOut(DrawOut):
    callbacks: list[CallbackListOut]
    verified: dict | None


def _draw_out(d) -> dict:
    return {
        "id": d.pk,
        "unit": d.unit.name,
        "drawn_by": str(d.drawn_by),
        "drawn_at": d.drawn_at,
        "period_start": d.period_start,
        "period_end": d.period_end,
        "mode": d.mode,
        "share_percent": d.share_percent,
        "per_unit_count": d.per_unit_count,
        "seed": d.seed,
        "statuses": d.statuses,
        "population": d.population,
        "case_ids": d.case_ids,
        "note": d.note,
    }


@router.get("/callbacks/draws", response=list[DrawOut], summary="回访抽取记录")
def draws_api(request):
    return [_draw_out(d) for d in draw_list(user=request.user)[:200]]


class DrawIn(Schema):
    unit: int | None = None
    period_start: datetime.date
    period_end: datetime.date
    mode: str = "count"
    share_percent: int | None = None
    per_unit_count: int | None = None
    seed: int | None = None
    assignees: list[int] = []


@router.post(
    "/callbacks/draws",
    response={201: DrawDetailOut, **ERRORS},
    summary="抽取回访样本（按单位、按比例或件数；记录种子，可重现）",
)
def draw_create_api(request, payload: DrawIn):
    if not draw_units(request.user):
        return Status(403, {"code": "forbidden", "detail": "只有信访部门的督办员或领导可以抽取回访样本。"})
    data = {key: value for key, value in payload.dict().items() if value is not None}
    data.setdefault("unit", draw_units(request.user)[0].pk)
    form = DrawForm(data, user=request.user)
    done, error = _perform(form, lambda kwargs: cb.callback_draw(actor=request.user, **kwargs))
    if error:
        return error
    draw = get_draw_for_user(request.user, done.pk)
    return Status(
        201,
        {**_draw_out(draw), "callbacks": [_callback_out(c) for c in draw_callbacks(draw)], "verified": None},
    )


@router.get(
    "/callbacks/draws/{int:pk}",
    response=DrawDetailOut,
    summary="一次抽取：参数、种子、抽中的信访件；verify=true 重现核对",
)
def draw_get_api(request, pk: int, verify: bool = False):
    draw = get_draw_for_user(request.user, pk)
    verified = None
    if verify:
        ids, same_population = cb.callback_draw_repeat(draw)
        verified = {"same_sample": ids == draw.case_ids, "same_population": same_population}
    return {
        **_draw_out(draw),
        "callbacks": [_callback_out(c) for c in draw_callbacks(draw)],
        "verified": verified,
    }


class ResultOut(Schema):
    unit_id: int
    unit: str
    since: datetime.date
    until: datetime.date
    drawn: int
    pending: int
    reached: int
    unreachable: int
    satisfied: int
    fairly: int
    unsatisfied: int
    follow_up: int
    supervised: int
    satisfaction_rate: float | None


def _result_out(r) -> dict:
    return {
        "unit_id": r.unit.pk,
        "unit": r.unit.name,
        "since": r.since,
        "until": r.until,
        "drawn": r.drawn,
        "pending": r.pending,
        "reached": r.reached,
        "unreachable": r.unreachable,
        "satisfied": r.satisfied,
        "fairly": r.fairly,
        "unsatisfied": r.unsatisfied,
        "follow_up": r.follow_up,
        "supervised": r.supervised,
        "satisfaction_rate": r.satisfaction_rate,
    }


@router.get("/callbacks/results", response=list[ResultOut], summary="回访结果（按单位；按办结日期）")
def results_api(request, since: datetime.date, until: datetime.date, unit: int | None = None):
    rows = callback_results_by_unit(user=request.user, since=since, until=until)
    if unit is not None:
        rows = [r for r in rows if r.unit.pk == unit]
    return [_result_out(r) for r in rows]


@router.get(
    "/callbacks/{int:pk}", response=CallbackOut, summary="回访任务（回访人可见信访人电话，记入查阅记录）"
)
def callback_get_api(request, pk: int):
    return _callback_detail_out(request, get_callback_for_user(request.user, pk))


@router.post("/callbacks/{int:pk}/calls", response={200: CallbackOut, **ERRORS}, summary="录入一次回访")
def callback_call_api(request, pk: int, payload: Body[dict[str, Any] | None] = None):
    callback = get_callback_for_user(request.user, pk)
    data = dict(payload or {})
    if isinstance(data.get("reached"), bool):
        data["reached"] = "yes" if data["reached"] else "no"
    form = CallForm(data)
    done, error = _perform(
        form, lambda kwargs: cb.callback_record_call(callback=callback, actor=request.user, **kwargs)
    )
    if error:
        return error
    return Status(200, _callback_detail_out(request, get_callback_for_user(request.user, done.pk)))


class AssignIn(Schema):
    assignee: int


@router.post("/callbacks/{int:pk}/assign", response={200: CallbackOut, **ERRORS}, summary="分配回访人员")
def callback_assign_api(request, pk: int, payload: AssignIn):
    callback = get_callback_for_user(request.user, pk)
    form = AssignForm(payload.dict(), callback=callback)
    done, error = _perform(
        form, lambda kwargs: cb.callback_assign(callback=callback, actor=request.user, **kwargs)
    )
    if error:
        return error
    return Status(200, _callback_detail_out(request, get_callback_for_user(request.user, done.pk)))
