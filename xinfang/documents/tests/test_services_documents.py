"""Issuing papers: every kind renders, numbering is gap-free per unit/kind/year, papers are immutable."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction

from xinfang.documents.choices import DocKind
from xinfang.documents.models import CaseDocument, DocumentTemplate, ImmutableDocument
from xinfang.documents.services import document_issue, document_pdf_ensure, document_render
from xinfang.documents.snapshot import SAMPLE_EXTRA
from xinfang.documents.tests.conftest import docx_text, pdf_fonts, pdf_info, pdf_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
EXTRA = {
    **SAMPLE_EXTRA,
    "accepted_on": datetime.date(2026, 3, 2),
    "due_on": datetime.date(2026, 3, 20),
    "copies": ["县人社局", "县住建局"],
}


@pytest.mark.parametrize("kind", DocKind.values)
def test_it_renders_every_kind_as_docx_and_pdf(register, org, kind):
    case = register()
    doc = document_issue(case=case, kind=kind, unit=org.county, actor=org.dispatcher, extra=EXTRA)
    docx = doc.docx.read()
    text = docx_text(docx)
    assert case.number in text
    assert doc.number in text
    assert doc.title in text and doc.title
    assert "示范县信访局" in text
    assert "{{" not in text and "{%" not in text
    pdf = document_render(doc, fmt="pdf")
    assert pdf.startswith(b"%PDF")
    assert case.number in pdf_text(pdf).replace("\n", "")


def test_the_docx_is_a4_with_east_asian_fonts_and_a_centred_bold_title(register, org):
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm

    case = register()
    doc = document_issue(case=case, kind=DocKind.OPINION, unit=org.county, actor=org.dispatcher, extra=EXTRA)
    word = Document(doc.docx.open("rb"))
    section = word.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    title = word.paragraphs[0]
    assert title.text == "关于张三信访事项的处理意见"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER and title.runs[0].bold
    fonts = title.runs[0]._element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "宋体"
    body = [p for p in word.paragraphs if p.text.startswith("你（们）于")][0]
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    assert body.paragraph_format.first_line_indent is not None
    closing = [p for p in word.paragraphs if p.text][-1]
    assert closing.alignment == WD_ALIGN_PARAGRAPH.RIGHT and closing.text.endswith("日")


def test_the_pdf_embeds_a_cjk_font(register, org):
    case = register()
    doc = document_issue(case=case, kind=DocKind.ACCEPT_NOTICE, unit=org.county, actor=org.dispatcher)
    pdf = document_render(doc, fmt="pdf")
    fonts = [line for line in pdf_fonts(pdf).splitlines() if "CJK" in line]
    assert fonts, "no CJK font in the PDF"
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # the "emb" column
    text = pdf_text(pdf)
    assert "受理告知书" in text and doc.number in text.replace("\n", "")
    assert "信访事项受理告知书" in pdf_info(pdf)


def test_it_fills_the_base_context_from_the_case(register, org):
    case = register(demands="请求支付工资")
    doc = document_issue(case=case, kind=DocKind.ACCEPT_NOTICE, unit=org.county, actor=org.dispatcher)
    snap = doc.snapshot
    assert snap["case"]["number"] == case.number and snap["case"]["query_code"] == case.query_code
    assert snap["case"]["received_on"] == case.received_on.isoformat()
    assert snap["case"]["channel"] == "来信" and snap["case"]["demands"] == "请求支付工资"
    assert snap["petitioner"]["name"] == "张三" and snap["petitioner"]["phone"] == "13912345678"
    assert snap["unit"]["name"] == "示范县信访局"
    assert snap["doc"]["number"] == doc.number
    text = docx_text(doc.docx.read())
    assert case.query_code in text and "请求支付工资" in text


def test_it_renders_what_is_present_and_skips_what_is_absent(register, org):
    case = register()
    bare = document_issue(case=case, kind=DocKind.TRANSFER_SLIP, unit=org.county, actor=org.dispatcher)
    text = docx_text(bare.docx.read())
    assert "有关单位：" in text and "抄送" not in text and "附言" not in text
    full = document_issue(
        case=case,
        kind=DocKind.TRANSFER_SLIP,
        unit=org.county,
        actor=org.dispatcher,
        extra={"to_unit": "东湖镇", "copies": ["县人社局", "县住建局"], "note": "请尽快办理"},
    )
    text = docx_text(full.docx.read())
    assert "东湖镇：" in text and "抄送：县人社局、县住建局" in text and "附言：请尽快办理。" in text
    assert full.snapshot["extra"]["copies"] == ["县人社局", "县住建局"]


def test_it_stores_dates_in_the_snapshot_as_iso_strings(register, org):
    case = register()
    doc = document_issue(
        case=case,
        kind=DocKind.EXTENSION_NOTICE,
        unit=org.town,
        actor=org.town_handler,
        extra={"old_due_on": datetime.date(2026, 5, 1), "new_due_on": datetime.date(2026, 5, 31), "days": 30},
    )
    assert doc.snapshot["extra"] == {"old_due_on": "2026-05-01", "new_due_on": "2026-05-31", "days": 30}
    assert "延长30日，至2026年5月31日" in docx_text(doc.docx.read())


def test_it_numbers_per_unit_kind_and_year_without_gaps(register, org):
    case = register()
    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, tzinfo=SHANGHAI)):
        first = document_issue(case=case, kind=DocKind.ACCEPT_NOTICE, unit=org.county, actor=org.dispatcher)
        second = document_issue(case=case, kind=DocKind.ACCEPT_NOTICE, unit=org.county, actor=org.dispatcher)
        other_kind = document_issue(case=case, kind=DocKind.OPINION, unit=org.county, actor=org.dispatcher)
        other_unit = document_issue(
            case=case, kind=DocKind.ACCEPT_NOTICE, unit=org.town, actor=org.dispatcher
        )
    assert (first.serial, second.serial, other_kind.serial, other_unit.serial) == (1, 2, 1, 1)
    assert first.number == "示范县信访局信受〔2026〕1号"
    assert second.number == "示范县信访局信受〔2026〕2号"
    assert other_kind.number == "示范县信访局信意〔2026〕1号"
    assert other_unit.number == "东湖镇信受〔2026〕1号"


def test_the_number_restarts_each_year_and_uses_the_short_name(register, org):
    org.county.short_name = "示范县信访"
    org.county.save()
    case = register()
    with time_machine.travel(datetime.datetime(2026, 12, 31, 23, 30, tzinfo=SHANGHAI)):
        document_issue(case=case, kind=DocKind.TRANSFER_SLIP, unit=org.county, actor=org.dispatcher)
        late = document_issue(case=case, kind=DocKind.TRANSFER_SLIP, unit=org.county, actor=org.dispatcher)
    with time_machine.travel(datetime.datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI)):
        new_year = document_issue(
            case=case, kind=DocKind.TRANSFER_SLIP, unit=org.county, actor=org.dispatcher
        )
    assert late.number == "示范县信访信转〔2026〕2号"
    assert (new_year.year, new_year.serial, new_year.number) == (2027, 1, "示范县信访信转〔2027〕1号")
    assert new_year.snapshot["doc"]["issued_on"] == "2027-01-01"


def test_a_rolled_back_step_gives_its_serial_back(register, org):
    case = register()
    with pytest.raises(RuntimeError), transaction.atomic():
        document_issue(case=case, kind=DocKind.OPINION, unit=org.county, actor=org.dispatcher)
        raise RuntimeError("the workflow step failed")
    doc = document_issue(case=case, kind=DocKind.OPINION, unit=org.county, actor=org.dispatcher)
    assert doc.serial == 1
    assert CaseDocument.objects.count() == 1


def test_an_unknown_kind_is_refused(register, org):
    with pytest.raises(ValidationError) as error:
        document_issue(case=register(), kind="memo", unit=org.county, actor=org.dispatcher)
    assert "未知的文书种类" in error.value.messages[0]


def test_an_edited_template_changes_the_output(register, org):
    template = DocumentTemplate.objects.get(kind=DocKind.ACCEPT_NOTICE)
    template.title = "受理通知（{{ case.channel }}）"
    template.body = "{{ petitioner.name }}同志：\n\n你的来信已收到，编号{{ case.number }}。我局将认真办理。"
    template.full_clean()
    template.save()
    case = register()
    doc = document_issue(case=case, kind=DocKind.ACCEPT_NOTICE, unit=org.county, actor=org.dispatcher)
    text = docx_text(doc.docx.read())
    assert doc.title == "受理通知（来信）"
    assert "张三同志：" in text and f"你的来信已收到，编号{case.number}。我局将认真办理。" in text
    assert "特此告知" not in text
    # The paper keeps its wording even if the template changes again later.
    template.body = "另一种写法"
    template.save()
    assert f"编号{case.number}" in docx_text(document_render(doc, fmt="docx"))


def test_issued_papers_are_immutable(register, org):
    doc = document_issue(case=register(), kind=DocKind.OPINION, unit=org.county, actor=org.dispatcher)
    doc.title = "改过的标题"
    with pytest.raises(ImmutableDocument):
        doc.save()
    with pytest.raises(ImmutableDocument):
        doc.delete()


def test_the_pdf_is_rendered_by_the_worker_after_commit(
    register, org, django_capture_on_commit_callbacks, run_worker
):
    case = register()
    with django_capture_on_commit_callbacks(execute=True):
        doc = document_issue(case=case, kind=DocKind.OPINION, unit=org.county, actor=org.dispatcher)
    assert not doc.pdf
    run_worker()
    doc.refresh_from_db()
    assert doc.pdf.name.endswith(".pdf")
    assert case.number in pdf_text(doc.pdf.read()).replace("\n", "")


def test_rendering_the_pdf_twice_keeps_the_first(register, org):
    doc = document_issue(case=register(), kind=DocKind.OPINION, unit=org.county, actor=org.dispatcher)
    first = document_pdf_ensure(doc).pdf.name
    stale = CaseDocument.objects.get(pk=doc.pk)
    stale.pdf = ""  # a second worker that read the row before the first one stored its PDF
    assert document_pdf_ensure(stale).pdf.name == first
