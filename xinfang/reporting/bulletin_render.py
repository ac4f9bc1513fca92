"""The text of a 季度通报 (issue 6 §5) and its .docx, PDF and HTML copies, with bar charts as PNG.

`bulletin_content()` is a pure function of the stored snapshot, the editable fields and the 点名阈值:
the page preview, the Word file and the PDF all print the same `BulletinContent`. Charts are drawn
with Pillow in the Noto CJK font (no network, no extra dependency) and embedded in both files. The
PDF is WeasyPrint with the Noto CJK fonts embedded and a fetcher that only reads our own data: URIs.
Nothing here names a petitioner: the bulletin is about units.
"""

import base64
import datetime
import io
import subprocess
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.documents.rendering import DOCX_MIME, PDF_MIME, _fonts, _paragraph, signature_indents
from xinfang.reporting.kpis import KPI_CODES, KPI_NAMES
from xinfang.reporting.submission_print import download

# The KPIs below the 点名阈值 that get a unit named (higher is better for these three; 重复信访率 and
# 网信占比 are not "short" when low, and 参评率 depends on petitioners more than on the unit).
SHORTFALL_KPIS = ("timely_accept", "on_time", "satisfaction")
KPI_SHORT = {
    "timely_accept": "及时受理率",
    "on_time": "按期办结率",
    "participation": "参评率",
    "satisfaction": "满意率",
    "repeat": "重复信访率",
    "online": "网信占比",
    "one_time": "一次性化解率",
}
CN_NUMBERS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")
TOWNSHIP, DEPARTMENT = "township", "department"


# --- The content ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitLine:
    """One unit's numbers in the bulletin."""

    id: int
    name: str
    level: str
    registered: int
    briefs: int
    information: int
    adopted: int
    overdue: int
    kpis: dict

    @property
    def reported(self) -> int:
        return self.briefs + self.information

    def rate(self, code: str) -> float | None:
        numerator, denominator = self.kpis.get(code, (0, 0))
        return numerator / denominator if denominator else None

    def percent(self, code: str) -> str:
        rate = self.rate(code)
        return "—" if rate is None else f"{rate * 100:.1f}%"

    @property
    def kpi_cells(self) -> list[str]:
        return [self.percent(code) for code in KPI_CODES]


@dataclass(frozen=True)
class ScoreLine:
    rank: int
    unit: str
    total: str
    kpi_points: str
    deductions: str
    adjustments: str


@dataclass(frozen=True)
class Named:
    """One reason for naming units, and the units named for it (with their figure)."""

    reason: str
    units: tuple[str, ...]

    @property
    def sentence(self) -> str:
        return _("%(reason)s的单位：%(units)s。") % {"reason": self.reason, "units": "、".join(self.units)}


@dataclass(frozen=True)
class Section:
    number: str
    heading: str


@dataclass(frozen=True)
class BulletinContent:
    title: str
    number: str
    bureau: str
    addressee: str
    period_label: str
    date_text: str
    generated_text: str
    is_final: bool
    opening: tuple[str, ...]
    requirements: tuple[str, ...]
    summary: str
    units: tuple[UnitLine, ...]
    scores: tuple[ScoreLine, ...] | None
    named: tuple[Named, ...]
    threshold: str
    sections: dict
    scores_final: bool = True

    @property
    def kpi_headers(self) -> list[str]:
        return [KPI_SHORT[code] for code in KPI_CODES]

    @property
    def has_units(self) -> bool:
        return bool(self.units)

    def charts(self) -> list[tuple[str, bytes]]:
        """(caption, PNG) of every chart: registrations per unit, and the scores when there are any."""
        if not self.units:
            return []
        found = [
            (
                _("图%(n)s 各单位系统登记信访件数") % {"n": 1},
                bar_chart([u.name for u in self.units], [u.registered for u in self.units], unit=_("件")),
            ),
            (
                _("图%(n)s 各单位报送工作简报和信访信息数") % {"n": 2},
                bar_chart([u.name for u in self.units], [u.reported for u in self.units], unit=_("条")),
            ),
        ]
        if self.scores:
            found.append(
                (
                    _("图%(n)s 考核得分") % {"n": 3},
                    bar_chart(
                        [s.unit for s in self.scores], [_number(s.total) for s in self.scores], unit=_("分")
                    ),
                )
            )
        return found

    def chart_uris(self) -> list[tuple[str, str]]:
        return [
            (caption, "data:image/png;base64," + base64.b64encode(png).decode())
            for caption, png in self.charts()
        ]


def _number(text: str | None) -> float:
    try:
        return float(Decimal(text or "0"))
    except InvalidOperation:
        return 0.0


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def _cn_date(moment: datetime.date) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日"


def _units(snapshot: dict) -> tuple[UnitLine, ...]:
    return tuple(
        UnitLine(
            id=row["id"],
            name=row["name"],
            level=row.get("level", ""),
            registered=row["registered"],
            briefs=row["briefs"],
            information=row["information"],
            adopted=row["adopted"],
            overdue=row["overdue"],
            kpis={code: tuple(pair) for code, pair in row["kpis"].items()},
        )
        for row in snapshot.get("units", [])
    )


def _scores(snapshot: dict) -> tuple[ScoreLine, ...] | None:
    rows = snapshot.get("scores")
    if rows is None:
        return None
    return tuple(
        ScoreLine(
            rank=row["rank"],
            unit=row["unit"],
            total=row["total"] or "0",
            kpi_points=row["kpi_points"] or "0",
            deductions=row["deductions"] or "0",
            adjustments=row["adjustments"] or "0",
        )
        for row in sorted(rows, key=lambda r: (r["rank"], r["unit"]))
    )


def addressee(units: tuple[UnitLine, ...]) -> str:
    """各镇乡（街道）、各有关部门： — whom the units are, as Chinese bulletins open."""
    parts = []
    if any(u.level == TOWNSHIP for u in units):
        parts.append(_("各镇乡（街道）"))
    if any(u.level == DEPARTMENT for u in units):
        parts.append(_("各有关部门"))
    return ("、".join(parts) or _("各单位")) + "："


def named_units(units: tuple[UnitLine, ...], scores, threshold: Decimal) -> tuple[Named, ...]:
    """The units that fell short, by reason (a reason nobody falls under is left out)."""
    found = [
        Named(_("本期未在系统中登记信访件"), tuple(u.name for u in units if not u.registered)),
        Named(_("本期未报送工作简报和信访信息"), tuple(u.name for u in units if not u.reported)),
    ]
    for code in SHORTFALL_KPIS:
        low = [u for u in units if u.rate(code) is not None and Decimal(str(u.rate(code) * 100)) < threshold]
        found.append(
            Named(
                _("%(kpi)s低于%(t)s%%") % {"kpi": KPI_SHORT[code], "t": f"{threshold:f}"},
                tuple(f"{u.name}（{u.percent(code)}）" for u in low),
            )
        )
    found.append(
        Named(
            _("有超期件"),
            tuple(_("%(u)s（%(n)s件）") % {"u": u.name, "n": u.overdue} for u in units if u.overdue),
        )
    )
    if scores and len(scores) > 1:
        last = max(s.rank for s in scores)
        found.append(
            Named(_("考核排名末位"), tuple(f"{s.unit}（{s.total}分）" for s in scores if s.rank == last))
        )
    return tuple(n for n in found if n.units)


def summary_text(units: tuple[UnitLine, ...], period_label: str, start: str, end: str) -> str:
    """一、基本情况: the totals in one paragraph, or plainly that there was nothing to count."""
    if not units:
        return _("本单位下没有镇乡（街道）或部门，本期没有可通报的数据。")
    registered = sum(u.registered for u in units)
    briefs, information = sum(u.briefs for u in units), sum(u.information for u in units)
    overdue = sum(u.overdue for u in units)
    due = sum(u.kpis.get(code, (0, 0))[1] for u in units for code in KPI_CODES)
    span = _("%(label)s（%(start)s至%(end)s）") % {"label": period_label, "start": start, "end": end}
    if not (registered or briefs or information or overdue or due):
        return _(
            "%(span)s，各单位在系统中没有登记信访件，没有报送工作简报和信访信息，也没有到期的办理时限，本期暂无可统计的数据。"
        ) % {"span": span}
    townships = sum(u.registered for u in units if u.level == TOWNSHIP)
    return _(
        "%(span)s，%(n)s个单位在系统中共登记信访件%(reg)s件（其中镇乡、街道%(town)s件，部门及其他单位%(other)s件）；"
        "报送工作简报%(briefs)s篇、信访信息%(info)s条，被采用%(adopted)s条；办理时限到期未按期完成的超期件%(overdue)s件。"
    ) % {
        "span": span,
        "n": len(units),
        "reg": registered,
        "town": townships,
        "other": registered - townships,
        "briefs": briefs,
        "info": information,
        "adopted": sum(u.adopted for u in units),
        "overdue": overdue,
    }


def _sections(has_scores: bool) -> dict:
    keys = ["summary", "reports", "kpis", *(["scores"] if has_scores else []), "named", "requirements"]
    headings = {
        "summary": _("基本情况"),
        "reports": _("各单位系统登记和信息报送情况"),
        "kpis": _("主要工作指标"),
        "scores": _("考核得分和排名"),
        "named": _("点名通报"),
        "requirements": _("工作要求"),
    }
    return {key: Section(f"{CN_NUMBERS[i]}、", headings[key]) for i, key in enumerate(keys)}


def bulletin_content(bulletin) -> BulletinContent:
    """Everything the bulletin prints, from its snapshot and its editable fields."""
    snapshot = bulletin.snapshot or {}
    period = snapshot.get("period", {})
    units = _units(snapshot)
    scores = _scores(snapshot)
    threshold = Decimal(bulletin.threshold).normalize()
    generated = timezone.localtime(bulletin.generated_at)
    day = timezone.localtime(bulletin.published_at).date() if bulletin.published_at else generated.date()
    start, end = (datetime.date.fromisoformat(period[key]) for key in ("start", "end"))
    return BulletinContent(
        title=bulletin.title,
        number=bulletin.number or _("（发布时编号）"),
        bureau=bulletin.bureau.name,
        addressee=addressee(units),
        period_label=period.get("label", ""),
        date_text=_cn_date(day),
        generated_text=_("数据截至%(when)s。") % {"when": f"{_cn_date(generated.date())} {generated:%H:%M}"},
        is_final=bool(bulletin.published_at),
        opening=_paragraphs(bulletin.opening),
        requirements=_paragraphs(bulletin.requirements),
        summary=summary_text(units, period.get("label", ""), _cn_date(start), _cn_date(end)),
        units=units,
        scores=scores,
        named=named_units(units, scores, threshold),
        threshold=f"{threshold:f}",
        sections=_sections(scores is not None),
        scores_final=bool(snapshot.get("scores_final", True)),
    )


# --- Charts -------------------------------------------------------------------------------------------

CHART_WIDTH = 1400
LABEL_WIDTH = 400
ROW_HEIGHT = 52
FONT_SIZE = 32
BAR_COLOUR = (30, 58, 138)


@cache
def _cjk_font_path() -> tuple[str, int] | None:
    """The Noto Sans CJK SC face (Debian's fonts-noto-cjk), found through fontconfig."""
    try:
        found = subprocess.run(  # noqa: S603 - fixed arguments, no user input
            ["fc-match", "-f", "%{file}\n%{index}", "Noto Sans CJK SC"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    if len(found) < 2 or "CJK" not in found[0]:
        return None
    return found[0], int(found[1] or 0)


def _font(size: int):
    from PIL import ImageFont

    located = _cjk_font_path()
    if located is None:  # no CJK font: the chart still draws (boxes for Chinese), nothing fails
        return ImageFont.load_default(size)
    return ImageFont.truetype(located[0], size, index=located[1])


def _value_text(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def bar_chart(labels: list[str], values: list, *, unit: str) -> bytes:
    """A horizontal bar chart (one bar per unit, its value at the end) as PNG bytes."""
    from PIL import Image, ImageDraw

    font = _font(FONT_SIZE)
    height = 30 + ROW_HEIGHT * max(len(labels), 1) + 20
    image = Image.new("RGB", (CHART_WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    top = max((float(v) for v in values), default=0.0) or 1.0
    span = CHART_WIDTH - LABEL_WIDTH - 160
    draw.line([(LABEL_WIDTH, 20), (LABEL_WIDTH, height - 15)], fill=(90, 90, 90), width=2)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 30 + index * ROW_HEIGHT
        text = label if len(label) <= 12 else label[:11] + "…"
        draw.text((LABEL_WIDTH - 12, y + ROW_HEIGHT / 2), text, font=font, fill="black", anchor="rm")
        length = int(span * max(float(value), 0.0) / top)
        if length:
            draw.rectangle(
                [LABEL_WIDTH + 2, y + 8, LABEL_WIDTH + 2 + length, y + ROW_HEIGHT - 8], fill=BAR_COLOUR
            )
        caption = f"{_value_text(value)}{unit}"
        draw.text(
            (LABEL_WIDTH + 12 + length, y + ROW_HEIGHT / 2), caption, font=font, fill="black", anchor="lm"
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# --- Word ---------------------------------------------------------------------------------------------

HEADING_FONT = "黑体"  # GB/T 9704: first-level headings in 3号黑体
TABLE_FONT_PT = 10.5  # 五号


def _new_document():
    from docx import Document
    from docx.shared import Mm, Pt

    from xinfang.documents.rendering import BODY_FONT

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]
    _fonts(normal, BODY_FONT, 16)
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)
    return document


def _docx_table(document, header: list[str], rows: list[list]) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    from xinfang.documents.rendering import BODY_FONT

    table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    for row_index, values in enumerate([header, *rows]):
        for cell, value in zip(table.rows[row_index].cells, values, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.line_spacing = Pt(16)
            _fonts(paragraph.add_run(str(value)), BODY_FONT, TABLE_FONT_PT, bold=row_index == 0)


def _docx_heading(document, section: Section) -> None:
    _paragraph(document, section.number + section.heading, indent=True, font=HEADING_FONT)


def _docx_chart(document, caption: str, png: bytes) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    picture = document.add_paragraph()
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.add_run().add_picture(io.BytesIO(png), width=Mm(150))
    _paragraph(document, caption, align=WD_ALIGN_PARAGRAPH.CENTER, size=12)


def _docx_body(document, content: BulletinContent, charts: list) -> None:
    s = content.sections
    _paragraph(document, content.addressee)
    for text in content.opening:
        _paragraph(document, text, indent=True)
    _docx_heading(document, s["summary"])
    _paragraph(document, content.summary, indent=True)
    if content.units:
        _docx_heading(document, s["reports"])
        _docx_table(document, *report_table(content))
        for caption, png in charts[:2]:
            _docx_chart(document, caption, png)
        _docx_heading(document, s["kpis"])
        _docx_table(document, *kpi_table(content))
        _paragraph(document, kpi_note(), indent=True, size=12)
    if content.scores is not None:
        _docx_heading(document, s["scores"])
        if content.scores:
            _docx_table(document, *score_table(content))
            if not content.scores_final:
                _paragraph(document, not_final_note(), indent=True, size=12)
            for caption, png in charts[2:]:
                _docx_chart(document, caption, png)
    else:
        _paragraph(document, no_scores_note(), indent=True)
    _docx_heading(document, s["named"])
    for index, named in enumerate(content.named):
        _paragraph(document, f"（{CN_NUMBERS[index % 10]}）{named.sentence}", indent=True)
    if not content.named:
        _paragraph(document, nobody_named(), indent=True)
    _docx_heading(document, s["requirements"])
    for text in content.requirements or (_("请各单位对照本通报查找不足，认真整改。"),):
        _paragraph(document, text, indent=True)


def to_docx(content: BulletinContent) -> bytes:
    """A4, the papers' margins and fonts: title, 文号, addressee, sections with tables and charts, signature."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    from xinfang.documents.rendering import TITLE_FONT

    document = _new_document()
    masthead = _paragraph(document, content.bureau, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=26)
    masthead.runs[0].font.bold = True
    masthead.runs[0].font.color.rgb = RGBColor(0xB7, 0x1C, 0x1C)
    _paragraph(document, content.number, align=WD_ALIGN_PARAGRAPH.CENTER)
    title = _paragraph(document, content.title, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=22)
    title.runs[0].font.bold = True
    title.paragraph_format.line_spacing = Pt(36)
    _paragraph(document, "")
    _docx_body(document, content, content.charts())
    _paragraph(document, "")
    unit_em, date_em = signature_indents(content.bureau, content.date_text)
    _paragraph(document, content.bureau, align=WD_ALIGN_PARAGRAPH.RIGHT, right_em=unit_em)
    _paragraph(document, content.date_text, align=WD_ALIGN_PARAGRAPH.RIGHT, right_em=date_em)
    _paragraph(document, content.generated_text, size=12)
    properties = document.core_properties
    properties.title, properties.subject = content.title, content.number
    properties.author = properties.last_modified_by = content.bureau
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- Tables shared by Word, the page and the PDF -------------------------------------------------------


def report_table(content: BulletinContent) -> tuple[list[str], list[list]]:
    header = [_("序号"), _("单位"), _("系统登记件数"), _("工作简报"), _("信访信息"), _("被采用"), _("超期件")]
    rows = [
        [i, u.name, u.registered, u.briefs, u.information, u.adopted, u.overdue]
        for i, u in enumerate(content.units, start=1)
    ]
    totals = [
        _("合计"),
        "",
        *(
            sum(getattr(u, f) for u in content.units)
            for f in ("registered", "briefs", "information", "adopted", "overdue")
        ),
    ]
    return header, [*rows, totals]


def kpi_table(content: BulletinContent) -> tuple[list[str], list[list]]:
    return [_("单位"), *content.kpi_headers], [[u.name, *u.kpi_cells] for u in content.units]


def score_table(content: BulletinContent) -> tuple[list[str], list[list]]:
    header = [_("排名"), _("单位"), _("总分"), _("指标得分"), _("扣分"), _("加减分")]
    rows = [
        [s.rank, s.unit, s.total, s.kpi_points, s.deductions, s.adjustments] for s in content.scores or ()
    ]
    return header, rows


def kpi_note() -> str:
    names = "、".join(str(KPI_NAMES[code]) for code in KPI_CODES)
    return _(
        "指标按责任单位统计（%(names)s），口径见系统“统计指标”页的说明；本期没有到期或应评价的件，显示为“—”。"
    ) % {"names": names}


def no_scores_note() -> str:
    return _("本期尚未计算目标管理考核得分，本通报不作排名。")


def not_final_note() -> str:
    return _("以上为本期考核的计算结果，考核尚未定稿，最终得分以定稿为准。")


def nobody_named() -> str:
    return _("本期各单位均达到要求，没有需要点名的单位。")


# --- HTML and PDF -------------------------------------------------------------------------------------


def bulletin_html(content: BulletinContent, *, for_pdf: bool) -> str:
    context = {
        "c": content,
        "for_pdf": for_pdf,
        "charts": content.chart_uris(),
        "report": report_table(content) if content.units else None,
        "kpi": kpi_table(content) if content.units else None,
        "score": score_table(content) if content.scores else None,
        "kpi_note": kpi_note(),
        "no_scores_note": no_scores_note(),
        "not_final_note": not_final_note(),
        "nobody_named": nobody_named(),
        "cn_numbers": CN_NUMBERS,
    }
    return render_to_string("reporting/bulletin_print.html", context)


def _fetcher():
    """Only our own charts (data: URIs) are read; anything else in the text reaches no network."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",))


def to_pdf(content: BulletinContent) -> bytes:
    from weasyprint import HTML

    return HTML(
        string=bulletin_html(content, for_pdf=True), base_url=None, url_fetcher=_fetcher()
    ).write_pdf()


def file_name(content: BulletinContent, extension: str) -> str:
    safe = "".join(ch for ch in content.title if ch not in '\\/:*?"<>|\r\n\t')[:60]
    return f"{safe}.{extension}"


__all__ = [
    "DOCX_MIME",
    "PDF_MIME",
    "bulletin_content",
    "bulletin_html",
    "download",
    "file_name",
    "to_docx",
    "to_pdf",
]
