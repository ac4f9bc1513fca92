"""Pure deadline arithmetic (no database): rules of domain.md §10, checked by example and by property."""

import json
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinfang.deadlines.calendar import (
    CalendarRangeError,
    DueDate,
    WorkCalendar,
    calendar_span,
    compute_due,
)

FIRST, LAST = date(2020, 1, 1), date(2030, 12, 31)
DAY_TYPES = st.sampled_from(["calendar", "working"])
DAYS = st.integers(min_value=0, max_value=120)
STARTS = st.dates(min_value=FIRST, max_value=LAST)
# Timing varies with machine load (and the first gettext call loads catalogs); correctness is what counts.
NO_DEADLINE = settings(deadline=None)

# A small hand-made calendar: 2026 National Day as published (国务院办公厅, 2025), 2027 without data.
NATIONAL_DAY_2026 = {date(2026, 10, d): False for d in range(1, 8)} | {
    date(2026, 9, 20): True,
    date(2026, 10, 10): True,
}
NAMES_2026 = {d: ("调休上班（国庆节）" if w else "国庆节") for d, w in NATIONAL_DAY_2026.items()}


def national_day_calendar():
    return WorkCalendar(NATIONAL_DAY_2026, {2026}, names=NAMES_2026)


@st.composite
def calendar_data(draw):
    """(exceptions, years with data); like the seeded table, exceptions exist only in years with data."""
    years = draw(st.sets(st.integers(min_value=2020, max_value=2032), max_size=13))
    raw = draw(
        st.dictionaries(st.dates(min_value=FIRST, max_value=date(2032, 12, 31)), st.booleans(), max_size=80)
    )
    return {d: w for d, w in raw.items() if d.year in years}, years


def calendars():
    return calendar_data().map(lambda data: WorkCalendar(*data))


def working_days_between(calendar, first, last):
    """Working days in first..last inclusive."""
    return sum(calendar.is_workday(first + timedelta(n)) for n in range((last - first).days + 1))


# --- examples ----------------------------------------------------------------------------------------


def test_it_counts_working_days_across_national_day():
    due = compute_due(date(2026, 9, 30), 5, "working", calendar=national_day_calendar())
    # 10-08 Thu, 10-09 Fri, 10-10 Sat (调休), 10-12 Mon, 10-13 Tue
    assert due.due_on == date(2026, 10, 13)
    assert [d for d, _ in due.skipped] == [date(2026, 10, d) for d in (1, 2, 3, 4, 5, 6, 7, 11)]
    assert due.skipped[0] == (date(2026, 10, 1), "国庆节")
    assert due.skipped[-1] == (date(2026, 10, 11), "周日")
    assert due.makeup_workdays == ((date(2026, 10, 10), "调休上班（国庆节）"),)
    assert due.warnings == ()


def test_it_explains_in_chinese():
    due = compute_due(
        date(2026, 9, 30),
        5,
        "working",
        calendar=national_day_calendar(),
        basis="《信访工作条例》第二十三条第三款",
    )
    text = due.explain()
    assert text.startswith(
        "自2026年9月30日起算（起算当日不计入），按5个工作日计算：跳过 10月1日至10月7日（国庆节）"
    )
    assert "10月11日（周日）" in text
    assert "10月10日 为调休上班日" in text
    assert "期满日为2026年10月13日。依据：《信访工作条例》第二十三条第三款" in text


def test_it_does_not_count_the_start_day():
    calendar = WorkCalendar({}, {2026})
    assert compute_due(date(2026, 3, 2), 1, "calendar", calendar=calendar).due_on == date(2026, 3, 3)
    assert compute_due(date(2026, 3, 2), 1, "working", calendar=calendar).due_on == date(2026, 3, 3)


def test_it_returns_the_start_day_for_zero_days():
    calendar = national_day_calendar()
    for day_type in ("calendar", "working"):
        due = compute_due(date(2026, 10, 3), 0, day_type, calendar=calendar, roll_forward=True)
        assert due.due_on == date(2026, 10, 3)
        assert "期限为0日" in due.explain()


def test_it_leaves_a_calendar_day_end_on_a_holiday_by_default():
    due = compute_due(date(2026, 9, 17), 15, "calendar", calendar=national_day_calendar())
    assert due.due_on == date(2026, 10, 2)
    assert due.roll_forward_applied is None
    assert due.skipped == ()


def test_it_rolls_a_holiday_end_forward_when_switched_on():
    due = compute_due(date(2026, 9, 17), 15, "calendar", calendar=national_day_calendar(), roll_forward=True)
    assert due.due_on == date(2026, 10, 8)
    assert due.roll_forward_applied == date(2026, 10, 2)
    assert [d for d, _ in due.skipped] == [date(2026, 10, d) for d in range(2, 8)]
    assert "届满日2026年10月2日为非工作日（10月2日至10月7日（国庆节））" in due.explain()
    assert "顺延至2026年10月8日（参照《民法典》第二百零三条）" in due.explain()


def test_it_does_not_roll_forward_a_working_end():
    due = compute_due(date(2026, 9, 1), 15, "calendar", calendar=national_day_calendar(), roll_forward=True)
    assert due.due_on == date(2026, 9, 16)
    assert due.roll_forward_applied is None


def test_it_falls_back_to_weekends_and_warns_for_a_year_without_data():
    calendar = WorkCalendar({date(2026, 1, 1): False}, {2026})
    due = compute_due(date(2026, 12, 31), 5, "working", calendar=calendar)
    # 2027-01-01 is a Friday; without 2027 data it counts as a working day
    assert due.due_on == date(2027, 1, 7)
    assert due.warnings == ("2027年节假日数据未维护，按双休日计算",)
    assert "（注意：2027年节假日数据未维护，按双休日计算）" in due.explain()


def test_it_does_not_warn_for_calendar_days_without_roll_forward():
    due = compute_due(date(2027, 3, 1), 60, "calendar", calendar=WorkCalendar())
    assert due.due_on == date(2027, 4, 30)
    assert due.warnings == ()


def test_it_names_weekends_and_unnamed_exceptions():
    calendar = WorkCalendar({date(2026, 5, 4): False, date(2026, 5, 9): True}, {2026})
    assert calendar.describe(date(2026, 5, 2)) == "周六"
    assert calendar.describe(date(2026, 5, 3)) == "周日"
    assert calendar.describe(date(2026, 5, 4)) == "节假日"
    assert calendar.describe(date(2026, 5, 9)) == "调休上班"


def test_it_rejects_negative_days_and_unknown_types():
    with pytest.raises(ValueError):
        compute_due(date(2026, 1, 1), -1, "calendar", calendar=WorkCalendar())
    with pytest.raises(ValueError):
        compute_due(date(2026, 1, 1), 1, "hours", calendar=WorkCalendar())


def test_it_refuses_dates_outside_the_loaded_range():
    calendar = WorkCalendar({}, {2026}, bounds=(date(2026, 1, 1), date(2026, 1, 10)))
    with pytest.raises(CalendarRangeError):
        compute_due(date(2026, 1, 1), 30, "working", calendar=calendar)


def test_it_serialises_to_json_and_back():
    due = compute_due(date(2026, 9, 17), 15, "calendar", calendar=national_day_calendar(), roll_forward=True)
    data = json.loads(json.dumps(due.as_dict()))
    assert data["due_on"] == "2026-10-08"
    assert data["roll_forward_applied"] == "2026-10-02"
    assert data["skipped"][0] == ["2026-10-02", "国庆节"]
    assert data["text"] == due.explain()
    assert DueDate.from_dict(data) == due


# --- properties --------------------------------------------------------------------------------------


@NO_DEADLINE
@given(start=STARTS, days=DAYS, day_type=DAY_TYPES, calendar=calendars(), roll=st.booleans())
def test_it_never_ends_before_the_start(start, days, day_type, calendar, roll):
    assert compute_due(start, days, day_type, calendar=calendar, roll_forward=roll).due_on >= start


@NO_DEADLINE
@given(start=STARTS, days=DAYS, calendar=calendars())
def test_it_adds_calendar_days_exactly_without_roll_forward(start, days, calendar):
    due = compute_due(start, days, "calendar", calendar=calendar)
    assert due.due_on == start + timedelta(days=days)
    assert due.skipped == ()


@NO_DEADLINE
@given(start=STARTS, days=st.integers(min_value=1, max_value=120), calendar=calendars())
def test_it_ends_working_day_limits_on_the_last_counted_working_day(start, days, calendar):
    due = compute_due(start, days, "working", calendar=calendar)
    assert calendar.is_workday(due.due_on)
    assert working_days_between(calendar, start + timedelta(1), due.due_on) == days
    assert len(due.skipped) + days == (due.due_on - start).days
    assert all(not calendar.is_workday(d) for d, _ in due.skipped)


@NO_DEADLINE
@given(start=STARTS, days=st.integers(min_value=1, max_value=120), calendar=calendars())
def test_it_rolls_forward_to_the_first_working_day_on_or_after_the_end(start, days, calendar):
    end = start + timedelta(days=days)
    due = compute_due(start, days, "calendar", calendar=calendar, roll_forward=True)
    assert calendar.is_workday(due.due_on)
    assert due.due_on >= end
    assert [d for d, _ in due.skipped] == [end + timedelta(n) for n in range((due.due_on - end).days)]
    assert due.roll_forward_applied == (end if due.due_on != end else None)


@NO_DEADLINE
@given(
    start=STARTS,
    days=st.tuples(DAYS, DAYS).map(sorted),
    day_type=DAY_TYPES,
    calendar=calendars(),
    roll=st.booleans(),
)
def test_it_is_monotonic_in_days(start, days, day_type, calendar, roll):
    shorter = compute_due(start, days[0], day_type, calendar=calendar, roll_forward=roll)
    longer = compute_due(start, days[1], day_type, calendar=calendar, roll_forward=roll)
    assert shorter.due_on <= longer.due_on


@NO_DEADLINE
@given(year=st.integers(min_value=2020, max_value=2030), data=calendar_data(), offset=st.integers(0, 364))
def test_it_uses_weekends_only_for_years_without_data(year, data, offset):
    exceptions, years = data
    calendar = WorkCalendar({d: w for d, w in exceptions.items() if d.year != year}, years - {year})
    day = date(year, 1, 1) + timedelta(offset)
    assert not calendar.has_data(year)
    assert calendar.is_workday(day) == (day.weekday() < 5)


@NO_DEADLINE
@given(start=STARTS, days=st.integers(min_value=1, max_value=120))
def test_it_warns_about_every_year_without_data_it_counted_through(start, days):
    due = compute_due(start, days, "working", calendar=WorkCalendar())
    first = start + timedelta(1)
    expected = tuple(f"{y}年节假日数据未维护，按双休日计算" for y in range(first.year, due.due_on.year + 1))
    assert due.warnings == expected


@settings(max_examples=50, deadline=None)
@given(start=STARTS, days=DAYS, day_type=DAY_TYPES, calendar=calendars(), roll=st.booleans())
def test_it_round_trips_through_json(start, days, day_type, calendar, roll):
    due = compute_due(start, days, day_type, calendar=calendar, roll_forward=roll)
    assert DueDate.from_dict(json.loads(json.dumps(due.as_dict()))) == due


@NO_DEADLINE
@given(start=STARTS, days=DAYS, day_type=DAY_TYPES, data=calendar_data(), roll=st.booleans())
def test_it_stays_inside_the_span_a_selector_would_load(start, days, day_type, data, roll):
    bounded = WorkCalendar(*data, bounds=calendar_span(start, days, day_type))
    compute_due(start, days, day_type, calendar=bounded, roll_forward=roll)  # no CalendarRangeError
