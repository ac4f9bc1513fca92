"""信息报送 pages: the lists and search, write and edit, one item with its history and the decisions,
print/PDF/Word copies, attachments, and the 信访局's summary per unit.

Thin views (style.md §10): the gate (`get_submission_for_user`, 404 alike for missing and forbidden),
the form, the service, a message.
"""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.common.files import audited_attachment_response
from xinfang.common.paging import IdFirstPaginator
from xinfang.orgs.access import current_unit
from xinfang.reporting.periods import parse_period, recent_periods
from xinfang.reporting.submission_access import (
    can_review,
    can_submit,
    can_write,
    get_submission_attachment_for_user,
    get_submission_for_user,
    reviewing_units,
    writing_units,
)
from xinfang.reporting.submission_forms import REVIEW_FORMS, SearchForm, SubmissionForm, SummaryForm
from xinfang.reporting.submission_print import (
    DOCX_MIME,
    PDF_MIME,
    download,
    file_name,
    to_pdf,
    to_word,
)
from xinfang.reporting.submission_selectors import (
    BOXES,
    SearchFilters,
    box_counts,
    current_attachments,
    filter_units,
    submission_copy,
    submission_list,
    submission_summary,
    submission_versions,
)
from xinfang.reporting.submissions import (
    SubmissionConflict,
    default_level,
    submission_adopt,
    submission_create,
    submission_delete,
    submission_return,
    submission_submit,
    submission_update,
)

REVIEW_SERVICES = {"adopt": submission_adopt, "return": submission_return}


def add_service_errors(form, exc: ValidationError) -> None:
    """The service's messages onto the form: by field where the form has it, otherwise on top."""
    if not hasattr(exc, "error_dict"):
        for text in exc.messages:
            form.add_error(None, text)
        return
    for key, texts in exc.message_dict.items():
        target = key if key in form.fields else None
        for text in texts:
            form.add_error(target, text)


# --- Lists ----------------------------------------------------------------------------------------------


@login_required
@require_GET
def submission_list_view(request):
    counts = box_counts(request.user)
    default_box = "review" if counts["review"] or reviewing_units(request.user) else "mine"
    box = request.GET.get("box") if request.GET.get("box") in BOXES else default_box
    form = SearchForm(request.GET or None, units=filter_units(request.user))
    data = form.cleaned_data if form.is_valid() else {}
    filters = SearchFilters(
        text=data.get("q") or "",
        unit_id=data.get("unit"),
        kind=data.get("kind") or "",
        period=data.get("period"),
        status=data.get("status") or "",
    )
    page = IdFirstPaginator(submission_list(user=request.user, box=box, filters=filters), settings.PAGE_SIZE)
    page = page.get_page(request.GET.get("page"))
    query = {key: value for key, value in request.GET.items() if key != "page" and value}
    context = {
        "box": box,
        "counts": counts,
        "form": form,
        "filtered": any([filters.text, filters.unit_id, filters.kind, filters.period, filters.status]),
        "page": page,
        "pager_query": urlencode(query) + "&",
        "can_write": bool(writing_units(request.user)),
        "is_reviewer": bool(reviewing_units(request.user)),
    }
    return render(request, "reporting/list.html", context)


# --- Write and edit --------------------------------------------------------------------------------------


def _units_for(request):
    units = writing_units(request.user)
    here = current_unit(request)
    return sorted(units, key=lambda u: u.pk != (here.pk if here else None))


def _form_page(request, form, *, submission=None, status=200):
    context = {
        "form": form,
        "submission": submission,
        "periods": recent_periods(timezone.localdate()),
        "signoff_required": settings.REPORT_SIGNOFF_REQUIRED,
    }
    return render(request, "reporting/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def submission_new(request):
    units = _units_for(request)
    if not units:
        raise PermissionDenied(_("您所在的单位没有上级信访部门，或您没有起草报送信息的角色。"))
    form = SubmissionForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "GET":
        form.initial.setdefault("period", timezone.localdate().strftime("%Y-%m"))
        return _form_page(request, form)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    unit = next(u for u in units if u.pk == form.cleaned_data["unit"])
    data = form.service_kwargs()
    data.pop("remove_attachments", None)
    try:
        submission = submission_create(actor=request.user, unit=unit, **data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _form_page(request, form, status=400)
    messages.success(request, _("已保存草稿。检查无误后请点“报送”。"))
    return redirect("reporting:submission-detail", pk=submission.pk)


@login_required
@require_http_methods(["GET", "POST"])
def submission_edit(request, pk: int):
    submission = get_submission_for_user(request.user, pk)
    if not can_write(request.user, submission) or not submission.is_editable:
        raise PermissionDenied(_("该信息现在不能修改。"))
    attachments = list(current_attachments(submission))
    initial = {
        "unit": submission.unit_id,
        "kind": submission.kind,
        "title": submission.title,
        "period": submission.period,
        "is_urgent": submission.is_urgent,
        "body": submission.body,
    }
    form = SubmissionForm(
        request.POST or None,
        request.FILES or None,
        units=[submission.unit],
        attachments=attachments,
        initial=initial,
    )
    if request.method == "GET":
        return _form_page(request, form, submission=submission)
    if not form.is_valid():
        return _form_page(request, form, submission=submission, status=400)
    try:
        submission_update(submission=submission, actor=request.user, **form.service_kwargs())
    except SubmissionConflict as exc:
        form.add_error(None, exc.messages[0])
        return _form_page(request, form, submission=submission, status=409)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _form_page(request, form, submission=submission, status=400)
    messages.success(request, _("已保存修改。"))
    return redirect("reporting:submission-detail", pk=submission.pk)


# --- One item -------------------------------------------------------------------------------------------


def _render_detail(request, submission, *, forms=None, open_form="", status=200, refusal=""):
    forms = forms or {}
    reviewable = submission.status == "submitted" and can_review(request.user, submission)
    review = []
    if reviewable:
        initial = {"version": submission.version_count, "adoption_level": default_level(submission.to_unit)}
        for code, form_class in REVIEW_FORMS.items():
            review.append(
                {
                    "code": code,
                    "form": forms.get(code) or form_class(initial=initial, auto_id=f"id_{code}_%s"),
                    "open": code == open_form,
                }
            )
    context = {
        "submission": submission,
        "attachments": list(current_attachments(submission)),
        "versions": submission_versions(submission),
        "can_edit": submission.is_editable and can_write(request.user, submission),
        "can_submit": submission.is_editable and can_submit(request.user, submission),
        "can_delete": submission.status == "draft"
        and not submission.version_count
        and can_write(request.user, submission),
        "signoff_required": settings.REPORT_SIGNOFF_REQUIRED,
        "review": review,
        "refusal": refusal,
    }
    return render(request, "reporting/detail.html", context, status=status)


@login_required
@require_GET
def submission_detail(request, pk: int):
    return _render_detail(request, get_submission_for_user(request.user, pk))


@login_required
@require_POST
def submission_submit_view(request, pk: int):
    submission = get_submission_for_user(request.user, pk)
    try:
        submission_submit(submission=submission, actor=request.user, request=request)
    except PermissionDenied as exc:
        return _render_detail(request, submission, status=403, refusal=str(exc))
    except SubmissionConflict as exc:
        fresh = get_submission_for_user(request.user, pk)
        return _render_detail(request, fresh, status=409, refusal=exc.messages[0])
    messages.success(request, _("已报送至%(unit)s，等待审核。") % {"unit": submission.to_unit.name})
    return redirect("reporting:submission-detail", pk=submission.pk)


@login_required
@require_POST
def submission_review_view(request, pk: int, decision: str):
    submission = get_submission_for_user(request.user, pk)
    form_class = REVIEW_FORMS.get(decision)
    if form_class is None:
        raise Http404(_("没有这项操作。"))
    form = form_class(request.POST, auto_id=f"id_{decision}_%s")
    if not form.is_valid():
        return _render_detail(request, submission, forms={decision: form}, open_form=decision, status=400)
    try:
        REVIEW_SERVICES[decision](
            submission=submission, actor=request.user, request=request, **form.service_kwargs()
        )
    except PermissionDenied as exc:
        return _render_detail(request, submission, status=403, refusal=str(exc))
    except SubmissionConflict as exc:
        fresh = get_submission_for_user(request.user, pk)
        return _render_detail(request, fresh, status=409, refusal=exc.messages[0])
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_detail(request, submission, forms={decision: form}, open_form=decision, status=400)
    if decision == "adopt":
        messages.success(request, _("已采用，报送单位将收到通知。"))
    else:
        messages.success(request, _("已退回，报送单位将收到通知并可修改后重新报送。"))
    return redirect("reporting:submission-detail", pk=submission.pk)


@login_required
@require_POST
def submission_delete_view(request, pk: int):
    submission = get_submission_for_user(request.user, pk)
    try:
        submission_delete(submission=submission, actor=request.user, request=request)
    except PermissionDenied as exc:
        return _render_detail(request, submission, status=403, refusal=str(exc))
    except SubmissionConflict as exc:
        return _render_detail(request, submission, status=409, refusal=exc.messages[0])
    messages.success(request, _("草稿已删除。"))
    return redirect(reverse("reporting:submission-list") + "?box=mine")


@login_required
@require_GET
def submission_attachment(request, pk: int, attachment_id: int):
    submission, attachment = get_submission_attachment_for_user(request.user, pk, attachment_id)
    return audited_attachment_response(
        request,
        attachment,
        detail={"submission": submission.pk},
        action="report_attachment",
        as_attachment=True,
    )


# --- Print, PDF, Word -----------------------------------------------------------------------------------


def _copy(request, pk: int):
    """The version asked for (?v=N), else the latest sent; an unsent draft prints its working text."""
    return submission_copy(user=request.user, pk=pk, version=request.GET.get("v", ""))


@login_required
@require_GET
def submission_print(request, pk: int):
    copy = _copy(request, pk)
    return render(
        request, "reporting/print.html", {"copy": copy, "for_pdf": False, "printed_at": timezone.now()}
    )


@login_required
@require_GET
def submission_pdf(request, pk: int):
    copy = _copy(request, pk)
    return download(to_pdf(copy), name=file_name(copy, "pdf"), content_type=PDF_MIME)


@login_required
@require_GET
def submission_docx(request, pk: int):
    copy = _copy(request, pk)
    return download(to_word(copy), name=file_name(copy, "docx"), content_type=DOCX_MIME)


# --- The 信访局's summary -------------------------------------------------------------------------------


def summary_dates(data: dict, today: datetime.date) -> tuple[datetime.date, datetime.date, str]:
    """The period asked for: a 统计期 code, else explicit dates, else this quarter so far."""
    raw = data.get("period") or ""
    if raw:
        try:
            period = parse_period(raw)
        except ValidationError:
            pass
        else:
            return period.start, period.end, period.code
    since, until = data.get("since"), data.get("until")
    if since and until and since <= until:
        return since, until, ""
    quarter = parse_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}")
    return quarter.start, quarter.end, quarter.code


@login_required
@require_GET
def submission_summary_view(request):
    bureaus = reviewing_units(request.user)
    if not bureaus:
        raise PermissionDenied(_("只有信访部门的审核人员可以查看报送统计。"))
    wanted = request.GET.get("bureau", "")
    bureau = next((b for b in bureaus if str(b.pk) == wanted), bureaus[0])
    form = SummaryForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    since, until, period = summary_dates(data, timezone.localdate())
    rows = submission_summary(bureau=bureau, since=since, until=until)
    totals = {
        "submitted": sum(r.counts.submitted for r in rows),
        "adopted": sum(r.counts.adopted for r in rows),
        "returned": sum(r.counts.returned for r in rows),
        "score": sum(r.counts.score for r in rows),
        "higher": sum(r.counts.adopted_above_county for r in rows),
    }
    context = {
        "form": form,
        "bureau": bureau,
        "bureaus": bureaus,
        "since": since,
        "until": until,
        "period": period,
        "rows": rows,
        "totals": totals,
        "periods": recent_periods(timezone.localdate()),
    }
    return render(request, "reporting/summary.html", context)
