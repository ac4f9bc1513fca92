"""数据看板 (issue 6 §2): the figures of the dashboard, as pure selectors over grouped aggregate queries.

Volume counts *cases registered* in the period, attributed as the KPIs attribute them
(xinfang/reporting/kpis.py): a 信访部门 counts what the units of its subtree registered, a 责任单位 what
it handles itself. One grouped query reads the period and the equal period before it (for the
categories rising fastest) with a month bucket per row; every chart and table is folded from those
rows in Python. Each figure has a drill-down filter (`volume_q`, `overdue_q`, …) built from the very
same mapping, so the list behind a number holds exactly the cases counted. docs/dashboard.md.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db.models import Case as Switch
from django.db.models import Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases.models import Case
from xinfang.cases.selectors import working_days_ahead
from xinfang.orgs.models import Region, Unit
from xinfang.reference.models import Category, Channel
from xinfang.reporting.kpis import KpiScope, Side, _moment_range
from xinfang.reporting.periods import Period, months_between, previous_period
from xinfang.supervision.choices import SupervisionStatus
from xinfang.supervision.models import Callback, Supervision, Urge
from xinfang.supervision.selectors import CallbackResults, callback_counts

NONE_KEY = "none"  # cases without a category or 问题属地
SELF_KEY = "self"  # the scope unit itself (registered there directly), or its own region
OTHER_KEY = "other"  # a 问题属地 outside the scope unit's region

CHANNEL_GROUPS = (
    ("letter", "来信"),
    ("visit", "来访"),
    ("online", "网信"),
    ("other", "其他（来电、传真等）"),
)
VOLUME_DIMENSIONS = ("group", "channel", "category", "region", "unit")
RISING_LIMIT = 10


def scope_for_unit(unit: Unit, period: Period) -> KpiScope:
    """A 信访部门 sees its subtree by registering unit; a 责任单位 only itself by handling unit."""
    if unit.is_bureau:
        return KpiScope(unit=unit, period=period, side=Side.BUREAU, subtree=True)
    return KpiScope(unit=unit, period=period, side=Side.HANDLER, subtree=False)


def with_side(scope: KpiScope) -> KpiScope:
    fixed = scope_for_unit(scope.unit, scope.period)
    return replace(scope, side=fixed.side, subtree=fixed.subtree, channel_id=None)


def _attribution_field(scope: KpiScope) -> str:
    return "registering_unit_id" if scope.side == Side.BUREAU else "handling_unit_id"


def _registered_between(first: datetime.date, last: datetime.date) -> Q:
    """A plain range on registered_at (local days), so the (unit, registered_at) index serves it."""
    start, _end = _moment_range(Period("", first, first))
    _start, end = _moment_range(Period("", last, last))
    return Q(registered_at__gte=start, registered_at__lt=end)


def _in_scope(scope: KpiScope) -> Q:
    return Q(**{f"{_attribution_field(scope)}__in": scope.unit_ids()})


# --- Mapping raw ids to the keys shown (one mapping serves the chart and its drill-down) ------------


class Keys:
    """How each raw value (channel code, category id, region code, unit id) maps to a shown key."""

    def __init__(self, scope: KpiScope):
        self.scope = scope
        self.channels = {c.code: c for c in Channel.objects.all()}
        categories = {c.pk: c for c in Category.objects.all()}
        self.category_names = {pk: c.name for pk, c in categories.items() if c.parent_id is None}
        self.category_codes = {pk: c.code for pk, c in categories.items()}
        self.category_top = {pk: self._top(categories, pk) for pk in categories}
        self.units = {u.pk: u for u in Unit.objects.filter(path__startswith=scope.unit.path)}
        self.children = {u.pk: u for u in self.units.values() if u.parent_id == scope.unit.pk}
        regions = {r.code: r for r in Region.objects.all()}
        self.region_names = {code: r.name for code, r in regions.items()}
        self.region_key = {code: self._region_under(regions, code) for code in regions}

    @staticmethod
    def _top(categories: dict, pk: int) -> int:
        seen = 0
        while categories[pk].parent_id is not None and seen < 10:
            pk, seen = categories[pk].parent_id, seen + 1
        return pk

    def _region_under(self, regions: dict, code: str) -> str:
        """The child region of the scope unit's region holding `code` (or self / other)."""
        home = self.scope.unit.region_id
        current, seen = code, 0
        while current is not None and seen < 10:
            if current == home:
                return SELF_KEY
            parent = regions[current].parent_id if current in regions else None
            if parent == home:
                return current
            current, seen = parent, seen + 1
        return OTHER_KEY

    def channel_group(self, code: str) -> str:
        if code in ("letter", "visit"):
            return code
        return "online" if self.channels[code].is_online else "other"

    def unit_key(self, unit_id: int | None) -> str:
        unit = self.units.get(unit_id)
        if unit is None:
            return OTHER_KEY
        if unit.pk == self.scope.unit.pk:
            return SELF_KEY
        for child in self.children.values():
            if unit.path.startswith(child.path):
                return str(child.pk)
        return OTHER_KEY

    def key(self, dimension: str, raw) -> str:
        if dimension == "channel":
            return raw
        if dimension == "group":
            return self.channel_group(raw)
        if dimension == "category":
            return NONE_KEY if raw is None else str(self.category_top.get(raw, raw))
        if dimension == "region":
            return NONE_KEY if raw is None else self.region_key.get(raw, OTHER_KEY)
        return self.unit_key(raw)

    def label(self, dimension: str, key: str) -> str:
        if dimension == "channel":
            return self.channels[key].name if key in self.channels else key
        if dimension == "group":
            return _(dict(CHANNEL_GROUPS)[key])
        if key == NONE_KEY:
            return _("未分类") if dimension == "category" else _("未填问题属地")
        if key == OTHER_KEY:
            return _("辖区外") if dimension == "region" else _("其他")
        if key == SELF_KEY:
            if dimension == "region":
                return _("%(name)s本级") % {"name": self.region_names.get(self.scope.unit.region_id, "")}
            return _("%(name)s（本单位登记）") % {"name": self.scope.unit.name}
        if dimension == "category":
            return self.category_names.get(int(key), key)
        if dimension == "region":
            return self.region_names.get(key, key)
        return self.children[int(key)].name if int(key) in self.children else key

    def order(self, dimension: str, key: str):
        """Charts keep a stable order: channel order, category code, region code, unit path."""
        if dimension == "group":
            return [g for g, _label in CHANNEL_GROUPS].index(key)
        if dimension == "channel":
            channel = self.channels.get(key)
            return (channel.sort_order, key) if channel else (9999, key)
        if key in (SELF_KEY,):
            return ("",)
        if key in (NONE_KEY, OTHER_KEY):
            return ("\uffff", key)
        if dimension == "unit":
            return (self.children[int(key)].path,) if int(key) in self.children else ("\ufffe", key)
        if dimension == "category":
            return (self.category_codes.get(int(key), key),)
        return (key,)

    def raw_values(self, dimension: str, key: str) -> list:
        """Every raw value mapping to `key` (the drill-down's IN list)."""
        if dimension in ("channel", "group"):
            return [code for code in self.channels if self.key(dimension, code) == key]
        if dimension == "category":
            return [pk for pk in self.category_top if self.key("category", pk) == key]
        if dimension == "region":
            return [code for code in self.region_key if self.key("region", code) == key]
        return [pk for pk in self.units if self.unit_key(pk) == key]

    def valid(self, dimension: str, key: str) -> bool:
        if dimension in ("category", "region") and key == NONE_KEY:
            return True
        return bool(self.raw_values(dimension, key))


RAW_FIELD = {
    "channel": "channel_id",
    "group": "channel_id",
    "category": "category_id",
    "region": "issue_region_id",
}


def volume_q(scope: KpiScope, keys: Keys, dimension: str, key: str, month: datetime.date | None = None) -> Q:
    """The cases behind one count of a volume chart (the whole period, or one month of it)."""
    first, last = (month, _month_end(month)) if month else (scope.period.start, scope.period.end)
    q = _in_scope(scope) & _registered_between(first, last)
    if key == NONE_KEY and dimension in ("category", "region"):
        return q & Q(**{f"{RAW_FIELD[dimension]}__isnull": True})
    field_name = RAW_FIELD.get(dimension, _attribution_field(scope))
    return q & Q(**{f"{field_name}__in": keys.raw_values(dimension, key)})


def _month_end(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


# --- The figures ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of a chart/table: a key, its label, a count per month and the total."""

    key: str
    label: str
    months: list[int]
    total: int = 0


@dataclass
class Breakdown:
    dimension: str
    title: str
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class Rising:
    key: str
    label: str
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def percent(self) -> str:
        if not self.previous:
            return _("新出现") if self.current else "—"
        return f"{self.change / self.previous * 100:+.1f}%"


@dataclass(frozen=True)
class DueRow:
    unit: Unit
    overdue: int
    due_soon: int


@dataclass
class Dashboard:
    scope: KpiScope
    previous: Period
    months: list[datetime.date]
    keys: Keys
    total: int
    previous_total: int
    breakdowns: list[Breakdown]
    rising: list[Rising]
    due: list[DueRow]
    today: datetime.date
    soon_until: datetime.date
    supervision: dict
    urges: dict
    callbacks: list[CallbackResults]

    @property
    def is_empty(self) -> bool:
        """Nothing happened in the period (overdue and due soon are today's state, not the period's)."""
        return not (self.total or any(self.supervision.values()) or self.urges["urges"] or self.callbacks)


TITLES = {
    "group": "按来信、来访、网信",
    "channel": "按信访形式",
    "category": "按内容分类（一级）",
    "region": "按问题属地",
    "unit": "按单位",
}


COLUMNS = {
    "channel": "channel_id",
    "group": "channel_id",
    "category": "category_id",
    "region": "issue_region_id",
}
Grouped = dict[str, dict[tuple[int, object], int]]  # column → (bucket, raw value) → cases


def _bucket_of(months: list[datetime.date], previous: Period) -> dict[datetime.date, int]:
    """Month → bucket: -1 for the months of the previous period, 0…n-1 for this period's."""
    buckets = {m: -1 for m in months_between(previous.start, previous.end)}
    buckets.update({m: i for i, m in enumerate(months)})
    return buckets


def _runs(months: list[datetime.date]) -> list[tuple[datetime.date, datetime.date]]:
    """Consecutive months as (first day, last day) ranges, so each run is one index range."""
    runs: list[list[datetime.date]] = []
    for month in sorted(months):
        if runs and _month_end(runs[-1][-1]) + datetime.timedelta(days=1) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    return [(run[0], _month_end(run[-1])) for run in runs]


def _live_volume(scope: KpiScope, months: list[datetime.date], buckets: dict, grouped: Grouped) -> None:
    """Count the months not rolled up straight from the cases: one grouped query with a month bucket.

    The CASE compares the column with month boundaries (no date function on the column, so the range
    stays on the (unit, registered_at) index)."""
    if not months:
        return
    ordered = sorted(months)
    whens = [
        When(registered_at__lt=_moment_range(Period("", m, _month_end(m)))[1], then=Value(buckets[m]))
        for m in ordered[:-1]
    ]
    bucket = Switch(*whens, default=Value(buckets[ordered[-1]]), output_field=IntegerField())
    within = Q()
    for first, last in _runs(ordered):
        within |= _registered_between(first, last)
    unit_field = _attribution_field(scope)
    rows = (
        Case.objects.filter(_in_scope(scope) & within)
        .annotate(bucket=bucket)
        .order_by()
        .values_list("bucket", unit_field, "channel_id", "category_id", "issue_region_id")
        .annotate(n=Count("pk"))
    )
    for b, unit_id, channel_id, category_id, region_code, n in rows:
        for column, raw in (("unit", unit_id), ("channel_id", channel_id), ("category_id", category_id)):
            grouped[column][(b, raw)] += n
        grouped["issue_region_id"][(b, region_code)] += n


def _rolled_volume(scope: KpiScope, months: list[datetime.date], buckets: dict, grouped: Grouped) -> None:
    """Read the rolled-up months: one small grouped query per column over the rollup rows."""
    if not months:
        return
    from django.db.models import Sum

    from xinfang.reporting.models import VolumeRollup

    rows = VolumeRollup.objects.filter(month__in=months, registering_unit_id__in=scope.unit_ids()).order_by()
    for column, field_name in (
        ("unit", "registering_unit_id"),
        ("channel_id", "channel_id"),
        ("category_id", "category_id"),
        ("issue_region_id", "issue_region_id"),
    ):
        for month, raw, n in rows.values_list("month", field_name).annotate(n=Sum("cases")):
            grouped[column][(buckets[month], raw)] += n


def _volume(scope: KpiScope, previous: Period, months: list[datetime.date]) -> Grouped:
    """Cases per (bucket, raw value) for each column, this period and the previous one.

    A 信访部门's complete months come from the worker's rollup (xinfang/reporting/dashboard_rollup.py)
    when it has them; the current month, months not rolled up yet and a 责任单位's cases are counted live."""
    from xinfang.reporting.dashboard_rollup import rolled_months

    buckets = _bucket_of(months, previous)
    rolled = rolled_months(list(buckets)) if scope.side == Side.BUREAU else set()
    grouped: Grouped = {c: defaultdict(int) for c in ("unit", "channel_id", "category_id", "issue_region_id")}
    _rolled_volume(scope, sorted(rolled), buckets, grouped)
    _live_volume(scope, [m for m in buckets if m not in rolled], buckets, grouped)
    return grouped


def _fold(
    keys: Keys, grouped: Grouped, months: list[datetime.date]
) -> tuple[list[Breakdown], dict[str, int]]:
    """One breakdown per dimension; each distinct raw value is mapped to its key once."""
    breakdowns = []
    previous_by_category: dict[str, int] = defaultdict(int)
    for dimension in VOLUME_DIMENSIONS:
        by_raw = grouped[COLUMNS.get(dimension, "unit")]
        key_of = {raw: keys.key(dimension, raw) for raw in {raw for _bucket, raw in by_raw}}
        table: dict[str, Row] = {}
        for (bucket, raw), n in by_raw.items():
            key = key_of[raw]
            if bucket < 0:
                if dimension == "category":
                    previous_by_category[key] += n
                continue
            line = table.get(key)
            if line is None:
                line = table[key] = Row(key=key, label=keys.label(dimension, key), months=[0] * len(months))
            line.months[bucket] += n
            line.total += n
        ordered = sorted(table.values(), key=lambda r: keys.order(dimension, r.key))
        breakdowns.append(Breakdown(dimension=dimension, title=_(TITLES[dimension]), rows=ordered))
    return breakdowns, previous_by_category


def _rising(keys: Keys, categories: Breakdown, previous: dict[str, int]) -> list[Rising]:
    current = {row.key: row.total for row in categories.rows}
    found = [
        Rising(
            key=key,
            label=keys.label("category", key),
            current=current.get(key, 0),
            previous=previous.get(key, 0),
        )
        for key in set(current) | set(previous)
    ]
    found = [r for r in found if r.change > 0 and r.key != NONE_KEY]  # 未分类 is no category
    found.sort(key=lambda r: (-r.change, -r.current, r.key))
    return found[:RISING_LIMIT]


def due_bounds(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """Today and the edge of "due soon": the workbench's N working days (settings.DUE_SOON_WORKING_DAYS)."""
    today = today or timezone.localdate()
    return today, working_days_ahead(today, settings.DUE_SOON_WORKING_DAYS)


def overdue_q(
    scope: KpiScope, group: str, unit_id: int, today: datetime.date, soon_until: datetime.date
) -> Q:
    """The workbench's groups (xinfang/cases/selectors.py) for one holding unit: open, by Case.due_on."""
    dates = Q(due_on__lt=today) if group == "overdue" else Q(due_on__gte=today, due_on__lte=soon_until)
    return Q(is_open=True, owner_unit_id=unit_id) & dates


def _due(scope: KpiScope, keys: Keys, today: datetime.date, soon_until: datetime.date) -> list[DueRow]:
    """Open cases held by each unit of the scope that are overdue or due soon: one grouped query over
    the workbench's partial index (owner_unit, due_on … WHERE is_open)."""
    rows = (
        Case.objects.filter(is_open=True, owner_unit_id__in=scope.unit_ids(), due_on__lte=soon_until)
        .order_by()
        .values_list("owner_unit_id")
        .annotate(
            overdue=Count("pk", filter=Q(due_on__lt=today)), soon=Count("pk", filter=Q(due_on__gte=today))
        )
    )
    found = [DueRow(unit=keys.units[u], overdue=o, due_soon=s) for u, o, s in rows if u in keys.units]
    found.sort(key=lambda r: (-r.overdue, -r.due_soon, r.unit.path))
    return found


SUPERVISION_FIGURES = ("opened", "open", "replied", "closed", "overdue", "escalated", "listed")
SUPERVISION_LABELS = {
    "opened": "本期发起督办",
    "open": "督办中待回复",
    "replied": "已回复待审核",
    "closed": "已办结",
    "overdue": "逾期未回复",
    "escalated": "再次督办",
    "listed": "挂牌督办",
}


def _supervision_filters(today: datetime.date) -> dict[str, Q]:
    return {
        "opened": Q(),
        "open": Q(status=SupervisionStatus.OPEN),
        "replied": Q(status=SupervisionStatus.REPLIED),
        "closed": Q(status=SupervisionStatus.CLOSED),
        "overdue": Q(status=SupervisionStatus.OPEN, due_on__lt=today),
        "escalated": Q(round__gt=1),
        "listed": Q(is_listed=True),
    }


def supervisions_in(scope: KpiScope) -> QuerySet[Supervision]:
    """督办 opened in the period whose supervised unit is in the scope."""
    start, end = _moment_range(scope.period)
    return Supervision.objects.filter(
        target_unit_id__in=scope.unit_ids(), opened_at__gte=start, opened_at__lt=end
    )


def urges_in(scope: KpiScope) -> QuerySet[Urge]:
    """催办 sent in the period to a unit of the scope."""
    start, end = _moment_range(scope.period)
    return Urge.objects.filter(to_unit_id__in=scope.unit_ids(), created_at__gte=start, created_at__lt=end)


def callbacks_in(scope: KpiScope, unit_id: int | None = None) -> QuerySet[Callback]:
    """抽查回访 tasks of the scope's units for cases closed in the period (as `callback_results`)."""
    tasks = Callback.objects.filter(
        unit_id__in=scope.unit_ids(), closed_on__range=(scope.period.start, scope.period.end)
    )
    return tasks if unit_id is None else tasks.filter(unit_id=unit_id)


def _supervision(scope: KpiScope, today: datetime.date) -> dict[str, int]:
    filters = _supervision_filters(today)
    return supervisions_in(scope).aggregate(
        **{name: Count("pk", filter=filters[name]) for name in SUPERVISION_FIGURES}
    )


def _urges(scope: KpiScope) -> dict[str, int]:
    return urges_in(scope).aggregate(urges=Count("pk"), cases=Count("case_id", distinct=True))


def _callbacks(scope: KpiScope, keys: Keys) -> list[CallbackResults]:
    """callback_results() for every unit of the scope with tasks in the period, in two grouped queries."""
    tasks = callbacks_in(scope)
    numbers = tasks.order_by().values("unit_id").annotate(**callback_counts())
    supervised = dict(
        Supervision.objects.filter(callback__in=tasks)
        .order_by()
        .values_list("callback__unit_id")
        .annotate(n=Count("pk"))
    )
    found = []
    for row in numbers:
        unit_id = row.pop("unit_id")
        if unit_id in keys.units:
            found.append(
                CallbackResults(
                    unit=keys.units[unit_id],
                    since=scope.period.start,
                    until=scope.period.end,
                    supervised=supervised.get(unit_id, 0),
                    **row,
                )
            )
    found.sort(key=lambda r: r.unit.path)
    return found


def dashboard(scope: KpiScope, *, today: datetime.date | None = None) -> Dashboard:
    """Every figure of the dashboard for one scope (a handful of queries whatever the size)."""
    today, soon_until = due_bounds(today)
    previous = previous_period(scope.period)
    months = months_between(scope.period.start, scope.period.end)
    keys = Keys(scope)
    grouped = _volume(scope, previous, months)
    breakdowns, previous_by_category = _fold(keys, grouped, months)
    categories = next(b for b in breakdowns if b.dimension == "category")
    return Dashboard(
        scope=scope,
        previous=previous,
        months=months,
        keys=keys,
        total=sum(n for (bucket, _raw), n in grouped["unit"].items() if bucket >= 0),
        previous_total=sum(n for (bucket, _raw), n in grouped["unit"].items() if bucket < 0),
        breakdowns=breakdowns,
        rising=_rising(keys, categories, previous_by_category),
        due=_due(scope, keys, today, soon_until),
        today=today,
        soon_until=soon_until,
        supervision=_supervision(scope, today),
        urges=_urges(scope),
        callbacks=_callbacks(scope, keys),
    )


# --- Reading the scope from request parameters, and the drill-down filters (page and API alike) ----


class DashboardError(ValueError):
    """A parameter that makes no dashboard; the message is shown to the user (400)."""


class NoUnit(Exception):
    """The user works for no unit: nothing to show (a clear page, not an error)."""


DUE_GROUPS = ("overdue", "due_soon")


def dashboard_scope_for(user, *, default_unit: Unit | None, params) -> KpiScope:
    """Unit and period from the parameters (default: the user's unit, the last twelve months).

    A unit outside what the user may see raises Http404 (kpi_scope_for, the same gate as the KPIs)."""
    from xinfang.orgs.access import sees_everything
    from xinfang.reporting.kpis import KpiScopeError, kpi_scope_for
    from xinfang.reporting.periods import last_months

    raw_unit = (params.get("unit") or "").strip()
    if raw_unit and not raw_unit.isdigit():
        raise DashboardError(_("单位参数应为单位编号（数字）。"))
    if default_unit is None and sees_everything(user):
        default_unit = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    if default_unit is None and not raw_unit:
        raise NoUnit
    period = (params.get("period") or "").strip() or last_months(timezone.localdate()).code
    try:
        scope = kpi_scope_for(user, default_unit=default_unit, params={"unit": raw_unit, "period": period})
    except KpiScopeError as error:
        raise DashboardError(
            _(
                "统计期应写成月份（如 2026-03）、季度（如 2026-Q1）、年份（如 2026）或月份区间（如 2025-04~2026-03）。"
            )
        ) from error
    return with_side(scope)


def _parse_month(raw: str, scope: KpiScope) -> datetime.date | None:
    if not raw:
        return None
    try:
        month = datetime.date.fromisoformat(f"{raw}-01")
    except ValueError as error:
        raise DashboardError(_("月份应写成 2026-03 这样的格式。")) from error
    if not scope.period.start <= month <= scope.period.end:
        raise DashboardError(_("所选月份不在统计期内。"))
    return month


def drilldown_visible(user, scope: KpiScope, params) -> tuple[QuerySet[Case], str]:
    """`drilldown_cases` within what the user may see, newest first (the page and the API)."""
    from xinfang.cases.access import cases_visible_to

    cases, what = drilldown_cases(scope, params)
    return cases_visible_to(user, cases).select_related("channel").order_by("-id"), what


def drilldown_cases(scope: KpiScope, params) -> tuple[QuerySet[Case], str]:
    """The cases behind one figure, and a Chinese description of it; bad parameters raise DashboardError."""
    from xinfang.supervision.selectors import CALLBACK_OUTCOMES, callback_outcome_filters

    dimension = params.get("dim", "")
    key = (params.get("key") or "").strip()
    keys = Keys(scope)
    if dimension in VOLUME_DIMENSIONS:
        if not keys.valid(dimension, key):
            raise DashboardError(_("没有这个统计项。"))
        month = _parse_month((params.get("month") or "").strip(), scope)
        what = f"{_(TITLES[dimension])}：{keys.label(dimension, key)}"
        if month:
            what += " · " + _("%(y)s年%(m)s月") % {"y": month.year, "m": month.month}
        return Case.objects.filter(volume_q(scope, keys, dimension, key, month)), what
    if dimension == "total":
        return Case.objects.filter(
            _in_scope(scope) & _registered_between(scope.period.start, scope.period.end)
        ), _("本期登记的全部信访件")
    if dimension in DUE_GROUPS:
        if not key.isdigit() or int(key) not in keys.units:
            raise DashboardError(_("没有这个单位。"))
        today, soon_until = due_bounds()
        label = (
            _("已超期")
            if dimension == "overdue"
            else _("%(n)s个工作日内到期") % {"n": settings.DUE_SOON_WORKING_DAYS}
        )
        return Case.objects.filter(overdue_q(scope, dimension, int(key), today, soon_until)), (
            f"{keys.units[int(key)].name} · {label}"
        )
    if dimension == "supervision":
        if key not in SUPERVISION_FIGURES:
            raise DashboardError(_("没有这个统计项。"))
        found = supervisions_in(scope).filter(_supervision_filters(timezone.localdate())[key])
        return Case.objects.filter(pk__in=found.values("case_id")), _("督办") + "：" + _(
            SUPERVISION_LABELS[key]
        )
    if dimension == "urge":
        return Case.objects.filter(pk__in=urges_in(scope).values("case_id")), _("本期被催办的信访件")
    if dimension == "callback":
        at = (params.get("at") or "").strip()
        if key not in CALLBACK_OUTCOMES or (at and (not at.isdigit() or int(at) not in keys.units)):
            raise DashboardError(_("没有这个统计项。"))
        tasks = callbacks_in(scope, int(at) if at else None).filter(callback_outcome_filters()[key])
        who = keys.units[int(at)].name if at else scope.unit.name
        return Case.objects.filter(pk__in=tasks.values("case_id")), f"{who} · " + _("抽查回访") + "：" + _(
            CALLBACK_LABELS[key]
        )
    raise DashboardError(_("没有这个统计项。"))


CALLBACK_LABELS = {
    "drawn": "抽取",
    "pending": "待回访",
    "reached": "已回访",
    "unreachable": "无法联系",
    "satisfied": "满意",
    "fairly": "基本满意",
    "unsatisfied": "不满意",
    "follow_up": "需跟进",
}
