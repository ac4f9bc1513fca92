"""Health check, the home redirect, and the 信访局's audit log of personal-data views."""

import csv

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from xinfang.orgs.access import current_unit, roles_in
from xinfang.orgs.models import Role


@require_GET
def healthz(request):
    """200 with JSON when the database answers; 503 otherwise (for load balancers and monitoring)."""
    body = {"status": "ok", "version": settings.VERSION, "database": "ok", "pending_jobs": None}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        from django_tasks_db.models import DBTaskResult

        body["pending_jobs"] = DBTaskResult.objects.filter(status="READY").count()
    except Exception as exc:  # noqa: BLE001 - any database failure means "unhealthy"
        body.update(status="error", database=f"error: {exc.__class__.__name__}")
        return JsonResponse(body, status=503, json_dumps_params={"ensure_ascii": False})
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def home(request):
    """A leader's first page is the 数据看板; everyone else starts at the workbench (their task list)."""
    roles = roles_in(request.user, current_unit(request)) if request.user.is_authenticated else frozenset()
    if roles and roles <= {Role.LEADER}:
        return redirect("reporting:dashboard")
    return redirect("cases:workbench")


class AuditFilterForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("信访件编号"), required=False, max_length=24)
    username = forms.CharField(label=gettext_lazy("查阅人（用户名或姓名）"), required=False, max_length=60)
    since = forms.DateField(
        label=gettext_lazy("从"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=gettext_lazy("到"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class _Echo:
    def write(self, value):
        return value


@login_required
@require_GET
def audit_log(request):
    """Who viewed or downloaded whose personal data: for the 信访局's leaders, supervisors and heads."""
    from xinfang.common.paging import IdFirstPaginator
    from xinfang.common.selectors import can_read_audit, personal_data_views
    from xinfang.common.services import audit_record

    if not can_read_audit(request.user):
        raise PermissionDenied(_("只有信访部门的领导、督办员、负责人和管理员可以查看查阅记录。"))
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = personal_data_views(user=request.user, **{k: v for k, v in filters.items() if v})
    if request.GET.get("format") == "csv":
        audit_record(
            user=request.user, action="export_audit_log", detail=filters_as_text(filters), request=request
        )
        return _audit_csv(entries)
    page = IdFirstPaginator(entries, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "pager_query": query.urlencode() + "&" if query else ""}
    return render(request, "common/audit.html", context)


def filters_as_text(filters: dict) -> dict:
    return {key: str(value) for key, value in filters.items() if value}


ACTION_LABELS = {
    "view_personal_data": gettext_lazy("查看信访人信息"),
    "document_download": gettext_lazy("下载文书"),
    "download_attachment": gettext_lazy("下载附件"),
}


def _audit_csv(entries):
    writer = csv.writer(_Echo())
    header = [_("时间"), _("查阅人"), _("操作"), _("信访件编号"), _("IP"), _("渠道")]

    def rows():
        yield "\ufeff" + writer.writerow(header)  # BOM: Excel opens UTF-8 Chinese correctly
        for entry in entries.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
                    entry.user.get_full_name() if entry.user else "",
                    ACTION_LABELS.get(entry.action, entry.action),
                    (entry.detail or {}).get("number", ""),
                    entry.ip or "",
                    entry.via,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''audit.csv"
    return response
