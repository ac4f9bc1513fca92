"""Helpers shared by the browser tests (the fixtures are in conftest.py)."""

import datetime
import json
import os
import re
import warnings
from pathlib import Path

from conftest import PASSWORD, make_png_bytes, valid_resident_id

CHROMIUM = Path(os.environ.get("XINFANG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[4] / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
TIMEOUT_MS = 60_000  # generous: a loaded CI machine can take many seconds per page
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class PageProblems:
    """What a person would see in the developer console: JS errors, failed loads, server errors."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.items: list[str] = []

    def attach(self, page) -> None:
        page.on("pageerror", lambda exc: self.items.append(f"JS error on {page.url}: {exc}"))
        page.on("console", lambda msg: self._on_console(page, msg))
        page.on("requestfailed", self._on_failed)
        page.on("response", self._on_response)

    def _on_failed(self, request) -> None:
        # A background (htmx) request cancelled because the person moved on — e.g. the earlier-cases
        # check still running when the form was submitted — is aborted by the browser, not failed.
        background = request.resource_type in ("xhr", "fetch")
        if background and request.failure == "net::ERR_ABORTED":
            return
        self.items.append(f"request failed: {request.url} ({request.failure})")

    def _on_console(self, page, msg) -> None:
        # The registration form re-shown with errors answers 400 on purpose; chromium logs that.
        if msg.type == "error" and not ("status of 400" in msg.text or "status of 404" in msg.text):
            self.items.append(f"console error on {page.url}: {msg.text}")

    def _on_response(self, response) -> None:
        # Browsers ask for /favicon.ico on their own; the site has none, which is harmless.
        if (
            response.status > 400
            and response.url.startswith(self.base_url)
            and not response.url.endswith("/favicon.ico")
        ):
            self.items.append(f"HTTP {response.status}: {response.url}")

    def check(self) -> None:
        assert not self.items, "the browser reported problems:\n" + "\n".join(self.items)


def log_in(page, user, *, next_path: str = "/cases/") -> None:
    """Log in through the real login form and land on `next_path`."""
    page.goto(f"/accounts/login/?next={next_path}")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(next_path) + r"$"))


def assert_styled(page) -> None:
    """Pico, the project CSS and htmx really loaded (static files are served by the live server)."""
    state = page.evaluate(
        """() => ({
            font: getComputedStyle(document.documentElement).getPropertyValue('--pico-font-family'),
            pico: getComputedStyle(document.documentElement).getPropertyValue('--pico-primary').trim(),
            htmx: typeof window.htmx,
        })"""
    )
    assert "Noto Sans CJK SC" in state["font"], f"static/css/xinfang.css not applied: {state}"
    assert state["pico"], f"static/vendor/pico/pico.min.css not applied: {state}"
    assert state["htmx"] == "object", f"htmx did not load: {state}"


def png_file(tmp_path, name: str = "scan.png") -> Path:
    path = tmp_path / name
    path.write_bytes(make_png_bytes())
    return path


def fill_registration(
    page,
    *,
    title: str,
    id_number: str | None = None,
    attachment: Path | None = None,
    received_on: datetime.date | None = None,
) -> None:
    """Fill the registration form the way a registrar would, by the visible labels (first petitioner)."""
    person = page.locator("[data-person]").first
    person.get_by_label("姓名").fill("李四")
    person.get_by_label("证件号码").fill(id_number or valid_resident_id())
    person.get_by_label("联系电话").fill("13912345678")
    person.get_by_label("住址").fill("示范县东湖镇幸福路8号")
    page.get_by_label("信访形式").select_option(label="来信")
    page.get_by_label("信访目的").select_option(label="申诉求决")
    if received_on is not None:
        page.get_by_label("信访日期").fill(received_on.isoformat())
    page.get_by_label("标题").fill(title)
    page.get_by_label("信访内容").fill(
        "本人承包的土地被征收，补偿款至今未发放到位，请求督促有关部门尽快发放。"
    )
    if attachment is not None:
        page.get_by_label("扫描件").set_input_files(attachment)


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot under var/screenshots for people to look at (best effort, not asserted)."""
    from playwright.sync_api import Error

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    except Error as exc:
        warnings.warn(f"no screenshot {name}: {exc.message.splitlines()[0]}", stacklevel=2)


def no_horizontal_scroll(page) -> dict:
    return page.evaluate(
        """() => ({scroll: document.documentElement.scrollWidth,
                   client: document.documentElement.clientWidth,
                   wide: [...document.querySelectorAll('body *')]
                       .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                       .slice(0, 5).map(e => e.outerHTML.slice(0, 120))})"""
    )


SERIOUS = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """Run axe-core (all rules of the default set) on the page; return serious and critical violations."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in SERIOUS]


def format_violations(where: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} serious/critical axe-core violation(s) on {where}:"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            lines.append(f"    at {json.dumps(node['target'], ensure_ascii=False)}: {node['html'][:160]}")
            summary = " ".join((node.get("failureSummary") or "").split())
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def assert_accessible(page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(where, violations)


RECEIPT_URL = re.compile(r"/cases/\d{19}/receipt/$")


def save_registration(page, *, double_click: bool = False) -> None:
    """Press 保存登记 and wait for the receipt; on failure say what the form complained about."""
    button = page.get_by_role("button", name="保存登记")
    invalid = page.evaluate(
        "() => [...document.querySelectorAll('#register-form :invalid')].map(e => `${e.name}: ${e.validationMessage}`)"
    )
    assert not invalid, f"the browser refuses to submit the form: {invalid}"
    with page.expect_navigation():
        if double_click:
            button.dblclick()
        else:
            button.click()
    if not RECEIPT_URL.search(page.url):
        errors = page.locator(".errorlist, .xf-banner").all_inner_texts()
        raise AssertionError(f"registration was not saved (now at {page.url}): {errors}")
