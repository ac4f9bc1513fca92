"""Web pages of the Excel export (docs/exports.md): the 导出Excel buttons, the ledger, the job page."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from xinfang.cases.export_jobs import export_job_download, export_start, get_export_job_for
from xinfang.cases.exports import (
    XLSX,
    ExportInputError,
    kpi_export_request,
    ledger_export_request,
    search_export_request,
)
from xinfang.cases.ledger import LedgerForm, ledger_initial
from xinfang.orgs.access import current_unit


def export_response(request, build):
    """Build the list (`build()` → ExportRequest), then send the file or go to the job's page.

    Bad filters answer 400 with the reason and export nothing.
    """
    try:
        started = export_start(user=request.user, request=build(), http_request=request)
    except ExportInputError as error:
        return render(request, "cases/export_error.html", {"error": str(error)}, status=400)
    if started.job is not None:
        return redirect("cases:export_job", pk=started.job.pk)
    return FileResponse(started.spool, as_attachment=True, filename=started.filename, content_type=XLSX)


@login_required
@require_GET
def search_export(request):
    return export_response(request, lambda: search_export_request(request.user, request.GET))


@login_required
@require_GET
def kpi_cases_export(request):
    return export_response(
        request, lambda: kpi_export_request(request.user, request.GET, default_unit=current_unit(request))
    )


@login_required
@require_GET
def workbench_export(request):
    from xinfang.cases.exports import workbench_export_request

    return export_response(request, lambda: workbench_export_request(request.user, request.GET))


@login_required
@require_GET
def ledger(request):
    """信访件台账: choose period, unit, channel and state; the count, then 导出Excel."""
    if request.GET:
        form = LedgerForm(request.user, request.GET)
    else:
        form = LedgerForm(request.user, initial=ledger_initial(current_unit(request)))
    count, status = None, 200
    if form.is_bound:
        if form.is_valid():
            from xinfang.cases.ledger import ledger_count

            count = ledger_count(request.user, form.cleaned_data)
        else:
            status = 400
    context = {
        "form": form,
        "count": count,
        "query": request.GET.urlencode(),
        "sync_max": settings.EXPORT_SYNC_MAX_ROWS,
    }
    return render(request, "cases/ledger.html", context, status=status)


@login_required
@require_GET
def ledger_export(request):
    return export_response(request, lambda: ledger_export_request(request.user, request.GET))


@login_required
@require_GET
def export_job(request, pk: int):
    job = get_export_job_for(request.user, pk)
    template = "cases/_export_progress.html" if request.headers.get("HX-Request") else "cases/export_job.html"
    return render(request, template, {"job": job, "keep_hours": settings.EXPORT_KEEP_HOURS})


@login_required
@require_GET
def export_job_file(request, pk: int):
    job = get_export_job_for(request.user, pk)
    handle = export_job_download(user=request.user, job=job, http_request=request)
    filename = f"{job.title}-{job.created_at:%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)
