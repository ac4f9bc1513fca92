"""Reads of 催办, 督办 and 抽查回访: the lists, the case page's section, callback results per unit."""

import datetime
from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, When
from django.db.models import Case as Switch
from django.utils import timezone

from xinfang.cases.choices import EvaluationLevel
from xinfang.cases.models import Evaluation
from xinfang.orgs.models import Unit
from xinfang.supervision.access import (
    callbacks_visible_to,
    draws_visible_to,
    replying_units,
    supervising_unit_for,
    supervisions_visible_to,
)
from xinfang.supervision.choices import ACTIVE_STATUSES, CallbackStatus, SupervisionStatus
from xinfang.supervision.models import Callback, CallbackDraw, Supervision, Urge

SS = SupervisionStatus
TABS = ("active", "to_reply", "listed", "closed")
LIST_RELATED = ("case", "unit", "target_unit", "letter")


def _overdue_first(queryset: QuerySet[Supervision], today: datetime.date) -> QuerySet[Supervision]:
    overdue = Switch(
        When(status=SS.OPEN, due_on__lt=today, then=True), default=False, output_field=BooleanField()
    )
    return queryset.annotate(overdue=ExpressionWrapper(overdue, output_field=BooleanField())).order_by(
        "-overdue", "due_on", "id"
    )


def supervision_list(
    *,
    user,
    tab: str = "active",
    target_unit_id: int | None = None,
    status: str = "",
    today: datetime.date | None = None,
) -> QuerySet[Supervision]:
    """One tab of /supervision/: active (overdue first), to reply (my units'), 挂牌督办, closed."""
    today = today or timezone.localdate()
    found = supervisions_visible_to(user, Supervision.objects.select_related(*LIST_RELATED))
    if tab == "to_reply":
        found = found.filter(target_unit__in=replying_units(user), status=SS.OPEN)
    elif tab == "listed":
        found = found.filter(is_listed=True, status__in=ACTIVE_STATUSES)
    elif tab == "closed":
        found = found.filter(status=SS.CLOSED)
    else:
        found = found.filter(status__in=ACTIVE_STATUSES)
    if target_unit_id:
        found = found.filter(target_unit_id=target_unit_id)
    if status in SS.values:
        found = found.filter(status=status)
    if tab == "closed":
        return found.order_by("-closed_at", "-id")
    return _overdue_first(found, today)


@dataclass(frozen=True)
class Counts:
    active: int
    overdue: int
    to_reply: int
    listed: int
    closed: int


def supervision_counts(*, user, today: datetime.date | None = None) -> Counts:
    today = today or timezone.localdate()
    visible = supervisions_visible_to(user)
    numbers = visible.aggregate(
        active=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
        overdue=Count("pk", filter=Q(status=SS.OPEN, due_on__lt=today)),
        listed=Count("pk", filter=Q(status__in=ACTIVE_STATUSES, is_listed=True)),
        closed=Count("pk", filter=Q(status=SS.CLOSED)),
    )
    to_reply = visible.filter(target_unit__in=replying_units(user), status=SS.OPEN).count()
    return Counts(to_reply=to_reply, **numbers)


def unit_choices(*, user) -> list[Unit]:
    """Units to filter the list by: the supervised units among the visible supervisions."""
    ids = supervisions_visible_to(user).values("target_unit")
    return list(Unit.objects.filter(pk__in=ids).order_by("path"))


def supervision_history(supervision: Supervision) -> list:
    return list(supervision.events.select_related("actor", "unit"))


def supervision_replies(supervision: Supervision) -> list:
    return list(supervision.replies.select_related("unit", "submitted_by").prefetch_related("attachments"))


def unsatisfied_evaluation(case) -> Evaluation | None:
    """The case's latest 不满意 evaluation that no supervision was opened from yet ("发起督办" offer)."""
    return (
        Evaluation.objects.filter(case=case, level=EvaluationLevel.UNSATISFIED, supervisions__isnull=True)
        .select_related("unit")
        .order_by("-id")
        .first()
    )


def case_supervision_panel(user, case) -> dict:
    """What the case page's 督办 section shows this user: urges, supervisions, and what they may start."""
    urges = list(Urge.objects.filter(case=case).select_related("from_unit", "to_unit", "actor"))
    supervisions = list(
        supervisions_visible_to(user, Supervision.objects.filter(case=case).select_related(*LIST_RELATED))
    )
    may_supervise = supervising_unit_for(user, case.owner_unit) is not None
    evaluation = unsatisfied_evaluation(case)
    if evaluation is not None and supervising_unit_for(user, evaluation.unit) is None:
        evaluation = None
    answered_by = case.handling_unit or case.owner_unit
    return {
        "urges": urges,
        "urge_count": len(urges),
        "supervisions": supervisions,
        "can_urge": case.is_open and may_supervise,
        "can_supervise": may_supervise or supervising_unit_for(user, answered_by) is not None,
        "unsatisfied": evaluation,
        "today": timezone.localdate(),
    }


# --- 抽查回访 -----------------------------------------------------------------------------------


def my_callbacks(*, user, status: str = CallbackStatus.PENDING) -> QuerySet[Callback]:
    """The tasks assigned to this user (pending first by draw order)."""
    found = Callback.objects.filter(assignee=user).select_related("case", "unit", "draw")
    if status in CallbackStatus.values:
        found = found.filter(status=status)
    return found.order_by("draw_id", "position")


def draw_list(*, user) -> QuerySet[CallbackDraw]:
    return (
        draws_visible_to(user)
        .select_related("unit", "drawn_by")
        .annotate(
            tasks=Count("callbacks"),
            done=Count("callbacks", filter=~Q(callbacks__status=CallbackStatus.PENDING)),
        )
        .order_by("-drawn_at", "-id")
    )


def draw_callbacks(draw: CallbackDraw) -> list[Callback]:
    return list(draw.callbacks.select_related("case", "unit", "assignee").order_by("position"))


def callback_calls(callback: Callback) -> list:
    return list(callback.calls.select_related("caller"))


@dataclass(frozen=True)
class CallbackResults:
    """抽查回访 results of one unit for the assessment (cases closed within the period)."""

    unit: Unit
    since: datetime.date
    until: datetime.date
    drawn: int
    pending: int
    reached: int
    unreachable: int
    satisfied: int
    fairly: int
    unsatisfied: int
    follow_up: int
    supervised: int

    @property
    def satisfaction_rate(self) -> float | None:
        """(满意 + 基本满意) / reached, as the 满意率 of domain.md §9; None when nobody was reached."""
        return (self.satisfied + self.fairly) / self.reached if self.reached else None

    @property
    def reach_rate(self) -> float | None:
        finished = self.reached + self.unreachable
        return self.reached / finished if finished else None


CALLBACK_OUTCOMES = (
    "drawn",
    "pending",
    "reached",
    "unreachable",
    "satisfied",
    "fairly",
    "unsatisfied",
    "follow_up",
)


def callback_outcome_filters() -> dict[str, Q]:
    """Which callback tasks each figure of CallbackResults counts (the dashboard's drill-down reuses it)."""
    level = Q(status=CallbackStatus.DONE)
    return {
        "drawn": Q(),
        "pending": Q(status=CallbackStatus.PENDING),
        "reached": level,
        "unreachable": Q(status=CallbackStatus.UNREACHABLE),
        "satisfied": level & Q(satisfaction=EvaluationLevel.SATISFIED),
        "fairly": level & Q(satisfaction=EvaluationLevel.FAIRLY),
        "unsatisfied": level & Q(satisfaction=EvaluationLevel.UNSATISFIED),
        "follow_up": level & Q(follow_up_needed=True),
    }


def callback_counts() -> dict[str, Count]:
    """The COUNT … FILTER expressions of CallbackResults (one aggregate, or one per unit when grouped)."""
    return {name: Count("pk", filter=q) for name, q in callback_outcome_filters().items()}


def callback_results(unit: Unit, since: datetime.date, until: datetime.date) -> CallbackResults:
    """抽查回访 results of `unit` for cases it answered that closed within [since, until].

    For the assessment (考核): drawn, reached, satisfaction levels, follow-ups and supervisions opened
    from callbacks. A case drawn twice (two draws over overlapping periods) counts twice.
    """
    tasks = Callback.objects.filter(unit=unit, closed_on__range=(since, until))
    numbers = tasks.aggregate(**callback_counts())
    supervised = Supervision.objects.filter(callback__in=tasks).count()
    return CallbackResults(unit=unit, since=since, until=until, supervised=supervised, **numbers)


def callback_results_by_unit(*, user, since: datetime.date, until: datetime.date) -> list[CallbackResults]:
    """The results page: one row per unit with callback tasks in the period, among the visible ones."""
    unit_ids = (
        callbacks_visible_to(user)
        .filter(closed_on__range=(since, until))
        .values_list("unit_id", flat=True)
        .distinct()
    )
    return [
        callback_results(unit, since, until)
        for unit in Unit.objects.filter(pk__in=list(unit_ids)).order_by("path")
    ]
