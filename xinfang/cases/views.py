"""Case pages: the workbench (工作台), look-up, the case page, the receipt and attachments."""

import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xinfang.cases.access import can_see_identity, get_attachment_for_user, get_case_for_user
from xinfang.cases.forms import ACTION_FORMS
from xinfang.cases.selectors import (
    case_lookup,
    case_timeline,
    case_workflow_records,
    decisions_for,
    pending_record,
    sent_dispatches,
    workbench_cases,
    workbench_counts,
)
from xinfang.cases.steps import STEP_SERVICES
from xinfang.cases.workflow import ACTIONS, ActionRefused, action_refusal, actions_for
from xinfang.common.files import audited_attachment_response
from xinfang.common.paging import IdFirstPaginator
from xinfang.common.services import audit_record
from xinfang.documents.selectors import case_documents
from xinfang.orgs.access import current_unit
from xinfang.supervision.selectors import case_supervision_panel

GROUPS = (
    ("overdue", _("已超期")),
    ("due_soon", _("3个工作日内到期")),
    ("later", _("未到期")),
    ("none", _("无时限")),
)


@login_required
@require_GET
def workbench(request):
    unit = current_unit(request)
    if unit is None:
        return render(request, "cases/no_unit.html", status=403)
    bench = workbench_counts(unit=unit, due_soon_days=settings.DUE_SOON_WORKING_DAYS)
    group = request.GET.get("group") or (
        "overdue" if bench.overdue else "due_soon" if bench.due_soon else "later"
    )
    if group not in dict(GROUPS):
        group = "overdue"
    page = IdFirstPaginator(workbench_cases(bench=bench, group=group), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = {
        "overdue": bench.overdue,
        "due_soon": bench.due_soon,
        "later": bench.later,
        "none": bench.no_deadline,
    }
    groups = [(key, label, counts[key]) for key, label in GROUPS]
    to_decide = decisions_for(user=request.user, unit=unit)
    context = {"bench": bench, "group": group, "groups": groups, "page": page, "to_decide": to_decide}
    return render(request, "cases/workbench.html", context)


@login_required
@require_GET
def sent(request):
    """交转件跟踪: what my unit sent down and its status now (every level above sees it, issue 3 §1)."""
    unit = current_unit(request)
    if unit is None:
        return render(request, "cases/no_unit.html", status=403)
    only_open = request.GET.get("show") != "all"
    page = IdFirstPaginator(sent_dispatches(unit=unit, only_open=only_open), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "unit": unit,
        "page": page,
        "only_open": only_open,
        "today": timezone.localdate(),
        "pager_query": "" if only_open else "show=all&",
    }
    return render(request, "cases/sent.html", context)


@login_required
@require_GET
def lookup(request):
    text = request.GET.get("q", "").strip()[:60]
    page = IdFirstPaginator(case_lookup(user=request.user, text=text), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "q": text,
        "page": page,
        "today": timezone.localdate(),
        "pager_query": urlencode({"q": text}) + "&",
    }
    return render(request, "cases/lookup.html", context)


def _case_context(request, number: str):
    case = get_case_for_user(request.user, number=number)
    show_identity = can_see_identity(request.user, case)
    if show_identity and case.petitioners.exists():
        audit_record(
            user=request.user,
            action="view_personal_data",
            obj=case,
            detail={"number": case.number},
            request=request,
        )
    return {
        "case": case,
        "show_identity": show_identity,
        "petitioners": list(case.petitioners.select_related("id_type")),
        "complained": list(case.complained_parties.all()),
        # A scanned 检举 letter would reveal its writer: only those who may see the identity get it.
        "attachments": list(case.attachments.all()) if show_identity else [],
        "deadlines": list(case.deadlines.select_related("unit")),
        "events": case_timeline(case),
        "today": timezone.localdate(),
        "actions": actions_for(request.user, case),
        **case_workflow_records(case),
        "documents": case_documents(case),
        "supervision_panel": case_supervision_panel(request.user, case),  # 催办、督办 (issue 5 §2)
    }


@login_required
@require_GET
def case_detail(request, number: str):
    return render(request, "cases/detail.html", _case_context(request, number))


@login_required
@require_GET
def case_receipt(request, number: str):
    """受理凭证: the printable slip with the number and 查询码 (2005 条例 §12; 2022 §21)."""
    return render(request, "cases/receipt.html", _case_context(request, number))


@login_required
@require_GET
def attachment_download(request, number: str, attachment_id: int):
    case, attachment = get_attachment_for_user(request.user, number=number, attachment_id=attachment_id)
    return audited_attachment_response(request, attachment, detail={"number": case.number})


def action_perform(*, code: str, case, user, data, files=None):
    """Validate the step's form and run its service: (updated case or None, form, HTTP status)."""
    form = ACTION_FORMS[code](data, files, case=case, user=user)
    if not form.is_valid():
        return None, form, 400
    try:
        updated = STEP_SERVICES[code](
            case=case, actor=user, expected_version=form.cleaned_data.get("version"), **form.service_kwargs()
        )
    except ActionRefused as exc:
        form.add_error(None, str(exc))
        return None, form, 403
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return None, form, 409
    return updated, form, 200


@login_required
@require_http_methods(["GET", "POST"])
def case_action(request, number: str, code: str):
    """One step of the workflow: its form (GET) and doing it (POST). htmx loads the form in place."""
    case = get_case_for_user(request.user, number=number)
    action = ACTIONS.get(code)
    if action is None:
        raise Http404(_("没有这项操作。"))
    template = "cases/_action_form.html" if request.htmx else "cases/action.html"
    context = {"case": case, "action": action}
    refusal = action_refusal(request.user, case, action, seen_version=request.POST.get("version") or None)
    if refusal:
        kind, message = refusal
        context["refusal"] = message
        return render(request, template, context, status=403 if kind == "forbidden" else 409)
    context["pending"] = pending = pending_record(case, code)
    context["pending_kind"] = type(pending).__name__.lower() if pending else ""
    if request.method == "GET":
        context["form"] = ACTION_FORMS[code](case=case, user=request.user)
        return render(request, template, context)
    updated, form, status = action_perform(
        code=code, case=case, user=request.user, data=request.POST, files=request.FILES
    )
    if updated is None:
        context["form"] = form
        return render(request, template, context, status=status)
    messages.success(request, _("已完成：%(action)s。") % {"action": action.label})
    target = reverse("cases:detail", args=[updated.number if code != "split" else case.number])
    if request.htmx:
        # htmx fetches the case page and swaps it in (no full reload), pushing its URL to the history.
        return HttpResponse(headers={"HX-Location": json.dumps({"path": target, "target": "body"})})
    return redirect(target)


@login_required
@require_GET
def search(request):
    """The advanced search (issue 6 §3): full text over title + content and filters over case fields."""
    from xinfang.cases.search import case_search_form

    return search_page(request, case_search_form(request.GET or None))


def search_page(request, form, *, saved_error: str = "", status: int = 200):
    """The search page for a form (bound or not); invalid conditions answer 400 with the reasons."""
    from xinfang.cases.saved_searches import NAME_MAX, normalize_query, saved_searches_for
    from xinfang.cases.search import SearchPaginator, case_search

    results = None
    if form.is_bound and form.is_valid():
        results = case_search(user=request.user, criteria=form.cleaned_data)
    elif form.is_bound:
        status = 400
    page = None
    if results is not None:
        page = SearchPaginator(results, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = normalize_query(request.GET.urlencode()) if form.is_bound else ""
    context = {
        "form": form,
        "page": page,
        "asked": form.is_bound,
        "today": timezone.localdate(),
        "pager_query": (query + "&") if query else "",
        "query": query,
        "saved_searches": list(saved_searches_for(request.user)),
        "saved_error": saved_error,
        "name_max": NAME_MAX,
        "sync_max": settings.EXPORT_SYNC_MAX_ROWS,
    }
    return render(request, "cases/search.html", context, status=400 if saved_error else status)
