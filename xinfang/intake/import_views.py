"""The import pages (issue 6 §6): template download, upload, progress (polled by htmx), report download."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xinfang.common.services import audit_record
from xinfang.intake.importing import (
    get_import_job_for,
    import_max_mb,
    import_submit,
    import_units,
    template_bytes,
)
from xinfang.intake.models import ImportJob
from xinfang.orgs.access import current_unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _import_unit(request):
    units = import_units(request.user)
    if not units:
        raise PermissionDenied(_("您没有导入信访件的权限。"))
    current = current_unit(request)
    return next((u for u in units if current and u.pk == current.pk), units[0])


def _job_for(request, pk: int) -> ImportJob:
    return get_import_job_for(request.user, pk)


@login_required
@require_GET
def import_template_view(request):
    _import_unit(request)
    response = HttpResponse(template_bytes(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''import-template.xlsx"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_view(request):
    unit = _import_unit(request)
    error, earlier = "", None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("请选择要上传的Excel文件。")
        else:
            try:
                job = import_submit(user=request.user, unit=unit, upload=upload, request=request)
            except ValidationError as exc:
                error, earlier = exc.messages[0], getattr(exc, "job", None)
            else:
                return redirect("intake:import_job", pk=job.pk)
    jobs = ImportJob.objects.filter(unit=unit).select_related("user")[:20]
    return render(
        request,
        "intake/import.html",
        {"unit": unit, "error": error, "earlier": earlier, "jobs": jobs, "max_mb": import_max_mb()},
        status=400 if error else 200,
    )


@login_required
@require_GET
def import_job_view(request, pk: int):
    job = _job_for(request, pk)
    template = (
        "intake/_import_progress.html" if request.headers.get("HX-Request") else "intake/import_job.html"
    )
    return render(request, template, {"job": job})


@login_required
@require_GET
def import_report_view(request, pk: int):
    job = _job_for(request, pk)
    if not job.report:
        raise Http404
    audit_record(user=request.user, action="case_import_report", obj=job, request=request)
    return FileResponse(job.report.open("rb"), as_attachment=True, filename=f"import-report-{job.pk}.xlsx")
