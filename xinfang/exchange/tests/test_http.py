"""The staff pages and API v1 /exchange: permissions, the happy path, and bad packages (4xx, nothing written)."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.models import Case
from xinfang.common.models import AuditLog
from xinfang.exchange.models import ExchangePackage
from xinfang.exchange.services import case_export_transfer, package_bytes
from xinfang.exchange.tests.conftest import answer
from xinfang.integrations.auth import api_token_create

pytestmark = pytest.mark.django_db


def bearer(user, scopes=("read", "write")):
    _token, raw = api_token_create(user=user, name="测试", scopes=scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def exported(org, peer, case) -> bytes:
    return package_bytes(case_export_transfer(case=case, peer=peer, actor=org.city_dispatcher))


def zip_upload(data: bytes, name="package.zip"):
    return SimpleUploadedFile(name, data, content_type="application/zip")


# --- Pages ------------------------------------------------------------------------------------------


def test_the_case_page_offers_export_only_to_who_may_transfer(client, org, peer, city_case):
    client.force_login(org.city_dispatcher)
    page = client.get(f"/cases/{city_case.number}/").content.decode()
    assert "转送/交办到其他系统" in page
    client.force_login(org.city_leader)
    page = client.get(f"/cases/{city_case.number}/").content.decode()
    assert "转送/交办到其他系统" not in page
    assert client.get(f"/exchange/cases/{city_case.number}/export/").status_code == 403


def test_export_page_sends_and_offers_the_download(client, org, peer, city_case):
    client.force_login(org.city_dispatcher)
    form = client.get(f"/exchange/cases/{city_case.number}/export/")
    assert form.status_code == 200 and "环回对端" in form.content.decode()
    bad = client.post(f"/exchange/cases/{city_case.number}/export/", {"peer": peer.pk, "kind": "assign"})
    assert bad.status_code == 400 and "交办须指定办理期限" in bad.content.decode()
    assert Case.objects.get(pk=city_case.pk).status == S.REGISTERED
    done = client.post(
        f"/exchange/cases/{city_case.number}/export/", {"peer": peer.pk, "kind": "transfer", "note": "请办理"}
    )
    package = ExchangePackage.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/exchange/packages/{package.package_id}/"
    detail = client.get(done["Location"]).content.decode()
    assert "下载数据包" in detail and package.sha256 in detail
    download = client.get(f"/exchange/packages/{package.package_id}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).testzip() is None
    assert AuditLog.objects.filter(action="exchange_package_downloaded", user=org.city_dispatcher).exists()
    client.force_login(org.town_handler)  # cannot see the city's case
    assert client.get(f"/exchange/packages/{package.package_id}/download/").status_code == 404


def test_import_page_imports_once_and_says_already_imported(client, org, peer, city_case):
    data = exported(org, peer, city_case)
    client.force_login(org.dispatcher)
    assert client.get("/exchange/import/").status_code == 200
    first = client.post("/exchange/import/", {"package": zip_upload(data)})
    assert first.status_code == 201 and "导入成功" in first.content.decode()
    again = client.post("/exchange/import/", {"package": zip_upload(data)})
    assert again.status_code == 200 and "已导入" in again.content.decode()
    assert Case.objects.count() == 2


def test_import_page_refuses_a_bad_package_in_chinese(client, org, peer, city_case):
    data = bytearray(exported(org, peer, city_case))
    data[-30] ^= 0xFF  # the central directory: no longer a readable zip
    client.force_login(org.dispatcher)
    before = Case.objects.count()
    response = client.post("/exchange/import/", {"package": zip_upload(bytes(data))})
    body = response.content.decode()
    assert response.status_code == 400 and "未导入" in body and "没有做任何改动" in body
    assert Case.objects.count() == before
    assert AuditLog.objects.filter(action="exchange_import_refused").exists()


def test_only_bureau_staff_import(client, org, peer):
    client.force_login(org.town_handler)
    assert client.get("/exchange/import/").status_code == 403


def test_result_button_and_page(client, org, peer, city_case):
    from xinfang.exchange.importing import package_import

    imported = package_import(data=exported(org, peer, city_case), actor=org.dispatcher).case
    client.force_login(org.dispatcher)
    early = client.post(f"/exchange/cases/{imported.number}/result/")
    assert early.status_code == 409 and "尚无可回传的办理结果" in early.content.decode()
    answer(org, imported)
    assert "回传办理结果" in client.get(f"/cases/{imported.number}/").content.decode()
    done = client.post(f"/exchange/cases/{imported.number}/result/")
    assert done.status_code == 302
    assert ExchangePackage.objects.filter(kind="result").count() == 1


# --- API v1 -----------------------------------------------------------------------------------------


def test_api_round_trip(client, org, peer, city_case):
    headers = bearer(org.city_dispatcher)
    made = client.post(
        f"/api/v1/exchange/cases/{city_case.number}/export",
        {
            "peer": peer.deployment_id,
            "assign": True,
            "due_on": str(datetime.date.today() + datetime.timedelta(days=20)),
        },
        content_type="application/json",
        **headers,
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["kind"] == "transfer" and body["case_status"] == S.PENDING_SIGN
    fetched = client.get(body["download_url"], **headers)
    assert fetched.status_code == 200 and fetched["Content-Type"] == "application/zip"
    meta = client.get(f"/api/v1/exchange/packages/{body['package_id']}", **headers)
    assert meta.status_code == 200 and meta.json()["sha256"] == body["sha256"]

    county = bearer(org.dispatcher)
    first = client.post("/api/v1/exchange/packages", {"file": zip_upload(fetched.content)}, **county)
    assert first.status_code == 201, first.content
    assert first.json()["created"] is True and "已导入" in first.json()["message"]
    again = client.post("/api/v1/exchange/packages", {"file": zip_upload(fetched.content)}, **county)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["package"]["case_number"] == first.json()["package"]["case_number"]


def test_api_refuses_bad_packages_with_chinese_4xx_and_writes_nothing(client, org, peer, city_case):
    data = exported(org, peer, city_case)
    headers = bearer(org.dispatcher)
    before = (Case.objects.count(), ExchangePackage.objects.count())
    cases = {
        b"not a zip": (400, "not_zip"),
        data.replace(b"manifest.sig", b"manifest.xxx"): (400, None),
    }
    for payload, (status, code) in cases.items():
        response = client.post("/api/v1/exchange/packages", {"file": zip_upload(payload)}, **headers)
        assert response.status_code == status, response.content
        assert response.json()["detail"] and (code is None or response.json()["code"] == code)
    assert (Case.objects.count(), ExchangePackage.objects.count()) == before


def test_api_permissions(client, org, peer, city_case):
    data = exported(org, peer, city_case)
    handler = client.post("/api/v1/exchange/packages", {"file": zip_upload(data)}, **bearer(org.town_handler))
    assert handler.status_code == 403 and handler.json()["detail"]
    read_only = client.post(
        "/api/v1/exchange/packages", {"file": zip_upload(data)}, **bearer(org.dispatcher, scopes=("read",))
    )
    assert read_only.status_code == 403
    unknown = client.post(
        f"/api/v1/exchange/cases/{city_case.number}/export",
        {"peer": "nobody"},
        content_type="application/json",
        **bearer(org.city_dispatcher),
    )
    assert unknown.status_code in (403, 404)
    assert (
        client.get(
            "/api/v1/exchange/packages/00000000-0000-0000-0000-000000000000", **bearer(org.dispatcher)
        ).status_code
        == 404
    )


def test_admin_registers_a_peer_with_its_service_account(client, org, key):
    from xinfang.exchange.keys import public_key_text
    from xinfang.exchange.models import Peer

    client.force_login(org.admin)
    form = {
        "name": "市信访系统",
        "deployment_id": "city-990100",
        "public_key": "not a key",
        "local_unit": org.city.pk,
        "receiving_unit": org.county.pk,
        "is_active": "on",
        "note": "",
    }
    bad = client.post("/admin/exchange/peer/add/", form)
    assert bad.status_code == 200 and "公钥格式不正确" in bad.content.decode()
    assert not Peer.objects.exists()
    done = client.post("/admin/exchange/peer/add/", {**form, "public_key": public_key_text(key)})
    assert done.status_code == 302
    peer = Peer.objects.get()
    assert not peer.service_user.is_active and not peer.service_user.has_usable_password()
    roles = set(peer.service_user.memberships.values_list("unit__name", "role_id"))
    assert roles == {("示范市信访局", "registrar"), ("示范市信访局", "dispatcher")}
    assert AuditLog.objects.filter(action="exchange_peer_created", user=org.admin).exists()


def test_api_refuses_an_oversized_package_with_413(client, org, peer, settings):
    settings.EXCHANGE_MAX_PACKAGE_MB = 1
    big = b"PK\x03\x04" + b"\0" * (1024 * 1024 + 10)
    response = client.post("/api/v1/exchange/packages", {"file": zip_upload(big)}, **bearer(org.dispatcher))
    assert response.status_code == 413 and "大小限制" in response.json()["detail"]
    assert not ExchangePackage.objects.exists()


def test_api_lists_the_packages_the_page_lists(client, org, peer, city_case):
    exported(org, peer, city_case)
    sender = client.get("/api/v1/exchange/packages", **bearer(org.city_dispatcher))
    assert sender.status_code == 200
    assert [row["case_number"] for row in sender.json()] == [city_case.number]
    assert sender.json()[0]["direction"] == "out"
    client.force_login(org.city_dispatcher)
    assert city_case.number in client.get("/exchange/").content.decode()
    outsider = client.get("/api/v1/exchange/packages", **bearer(org.town_handler))
    assert outsider.status_code == 200 and outsider.json() == []
