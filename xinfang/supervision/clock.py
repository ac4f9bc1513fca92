"""The supervision clock (issue 5 §2): reminders before the reply deadline and the overdue flag.

Run by the worker (`supervision_clock`, registered in common/periodic.py). A supervision waiting for
its reply (status open) gets one reminder when its deadline is `SUPERVISION_REMINDER_WORKING_DAYS`
working days away or less, and one overdue notice the day after its deadline passed. Each is claimed
per round with a conditional UPDATE (`… WHERE id AND status AND round AND mark IS NULL`): a second
run, or a second worker at the same moment, finds nothing left to claim and sends nothing twice.
The deadline itself is a date computed once from the rule set (T11: 30 calendar days nationally),
so weekends and holidays count as the rule set says; only the reminder's lead time is in working days
(0: no reminders).
"""

import datetime
import logging
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from xinfang.cases.selectors import working_days_ahead
from xinfang.supervision import notices
from xinfang.supervision.choices import SupervisionEventKind, SupervisionStatus
from xinfang.supervision.models import Supervision, SupervisionEvent

logger = logging.getLogger(__name__)
RELATED = ("case", "unit", "target_unit", "letter")


@dataclass
class ClockRun:
    reminded: int = 0
    overdue: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _claim(supervision: Supervision, mark: str) -> bool:
    """True for exactly one caller: the mark of this round is set only if it is still empty."""
    claimed = Supervision.objects.filter(
        pk=supervision.pk,
        status=SupervisionStatus.OPEN,
        round=supervision.round,
        due_on=supervision.due_on,
        **{f"{mark}__isnull": True},
    ).update(**{mark: timezone.now()})
    return claimed == 1


def _cn(day: datetime.date) -> str:
    return f"{day:%Y年%-m月%-d日}"


def _remind(supervision: Supervision, today: datetime.date) -> None:
    days = (supervision.due_on - today).days
    SupervisionEvent.objects.create(
        supervision=supervision,
        kind=SupervisionEventKind.REMINDED,
        unit=supervision.target_unit,
        data={"round": supervision.round, "due_on": supervision.due_on.isoformat(), "days_left": days},
    )
    notices.tell_supervised(
        supervision,
        kind=notices.KIND_SUPERVISION_REMINDER,
        title=_("督办回复期限提醒：信访件%(number)s须于%(due)s前书面回复")
        % {"number": supervision.case.number, "due": _cn(supervision.due_on)},
        template_key="supervision_reminder",
    )


def _note_overdue(supervision: Supervision, today: datetime.date) -> None:
    SupervisionEvent.objects.create(
        supervision=supervision,
        kind=SupervisionEventKind.OVERDUE,
        unit=supervision.target_unit,
        data={"round": supervision.round, "due_on": supervision.due_on.isoformat()},
    )
    title = _("督办逾期未回复：信访件%(number)s（%(unit)s，期限%(due)s）") % {
        "number": supervision.case.number,
        "unit": supervision.target_unit.name,
        "due": _cn(supervision.due_on),
    }
    notices.tell_supervised(
        supervision,
        kind=notices.KIND_SUPERVISION_OVERDUE,
        title=title,
        template_key="supervision_overdue",
    )
    notices.tell_supervisors(supervision, kind=notices.KIND_SUPERVISION_OVERDUE, title=title)


def supervision_clock_scan(*, today: datetime.date | None = None) -> ClockRun:
    """Send the reminders and overdue notices that are due today; each at most once per round."""
    today = today or timezone.localdate()
    lead = settings.SUPERVISION_REMINDER_WORKING_DAYS
    run = ClockRun()
    waiting = Supervision.objects.filter(status=SupervisionStatus.OPEN).select_related(*RELATED)
    due_soon = Supervision.objects.none()
    if lead:
        remind_until = working_days_ahead(today, lead)
        due_soon = waiting.filter(reminder_sent_at__isnull=True, due_on__gte=today, due_on__lte=remind_until)
    for supervision in due_soon.order_by("due_on", "id"):
        with transaction.atomic():
            if _claim(supervision, "reminder_sent_at"):
                _remind(supervision, today)
                run.reminded += 1
    for supervision in waiting.filter(overdue_noted_at__isnull=True, due_on__lt=today).order_by(
        "due_on", "id"
    ):
        with transaction.atomic():
            if _claim(supervision, "overdue_noted_at"):
                _note_overdue(supervision, today)
                run.overdue += 1
    if run.reminded or run.overdue:
        logger.info("supervision clock: %s reminded, %s overdue", run.reminded, run.overdue)
    return run


@task()
def supervision_clock() -> dict:
    """The worker's periodic job: reminders and overdue notices of 督办 (idempotent; many workers safe)."""
    return supervision_clock_scan().as_dict()
