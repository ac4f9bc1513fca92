"""KPIs of domain.md §9 (issue 6 §1): pure selectors — one aggregate query per KPI (`kpi`, the drill-down's
reference), and the page's own row plus per-unit table from five grouped queries (`kpi_table`).

Every KPI counts *cases*: its denominator is a filter on Case (the cohort) and its numerator the
cohort narrowed by one more condition, so the drill-down list (`KpiResult.numerator_cases()` /
`denominator_cases()`) holds exactly the cases counted. Definitions, cohorts and our deviations
from the Guangdong dashboard SQL [S13] are written down in docs/kpis.md.
"""

import datetime
from contextlib import contextmanager
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.db import connection, transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xinfang.cases.choices import EvaluationLevel, EvaluationTarget, OpinionStage
from xinfang.cases.models import Case, CaseDeadline, Evaluation, ReviewRequest
from xinfang.deadlines.models import Step
from xinfang.orgs.models import Unit, UnitKind
from xinfang.reporting.periods import Period, parse_period

# 一次性化解率: a closed case counts as resolved at the first attempt when no repeat petition, no 复查
# request and no 不满意 rating follows within this many days of closing (our own definition).
ONE_TIME_WINDOW_DAYS = 90


class Side:
    BUREAU = "bureau"  # 信访部门
    HANDLER = "handler"  # 责任单位

    choices = ((BUREAU, _("信访部门")), (HANDLER, _("责任单位")))


KPI_CODES = ("timely_accept", "on_time", "participation", "satisfaction", "repeat", "online", "one_time")

KPI_NAMES = {
    "timely_accept": _("及时受理率"),
    "on_time": _("按期办结率（按期答复率）"),
    "participation": _("参评率"),
    "satisfaction": _("满意率"),
    "repeat": _("重复信访率"),
    "online": _("网信占比"),
    "one_time": _("一次性化解率"),
}

KPI_DEFINITIONS = {
    "timely_accept": _("期限（登记交转或受理告知）落在本期的件中，按期完成的比例。"),
    "on_time": _("办理期限落在本期的件中，在期限内办结（答复）的比例。"),
    "participation": _("本期办结的件中，信访人已作评价的比例。"),
    "satisfaction": _("本期作出的初次办理评价中，满意与基本满意的比例。"),
    "repeat": _("本期登记的件中，重复信访件的比例。"),
    "online": _("本期登记的件中，网信渠道（信访形式属于网信）的比例。"),
    "one_time": _("本期办结的初次信访件中，办结后%(days)s天内无重复信访、无复查申请、无不满意评价的比例。")
    % {"days": ONE_TIME_WINDOW_DAYS},
}


@dataclass(frozen=True)
class KpiScope:
    """Whose KPI: a unit (with or without its subtree), a period, a side and optionally a channel."""

    unit: Unit
    period: Period
    side: str = Side.BUREAU
    subtree: bool = True
    channel_id: int | None = None

    def unit_ids(self) -> QuerySet:
        if self.subtree:
            return Unit.objects.filter(path__startswith=self.unit.path).values("pk")
        return Unit.objects.filter(pk=self.unit.pk).values("pk")


@dataclass(frozen=True)
class KpiResult:
    code: str
    numerator: int
    denominator: int
    cohort: Q
    hit: Q

    @property
    def name(self) -> str:
        return str(KPI_NAMES[self.code])

    @property
    def definition(self) -> str:
        return str(KPI_DEFINITIONS[self.code])

    @property
    def rate(self) -> float | None:
        """numerator / denominator, or None when nothing is due (shown as "—")."""
        if not self.denominator:
            return None
        return self.numerator / self.denominator

    @property
    def percent(self) -> str:
        """The rate as shown: "66.7%", or "—" when the denominator is 0."""
        rate = self.rate
        return "—" if rate is None else f"{rate * 100:.1f}%"

    def denominator_cases(self) -> QuerySet[Case]:
        return Case.objects.filter(self.cohort)

    def numerator_cases(self) -> QuerySet[Case]:
        return Case.objects.filter(self.cohort & self.hit)


def month(year: int, number: int) -> Period:
    return parse_period(f"{year}-{number:02d}")


def quarter(year: int, number: int) -> Period:
    return parse_period(f"{year}-Q{number}")


def year(number: int) -> Period:
    return parse_period(str(number))


def _day_range(period: Period) -> tuple[datetime.date, datetime.date]:
    return (period.start, period.end)


def _moment_range(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    """[first day 00:00, day after the last 00:00) in local time: a plain range on the column, so the
    (unit, time) indexes serve it (a `__date` lookup wraps the column in a function and cannot)."""
    from django.utils import timezone

    start = datetime.datetime.combine(period.start, datetime.time.min)
    end = datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(start), timezone.make_aware(end)


def _during(field: str, period: Period) -> Q:
    start, end = _moment_range(period)
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _attributed(scope: KpiScope) -> Q:
    """Case-level attribution: the registering unit for the 信访部门, the 受理单位 for 责任单位."""
    field = "registering_unit_id__in" if scope.side == Side.BUREAU else "handling_unit_id__in"
    q = Q(**{field: scope.unit_ids()})
    if scope.channel_id is not None:
        q &= Q(channel_id=scope.channel_id)
    return q


def _channel(scope: KpiScope) -> Q:
    return Q(channel_id=scope.channel_id) if scope.channel_id is not None else Q()


def _deadlines(scope: KpiScope, steps: tuple[str, ...]) -> QuerySet[CaseDeadline]:
    kind = Q(unit__kind=UnitKind.PETITION_BUREAU)
    return CaseDeadline.objects.filter(
        Q(
            case=OuterRef("pk"),
            step__in=steps,
            unit_id__in=scope.unit_ids(),
            due_on__range=_day_range(scope.period),
        )
        & (kind if scope.side == Side.BUREAU else ~kind)
    )


def _deadline_kpi(scope: KpiScope, steps: tuple[str, ...]) -> tuple[Q, Q]:
    """Cohort: a clock of the side's units falls due in the period; hit: every such clock met in time."""
    due = _deadlines(scope, steps)
    missed = due.exclude(met_at__isnull=False, met_at__date__lte=F("due_on"))
    return Exists(due) & _channel(scope), ~Exists(missed)


def _evaluation_side(scope: KpiScope) -> str:
    return EvaluationTarget.BUREAU if scope.side == Side.BUREAU else EvaluationTarget.HANDLER


def _q_closed_in(scope: KpiScope) -> Q:
    return _during("closed_at", scope.period)


REGISTERED_HITS = {"repeat": Q(is_repeat=True), "online": Q(channel__is_online=True)}
FIRST_TIME = Q(is_repeat=False)


def _rated(scope: KpiScope) -> Exists:
    return Exists(Evaluation.objects.filter(case=OuterRef("pk"), target=_evaluation_side(scope)))


def _resolved_at_once() -> Q:
    """一次性化解: no repeat within the window after closing, no 复查 request, no 不满意 rating."""
    window = datetime.timedelta(days=ONE_TIME_WINDOW_DAYS)
    later_repeat = Case.objects.filter(
        repeat_of=OuterRef("pk"), registered_at__lte=OuterRef("closed_at") + window
    )
    review = ReviewRequest.objects.filter(case=OuterRef("pk"))
    unhappy = Evaluation.objects.filter(case=OuterRef("pk"), level=EvaluationLevel.UNSATISFIED)
    return ~Exists(later_repeat) & ~Exists(review) & ~Exists(unhappy)


def kpi_q(code: str, scope: KpiScope) -> tuple[Q, Q]:
    """(cohort, hit) of one KPI as Case filters."""
    if code == "timely_accept":
        # 信访部门: 登记交转 (T1, 15 days, the source's djsj + 15); 责任单位: 受理告知 (T3) of a case sent
        # to it, or 直接收件告知 (T2) of one it received itself.
        if scope.side == Side.BUREAU:
            return _deadline_kpi(scope, (Step.DISPOSE,))
        return _deadline_kpi(scope, (Step.ACCEPT, Step.NOTIFY_DIRECT))
    if code == "on_time":
        return _deadline_kpi(scope, (Step.HANDLE,))
    if code == "participation":
        return _attributed(scope) & _q_closed_in(scope), _rated(scope)
    if code == "satisfaction":
        ratings = Evaluation.objects.filter(
            case=OuterRef("pk"),
            target=_evaluation_side(scope),
            stage=OpinionStage.HANDLE,
            unit_id__in=scope.unit_ids(),
        ).filter(_during("recorded_at", scope.period))
        good = ratings.filter(level__in=(EvaluationLevel.SATISFIED, EvaluationLevel.FAIRLY))
        return Exists(ratings) & _channel(scope), Exists(good)
    if code in ("repeat", "online"):
        return _attributed(scope) & _during("registered_at", scope.period), REGISTERED_HITS[code]
    if code == "one_time":
        return _attributed(scope) & _q_closed_in(scope) & FIRST_TIME, _resolved_at_once()
    raise ValueError(code)


def kpi(code: str, scope: KpiScope) -> KpiResult:
    """One KPI in one query: COUNT over the cohort, and COUNT … FILTER (hit)."""
    cohort, hit = kpi_q(code, scope)
    with _analytic_queries():
        counts = Case.objects.filter(cohort).aggregate(den=Count("pk"), num=Count("pk", filter=hit))
    return KpiResult(code=code, numerator=counts["num"], denominator=counts["den"], cohort=cohort, hit=hit)


def kpi_drilldown(user, scope: KpiScope, code: str, part: str) -> tuple[KpiResult, QuerySet[Case]]:
    """The cases behind one KPI figure (`part` "num" or "den") that the user may see, newest first."""
    from xinfang.cases.access import cases_visible_to

    result = kpi(code, scope)
    cases = result.numerator_cases() if part == "num" else result.denominator_cases()
    return result, cases_visible_to(user, cases).select_related("channel").order_by("-id")


def kpis(scope: KpiScope) -> list[KpiResult]:
    """All seven KPIs of a scope, in the order of domain.md §9."""
    return [kpi(code, scope) for code in KPI_CODES]


# --- Who may look, and reading a scope from request parameters (page and API alike) -------------


class KpiScopeError(ValueError):
    """A parameter that does not make a scope; the message is shown to the user."""


def kpi_scope_for(user, *, default_unit: Unit | None, params) -> KpiScope:
    """Read unit, period, side, channel and subtree; a unit the user may not see raises Http404.

    A 信访部门 seat sees its subtree (so the city sees every county), a 责任单位 seat only itself.
    """
    from django.http import Http404

    from xinfang.orgs.access import sees_everything, visible_unit_ids

    raw_unit = (params.get("unit") or "").strip()
    if raw_unit:
        if not raw_unit.isdigit():
            raise Http404
        unit = Unit.objects.filter(pk=int(raw_unit)).first()
    else:
        unit = default_unit
    if unit is None or not (sees_everything(user) or unit.pk in visible_unit_ids(user)):
        raise Http404
    raw_period = (params.get("period") or "").strip()
    if raw_period:
        try:
            period = parse_period(raw_period)
        except Exception as error:
            raise KpiScopeError(
                str(_("统计期应写成月份（如 2026-03）、季度（如 2026-Q1）或年份（如 2026）。"))
            ) from error
    else:
        period = current_quarter()
    side = params.get("side") or Side.BUREAU
    if side not in (Side.BUREAU, Side.HANDLER):
        raise KpiScopeError(str(_("统计对象只能是信访部门或责任单位。")))
    channel_id = None
    raw_channel = (params.get("channel") or "").strip()
    if raw_channel:
        from xinfang.reference.models import Channel

        channel = Channel.objects.filter(code=raw_channel).first()
        if channel is None:
            raise KpiScopeError(str(_("没有这种信访形式。")))
        channel_id = channel.pk
    subtree = params.get("subtree", "1") != "0"
    return KpiScope(unit=unit, period=period, side=side, subtree=subtree, channel_id=channel_id)


def current_quarter() -> Period:
    from django.utils import timezone

    today = timezone.localdate()
    return quarter(today.year, (today.month - 1) // 3 + 1)


def scope_params(scope: KpiScope) -> dict[str, str]:
    """The query parameters that reproduce a scope (for links from a number to its cases)."""
    params = {
        "unit": str(scope.unit.pk),
        "period": scope.period.code,
        "side": scope.side,
        "subtree": "1" if scope.subtree else "0",
    }
    if scope.channel_id is not None:
        from xinfang.reference.models import Channel

        params["channel"] = Channel.objects.get(pk=scope.channel_id).code
    return params


# --- The page: the scope's own KPIs and its per-unit table from the same grouped queries ----------


@dataclass(frozen=True)
class ChildCount:
    """A KPI of one child unit in the per-unit table (rate and percent as in KpiResult)."""

    code: str
    numerator: int
    denominator: int

    rate = KpiResult.rate
    percent = KpiResult.percent


@dataclass(frozen=True)
class KpiTable:
    """The page's numbers: the scope's own seven KPIs and, with its subtree, each active child's."""

    own: list[KpiResult]
    children: list[tuple[Unit, list[ChildCount]]]


CLOCK_CODES = ("timely_accept", "on_time")
PER_CASE_CODES = (*CLOCK_CODES, "satisfaction")  # several rows per case: counted by case id


class _Tally:
    """One KPI's rows grouped by the unit they are attributed to; `count(units)` adds up any group.

    A case-attributed KPI belongs to one unit per case, so its counts simply add up. Clocks and ratings
    belong to their own unit, and a case counts once however many of them fall in a group: for clocks
    the case is a hit when none of them is missed, for ratings when one of them is good (as `kpi_q`).
    """

    def __init__(self, code: str):
        self.code = code
        self.sums: dict[int, list[int]] = {}  # unit → [numerator, denominator]
        self.cases: dict[int, set[int]] = {}  # unit → case ids in the cohort
        self.flagged: dict[int, set[int]] = {}  # unit → case ids with a missed clock / a good rating

    def add_counts(self, unit_id: int, numerator: int, denominator: int) -> None:
        counts = self.sums.setdefault(unit_id, [0, 0])
        counts[0] += numerator
        counts[1] += denominator

    def add_case(self, unit_id: int, case_id: int, flag: bool) -> None:
        self.cases.setdefault(unit_id, set()).add(case_id)
        if flag:
            self.flagged.setdefault(unit_id, set()).add(case_id)

    def count(self, unit_ids) -> tuple[int, int]:
        if self.code not in PER_CASE_CODES:
            pairs = [self.sums[u] for u in unit_ids if u in self.sums]
            return sum(p[0] for p in pairs), sum(p[1] for p in pairs)
        cohort: set[int] = set().union(*(self.cases.get(u, ()) for u in unit_ids))
        flagged: set[int] = set().union(*(self.flagged.get(u, ()) for u in unit_ids))
        hits = cohort - flagged if self.code in CLOCK_CODES else flagged
        return len(hits), len(cohort)


def kpi_table(scope: KpiScope) -> KpiTable:
    """The scope's own KPIs and its children's, in five grouped queries whatever the number of units.

    Rows are grouped by the unit they are attributed to; the own row adds up every unit of the scope
    (the unit itself and its whole subtree), a child's row the units whose path starts with the
    child's. Equal to `kpis()` and to `kpis()` of each child on its own (tested).
    """
    paths = dict(Unit.objects.filter(pk__in=scope.unit_ids()).values_list("pk", "path"))
    children = (
        list(Unit.objects.filter(parent=scope.unit, is_active=True).order_by("path")) if scope.subtree else []
    )
    tallies = _tallies(scope)
    own = []
    for code in KPI_CODES:
        numerator, denominator = tallies[code].count(paths)
        cohort, hit = kpi_q(code, scope)
        own.append(KpiResult(code, numerator, denominator, cohort, hit))
    table = []
    for child in children:
        units = [pk for pk, path in paths.items() if path.startswith(child.path)]
        table.append((child, [ChildCount(code, *tallies[code].count(units)) for code in KPI_CODES]))
    return KpiTable(own=own, children=table)


def kpis_by_child(scope: KpiScope) -> list[tuple[Unit, list[ChildCount]]]:
    """The seven KPIs of each active child of `scope.unit` (the child with its subtree)."""
    return kpi_table(replace(scope, subtree=True)).children


def kpi_table_cached(scope: KpiScope) -> KpiTable:
    """`kpi_table`, kept for settings.KPI_CACHE_SECONDS once the period is over (docs/kpis.md, "Performance").

    A finished period's numbers still move a little (late ratings, the 90-day window of 一次性化解率,
    extended clocks, imported history): they show up at most KPI_CACHE_SECONDS later. The current
    period is never cached. The key holds everything that makes the scope.
    """
    from django.conf import settings
    from django.core.cache import cache
    from django.utils import timezone

    seconds = settings.KPI_CACHE_SECONDS
    if not seconds or scope.period.end >= timezone.localdate():
        return kpi_table(scope)
    key = ":".join(
        (
            "kpis",
            "v1",
            str(scope.unit.pk),
            scope.period.code,
            scope.side,
            str(int(scope.subtree)),
            str(scope.channel_id),
        )
    )
    stored = cache.get(key)
    if stored is not None:
        return _table_from(scope, stored)
    table = kpi_table(scope)
    own = [(r.numerator, r.denominator) for r in table.own]
    children = [
        (child.pk, [(c.numerator, c.denominator) for c in counts]) for child, counts in table.children
    ]
    cache.set(key, {"own": own, "children": children}, seconds)
    return table


def _table_from(scope: KpiScope, stored: dict) -> KpiTable:
    own = [
        KpiResult(code, num, den, *kpi_q(code, scope))
        for code, (num, den) in zip(KPI_CODES, stored["own"], strict=True)
    ]
    units = Unit.objects.in_bulk([pk for pk, _counts in stored["children"]])
    children = [
        (units[pk], [ChildCount(code, num, den) for code, (num, den) in zip(KPI_CODES, counts, strict=True)])
        for pk, counts in stored["children"]
        if pk in units
    ]
    return KpiTable(own=own, children=children)


@contextmanager
def _analytic_queries():
    """PostgreSQL JIT-compiles any query whose estimated cost passes jit_above_cost; these counts over
    ~80,000 cases of a quarter spent 0.6 s compiling and 0.2 s running at 1,000,000 cases (EXPLAIN
    ANALYZE, docs/kpis.md), so JIT is off for them (SET LOCAL: this transaction only)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def _tallies(scope: KpiScope) -> dict[str, _Tally]:
    tallies = {code: _Tally(code) for code in KPI_CODES}
    with _analytic_queries():
        for code in PER_CASE_CODES:
            for unit_id, case_id, flag in _case_rows(code, scope):
                tallies[code].add_case(unit_id, case_id, flag)
        for unit_id, den, repeats, online in _registered_counts(scope):
            tallies["repeat"].add_counts(unit_id, repeats, den)
            tallies["online"].add_counts(unit_id, online, den)
        for unit_id, den, rated, first_den, first_num in _closed_counts(scope):
            tallies["participation"].add_counts(unit_id, rated, den)
            tallies["one_time"].add_counts(unit_id, first_num, first_den)
    return tallies


def _attributed_field(scope: KpiScope) -> str:
    return "registering_unit_id" if scope.side == Side.BUREAU else "handling_unit_id"


def _registered_counts(scope: KpiScope):
    """Per unit: cases registered in the period, the repeats and the online ones (one pass)."""
    cohort, _hit = kpi_q("repeat", scope)
    field = _attributed_field(scope)
    return (
        Case.objects.filter(cohort)
        .order_by()
        .values(field)
        .annotate(
            den=Count("pk"),
            repeats=Count("pk", filter=REGISTERED_HITS["repeat"]),
            online=Count("pk", filter=REGISTERED_HITS["online"]),
        )
        .values_list(field, "den", "repeats", "online")
    )


def _closed_counts(scope: KpiScope):
    """Per unit: cases closed in the period and the rated ones (参评率); of them the first-time ones
    and those resolved at once (一次性化解率) — one pass over the closed cases."""
    cohort, rated = kpi_q("participation", scope)
    _first_cohort, resolved = kpi_q("one_time", scope)
    field = _attributed_field(scope)
    return (
        Case.objects.filter(cohort)
        .order_by()
        .values(field)
        .annotate(
            den=Count("pk"),
            rated=Count("pk", filter=rated),
            first_den=Count("pk", filter=FIRST_TIME),
            first_num=Count("pk", filter=FIRST_TIME & resolved),
        )
        .values_list(field, "den", "rated", "first_den", "first_num")
    )


def _case_rows(code: str, scope: KpiScope):
    """(unit, case, missed) per clock falling due, or (unit, case, good) per rating recorded."""
    if code in CLOCK_CODES:
        if code == "on_time":
            steps: tuple[str, ...] = (Step.HANDLE,)
        elif scope.side == Side.BUREAU:
            steps = (Step.DISPOSE,)
        else:
            steps = (Step.ACCEPT, Step.NOTIFY_DIRECT)
        kind = Q(unit__kind=UnitKind.PETITION_BUREAU)
        clocks = CaseDeadline.objects.filter(
            Q(step__in=steps, unit_id__in=scope.unit_ids(), due_on__range=_day_range(scope.period))
            & (kind if scope.side == Side.BUREAU else ~kind)
            & _channel_of_case(scope)
        )
        met = Q(met_at__isnull=False, met_at__date__lte=F("due_on"))
        return [
            (unit_id, case_id, not ok)
            for unit_id, case_id, ok in clocks.annotate(
                ok=ExpressionWrapper(met, output_field=BooleanField())
            ).values_list("unit_id", "case_id", "ok")
        ]
    ratings = Evaluation.objects.filter(
        Q(target=_evaluation_side(scope), stage=OpinionStage.HANDLE, unit_id__in=scope.unit_ids())
        & _during("recorded_at", scope.period)
        & _channel_of_case(scope)
    )
    good = (EvaluationLevel.SATISFIED, EvaluationLevel.FAIRLY)
    return [(u, c, level in good) for u, c, level in ratings.values_list("unit_id", "case_id", "level")]


def _channel_of_case(scope: KpiScope) -> Q:
    return Q(case__channel_id=scope.channel_id) if scope.channel_id is not None else Q()


def kpi_rows(scope: KpiScope) -> list[dict]:
    """The seven KPIs of the scope with links to /reports/kpis/cases/ (the dashboard's cards and the API)."""
    base = scope_params(scope)
    rows = []
    # The KPI page's grouped table (five queries, finished periods cached), not seven separate counts.
    for result in kpi_table_cached(scope).own:
        link = {**base, "kpi": result.code}
        rows.append(
            {
                "code": result.code,
                "name": result.name,
                "definition": result.definition,
                "numerator": result.numerator,
                "denominator": result.denominator,
                "rate": result.rate,
                "percent": result.percent,
                "numerator_cases": reverse("reporting:kpi-cases") + "?" + urlencode({**link, "part": "num"}),
                "denominator_cases": reverse("reporting:kpi-cases")
                + "?"
                + urlencode({**link, "part": "den"}),
            }
        )
    return rows
