from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured

from xinfang.deadlines.models import HolidayYear, RuleLimit, RuleSet
from xinfang.deadlines.selectors import (
    MissingRuleLimit,
    get_limit,
    load_calendar,
    missing_holiday_years,
    rule_set_for_unit,
)
from xinfang.orgs.models import Region, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def region():
    return Region.objects.create(code="330100", name="杭州市")


def make_unit(name, region, *, parent=None, rule_set=None):
    kind, level = ("bureau", "city") if parent is None else ("handling", "township")
    return Unit.objects.create(
        name=name, kind=kind, level=level, region=region, parent=parent, rule_set=rule_set
    )


def test_it_loads_the_calendar_in_two_queries(django_assert_num_queries):
    with django_assert_num_queries(2):
        calendar = load_calendar(date(2026, 9, 1), date(2026, 10, 31))
    assert not calendar.is_workday(date(2026, 10, 1))
    assert calendar.is_workday(date(2026, 10, 10))
    assert calendar.describe(date(2026, 10, 10)) == "调休上班（国庆节）"
    assert calendar.has_data(2026)


def test_it_reports_next_year_missing_near_year_end():
    assert missing_holiday_years(date(2026, 11, 25)) == [2027]
    assert missing_holiday_years(date(2026, 11, 1)) == [2027]


def test_it_reports_nothing_missing_mid_year():
    assert missing_holiday_years(date(2026, 6, 1)) == []
    assert missing_holiday_years(date(2026, 10, 31)) == []


def test_it_reports_the_current_year_when_missing():
    assert missing_holiday_years(date(2027, 3, 1)) == [2027]
    HolidayYear.objects.create(year=2027, source="manual")
    assert missing_holiday_years(date(2027, 3, 1)) == []


def test_it_defaults_today_to_the_local_date(time_machine):
    time_machine.move_to("2026-12-31T23:30:00+08:00")
    assert missing_holiday_years() == [2027]


def test_it_inherits_the_rule_set_from_the_nearest_ancestor(region, zhejiang):
    city = make_unit("杭州市信访局", region)
    county = make_unit("某县信访局", region, parent=city, rule_set=zhejiang)
    town = make_unit("某镇", region, parent=county)
    office = make_unit("某镇综治办", region, parent=town)
    assert rule_set_for_unit(office) == zhejiang
    assert rule_set_for_unit(county) == zhejiang


def test_it_uses_the_default_rule_set_without_one_in_the_chain(region, national, zhejiang, settings):
    town = make_unit("某镇", region, parent=make_unit("杭州市信访局", region))
    assert rule_set_for_unit(town) == national
    settings.DEFAULT_RULE_SET = "zhejiang-2016"
    assert rule_set_for_unit(town) == zhejiang
    assert rule_set_for_unit(None) == zhejiang


def test_it_complains_when_the_default_rule_set_is_missing(region, settings):
    settings.DEFAULT_RULE_SET = "no-such-set"
    with pytest.raises(ImproperlyConfigured):
        rule_set_for_unit(make_unit("杭州市信访局", region))


def test_it_gets_a_limit(national):
    limit = get_limit(national, "object")
    assert (limit.days, limit.day_type) == (5, "working")


def test_it_raises_a_clear_error_for_a_missing_limit():
    empty = RuleSet.objects.create(code="empty", name="空规则")
    with pytest.raises(MissingRuleLimit, match="未设置“handle”环节的时限"):
        get_limit(empty, "handle")
    assert not RuleLimit.objects.filter(rule_set=empty).exists()
