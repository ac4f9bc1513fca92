"""跨系统交换 in a real browser on a phone (issue 7 §6): the city dispatcher sends a case to another
system from the case page and downloads the package; a county clerk uploads it and reads the result
page; the same upload again says 已导入. The database plays both sides (a loopback peer, as in
xinfang/exchange/tests/conftest.py); axe-core checks each page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_pdf_bytes
from xinfang.cases.models import Case
from xinfang.common.tests.browser.support import log_in, no_horizontal_scroll, screenshot
from xinfang.common.tests.browser.test_accessibility import AxeReport
from xinfang.exchange.keys import key_generate, public_key_text
from xinfang.exchange.models import Peer
from xinfang.exchange.services import peer_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def loopback(org, settings, tmp_path):
    settings.EXCHANGE_DEPLOYMENT_ID = "browser-test"
    settings.EXCHANGE_PRIVATE_KEY_PATH = tmp_path / "key.pem"
    key = key_generate(settings.EXCHANGE_PRIVATE_KEY_PATH)
    return peer_save(
        peer=Peer(
            name="县信访系统",
            deployment_id="browser-test",
            public_key=public_key_text(key),
            local_unit=org.county,
            receiving_unit=org.town,
        ),
        acting_user=org.admin,
    )


def test_send_a_case_to_another_system_and_import_it_on_a_phone(
    phone_page, page_problems, org, register, loopback, tmp_path
):
    page = phone_page
    scan = SimpleUploadedFile("来信.pdf", make_pdf_bytes(), content_type="application/pdf")
    case = register(actor=org.city_dispatcher, unit=org.city, attachments=[scan])
    axe = AxeReport(page)
    log_in(page, org.city_dispatcher, next_path=f"/cases/{case.number}/")
    page.get_by_role("button", name="转送/交办到其他系统").click()
    page.wait_for_url(f"**/exchange/cases/{case.number}/export/")
    axe.check("the export form")
    page.get_by_label("交转意见").fill("请依法办理并回复")
    page.get_by_role("button", name="确认并生成数据包").click()
    page.wait_for_url("**/exchange/packages/*/")
    axe.check("the package page")
    assert no_horizontal_scroll(page)["scroll"] <= no_horizontal_scroll(page)["client"] + 1
    screenshot(page, "exchange-package-phone.png")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载数据包").click()
    url = download.value.url
    page_problems.items = [i for i in page_problems.items if i != f"request failed: {url} (net::ERR_ABORTED)"]
    package = tmp_path / "package.zip"
    download.value.save_as(package)

    page.context.clear_cookies()
    log_in(page, org.dispatcher, next_path="/exchange/import/")
    axe.check("the import form")
    page.get_by_label("交换数据包（.zip）").set_input_files(package)
    page.get_by_role("button", name="核对并导入").click()
    page.get_by_role("heading", name="导入成功").wait_for()
    axe.check("the import result")
    screenshot(page, "exchange-imported-phone.png")
    imported = Case.objects.exclude(pk=case.pk).get()
    assert page.get_by_text(imported.number).first.is_visible()
    page.goto("/exchange/import/")
    page.get_by_label("交换数据包（.zip）").set_input_files(package)
    page.get_by_role("button", name="核对并导入").click()
    page.get_by_role("heading", name="已导入").wait_for()
    assert Case.objects.count() == 2
    axe.assert_clean()
