"""Open311 GeoReport v2 at /open311/v2/ (issue 7 §4): conformance and behaviour over HTTP.

Every JSON answer is validated against the standard's JSON schemas in shared/data/open311-georeport-v2
(read where they lie, never copied); the XML answers are parsed and compared with the JSON ones.
"""

import datetime
import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.utils import timezone

from xinfang.common.models import AuditLog
from xinfang.integrations.auth import api_token_create
from xinfang.integrations.models import Open311Request
from xinfang.messaging.choices import ScreeningStatus, Source
from xinfang.messaging.models import InboundMessage
from xinfang.messaging.screening import message_answer
from xinfang.messaging.screening_selectors import queue_messages
from xinfang.orgs.models import User

jsonschema = pytest.importorskip("jsonschema")
referencing = pytest.importorskip("referencing")


def _spec_folder() -> Path | None:
    """Beside the repository (../shared), or at this machine's fixed place when run from a clean clone."""
    places = [parent / "shared" / "data" for parent in Path(__file__).resolve().parents]
    for data in [*places, Path("/work/shared/data")]:
        candidate = data / "open311-georeport-v2"
        if candidate.is_dir():
            return candidate
    return None


SPEC = _spec_folder()
needs_spec = pytest.mark.skipif(
    SPEC is None, reason="shared/data/open311-georeport-v2 is not beside the repository"
)
BASE = "/open311/v2/"
SCRIPT = "<script>alert('x')</script> & 路灯"


def _validator(name: str):
    from referencing.jsonschema import DRAFT202012

    files = ["service.json", "services.json", "service-definition.json", "request.json", "requests.json"]
    resources = [
        (file, DRAFT202012.create_resource(json.loads((SPEC / file).read_text(encoding="utf-8"))))
        for file in files
    ]
    registry = referencing.Registry().with_resources(resources)
    schema = json.loads((SPEC / name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _swagger_validator(definition: str):
    swagger = json.loads((SPEC / "swagger.json").read_text(encoding="utf-8"))
    schema = {
        "type": "array",
        "items": {"$ref": f"#/definitions/{definition}"},
        "definitions": swagger["definitions"],
    }
    return jsonschema.Draft4Validator(schema)


def _with_offset(text: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(text)
    assert moment.tzinfo is not None, text  # the standard: the offset MUST be included
    return moment


def assert_error(response, status: int, words: str = ""):
    assert response.status_code == status
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    assert body[0]["code"] == status
    assert words in body[0]["description"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body[0]["description"])  # a Chinese description


def xml_of(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)  # noqa: S314 -- our own answer, in a test


@pytest.fixture(autouse=True)
def portal_is_the_county(settings, tmp_path):
    settings.PORTAL_UNIT = "示范县信访局"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api_key(org):
    portal = User.objects.create_user(username="gov_portal", password="x", full_name="县政府门户网站")
    return api_token_create(user=portal, name="Open311 门户", scopes=["open311"])[1]


@pytest.fixture
def post(client, api_key):
    def _post(fmt="json", headers=None, **fields):
        data = {
            "api_key": api_key,
            "service_code": "0104",
            "address_string": "东湖镇幸福路12号",
            "description": "幸福路的路灯坏了三个月，晚上出行很不方便。",
            "first_name": "市民",
            "last_name": "周",
            "phone": "13912345678",
            "email": "zhou@example.cn",
        } | fields
        data = {key: value for key, value in data.items() if value is not None}
        return client.post(f"{BASE}requests.{fmt}", data, headers=headers or {})

    return _post


@needs_spec
def test_it_lists_the_current_leaf_categories_as_services_in_json_and_xml(client, org):
    response = client.get(f"{BASE}services.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"
    services = response.json()
    _validator("services.json").validate(services)
    by_code = {service["service_code"]: service for service in services}
    assert by_code["0104"]["service_name"] == "市政设施" and by_code["0104"]["group"] == "城乡建设"
    assert "01" not in by_code  # a first level with children is a group, not a service
    assert {service["type"] for service in services} == {"realtime"}

    root = xml_of(client.get(f"{BASE}services.xml"))
    assert root.tag == "services"
    assert [node.findtext("service_code") for node in root.findall("service")] == list(by_code)
    assert root.find("service[service_code='0104']/metadata").text == "true"


@needs_spec
def test_it_gives_a_service_definition_and_404_for_an_unknown_code(client, org):
    response = client.get(f"{BASE}services/0104.json")
    assert response.status_code == 200
    _validator("service-definition.json").validate(response.json())
    assert response.json()["attributes"][0]["code"] == "kind"
    root = xml_of(client.get(f"{BASE}services/0104.xml"))
    assert root.tag == "service_definition"
    assert [v.findtext("key") for v in root.findall("attributes/attribute/values/value")] == [
        "complaint",
        "suggestion",
        "help",
        "report",
    ]
    assert_error(client.get(f"{BASE}services/9999.json"), 404, "9999")
    unknown = client.get(f"{BASE}services/9999.xml")
    assert unknown.status_code == 404 and xml_of(unknown).findtext("error/code") == "404"


def test_it_answers_an_unknown_format_or_path_with_404_in_the_error_format(client, org):
    assert_error(client.get(f"{BASE}services.csv"), 404, "csv")
    assert_error(client.get(f"{BASE}discovery.yaml"), 404)
    assert_error(client.get(f"{BASE}services/{'9' * 300}.json"), 404)
    assert_error(client.get(f"{BASE}nothing/here.json"), 404, "接口")
    assert_error(client.get(BASE), 404)
    assert xml_of(client.get(f"{BASE}nothing.xml")).findtext("error/code") == "404"
    assert_error(client.delete(f"{BASE}requests.json"), 405)


@pytest.mark.parametrize(
    "query",
    [
        "service_request_id=,,,",
        "start_date=%00",
        "start_date=9999-99-99T99:99",
        "status=,",
        "service_code=" + "x" * 5000,
    ],
)
def test_it_never_fails_on_odd_query_strings(client, org, query):
    response = client.get(f"{BASE}requests.json?{query}")
    assert response.status_code in (200, 400)
    assert isinstance(response.json(), list)


def test_it_describes_itself_in_the_discovery_document(client, org):
    body = client.get(f"{BASE}discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/") and "application/json" in endpoint["formats"]
    _with_offset(body["changeset"])
    root = xml_of(client.get(f"{BASE}discovery.xml"))
    assert root.findtext("endpoints/endpoint/formats/format") == "text/xml"


@needs_spec
def test_it_puts_a_posted_request_into_the_screening_queue_and_audits_it(post, client, org):
    response = post()
    assert response.status_code == 201
    body = response.json()
    _swagger_validator("RequestResponse").validate(body)
    number, token = body[0]["service_request_id"], body[0]["token"]
    message = InboundMessage.objects.get(number=number)
    assert message.source == Source.OPEN311 and message.status == ScreeningStatus.NEW
    assert (message.name, message.phone, message.title) == ("周市民", "13912345678", "市政设施")
    assert message.issue_address == "东湖镇幸福路12号"
    assert message in queue_messages(units=[org.county], tab="new")
    assert message.open311.email == "zhou@example.cn"
    assert AuditLog.objects.filter(
        action="open311_request_post", object_id=str(message.pk), via="open311"
    ).exists()

    by_token = client.get(f"{BASE}tokens/{token}.json")
    _swagger_validator("TokenResponse").validate(by_token.json())
    assert by_token.json() == [{"service_request_id": number, "token": token}]
    assert xml_of(client.get(f"{BASE}tokens/{token}.xml")).findtext("request/service_request_id") == number
    assert_error(client.get(f"{BASE}tokens/nope.json"), 404)

    as_xml = post(fmt="xml", description="另一处路灯也坏了。")
    assert as_xml.status_code == 201
    answered = xml_of(as_xml).find("request")
    assert answered.findtext("service_request_id").startswith("W") and answered.findtext("token")


@needs_spec
def test_it_shows_a_request_open_then_closed_after_screening_without_personal_data(post, client, org):
    number = post(lat="30.1234", long="120.5678").json()[0]["service_request_id"]
    shown = client.get(f"{BASE}requests/{number}.json")
    _validator("requests.json").validate(shown.json())
    request = shown.json()[0]
    assert (request["status"], request["service_code"], request["lat"]) == ("open", "0104", 30.1234)
    assert request["agency_responsible"] == "示范县信访局"
    _with_offset(request["requested_datetime"])
    for private in ("周市民", "13912345678", "zhou@example.cn", "市民"):
        assert private not in shown.content.decode()

    message_answer(
        message=InboundMessage.objects.get(number=number), actor=org.registrar, answer="已通知路灯所维修。"
    )
    closed = client.get(f"{BASE}requests/{number}.json").json()[0]
    assert closed["status"] == "closed" and closed["status_notes"] == "已直接答复。"
    assert _with_offset(closed["updated_datetime"]) >= _with_offset(closed["requested_datetime"])
    root = xml_of(client.get(f"{BASE}requests/{number}.xml"))
    assert (
        root.findtext("request/status") == "closed" and root.findtext("request/service_request_id") == number
    )
    assert_error(client.get(f"{BASE}requests/W000.json"), 404)


@needs_spec
def test_it_filters_requests_by_id_code_status_and_dates(post, client, org):
    lamp = post().json()[0]["service_request_id"]
    wages = post(service_code="0301", description="工地拖欠工资。").json()[0]["service_request_id"]
    message_answer(
        message=InboundMessage.objects.get(number=wages), actor=org.registrar, answer="已转劳动监察。"
    )

    def ids(query: str, fmt: str = "json") -> list[str]:
        response = client.get(f"{BASE}requests.{fmt}?{query}")
        assert response.status_code == 200
        if fmt == "xml":
            return [node.findtext("service_request_id") for node in xml_of(response).findall("request")]
        _validator("requests.json").validate(response.json())
        return [row["service_request_id"] for row in response.json()]

    assert set(ids("")) == {lamp, wages}
    assert ids("status=open") == [lamp] and ids("status=closed") == [wages]
    assert ids("service_code=0301") == [wages] == ids("service_code=0301", "xml")
    assert set(ids(f"service_request_id={lamp},{wages}")) == {lamp, wages}
    today = timezone.localdate()
    assert (
        ids(
            f"start_date={today - datetime.timedelta(days=200)}&end_date={today - datetime.timedelta(days=100)}"
        )
        == []
    )
    start = urllib.parse.quote(timezone.localtime().replace(microsecond=0).isoformat())
    assert set(ids(f"start_date={today}&end_date={start}")) <= {lamp, wages}

    assert_error(client.get(f"{BASE}requests.json?start_date=2026-13-45"), 400, "start_date")
    assert_error(client.get(f"{BASE}requests.json?end_date=yesterday"), 400, "end_date")
    assert_error(client.get(f"{BASE}requests.json?start_date=2026-05-02&end_date=2026-05-01"), 400)
    assert_error(client.get(f"{BASE}requests.json?status=pending"), 400, "status")


def test_it_refuses_a_missing_or_invalid_api_key_with_403(post, org):
    assert_error(post(api_key=None), 403, "api_key")
    assert_error(post(api_key="xf_wrong"), 403, "api_key")
    refused = post(fmt="xml", api_key="xf_wrong")
    assert refused.status_code == 403 and xml_of(refused).findtext("error/code") == "403"
    assert not InboundMessage.objects.exists()


def test_it_refuses_unknown_codes_and_missing_fields_and_stores_nothing(post, org):
    assert_error(post(service_code="9999"), 404, "9999")
    assert_error(post(service_code=None), 400, "service_code")
    assert_error(post(address_string=None), 400, "位置")
    assert_error(post(address_string=None, lat="30.1"), 400, "long")
    assert_error(post(address_string=None, lat="95", long="120"), 400, "lat")
    assert_error(post(description="  "), 400, "description")
    assert_error(post(phone="12345"), 400, "phone")
    assert_error(post(**{"attribute[kind]": "bribe"}), 400, "kind")
    assert not InboundMessage.objects.exists() and not Open311Request.objects.exists()
    assert post(address_string=None, address_id="330100-12").status_code == 201
    nul = post(description="路灯\x00坏了", address_string="幸福路\x00")
    assert nul.status_code == 201
    assert InboundMessage.objects.get(number=nul.json()[0]["service_request_id"]).content == "路灯坏了"


def test_it_rate_limits_posts_per_api_key(post, settings, org):
    settings.OPEN311_PER_KEY_HOUR = 2
    settings.PORTAL_WRITE_PER_PHONE_DAY = 0
    assert post(description="第一条").status_code == 201
    assert post(description="第二条").status_code == 201
    refused = post(description="第三条")
    assert_error(refused, 429, "频繁")
    assert int(refused["Retry-After"]) > 0
    assert InboundMessage.objects.count() == 2


def test_it_escapes_markup_in_the_description_in_json_and_xml(post, client, org):
    number = post(description=SCRIPT).json()[0]["service_request_id"]
    as_json = client.get(f"{BASE}requests/{number}.json")
    assert as_json.json()[0]["description"] == SCRIPT  # the same text back …
    assert (
        b"<script>" not in as_json.content and b"\\u003cscript\\u003e" in as_json.content
    )  # … never as markup
    as_xml = client.get(f"{BASE}requests/{number}.xml")
    assert b"<script>" not in as_xml.content and b"&lt;script&gt;" in as_xml.content
    assert xml_of(as_xml).findtext("request/description") == SCRIPT
    bell = post(description="响铃\x07与退格\x08").json()[0]["service_request_id"]  # not XML 1.0 characters
    assert xml_of(client.get(f"{BASE}requests/{bell}.xml")).findtext("request/description") == "响铃与退格"


def test_it_does_not_make_a_second_message_on_a_retry(post, org):
    first = post(headers={"Idempotency-Key": "abc-1"})
    again = post(headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == 201 and again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
    device = post(device_id="phone-7", description="同一台手机重发。")
    resent = post(device_id="phone-7", description="同一台手机重发。")
    assert resent.json()[0]["token"] == device.json()[0]["token"]
    assert post(device_id="phone-7", description="另一件事。").status_code == 201
    assert InboundMessage.objects.filter(source=Source.OPEN311).count() == 3


def test_it_shows_nothing_identifying_of_a_whistleblower_report(post, client, org):
    number = post(
        **{"attribute[kind]": "report"}, description="举报某站所长收受贿赂。", first_name=None, last_name=None
    ).json()[0]["service_request_id"]
    assert InboundMessage.objects.get(number=number).is_anonymous
    shown = client.get(f"{BASE}requests/{number}.json").json()[0]
    assert shown["status"] == "open" and shown["service_code"] == "0104"
    assert shown["description"] is None and shown["address"] is None and shown["lat"] is None


def test_it_blanks_phone_numbers_written_into_the_description(post, client, org):
    number = post(description="请回电13812345678，谢谢。").json()[0]["service_request_id"]
    shown = client.get(f"{BASE}requests/{number}.json").json()[0]
    assert "13812345678" not in shown["description"] and "请回电" in shown["description"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keep the seeded categories
def test_it_serves_an_independent_http_client_on_a_live_server(live_server, api_key, settings):
    """Plain urllib against a real server: what any GeoReport client library does (loopback only)."""
    settings.PORTAL_UNIT = "示范县信访局"
    data = urllib.parse.urlencode(
        {
            "api_key": api_key,
            "service_code": "0104",
            "lat": "30.1",
            "long": "120.2",
            "description": "井盖缺失。",
        }
    ).encode()
    with urllib.request.urlopen(f"{live_server.url}{BASE}requests.json", data=data, timeout=10) as answer:  # noqa: S310
        assert answer.status == 201
        number = json.loads(answer.read())[0]["service_request_id"]
    with urllib.request.urlopen(f"{live_server.url}{BASE}requests/{number}.xml", timeout=10) as answer:  # noqa: S310
        assert ET.fromstring(answer.read()).findtext("request/status") == "open"  # noqa: S314
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{live_server.url}{BASE}services/nope.json", timeout=10)  # noqa: S310
    assert refused.value.code == 404 and json.loads(refused.value.read())[0]["code"] == 404

    # The PyPI GeoReport v2 client (`georeport`, written for US cities' servers) reads us in both formats.
    georeport = pytest.importorskip("georeport")
    for fmt in ("xml", "json"):
        city = georeport.GeoReport(f"{live_server.url}/open311/v2", output_format=fmt)
        services = {service["service_code"]: service for service in city.get_service_list()}
        assert services["0104"]["service_name"] == "市政设施" and services["0104"]["group"] == "城乡建设"
        definition = city.get_service_definition("0104")
        assert definition["service_code"] == "0104"
        found = city.get_service_request(number)
        assert (found["service_request_id"], found["status"], found["description"]) == (
            number,
            "open",
            "井盖缺失。",
        )
        listed = city.get_service_requests(status="open", service_code="0104")
        listed = listed if isinstance(listed, list) else [listed]  # xmltodict: one element is not a list
        assert [row["service_request_id"] for row in listed] == [number]


def test_it_follows_the_case_once_converted_and_hides_a_whistleblower_case(post, client, org):
    from xinfang.cases.choices import CaseStatus
    from xinfang.cases.models import Case
    from xinfang.messaging.screening import message_convert

    def convert(number: str, purpose: str) -> Case:
        message = InboundMessage.objects.get(number=number)
        return message_convert(
            message=message,
            actor=org.registrar,
            purpose_code=purpose,
            title="路灯不亮",
            content=message.content,
            name=message.name,
            phone=message.phone,
        )

    lamp = post().json()[0]["service_request_id"]
    case = convert(lamp, "claim")
    shown = client.get(f"{BASE}requests/{lamp}.json").json()[0]
    assert (shown["status"], shown["status_notes"]) == ("open", "已转为信访件，正在办理。")
    assert shown["description"]  # an ordinary case keeps its public description
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, is_open=False, closed_at=timezone.now())
    closed = client.get(f"{BASE}requests.json?status=closed").json()
    assert [row["service_request_id"] for row in closed] == [lamp] and "已办结" in closed[0]["status_notes"]

    accused = post(description="反映某干部违规收费。", phone="13712345678").json()[0]["service_request_id"]
    convert(accused, "accusation")  # 检举控告: identity protected (docs/permissions.md)
    hidden = client.get(f"{BASE}requests/{accused}.json").json()[0]
    assert hidden["status"] == "open" and hidden["description"] is None and hidden["address"] is None


def test_it_refuses_an_invalid_email(post, org):
    assert_error(post(email="not-an-address"), 400, "email")
    assert not InboundMessage.objects.exists()


def test_it_shows_the_screener_the_open311_details_and_preselects_the_category(post, client, org):
    from django.urls import reverse

    from xinfang.reference.models import Category

    number = post(lat="30.1234", long="120.5678", address_string=None).json()[0]["service_request_id"]
    client.force_login(org.registrar)
    page = client.get(reverse("messaging:detail", args=[number]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "县政府门户网站（Open311）" in body and "市政设施（0104）" in body
    assert "zhou@example.cn" in body and "30.1234, 120.5678" in body
    chosen = Category.objects.get(version__is_current=True, code="0104")
    convert_form = next(action["form"] for action in page.context["actions"] if action["code"] == "convert")
    assert convert_form.initial["category"] == chosen.pk


def test_it_answers_any_posted_form_with_the_standard_shape_and_no_5xx(client, org, api_key):
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis import strategies as st

    field = st.one_of(
        st.none(), st.text(max_size=60), st.sampled_from(["0104", "0301", "30.5", "-200", "nan"])
    )
    names = ["service_code", "lat", "long", "address_string", "address_id", "description", "phone", "email"]

    @hypothesis_settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.fixed_dictionaries({name: field for name in names}), st.sampled_from(["json", "xml"]))
    def check(form, fmt):
        data = {"api_key": api_key} | {name: value for name, value in form.items() if value is not None}
        response = client.post(f"{BASE}requests.{fmt}", data)
        assert response.status_code in (200, 201, 400, 404, 429)
        if fmt == "json":
            assert isinstance(response.json(), list) and len(response.json()) == 1
        else:
            assert xml_of(response).tag in ("service_requests", "errors")
        stored = InboundMessage.objects.filter(source=Source.OPEN311).count()
        assert (
            stored == Open311Request.objects.count()
        )  # a message is stored with its Open311 row, or neither

    check()
