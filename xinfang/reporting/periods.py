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
    text = (raw or "").strip().replace(" ", "").replace("／", "-").replace("/", "-")
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


def period_label(code: str) -> str:
    """ "2026-03" → 2026年3月, "2026-Q1" → 2026年第一季度, "2026" → 2026年."""
    if not code:
        return ""
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
