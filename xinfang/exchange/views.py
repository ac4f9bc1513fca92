"""Pages for staff: send a case to another system, send a result back, receive packages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.cases.access import get_case_for_user
from xinfang.common.files import stored_file_response
from xinfang.common.services import audit_record
from xinfang.exchange.access import get_package_for_user, may_export_transfer, may_import, packages_for
from xinfang.exchange.forms import ExportForm, ImportForm
from xinfang.exchange.importing import package_import
from xinfang.exchange.keys import NotConfigured
from xinfang.exchange.package import PackageRejected
from xinfang.exchange.services import case_export_result, case_export_transfer


def _refused(request, template, context, message, status):
    context["error"] = message
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def export_transfer(request, number: str):
    case = get_case_for_user(request.user, number=number)
    if not may_export_transfer(request.user, case):
        raise PermissionDenied(_("您不能转送或交办本件。"))
    form = ExportForm(request.POST or None)
    context = {"case": case, "form": form}
    if request.method == "GET" or not form.is_valid():
        return render(request, "exchange/export.html", context, status=400 if form.is_bound else 200)
    data = form.cleaned_data
    try:
        package = case_export_transfer(
            case=case,
            peer=data["peer"],
            actor=request.user,
            assign=data["kind"] == "assign",
            due_on=data.get("due_on"),
            note=data.get("note", ""),
            request=request,
        )
    except PackageRejected as exc:
        return _refused(request, "exchange/export.html", context, exc.message, exc.status)
    except NotConfigured as exc:
        return _refused(request, "exchange/export.html", context, str(exc), 503)
    except PermissionDenied as exc:
        return _refused(request, "exchange/export.html", context, str(exc), 403)
    except ValidationError as exc:
        return _refused(request, "exchange/export.html", context, "；".join(exc.messages), 409)
    messages.success(request, _("已生成交换数据包，请下载后交给对端系统导入。"))
    return redirect("exchange:package", package_id=package.package_id)


@login_required
@require_POST
def export_result(request, number: str):
    case = get_case_for_user(request.user, number=number)
    try:
        package = case_export_result(case=case, actor=request.user, request=request)
    except (PackageRejected, NotConfigured, PermissionDenied) as exc:
        status = getattr(exc, "status", 503 if isinstance(exc, NotConfigured) else 403)
        message = getattr(exc, "message", str(exc))
        return _refused(request, "exchange/result_error.html", {"case": case}, message, status)
    messages.success(request, _("已生成办理结果数据包，请下载后交给对端系统导入。"))
    return redirect("exchange:package", package_id=package.package_id)


@login_required
@require_http_methods(["GET", "POST"])
def import_package(request):
    if not may_import(request.user):
        raise PermissionDenied(_("只有信访部门的登记员、办信员或负责人可以导入交换数据包。"))
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "GET":
        return render(request, "exchange/import.html", context)
    if not form.is_valid():
        return render(request, "exchange/import.html", context, status=400)
    upload = form.cleaned_data["package"]
    try:
        data = _read_limited(upload)
        outcome = package_import(data=data, actor=request.user, request=request)
    except PackageRejected as exc:
        audit_record(
            user=request.user,
            action="exchange_import_refused",
            object_type="exchange.package",
            detail={"reason": exc.code, "message": exc.message, "file": upload.name[:100]},
            request=request,
        )
        return _refused(request, "exchange/import.html", context, exc.message, exc.status)
    context.update({"outcome": outcome, "case": outcome.case})
    return render(request, "exchange/import_done.html", context, status=201 if outcome.created else 200)


def _read_limited(upload) -> bytes:
    from xinfang.exchange.services import package_limits

    limit = package_limits()["max_bytes"]
    if upload.size > limit:
        raise PackageRejected(
            _("数据包超过%(mb)sMB的大小限制。") % {"mb": limit // (1024 * 1024)}, code="too_large", status=413
        )
    return upload.read()


@login_required
@require_GET
def package_detail(request, package_id):
    package = get_package_for_user(request.user, package_id)
    return render(request, "exchange/package.html", {"package": package, "case": package.case})


@login_required
@require_GET
def package_download(request, package_id):
    package = get_package_for_user(request.user, package_id)
    audit_record(
        user=request.user,
        action="exchange_package_downloaded",
        obj=package.case,
        detail={"package_id": str(package.package_id), "kind": package.kind, "peer": package.peer.name},
        request=request,
    )
    return stored_file_response(
        package.file,
        content_type="application/zip",
        filename=f"xinfang-{package.kind}-{package.package_id}.zip",
        as_attachment=True,
    )


@login_required
@require_GET
def package_list(request):
    """The packages of the cases this user may see (and whose petitioner they may know), newest first."""
    packages = packages_for(request.user)
    return render(
        request, "exchange/list.html", {"packages": packages, "can_import": may_import(request.user)}
    )
