"""Links to petitions: an existing case by its number (only one the user can see), and 转入信访程序,
which registers a case through `intake.services.case_register` when the user may register there."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from xinfang.cases.models import Case
from xinfang.disputes.choices import DisputeStatus, PartyKind
from xinfang.disputes.models import DisputeCase
from xinfang.disputes.services import PartyInput, dispute_link_case, dispute_measure_add, dispute_to_petition
from xinfang.intake.services import PetitionerInput, case_register


@pytest.fixture
def town_case(tree):
    """A petition registered at the township (so the township's staff can see it)."""
    return case_register(
        actor=tree.town_registrar,
        unit=tree.town,
        channel_code="visit",
        purpose_code="claim",
        title="反映承包地边界问题",
        content="李四反映邻居占用其承包地。",
        received_on=datetime.date.today(),
        petitioners=[PetitionerInput(name="李四", phone="13912345678")],
    )


def test_it_links_an_existing_case_the_user_can_see(tree, make_dispute, town_case):
    item = make_dispute()
    dispute_link_case(dispute=item, actor=tree.town_handler, case_number=town_case.number)
    assert list(item.cases.all()) == [town_case]
    assert list(town_case.disputes.all()) == [item]
    with pytest.raises(ValidationError) as excinfo:
        dispute_link_case(dispute=item, actor=tree.town_handler, case_number=town_case.number)
    assert excinfo.value.message_dict["case_number"] == ["该信访件已经关联。"]


def test_a_case_the_user_cannot_see_is_answered_like_a_missing_one(tree, make_dispute):
    other_case = case_register(
        actor=tree.town2_handler,
        unit=tree.town2,
        channel_code="letter",
        purpose_code="claim",
        title="西山镇的信访件",
        content="内容",
        received_on=datetime.date.today(),
        petitioners=[PetitionerInput(name="王五")],
    )
    item = make_dispute()
    for number in (other_case.number, "9901212026010199999"):
        with pytest.raises(ValidationError) as excinfo:
            dispute_link_case(dispute=item, actor=tree.town_handler, case_number=number)
        assert excinfo.value.message_dict["case_number"] == ["信访件编号不存在或无权查看。"]
    assert not DisputeCase.objects.exists()


def test_to_petition_registers_a_case_when_the_user_may_register(tree, make_dispute):
    item = make_dispute()
    dispute_measure_add(
        dispute=item, actor=tree.town_handler, taken_on=datetime.date.today(), text="村委会调解未果"
    )
    item = dispute_to_petition(dispute=item, actor=tree.town_registrar)
    case = Case.objects.get()
    assert item.status == DisputeStatus.TO_PETITION and not item.is_open
    assert DisputeCase.objects.get().registered_from_dispute is True
    assert case.registering_unit == tree.town and case.title == item.title
    assert "村委会调解未果" in case.content
    assert [p.name for p in case.petitioners.all()] == ["李四"]  # the person, not the village committee
    assert case.number in item.outcome


def test_without_the_right_to_register_the_case_must_be_named(tree, make_dispute, town_case):
    item = make_dispute()
    with pytest.raises(ValidationError) as excinfo:
        dispute_to_petition(dispute=item, actor=tree.town_handler)  # a handler, not a registrar
    assert "请填写已登记的信访件编号" in excinfo.value.message_dict["case_number"][0]
    item.refresh_from_db()
    assert item.status == DisputeStatus.REGISTERED and Case.objects.count() == 1
    item = dispute_to_petition(dispute=item, actor=tree.town_handler, case_number=town_case.number)
    assert item.status == DisputeStatus.TO_PETITION and list(item.cases.all()) == [town_case]


def test_an_organisation_only_dispute_cannot_be_registered_as_a_petition(tree, make_dispute):
    item = make_dispute(party_list=[PartyInput(name="东湖村村民委员会", kind=PartyKind.ORGANISATION)])
    with pytest.raises(ValidationError) as excinfo:
        dispute_to_petition(dispute=item, actor=tree.town_registrar)
    assert "当事人中没有个人" in excinfo.value.message_dict["case_number"][0]
    assert not Case.objects.exists()


def test_the_case_page_link_and_the_dispute_page_show_the_link(client, tree, make_dispute, town_case):
    item = make_dispute()
    client.force_login(tree.town_handler)
    response = client.post(
        f"/disputes/{item.number}/do/link/", {"case_number": town_case.number, "version": 1}
    )
    assert response.status_code == 302
    page = client.get(f"/disputes/{item.number}/").content.decode()
    assert f"/cases/{town_case.number}/" in page
    bad = client.post(f"/disputes/{item.number}/do/link/", {"case_number": "123", "version": 1})
    assert bad.status_code == 400 and "信访件编号不存在或无权查看。" in bad.content.decode()
