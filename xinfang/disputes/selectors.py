"""Reads of the 排查调处 ledger: the filtered list in its order, the counts strip, the export rows."""

import datetime
import re
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from xinfang.disputes.access import contact_unit_ids, disputes_visible_to, ledger_unit_ids
from xinfang.disputes.choices import OPEN_STATUSES, DisputeStatus, RiskLevel
from xinfang.disputes.models import Dispute, DisputeParty
from xinfang.orgs.access import sees_everything
from xinfang.orgs.models import Unit

LIST_RELATED = ("unit", "responsible", "leader", "category")
PERIOD_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
OPEN = "open"  # the status filter "未办结" (every open status)


@dataclass(frozen=True)
class LedgerFilters:
    unit: int | None = None
    risk: str = ""
    status: str = ""
    period: str = ""  # "YYYY-MM": items whose screening period overlaps that month
    overdue_only: bool = False
    q: str = ""

    @classmethod
    def from_params(cls, params) -> "LedgerFilters":
        """Read filters from a query string; unknown values are dropped, never an error."""
        unit = params.get("unit") or ""
        risk = params.get("risk") or ""
        status = params.get("status") or ""
        period = (params.get("period") or "").strip()
        return cls(
            unit=int(unit) if str(unit).isdigit() else None,
            risk=risk if risk in RiskLevel.values else "",
            status=status if status in (*DisputeStatus.values, OPEN) else "",
            period=period if _month(period) else "",
            overdue_only=str(params.get("overdue") or "").lower() in ("1", "true", "on", "yes"),
            q=(params.get("q") or "").strip()[:60],
        )

    def as_query(self, **override) -> dict:
        values = {
            "unit": self.unit or "",
            "risk": self.risk,
            "status": self.status,
            "period": self.period,
            "overdue": "1" if self.overdue_only else "",
            "q": self.q,
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in ("", None)}


def _month(period: str) -> tuple[datetime.date, datetime.date] | None:
    match = PERIOD_RE.match(period or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 1990 <= year <= 2100):
        return None
    first = datetime.date(year, month, 1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return first, last


def _overdue_q(today: datetime.date) -> Q:
    return Q(is_open=True, due_on__lt=today)


def _scope(*, user, filters: LedgerFilters) -> QuerySet[Dispute]:
    """Visible items narrowed by unit (with its subtree), period and search — not by risk or status."""
    queryset = disputes_visible_to(user)
    if filters.unit:
        unit = Unit.objects.filter(pk=filters.unit).first()
        queryset = queryset.filter(unit__path__startswith=unit.path) if unit else queryset.none()
    month = _month(filters.period)
    if month:
        queryset = queryset.filter(period_start__lte=month[1], period_end__gte=month[0])
    if filters.q:
        text = filters.q
        queryset = queryset.filter(
            Q(number=text)
            | Q(title__icontains=text)
            | Q(address__icontains=text)
            | Q(pk__in=_named_parties(user, text).values("dispute_id"))
        )
    return queryset


def _named_parties(user, name: str) -> QuerySet[DisputeParty]:
    """Parties found by their exact name — only where the user may see parties in full: finding an item
    by a person's name would tell a leader, who reads the ledger masked, that the person is a party."""
    parties = DisputeParty.objects.filter(name=name)
    if sees_everything(user):
        return parties
    return parties.filter(dispute__unit_id__in=contact_unit_ids(user))


def dispute_list(*, user, filters: LedgerFilters, today: datetime.date | None = None) -> QuerySet[Dispute]:
    """The ledger in its order: open items first; among them high risk first, then overdue, then by deadline.

    The 信访局 reads the county's ledger to see what may blow up: a high-risk dispute outranks a
    late low-risk one; among equals the one past its deadline comes first, then the nearest deadline.
    """
    today = today or timezone.localdate()
    queryset = _scope(user=user, filters=filters)
    if filters.risk:
        queryset = queryset.filter(risk_level=filters.risk)
    if filters.status == OPEN:
        queryset = queryset.filter(is_open=True)
    elif filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.overdue_only:
        queryset = queryset.filter(_overdue_q(today))
    return (
        queryset.annotate(
            high_first=Case(
                When(risk_level=RiskLevel.HIGH, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            overdue_first=Case(
                When(_overdue_q(today), then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            risk_rank=Case(
                When(risk_level=RiskLevel.HIGH, then=Value(0)),
                When(risk_level=RiskLevel.MEDIUM, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        .select_related(*LIST_RELATED)
        .order_by("-is_open", "high_first", "overdue_first", "due_on", "risk_rank", "id")
    )


def ledger_counts(*, user, filters: LedgerFilters, today: datetime.date | None = None) -> dict[str, int]:
    """The strip at the top: counts by risk and status (and overdue), in one aggregate query."""
    today = today or timezone.localdate()
    aggregates = {"total": Count("id"), "overdue": Count("id", filter=_overdue_q(today))}
    aggregates["open"] = Count("id", filter=Q(status__in=OPEN_STATUSES))
    aggregates["awaiting_ack"] = Count(
        "id", filter=Q(reported_at__isnull=False, acknowledged_at__isnull=True)
    )
    for level in RiskLevel.values:
        aggregates[f"risk_{level}"] = Count("id", filter=Q(risk_level=level, is_open=True))
    for status in DisputeStatus.values:
        aggregates[f"status_{status}"] = Count("id", filter=Q(status=status))
    scope = _scope(user=user, filters=filters)
    return Dispute.objects.filter(pk__in=scope.values("pk")).aggregate(**aggregates)


def filter_units(user) -> list[Unit]:
    """Units the user may pick in the unit filter: the ones whose ledger they read."""
    units = Unit.objects.all() if sees_everything(user) else Unit.objects.filter(pk__in=ledger_unit_ids(user))
    return list(units.order_by("path", "sort_order"))


def dispute_detail_records(dispute: Dispute) -> dict:
    return {
        "parties": list(dispute.parties.all()),
        "measures": list(dispute.measures.select_related("recorded_by", "unit")),
        "events": list(dispute.events.select_related("actor", "unit")),
        "case_links": list(dispute.case_links.select_related("case", "case__owner_unit", "linked_by")),
    }
