"""Holiday edits through the admin must trigger the recompute of open deadlines."""

from datetime import date

import pytest
from django.contrib.admin.sites import AdminSite
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from xinfang.deadlines.admin import HolidayDayAdmin, HolidayYearAdmin, RuleSetAdmin, YearListFilter
from xinfang.deadlines.models import HolidayDay, HolidayYear, RuleSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_():
    request = RequestFactory().post("/admin/")
    request.user = AnonymousUser()
    return request


@pytest.fixture
def day_admin():
    return HolidayDayAdmin(HolidayDay, AdminSite())


def test_it_calls_the_hook_when_a_holiday_is_saved(day_admin, request_, hook_calls):
    day = HolidayDay(date=date(2027, 1, 1), name="元旦")
    day_admin.save_model(request_, day, form=None, change=False)
    assert HolidayDay.objects.filter(date=date(2027, 1, 1)).exists()
    assert hook_calls == [1]


def test_it_calls_the_hook_when_a_holiday_is_deleted(day_admin, request_, hook_calls):
    day_admin.delete_model(request_, HolidayDay.objects.get(date=date(2026, 10, 1)))
    assert hook_calls == [1]


def test_it_calls_the_hook_on_bulk_delete(day_admin, request_, hook_calls):
    day_admin.delete_queryset(request_, HolidayDay.objects.filter(date__year=2026))
    assert not HolidayDay.objects.filter(date__year=2026).exists()
    assert hook_calls == [1]


def test_it_calls_the_hook_when_a_year_is_saved_or_deleted(request_, hook_calls):
    year_admin = HolidayYearAdmin(HolidayYear, AdminSite())
    year = HolidayYear(year=2027, source="manual")
    year_admin.save_model(request_, year, form=None, change=False)
    year_admin.delete_model(request_, year)
    assert hook_calls == [1, 1]


def test_it_enqueues_the_recompute_job_after_an_admin_save(
    day_admin, request_, recompute_task, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        day_admin.save_model(
            request_, HolidayDay(date=date(2027, 2, 6), name="春节"), form=None, change=False
        )
    recompute_task.enqueue.assert_called_once_with()


def test_it_filters_holidays_by_year(day_admin):
    request = RequestFactory().get("/admin/deadlines/holidayday/", {"year": "2026"})
    params = {"year": ["2026"]}
    year_filter = YearListFilter(request, params, HolidayDay, day_admin)
    assert ("2026", "2026") in year_filter.lookups(request, day_admin)
    assert set(year_filter.queryset(request, HolidayDay.objects.all()).dates("date", "year")) == {
        date(2026, 1, 1)
    }


def test_it_edits_limits_inline_on_the_rule_set():
    rule_set_admin = RuleSetAdmin(RuleSet, AdminSite())
    assert [inline.model.__name__ for inline in rule_set_admin.inlines] == ["RuleLimit"]


def test_it_lists_holidays_in_the_admin(admin_client):
    response = admin_client.get("/admin/deadlines/holidayday/", {"year": "2026", "is_workday__exact": "1"})
    assert response.status_code == 200
    assert "调休上班（国庆节）" in response.content.decode()
    assert "国庆节</td>" not in response.content.decode()


def test_it_adds_a_holiday_through_the_admin_form(admin_client, hook_calls):
    response = admin_client.post(
        "/admin/deadlines/holidayday/add/", {"date": "2027-01-01", "name": "元旦", "is_workday": ""}
    )
    assert response.status_code == 302
    assert HolidayDay.objects.filter(date=date(2027, 1, 1), is_workday=False).exists()
    assert hook_calls == [1]


def test_it_shows_a_rule_set_with_its_limits(admin_client, national):
    response = admin_client.get(f"/admin/deadlines/ruleset/{national.pk}/change/")
    assert response.status_code == 200
    assert "《信访工作条例》第二十三条第三款" in response.content.decode()
