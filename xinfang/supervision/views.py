"""催办, 督办 and 抽查回访 pages (thin: gate, form, service, message; style.md §10).

Gates answer 404 alike for missing and forbidden; a step the user may not take answers 403 with the
reason, a step that no longer fits 409, bad input 400 with the form and its Chinese messages.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.cases.access import get_case_for_user
from xinfang.common.files import audited_attachment_response
from xinfang.common.paging import IdFirstPaginator
from xinfang.documents.choices import DocKind
from xinfang.supervision import callbacks as cb
from xinfang.supervision.access import (
    draw_units,
    get_callback_for_user,
    get_draw_for_user,
    get_reply_attachment_for_user,
    get_supervision_for_user,
    is_leader,
    may_call,
    may_manage_draw,
    replying_units,
    supervising_units,
)
from xinfang.supervision.choices import CallbackStatus, SupervisionStatus
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
    draw_callbacks,
    draw_list,
    my_callbacks,
    supervision_counts,
    supervision_history,
    supervision_list,
    supervision_replies,
    unit_choices,
)
from xinfang.supervision.services import STEP_SERVICES, supervision_open, urge_create
from xinfang.supervision.workflow import STEPS, SupervisionConflict, step_refusal, steps_for


def run_service(form, call):
    """Run a service for a valid form: (result or None, HTTP status); errors go onto the form."""
    try:
        return call(), 200
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return None, 403
    except SupervisionConflict as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return None, 409
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            for message in exc.messages:
                form.add_error(None, message)
        return None, 400


def _date(value):
    try:
        return parse_date(value or "")
    except ValueError:
        return None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- 督办 lists and pages --------------------------------------------------------------------------


@login_required
@require_GET
def supervision_list_view(request):
    user = request.user
    default_tab = "active" if supervising_units(user) or not replying_units(user) else "to_reply"
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else default_tab
    unit_id = _int(request.GET.get("unit"))
    status = request.GET.get("status", "")
    status = status if status in SupervisionStatus.values else ""
    found = supervision_list(user=user, tab=tab, target_unit_id=unit_id, status=status)
    page = IdFirstPaginator(found, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = {"tab": tab, "unit": unit_id or "", "status": status}
    context = {
        "tab": tab,
        "page": page,
        "counts": supervision_counts(user=user),
        "units": unit_choices(user=user),
        "unit_id": unit_id,
        "status": status,
        "statuses": SupervisionStatus.choices,
        "is_leader": is_leader(user),
        "today": timezone.localdate(),
        "pager_query": urlencode({k: v for k, v in query.items() if v}) + "&",
    }
    return render(request, "supervision/list.html", context)


def _letters(supervision):
    numbers = {e.data.get("letter") for e in supervision.events.all() if e.data.get("letter")}
    return list(
        supervision.case.documents.filter(kind=DocKind.SUPERVISION_LETTER, number__in=numbers)
        .select_related("unit")
        .order_by("id")
    )


def _detail_context(request, supervision):
    return {
        "s": supervision,
        "case": supervision.case,
        "steps": steps_for(request.user, supervision),
        "replies": supervision_replies(supervision),
        "history": supervision_history(supervision),
        "letters": _letters(supervision),
        "today": timezone.localdate(),
    }


@login_required
@require_GET
def supervision_detail(request, pk: int):
    supervision = get_supervision_for_user(request.user, pk)
    return render(request, "supervision/detail.html", _detail_context(request, supervision))


@login_required
@require_http_methods(["GET", "POST"])
def supervision_step(request, pk: int, code: str):
    """回复 / 审核办结 / 再次督办: the step's form (GET) and doing it (POST)."""
    supervision = get_supervision_for_user(request.user, pk)
    step = STEPS.get(code)
    if step is None:
        raise Http404(_("没有这项操作。"))
    context = {"s": supervision, "case": supervision.case, "step": step}
    refusal = step_refusal(request.user, supervision, step, seen_version=request.POST.get("version"))
    if refusal:
        kind, message = refusal
        context["refusal"] = message
        return render(request, "supervision/step.html", context, status=403 if kind == "forbidden" else 409)
    form_class = STEP_FORMS[code]
    if request.method == "GET":
        context["form"] = form_class(supervision=supervision, user=request.user)
        return render(request, "supervision/step.html", context)
    form = form_class(request.POST, request.FILES, supervision=supervision, user=request.user)
    status = 400
    if form.is_valid():
        kwargs = form.service_kwargs()
        done, status = run_service(
            form, lambda: STEP_SERVICES[code](supervision=supervision, actor=request.user, **kwargs)
        )
        if done is not None:
            messages.success(request, _("已完成：%(step)s。") % {"step": step.label})
            return redirect("supervision:detail", pk=supervision.pk)
    context["form"] = form
    return render(request, "supervision/step.html", context, status=status)


@login_required
@require_GET
def reply_attachment(request, pk: int, attachment_id: int):
    supervision, attachment = get_reply_attachment_for_user(request.user, pk, attachment_id)
    return audited_attachment_response(
        request, attachment, detail={"number": supervision.case.number, "supervision": supervision.pk}
    )


# --- Starting from a case: 催办 and 发起督办 -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def urge(request, number: str):
    case = get_case_for_user(request.user, number=number)
    form = UrgeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            done, status = run_service(
                form, lambda: urge_create(case=case, actor=request.user, note=form.cleaned_data["note"])
            )
            if done is not None:
                messages.success(request, _("已催办（第%(n)d次）。") % {"n": done.sequence})
                return redirect("cases:detail", number=case.number)
    return render(request, "supervision/urge.html", {"case": case, "form": form}, status=status)


def _open_sources(request, case):
    """The 不满意 evaluation or the callback a supervision is opened from (?evaluation= / ?callback=)."""
    evaluation = callback = None
    evaluation_id = _int(request.GET.get("evaluation"))
    if evaluation_id:
        evaluation = case.evaluations.select_related("unit").filter(pk=evaluation_id).first()
    callback_id = _int(request.GET.get("callback"))
    if callback_id:
        found = get_callback_for_user(request.user, callback_id)
        callback = found if found.case_id == case.pk else None
    return evaluation, callback


@login_required
@require_http_methods(["GET", "POST"])
def supervision_open_view(request, number: str):
    case = get_case_for_user(request.user, number=number)
    evaluation, callback = _open_sources(request, case)
    form_kwargs = {"case": case, "user": request.user, "evaluation": evaluation, "callback": callback}
    form = SupervisionOpenForm(request.POST or None, **form_kwargs)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            kwargs = form.service_kwargs()
            done, status = run_service(
                form, lambda: supervision_open(case=case, actor=request.user, **kwargs)
            )
            if done is not None:
                messages.success(
                    request, _("已发起督办，督办函%(number)s已制发。") % {"number": done.letter.number}
                )
                return redirect("supervision:detail", pk=done.pk)
    context = {"case": case, "form": form, "evaluation": evaluation, "callback": callback}
    return render(request, "supervision/open.html", context, status=status)


# --- 抽查回访 -----------------------------------------------------------------------------------


@login_required
@require_GET
def callback_list(request):
    show = request.GET.get("show", CallbackStatus.PENDING)
    tasks = IdFirstPaginator(my_callbacks(user=request.user, status=show), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "tasks": tasks,
        "show": show,
        "draws": list(draw_list(user=request.user)[:50]),
        "can_draw": bool(draw_units(request.user)),
        "pager_query": urlencode({"show": show}) + "&",
    }
    return render(request, "supervision/callbacks.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def draw_create(request):
    if not draw_units(request.user):
        return render(request, "supervision/not_allowed.html", status=403)
    form = DrawForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.service_kwargs()
            done, status = run_service(form, lambda: cb.callback_draw(actor=request.user, **data))
            if done is not None:
                messages.success(
                    request,
                    _("已抽取%(n)d件，随机种子%(seed)d。") % {"n": len(done.case_ids), "seed": done.seed},
                )
                return redirect("supervision:draw", pk=done.pk)
    return render(request, "supervision/draw_form.html", {"form": form}, status=status)


@login_required
@require_GET
def draw_detail(request, pk: int):
    draw = get_draw_for_user(request.user, pk)
    verified = None
    if request.GET.get("verify"):
        ids, same_population = cb.callback_draw_repeat(draw)
        verified = {"same_sample": ids == draw.case_ids, "same_population": same_population}
    context = {"draw": draw, "tasks": draw_callbacks(draw), "verified": verified}
    return render(request, "supervision/draw_detail.html", context)


def _callback_context(request, callback, *, call_form=None, assign_form=None):
    can_call = may_call(request.user, callback)
    contact = None
    if can_call and callback.status == CallbackStatus.PENDING:
        contact = cb.callback_contact(user=request.user, callback=callback, request=request)
    offer_supervision = (
        callback.status == CallbackStatus.DONE
        and (callback.satisfaction == "unsatisfied" or callback.follow_up_needed)
        and not callback.supervisions.exists()
    )
    manage = may_manage_draw(request.user, callback.draw)
    return {
        "c": callback,
        "case": callback.case,
        "calls": callback_calls(callback),
        "can_call": can_call and callback.status == CallbackStatus.PENDING,
        "contact": contact,
        "identity_hidden": can_call and contact is None,
        "call_form": call_form or CallForm(),
        "assign_form": (assign_form or AssignForm(callback=callback)) if manage else None,
        "offer_supervision": offer_supervision,
        "supervisions": list(callback.supervisions.all()),
    }


@login_required
@require_GET
def callback_detail(request, pk: int):
    callback = get_callback_for_user(request.user, pk)
    return render(request, "supervision/callback_detail.html", _callback_context(request, callback))


@login_required
@require_POST
def callback_call(request, pk: int):
    callback = get_callback_for_user(request.user, pk)
    form = CallForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.service_kwargs()
        done, status = run_service(
            form, lambda: cb.callback_record_call(callback=callback, actor=request.user, **data)
        )
        if done is not None:
            messages.success(request, _("回访记录已保存。"))
            return redirect("supervision:callback", pk=callback.pk)
    context = _callback_context(request, callback, call_form=form)
    return render(request, "supervision/callback_detail.html", context, status=status)


@login_required
@require_POST
def callback_assign_view(request, pk: int):
    callback = get_callback_for_user(request.user, pk)
    form = AssignForm(request.POST, callback=callback)
    status = 400
    if form.is_valid():
        assignee = form.cleaned_data["assignee"]
        done, status = run_service(
            form, lambda: cb.callback_assign(callback=callback, actor=request.user, assignee=assignee)
        )
        if done is not None:
            messages.success(request, _("已分配给%(user)s。") % {"user": assignee})
            return redirect("supervision:callback", pk=callback.pk)
    context = _callback_context(request, callback, assign_form=form)
    return render(request, "supervision/callback_detail.html", context, status=status)


@login_required
@require_GET
def callback_results_view(request):
    today = timezone.localdate()
    since = _date(request.GET.get("since")) or today.replace(month=1, day=1)
    until = _date(request.GET.get("until")) or today
    rows = callback_results_by_unit(user=request.user, since=since, until=until) if since <= until else []
    return render(request, "supervision/results.html", {"rows": rows, "since": since, "until": until})
