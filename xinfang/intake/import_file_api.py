"""API v1: the Excel import's files — the blank template and a job's validation report (docs/import.md).

The same gate as the pages (xinfang/intake/import_views.py): only users who may import (registrars,
dispatchers, admins) get the template; a job's report only within the units they import for; the report
lists petitioners' data, so each download is audited. Mounted before the intake router so
`/cases/import/template` is not taken for a job id.
"""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from xinfang.common.services import audit_record
from xinfang.intake.importing import get_import_job_for, import_units, template_bytes

router = Router(tags=["登记"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/import/template", response={200: None, 403: dict}, summary="下载导入模板（.xlsx，含填写说明和代码表）"
)
def import_template_api(request):
    if not import_units(request.user):
        raise PermissionDenied(_("您没有导入信访件的权限。"))
    response = HttpResponse(template_bytes(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''import-template.xlsx"
    return response


@router.get(
    "/import/{job_id}/report",
    response={200: None, 404: dict, 422: dict},
    summary="下载导入任务的校验报告（.xlsx，每行错误说明；留痕）",
)
def import_report_api(request, job_id: int):
    job = get_import_job_for(request.user, job_id)
    if not job.report:
        raise Http404(_("该导入任务没有校验报告。"))
    audit_record(user=request.user, action="case_import_report", obj=job, request=request, via="api")
    return FileResponse(job.report.open("rb"), as_attachment=True, filename=f"import-report-{job.pk}.xlsx")
