"""The audit log of personal-data views as CSV (the page's 导出 and the API); the export itself is audited."""

import csv

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.common.services import audit_record

ACTION_LABELS = {
    "view_personal_data": gettext_lazy("查看信访人信息"),
    "document_download": gettext_lazy("下载文书"),
    "download_attachment": gettext_lazy("下载附件"),
}


class _Echo:
    def write(self, value):
        return value


def filters_as_text(filters: dict) -> dict:
    return {key: str(value) for key, value in filters.items() if value}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def audit_log_csv(*, user, entries, filters: dict, request=None, via: str = "web") -> StreamingHttpResponse:
    """Stream `entries` as CSV (UTF-8 with BOM for Excel), after recording who exported what."""
    audit_record(
        user=user, action="export_audit_log", detail=filters_as_text(filters), request=request, via=via
    )
    writer = csv.writer(_Echo())
    header = [
        _("时间"),
        _("查阅人"),
        _("操作"),
        _("信访件编号"),
        _("IP"),
        _("渠道"),
        _("接入系统"),
        _("令牌"),
    ]

    def rows():
        yield "\ufeff" + writer.writerow(header)  # BOM: Excel opens UTF-8 Chinese correctly
        for entry in entries.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
                    entry.user.get_full_name() if entry.user else "",
                    action_label(entry.action),
                    (entry.detail or {}).get("number", ""),
                    entry.ip or "",
                    entry.via,
                    (entry.detail or {}).get(
                        "integration_account", ""
                    ),  # which connected system (issue 7 §2)
                    (entry.detail or {}).get("api_token", ""),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''audit.csv"
    return response
