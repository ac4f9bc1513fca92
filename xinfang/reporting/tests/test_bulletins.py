"""季度通报 (issue 6 §5) on hand-built data: the numbers, the named units, the files, the workflow.

The story, all in 2026-Q1, in the county's subtree (示范县信访局 → 东湖镇, 县公安局):

- 东湖镇 registers two cases itself (01-07, 01-08) and closes each the same day; the first is rated
  满意, the second 不满意 (满意率 1/2 = 50.0%). Its 直接收件告知 clocks were both met (及时受理率 2/2).
- The county registers one case on 01-05 and 交办 it to 县公安局, which signs it on 01-06 but never
  accepts it: its 受理告知 clock falls due in January and is missed (及时受理率 0/1, one 超期件).
- 东湖镇 sends one 工作简报 and one 动态信息 in February; the county adopts the 动态信息.
- 县公安局 registers nothing and reports nothing.

So with the default 点名阈值 of 90%, the bulletin names 县公安局 for no registration, no report,
及时受理率 0.0% and one 超期件, and 东湖镇 for 满意率 50.0%.
"""

import datetime
import io
import json
import re
import shutil
import subprocess
import tempfile
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from xinfang.assessment import services as assessment
from xinfang.assessment.selectors import ScoreItem, ScoreRow, assessment_ranking
from xinfang.cases import steps
from xinfang.common.models import AuditLog, ImmutableError
from xinfang.integrations.auth import api_token_create
from xinfang.messaging.models import Notification
from xinfang.orgs.models import Membership, Role
from xinfang.reporting import bulletin_render, bulletins
from xinfang.reporting.bulletin_selectors import bulletin_data, score_row_data
from xinfang.reporting.models import Bulletin, BulletinEvent
from xinfang.reporting.periods import parse_period
from xinfang.reporting.submissions import submission_adopt, submission_create, submission_submit

CST = datetime.timezone(datetime.timedelta(hours=8))
Q1 = parse_period("2026-Q1")
POPPLER_MISSING = "poppler-utils (pdftotext, pdffonts) is not installed: run `make install-test` as root"


def at(month: int, day: int):
    return time_machine.travel(datetime.datetime(2026, month, day, 10, 0, tzinfo=CST), tick=False)


def _close_own(org, register, day: int):
    """东湖镇 registers, accepts, answers and serves on `day`: closed that day."""
    with at(1, day):
        case = register(unit=org.town, actor=org.town_handler, received_on=datetime.date(2026, 1, day))
        case = steps.case_accept(case=case, actor=org.town_handler)
        case = steps.case_opinion_draft(
            case=case,
            actor=org.town_handler,
            outcome="support",
            facts="经查属实。",
            basis="有关规定",
            text="予以支持。",
        )
        case = steps.case_opinion_decide(case=case, actor=org.town_head, approve=True)
        return steps.case_serve(
            case=case, actor=org.town_handler, method="in_person", served_on=timezone.localdate()
        )


def _report(org, kind: str, title: str):
    with at(2, 10):
        item = submission_create(
            actor=org.town_handler, unit=org.town, kind=kind, title=title, body="本月情况。", period="2026-02"
        )
        return submission_submit(submission=item, actor=org.town_handler)


@pytest.fixture
def story(org, register):
    c3 = _close_own(org, register, 7)
    with at(1, 7):
        steps.case_evaluate(
            case=c3, actor=org.town_handler, target="handler", level="satisfied", source="phone"
        )
    c4 = _close_own(org, register, 8)
    with at(1, 8):
        steps.case_evaluate(
            case=c4, actor=org.town_handler, target="handler", level="unsatisfied", source="phone"
        )
    with at(1, 5):
        c1 = register(received_on=datetime.date(2026, 1, 5))
        c1 = steps.case_assign(
            case=c1,
            actor=org.dispatcher,
            to_unit=org.police,
            due_on=datetime.date(2026, 3, 1),
            note="请依法办理",
        )
    with at(1, 6):
        steps.case_sign(case=c1, actor=org.police_handler)
    _report(org, "bulletin", "东湖镇工作简报第1期")
    info = _report(org, "dynamic", "东湖镇春节前矛盾纠纷排查情况")
    with at(2, 11):
        submission_adopt(submission=info, actor=org.dispatcher)
    return {"c1": c1, "c3": c3, "c4": c4}


@pytest.fixture
def supervisor(org):
    from xinfang.orgs.models import User

    user = User.objects.create_user(username="supervisor", password="x", full_name="督办员甲")
    Membership.objects.create(user=user, unit=org.county, role=Role.objects.get(code=Role.SUPERVISOR))
    return user


@pytest.fixture
def drafted(org, story):
    return bulletins.bulletin_create(bureau=org.county, period="2026-Q1", actor=org.county_head)


def approved_and_published(org, bulletin):
    bulletins.bulletin_approve(bulletin=bulletin, actor=org.county_head)
    return bulletins.bulletin_publish(bulletin=bulletin, actor=org.leader_only)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def docx_parts(content: bytes):
    from docx import Document

    document = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    return document, text, tables


def _poppler(tool: str, content: bytes, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.skip(POPPLER_MISSING)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(content)
        pdf.flush()
        command = [tool, *args, pdf.name] + (["-"] if tool == "pdftotext" else [])
        result = subprocess.run(command, capture_output=True, check=True)  # noqa: S603 (fixed tools)
    return result.stdout.decode("utf-8", "replace")


def flat(text: str) -> str:
    """Text without line breaks and spaces: a PDF wraps long sentences anywhere."""
    return re.sub(r"\s+", "", text)


# --- The numbers --------------------------------------------------------------------------------------


def test_it_counts_registrations_reports_kpis_and_overdue_cases_per_unit(org, story):
    data = bulletin_data(org.county, Q1)
    rows = {row["name"]: row for row in data["units"]}
    assert list(rows) == ["东湖镇", "县公安局"]  # townships before departments
    town, police = rows["东湖镇"], rows["县公安局"]
    assert (town["registered"], town["briefs"], town["information"], town["adopted"]) == (2, 1, 1, 1)
    assert (police["registered"], police["briefs"], police["information"], police["adopted"]) == (0, 0, 0, 0)
    assert town["overdue"] == 0 and police["overdue"] == 1
    assert town["kpis"]["timely_accept"] == [2, 2] and town["kpis"]["satisfaction"] == [1, 2]
    assert police["kpis"]["timely_accept"] == [0, 1]
    assert data["period"]["label"] == "2026年第一季度"


def test_it_names_the_units_that_fell_short_by_the_threshold(org, drafted):
    named = {n.reason: n.units for n in bulletin_render.bulletin_content(drafted).named}
    assert named == {
        "本期未在系统中登记信访件": ("县公安局",),
        "本期未报送工作简报和信访信息": ("县公安局",),
        "及时受理率低于90%": ("县公安局（0.0%）",),
        "满意率低于90%": ("东湖镇（50.0%）",),
        "有超期件": ("县公安局（1件）",),
    }
    lowered = bulletins.bulletin_update(
        bulletin=drafted,
        actor=org.county_head,
        title=drafted.title,
        opening="",
        requirements="",
        threshold="40",
    )
    named = {n.reason: n.units for n in bulletin_render.bulletin_content(lowered).named}
    assert "满意率低于40%" not in named and named["及时受理率低于40%"] == ("县公安局（0.0%）",)


# --- The files ----------------------------------------------------------------------------------------


def test_it_writes_the_counts_and_named_units_into_the_docx(org, drafted):
    published = approved_and_published(org, drafted)
    response = logged_in(org.town_handler).get(f"/reports/bulletins/{published.pk}/download/docx/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    document, text, tables = docx_parts(response.content)
    assert "示范县信访局〔2026〕1号" in text and published.title in text
    registrations = {row[1]: row[2:] for row in tables[0][1:]}
    # 登记, 工作简报, 信访信息, 被采用, 超期件 per unit, and the totals row.
    assert registrations["东湖镇"] == ["2", "1", "1", "1", "0"]
    assert registrations["县公安局"] == ["0", "0", "0", "0", "1"]
    assert tables[0][-1][2:] == ["2", "1", "1", "1", "1"]
    kpi_rows = {row[0]: row[1:] for row in tables[1][1:]}
    assert kpi_rows["东湖镇"][0] == "100.0%" and kpi_rows["东湖镇"][3] == "50.0%"
    assert kpi_rows["县公安局"][0] == "0.0%" and kpi_rows["县公安局"][3] == "—"
    assert "本期未报送工作简报和信访信息的单位：县公安局。" in text
    assert "满意率低于90%的单位：东湖镇（50.0%）。" in text
    assert "有超期件的单位：县公安局（1件）。" in text
    assert len(document.inline_shapes) == 2  # the two bar charts (no scores this period)
    assert "本期尚未计算目标管理考核得分，本通报不作排名。" in text
    assert "张三" not in text  # no petitioner is ever named


def test_it_writes_them_into_the_pdf_with_the_cjk_font_embedded(org, drafted):
    published = approved_and_published(org, drafted)
    response = logged_in(org.police_head).get(f"/reports/bulletins/{published.pk}/download/pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = flat(_poppler("pdftotext", response.content, "-enc", "UTF-8"))
    assert "示范县信访局〔2026〕1号" in text
    assert "东湖镇211" in text  # the 东湖镇 row: 序号 1 … 登记 2, 简报 1, 信息 1 (cells in a row)
    assert "及时受理率低于90%的单位：县公安局（0.0%）。" in text
    assert "本期未在系统中登记信访件的单位：县公安局。" in text
    fonts = _poppler("pdffonts", response.content)
    assert "Noto-Serif-CJK-SC" in fonts or "Noto-Sans-CJK-SC" in fonts
    embedded = [line for line in fonts.splitlines() if "CJK" in line]
    assert embedded and all(" yes " in line for line in embedded)
    if shutil.which("pdfimages"):
        images = _poppler_images(response.content)
        assert images >= 2


def _poppler_images(content: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(content)
        pdf.flush()
        listing = subprocess.run(["pdfimages", "-list", pdf.name], capture_output=True, check=True)  # noqa: S603,S607
    return len(listing.stdout.decode().splitlines()) - 2


def test_it_draws_the_charts_with_chinese_labels_as_png(org):
    from PIL import Image

    png = bulletin_render.bar_chart(["东湖镇", "县公安局"], [3, 0], unit="件")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == bulletin_render.CHART_WIDTH
    # The bar of 东湖镇 is drawn in the bar colour; 县公安局 (0) has none.
    row = bulletin_render.ROW_HEIGHT
    assert image.getpixel((bulletin_render.LABEL_WIDTH + 20, 30 + row // 2)) == bulletin_render.BAR_COLOUR
    assert image.getpixel((bulletin_render.LABEL_WIDTH + 200, 30 + row + row // 2)) == (255, 255, 255)
    assert bulletin_render._cjk_font_path() is not None


def test_it_produces_a_bulletin_for_a_period_without_data(org):
    empty = bulletins.bulletin_create(bureau=org.county, period="2025-Q1", actor=org.county_head)
    client = logged_in(org.county_head)
    assert client.get(f"/reports/bulletins/{empty.pk}/").status_code == 200
    _document, text, tables = docx_parts(client.get(f"/reports/bulletins/{empty.pk}/download/docx/").content)
    assert "本期暂无可统计的数据" in text
    assert {row[1]: row[2] for row in tables[0][1:-1]} == {"东湖镇": "0", "县公安局": "0"}
    pdf = client.get(f"/reports/bulletins/{empty.pk}/download/pdf/")
    assert pdf.status_code == 200 and "本期暂无可统计的数据" in flat(
        _poppler("pdftotext", pdf.content, "-enc", "UTF-8")
    )


@pytest.fixture
def police_registrar(org):
    from xinfang.orgs.models import User

    user = User.objects.create_user(username="police_registrar", password="x", full_name="公安登记员")
    Membership.objects.create(user=user, unit=org.police, role=Role.objects.get(code=Role.REGISTRAR))
    return user


def test_it_keeps_the_published_numbers_when_new_cases_come_in(org, drafted, register, police_registrar):
    published = approved_and_published(org, drafted)
    with at(3, 2):
        register(unit=org.police, actor=police_registrar, received_on=datetime.date(2026, 3, 2))
    assert bulletin_data(org.county, Q1)["units"][1]["registered"] == 1  # the live numbers moved on
    published.refresh_from_db()
    assert {row["name"]: row["registered"] for row in published.snapshot["units"]}["县公安局"] == 0
    response = logged_in(org.police_head).get(f"/reports/bulletins/{published.pk}/download/docx/")
    registrations = {row[1]: row[2] for row in docx_parts(response.content)[2][0][1:-1]}
    assert registrations["县公安局"] == "0"


def test_it_refreshes_a_draft_on_regenerate(org, drafted, register, police_registrar):
    with at(3, 2):
        register(unit=org.police, actor=police_registrar, received_on=datetime.date(2026, 3, 2))
    before = {row["name"]: row["registered"] for row in drafted.snapshot["units"]}
    refreshed = bulletins.bulletin_regenerate(bulletin=drafted, actor=org.county_head)
    after = {row["name"]: row["registered"] for row in refreshed.snapshot["units"]}
    assert before["县公安局"] == 0 and after["县公安局"] == 1
    assert refreshed.generated_at > drafted.generated_at
    assert BulletinEvent.objects.filter(bulletin=drafted, action="regenerate").count() == 1


# --- Scores (the assessment's ranking) ------------------------------------------------------------------


def test_it_ranks_units_and_names_the_last_from_score_rows(org, drafted):
    """The ranking section as rendered from `ScoreRow`s (the assessment's interface), built here."""
    item = ScoreItem("deduct.late_registration", "登记不及时", 2, None, Decimal("-1.00"))
    rows = [
        ScoreRow(org.town, 1, Decimal("96.50"), Decimal("37.50"), Decimal("1.00"), Decimal("0"), (item,)),
        ScoreRow(org.police, 2, Decimal("81.25"), Decimal("30.25"), Decimal("9.00"), Decimal("0.50"), ()),
    ]
    drafted.snapshot = {**drafted.snapshot, "scores": [score_row_data(r) for r in rows]}
    content = bulletin_render.bulletin_content(drafted)
    assert content.sections["scores"].number == "四、" and content.sections["named"].number == "五、"
    named = {n.reason: n.units for n in content.named}
    assert named["考核排名末位"] == ("县公安局（81.25分）",)
    _document, text, tables = docx_parts(bulletin_render.to_docx(content))
    assert tables[2][1] == ["1", "东湖镇", "96.50", "37.50", "1.00", "0"]
    assert tables[2][2] == ["2", "县公安局", "81.25", "30.25", "9.00", "0.50"]
    assert "四、考核得分和排名" in text and "本通报不作排名" not in text
    assert len(_document.inline_shapes) == 3


def test_it_prints_the_scores_computed_by_the_assessment(org, story):
    rule_set = assessment.rule_set_create(bureau=org.county, period=Q1, acting_user=org.county_head)
    assessment.key_tasks_set(
        rule_set=rule_set, points={org.town.pk: 50, org.police.pk: 20}, acting_user=org.county_head
    )
    assessment.assessment_compute(
        rule_set=rule_set, acting_user=org.county_head, today=datetime.date(2026, 4, 10)
    )
    ranking = assessment_ranking(bureau=org.county, period=Q1)
    bulletin = bulletins.bulletin_create(bureau=org.county, period="2026-Q1", actor=org.county_head)
    assert [row["unit"] for row in bulletin.snapshot["scores"]] == [row.unit.name for row in ranking]
    published = approved_and_published(org, bulletin)
    client = logged_in(org.town_head)
    document, text, tables = docx_parts(
        client.get(f"/reports/bulletins/{published.pk}/download/docx/").content
    )
    expected = [
        [str(r.rank), r.unit.name, str(r.total), str(r.kpi_points), str(r.deductions), str(r.adjustments)]
        for r in ranking
    ]
    assert tables[2][1:] == expected
    last = ranking[-1]
    assert last.unit == org.police  # 20 points of key tasks against 50, a missed clock, no report
    assert f"考核排名末位的单位：县公安局（{last.total}分）。" in text
    assert "考核尚未定稿" in text  # computed, not yet 定稿
    assert len(document.inline_shapes) == 3  # registrations, reports and scores
    pdf = flat(
        _poppler(
            "pdftotext",
            client.get(f"/reports/bulletins/{published.pk}/download/pdf/").content,
            "-enc",
            "UTF-8",
        )
    )
    assert f"1东湖镇{ranking[0].total}" in pdf and f"考核排名末位的单位：县公安局（{last.total}分）。" in pdf
    # A later adjustment changes the assessment, not the published bulletin.
    assessment.adjustment_create(
        rule_set=rule_set, unit=org.police, points="5", reason="补录", acting_user=org.county_head
    )
    published.refresh_from_db()
    assert published.snapshot["scores"][-1]["total"] == str(last.total)


def test_it_drops_the_not_final_note_once_the_assessment_is_finalized(org, story):
    rule_set = assessment.rule_set_create(bureau=org.county, period=Q1, acting_user=org.county_head)
    assessment.assessment_compute(
        rule_set=rule_set, acting_user=org.county_head, today=datetime.date(2026, 4, 10)
    )
    assessment.assessment_finalize(rule_set=rule_set, acting_user=org.county_head)
    bulletin = bulletins.bulletin_create(bureau=org.county, period="2026-Q1", actor=org.county_head)
    _document, text, tables = docx_parts(bulletin_render.to_docx(bulletin_render.bulletin_content(bulletin)))
    assert bulletin.snapshot["scores_final"] is True
    assert "考核尚未定稿" not in text and len(tables) == 3


# --- Workflow -------------------------------------------------------------------------------------------


def test_it_cannot_publish_a_draft_that_was_not_approved(org, drafted):
    with pytest.raises(bulletins.BulletinConflict):
        bulletins.bulletin_publish(bulletin=drafted, actor=org.county_head)
    drafted.refresh_from_db()
    assert drafted.status == "draft" and drafted.number == ""
    assert not Notification.objects.filter(kind=bulletins.NOTICE_KIND).exists()


def test_it_publishes_once_when_publish_is_pressed_twice(org, drafted):
    client = logged_in(org.county_head)
    assert client.post(f"/reports/bulletins/{drafted.pk}/approve/").status_code == 302
    assert client.post(f"/reports/bulletins/{drafted.pk}/publish/").status_code == 302
    again = client.post(f"/reports/bulletins/{drafted.pk}/publish/")
    assert again.status_code == 409 and "已发布" in again.content.decode()
    assert Notification.objects.filter(kind=bulletins.NOTICE_KIND, user=org.town_handler).count() == 1
    assert BulletinEvent.objects.filter(bulletin=drafted, action="publish").count() == 1
    assert AuditLog.objects.filter(action="bulletin_publish", object_id=str(drafted.pk)).count() == 1


def test_it_tells_every_user_of_every_unit_below_the_bureau_once(org, drafted):
    Membership.objects.create(user=org.town_handler, unit=org.police, role=Role.objects.get(code="handler"))
    published = approved_and_published(org, drafted)
    told = set(
        Notification.objects.filter(kind=bulletins.NOTICE_KIND).values_list("user__username", flat=True)
    )
    assert told == {"town_handler", "town_head", "police_handler", "police_head"}
    notice = Notification.objects.get(
        kind=bulletins.NOTICE_KIND, user=org.town_handler
    )  # one, though in 2 units
    assert published.number in notice.body and notice.link == f"/reports/bulletins/{published.pk}/"


def test_it_numbers_published_bulletins_per_bureau_and_year(org, drafted):
    second = bulletins.bulletin_create(bureau=org.county, period="2026-Q2", actor=org.county_head)
    assert approved_and_published(org, drafted).number == "示范县信访局〔2026〕1号"
    assert approved_and_published(org, second).number == "示范县信访局〔2026〕2号"


def test_it_edits_only_drafts_and_returns_an_approved_one_to_draft(org, drafted):
    bulletins.bulletin_approve(bulletin=drafted, actor=org.county_head)
    with pytest.raises(bulletins.BulletinConflict):
        bulletins.bulletin_update(
            bulletin=drafted,
            actor=org.county_head,
            title="新标题",
            opening="",
            requirements="",
            threshold="90",
        )
    with pytest.raises(bulletins.BulletinConflict):
        bulletins.bulletin_regenerate(bulletin=drafted, actor=org.county_head)
    back = bulletins.bulletin_return(bulletin=drafted, actor=org.leader_only, reason="请补充导语")
    assert back.status == "draft" and back.approved_by is None
    changed = bulletins.bulletin_update(
        bulletin=back,
        actor=org.county_head,
        title="新标题",
        opening="导语一",
        requirements="要求一",
        threshold="85.5",
    )
    assert changed.title == "新标题" and changed.threshold == Decimal("85.5")
    actions = list(
        BulletinEvent.objects.filter(bulletin=drafted).values_list("action", "from_status", "to_status")
    )
    assert actions == [
        ("create", "", "draft"),
        ("approve", "draft", "approved"),
        ("return", "approved", "draft"),
        ("edit", "", "draft"),
    ]
    event = BulletinEvent.objects.filter(bulletin=drafted).first()
    event.note = "改"
    with pytest.raises(ImmutableError):
        event.save()


# --- Permissions ----------------------------------------------------------------------------------------


def test_it_lets_only_the_bureaus_supervisors_heads_and_leaders_write(org, story, supervisor):
    from django.core.exceptions import PermissionDenied

    for user in (org.registrar, org.town_head, org.other_registrar):
        with pytest.raises(PermissionDenied):
            bulletins.bulletin_create(bureau=org.county, period="2026-Q1", actor=user)
    bulletin = bulletins.bulletin_create(bureau=org.county, period="2026-Q1", actor=supervisor)
    with pytest.raises(PermissionDenied):
        bulletins.bulletin_approve(bulletin=bulletin, actor=supervisor)
    assert logged_in(supervisor).post(f"/reports/bulletins/{bulletin.pk}/approve/").status_code == 403
    assert logged_in(org.registrar).get("/reports/bulletins/new/").status_code == 403


def test_it_shows_units_only_published_bulletins_and_other_bureaus_nothing(org, drafted):
    detail = f"/reports/bulletins/{drafted.pk}/"
    town = logged_in(org.town_handler)
    other = logged_in(org.other_registrar)
    assert town.get(detail).status_code == 404
    assert town.get(detail + "download/docx/").status_code == 404
    assert drafted.title not in town.get("/reports/bulletins/").content.decode()
    assert logged_in(org.registrar).get(detail).status_code == 200  # the bureau's own people see drafts
    approved_and_published(org, drafted)
    assert town.get(detail).status_code == 200
    assert drafted.title in town.get("/reports/bulletins/").content.decode()
    assert town.get(detail + "download/pdf/").status_code == 200
    assert town.post(detail + "regenerate/").status_code == 403
    assert other.get(detail).status_code == 404
    assert other.get(detail + "download/docx/").status_code == 404
    assert logged_in(org.city_leader).get(detail).status_code == 404


def test_it_shows_one_obvious_next_action(org, drafted):
    page = logged_in(org.county_head).get(f"/reports/bulletins/{drafted.pk}/").content.decode()
    assert page.count('class="xf-primary-action"') == 1 and "审核通过" in page
    bulletins.bulletin_approve(bulletin=drafted, actor=org.county_head)
    page = logged_in(org.county_head).get(f"/reports/bulletins/{drafted.pk}/").content.decode()
    assert page.count('class="xf-primary-action"') == 1 and ">发布<" in page
    assert "县公安局（0.0%）" in page  # the preview shows the named units


# --- Pages and API: bad input -------------------------------------------------------------------------


def test_it_refuses_bad_input_on_the_pages_with_a_clear_message(org, drafted):
    client = logged_in(org.county_head)
    bad = client.post("/reports/bulletins/new/", {"bureau": org.county.pk, "period": "上个季度"})
    assert bad.status_code == 400 and "季度（如 2026-Q1）" in bad.content.decode()
    twice = client.post("/reports/bulletins/new/", {"bureau": org.county.pk, "period": "2026-Q1"})
    assert twice.status_code == 400 and "已经起草过" in twice.content.decode()
    edit = client.post(
        f"/reports/bulletins/{drafted.pk}/edit/",
        {"title": "x", "opening": "", "requirements": "", "threshold": "abc"},
    )
    assert edit.status_code == 400 and "点名阈值应是0到100之间的数" in edit.content.decode()
    assert client.post(f"/reports/bulletins/{drafted.pk}/return/", {"reason": ""}).status_code in (400, 409)
    assert client.get(f"/reports/bulletins/{drafted.pk}/download/xls/").status_code == 404
    assert Bulletin.objects.count() == 1


def _api(user):
    token = api_token_create(user=user, name="通报")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def call(method: str, path: str, body=None):
        data = json.dumps(body, ensure_ascii=False) if body is not None else None
        return getattr(client, method)(f"/api/v1/reports{path}", data=data, content_type="application/json")

    return call


def test_it_runs_the_whole_workflow_through_the_api(org, story):
    head = _api(org.county_head)
    created = head("post", "/bulletins", {"period": "2026-Q1"})
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["named"]
    edited = head("patch", f"/bulletins/{pk}", {"title": "关于一季度的通报", "threshold": "80"})
    assert edited.status_code == 200 and edited.json()["threshold"] == "80"
    assert head("post", f"/bulletins/{pk}/regenerate").status_code == 200
    assert head("post", f"/bulletins/{pk}/publish").status_code == 409
    assert head("post", f"/bulletins/{pk}/approve").status_code == 200
    published = head("post", f"/bulletins/{pk}/publish")
    assert published.status_code == 200 and published.json()["number"] == "示范县信访局〔2026〕1号"
    assert head("post", f"/bulletins/{pk}/publish").status_code == 409
    town = _api(org.town_handler)
    assert [b["id"] for b in town("get", "/bulletins").json()["items"]] == [pk]
    docx = town("get", f"/bulletins/{pk}/download?format=docx")
    assert docx.status_code == 200 and "县公安局" in docx_parts(docx.content)[1]


def test_it_answers_bad_api_input_with_4xx_and_changes_nothing(org, drafted):
    head = _api(org.county_head)
    assert head("post", "/bulletins", {"period": "abc"}).status_code == 400
    assert "季度" in head("post", "/bulletins", {"period": "abc"}).json()["errors"]["period"][0]
    assert head("post", "/bulletins", {"period": "2026-Q1"}).status_code == 400  # already drafted
    assert head("post", "/bulletins", {}).status_code == 422
    assert head("post", "/bulletins", {"period": "2026-Q3", "bureau": org.other.pk}).status_code == 403
    assert head("patch", f"/bulletins/{drafted.pk}", {"title": "", "threshold": "150"}).status_code == 400
    assert head("post", f"/bulletins/{drafted.pk}/return", {"reason": "x"}).status_code == 409
    assert head("get", f"/bulletins/{drafted.pk}/download?format=xls").status_code == 400
    assert head("get", "/bulletins/999999").status_code == 404
    assert _api(org.town_handler)("get", f"/bulletins/{drafted.pk}").status_code == 404
    assert _api(org.town_handler)("post", f"/bulletins/{drafted.pk}/approve").status_code == 404
    assert Bulletin.objects.count() == 1
    drafted.refresh_from_db()
    assert drafted.status == "draft" and drafted.threshold == Decimal("90.0")


# --- Concurrency (PostgreSQL) --------------------------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_publishes_once_when_two_leaders_press_publish_at_the_same_moment(org, monkeypatch):
    """Two parallel API requests, released together; the row lock is held a moment so the second surely
    waits on it: one publishes (200), the other is told it is already published (409), units told once."""
    import threading
    import time

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions; SQLite serialises every write anyway")
    bulletin = bulletins.bulletin_create(bureau=org.county, period="2026-Q1", actor=org.county_head)
    bulletins.bulletin_approve(bulletin=bulletin, actor=org.county_head)
    real_lock = bulletins._lock

    def slow_lock(found):
        locked = real_lock(found)
        time.sleep(0.3)
        return locked

    monkeypatch.setattr(bulletins, "_lock", slow_lock)
    tokens = [api_token_create(user=user, name="并发")[1] for user in (org.county_head, org.leader_only)]
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def publish(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = Client().post(
                f"/api/v1/reports/bulletins/{bulletin.pk}/publish",
                HTTP_AUTHORIZATION=f"Bearer {tokens[index]}",
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(r.status_code for r in results) == [200, 409], results
    assert Notification.objects.filter(kind=bulletins.NOTICE_KIND, user=org.police_head).count() == 1
    assert BulletinEvent.objects.filter(bulletin=bulletin, action="publish").count() == 1
    assert Bulletin.objects.get(pk=bulletin.pk).number == "示范县信访局〔2026〕1号"


def test_it_reports_on_county_bureaus_in_the_citys_bulletin(org, story):
    bulletin = bulletins.bulletin_create(bureau=org.city, period="2026-Q1", actor=org.city_head)
    rows = {row["name"]: row for row in bulletin.snapshot["units"]}
    assert set(rows) == {"示范县信访局", "邻县信访局"}
    # The county's subtree registered three cases (its own 交办 one and 东湖镇's two); it is counted on
    # the 信访部门 side: its one 登记交转 clock (the 交办 case) was met the day it came.
    assert rows["示范县信访局"]["registered"] == 3 and rows["示范县信访局"]["kpis"]["timely_accept"] == [1, 1]
    assert rows["邻县信访局"]["registered"] == 0
    content = bulletin_render.bulletin_content(bulletin)
    assert content.addressee == "各单位："
    assert dict((n.reason, n.units) for n in content.named)["本期未在系统中登记信访件"] == ("邻县信访局",)
