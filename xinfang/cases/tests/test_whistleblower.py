"""检举控告: the reporter's identity never reaches the handling unit, on any channel (2022 条例 §30 ¶3, §46).

A 检举控告 case is sent to the township; the township's staff can handle it but must never see the
petitioner's name, ID number, phone or address — not on the page, the API, the papers, a search by
the person, the earlier-cases check, nor in the log. The county bureau sees it, and every view of
personal data is audited.
"""

import json

import pytest
from django.urls import reverse

from conftest import valid_resident_id
from xinfang.cases import steps
from xinfang.common.models import AuditLog
from xinfang.intake.services import PetitionerInput
from xinfang.integrations.auth import api_token_create

NAME, PHONE, ADDRESS = "钱举报", "13811112222", "东湖镇幸福村8号"
ID_NUMBER = valid_resident_id("99012119750203441")


@pytest.fixture
def accusation(org, register):
    case = register(
        purpose_code="accusation",
        title="反映某站所工作人员违规收费",
        petitioners=[PetitionerInput(name=NAME, phone=PHONE, address=ADDRESS, id_number=ID_NUMBER)],
    )
    case = steps.case_transfer(case=case, actor=org.dispatcher, to_unit=org.town)
    return steps.case_accept(case=steps.case_sign(case=case, actor=org.town_handler), actor=org.town_handler)


def secrets_in(text: str) -> list[str]:
    return [s for s in (NAME, PHONE, ADDRESS, ID_NUMBER) if s in text]


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='t')[1]}"}


def test_every_channel_hides_the_reporter_from_the_handling_unit(client, org, accusation):
    case = accusation
    client.force_login(org.town_handler)
    outputs = {
        "page": client.get(reverse("cases:detail", args=[case.number])),
        "receipt": client.get(reverse("cases:receipt", args=[case.number])),
        "workbench": client.get(reverse("cases:workbench")),
        "lookup by name": client.get(reverse("cases:lookup"), {"q": NAME}),
        "lookup by phone": client.get(reverse("cases:lookup"), {"q": PHONE}),
        "earlier cases": client.get(reverse("intake:earlier"), {"form-0-name": NAME, "form-0-phone": PHONE}),
        "step form": client.get(reverse("cases:action", args=[case.number, "opinion_draft"])),
    }
    api = bearer(org.town_handler)
    outputs |= {
        "api detail": client.get(f"/api/v1/cases/{case.number}", **api),
        "api events": client.get(f"/api/v1/cases/{case.number}/events", **api),
        "api lookup": client.get("/api/v1/cases/lookup", {"q": NAME}, **api),
        "api documents": client.get(f"/api/v1/cases/{case.number}/documents", **api),
        "api earlier": client.get("/api/v1/cases/earlier", {"name": NAME, "phone": PHONE}, **api),
    }
    for doc in case.documents.all():
        outputs[f"paper {doc.kind}"] = client.get(
            reverse("documents:document-download", args=[case.number, doc.pk, "docx"])
        )
    searches = {"lookup by name", "lookup by phone", "earlier cases", "api lookup", "api earlier"}
    for channel, response in outputs.items():
        assert response.status_code in (200, 201), (channel, response.status_code)
        body = _docx_text(response) if channel.startswith("paper") else response.content.decode()
        if channel in searches:  # the search box echoes what was typed; the case must not be found
            assert case.number not in body and case.title not in body, channel
        else:
            assert secrets_in(body) == [], channel
    assert not AuditLog.objects.filter(user=org.town_handler, action="view_personal_data").exists()


def _docx_text(response) -> str:
    import io

    import docx

    content = b"".join(response.streaming_content) if response.streaming else response.content
    document = docx.Document(io.BytesIO(content))
    return "\n".join(p.text for p in document.paragraphs) + "".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )


def test_the_bureau_sees_the_reporter_and_it_is_audited(client, org, accusation):
    client.force_login(org.dispatcher)
    page = client.get(reverse("cases:detail", args=[accusation.number])).content.decode()
    assert NAME in page
    found = client.get(reverse("cases:lookup"), {"q": NAME}).content.decode()
    assert accusation.number in found
    audit = AuditLog.objects.filter(user=org.dispatcher, action="view_personal_data").get()
    assert accusation.number in json.dumps(audit.detail, ensure_ascii=False)


def test_other_purposes_are_found_by_name_at_the_township(client, org, register):
    case = register(petitioners=[PetitionerInput(name="孙普通", phone="13900001111")])
    case = steps.case_transfer(case=case, actor=org.dispatcher, to_unit=org.town)
    client.force_login(org.town_handler)
    assert case.number in client.get(reverse("cases:lookup"), {"q": "孙普通"}).content.decode()
