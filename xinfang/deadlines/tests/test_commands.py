from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_it_explains_a_deadline_from_the_command_line():
    out = StringIO()
    call_command("explain_deadline", "--start", "2026-09-30", "--days", "5", "--type", "working", stdout=out)
    text = out.getvalue()
    assert text.startswith("自2026年9月30日起算（起算当日不计入），按5个工作日计算")
    assert "期满日为2026年10月13日" in text


def test_it_explains_a_rolled_forward_calendar_deadline():
    out = StringIO()
    call_command("explain_deadline", "--start", "2026-09-17", "--days", "15", "--roll-forward", stdout=out)
    assert "顺延至2026年10月8日" in out.getvalue()


def test_it_reloads_holidays_and_prints_the_count(hook_calls):
    out = StringIO()
    call_command("load_holidays", "--first-year", "2026", "--last-year", "2026", stdout=out)
    assert "已载入 39 条节假日/调休记录（2026–2026年）" in out.getvalue()
    assert hook_calls == [1]
