"""The ledger as an Excel workbook (.xlsx, openpyxl): the filtered rows in the ledger's order.

Parties' names (of persons) and contacts are written in full only for units whose contacts the user
may see (`access.contact_unit_ids`); otherwise masked as on the list page. The view audits every export.
"""

import datetime
import io

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from xinfang.common.validators import mask_name, mask_phone
from xinfang.disputes.access import contact_unit_ids
from xinfang.disputes.choices import RISK_RULES, PartyKind, RiskLevel
from xinfang.disputes.models import Dispute, DisputeMeasure
from xinfang.orgs.access import sees_everything

EXPORT_MAX_ROWS = 20000
RED = PatternFill("solid", fgColor="FDE7E9")
HEADERS = (
    (gettext_lazy("台账编号"), 20),
    (gettext_lazy("排查单位"), 16),
    (gettext_lazy("排查批次"), 14),
    (gettext_lazy("排查日期"), 12),
    (gettext_lazy("矛盾纠纷名称"), 30),
    (gettext_lazy("类别"), 14),
    (gettext_lazy("风险等级"), 8),
    (gettext_lazy("当事人"), 24),
    (gettext_lazy("联系电话"), 16),
    (gettext_lazy("发生地"), 24),
    (gettext_lazy("责任人"), 10),
    (gettext_lazy("包案领导"), 10),
    (gettext_lazy("化解期限"), 12),
    (gettext_lazy("状态"), 12),
    (gettext_lazy("是否超期"), 8),
    (gettext_lazy("上报情况"), 18),
    (gettext_lazy("化解措施"), 40),
    (gettext_lazy("化解结果"), 30),
    (gettext_lazy("关联信访件"), 22),
)


def _party_cells(dispute: Dispute, full: bool) -> tuple[str, str]:
    names, contacts = [], []
    for party in dispute.parties.all():
        masked = party.kind == PartyKind.PERSON and not full
        names.append(mask_name(party.name) if masked else party.name)
        if party.contact:
            contacts.append(party.contact if full else mask_phone(party.contact))
    return "、".join(names), "、".join(contacts)


def _report_cell(dispute: Dispute) -> str:
    if dispute.reported_at is None:
        return _("未上报")
    if dispute.acknowledged_at is None:
        return _("已上报 %(at)s，待签收") % {"at": f"{dispute.reported_at:%Y-%m-%d}"}
    return _("已上报，%(at)s已签收") % {"at": f"{dispute.acknowledged_at:%Y-%m-%d}"}


def _row(dispute: Dispute, *, full: bool, today: datetime.date) -> list:
    names, contacts = _party_cells(dispute, full)
    measures = "\n".join(f"{m.taken_on:%Y-%m-%d} {m.text}" for m in dispute.measures.all())
    return [
        dispute.number,
        dispute.unit.name,
        dispute.batch,
        dispute.found_on,
        dispute.title,
        dispute.category.name if dispute.category_id else "",
        dispute.get_risk_level_display(),
        names,
        contacts,
        dispute.address,
        str(dispute.responsible),
        str(dispute.leader) if dispute.leader_id else "",
        dispute.due_on,
        dispute.get_status_display(),
        _("是") if dispute.is_overdue_on(today) else _("否"),
        _report_cell(dispute),
        measures,
        dispute.outcome,
        "、".join(link.case.number for link in dispute.case_links.all()),
    ]


def ledger_workbook(*, user, queryset: QuerySet[Dispute], today: datetime.date) -> tuple[bytes, int, bool]:
    """Build the workbook; returns (bytes, rows written, whether any contact was written in full)."""
    full_units = None if sees_everything(user) else contact_unit_ids(user)
    book = Workbook()
    sheet = book.active
    sheet.title = _("排查调处台账")
    sheet.append([str(title) for title, _width in HEADERS])
    for column, (_title, width) in enumerate(HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.cell(row=1, column=column).font = Font(bold=True)
    sheet.freeze_panes = "A2"
    rows, any_full = 0, False
    prefetched = queryset.prefetch_related(
        "parties",
        Prefetch("measures", queryset=DisputeMeasure.objects.order_by("taken_on", "id")),
        "case_links__case",
    )
    for dispute in prefetched[:EXPORT_MAX_ROWS].iterator(chunk_size=500):
        full = full_units is None or dispute.unit_id in full_units
        any_full = any_full or (full and any(p.contact for p in dispute.parties.all()))
        sheet.append(_row(dispute, full=full, today=today))
        rows += 1
        if dispute.is_overdue_on(today):
            for cell in sheet[rows + 1]:
                cell.fill = RED
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    _rules_sheet(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), rows, any_full


def _rules_sheet(book: Workbook) -> None:
    sheet = book.create_sheet(_("风险等级说明"))
    sheet.append([_("风险等级"), _("含义")])
    for level in RiskLevel:
        sheet.append([str(level.label), str(RISK_RULES[level])])
    sheet.column_dimensions["B"].width = 90


def export_filename(today: datetime.date) -> str:
    return f"排查调处台账-{today:%Y%m%d}.xlsx"


def ledger_export_file(*, user, filters, today: datetime.date, request=None, via: str = "web") -> bytes:
    """The filtered ledger as .xlsx for a ledger reader (Http404 otherwise).

    Every export is audited, with whether the parties' contacts went out in full (2022 条例 §46).
    """
    from django.http import Http404

    from xinfang.common.services import audit_record
    from xinfang.disputes.access import reads_a_ledger
    from xinfang.disputes.selectors import dispute_list

    if not reads_a_ledger(user):
        raise Http404(_("没有可导出的台账。"))
    queryset = dispute_list(user=user, filters=filters, today=today)
    content, rows, with_contacts = ledger_workbook(user=user, queryset=queryset, today=today)
    audit_record(
        user=user,
        action="export_disputes",
        object_type="disputes.dispute",
        object_id="ledger",
        detail={
            "filters": filters.as_query(),
            "rows": rows,
            "with_contacts": with_contacts,
            "limit": EXPORT_MAX_ROWS,
        },
        request=request,
        via=via,
    )
    return content
