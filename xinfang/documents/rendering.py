"""From template text and a snapshot to paragraphs, and from paragraphs to .docx and PDF.

Templates are Django template text edited by the administrator. The body is split at blank lines
*before* it is rendered, so that an `{% if %}` that comes out empty removes its whole paragraph
rather than leaving a stray gap; a tag must therefore open and close within one paragraph.
Rendered text is plain text (no autoescape): .docx takes it as text, and the PDF's HTML escapes it.
"""

import io
import re
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ValidationError
from django.template import Context, Engine
from django.utils.html import escape
from django.utils.translation import gettext as _

BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")
# "抄送：…", "联系人：…" (a short label) and "张三：" (an addressee line) start at the margin.
LABEL_LINE = re.compile(r"^[\u4e00-\u9fff]{1,6}：")
ADDRESSEE_MAX = 40

BODY_FONT = "仿宋"  # GB/T 9704: body in 3号仿宋
TITLE_FONT = "宋体"  # 2号小标宋 where installed; 宋体 is on every Chinese Windows/WPS
LATIN_FONT = "Times New Roman"
PDF_FONTS = '"Noto Serif CJK SC", "Noto Sans CJK SC", serif'

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"


class TemplateProblem(ValidationError):
    """A document template that cannot be compiled or rendered (always with a Chinese message)."""


@dataclass(frozen=True)
class Block:
    text: str
    flush: bool  # True: starts at the margin (labels, field lists); False: 2-character first-line indent


@dataclass(frozen=True)
class Rendered:
    title: str
    number: str
    blocks: tuple[Block, ...]
    unit: str
    date: str


@cache
def engine() -> Engine:
    """A sandbox-ish engine: no template directories, no app tag libraries, no autoescape."""
    return Engine(
        loaders=[("django.template.loaders.locmem.Loader", {})],
        builtins=["xinfang.documents.filters"],
        libraries={},
        autoescape=False,
        debug=False,
        string_if_invalid="",
    )


def split_paragraphs(source: str) -> list[str]:
    text = (source or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    return [part for part in BLANK_LINE.split(text) if part.strip()]


def _compile(source: str, where: str):
    try:
        return engine().from_string(source)
    except Exception as exc:  # TemplateSyntaxError and friends: all of them are the admin's typo
        raise TemplateProblem(
            _("%(where)s模板有语法错误：%(error)s（提示：{%% if %%}、{%% for %%} 须在同一段内开始和结束。）")
            % {"where": where, "error": exc},
            code="template_syntax",
        ) from exc


def _render(template, context: dict, where: str) -> str:
    try:
        return template.render(Context(context, autoescape=False))
    except Exception as exc:
        raise TemplateProblem(
            _("%(where)s模板无法生成文书：%(error)s") % {"where": where, "error": exc},
            code="template_render",
        ) from exc


def render_title(title_template: str, context: dict) -> str:
    text = _render(_compile(title_template, _("标题")), context, _("标题"))
    return " ".join(text.split())


def _starts_at_margin(line: str) -> bool:
    return bool(LABEL_LINE.match(line)) or (line.endswith("：") and len(line) <= ADDRESSEE_MAX)


def render_blocks(body_template: str, context: dict) -> tuple[Block, ...]:
    blocks: list[Block] = []
    for index, paragraph in enumerate(split_paragraphs(body_template), start=1):
        where = _("正文第%(n)s段") % {"n": index}
        text = _render(_compile(paragraph, where), context, where)
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) > 1:
            blocks.extend(Block(line, flush=True) for line in lines)
        elif lines:
            blocks.append(Block(lines[0], flush=_starts_at_margin(lines[0])))
    return tuple(blocks)


def render_document(title_template: str, body_template: str, context: dict) -> Rendered:
    from xinfang.documents.filters import cndate

    return Rendered(
        title=render_title(title_template, context),
        number=context.get("doc", {}).get("number", ""),
        blocks=render_blocks(body_template, context),
        unit=context.get("unit", {}).get("name", ""),
        date=cndate(context.get("doc", {}).get("issued_on", "")),
    )


def check_template(title_template: str, body_template: str, context: dict) -> None:
    """Raise a Chinese ValidationError (keyed by field) unless the template renders a document."""
    errors: dict[str, list[str]] = {}
    try:
        if not render_title(title_template, context):
            errors["title"] = [_("标题模板生成的标题为空。")]
    except TemplateProblem as exc:
        errors["title"] = exc.messages
    try:
        if not render_blocks(body_template, context):
            errors["body"] = [_("正文模板生成的正文为空。")]
    except TemplateProblem as exc:
        errors["body"] = exc.messages
    if errors:
        raise ValidationError(errors)


# --- .docx ---------------------------------------------------------------------------------------


def _fonts(element, east_asian: str, size_pt: float | None = None, bold: bool | None = None) -> None:
    """Set Latin and East-Asian fonts on a run or style (Word picks w:eastAsia for Chinese glyphs)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    element.font.name = LATIN_FONT
    if size_pt is not None:
        element.font.size = Pt(size_pt)
    if bold is not None:
        element.font.bold = bold
    rpr = element.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)


def _paragraph(
    document, text: str, *, align=None, indent: bool = False, font=BODY_FONT, size=16, bold=None, right_em=0.0
):
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    if right_em:
        paragraph.paragraph_format.right_indent = Pt(size * right_em)
    if text:
        _fonts(paragraph.add_run(text), font, size, bold)
    return paragraph


def _em_width(text: str) -> float:
    """Approximate printed width in em: Chinese characters are one em, digits and Latin half of one."""
    return sum(0.5 if ord(char) < 0x2E80 else 1.0 for char in text)


def signature_indents(unit: str, date: str) -> tuple[float, float]:
    """Right indents (em) of the unit and the date: the date 4 characters from the right margin, the
    unit centred over it (GB/T 9704-2012: "成文日期右空四字…发文机关署名…以成文日期为准居中")."""
    unit_width, date_width = _em_width(unit), _em_width(date)
    return 4 + max(0.0, (date_width - unit_width) / 2), 4 + max(0.0, (unit_width - date_width) / 2)


def to_docx(rendered: Rendered) -> bytes:
    """A4, GB/T 9704-like margins, centred bold title, number line, indented body, unit and date right."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]
    _fonts(normal, BODY_FONT, 16)
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)

    title = _paragraph(document, rendered.title, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=22)
    title.runs[0].font.bold = True
    title.paragraph_format.line_spacing = Pt(36)
    _paragraph(document, rendered.number, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, "")
    body = [
        _paragraph(document, block.text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=not block.flush)
        for block in rendered.blocks
    ]
    spacer = _paragraph(document, "")
    unit_em, date_em = signature_indents(rendered.unit, rendered.date)
    unit = _paragraph(document, rendered.unit, align=WD_ALIGN_PARAGRAPH.RIGHT, right_em=unit_em)
    _paragraph(document, rendered.date, align=WD_ALIGN_PARAGRAPH.RIGHT, right_em=date_em)
    # The signature never stands alone on the last page: it keeps with the last paragraph of the body.
    for paragraph in [*body[-1:], spacer, unit]:
        paragraph.paragraph_format.keep_with_next = True

    properties = document.core_properties
    properties.title = rendered.title
    properties.author = rendered.unit
    properties.last_modified_by = rendered.unit
    properties.comments = ""
    properties.subject = rendered.number
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- PDF --------------------------------------------------------------------------------------------

PDF_CSS = """
@page {
  size: A4;
  margin: 37mm 26mm 35mm 28mm;
  @bottom-center { content: "— " counter(page) " —"; font-family: FONTS; font-size: 12pt; }
}
html { font-family: FONTS; font-size: 16pt; line-height: 28pt; color: #000; }
h1 { font-size: 22pt; line-height: 36pt; font-weight: bold; text-align: center; margin: 0; }
p { margin: 0; text-align: justify; }
p.indent { text-indent: 2em; }
p.number { text-align: center; margin-bottom: 28pt; }
.closing { break-inside: avoid; }
.sign { display: table; margin: 28pt 4em 0 auto; text-align: center; }
""".replace("FONTS", PDF_FONTS)


def to_html(rendered: Rendered) -> str:
    """The same text as the .docx, escaped (case data may contain anything)."""
    parts = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(rendered.title)}</title><style>{PDF_CSS}</style></head><body>",
        f"<h1>{escape(rendered.title)}</h1>",
        f'<p class="number">{escape(rendered.number)}</p>',
    ]
    blocks = [f'<p class="{"flush" if b.flush else "indent"}">{escape(b.text)}</p>' for b in rendered.blocks]
    # The last paragraph and the signature stay on one page (no signature alone on a last page).
    parts += blocks[:-1]
    parts.append(f'<div class="closing">{"".join(blocks[-1:])}<div class="sign">')
    parts.append(f"<p>{escape(rendered.unit)}</p><p>{escape(rendered.date)}</p></div></div></body></html>")
    return "".join(parts)


def to_pdf(rendered: Rendered) -> bytes:
    """WeasyPrint embeds (subsets of) the Noto CJK fonts, so the PDF reads the same everywhere."""
    from weasyprint import HTML

    return HTML(string=to_html(rendered), base_url=None).write_pdf()
