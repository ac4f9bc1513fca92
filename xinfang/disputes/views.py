"""Ledger pages: the list with its counts strip and filters, export and print, register, edit, the
dispute page and its steps. Thin: parse, gate, call the service, render (style.md §10)."""

import json
from urllib.parse import quote, urlencode

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

from xinfang.cases.selectors import working_days_ahead
from xinfang.common.paging import IdFirstPaginator
from xinfang.common.services import audit_record
from xinfang.disputes.access import can_see_contacts, get_dispute_for_user, reads_a_ledger, writable_units
from xinfang.disputes.choices import RISK_RULES, DisputeStatus, PartyKind, RiskLevel
from xinfang.disputes.exports import export_filename, ledger_export_file
from xinfang.disputes.forms import STEP_FORMS, DisputeForm, MeasureForm, PartyFormSet, parties_of
from xinfang.disputes.selectors import (
    OPEN,
    LedgerFilters,
    dispute_detail_records,
    dispute_list,
    filter_units,
    ledger_counts,
)
from xinfang.disputes.services import STEP_SERVICES, dispute_create, dispute_measure_add, dispute_update
from xinfang.disputes.workflow import ACTIONS, DisputeConflict, DisputeRefused, action_refusal, actions_for

PRINT_MAX_ROWS = 1000
SERVICES = {**STEP_SERVICES, "measure": dispute_measure_add}
FORMS = {**STEP_FORMS, "measure": MeasureForm}
PAGE_ACTIONS = ("edit", "measure")  # have their own place on the page, not among the step buttons


def _reads_a_ledger(user) -> bool:
    return reads_a_ledger(user)


def _tiles(counts: dict, filters: LedgerFilters) -> tuple[list, list]:
    """The counts strip: open items by risk (and overdue), then every status; each tile is a filter."""

    def url(**params):
        return "?" + urlencode(filters.as_query(**{"risk": "", "status": "", "overdue": "", **params}))

    risk = [
        (_("高风险未化解"), counts["risk_high"], url(risk=RiskLevel.HIGH, status=OPEN), "overdue"),
        (_("中风险未化解"), counts["risk_medium"], url(risk=RiskLevel.MEDIUM, status=OPEN), "due_soon"),
        (_("低风险未化解"), counts["risk_low"], url(risk=RiskLevel.LOW, status=OPEN), "later"),
        (_("已超期"), counts["overdue"], url(overdue="1"), "overdue"),
        (_("上报待签收"), counts["awaiting_ack"], url(), ""),
    ]
    statuses = [(s.label, counts[f"status_{s.value}"], url(status=s.value), "") for s in DisputeStatus]
    return risk, statuses


@login_required
@require_GET
def ledger(request):
    if not _reads_a_ledger(request.user):
        return render(request, "disputes/no_ledger.html", status=403)
    filters = LedgerFilters.from_params(request.GET)
    today = timezone.localdate()
    listed = dispute_list(user=request.user, filters=filters, today=today).prefetch_related("parties")
    page = IdFirstPaginator(listed, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    counts = ledger_counts(user=request.user, filters=filters, today=today)
    risk_tiles, status_tiles = _tiles(counts, filters)
    query = urlencode(filters.as_query())
    context = {
        "filters": filters,
        "page": page,
        "counts": counts,
        "risk_tiles": risk_tiles,
        "status_tiles": status_tiles,
        "units": filter_units(request.user),
        "risk_choices": RiskLevel.choices,
        "status_choices": [(OPEN, _("未办结（全部）")), *DisputeStatus.choices],
        "can_create": bool(writable_units(request.user)),
        "today": today,
        "soon_until": working_days_ahead(today, settings.DUE_SOON_WORKING_DAYS),
        "query": query,
        "pager_query": query + "&" if query else "",
    }
    return render(request, "disputes/ledger.html", context)


@login_required
@require_GET
def ledger_export(request):
    """The filtered ledger as .xlsx; every export is audited (with whether contacts were in full)."""
    filters = LedgerFilters.from_params(request.GET)
    today = timezone.localdate()
    content = ledger_export_file(user=request.user, filters=filters, today=today, request=request)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(export_filename(today))}"
    return response


@login_required
@require_GET
def ledger_print(request):
    """A printable ledger (A4 landscape): the filtered rows, personal data masked as on the list."""
    if not _reads_a_ledger(request.user):
        return render(request, "disputes/no_ledger.html", status=403)
    filters = LedgerFilters.from_params(request.GET)
    today = timezone.localdate()
    rows = list(
        dispute_list(user=request.user, filters=filters, today=today).prefetch_related("parties")[
            :PRINT_MAX_ROWS
        ]
    )
    audit_record(
        user=request.user,
        action="print_disputes",
        object_type="disputes.dispute",
        object_id="ledger",
        detail={"filters": filters.as_query(), "rows": len(rows)},
        request=request,
    )
    context = {
        "rows": rows,
        "filters": filters,
        "today": today,
        "truncated": len(rows) >= PRINT_MAX_ROWS,
        "query": urlencode(filters.as_query()),
        "counts": ledger_counts(user=request.user, filters=filters, today=today),
    }
    return render(request, "disputes/print.html", context)


# --- Register and edit ----------------------------------------------------------------------------


def _apply_errors(exc: ValidationError, form, formset=None, rows=None) -> list[str]:
    """Put a service's field errors next to their fields; returns errors about the parties as a whole."""
    party_errors = []
    for key, errors in (
        exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    ).items():
        for message in errors:
            if key.startswith("parties.") and formset is not None:
                _prefix, index, name = key.split(".", 2)
                formset.forms[rows[int(index)]].add_error(
                    name if name in ("kind", "name", "contact") else None, message
                )
            elif key == "parties":
                party_errors.append(message)
            elif key in form.fields:
                form.add_error(key, message)
            else:
                form.add_error(None, message)
    return party_errors


def _form_page(request, template, context, form, formset, *, save):
    """Validate the form and the parties, call `save(data, parties)`; 400 with messages when wrong."""
    context.update(form=form, formset=formset, risk_rules=_risk_rules())
    if request.method != "POST":
        return render(request, template, context)
    if not (form.is_valid() and formset.is_valid()):
        return render(request, template, context, status=400)
    parties, rows = parties_of(formset)
    try:
        dispute = save(form.dispute_input(), parties)
    except DisputeRefused as exc:
        form.add_error(None, str(exc))
        return render(request, template, context, status=403)
    except DisputeConflict as exc:
        form.add_error(None, exc.messages[0])
        return render(request, template, context, status=409)
    except ValidationError as exc:
        context["party_errors"] = _apply_errors(exc, form, formset, rows)
        return render(request, template, context, status=400)
    return redirect("disputes:detail", dispute.number)


def _risk_rules():
    return [(level.value, level.label, str(RISK_RULES[level])) for level in RiskLevel]


@login_required
@require_http_methods(["GET", "POST"])
def dispute_new(request):
    units = writable_units(request.user)
    if not units:
        return render(request, "disputes/no_ledger.html", {"cannot_register": True}, status=403)
    data = request.POST if request.method == "POST" else None
    form = DisputeForm(data, units=units)
    formset = PartyFormSet(data, prefix="parties")

    def save(dispute_input, parties):
        dispute = dispute_create(
            actor=request.user, unit=form.cleaned_data["unit"], data=dispute_input, parties=parties
        )
        messages.success(request, _("已登记：%(number)s。") % {"number": dispute.number})
        return dispute

    return _form_page(request, "disputes/form.html", {"creating": True}, form, formset, save=save)


@login_required
@require_http_methods(["GET", "POST"])
def dispute_edit(request, number: str):
    dispute = get_dispute_for_user(request.user, number)
    refusal = action_refusal(
        request.user, dispute, ACTIONS["edit"], seen_version=request.POST.get("version") or None
    )
    if refusal:
        kind, message = refusal
        context = {"dispute": dispute, "action": ACTIONS["edit"], "refusal": message}
        return render(request, "disputes/action.html", context, status=403 if kind == "forbidden" else 409)
    if request.method == "POST":
        form = DisputeForm(request.POST, units=[], dispute=dispute)
        formset = PartyFormSet(request.POST, prefix="parties")
    else:
        form = DisputeForm(initial=DisputeForm.initial_for(dispute), units=[], dispute=dispute)
        initial = [{"kind": p.kind, "name": p.name, "contact": p.contact} for p in dispute.parties.all()]
        formset = PartyFormSet(initial=initial, prefix="parties")
        # Editing shows the parties' contacts in full: the same personal-data view as the dispute page.
        _audit_personal_view(request, dispute, initial)

    def save(dispute_input, parties):
        updated = dispute_update(
            dispute=dispute,
            actor=request.user,
            data=dispute_input,
            parties=parties,
            expected_version=form.cleaned_data.get("version"),
        )
        messages.success(request, _("已保存。"))
        return updated

    return _form_page(request, "disputes/form.html", {"dispute": dispute}, form, formset, save=save)


def _audit_personal_view(request, dispute, parties) -> None:
    def personal(p):
        return (p["kind"] if isinstance(p, dict) else p.kind) == PartyKind.PERSON or (
            p["contact"] if isinstance(p, dict) else p.contact
        )

    if any(personal(p) for p in parties):
        audit_record(
            user=request.user,
            action="view_personal_data",
            obj=dispute,
            detail={"number": dispute.number},
            request=request,
        )


# --- The dispute page and its steps ---------------------------------------------------------------


@login_required
@require_GET
def dispute_detail(request, number: str):
    dispute = get_dispute_for_user(request.user, number)
    records = dispute_detail_records(dispute)
    show_contacts = can_see_contacts(request.user, dispute)
    if show_contacts:
        _audit_personal_view(request, dispute, records["parties"])
    allowed = actions_for(request.user, dispute)
    today = timezone.localdate()
    context = {
        "dispute": dispute,
        "show_contacts": show_contacts,
        **records,
        "actions": [a for a in allowed if a.code not in PAGE_ACTIONS],
        "can_edit": any(a.code == "edit" for a in allowed),
        "measure_form": MeasureForm(dispute=dispute, user=request.user)
        if any(a.code == "measure" for a in allowed)
        else None,
        "risk_rule": RISK_RULES[dispute.risk_level],
        "today": today,
        "soon_until": working_days_ahead(today, settings.DUE_SOON_WORKING_DAYS),
        "overdue": dispute.is_overdue_on(today),
    }
    return render(request, "disputes/detail.html", context)


def step_perform(*, code: str, dispute, user, data):
    """Validate the step's form and run its service: (result or None, form, HTTP status)."""
    form = FORMS[code](data, dispute=dispute, user=user)
    if not form.is_valid():
        return None, form, 400
    try:
        result = SERVICES[code](
            dispute=dispute,
            actor=user,
            expected_version=form.cleaned_data.get("version"),
            **form.service_kwargs(),
        )
    except DisputeRefused as exc:
        form.add_error(None, str(exc))
        return None, form, 403
    except DisputeConflict as exc:
        form.add_error(None, exc.messages[0])
        return None, form, 409
    except ValidationError as exc:
        _apply_errors(exc, form)
        return None, form, 400
    return result, form, 200


@login_required
@require_http_methods(["GET", "POST"])
def dispute_action(request, number: str, code: str):
    """One step (开始调处, 已化解, 未化解上报, 转入信访程序, 关联信访件, 上报, 签收, 化解措施)."""
    dispute = get_dispute_for_user(request.user, number)
    action = ACTIONS.get(code)
    if action is None or code not in FORMS:
        raise Http404(_("没有这项操作。"))
    template = "disputes/_action_form.html" if request.htmx else "disputes/action.html"
    context = {"dispute": dispute, "action": action}
    refusal = action_refusal(request.user, dispute, action, seen_version=request.POST.get("version") or None)
    if refusal:
        kind, message = refusal
        context["refusal"] = message
        return render(request, template, context, status=403 if kind == "forbidden" else 409)
    if request.method == "GET":
        context["form"] = FORMS[code](dispute=dispute, user=request.user)
        return render(request, template, context)
    result, form, status = step_perform(code=code, dispute=dispute, user=request.user, data=request.POST)
    if result is None:
        context["form"] = form
        return render(request, template, context, status=status)
    messages.success(request, _("已完成：%(action)s。") % {"action": action.label})
    target = reverse("disputes:detail", args=[dispute.number])
    if request.htmx:
        return HttpResponse(headers={"HX-Location": json.dumps({"path": target, "target": "body"})})
    return redirect(target)
