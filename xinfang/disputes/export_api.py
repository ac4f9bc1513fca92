"""API v1: the 排查调处台账 as .xlsx, with the list's filters (docs/disputes.md).

The same service as the page's 导出Excel (`ledger_export_file`): ledger readers only (404 otherwise),
contacts in full only where the user may see them, every export audited. Mounted before the disputes
router so `/disputes/export` is not taken for a dispute number.
"""

from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema

from xinfang.disputes.exports import export_filename, ledger_export_file
from xinfang.disputes.selectors import LedgerFilters

router = Router(tags=["排查调处"])


class ExportQuery(Schema):
    unit: int | None = None
    risk: str = ""
    status: str = ""
    period: str = ""
    overdue: bool = False
    q: str = ""


@router.get(
    "/export",
    response={200: None, 404: dict, 422: dict},
    summary="导出排查调处台账为Excel（筛选条件同台账列表；联系方式按权限遮盖；留痕）",
)
def ledger_export_api(request, q: Query[ExportQuery]):
    filters = LedgerFilters.from_params(q.dict())
    today = timezone.localdate()
    content = ledger_export_file(user=request.user, filters=filters, today=today, request=request, via="api")
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(export_filename(today))}"
    return response
