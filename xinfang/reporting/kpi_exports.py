"""The KPI table as .xlsx (issue 6 §6): the scope's own seven KPIs and, for a 信访部门, the per-unit table.

Counts only — no personal data — but still audited (`export_kpis`) like every export.
"""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from xinfang.reporting import kpis


def _bold_row(sheet, values) -> None:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=str(value))
        cell.font = Font(bold=True)
        cells.append(cell)
    sheet.append(cells)


def _rate(value) -> float | str:
    """A rate as a number (formatted as a percentage in the sheet), or "—" when nothing was due."""
    return "—" if value is None else round(value, 4)


def kpi_workbook(scope: kpis.KpiScope) -> tuple[bytes, int]:
    """(the .xlsx, how many units are in the per-unit sheet)."""
    book = Workbook(write_only=True)
    own = book.create_sheet(_("统计指标"))
    own.column_dimensions["A"].width = 26
    own.column_dimensions["E"].width = 90
    side = dict(kpis.Side.choices)[scope.side]
    own.append([f"{scope.unit.name} · {scope.period.label} · {side}"])
    _bold_row(own, [_("指标"), _("比率"), _("分子"), _("分母"), _("口径")])
    for result in kpis.kpis(scope):
        own.append(
            [
                result.name,
                _percent_cell(own, result.rate),
                result.numerator,
                result.denominator,
                result.definition,
            ]
        )
    children = kpis.kpis_by_child(scope) if scope.unit.is_bureau and scope.subtree else []
    if children:
        table = book.create_sheet(_("下级单位"))
        table.column_dimensions["A"].width = 20
        header = [_("单位")]
        for code in kpis.KPI_CODES:
            name = str(kpis.KPI_NAMES[code])
            header += [name, f"{name}{_('分子')}", f"{name}{_('分母')}"]
        _bold_row(table, header)
        for child, counts in children:
            row: list = [child.name]
            for count in counts:
                row += [_percent_cell(table, count.rate), count.numerator, count.denominator]
            table.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), len(children)


def _percent_cell(sheet, rate):
    cell = WriteOnlyCell(sheet, value=_rate(rate))
    if rate is not None:
        cell.number_format = "0.0%"
    return cell


def kpi_filename(scope: kpis.KpiScope) -> str:
    return f"统计指标-{scope.unit.name}-{scope.period.code}.xlsx"


def kpi_export_response(request, scope: kpis.KpiScope, *, via: str = "web"):
    """The .xlsx as a download, audited (`export_kpis`: who, which scope, how many unit rows)."""
    from urllib.parse import quote

    from django.http import HttpResponse

    from xinfang.cases.exports import XLSX
    from xinfang.common.services import audit_record

    content, units = kpi_workbook(scope)
    audit_record(
        user=request.user,
        action="export_kpis",
        object_type="orgs.unit",
        object_id=str(scope.unit.pk),
        detail={"filters": kpis.scope_params(scope), "units": units},
        request=request,
        via=via,
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(kpi_filename(scope))}"
    return response
