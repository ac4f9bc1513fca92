"""Health check, the home redirect, and the 信访局's audit log of personal-data views."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
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


@login_required
@require_GET
def audit_log(request):
    """Who viewed or downloaded whose personal data: for the 信访局's leaders, supervisors and heads."""
    from xinfang.common.audit_export import audit_log_csv
    from xinfang.common.paging import IdFirstPaginator
    from xinfang.common.selectors import can_read_audit, personal_data_views

    if not can_read_audit(request.user):
        raise PermissionDenied(_("只有信访部门的领导、督办员、负责人和管理员可以查看查阅记录。"))
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = personal_data_views(user=request.user, **{k: v for k, v in filters.items() if v})
    if request.GET.get("format") == "csv":
        return audit_log_csv(user=request.user, entries=entries, filters=filters, request=request)
    page = IdFirstPaginator(entries, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "pager_query": query.urlencode() + "&" if query else ""}
    return render(request, "common/audit.html", context)
