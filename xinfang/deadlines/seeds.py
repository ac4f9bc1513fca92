"""Reference data for the deadline engine: rule-set presets and the holiday table.

The functions take the model classes as arguments so that migration 0002 can pass historical models
(`apps.get_model`) and `services` can pass the real ones. Do not import xinfang.deadlines.models here.
"""

from __future__ import annotations

from datetime import date

CHINESECALENDAR_SOURCE = "chinesecalendar"

# chinese_calendar's English holiday names (chinese_calendar.constants.Holiday values) → our names.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}

NATIONAL = "《信访工作条例》"
ZHEJIANG = "《浙江省信访条例》（2016）"  # article numbers not verified, so none are given (domain.md §2)

# (step, days, day_type, basis); step codes are models.Step values, day types models.DayType values.
NATIONAL_2022_LIMITS = (
    ("dispose", 15, "calendar", f"{NATIONAL}第二十二条"),
    ("notify_direct", 15, "calendar", f"{NATIONAL}第二十三条第二款"),
    ("accept", 15, "calendar", f"{NATIONAL}第二十三条第三款"),
    ("object", 5, "working", f"{NATIONAL}第二十三条第三款"),
    ("handle", 60, "calendar", f"{NATIONAL}第三十四条"),
    ("extend", 30, "calendar", f"{NATIONAL}第三十四条"),
    ("recheck_request", 30, "calendar", f"{NATIONAL}第三十五条"),
    ("recheck_opinion", 30, "calendar", f"{NATIONAL}第三十五条"),
    ("rereview_request", 30, "calendar", f"{NATIONAL}第三十六条"),
    ("rereview_opinion", 30, "calendar", f"{NATIONAL}第三十六条（听证所需时间不计入）"),
    (
        "supervision_reply",
        30,
        "calendar",
        "《信访条例》（2005）第三十六条（《信访工作条例》第四十条未规定期限）",
    ),
)

# Zhejiang's shorter limits (domain.md §2 "Local variants"); every other step as national.
ZHEJIANG_2016_OVERRIDES = {
    "dispose": (5, "working", ZHEJIANG),
    "accept": (5, "working", ZHEJIANG),
    "handle": (30, "calendar", ZHEJIANG),
    "extend": (30, "calendar", ZHEJIANG),
}


def _zhejiang_limits() -> tuple[tuple[str, int, str, str], ...]:
    limits = []
    for step, days, day_type, basis in NATIONAL_2022_LIMITS:
        days, day_type, basis = ZHEJIANG_2016_OVERRIDES.get(step, (days, day_type, basis))
        limits.append((step, days, day_type, basis))
    return tuple(limits)


RULE_SETS = (
    {
        "code": "national-2022",
        "name": "全国：《信访工作条例》（2022）",
        "description": (
            "2022年5月1日起施行的《信访工作条例》规定的时限。除第二十三条第三款“5个工作日”外，"
            "“日”均按自然日计算；起算当日不计入。督办回复期限沿用《信访条例》（2005）第三十六条的30日。"
        ),
        "limits": NATIONAL_2022_LIMITS,
    },
    {
        "code": "zhejiang-2016",
        "name": "浙江：《浙江省信访条例》（2016）",
        "description": (
            "《浙江省信访条例》（2016）的较短时限：登记交转、受理告知各5个工作日，办理30日，"
            "延期不超过30日；其余环节按《信访工作条例》。条款序号未经核对，使用前请对照条例原文。"
        ),
        "limits": _zhejiang_limits(),
    },
)


def seed_rule_sets(rule_set_model, rule_limit_model) -> int:
    """Create the preset rule sets and their limits; existing rows (maybe edited by an admin) are kept.

    Returns the number of limits created.
    """
    created = 0
    for preset in RULE_SETS:
        rule_set, _ = rule_set_model.objects.get_or_create(
            code=preset["code"], defaults={"name": preset["name"], "description": preset["description"]}
        )
        for step, days, day_type, basis in preset["limits"]:
            _, was_created = rule_limit_model.objects.get_or_create(
                rule_set=rule_set, step=step, defaults={"days": days, "day_type": day_type, "basis": basis}
            )
            created += was_created
    return created


def chinesecalendar_exceptions(first_year: int, last_year: int) -> dict[date, tuple[bool, str]]:
    """{date: (is_workday, name)} from the chinesecalendar package for the given years.

    Holidays are stored even on weekends (harmless, and the explanation then says 国庆节 rather than
    周六); 调休 working days are weekend days by construction.
    """
    import chinese_calendar

    rows: dict[date, tuple[bool, str]] = {}
    for d, english in chinese_calendar.holidays.items():
        if first_year <= d.year <= last_year:
            rows[d] = (False, _chinese_name(english))
    for d, english in chinese_calendar.workdays.items():
        if first_year <= d.year <= last_year:
            rows[d] = (True, f"调休上班（{_chinese_name(english)}）")
    return rows


def _chinese_name(english: str) -> str:
    if english in HOLIDAY_NAMES:
        return HOLIDAY_NAMES[english]
    from chinese_calendar import Holiday

    return Holiday(english).chinese[:30]  # a holiday added to the package after this table was written


def chinesecalendar_years() -> tuple[int, int]:
    """First and last year the installed chinesecalendar package has data for."""
    import chinese_calendar

    years = [d.year for d in chinese_calendar.holidays]
    return min(years), max(years)


def seed_holidays(holiday_day_model, holiday_year_model, first_year: int, last_year: int) -> int:
    """Write the chinesecalendar exceptions for the years into HolidayDay; mark those years in HolidayYear.

    Idempotent: rows are created or updated by date, other rows are left alone. A year the package has
    no data for is not marked. Returns the number of days seeded.
    """
    rows = chinesecalendar_exceptions(first_year, last_year)
    existing = {
        day.date: day
        for day in holiday_day_model.objects.filter(
            date__gte=date(first_year, 1, 1), date__lte=date(last_year, 12, 31)
        )
    }
    _write_days(holiday_day_model, rows, existing)
    for year in sorted({d.year for d in rows}):
        holiday_year_model.objects.get_or_create(year=year, defaults={"source": CHINESECALENDAR_SOURCE})
    return len(rows)


def _write_days(holiday_day_model, rows: dict, existing: dict) -> None:
    to_create, to_update = [], []
    for d, (is_workday, name) in sorted(rows.items()):
        day = existing.get(d)
        if day is None:
            to_create.append(holiday_day_model(date=d, is_workday=is_workday, name=name))
        elif (day.is_workday, day.name) != (is_workday, name):
            day.is_workday, day.name = is_workday, name
            to_update.append(day)
    holiday_day_model.objects.bulk_create(to_create, batch_size=500)
    holiday_day_model.objects.bulk_update(to_update, ["is_workday", "name"], batch_size=500)
