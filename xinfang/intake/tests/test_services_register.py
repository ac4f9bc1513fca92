import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_pdf_bytes, valid_resident_id
from xinfang.cases.choices import CaseStatus, CaseUnitRole, EventKind
from xinfang.cases.models import Attachment, Case, CaseDeadline, CaseEvent, CaseUnit, Petitioner
from xinfang.deadlines.models import Step
from xinfang.intake.services import PetitionerInput


def test_it_registers_a_letter_with_number_query_code_event_and_first_clock(register, org):
    case = register()
    today = case.registered_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))).date()
    assert case.number == f"990121{today:%Y%m%d}00001"
    assert len(case.query_code) == 10 and case.query_code.isdigit()
    assert case.status == CaseStatus.REGISTERED and case.is_open
    assert case.owner_unit == org.county and case.registering_unit == org.county
    assert CaseEvent.objects.filter(case=case, kind=EventKind.REGISTERED).count() == 1
    deadline = CaseDeadline.objects.get(case=case)
    assert deadline.step == Step.DISPOSE  # a 信访部门 disposes within 15日 (2022 条例 §22)
    assert case.due_on == deadline.due_on
    assert deadline.explanation["text"]
    roles = set(CaseUnit.objects.filter(case=case).values_list("role", flat=True))
    assert roles == {CaseUnitRole.REGISTERED, CaseUnitRole.HOLDER}


def test_it_numbers_consecutively_without_gaps(register):
    numbers = [register().number for _ in range(5)]
    serials = [int(n[-5:]) for n in numbers]
    assert serials == [1, 2, 3, 4, 5]


def test_it_does_not_use_a_serial_when_registration_fails(register):
    first = register()
    with pytest.raises(ValidationError):
        register(title="")
    second = register()
    assert int(second.number[-5:]) == int(first.number[-5:]) + 1


def test_it_gives_a_handling_unit_the_direct_notice_clock(register, org):
    case = register(actor=org.town_handler, unit=org.town)
    assert case.deadlines.get().step == Step.NOTIFY_DIRECT  # 2022 条例 §23 ¶2


def test_it_refuses_a_unit_where_the_actor_is_not_a_registrar(register, org):
    with pytest.raises(PermissionDenied):
        register(actor=org.registrar, unit=org.town)
    with pytest.raises(PermissionDenied):
        register(actor=org.leader_only, unit=org.county)
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        ({"title": "  "}, "title", "请填写标题"),
        ({"content": ""}, "content", "请填写信访内容"),
        ({"channel_code": "pigeon"}, "channel", "信访形式"),
        ({"purpose_code": "nope"}, "purpose", "信访目的"),
        ({"received_on": datetime.date(2999, 1, 1)}, "received_on", "不能晚于今天"),
        ({"received_on": datetime.date(1980, 1, 1)}, "received_on", "过早"),
        ({"petitioners": []}, "petitioners", "至少填写一名信访人"),
        ({"headcount": 0}, "headcount", "至少为1"),
        ({"category_id": 999999}, "category", "内容分类无效"),
        ({"issue_region_code": "000000"}, "issue_region", "区划代码不存在"),
    ],
)
def test_it_rejects_bad_input_with_a_chinese_message_and_writes_nothing(register, overrides, key, message):
    with pytest.raises(ValidationError) as caught:
        register(**overrides)
    assert any(message in text for text in caught.value.message_dict[key])
    assert Case.objects.count() == 0 and Petitioner.objects.count() == 0 and CaseEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("id_number", "message"),
    [
        ("12345", "18位"),
        (valid_resident_id()[:17] + ("0" if valid_resident_id()[17] != "0" else "1"), "校验位"),
        ("990121198002301234", "出生日期"),
    ],
)
def test_it_checks_resident_id_numbers_with_the_gb11643_check_digit(register, id_number, message):
    with pytest.raises(ValidationError) as caught:
        register(petitioners=[PetitionerInput(name="李四", id_number=id_number)])
    assert message in " ".join(caught.value.message_dict["petitioners.0.id_number"])


@pytest.mark.parametrize("phone", ["12345", "1391234567", "abcdefghijk", "10000000000"])
def test_it_rejects_invalid_phone_numbers(register, phone):
    with pytest.raises(ValidationError) as caught:
        register(petitioners=[PetitionerInput(name="李四", phone=phone)])
    assert "petitioners.0.phone" in caught.value.message_dict


def test_it_normalises_phone_numbers(register):
    case = register(petitioners=[PetitionerInput(name="李四", phone="+86 139-1234-5678")])
    assert case.petitioners.get().phone == "13912345678"


def test_it_limits_a_group_visit_to_five_representatives(register):
    people = [PetitionerInput(name=f"代表{i}", is_representative=True) for i in range(6)]
    with pytest.raises(ValidationError) as caught:
        register(channel_code="visit", headcount=30, petitioners=people)
    assert "不得超过5人" in " ".join(caught.value.message_dict["petitioners"])
    case = register(channel_code="visit", headcount=30, petitioners=people[:5])
    assert case.is_collective and case.petitioners.count() == 5


def test_it_allows_an_anonymous_report_without_petitioners(register):
    case = register(purpose_code="accusation", is_anonymous=True, petitioners=[])
    assert case.is_anonymous and case.petitioners.count() == 0


def test_it_returns_the_same_case_for_a_repeated_submission_key(register):
    first = register(submission_key="k-123")
    second = register(submission_key="k-123")
    assert first.pk == second.pk
    assert Case.objects.count() == 1


def test_it_links_a_repeat_petition(register):
    original = register()
    repeat = register(repeat_of=original)
    assert repeat.is_repeat and repeat.repeat_of == original
    assert repeat.events.filter(kind=EventKind.REPEAT_LINKED).exists()


def test_it_stores_checked_attachments(register, png_upload):
    pdf = SimpleUploadedFile("letter.pdf", make_pdf_bytes(), content_type="application/pdf")
    case = register(attachments=[png_upload, pdf])
    kinds = sorted(case.attachments.values_list("content_type", flat=True))
    assert kinds == ["application/pdf", "image/png"]
    stored = case.attachments.first()
    assert stored.file.read(4) in (b"\x89PNG", b"%PDF")


def test_it_rejects_a_file_whose_content_is_not_pdf_or_image(register):
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError) as caught:
        register(attachments=[fake])
    assert "不是有效的PDF、JPG或PNG文件" in " ".join(caught.value.message_dict["attachments"])
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0


def test_it_rejects_oversized_files(register, settings):
    settings.ATTACHMENT_MAX_MB = 1
    big = SimpleUploadedFile(
        "big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024 + 1), content_type="image/png"
    )
    with pytest.raises(ValidationError) as caught:
        register(attachments=[big])
    assert "大小限制" in " ".join(caught.value.message_dict["attachments"])


def test_it_collects_all_errors_at_once(register):
    with pytest.raises(ValidationError) as caught:
        register(title="", content="", channel_code="x")
    assert {"title", "content", "channel"} <= set(caught.value.message_dict)
