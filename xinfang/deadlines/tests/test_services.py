from datetime import date

import pytest

from xinfang.deadlines import seeds
from xinfang.deadlines.models import HolidayDay, HolidayYear, RuleLimit, RuleSet, Step
from xinfang.deadlines.services import (
    holiday_table_changed,
    holidays_seed_from_chinesecalendar,
    rule_sets_seed,
)

pytestmark = pytest.mark.django_db


def test_it_seeds_every_year_from_2004_to_2026():
    assert set(HolidayYear.objects.values_list("year", flat=True)) == set(range(2004, 2027))
    assert HolidayYear.objects.get(year=2026).source == "chinesecalendar"


def test_it_stores_the_2026_arrangement_with_chinese_names():
    days = {d.date: (d.is_workday, d.name) for d in HolidayDay.objects.filter(date__year=2026)}
    assert days[date(2026, 10, 1)] == (False, "国庆节")
    assert days[date(2026, 10, 3)] == (False, "国庆节")  # a weekend holiday, kept for its name
    assert days[date(2026, 9, 25)] == (False, "中秋节")
    assert days[date(2026, 4, 6)] == (False, "清明节")
    assert days[date(2026, 10, 10)] == (True, "调休上班（国庆节）")
    assert days[date(2026, 1, 4)] == (True, "调休上班（元旦）")
    assert sorted(d for d, (work, _) in days.items() if work) == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert len(days) == 39


def test_it_maps_the_2015_victory_day():
    assert HolidayDay.objects.get(date=date(2015, 9, 3)).name == "抗战胜利纪念日"


def test_it_reseeds_idempotently_and_repairs_edited_days(hook_calls):
    total = HolidayDay.objects.count()
    HolidayDay.objects.filter(date=date(2026, 10, 1)).update(name="改过", is_workday=True)
    manual = HolidayDay.objects.create(date=date(2026, 12, 24), name="本地休息日")
    count = holidays_seed_from_chinesecalendar(first_year=2026, last_year=2026)
    assert count == 39
    assert HolidayDay.objects.count() == total + 1
    assert HolidayDay.objects.get(date=date(2026, 10, 1)).name == "国庆节"
    assert HolidayDay.objects.filter(pk=manual.pk).exists()
    assert hook_calls == [1]


def test_it_does_not_mark_years_the_package_lacks(hook_calls):
    assert holidays_seed_from_chinesecalendar(first_year=2027, last_year=2027) == 0
    assert not HolidayYear.objects.filter(year=2027).exists()


def test_it_seeds_both_rule_sets_with_every_step():
    for code in ("national-2022", "zhejiang-2016"):
        steps = set(RuleLimit.objects.filter(rule_set__code=code).values_list("step", flat=True))
        assert steps == set(Step.values)
    assert rule_sets_seed() == 0
    assert RuleSet.objects.filter(code__in=["national-2022", "zhejiang-2016"]).count() == 2


def test_it_keeps_admin_edits_when_rule_sets_are_seeded_again(national):
    RuleLimit.objects.filter(rule_set=national, step="handle").update(days=45)
    rule_sets_seed()
    assert RuleLimit.objects.get(rule_set=national, step="handle").days == 45


def test_it_gives_national_limits_their_articles(national):
    limits = {lim.step: (lim.days, lim.day_type, lim.basis) for lim in national.limits.all()}
    assert limits["dispose"] == (15, "calendar", "《信访工作条例》第二十二条")
    assert limits["object"] == (5, "working", "《信访工作条例》第二十三条第三款")
    assert limits["handle"] == (60, "calendar", "《信访工作条例》第三十四条")
    assert limits["supervision_reply"][0] == 30
    assert limits["supervision_reply"][2].startswith("《信访条例》（2005）第三十六条")


def test_it_gives_zhejiang_its_shorter_limits(national, zhejiang):
    zj = {lim.step: (lim.days, lim.day_type) for lim in zhejiang.limits.all()}
    nat = {lim.step: (lim.days, lim.day_type) for lim in national.limits.all()}
    assert zj["dispose"] == zj["accept"] == (5, "working")
    assert zj["handle"] == (30, "calendar")
    assert zj["extend"] == (30, "calendar")
    changed = {step for step in nat if nat[step] != zj[step]}
    assert changed == {"dispose", "accept", "handle"}
    assert zhejiang.limits.get(step="dispose").basis == "《浙江省信访条例》（2016）"
    assert zhejiang.description


def test_it_falls_back_to_the_package_name_for_an_unmapped_holiday(monkeypatch):
    assert seeds._chinese_name("National Day") == "国庆节"
    monkeypatch.delitem(seeds.HOLIDAY_NAMES, "Mid-autumn Festival")
    assert seeds._chinese_name("Mid-autumn Festival") == "中秋"


def test_it_enqueues_the_recompute_after_commit(recompute_task, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        holiday_table_changed()
    assert len(callbacks) == 1
    recompute_task.enqueue.assert_called_once_with()


def test_it_does_not_enqueue_when_the_change_rolls_back(recompute_task, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        holiday_table_changed()
    recompute_task.enqueue.assert_not_called()
    assert len(callbacks) == 1
