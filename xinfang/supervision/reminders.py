"""The deadline scan (issue 5 §1): remind before a limit, flag it overdue, escalate — each once per clock.

The worker runs `scan_deadlines` every `REMINDER_SCAN_SECONDS`. For each open, unpaused clock
(`CaseDeadline`; a clock paused for a 听证 does not run, 2022 条例 §36 ¶2):

| stage   | when                                                   | told in the inbox                       | SMS template         |
|---------|--------------------------------------------------------|-----------------------------------------|----------------------|
| remind  | `REMINDER_WORKING_DAYS` working days before the due date | the unit's handlers, dispatchers, registrars | `deadline_reminder`  |
| overdue | the due date has passed                                | the same                                | `deadline_overdue`   |
| head    | `ESCALATE_HEAD_WORKING_DAYS` working days after it passed | the unit's heads (unit_head)          | `deadline_escalated` |
| bureau  | `ESCALATE_BUREAU_WORKING_DAYS` working days after it passed | the 信访部门 above: dispatchers, supervisors, leaders | `deadline_escalated` |

The SMS goes to the responsible unit's `contact_phone` (a mobile number; a landline gets none). The
regulations set no reminder or escalation rule: these follow 2022 条例 §39–§40 (信访部门 督办 of
units that handle petitions late) as local practice; the day counts are settings.

Counting, with the holiday table (holidays and 调休 working weekend days, docs/deadlines.md), loaded
once per scan: "N working days before" the due date is the N-th working day counted back from it, so
a clock due on a Monday after a plain weekend is reminded (N=3) on the Wednesday before; a clock is
overdue the day after its due date; "N working days after" means the N-th working day after the due
date has passed too. Each rule becomes a range of due dates, so each stage reads only its own partial
index (`deadline_*_todo`: the open clocks still waiting for that stage).

Exactly once, on any number of workers:
1. the candidates of each stage are read (ids only);
2. they are handled in batches, each in one transaction: the batch's clocks are locked (FOR UPDATE
   SKIP LOCKED: a clock another worker holds is that worker's), re-read, and the stages they are due
   for are claimed with one conditional UPDATE (each mark set only `WHEN … reminded_at IS NULL`);
3. the notices (inbox rows, SMS outbox rows, the case's timeline entry) are appended in that same
   transaction: a claim and its notices commit or roll back together.
SQLite has no row locks, but its transactions are IMMEDIATE (config/settings.py): a batch holds the
write lock, so two workers take turns and the second finds the marks set.

A first scan may find a clock long overdue: it then reaches several stages at once. Each audience still
gets its own notice, but the unit gets one SMS (the most serious stage) and the case one timeline entry.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from xinfang.cases.choices import EventKind
from xinfang.cases.models import CaseDeadline, CaseEvent
from xinfang.common.bulk import rows_append
from xinfang.deadlines.calendar import WorkCalendar, format_date
from xinfang.deadlines.models import Step
from xinfang.deadlines.selectors import load_calendar
from xinfang.messaging.choices import NotificationKind
from xinfang.messaging.models import Notification
from xinfang.messaging.notify import MOBILE
from xinfang.messaging.services import SmsNotice, sms_queue_many
from xinfang.orgs.models import Membership, Role, Unit

logger = logging.getLogger("xinfang.reminders")

ONE_DAY = datetime.timedelta(days=1)
BATCH = 1000

REMIND, OVERDUE, HEAD, BUREAU = "remind", "overdue", "head", "bureau"
STAGES = (REMIND, OVERDUE, HEAD, BUREAU)  # least to most serious
MARK = {
    REMIND: "reminded_at",
    OVERDUE: "overdue_noted_at",
    HEAD: "escalated_head_at",
    BUREAU: "escalated_bureau_at",
}
STAFF_ROLES = (Role.HANDLER, Role.DISPATCHER, Role.REGISTRAR)
HEAD_ROLES = (Role.UNIT_HEAD,)
BUREAU_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER)


# --- Working days ---------------------------------------------------------------------------------


def add_working_days(calendar: WorkCalendar, day: datetime.date, count: int) -> datetime.date:
    """The `count`-th working day after `day` (`day` itself for 0)."""
    while count > 0:
        day += ONE_DAY
        if calendar.is_workday(day):
            count -= 1
    return day


def working_days_after(calendar: WorkCalendar, start: datetime.date, end: datetime.date) -> int:
    """How many working days there are in (start, end]."""
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        count += calendar.is_workday(day)
    return count


def _last_due_passed(calendar: WorkCalendar, today: datetime.date, count: int) -> datetime.date:
    """The latest due date whose `count`-th working day after it has passed (is before today)."""
    day = today - ONE_DAY
    while add_working_days(calendar, day, count) >= today:
        day -= ONE_DAY
    return day


@dataclass(frozen=True)
class Window:
    """The scan's rules for one day, as ranges of due dates."""

    today: datetime.date
    remind_until: datetime.date | None  # due today … remind_until: remind (None: reminders are off)
    head_cutoff: datetime.date  # due on or before: tell the unit's heads
    bureau_cutoff: datetime.date  # due on or before: tell the 信访部门 above

    def due(self, stage: str, due_on: datetime.date) -> bool:
        if stage == REMIND:
            return self.remind_until is not None and self.today <= due_on <= self.remind_until
        if stage == OVERDUE:
            return due_on < self.today
        return due_on <= (self.head_cutoff if stage == HEAD else self.bureau_cutoff)


def scan_window(today: datetime.date) -> tuple[Window, WorkCalendar]:
    """Today's window and the calendar it was computed with (the holiday table's two queries)."""
    back = max(settings.ESCALATE_HEAD_WORKING_DAYS, settings.ESCALATE_BUREAU_WORKING_DAYS) * 3 + 60
    ahead = settings.REMINDER_WORKING_DAYS * 3 + 60  # room for 春节 and 国庆 runs of days off
    calendar = load_calendar(today - datetime.timedelta(days=back), today + datetime.timedelta(days=ahead))
    remind = settings.REMINDER_WORKING_DAYS
    window = Window(
        today=today,
        remind_until=add_working_days(calendar, today, remind) if remind else None,
        head_cutoff=_last_due_passed(calendar, today, settings.ESCALATE_HEAD_WORKING_DAYS),
        bureau_cutoff=_last_due_passed(calendar, today, settings.ESCALATE_BUREAU_WORKING_DAYS),
    )
    return window, calendar


# --- Who is told -------------------------------------------------------------------------------


class Directory:
    """Units and the active users holding each role in them: read once per scan (a few hundred rows)."""

    def __init__(self) -> None:
        self.units = {
            unit.pk: unit for unit in Unit.objects.only("id", "name", "kind", "parent_id", "contact_phone")
        }
        self._members: dict[tuple[int, str], list[int]] = defaultdict(list)
        roles = {*STAFF_ROLES, *HEAD_ROLES, *BUREAU_ROLES}
        memberships = Membership.objects.filter(
            role_id__in=roles, user__is_active=True, unit__is_active=True
        ).values_list("unit_id", "role_id", "user_id")
        for unit_id, role_id, user_id in memberships.order_by("user_id"):
            self._members[(unit_id, role_id)].append(user_id)
        self._bureau: dict[int, Unit | None] = {}

    def users(self, unit_id: int | None, roles: Iterable[str]) -> list[int]:
        if unit_id is None:
            return []
        return sorted({user for role in roles for user in self._members.get((unit_id, role), ())})

    def bureau_above(self, unit_id: int) -> Unit | None:
        """The nearest 信访部门 strictly above the unit (a county bureau's own clock goes to the city)."""
        if unit_id not in self._bureau:
            node = self.units.get(self.units[unit_id].parent_id) if unit_id in self.units else None
            while node is not None and not node.is_bureau:
                node = self.units.get(node.parent_id)
            self._bureau[unit_id] = node
        return self._bureau[unit_id]

    def mobile(self, unit_id: int) -> str:
        """The unit's contact phone if it can take an SMS, else ""."""
        unit = self.units.get(unit_id)
        phone = (unit.contact_phone if unit else "").replace(" ", "").replace("-", "")
        return phone if MOBILE.match(phone) else ""


# --- The scan ------------------------------------------------------------------------------------


@dataclass
class ScanResult:
    """What one scan (or batch) did: clocks per stage, rows written, clocks looked at."""

    reminded: int = 0
    overdue: int = 0
    escalated_head: int = 0
    escalated_bureau: int = 0
    notifications: int = 0
    sms: int = 0
    events: int = 0
    candidates: int = 0

    def add(self, other: "ScanResult") -> None:
        for name in (
            "reminded",
            "overdue",
            "escalated_head",
            "escalated_bureau",
            "notifications",
            "sms",
            "events",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return asdict(self)


COUNTER = {REMIND: "reminded", OVERDUE: "overdue", HEAD: "escalated_head", BUREAU: "escalated_bureau"}


def deadline_scan(*, today: datetime.date | None = None, stages: Iterable[str] = STAGES) -> ScanResult:
    """Send what is due today (see the module docstring); safe to run twice and on several workers."""
    today = today or timezone.localdate()
    stages = tuple(s for s in STAGES if s in set(stages))
    window, calendar = scan_window(today)
    ids = sorted(_candidates(window, stages))
    result = ScanResult(candidates=len(ids))
    if not ids:
        return result
    scan = _Scan(window=window, calendar=calendar, stages=stages, directory=Directory())
    for start in range(0, len(ids), BATCH):
        result.add(scan.batch(ids[start : start + BATCH]))
    if result.reminded or result.overdue or result.escalated_head or result.escalated_bureau:
        logger.info("deadline scan %s: %s", today, result.as_dict())
    return result


def _candidates(window: Window, stages: tuple[str, ...]) -> set[int]:
    """Ids of the clocks due for any stage: one range of one partial index per stage."""
    waiting = CaseDeadline.objects.filter(is_open=True, paused_on__isnull=True)
    ranges = {
        REMIND: {"due_on__gte": window.today, "due_on__lte": window.remind_until},
        OVERDUE: {"due_on__lt": window.today},
        HEAD: {"due_on__lte": window.head_cutoff},
        BUREAU: {"due_on__lte": window.bureau_cutoff},
    }
    ids: set[int] = set()
    for stage in stages:
        if stage == REMIND and window.remind_until is None:
            continue
        query = waiting.filter(**{f"{MARK[stage]}__isnull": True}, **ranges[stage])
        ids.update(query.values_list("pk", flat=True))
    return ids


class ClaimLost(RuntimeError):
    """A locked clock changed under us: impossible unless locking is broken; the batch rolls back."""


class Clock(NamedTuple):
    """One clock as the batch reads it under its lock (plain values: a backlog has tens of thousands)."""

    id: int
    case_id: int
    unit_id: int
    step: str
    due_on: datetime.date
    reminded_at: datetime.datetime | None
    overdue_noted_at: datetime.datetime | None
    escalated_head_at: datetime.datetime | None
    escalated_bureau_at: datetime.datetime | None
    number: str
    title: str


NOTICE_COLUMNS = ("user_id", "kind", "title", "body", "link", "case_id", "created_at")
EVENT_COLUMNS = ("case_id", "kind", "unit_id", "reason", "data", "created_at")


class _Scan:
    """One scan's fixed inputs and its wording, translated once (not once per notice)."""

    def __init__(
        self, *, window: Window, calendar: WorkCalendar, stages: tuple[str, ...], directory: Directory
    ):
        self.window, self.calendar, self.stages, self.directory = window, calendar, stages, directory
        self.case_url = reverse("cases:detail", args=["NUMBER"])
        self.steps = {code: str(label) for code, label in Step.choices}
        self.sms_steps = {code: label.split("（")[0] for code, label in self.steps.items()}  # no "（T5）"
        self._dates: dict[datetime.date, str] = {}
        self.text = {
            "remind_title": _("期限提醒：%(number)s"),
            "remind": _("“%(title)s”的%(step)s将于%(due)s期满（还有%(left)d个工作日），请按期办理。"),
            "remind_today": _("“%(title)s”的%(step)s今日（%(due)s）期满，请按期办理。"),
            "overdue_title": _("已超期：%(number)s"),
            "overdue": _("“%(title)s”的%(step)s已于%(due)s期满，尚未办结，请抓紧办理。"),
            "head_title": _("超期未办结（请督促）：%(number)s"),
            "head": _(
                "%(unit)s承办的“%(title)s”，%(step)s已于%(due)s期满，超期%(days)d日仍未办结，请督促办理。"
            ),
            "bureau_title": _("超期未办结（报信访部门）：%(number)s"),
            "bureau": _(
                "%(unit)s承办的“%(title)s”，%(step)s已于%(due)s期满，超期%(days)d日仍未办结，"
                "已告知该单位负责人。可予催办或督办。"
            ),
            "event_overdue": _("期满日%(due)s已过，尚未办结"),
            "event_head": _("超期满%(n)d个工作日，已告知单位负责人")
            % {"n": settings.ESCALATE_HEAD_WORKING_DAYS},
            "event_bureau": _("超期满%(n)d个工作日，已告知%(bureau)s"),
            "heads": _("贵单位负责人"),
        }

    def date(self, day: datetime.date) -> str:
        if day not in self._dates:
            self._dates[day] = format_date(day)
        return self._dates[day]

    @transaction.atomic
    def batch(self, ids: list[int]) -> ScanResult:
        """Lock, re-check and claim one batch of clocks, and write their notices (one transaction).

        1. lock the clocks still open (SKIP LOCKED: another worker's are its own) and read them again;
        2. decide each clock's stages from those fresh values;
        3. claim them all with one conditional UPDATE (each mark set only where it is still empty);
        4. append the inbox notices, the SMS and the timeline entries.
        """
        clocks = [
            Clock(*row)
            for row in CaseDeadline.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=ids, is_open=True, paused_on__isnull=True)
            .order_by("pk")
            .values_list(
                "id", "case_id", "unit_id", "step", "due_on", *MARK.values(), "case__number", "case__title"
            )
        ]
        reached: dict[int, list[str]] = {}
        result = ScanResult()
        for clock in clocks:
            stages = [
                st
                for st in self.stages
                if getattr(clock, MARK[st]) is None and self.window.due(st, clock.due_on)
            ]
            if stages:
                reached[clock.id] = stages
                for stage in stages:
                    setattr(result, COUNTER[stage], getattr(result, COUNTER[stage]) + 1)
        if not reached:
            return result
        now = timezone.now()
        self._claim(reached, now)
        notices, texts, events = [], [], []
        for clock in clocks:
            if clock.id in reached:
                self._compose(clock, reached[clock.id], now, notices, texts, events)
        result.notifications = rows_append(Notification, NOTICE_COLUMNS, notices)
        result.sms = sms_queue_many(texts)
        # Straight into the log, not through `event_record`: an overdue entry tells the petitioner
        # nothing (messaging/notify.py's table; test_reminders checks it stays so).
        result.events = rows_append(CaseEvent, EVENT_COLUMNS, events)
        _webhooks(clocks, reached, now)  # the webhook outbox, in this same transaction (docs/webhooks.md)
        return result

    def _claim(self, reached: dict[int, list[str]], now: datetime.datetime) -> None:
        """Set every stage's mark in one UPDATE; each only where still empty (the rows are locked)."""
        marks = {}
        for stage in self.stages:
            chosen = [pk for pk, stages in reached.items() if stage in stages]
            if chosen:
                mark = MARK[stage]
                marks[mark] = Case(
                    When(pk__in=chosen, **{f"{mark}__isnull": True}, then=Value(now)), default=F(mark)
                )
        claimed = CaseDeadline.objects.filter(pk__in=list(reached)).update(**marks)
        if claimed != len(reached):
            raise ClaimLost(f"claimed {claimed} of {len(reached)} locked clocks")

    def _compose(
        self, clock: Clock, stages: list[str], now, notices: list, texts: list, events: list
    ) -> None:
        """The notices of one clock: each audience once (its most serious stage), one SMS, one entry."""
        directory = self.directory
        bureau = directory.bureau_above(clock.unit_id) if BUREAU in stages else None
        unit = directory.units.get(clock.unit_id)
        facts = {
            "number": clock.number,
            "title": clock.title,
            "step": self.steps.get(clock.step, clock.step),
            "due": self.date(clock.due_on),
            "unit": unit.name if unit else "",
            "days": (self.window.today - clock.due_on).days,
        }
        link = self.case_url.replace("NUMBER", clock.number)
        told: set[int] = set()
        for stage in reversed(stages):  # most serious first
            users = [u for u in self._audience(stage, clock.unit_id, bureau) if u not in told]
            if not users:
                continue
            told.update(users)
            kind, title, body = self._wording(stage, clock, facts)
            notices += [(user, kind, title, body, link, clock.case_id, now) for user in users]
        phone = directory.mobile(clock.unit_id) if settings.REMINDER_SMS else ""
        if phone:
            texts.append(self._sms(stages, clock, bureau, phone))
        event = self._event(stages, clock, bureau, now)
        if event is not None:
            events.append(event)

    def _audience(self, stage: str, unit_id: int, bureau: Unit | None) -> list[int]:
        if stage == BUREAU:
            return self.directory.users(bureau.pk if bureau else None, BUREAU_ROLES)
        if stage == HEAD:
            return self.directory.users(unit_id, HEAD_ROLES)
        return self.directory.users(unit_id, STAFF_ROLES)

    def _wording(self, stage: str, clock: Clock, facts: dict) -> tuple[str, str, str]:
        """(kind, title, body) of the inbox notice; staff may read the case, so its title is named."""
        text = self.text
        if stage == REMIND:
            left = working_days_after(self.calendar, self.window.today, clock.due_on)
            body = (text["remind"] if left else text["remind_today"]) % {**facts, "left": left}
            return NotificationKind.DEADLINE_REMINDER.value, text["remind_title"] % facts, body
        if stage == OVERDUE:
            return (
                NotificationKind.DEADLINE_OVERDUE.value,
                text["overdue_title"] % facts,
                text["overdue"] % facts,
            )
        kind = NotificationKind.DEADLINE_ESCALATED.value
        return kind, text[f"{stage}_title"] % facts, text[stage] % facts

    def _sms(self, stages: list[str], clock: Clock, bureau: Unit | None, phone: str) -> SmsNotice:
        """One text per clock and scan, for its most serious stage; no petitioner, no matter (unit-facing)."""
        context = {
            "number": clock.number,
            "step": self.sms_steps.get(clock.step, clock.step),
            "due_on": clock.due_on,
        }
        top = stages[-1]
        if top == BUREAU and bureau is None:  # nobody above: the heads were the last to be told
            top = HEAD if HEAD in stages else OVERDUE
        if top == REMIND:
            return SmsNotice(phone, "deadline_reminder", context, clock.case_id)
        if top == OVERDUE:
            return SmsNotice(phone, "deadline_overdue", context, clock.case_id)
        whom = bureau.name if top == BUREAU else self.text["heads"]
        context.update(overdue_days=(self.window.today - clock.due_on).days, whom=whom)
        return SmsNotice(phone, "deadline_escalated", context, clock.case_id)

    def _event(self, stages: list[str], clock: Clock, bureau: Unit | None, now) -> tuple | None:
        """The case timeline's 超期 entry (a row of EVENT_COLUMNS): what passed and whom the scan told."""
        parts = []
        if OVERDUE in stages:
            parts.append(self.text["event_overdue"] % {"due": self.date(clock.due_on)})
        if HEAD in stages:
            parts.append(self.text["event_head"])
        if BUREAU in stages and bureau is not None:
            parts.append(
                self.text["event_bureau"]
                % {"n": settings.ESCALATE_BUREAU_WORKING_DAYS, "bureau": bureau.name}
            )
        if not parts:
            return None  # a reminder, or the last stage with nobody above: nothing for the timeline
        data = {
            "step": clock.step,
            "due_on": clock.due_on.isoformat(),
            "stages": [s for s in stages if s != REMIND],
        }
        return (clock.case_id, EventKind.OVERDUE.value, clock.unit_id, "；".join(parts) + "。", data, now)


def _webhooks(clocks: list[Clock], reached: dict[int, list[str]], now) -> None:
    """即将到期 (the reminder stage) and 已超期 (the overdue stage) for the connected systems."""
    from xinfang.webhooks.choices import EventType
    from xinfang.webhooks.emit import PendingEvent, emit_many_safely

    kinds = {REMIND: EventType.DEADLINE_NEAR, OVERDUE: EventType.DEADLINE_OVERDUE}
    emit_many_safely(
        [
            PendingEvent(
                event_type=kinds[stage],
                case_id=clock.case_id,
                unit_id=clock.unit_id,
                data={
                    "step": clock.step,
                    "step_label": str(Step(clock.step).label),
                    "due_on": str(clock.due_on),
                },
                occurred_at=now,
            )
            for clock in clocks
            for stage in reached.get(clock.id, ())
            if stage in kinds
        ]
    )


@task()
def scan_deadlines() -> dict:
    """The periodic deadline scan (reminders, overdue, escalation); several workers are safe."""
    return deadline_scan().as_dict()
