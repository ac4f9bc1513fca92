"""Due dates against the holiday table seeded by migration 0002 (chinesecalendar 2004–2026)."""

from datetime import date

import pytest

from xinfang.deadlines.calendar import compute_due
from xinfang.deadlines.selectors import calendar_for
from xinfang.deadlines.services import due_for

pytestmark = pytest.mark.django_db


def working(start, days):
    return compute_due(start, days, "working", calendar=calendar_for(start, days, "working"))


def test_it_skips_the_2026_national_day_week_and_counts_the_makeup_saturday():
    # 2026: 10月1日–7日放假，9月20日（周日）、10月10日（周六）上班
    due = working(date(2026, 9, 30), 5)
    assert due.due_on == date(2026, 10, 13)
    assert due.makeup_workdays == ((date(2026, 10, 10), "调休上班（国庆节）"),)
    assert "跳过 10月1日至10月7日（国庆节）、10月11日（周日）" in due.explain()
    assert due.warnings == ()


def test_it_counts_the_sunday_before_national_day_2026_as_a_working_day():
    assert working(date(2026, 9, 19), 1).due_on == date(2026, 9, 20)


def test_it_skips_the_2026_spring_festival():
    # 2月15日–23日放假，2月14日（周六）、2月28日（周六）上班
    due = working(date(2026, 2, 13), 5)
    assert due.due_on == date(2026, 2, 27)
    assert [d for d, _ in due.makeup_workdays] == [date(2026, 2, 14)]
    assert "2月15日至2月23日（春节）" in due.explain()


def test_it_counts_a_makeup_saturday_as_a_working_day():
    assert working(date(2026, 2, 27), 1).due_on == date(2026, 2, 28)


def test_it_counts_60_calendar_days_straight_through_holidays(national):
    due = due_for(rule_set=national, step="handle", starts_on=date(2026, 9, 30))
    assert due.due_on == date(2026, 11, 29)
    assert due.basis == "《信访工作条例》第三十四条"
    assert "按60日（自然日）计算，期满日为2026年11月29日。依据：《信访工作条例》第三十四条" in due.explain()


def test_it_rolls_forward_only_when_the_rule_set_says_so(national):
    assert due_for(rule_set=national, step="dispose", starts_on=date(2026, 9, 17)).due_on == date(2026, 10, 2)
    national.roll_forward = True
    national.save()
    due = due_for(rule_set=national, step="dispose", starts_on=date(2026, 9, 17))
    assert due.due_on == date(2026, 10, 8)
    assert due.roll_forward_applied == date(2026, 10, 2)


def test_it_falls_back_to_weekends_for_2027_and_warns():
    due = working(date(2026, 12, 31), 5)
    assert due.due_on == date(2027, 1, 7)  # 2027-01-01 (Fri) counted: no 2027 data yet
    assert due.warnings == ("2027年节假日数据未维护，按双休日计算",)


def test_it_uses_five_working_days_for_an_objection(national):
    due = due_for(rule_set=national, step="object", starts_on=date(2026, 9, 30))
    assert due.due_on == date(2026, 10, 13)
    assert due.basis == "《信访工作条例》第二十三条第三款"


def test_it_gives_zhejiang_shorter_limits_than_national(national, zhejiang):
    start = date(2026, 9, 30)
    assert due_for(rule_set=national, step="dispose", starts_on=start).due_on == date(2026, 10, 15)
    assert due_for(rule_set=zhejiang, step="dispose", starts_on=start).due_on == date(2026, 10, 13)
    assert due_for(rule_set=national, step="handle", starts_on=start).due_on == date(2026, 11, 29)
    assert due_for(rule_set=zhejiang, step="handle", starts_on=start).due_on == date(2026, 10, 30)
