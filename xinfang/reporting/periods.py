"""报送期: the period an item covers — a month ("2026-03"), a quarter ("2026-Q1") or a year ("2026").

Stored as its code plus its first and last day, so that an archive filter for a quarter also finds
the monthly items inside it (periods overlap) with two indexed date comparisons.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

QUARTER_NAMES = ("一", "二", "三", "四")
_RANGE = re.compile(r"^(\d{4})-(\d{1,2})~(\d{4})-(\d{1,2})$")
_PATTERNS = (
    (re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE), "quarter"),
    (re.compile(r"^(\d{4})年第?([1-4一二三四])季度?$"), "quarter"),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})年(\d{1,2})月$"), "month"),
    (re.compile(r"^(\d{4})年?$"), "year"),
)


@dataclass(frozen=True)
class Period:
    code: str
    start: datetime.date
    end: datetime.date

    @property
    def label(self) -> str:
        return period_label(self.code)


def _quarter_number(text: str) -> int:
    return QUARTER_NAMES.index(text) + 1 if text in QUARTER_NAMES else int(text)


def parse_period(raw: str) -> Period:
    """Read a period in any of the usual spellings; raise a Chinese ValidationError otherwise."""
    text = (raw or "").strip().replace(" ", "").replace("／", "-").replace("/", "-").replace("～", "~")
    if "~" in text:
        return _parse_month_range(text)
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        year = int(match.group(1))
        if not 2000 <= year <= 2100:
            break
        if kind == "year":
            return Period(f"{year}", datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        if kind == "quarter":
            quarter = _quarter_number(match.group(2))
            first = 3 * quarter - 2
            last_day = calendar.monthrange(year, first + 2)[1]
            return Period(
                f"{year}-Q{quarter}", datetime.date(year, first, 1), datetime.date(year, first + 2, last_day)
            )
        month = int(match.group(2))
        if not 1 <= month <= 12:
            break
        last_day = calendar.monthrange(year, month)[1]
        return Period(
            f"{year}-{month:02d}", datetime.date(year, month, 1), datetime.date(year, month, last_day)
        )
    raise ValidationError(
        _("报送期应写成月份（如 2026-03）、季度（如 2026-Q1）或年份（如 2026）。"), code="period"
    )


def _parse_month_range(text: str) -> Period:
    """A run of whole months, "2025-04~2026-03" (the dashboard's default: the last twelve months)."""
    match = _RANGE.match(text)
    if match is not None:
        y1, m1, y2, m2 = (int(group) for group in match.groups())
        if 2000 <= y1 <= 2100 and 2000 <= y2 <= 2100 and 1 <= m1 <= 12 and 1 <= m2 <= 12:
            first, last = (y1, m1), (y2, m2)
            if first <= last and (y2 - y1) * 12 + m2 - m1 < 120:
                end = datetime.date(y2, m2, calendar.monthrange(y2, m2)[1])
                return Period(f"{y1}-{m1:02d}~{y2}-{m2:02d}", datetime.date(y1, m1, 1), end)
    raise ValidationError(
        _("月份区间应写成“起始月~结束月”（如 2025-04~2026-03），不超过十年，起始月不晚于结束月。"),
        code="period",
    )


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first day of every month from `first`'s month to `last`'s month, in order."""
    found, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        found.append(datetime.date(year, month, 1))
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return found


def last_months(today: datetime.date, count: int = 12) -> Period:
    """The `count` months up to and including this one."""
    year, month = today.year, today.month - (count - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return parse_period(f"{year}-{month:02d}~{today.year}-{today.month:02d}")


def previous_period(period: Period) -> Period:
    """The equal run of months just before `period` (a month, quarter, year or month range)."""
    months = months_between(period.start, period.end)
    end = period.start - datetime.timedelta(days=1)
    year, month = end.year, end.month - (len(months) - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return parse_period(f"{year}-{month:02d}~{end.year}-{end.month:02d}")


def period_label(code: str) -> str:
    """ "2026-03" → 2026年3月, "2026-Q1" → 2026年第一季度, "2026" → 2026年."""
    if not code:
        return ""
    if "~" in code:
        first, last = code.split("~")
        return _("%(a)s至%(b)s") % {"a": period_label(first), "b": period_label(last)}
    if "-Q" in code:
        year, quarter = code.split("-Q")
        return _("%(y)s年第%(q)s季度") % {"y": year, "q": QUARTER_NAMES[int(quarter) - 1]}
    if "-" in code:
        year, month = code.split("-")
        return _("%(y)s年%(m)s月") % {"y": year, "m": int(month)}
    return _("%(y)s年") % {"y": code}


def recent_periods(today: datetime.date, *, months: int = 6) -> list[Period]:
    """Suggestions for the form: this and the last few months, this and last quarter, this and last year."""
    found: list[Period] = []
    year, month = today.year, today.month
    for _step in range(months):
        found.append(parse_period(f"{year}-{month:02d}"))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    quarter = (today.month - 1) // 3 + 1
    found.append(parse_period(f"{today.year}-Q{quarter}"))
    found.append(parse_period(f"{today.year - 1}-Q4" if quarter == 1 else f"{today.year}-Q{quarter - 1}"))
    found += [parse_period(str(today.year)), parse_period(str(today.year - 1))]
    return found
