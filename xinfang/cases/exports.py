"""One Excel export path for case lists (信访件台账) and the KPI table (issue 6 §3, §6; docs/exports.md).

Every list — the search results, a KPI's drill-down, the ledger page — is turned into an
`ExportRequest` (its queryset under the user's visibility, a title and the filters that rebuild it),
then written by `write_cases` with openpyxl's write-only workbook (rows go to a temporary file, not
memory). Up to `EXPORT_SYNC_MAX_ROWS` the view sends the file at once; above it the worker writes it
(`ExportJob`, xinfang/cases/tasks.py) and the page polls a progress bar.

Personal data: a 检举控告 case's petitioner is never written for a user who may not know the reporter
(`can_see_identity`, 2022 条例 §30 ¶3); otherwise names, phones, ID numbers and addresses are written
in full only for the staff who deal with petitioners (`personal_data_unit_ids`), masked for everyone
else (leaders, supervisors).
"""

import datetime
import tempfile
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import BooleanField, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from xinfang.cases.access import cases_visible_to, personal_data_unit_ids
from xinfang.cases.choices import CaseStatus, EvaluationLevel, OpinionStage
from xinfang.cases.models import Case, CaseUnit, Evaluation, Petitioner
from xinfang.common.validators import mask_address, mask_id_number, mask_name, mask_phone
from xinfang.orgs.access import bureau_unit_ids, sees_everything

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000
PROGRESS_EVERY = 1000

COLUMNS = (
    (gettext_lazy("编号"), 22),
    (gettext_lazy("信访日期"), 12),
    (gettext_lazy("登记时间"), 18),
    (gettext_lazy("信访形式"), 10),
    (gettext_lazy("信访目的"), 10),
    (gettext_lazy("内容分类"), 20),
    (gettext_lazy("标题/概况"), 40),
    (gettext_lazy("信访人"), 16),
    (gettext_lazy("联系电话"), 16),
    (gettext_lazy("证件号码"), 22),
    (gettext_lazy("住址"), 24),
    (gettext_lazy("人数"), 6),
    (gettext_lazy("问题属地"), 14),
    (gettext_lazy("登记单位"), 16),
    (gettext_lazy("办理单位"), 16),
    (gettext_lazy("状态"), 14),
    (gettext_lazy("办理期限"), 12),
    (gettext_lazy("办结时间"), 18),
    (gettext_lazy("满意度"), 10),
)
NO_DATA = gettext_lazy("无数据")
STATUS_LABELS = dict(CaseStatus.choices)
PROTECTED = gettext_lazy("（检举控告，身份保密）")


class ExportInputError(ValueError):
    """Filters that make no list; the message is shown to the user (400), nothing is exported."""


@dataclass
class ExportRequest:
    """What to export: the visible cases, a title for the file and sheet, the filters that rebuild it."""

    source: str
    title: str
    queryset: QuerySet[Case]
    filters: dict = field(default_factory=dict)


# --- The rows -----------------------------------------------------------------------------------


def export_queryset(user, queryset: QuerySet[Case]) -> QuerySet[Case]:
    """The cases as exported: joins, the latest rating, and per-case flags for the personal data."""
    rating = Evaluation.objects.filter(case=OuterRef("pk"), stage=OpinionStage.HANDLE).order_by(
        "-recorded_at", "-id"
    )
    if sees_everything(user):
        identity, full = Value(True), Value(True)
    else:
        bureau_links = CaseUnit.objects.filter(case=OuterRef("pk"), unit_id__in=bureau_unit_ids(user))
        identity = Q(purpose__protects_identity=False) | Exists(bureau_links)
        full = Exists(CaseUnit.objects.filter(case=OuterRef("pk"), unit_id__in=personal_data_unit_ids(user)))
    people = Petitioner.objects.order_by("-is_primary", "id")
    return (
        queryset.select_related(
            "channel",
            "purpose",
            "category__parent",
            "issue_region",
            "registering_unit",
            "owner_unit",
            "handling_unit",
        )
        .annotate(
            xf_rating=Subquery(rating.values("level")[:1]),
            xf_identity=_boolean(identity),
            xf_full=_boolean(full),
        )
        .prefetch_related(Prefetch("petitioners", queryset=people))
        .order_by(*(queryset.query.order_by or ["-id"]))  # the list's own order, newest first by default
    )


def _boolean(expression):
    from django.db.models import ExpressionWrapper

    if isinstance(expression, Value):
        return Value(expression.value, output_field=BooleanField())
    return ExpressionWrapper(expression, output_field=BooleanField())


def _local(moment: datetime.datetime | None):
    """openpyxl writes no time zones: local wall-clock time."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _people_cells(case: Case) -> list[str]:
    if not case.xf_identity:
        return [str(PROTECTED), "", "", ""]
    people = list(case.petitioners.all())
    if case.is_anonymous and not people:
        return [_("匿名"), "", "", ""]
    full = case.xf_full

    def joined(values, masker):
        return "、".join(value if full else masker(value) for value in values if value)

    return [
        joined((p.name for p in people), mask_name),
        joined((p.phone for p in people), mask_phone),
        joined((p.id_number for p in people), mask_id_number),
        joined((p.address for p in people), mask_address),
    ]


def case_row(case: Case) -> list:
    """One ledger row; personal data as `export_queryset`'s flags allow."""
    handling = case.handling_unit or case.owner_unit
    return [
        case.number,
        case.received_on,
        _local(case.registered_at),
        case.channel.name,
        case.purpose.name,
        str(case.category) if case.category_id else "",
        case.title,
        *_people_cells(case),
        case.headcount,
        case.issue_region.name if case.issue_region_id else "",
        case.registering_unit.name,
        handling.name,
        str(STATUS_LABELS.get(case.status, case.status)),
        case.due_on,
        _local(case.closed_at),
        str(EvaluationLevel(case.xf_rating).label) if case.xf_rating else "",
    ]


# --- The workbook -------------------------------------------------------------------------------


def _header(sheet, titles) -> None:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=str(title))
        cell.font = Font(bold=True)
        cells.append(cell)
    sheet.append(cells)


def write_cases(target, *, user, request: ExportRequest, progress=None) -> dict:
    """Write the ledger of `request` to the file object `target`; returns what the audit row records.

    Memory stays bounded: openpyxl's write-only sheet spools rows to disk and the cases are read in
    chunks of CHUNK (their petitioners prefetched per chunk).
    """
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("信访件台账"))
    for index, (_title, width) in enumerate(COLUMNS):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    _header(sheet, [title for title, _width in COLUMNS])
    rows, full_rows = 0, 0
    for case in export_queryset(user, request.queryset)[: settings.EXPORT_MAX_ROWS].iterator(
        chunk_size=CHUNK
    ):
        sheet.append(case_row(case))
        rows += 1
        full_rows += bool(case.xf_full and case.xf_identity and case.petitioners.all())
        if progress is not None and rows % PROGRESS_EVERY == 0:
            progress(rows)
    if not rows:
        sheet.append([str(NO_DATA)])
    _about_sheet(book, user=user, request=request, rows=rows, full_rows=full_rows)
    book.save(target)
    return {
        "source": request.source,
        "filters": request.filters,
        "rows": rows,
        "personal_data_in_full": full_rows,
    }


def _about_sheet(book, *, user, request: ExportRequest, rows: int, full_rows: int) -> None:
    sheet = book.create_sheet(_("说明"))
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 80
    conditions = "；".join(f"{key}={value}" for key, value in request.filters.items()) or _("无")
    lines = [
        (_("名称"), request.title),
        (_("导出人"), str(user)),
        (_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        (_("条件"), conditions),
        (_("件数"), rows),
        (
            _("个人信息"),
            _(
                "检举控告件的信访人信息仅对上级信访部门显示；其余信访人的姓名、电话、证件号码、住址"
                "仅对登记、办信、承办人员及单位负责人完整显示，其他人员见到的是遮盖后的信息。"
            ),
        ),
    ]
    for key, value in lines:
        sheet.append([str(key), value])


def export_filename(title: str) -> str:
    safe = "".join(ch for ch in title if ch not in '\\/:*?"<>|')[:60]
    return f"{safe}-{timezone.localdate():%Y%m%d}.xlsx"


def cases_workbook_file(*, user, request: ExportRequest, progress=None):
    """The workbook in a temporary file (rewound) and the audit detail."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    detail = write_cases(spool, user=user, request=request, progress=progress)
    spool.seek(0)
    return spool, detail


# --- The sources: each list that has an 导出Excel button ------------------------------------------


def _form_errors(form) -> str:
    messages = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        messages.extend(f"{label}：{error}" if label else str(error) for error in errors)
    return "；".join(messages)


def search_export_request(user, params) -> ExportRequest:
    """The advanced search's results (the same `case_search` as the page and the API)."""
    from xinfang.cases.search import case_search, case_search_form, query_phrases

    form = case_search_form({key: value for key, value in params.items() if key != "page"})
    if not form.is_valid():
        raise ExportInputError(_("查询条件有误：%(errors)s") % {"errors": _form_errors(form)})
    text = (form.cleaned_data.get("q") or "").strip()
    if text and not query_phrases(text):
        raise ExportInputError(_("查询字词只有符号，没有可查找的汉字、字母或数字，请改正后再导出。"))
    results = case_search(user=user, criteria=form.cleaned_data)
    if results is None:
        raise ExportInputError(_("请输入要查找的字词，或选择至少一个条件。"))
    filters = {key: value for key, value in params.items() if key in form.fields and value not in ("", None)}
    return ExportRequest(source="search", title=_("查询结果"), queryset=results, filters=filters)


def kpi_export_request(user, params, *, default_unit) -> ExportRequest:
    """The cases behind one KPI number (numerator or denominator), as on /reports/kpis/cases/."""
    from xinfang.reporting import kpis

    code, part = params.get("kpi", ""), params.get("part", "")
    if code not in kpis.KPI_CODES or part not in ("num", "den"):
        raise ExportInputError(_("没有这个统计指标。"))
    try:
        scope = kpis.kpi_scope_for(user, default_unit=default_unit, params=params)
    except kpis.KpiScopeError as error:
        raise ExportInputError(str(error)) from error
    cohort, hit = kpis.kpi_q(code, scope)
    cases = Case.objects.filter(cohort & hit if part == "num" else cohort)
    label = _("分子") if part == "num" else _("分母")
    title = f"{kpis.KPI_NAMES[code]}{label}-{scope.unit.name}-{scope.period.code}"
    filters = {**kpis.scope_params(scope), "kpi": code, "part": part}
    return ExportRequest(source="kpi", title=title, queryset=cases_visible_to(user, cases), filters=filters)


def ledger_export_request(user, params) -> ExportRequest:
    """信访件台账: cases of a unit (and its subtree) by 信访日期, channel and state."""
    from xinfang.cases.ledger import ledger_form, ledger_queryset

    form = ledger_form(user, params)
    if not form.is_valid():
        raise ExportInputError(_("台账条件有误：%(errors)s") % {"errors": _form_errors(form)})
    data = form.cleaned_data
    title = f"{_('信访件台账')}-{data['unit'].name}"
    filters = {key: value for key, value in params.items() if key in form.fields and value not in ("", None)}
    return ExportRequest(source="ledger", title=title, queryset=ledger_queryset(user, data), filters=filters)


def workbench_export_request(user, params) -> ExportRequest:
    """One group of the workbench (待办) of a unit the user works in, earliest deadline first."""
    from django.conf import settings as conf

    from xinfang.cases.selectors import workbench_cases, workbench_counts
    from xinfang.cases.views import GROUPS
    from xinfang.orgs.access import seats_of

    group, raw_unit = params.get("group", ""), str(params.get("unit", ""))
    unit = next((seat.unit for seat in seats_of(user) if str(seat.unit.pk) == raw_unit), None)
    if unit is None:
        raise ExportInputError(_("您不在该单位任职，不能导出它的待办件。"))
    labels = dict(GROUPS)
    if group not in labels:
        raise ExportInputError(_("没有这个分组。"))
    bench = workbench_counts(unit=unit, due_soon_days=conf.DUE_SOON_WORKING_DAYS)
    cases = cases_visible_to(user, workbench_cases(bench=bench, group=group))
    title = f"{_('待办件')}-{unit.name}-{labels[group]}"
    return ExportRequest(
        source="workbench", title=title, queryset=cases, filters={"unit": raw_unit, "group": group}
    )


def rebuild_request(user, source: str, filters: dict) -> ExportRequest:
    """The worker's side: the same list again, under the requesting user's visibility today."""
    if source == "search":
        return search_export_request(user, filters)
    if source == "kpi":
        return kpi_export_request(user, filters, default_unit=None)
    if source == "ledger":
        return ledger_export_request(user, filters)
    if source == "workbench":
        return workbench_export_request(user, filters)
    raise ExportInputError(_("未知的导出来源。"))
