"""The browser fixtures of xinfang/common/tests/browser (chromium via Playwright, skipped when missing)."""

from xinfang.common.tests.browser.conftest import (  # noqa: F401
    _quick_and_tidy,
    browser,
    page,
    page_problems,
    phone_page,
)
