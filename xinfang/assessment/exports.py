"""The results table as an Excel workbook (openpyxl): rank, unit, total, then every item's count and
points as stored. No personal data: units and numbers only. The view audits every export."""

import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from xinfang.assessment.models import RuleSet, UnitScore
from xinfang.assessment.scoring import rule_period


def _item_headers(scores: list[UnitScore]) -> list[tuple[str, str, bool]]:
    """(code, label, has a count) of the items, in the stored order of the first row."""
    if not scores:
        return []
    return [(item["code"], item["label"], item.get("count") is not None) for item in scores[0].items]


def results_workbook(rule_set: RuleSet, scores: list[UnitScore]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("考核结果")
    title = _("%(bureau)s %(period)s目标管理考核结果") % {
        "bureau": rule_set.bureau.name,
        "period": rule_period(rule_set).label,
    }
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    state = _("已定稿") if rule_set.is_final else _("未定稿（可能重新计算）")
    sheet.append([_("状态：%(s)s") % {"s": state}])
    items = _item_headers(scores)
    header = [_("名次"), _("单位"), _("总分"), _("指标得分"), _("扣分"), _("加减分")]
    for _code, label, has_count in items:
        if has_count:
            header.append(_("%(l)s（次数）") % {"l": label})
        header.append(_("%(l)s（得分）") % {"l": label})
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for score in scores:
        by_code = {item["code"]: item for item in score.items}
        row = [
            score.rank,
            score.unit.name,
            float(score.total),
            float(score.kpi_points),
            float(score.deductions),
            float(score.adjustments),
        ]
        for code, _label, has_count in items:
            item = by_code.get(code, {})
            if has_count:
                row.append(item.get("count"))
            row.append(float(Decimal(item.get("points", "0"))))
        sheet.append(row)
    sheet.column_dimensions["B"].width = 22
    for index in range(3, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 12
    sheet.freeze_panes = "C4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def results_export(*, rule_set: RuleSet, user, request=None, via: str = "web") -> tuple[bytes, str]:
    """The ranking as .xlsx and its file name, for a manager of the rule set; audited."""
    from xinfang.assessment.selectors import scores_of
    from xinfang.common.services import audit_record

    scores = list(scores_of(rule_set))
    content = results_workbook(rule_set, scores)
    audit_record(
        user=user,
        action="assessment.export",
        obj=rule_set,
        detail={"rows": len(scores)},
        request=request,
        via=via,
    )
    return content, f"assessment-{rule_set.bureau_id}-{rule_set.period_code}.xlsx"
