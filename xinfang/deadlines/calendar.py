"""Deadline arithmetic: working-day calendar and due dates (domain.md §2, §10).

Pure functions only: nothing here touches the database. `selectors.load_calendar` builds a
`WorkCalendar` from the HolidayDay/HolidayYear tables; `compute_due` does the counting.

Counting rules, none of which the 信访 regulations state (domain.md §10), so they follow general law
by analogy:
- the start day is not counted (《民法典》第二百零一条);
- "N日" are calendar days, "N个工作日" are working days (《信访工作条例》第二十三条第三款 is the only
  working-day limit in the national rules);
- a calendar-day period whose last day is not a working day may be rolled forward to the next working
  day (《民法典》第二百零三条), but only when the rule set switches it on (off by default).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

CALENDAR_DAYS = "calendar"  # == models.DayType.CALENDAR; kept as a literal so this module needs no ORM
WORKING_DAYS = "working"  # == models.DayType.WORKING
DAY_TYPES = (CALENDAR_DAYS, WORKING_DAYS)

ROLL_FORWARD_BASIS = "《民法典》第二百零三条"
ONE_DAY = timedelta(days=1)


class CalendarRangeError(LookupError):
    """A date outside the range a calendar was loaded for; load a wider range (selectors.calendar_for)."""


def _weekday_name(d: date) -> str:
    return (_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日"))[d.weekday()]


def is_weekend(d: date) -> bool:
    return d.weekday() >= 5


def format_date(d: date, *, same_year_as: date | None = None) -> str:
    """2026年9月30日, or 10月1日 when the year is the same as `same_year_as`."""
    if same_year_as is not None and d.year == same_year_as.year:
        return _("%(month)d月%(day)d日") % {"month": d.month, "day": d.day}
    return _("%(year)d年%(month)d月%(day)d日") % {"year": d.year, "month": d.month, "day": d.day}


def missing_data_warning(year: int) -> str:
    return _("%(year)d年节假日数据未维护，按双休日计算") % {"year": year}


class WorkCalendar:
    """Which days are working days.

    `exceptions` maps a date to is_workday for the HolidayDay rows (holidays and 调休 working weekend
    days); every other day is a working day Monday–Friday. A year missing from `years_with_data` has no
    published arrangement yet: only weekends are days off (plus any day entered by hand), and
    `compute_due` adds a warning.
    `bounds`, when given, is the loaded date range; asking about a day outside it is a bug.
    """

    def __init__(
        self,
        exceptions: Mapping[date, bool] | None = None,
        years_with_data: Iterable[int] = (),
        *,
        names: Mapping[date, str] | None = None,
        bounds: tuple[date, date] | None = None,
    ) -> None:
        self._exceptions = dict(exceptions or {})
        self._years = frozenset(years_with_data)
        self._names = dict(names or {})
        self.bounds = bounds

    def has_data(self, year: int) -> bool:
        return year in self._years

    def is_workday(self, d: date) -> bool:
        self._check_bounds(d)
        if d in self._exceptions:
            return self._exceptions[d]
        return not is_weekend(d)

    def describe(self, d: date) -> str:
        """The holiday or 调休 name of a day; 周六/周日 for a plain weekend day."""
        name = self._names.get(d, "")
        if name:
            return name
        if d in self._exceptions:
            return _("调休上班") if self._exceptions[d] else _("节假日")
        return _weekday_name(d)

    def years_without_data(self, first: date, last: date) -> tuple[int, ...]:
        return tuple(y for y in range(first.year, last.year + 1) if not self.has_data(y))

    def _check_bounds(self, d: date) -> None:
        if self.bounds is not None and not (self.bounds[0] <= d <= self.bounds[1]):
            raise CalendarRangeError(
                f"{d} is outside the loaded calendar range {self.bounds[0]}..{self.bounds[1]}"
            )


def calendar_span(starts_on: date, days: int, day_type: str) -> tuple[date, date]:
    """A date range certain to contain every day `compute_due` may look at.

    Working days: 2 calendar days per working day plus 60 covers the longest Chinese holiday runs
    (春节 9 days, 国庆 8 days) many times over. Calendar days: 60 days for a rolled-forward end.
    """
    extra = days * 2 if day_type == WORKING_DAYS else days
    return starts_on, starts_on + timedelta(days=extra + 60)


@dataclass(frozen=True)
class DueDate:
    """The result of a deadline computation, with everything needed to explain it to a user."""

    due_on: date
    starts_on: date
    days: int
    day_type: str
    roll_forward_applied: date | None = None  # the original last day, when it was rolled forward
    skipped: tuple[tuple[date, str], ...] = ()  # non-working days passed over, with their names
    warnings: tuple[str, ...] = ()
    basis: str = ""
    makeup_workdays: tuple[tuple[date, str], ...] = ()  # 调休 weekend days that counted

    def explain(self) -> str:
        parts = [_("自%(start)s起算（起算当日不计入），") % {"start": format_date(self.starts_on)}]
        if self.days == 0:
            parts.append(_("期限为0日，期满日为起算当日%(due)s。") % {"due": format_date(self.due_on)})
        elif self.day_type == WORKING_DAYS:
            parts.append(self._explain_working())
        else:
            parts.append(self._explain_calendar())
        if self.basis:
            parts.append(_("依据：%(basis)s") % {"basis": self.basis})
        parts.extend(_("（注意：%(warning)s）") % {"warning": w} for w in self.warnings)
        return "".join(parts)

    def _explain_working(self) -> str:
        text = _("按%(days)d个工作日计算") % {"days": self.days}
        if self.skipped:
            text += _("：跳过 %(days)s") % {"days": self._skipped_text()}
        if self.makeup_workdays:
            dates = "、".join(
                format_date(d, same_year_as=self.starts_on) for d, _name in self.makeup_workdays
            )
            text += _("；%(dates)s 为调休上班日，计入工作日") % {"dates": dates}
        return text + _("，期满日为%(due)s。") % {"due": format_date(self.due_on)}

    def _explain_calendar(self) -> str:
        text = _("按%(days)d日（自然日）计算") % {"days": self.days}
        if self.roll_forward_applied is None:
            return text + _("，期满日为%(due)s。") % {"due": format_date(self.due_on)}
        return text + _("，届满日%(end)s为非工作日（%(why)s），顺延至%(due)s（参照%(law)s）。") % {
            "end": format_date(self.roll_forward_applied),
            "why": self._skipped_text(),
            "due": format_date(self.due_on),
            "law": ROLL_FORWARD_BASIS,
        }

    def _skipped_text(self) -> str:
        """Consecutive days with the same name are grouped: 10月1日至10月7日（国庆节）."""
        groups: list[list] = []
        for d, reason in self.skipped:
            if groups and groups[-1][2] == reason and groups[-1][1] + ONE_DAY == d:
                groups[-1][1] = d
            else:
                groups.append([d, d, reason])
        return "、".join(self._group_text(first, last, reason) for first, last, reason in groups)

    def _group_text(self, first: date, last: date, reason: str) -> str:
        start = format_date(first, same_year_as=self.starts_on)
        if first == last:
            return f"{start}（{reason}）"
        return _("%(first)s至%(last)s（%(reason)s）") % {
            "first": start,
            "last": format_date(last, same_year_as=self.starts_on),
            "reason": reason,
        }

    def as_dict(self) -> dict:
        """JSON-serialisable form, stored in CaseDeadline.explanation."""
        return {
            "due_on": self.due_on.isoformat(),
            "starts_on": self.starts_on.isoformat(),
            "days": self.days,
            "day_type": self.day_type,
            "roll_forward_applied": self.roll_forward_applied.isoformat()
            if self.roll_forward_applied
            else None,
            "skipped": [[d.isoformat(), reason] for d, reason in self.skipped],
            "makeup_workdays": [[d.isoformat(), name] for d, name in self.makeup_workdays],
            "warnings": list(self.warnings),
            "basis": self.basis,
            "text": self.explain(),
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> DueDate:
        rolled = data.get("roll_forward_applied")
        return cls(
            due_on=date.fromisoformat(data["due_on"]),
            starts_on=date.fromisoformat(data["starts_on"]),
            days=data["days"],
            day_type=data["day_type"],
            roll_forward_applied=date.fromisoformat(rolled) if rolled else None,
            skipped=tuple((date.fromisoformat(d), r) for d, r in data.get("skipped", [])),
            warnings=tuple(data.get("warnings", [])),
            basis=data.get("basis", ""),
            makeup_workdays=tuple((date.fromisoformat(d), n) for d, n in data.get("makeup_workdays", [])),
        )


def compute_due(
    starts_on: date,
    days: int,
    day_type: str,
    *,
    calendar: WorkCalendar,
    roll_forward: bool = False,
    basis: str = "",
) -> DueDate:
    """The last day of a period of `days` calendar or working days starting on `starts_on`."""
    if days < 0:
        raise ValueError("days must be >= 0")
    if day_type not in DAY_TYPES:
        raise ValueError(f"unknown day_type {day_type!r}")
    base = {"starts_on": starts_on, "days": days, "day_type": str(day_type), "basis": basis}
    if days == 0:
        return DueDate(due_on=starts_on, **base)
    if day_type == WORKING_DAYS:
        return _working_due(calendar, base)
    return _calendar_due(calendar, base, roll_forward=roll_forward)


def _working_due(calendar: WorkCalendar, base: dict) -> DueDate:
    """Count working days after the start day; the last one counted is the due day."""
    d, counted = base["starts_on"], 0
    skipped: list[tuple[date, str]] = []
    makeup: list[tuple[date, str]] = []
    while counted < base["days"]:
        d += ONE_DAY
        if not calendar.is_workday(d):
            skipped.append((d, calendar.describe(d)))
            continue
        counted += 1
        if is_weekend(d):
            makeup.append((d, calendar.describe(d)))
    warnings = _warnings(calendar, base["starts_on"] + ONE_DAY, d)
    return DueDate(due_on=d, skipped=tuple(skipped), makeup_workdays=tuple(makeup), warnings=warnings, **base)


def _calendar_due(calendar: WorkCalendar, base: dict, *, roll_forward: bool) -> DueDate:
    """start + days; optionally rolled forward past non-working days (《民法典》第二百零三条 by analogy)."""
    end = base["starts_on"] + timedelta(days=base["days"])
    if not roll_forward:
        return DueDate(due_on=end, **base)
    d, skipped = end, []
    while not calendar.is_workday(d):
        skipped.append((d, calendar.describe(d)))
        d += ONE_DAY
    warnings = _warnings(calendar, end, d)
    return DueDate(
        due_on=d,
        roll_forward_applied=end if skipped else None,
        skipped=tuple(skipped),
        warnings=warnings,
        **base,
    )


def _warnings(calendar: WorkCalendar, first: date, last: date) -> tuple[str, ...]:
    return tuple(missing_data_warning(y) for y in calendar.years_without_data(first, last))
