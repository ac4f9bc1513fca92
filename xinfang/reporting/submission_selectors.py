"""Reads of 信息报送: the lists (待审核, 本单位, 档案 with search), one item's history, and the counts
per unit and period that the 信访局's summary and the assessment (issue 6) use."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from xinfang.orgs.access import seats_of
from xinfang.orgs.models import Unit
from xinfang.reporting.choices import AdoptionLevel, SubmissionKind, SubmissionStatus, VersionOutcome
from xinfang.reporting.models import Submission, SubmissionVersion
from xinfang.reporting.periods import Period
from xinfang.reporting.submission_access import reviewing_units, submissions_visible_to

BOXES = ("review", "mine", "archive")
LEVEL_ORDER = {"county": 0, "township": 1, "department": 2}
HIGHER_LEVELS = (AdoptionLevel.CITY, AdoptionLevel.PROVINCE, AdoptionLevel.NATIONAL)
MAX_QUERY = 60


@dataclass(frozen=True)
class SearchFilters:
    text: str = ""
    unit_id: int | None = None
    kind: str = ""
    period: Period | None = None
    status: str = ""


def submission_list(*, user, box: str, filters: SearchFilters = SearchFilters()) -> QuerySet[Submission]:
    """One of the three lists, narrowed by the filters; always ordered (for `IdFirstPaginator`).

    * review  — 待审核: sent to a 信访局 where the user reviews, urgent first, then oldest first;
    * mine    — 本单位: the user's own units' items, drafts included, last changed first;
    * archive — 档案: everything sent that the user may read, newest 报送 first.
    """
    found = submissions_visible_to(user).select_related("unit", "to_unit", "author")
    if box == "review":
        found = found.filter(to_unit__in=reviewing_units(user), status=SubmissionStatus.SUBMITTED).order_by(
            "-is_urgent", "submitted_at", "id"
        )
    elif box == "mine":
        found = found.filter(unit_id__in=[seat.unit.pk for seat in seats_of(user)]).order_by(
            "-updated_at", "-id"
        )
    else:
        found = found.exclude(status=SubmissionStatus.DRAFT).order_by("-submitted_at", "-id")
    return _filtered(found, filters)


def _filtered(found: QuerySet[Submission], filters: SearchFilters) -> QuerySet[Submission]:
    text = (filters.text or "").strip()[:MAX_QUERY]
    if text:
        # Words of the title or text: a scan of what the user may see (a county sends a few
        # thousand items a year), like the mailbox's search.
        for word in text.split()[:5]:
            found = found.filter(Q(title__icontains=word) | Q(body__icontains=word))
    if filters.unit_id:
        found = found.filter(unit_id=filters.unit_id)
    if filters.kind in SubmissionKind.values:
        found = found.filter(kind=filters.kind)
    if filters.status in SubmissionStatus.values:
        found = found.filter(status=filters.status)
    if filters.period is not None:
        # Periods overlap: a quarter finds its months' items and the year's.
        found = found.filter(period_start__lte=filters.period.end, period_end__gte=filters.period.start)
    return found


def box_counts(user) -> dict[str, int]:
    """The tab badges: items awaiting my review, my units' drafts and returned items."""
    units = reviewing_units(user)
    own = [seat.unit.pk for seat in seats_of(user)]
    return {
        "review": Submission.objects.filter(to_unit__in=units, status=SubmissionStatus.SUBMITTED).count()
        if units
        else 0,
        "mine": Submission.objects.filter(
            unit_id__in=own, status__in=(SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)
        ).count()
        if own
        else 0,
    }


def filter_units(user) -> list[Unit]:
    """Units offered in the archive's unit filter: those whose items the user may read."""
    ids = set(submissions_visible_to(user).values_list("unit_id", flat=True).distinct())
    return list(Unit.objects.filter(pk__in=ids).order_by("path", "sort_order"))


def submission_versions(submission: Submission) -> list[SubmissionVersion]:
    """Every version as it was sent, newest first, with its files and the people named on it."""
    return list(
        submission.versions.select_related("submitted_by", "signer", "reviewed_by")
        .prefetch_related("attachments")
        .order_by("-number")
    )


def current_attachments(submission: Submission):
    return submission.attachments.filter(detached_at__isnull=True).order_by("uploaded_at", "id")


# --- Counts per unit and period -------------------------------------------------------------------------


@dataclass
class SubmissionCounts:
    """One unit's 信息报送 in a period.

    * submitted — items first sent in the period (sending a returned item again is not a new item);
    * adopted   — items adopted in the period, also by level and kind, with the sum of review scores;
    * returned  — items returned at least once in the period.
    """

    unit_id: int
    submitted: int = 0
    adopted: int = 0
    returned: int = 0
    submitted_by_kind: dict[str, int] = field(default_factory=dict)
    adopted_by_kind: dict[str, int] = field(default_factory=dict)
    adopted_by_level: dict[str, int] = field(default_factory=dict)
    score: int = 0

    @property
    def adoption_rate(self) -> float | None:
        return self.adopted / self.submitted if self.submitted else None

    @property
    def adopted_above_county(self) -> int:
        """Adopted at 市级 or higher (used by the city, the province or nationally)."""
        return sum(n for level, n in self.adopted_by_level.items() if level in HIGHER_LEVELS)


def _day_bounds(since: datetime.date, until: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[since 00:00, the day after until 00:00) in local time: both dates are included."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(since, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return start, end


def submission_counts(
    units: Iterable[Unit | int], since: datetime.date, until: datetime.date
) -> dict[int, SubmissionCounts]:
    """Counts per unit for the dates `since`..`until` (both included), by the date of each event.

    Every unit asked for gets a row (zeros when it sent nothing). Three grouped queries in all.
    """
    unit_ids = [u if isinstance(u, int) else u.pk for u in units]
    counts = {uid: SubmissionCounts(unit_id=uid) for uid in unit_ids}
    start, end = _day_bounds(since, until)
    sent = (
        Submission.objects.filter(
            unit_id__in=unit_ids, first_submitted_at__gte=start, first_submitted_at__lt=end
        )
        .values("unit_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in sent:
        row_counts = counts[row["unit_id"]]
        row_counts.submitted += row["n"]
        row_counts.submitted_by_kind[row["kind"]] = row["n"]
    decided = SubmissionVersion.objects.filter(
        submission__unit_id__in=unit_ids, reviewed_at__gte=start, reviewed_at__lt=end
    )
    adopted = (
        decided.filter(outcome=VersionOutcome.ADOPTED)
        .values("submission__unit_id", "kind", "adoption_level")
        .annotate(n=Count("submission_id", distinct=True), points=Sum("score"))
        .order_by()
    )
    for row in adopted:
        row_counts = counts[row["submission__unit_id"]]
        row_counts.adopted += row["n"]
        row_counts.score += row["points"] or 0
        row_counts.adopted_by_kind[row["kind"]] = row_counts.adopted_by_kind.get(row["kind"], 0) + row["n"]
        level = row["adoption_level"]
        row_counts.adopted_by_level[level] = row_counts.adopted_by_level.get(level, 0) + row["n"]
    returned = (
        decided.filter(outcome=VersionOutcome.RETURNED)
        .values("submission__unit_id")
        .annotate(n=Count("submission_id", distinct=True))
        .order_by()
    )
    for row in returned:
        counts[row["submission__unit_id"]].returned = row["n"]
    return counts


def reporting_units(bureau: Unit) -> list[Unit]:
    """The units whose items go to this 信访部门: every active unit below it whose nearest 信访部门
    above is this one (a lower 信访部门 itself included, its own subtree not)."""
    below = list(
        Unit.objects.filter(path__startswith=bureau.path, is_active=True)
        .exclude(pk=bureau.pk)
        .order_by("path")
    )
    bureaus = {u.pk for u in below if u.is_bureau} | {bureau.pk}
    found = []
    for unit in below:
        ancestors = [int(part) for part in unit.path.strip("/").split("/")[:-1]]
        nearest = next((pk for pk in reversed(ancestors) if pk in bureaus), None)
        if nearest == bureau.pk:
            found.append(unit)
    return sorted(found, key=lambda u: (not u.is_bureau, LEVEL_ORDER.get(u.level, 9), u.sort_order, u.name))


@dataclass(frozen=True)
class SummaryRow:
    unit: Unit
    counts: SubmissionCounts


def submission_summary(*, bureau: Unit, since: datetime.date, until: datetime.date) -> list[SummaryRow]:
    """The 信访局's table: one row per reporting unit with its counts in the period."""
    units = reporting_units(bureau)
    counts = submission_counts(units, since, until)
    return [SummaryRow(unit=unit, counts=counts[unit.pk]) for unit in units]


def submission_copy(*, user, pk, version: str = ""):
    """The copy to print or download: version `version` (its number), else the latest sent; an unsent
    draft prints its working text. Http404 for a submission the user may not see or a version not there."""
    from django.http import Http404
    from django.utils.translation import gettext as _

    from xinfang.reporting.submission_access import get_submission_for_user
    from xinfang.reporting.submission_print import print_copy

    submission = get_submission_for_user(user, pk)
    versions = submission.versions.prefetch_related("attachments").select_related("signer", "submitted_by")
    if version:
        chosen = versions.filter(number=int(version) if version.isdigit() else -1).first()
        if chosen is None:
            raise Http404(_("没有这一版本。"))
    else:
        chosen = versions.order_by("-number").first()
    return print_copy(submission, chosen)
