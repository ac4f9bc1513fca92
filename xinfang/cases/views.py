"""Case pages: the workbench (工作台), look-up, the case page, the receipt and attachments."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from xinfang.cases.access import can_see_identity, get_case_for_user
from xinfang.cases.selectors import case_lookup, case_timeline, workbench_cases, workbench_counts
from xinfang.common.paging import IdFirstPaginator
from xinfang.common.services import audit_record
from xinfang.orgs.access import current_unit

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
    return render(
        request, "cases/workbench.html", {"bench": bench, "group": group, "groups": groups, "page": page}
    )


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
    case = get_case_for_user(request.user, number=number)
    attachment = case.attachments.filter(pk=attachment_id).first()
    if attachment is None or not can_see_identity(request.user, case):
        raise Http404(_("附件不存在。"))
    audit_record(
        user=request.user,
        action="download_attachment",
        obj=attachment,
        detail={"number": case.number},
        request=request,
    )
    return FileResponse(
        attachment.file.open("rb"), content_type=attachment.content_type, filename=attachment.original_name
    )
