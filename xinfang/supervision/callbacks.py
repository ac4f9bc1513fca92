"""抽查回访 (issue 5 §3): a reproducible random draw of closed cases, callback tasks, recorded calls.

The draw is a pure function of its inputs: the population (every case below the drawing bureau in a
callback status whose closing date is in the period, grouped by the unit that answered it, each
group ordered by id), the seed and the share or count per unit. `random.Random(seed)` samples the
groups in unit-id order, so the same seed over the same data gives the same cases in the same order.
`CallbackDraw` keeps the seed, the parameters, the group sizes with a SHA-256 of the ordered ids,
and the drawn ids; `callback_draw_repeat` re-runs a draw to show that it gives the same sample.
"""

import datetime
import hashlib
import math
import random
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases.access import can_see_identity
from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.choices import EvaluationLevel, EventKind
from xinfang.cases.models import Case
from xinfang.cases.services import event_record
from xinfang.common.services import audit_record
from xinfang.messaging.notifications import notification_send
from xinfang.orgs.models import Membership, Unit, User
from xinfang.supervision.access import draw_units, may_call, may_manage_draw
from xinfang.supervision.choices import CallbackStatus, DrawMode
from xinfang.supervision.models import Callback, CallbackCall, CallbackDraw
from xinfang.supervision.notices import KIND_CALLBACK
from xinfang.supervision.workflow import SupervisionConflict, SupervisionRefused

# Cases that were answered and are done: 办结, 调解和解, 终结, and 复查意见已送达 (waiting only on the petitioner).
CALLBACK_STATUSES = (S.CLOSED, S.SETTLED, S.FINAL, S.RECHECK_SERVED)
MAX_PER_UNIT = 1000
MAX_TEXT = 4000


@dataclass
class Population:
    """Closed cases per answering unit, each list ordered by id; and when each case was closed."""

    groups: dict[int, list[int]] = field(default_factory=dict)
    closed_on: dict[int, datetime.date] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(ids) for ids in self.groups.values())

    def digest(self) -> str:
        text = ";".join(f"{unit}:{','.join(map(str, self.groups[unit]))}" for unit in sorted(self.groups))
        return hashlib.sha256(text.encode()).hexdigest()


def _bounds(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def callback_population(*, unit: Unit, period_start: datetime.date, period_end: datetime.date) -> Population:
    """Every case answered by `unit` or a unit below it, in a callback status, closed within the period."""
    answered_below = Q(handling_unit__path__startswith=unit.path) | Q(
        handling_unit__isnull=True, owner_unit__path__startswith=unit.path
    )
    rows = (
        Case.objects.filter(
            answered_below,
            status__in=CALLBACK_STATUSES,
            closed_at__gte=_bounds(period_start),
            closed_at__lt=_bounds(period_end + datetime.timedelta(days=1)),
        )
        .order_by("id")
        .values_list("id", "handling_unit_id", "owner_unit_id", "closed_at")
    )
    population = Population()
    for case_id, handling_id, owner_id, closed_at in rows.iterator(chunk_size=2000):
        population.groups.setdefault(handling_id or owner_id, []).append(case_id)
        population.closed_on[case_id] = timezone.localtime(closed_at).date()
    return population


def sample(
    population: Population, *, seed: int, mode: str, share_percent: int | None, per_unit_count: int | None
) -> tuple[list[int], dict[int, int]]:
    """(drawn ids in draw order, {unit: size} of groups smaller than the count asked for).

    A share rounds up (at least one case of every unit that has any); a count larger than a group
    takes the whole group.
    """
    rng = random.Random(seed)
    drawn: list[int] = []
    short: dict[int, int] = {}
    for unit_id in sorted(population.groups):
        ids = sorted(population.groups[unit_id])
        wanted = per_unit_count if mode == DrawMode.COUNT else math.ceil(len(ids) * share_percent / 100)
        if wanted >= len(ids):
            if mode == DrawMode.COUNT and wanted > len(ids):
                short[unit_id] = len(ids)
            drawn.extend(ids)
        else:
            drawn.extend(rng.sample(ids, wanted))
    return drawn, short


def _clean_draw(*, period_start, period_end, mode, share_percent, per_unit_count) -> None:
    errors: dict[str, list[str]] = {}
    if period_start > period_end:
        errors["period_end"] = [_("结束日期不能早于开始日期。")]
    if period_start > timezone.localdate():
        errors["period_start"] = [_("开始日期不能晚于今天。")]
    if mode == DrawMode.SHARE and not (share_percent and 1 <= share_percent <= 100):
        errors["share_percent"] = [_("抽取比例应为1到100之间的整数。")]
    elif mode == DrawMode.COUNT and not (per_unit_count and 1 <= per_unit_count <= MAX_PER_UNIT):
        errors["per_unit_count"] = [_("每单位抽取件数应为1到%(n)d之间的整数。") % {"n": MAX_PER_UNIT}]
    elif mode not in DrawMode.values:
        errors["mode"] = [_("请选择抽取方式。")]
    if errors:
        raise ValidationError(errors)


def _shortfall_note(short: dict[int, int], per_unit_count: int | None) -> str:
    if not short:
        return ""
    names = dict(Unit.objects.filter(pk__in=short).values_list("pk", "name"))
    lines = [
        _("%(unit)s：符合条件的只有%(n)d件，少于每单位%(count)d件，已全部抽取。")
        % {"unit": names.get(unit_id, unit_id), "n": n, "count": per_unit_count}
        for unit_id, n in sorted(short.items())
    ]
    return "\n".join(lines)


def _staff_of(unit: Unit, users) -> list[User]:
    chosen = list(users)
    members = set(
        Membership.objects.filter(unit=unit, user__is_active=True).values_list("user_id", flat=True)
    )
    strangers = [str(user) for user in chosen if user.pk not in members]
    if strangers:
        raise ValidationError(
            {"assignees": [_("回访人员须是本单位人员：%(names)s") % {"names": "、".join(strangers)}]}
        )
    return chosen


@transaction.atomic
def callback_draw(
    *,
    actor,
    unit: Unit,
    period_start: datetime.date,
    period_end: datetime.date,
    mode: str,
    share_percent: int | None = None,
    per_unit_count: int | None = None,
    seed: int | None = None,
    assignees=(),
) -> CallbackDraw:
    """Draw a sample for 抽查回访 and create its callback tasks, assigned in turn to `assignees`.

    1. only a supervisor or leader of the 信访部门 `unit` draws; 2. check the parameters;
    3. collect the population and sample it with the seed (a new random seed unless one is given);
    4. record the draw — seed, parameters, group sizes, digest, drawn ids, a note for short groups;
    5. one task per drawn case, in draw order; 6. tell the assignees.
    """
    if not any(u.pk == unit.pk for u in draw_units(actor)):
        raise SupervisionRefused(_("只有信访部门的督办员或领导可以抽取回访样本。"))
    _clean_draw(
        period_start=period_start,
        period_end=period_end,
        mode=mode,
        share_percent=share_percent,
        per_unit_count=per_unit_count,
    )
    assignees = _staff_of(unit, assignees)
    seed = secrets.randbits(48) if seed is None else int(seed)
    population = callback_population(unit=unit, period_start=period_start, period_end=period_end)
    if not population.total:
        raise SupervisionConflict(
            _("%(start)s至%(end)s期间没有可以回访的已办结信访件。")
            % {"start": period_start, "end": period_end},
            code="empty",
        )
    ids, short = sample(
        population, seed=seed, mode=mode, share_percent=share_percent, per_unit_count=per_unit_count
    )
    draw = CallbackDraw.objects.create(
        unit=unit,
        drawn_by=actor,
        period_start=period_start,
        period_end=period_end,
        mode=mode,
        share_percent=share_percent if mode == DrawMode.SHARE else None,
        per_unit_count=per_unit_count if mode == DrawMode.COUNT else None,
        seed=seed,
        statuses=list(CALLBACK_STATUSES),
        population={
            "units": {str(u): len(group) for u, group in sorted(population.groups.items())},
            "total": population.total,
            "digest": population.digest(),
        },
        case_ids=ids,
        note=_shortfall_note(short, per_unit_count),
    )
    unit_of = {case_id: unit_id for unit_id, group in population.groups.items() for case_id in group}
    Callback.objects.bulk_create(
        [
            Callback(
                draw=draw,
                position=position,
                case_id=case_id,
                unit_id=unit_of[case_id],
                closed_on=population.closed_on[case_id],
                assignee=assignees[(position - 1) % len(assignees)] if assignees else None,
            )
            for position, case_id in enumerate(ids, start=1)
        ]
    )
    for user in assignees:
        notification_send(
            users=[user],
            kind=KIND_CALLBACK,
            title=_("您有新的抽查回访任务（%(start)s至%(end)s办结件）")
            % {"start": period_start, "end": period_end},
            link=reverse("supervision:callbacks"),
        )
    return draw


def callback_draw_repeat(draw: CallbackDraw) -> tuple[list[int], bool]:
    """Re-run a draw from its record: (the sample it gives now, whether the population is unchanged)."""
    population = callback_population(
        unit=draw.unit, period_start=draw.period_start, period_end=draw.period_end
    )
    ids, _short = sample(
        population,
        seed=draw.seed,
        mode=draw.mode,
        share_percent=draw.share_percent,
        per_unit_count=draw.per_unit_count,
    )
    return ids, population.digest() == draw.population.get("digest")


@transaction.atomic
def callback_assign(*, callback: Callback, actor, assignee: User) -> Callback:
    """Give a task to another member of the drawing bureau (its supervisors and leaders decide)."""
    locked = Callback.objects.select_for_update().select_related("draw", "draw__unit").get(pk=callback.pk)
    if not may_manage_draw(actor, locked.draw):
        raise SupervisionRefused(_("只有抽查单位的督办员或领导可以分配回访任务。"))
    if locked.status != CallbackStatus.PENDING:
        raise SupervisionConflict(_("该回访任务已完成，不能再分配。"), code="done")
    _staff_of(locked.draw.unit, [assignee])
    Callback.objects.filter(pk=locked.pk).update(assignee=assignee)
    notification_send(
        users=[assignee],
        kind=KIND_CALLBACK,
        title=_("您有新的抽查回访任务（信访件%(number)s）") % {"number": locked.case.number},
        link=reverse("supervision:callback", args=[locked.pk]),
        case=locked.case,
    )
    locked.refresh_from_db()
    return locked


def _clean_call(*, reached, satisfaction, petitioner_said, follow_up_needed, follow_up_note) -> None:
    errors: dict[str, list[str]] = {}
    if reached and satisfaction not in EvaluationLevel.values:
        errors["satisfaction"] = [_("联系上信访人时，请记录其满意度。")]
    if not reached and satisfaction:
        errors["satisfaction"] = [_("没有联系上信访人，不能记录满意度。")]
    if reached and satisfaction == EvaluationLevel.UNSATISFIED and not petitioner_said.strip():
        errors["petitioner_said"] = [_("不满意时，请记录信访人反映的情况。")]
    if follow_up_needed and not follow_up_note.strip():
        errors["follow_up_note"] = [_("需要跟进时，请写明跟进事项。")]
    if len(petitioner_said) > MAX_TEXT or len(follow_up_note) > MAX_TEXT:
        errors["petitioner_said"] = [_("最多%(n)d字。") % {"n": MAX_TEXT}]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def callback_record_call(
    *,
    callback: Callback,
    actor,
    reached: bool,
    satisfaction: str = "",
    petitioner_said: str = "",
    follow_up_needed: bool = False,
    follow_up_note: str = "",
    give_up: bool = False,
) -> Callback:
    """Record one call: reached (with the petitioner's satisfaction and words) or not.

    A reached call completes the task; an unanswered one counts an attempt, and with `give_up` ends
    the task as 无法联系. The case's timeline notes the result (not what the petitioner said).
    """
    petitioner_said, follow_up_note = (petitioner_said or "").strip(), (follow_up_note or "").strip()
    _clean_call(
        reached=reached,
        satisfaction=satisfaction,
        petitioner_said=petitioner_said,
        follow_up_needed=follow_up_needed,
        follow_up_note=follow_up_note,
    )
    locked = (
        Callback.objects.select_for_update().select_related("draw", "draw__unit", "case").get(pk=callback.pk)
    )
    if not may_call(actor, locked):
        raise SupervisionRefused(_("只有被指派的回访人员或抽查单位的督办员、领导可以录入回访结果。"))
    if locked.status != CallbackStatus.PENDING:
        raise SupervisionConflict(_("该回访任务已经完成。"), code="done")
    CallbackCall.objects.create(
        callback=locked,
        caller=actor,
        reached=reached,
        satisfaction=satisfaction if reached else "",
        petitioner_said=petitioner_said,
        follow_up_needed=follow_up_needed,
        follow_up_note=follow_up_note,
    )
    fields = {"attempts": F("attempts") + 1}
    if reached:
        fields.update(
            status=CallbackStatus.DONE,
            satisfaction=satisfaction,
            follow_up_needed=follow_up_needed,
            done_at=timezone.now(),
        )
    elif give_up:
        fields.update(status=CallbackStatus.UNREACHABLE, done_at=timezone.now())
    Callback.objects.filter(pk=locked.pk).update(**fields)
    locked.refresh_from_db()
    result = EvaluationLevel(satisfaction).label if reached else _("未联系上")
    event_record(
        case=locked.case,
        kind=EventKind.ACTION,
        actor=actor,
        unit=locked.draw.unit,
        reason=_("回访结果：%(result)s") % {"result": result},
        data={"action": "callback", "title": _("抽查回访"), "callback_id": locked.pk},
    )
    return locked


def callback_contact(*, user, callback: Callback, request=None, via: str = "web") -> list[dict] | None:
    """The petitioners' names and phones for the caller — audited; None when identity is protected.

    检举控告: a user for whom `can_see_identity` is false never gets them (2022 条例 §30 ¶3).
    """
    case = callback.case
    if not can_see_identity(user, case):
        return None
    people = [
        {"name": p.name, "phone": p.phone, "is_primary": p.is_primary}
        for p in case.petitioners.order_by("-is_primary", "id")
    ]
    if people:
        audit_record(
            user=user,
            action="view_personal_data",
            obj=case,
            detail={"number": case.number, "callback": callback.pk, "purpose": "抽查回访"},
            request=request,
            via=via,
        )
    return people
