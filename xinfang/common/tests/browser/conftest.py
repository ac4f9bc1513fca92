"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

Run with `pytest -m browser` (or this directory). They are skipped when chromium is not installed
(`apt-get install chromium fonts-noto-cjk`). `playwright install` is not needed: we launch the system
binary (XINFANG_CHROMIUM overrides the path).

Every test here needs `@pytest.mark.django_db(transaction=True, serialized_rollback=True)`: the live
server answers from another thread, so the data must be committed, and the flush afterwards would
otherwise wipe the rows seeded by data migrations (roles, channels, rule sets …) for later tests.
"""

import os

import pytest

from xinfang.common.tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    TIMEOUT_MS,
    PageProblems,
)


@pytest.fixture
def browser(transactional_db, live_server):
    """A headless chromium, started for each test after the database is ready and stopped before it is flushed.

    Playwright's sync API keeps an asyncio loop running on the main thread. While it runs, Django
    (through asgiref's Local) hands out different connection objects than the ones the test
    database was set up with, and refuses ORM calls ("SynchronousOnlyOperation"). So the browser
    lives only as long as one test: the flush and the serialized-rollback restore between tests
    then run on the normal connections, which hold the serialized seed data. The ORM calls made
    meanwhile are synchronous, so they are allowed, and their extra connections are closed before
    the loop stops.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium fonts-noto-cjk")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        connections.close_all()
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _quick_and_tidy(settings, tmp_path):
    """Uploaded scans go to a temporary directory, not var/media; passwords hash quickly."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def page_problems(live_server):
    return PageProblems(live_server.url)


def _open_page(browser, live_server, page_problems, viewport, **extra):
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", **extra
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page_problems.attach(page)
    return context, page


@pytest.fixture
def page(browser, live_server, page_problems):
    """A desktop-sized page; the test fails if the browser saw JS errors or failed requests."""
    context, p = _open_page(browser, live_server, page_problems, DESKTOP)
    yield p
    context.close()
    page_problems.check()


@pytest.fixture
def phone_page(browser, live_server, page_problems):
    """A phone-sized page: 375×812 CSS pixels, touch, the viewport meta tag honoured."""
    context, p = _open_page(
        browser, live_server, page_problems, PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    yield p
    context.close()
    page_problems.check()
