"""Writes for the deadline engine: seeding reference data and reacting to holiday-table changes."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from xinfang.deadlines import seeds
from xinfang.deadlines.calendar import DueDate, compute_due
from xinfang.deadlines.models import HolidayDay, HolidayYear, RuleLimit, RuleSet
from xinfang.deadlines.selectors import calendar_for, get_limit


def due_for(*, rule_set: RuleSet, step: str, starts_on: date) -> DueDate:
    """The due date of `step` under `rule_set` for a clock starting on `starts_on`."""
    limit = get_limit(rule_set, step)
    return compute_due(
        starts_on,
        limit.days,
        limit.day_type,
        calendar=calendar_for(starts_on, limit.days, limit.day_type),
        roll_forward=rule_set.roll_forward,
        basis=limit.basis,
    )


@transaction.atomic
def holidays_seed_from_chinesecalendar(first_year: int = 2004, last_year: int = 2026) -> int:
    """(Re)load holidays and 调休 days from the chinesecalendar package; returns the days written.

    Dates are created or updated; other rows (entered by hand) are kept. Open deadlines are recomputed
    after commit.
    """
    count = seeds.seed_holidays(HolidayDay, HolidayYear, first_year, last_year)
    holiday_table_changed()
    return count


@transaction.atomic
def rule_sets_seed() -> int:
    """Create the national-2022 and zhejiang-2016 presets if missing; returns the limits created."""
    return seeds.seed_rule_sets(RuleSet, RuleLimit)


def holiday_table_changed() -> None:
    """Call after any HolidayDay/HolidayYear change: recompute open deadlines once the change commits."""
    from xinfang.cases.tasks import recompute_open_deadlines  # lazy: the cases app imports this app

    transaction.on_commit(lambda: recompute_open_deadlines.enqueue())
