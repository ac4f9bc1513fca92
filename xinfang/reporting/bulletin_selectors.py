"""Reads of the 季度通报 (issue 6 §5): the numbers a bulletin is generated from, who may see or change
which bulletin (one gate, 404 alike for missing and forbidden), and who is told when it is published.

The numbers are taken per child unit of the bureau (its 镇乡/街道 and 部门), each with its subtree,
the way `kpis_by_child` rolls the KPIs up. They are stored in the bulletin as its snapshot (JSON), so
the text of a published bulletin never changes; nothing in it names a petitioner, only units.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases.models import Case, CaseDeadline
from xinfang.deadlines.models import Step
from xinfang.orgs.access import roles_in, seats_of, sees_everything
from xinfang.orgs.models import Membership, Role, Unit
from xinfang.reporting.choices import INFORMATION_KINDS, BulletinStatus, SubmissionKind
from xinfang.reporting.kpis import KPI_CODES, KpiScope, Side, kpis_by_child
from xinfang.reporting.models import Bulletin
from xinfang.reporting.periods import Period
from xinfang.reporting.submission_selectors import LEVEL_ORDER, submission_counts

SNAPSHOT_VERSION = 1
# Who writes a bulletin (起草、修改、重新生成) and who signs it off (审核、发布) in the bureau.
EDITOR_ROLES = frozenset({Role.SUPERVISOR, Role.UNIT_HEAD, Role.LEADER})
APPROVER_ROLES = frozenset({Role.UNIT_HEAD, Role.LEADER})
# The clocks a unit owes (登记交转 of a lower 信访局, 告知, 受理, 办理, 复查/复核意见, 督办回复): a case with one of them
# falling due in the period and not met by its due date is one 超期件 of that unit.
UNIT_DUTY_STEPS = (
    Step.DISPOSE,
    Step.NOTIFY_DIRECT,
    Step.ACCEPT,
    Step.HANDLE,
    Step.RECHECK_OPINION,
    Step.REREVIEW_OPINION,
    Step.SUPERVISION_REPLY,
)


# --- The numbers --------------------------------------------------------------------------------------


def bulletin_units(bureau: Unit) -> list[Unit]:
    """The units a bulletin is about: the bureau's active children, 镇乡/街道 before 部门."""
    children = Unit.objects.filter(parent=bureau, is_active=True)
    return sorted(children, key=lambda u: (LEVEL_ORDER.get(u.level, 9), u.sort_order, u.path))


def _owners(bureau: Unit, units: list[Unit]) -> dict[int, int]:
    """Every unit below the bureau → the child whose subtree it is in."""
    owner: dict[int, int] = {}
    paths = Unit.objects.filter(path__startswith=bureau.path).exclude(pk=bureau.pk).values_list("pk", "path")
    for unit_id, path in paths:
        for child in units:
            if path.startswith(child.path):
                owner[unit_id] = child.pk
    return owner


def _moments(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(period.start, datetime.time.min)
    end = datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(start), timezone.make_aware(end)


def _registrations(owner: dict[int, int], period: Period) -> dict[int, int]:
    """Cases each child (with its subtree) registered in the system itself during the period."""
    start, end = _moments(period)
    rows = (
        Case.objects.filter(
            registering_unit_id__in=list(owner), registered_at__gte=start, registered_at__lt=end
        )
        .order_by()
        .values("registering_unit_id")
        .annotate(n=Count("pk"))
    )
    found: dict[int, int] = {}
    for row in rows:
        child = owner[row["registering_unit_id"]]
        found[child] = found.get(child, 0) + row["n"]
    return found


def _overdue(owner: dict[int, int], period: Period) -> dict[int, int]:
    """Distinct cases per child with a duty clock due in the period and not met by its due date."""
    missed = (
        CaseDeadline.objects.filter(
            unit_id__in=list(owner), step__in=UNIT_DUTY_STEPS, due_on__range=(period.start, period.end)
        )
        .exclude(met_at__isnull=False, met_at__date__lte=F("due_on"))
        .order_by()
        .values_list("unit_id", "case_id")
        .distinct()
    )
    cases: dict[int, set[int]] = {}
    for unit_id, case_id in missed:
        cases.setdefault(owner[unit_id], set()).add(case_id)
    return {child: len(found) for child, found in cases.items()}


def _reports(owner: dict[int, int], period: Period) -> dict[int, dict[str, int]]:
    """工作简报 and 信访信息 first sent in the period, and items adopted in it, per child."""
    found: dict[int, dict[str, int]] = {}
    for unit_id, counts in submission_counts(list(owner), period.start, period.end).items():
        row = found.setdefault(owner[unit_id], {"briefs": 0, "information": 0, "adopted": 0})
        row["briefs"] += counts.submitted_by_kind.get(SubmissionKind.BULLETIN, 0)
        row["information"] += sum(counts.submitted_by_kind.get(kind, 0) for kind in INFORMATION_KINDS)
        row["adopted"] += counts.adopted
    return found


def _side(unit: Unit) -> str:
    """A lower 信访局 (a county in the city's bulletin) on the 信访部门 side, every other unit as 责任单位,
    as the assessment scores them."""
    return Side.BUREAU if unit.is_bureau else Side.HANDLER


def _kpis(bureau: Unit, units: list[Unit], period: Period) -> dict[int, dict[str, list[int]]]:
    """The seven KPIs of each child on its side: {code: [numerator, denominator]}."""
    by_side = {}
    for side in {_side(unit) for unit in units}:
        by_side[side] = {
            child.pk: {count.code: [count.numerator, count.denominator] for count in counts}
            for child, counts in kpis_by_child(KpiScope(unit=bureau, period=period, side=side))
        }
    return {unit.pk: by_side[_side(unit)].get(unit.pk) for unit in units}


def _decimal(value) -> str | None:
    return None if value is None else str(Decimal(value))


def score_rows(bureau: Unit, period: Period) -> list[dict] | None:
    """The assessment's ranking as plain data, or None when no scores were computed for the period."""
    from xinfang.assessment.selectors import assessment_ranking

    rows = assessment_ranking(bureau=bureau, period=period)
    if rows is None:
        return None
    return [score_row_data(row) for row in rows]


def scores_final(bureau: Unit, period: Period) -> bool:
    """Whether the assessment of the period was 定稿 (the ranking also shows results not yet final)."""
    from xinfang.assessment.selectors import rule_set_for

    rule_set = rule_set_for(bureau=bureau, period=period)
    return bool(rule_set is not None and rule_set.is_final)


def score_row_data(row) -> dict:
    """One `ScoreRow` of xinfang.assessment as JSON (points as decimal strings, so nothing is rounded)."""
    return {
        "unit_id": row.unit.pk,
        "unit": row.unit.name,
        "rank": row.rank,
        "total": _decimal(row.total),
        "kpi_points": _decimal(row.kpi_points),
        "deductions": _decimal(row.deductions),
        "adjustments": _decimal(row.adjustments),
        "items": [
            {
                "code": item.code,
                "label": str(item.label),
                "count": item.count,
                "rate": None if item.rate is None else round(float(item.rate), 4),
                "points": _decimal(item.points),
            }
            for item in row.items
        ],
    }


def bulletin_data(bureau: Unit, period: Period) -> dict:
    """The snapshot of a bulletin: every number it prints, per unit, as of now."""
    units = bulletin_units(bureau)
    owner = _owners(bureau, units)
    registered = _registrations(owner, period)
    overdue = _overdue(owner, period)
    reports = _reports(owner, period)
    kpis = _kpis(bureau, units, period)
    empty_reports = {"briefs": 0, "information": 0, "adopted": 0}
    return {
        "version": SNAPSHOT_VERSION,
        "generated_at": timezone.now().isoformat(),
        "bureau": {"id": bureau.pk, "name": bureau.name},
        "period": {
            "code": period.code,
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "units": [
            {
                "id": unit.pk,
                "name": unit.name,
                "level": unit.level,
                "registered": registered.get(unit.pk, 0),
                "overdue": overdue.get(unit.pk, 0),
                **reports.get(unit.pk, empty_reports),
                "kpis": kpis.get(unit.pk) or {code: [0, 0] for code in KPI_CODES},
            }
            for unit in units
        ],
        "scores": score_rows(bureau, period),
        "scores_final": scores_final(bureau, period),
    }


# --- Who may see and change a bulletin ------------------------------------------------------------------


def editing_bureaus(user) -> list[Unit]:
    """信访部门 for which the user may write bulletins."""
    return [seat.unit for seat in seats_of(user) if seat.unit.is_bureau and seat.roles & EDITOR_ROLES]


def can_edit(user, bulletin: Bulletin) -> bool:
    return bool(roles_in(user, bulletin.bureau) & EDITOR_ROLES)


def can_approve(user, bulletin: Bulletin) -> bool:
    return bool(roles_in(user, bulletin.bureau) & APPROVER_ROLES)


def _bureaus_above(user) -> set[int]:
    """Every unit above one of the user's units (a bulletin of one of them may be addressed to them)."""
    above: set[int] = set()
    for seat in seats_of(user):
        above.update(int(part) for part in seat.unit.path.strip("/").split("/")[:-1])
    return above


def bulletins_visible_to(user, queryset: QuerySet[Bulletin] | None = None) -> QuerySet[Bulletin]:
    """The bureau's own people see all its bulletins; its units only the published ones."""
    queryset = Bulletin.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if sees_everything(user):
        return queryset
    own = [seat.unit.pk for seat in seats_of(user)]
    published_above = Q(status=BulletinStatus.PUBLISHED, bureau_id__in=_bureaus_above(user))
    return queryset.filter(Q(bureau_id__in=own) | published_above)


def get_bulletin_for_user(user, pk) -> Bulletin:
    """The bulletin if the user may read it; Http404 alike for missing, unpublished and other bureaus'."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(_("通报不存在或无权查看。")) from None
    found = (
        bulletins_visible_to(user)
        .select_related("bureau", "created_by", "approved_by", "published_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404(_("通报不存在或无权查看。"))
    return found


def bulletin_list(user) -> QuerySet[Bulletin]:
    return bulletins_visible_to(user).select_related("bureau").order_by("-period_start", "-id")


def bulletin_events(bulletin: Bulletin):
    return bulletin.events.select_related("actor").order_by("created_at", "id")


def bulletin_recipients(bureau: Unit) -> list[int]:
    """Every active user of every active unit below the bureau (each once, whatever their roles)."""
    return list(
        Membership.objects.filter(
            unit__path__startswith=bureau.path, unit__is_active=True, user__is_active=True
        )
        .exclude(unit=bureau)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
