import pytest
from django.http import Http404

from xinfang.cases.access import can_see_identity, cases_visible_to, get_case_for_user
from xinfang.cases.choices import CaseStatus
from xinfang.cases.services import case_transition


def test_it_lets_a_bureau_see_its_own_cases_and_those_below(register, org):
    at_county = register()
    at_town = register(actor=org.town_handler, unit=org.town)
    visible = set(cases_visible_to(org.dispatcher).values_list("pk", flat=True))
    assert visible == {at_county.pk, at_town.pk}
    assert set(cases_visible_to(org.city_leader).values_list("pk", flat=True)) == {at_county.pk, at_town.pk}


def test_it_hides_cases_of_other_units(register, org):
    case = register()
    assert not cases_visible_to(org.other_registrar).filter(pk=case.pk).exists()
    assert not cases_visible_to(org.town_handler).filter(pk=case.pk).exists()
    assert not cases_visible_to(org.nobody).filter(pk=case.pk).exists()


def test_it_lets_a_handling_unit_see_what_was_sent_to_it(register, org):
    case = register()
    case_transition(
        case=case,
        to_status=CaseStatus.PENDING_SIGN,
        actor=org.dispatcher,
        unit=org.county,
        new_owner=org.town,
    )
    assert get_case_for_user(org.town_handler, number=case.number).pk == case.pk
    with pytest.raises(Http404):
        get_case_for_user(org.police_handler, number=case.number)


def test_it_answers_not_found_alike_for_missing_and_forbidden(register, org):
    case = register()
    with pytest.raises(Http404) as forbidden:
        get_case_for_user(org.other_registrar, number=case.number)
    with pytest.raises(Http404) as missing:
        get_case_for_user(org.other_registrar, number="99012120260101999999")
    assert str(forbidden.value) == str(missing.value)


def test_it_hides_a_whistleblowers_identity_from_the_handling_unit(register, org):
    case = register(purpose_code="accusation")
    case_transition(
        case=case,
        to_status=CaseStatus.PENDING_SIGN,
        actor=org.dispatcher,
        unit=org.county,
        new_owner=org.police,
    )
    assert can_see_identity(org.dispatcher, case)
    assert can_see_identity(org.city_leader, case)
    assert not can_see_identity(org.police_handler, case)


def test_it_masks_the_case_page_and_attachments_for_a_protected_case(client, register, org, png_upload):
    case = register(purpose_code="accusation", attachments=[png_upload])
    case_transition(
        case=case,
        to_status=CaseStatus.PENDING_SIGN,
        actor=org.dispatcher,
        unit=org.county,
        new_owner=org.police,
    )
    client.force_login(org.police_handler)
    page = client.get(f"/cases/{case.number}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "张三" not in body and "13912345678" not in body and "139****5678" not in body
    assert "信访人身份信息不向承办单位显示" in body
    attachment = case.attachments.get()
    assert client.get(f"/cases/{case.number}/attachments/{attachment.pk}/").status_code == 404
    receipt = client.get(f"/cases/{case.number}/receipt/").content.decode()
    assert "张三" not in receipt


def test_it_answers_404_with_a_message_when_an_attachments_file_is_gone(client, register, org, png_upload):
    case = register(attachments=[png_upload])
    attachment = case.attachments.get()
    client.force_login(org.dispatcher)
    url = f"/cases/{case.number}/attachments/{attachment.pk}/"
    served = client.get(url)
    assert served.status_code == 200 and b"".join(served.streaming_content)[:4] == b"\x89PNG"
    attachment.file.storage.delete(attachment.file.name)  # lost from storage, the row still there
    missing = client.get(url)
    assert missing.status_code == 404
    assert "文件已不在存储中" in missing.content.decode()
