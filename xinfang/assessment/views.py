"""目标管理考核 pages (issue 6 §4): thin views over services, selectors and the access gate."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.assessment import access, scoring, selectors, services
from xinfang.assessment.choices import DEDUCTION_ORDER, DeductionCode
from xinfang.assessment.exports import results_export
from xinfang.assessment.forms import AdjustmentForm, DeductionForm, PeriodForm, RuleSetForm
from xinfang.common.paging import IdFirstPaginator
from xinfang.orgs.access import current_unit, seats_of
from xinfang.reporting.periods import recent_periods


def _bureau_for(request):
    """The bureau the manager works for now: the current unit when it is one, else the first."""
    bureaus = access.managed_bureaus(request.user)
    unit = current_unit(request)
    wanted = request.GET.get("bureau") or request.POST.get("bureau")
    for bureau in bureaus:
        if wanted and str(bureau.pk) == wanted:
            return bureau, bureaus
    for bureau in bureaus:
        if unit is not None and bureau.pk == unit.pk:
            return bureau, bureaus
    return (bureaus[0] if bureaus else None), bureaus


def _list_context(request, form=None):
    bureau, bureaus = _bureau_for(request)
    return {
        "bureau": bureau,
        "bureaus": bureaus,
        "rule_sets": selectors.rule_sets_of(bureau) if bureau else [],
        "own": access.finalized_scores_for(request.user),
        "form": form or PeriodForm(),
        "periods": recent_periods(timezone.localdate()),
    }


@login_required
@require_GET
def rule_set_list(request):
    context = _list_context(request)
    if context["bureau"] is None and not context["own"] and not seats_of(request.user):
        raise Http404
    return render(request, "assessment/list.html", context)


@login_required
@require_POST
def rule_set_new(request):
    bureau, _bureaus = _bureau_for(request)
    if bureau is None:
        raise Http404
    form = PeriodForm(request.POST)
    if form.is_valid():
        try:
            rule_set = services.rule_set_create(
                bureau=bureau, period=form.cleaned_data["period"], acting_user=request.user
            )
        except ValidationError as error:
            form.add_error("period", error.message_dict.get("period", error.messages))
        else:
            messages.success(request, _("已建立考核规则，请核对权重和扣分标准。"))
            return redirect("assessment:edit", rule_set.pk)
    return render(request, "assessment/list.html", _list_context(request, form), status=400)


def _deduction_forms(rule_set, data=None):
    rules = {rule.code: rule for rule in rule_set.deductions.all()}
    found = []
    for code in DEDUCTION_ORDER:
        rule = rules.get(code)
        if rule is None:
            continue
        initial = {
            "is_active": rule.is_active,
            "points_per_event": rule.points_per_event,
            "cap": rule.cap,
            "threshold": rule.threshold,
        }
        found.append(DeductionForm(data, rule=rule, prefix=code, initial=initial))
    return found


@login_required
@require_http_methods(["GET", "POST"])
def rule_set_edit(request, pk):
    rule_set = access.rule_set_to_manage(request.user, pk)
    status = 200
    if request.method == "POST":
        if rule_set.is_final:
            messages.error(request, _("本期考核已定稿，不能再修改。"))
            return redirect("assessment:results", rule_set.pk)
        form = RuleSetForm(request.POST, instance=rule_set)
        deduction_forms = _deduction_forms(rule_set, request.POST)
        if form.is_valid() and all(f.is_valid() for f in deduction_forms):
            deductions = {
                f.rule.code: {k: v for k, v in f.cleaned_data.items() if v is not None}
                for f in deduction_forms
            }
            try:
                services.rule_set_update(
                    rule_set=rule_set,
                    values=form.cleaned_data,
                    deductions=deductions,
                    acting_user=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("考核规则已保存。规则改动后请重新计算得分。"))
                return redirect("assessment:results", rule_set.pk)
        status = 400
    else:
        form = RuleSetForm(instance=rule_set)
        deduction_forms = _deduction_forms(rule_set)
    context = {"rule_set": rule_set, "form": form, "deduction_forms": deduction_forms}
    return render(request, "assessment/edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def key_tasks(request, pk):
    rule_set = access.rule_set_to_manage(request.user, pk)
    units = scoring.assessed_units(rule_set.bureau)
    entered = {row.unit_id: row for row in rule_set.key_tasks.all()}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        points = {unit.pk: request.POST.get(f"unit_{unit.pk}", "").strip() for unit in units}
        points = {k: v for k, v in points.items() if v != ""}
        notes = {unit.pk: request.POST.get(f"note_{unit.pk}", "").strip() for unit in units}
        try:
            if rule_set.is_final:
                raise ValidationError(_("本期考核已定稿，不能再修改。"))
            services.key_tasks_set(rule_set=rule_set, points=points, notes=notes, acting_user=request.user)
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
            status = 400
        else:
            messages.success(request, _("重点工作得分已保存，请重新计算得分。"))
            return redirect("assessment:results", rule_set.pk)
    rows = [
        {
            "unit": unit,
            "value": request.POST.get(
                f"unit_{unit.pk}", entered[unit.pk].points if unit.pk in entered else ""
            ),
            "note": request.POST.get(f"note_{unit.pk}", entered[unit.pk].note if unit.pk in entered else ""),
            "errors": errors.get(f"unit_{unit.pk}", []),
        }
        for unit in units
    ]
    other_errors = [m for key, msgs in errors.items() if not key.startswith("unit_") for m in msgs]
    context = {"rule_set": rule_set, "rows": rows, "other_errors": other_errors, "has_errors": bool(errors)}
    return render(request, "assessment/key_tasks.html", context, status=status)


def _locked_or_invalid(request, rule_set, error) -> HttpResponse:
    messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
    return redirect("assessment:results", rule_set.pk)


@login_required
@require_POST
def compute(request, pk):
    rule_set = access.rule_set_to_manage(request.user, pk)
    try:
        services.assessment_compute(rule_set=rule_set, acting_user=request.user)
    except services.AssessmentLocked as error:
        return _locked_or_invalid(request, rule_set, error)
    messages.success(request, _("得分已计算。定稿前可随时重新计算。"))
    return redirect("assessment:results", rule_set.pk)


@login_required
@require_POST
def finalize(request, pk):
    rule_set = access.rule_set_to_manage(request.user, pk)
    try:
        services.assessment_finalize(rule_set=rule_set, acting_user=request.user)
    except (services.AssessmentLocked, ValidationError) as error:
        return _locked_or_invalid(request, rule_set, error)
    messages.success(request, _("本期考核已定稿，各单位可以查看本单位得分。"))
    return redirect("assessment:results", rule_set.pk)


@login_required
@require_POST
def copy_next(request, pk):
    rule_set = access.rule_set_to_manage(request.user, pk)
    try:
        new = services.rule_set_copy_to_next(rule_set=rule_set, acting_user=request.user)
    except ValidationError as error:
        return _locked_or_invalid(request, rule_set, error)
    messages.success(request, _("已复制到下一期，请核对。"))
    return redirect("assessment:edit", new.pk)


@login_required
@require_GET
def results(request, pk):
    rule_set, visible = access.rule_set_to_view(request.user, pk)
    scores = list(selectors.scores_of(rule_set))
    if visible is not None:
        scores = [score for score in scores if score.unit_id in visible]
    rules = scoring.ordered_rules(rule_set)
    rows = [{"score": score, "items": score.items} for score in scores]
    context = {
        "rule_set": rule_set,
        "rows": rows,
        "headers": rows[0]["items"] if rows else [],
        "manages": visible is None,
        "rules": rules,
        "period_label": scoring.rule_period(rule_set).label,
    }
    return render(request, "assessment/results.html", context)


@login_required
@require_GET
def breakdown(request, pk, unit_id):
    rule_set, visible = access.rule_set_to_view(request.user, pk)
    unit = access.unit_to_view(request.user, rule_set, visible, unit_id)
    return _breakdown_page(request, rule_set, unit, visible is None, AdjustmentForm())


def _breakdown_page(request, rule_set, unit, manages, form, status=200):
    score = rule_set.scores.get(unit=unit)
    context = {
        "rule_set": rule_set,
        "unit": unit,
        "score": score,
        "items": [
            {**item, "percent": None if item.get("rate") is None else f"{item['rate'] * 100:.1f}%"}
            for item in score.items
        ],
        "adjustments": selectors.adjustments_of(rule_set, unit),
        "manages": manages,
        "form": form,
        "period_label": scoring.rule_period(rule_set).label,
    }
    return render(request, "assessment/breakdown.html", context, status=status)


@login_required
@require_POST
def adjust(request, pk, unit_id):
    rule_set = access.rule_set_to_manage(request.user, pk)
    unit = access.unit_to_view(request.user, rule_set, None, unit_id)
    form = AdjustmentForm(request.POST)
    if rule_set.is_final:
        form.add_error(None, _("本期考核已定稿，不能再加减分。"))
        return _breakdown_page(request, rule_set, unit, True, form, status=409)
    if form.is_valid():
        try:
            services.adjustment_create(
                rule_set=rule_set,
                unit=unit,
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("加减分已记录。"))
            return redirect("assessment:breakdown", rule_set.pk, unit.pk)
    return _breakdown_page(request, rule_set, unit, True, form, status=400)


@login_required
@require_GET
def evidence(request, pk, unit_id, code):
    rule_set, visible = access.rule_set_to_view(request.user, pk)
    unit = access.unit_to_view(request.user, rule_set, visible, unit_id)
    if code not in DEDUCTION_ORDER:
        raise Http404
    evidence = selectors.evidence_for(
        user=request.user, rule_set=rule_set, unit=unit, code=code, today=timezone.localdate()
    )
    context = {
        "rule_set": rule_set,
        "unit": unit,
        "code": code,
        "title": DeductionCode(code).label,
        "rule": evidence.rule,
        "today": timezone.localdate(),
        "pager_query": "",
        "page": IdFirstPaginator(evidence.records, settings.PAGE_SIZE).get_page(request.GET.get("page")),
        "kind": evidence.kind,
        "stored": evidence.stored,
    }
    return render(request, "assessment/evidence.html", context)


@login_required
@require_GET
def export(request, pk):
    rule_set = access.rule_set_to_manage(request.user, pk)
    content, filename = results_export(rule_set=rule_set, user=request.user, request=request)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
