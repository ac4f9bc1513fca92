"""Reads for the deadline engine: the working-day calendar, rule sets and their limits."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.deadlines.calendar import WorkCalendar, calendar_span
from xinfang.deadlines.models import HolidayDay, HolidayYear, RuleLimit, RuleSet

# The State Council publishes next year's arrangement in Oct–Dec; warn this many days before year end.
NEXT_YEAR_WARNING_DAYS = 60


class MissingRuleLimit(LookupError):
    """The rule set has no limit for the step; an administrator must add it."""


def load_calendar(start: date, end: date) -> WorkCalendar:
    """The working-day calendar for start..end (two queries)."""
    rows = list(HolidayDay.objects.filter(date__range=(start, end)).values_list("date", "is_workday", "name"))
    years = HolidayYear.objects.filter(year__range=(start.year, end.year)).values_list("year", flat=True)
    return WorkCalendar(
        {d: is_workday for d, is_workday, _name in rows},
        years,
        names={d: name for d, _is_workday, name in rows},
        bounds=(start, end),
    )


def calendar_for(starts_on: date, days: int, day_type: str) -> WorkCalendar:
    """A calendar wide enough for one `compute_due(starts_on, days, day_type, ...)` call."""
    return load_calendar(*calendar_span(starts_on, days, day_type))


def missing_holiday_years(today: date | None = None) -> list[int]:
    """Years whose holiday arrangement should be loaded but is not (for the admin banner).

    The current year always; next year too once we are within NEXT_YEAR_WARNING_DAYS of 31 December.
    """
    today = today or timezone.localdate()
    wanted = [today.year]
    if (date(today.year, 12, 31) - today).days <= NEXT_YEAR_WARNING_DAYS:
        wanted.append(today.year + 1)
    present = set(HolidayYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return [year for year in wanted if year not in present]


def default_rule_set() -> RuleSet:
    code = settings.DEFAULT_RULE_SET
    try:
        return RuleSet.objects.get(code=code)
    except RuleSet.DoesNotExist:
        raise ImproperlyConfigured(f"DEFAULT_RULE_SET={code!r} but no RuleSet has that code") from None


def rule_set_for_unit(unit) -> RuleSet:
    """The unit's own rule set, else the nearest ancestor's, else settings.DEFAULT_RULE_SET."""
    node, seen = unit, set()
    while node is not None and node.pk not in seen:
        if node.rule_set_id:
            return node.rule_set
        seen.add(node.pk)
        node = node.parent
    return default_rule_set()


def get_limit(rule_set: RuleSet, step: str) -> RuleLimit:
    try:
        return RuleLimit.objects.get(rule_set=rule_set, step=step)
    except RuleLimit.DoesNotExist:
        raise MissingRuleLimit(
            _("时限规则“%(rule_set)s”未设置“%(step)s”环节的时限，请管理员补充。")
            % {"rule_set": rule_set, "step": step}
        ) from None
