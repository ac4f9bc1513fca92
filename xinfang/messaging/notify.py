"""Workflow notices by SMS (issue 4 §3): which case events tell the petitioner — all in this one place.

`cases.services.event_record` hands every event to `notify_for_event`, inside the transaction that
writes the event, so the outbox row commits (or rolls back) with the step it tells about.

| event                         | template(s)                                                        |
|-------------------------------|--------------------------------------------------------------------|
| registered (not a portal door)| case_registered: number + 查询码                                    |
| accept                        | case_accepted: the unit and the handling deadline (2022 条例 §23 ¶3) |
| serve (处理意见)               | opinion_served: 复查 until (§35) + evaluation_invite (国信发〔2014〕16号) |
| serve (复查/复核意见)          | evaluation_invite                                                  |
| periodic, N days before end   | review_deadline: 复查 (§35) or 复核 (§36) window, once per service  |

Messages that came through the portal, SMS or forum already got their number by SMS
(`message_received`), so their case's registration sends nothing. The notices go to the primary
petitioner's mobile; the texts never name the people or units complained about (a 检举控告
reporter's phone may be read by others, 2022 条例 §30 ¶3), and a rendered notice that would is
not sent.
"""

import datetime
import logging
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.choices import EventKind, OpinionStage
from xinfang.cases.models import Case, CaseDeadline, ComplainedParty
from xinfang.cases.steps import evaluation_window_end, stage_of
from xinfang.deadlines.calendar import calendar_span, compute_due
from xinfang.deadlines.models import RuleLimit, Step
from xinfang.deadlines.selectors import load_calendar
from xinfang.deadlines.services import due_for
from xinfang.messaging.choices import CHANNEL_OF_SOURCE
from xinfang.messaging.models import OutboundSms
from xinfang.messaging.services import sms_queue, sms_render

logger = logging.getLogger("xinfang.sms.notify")

PORTAL_CHANNELS = frozenset(CHANNEL_OF_SOURCE.values())
MOBILE = re.compile(r"^(1[3-9]\d{9}|\+\d{8,15})$")
REVIEW_TEMPLATE = "review_deadline"
# The petitioner's request windows after a service: which statuses wait on which (§35, §36).
REVIEW_WINDOWS = {
    Step.RECHECK_REQUEST: (S.SERVED, S.CLOSED),
    Step.REREVIEW_REQUEST: (S.RECHECK_SERVED,),
}


def _wants_notice(event) -> bool:
    """Cheap, query-free test: is this an event that may tell the petitioner something?"""
    if event.kind == EventKind.REGISTERED:
        return True
    return event.kind == EventKind.TRANSITION and (event.data or {}).get("action") in ("accept", "serve")


def notify_for_event(event) -> list[OutboundSms]:
    """Queue the notices an event calls for; never lets a failing notice undo the step itself."""
    if not settings.SMS_NOTIFY or not _wants_notice(event):
        return []
    try:
        with transaction.atomic():  # a savepoint: a broken template or rule rolls back only the notice
            return _queue_for(event)
    except Exception:
        logger.exception("SMS notice for %s event of case %s not queued", event.kind, event.case_id)
        return []


def _queue_for(event) -> list[OutboundSms]:
    case = Case.objects.select_related("channel", "handling_unit", "rule_set").get(pk=event.case_id)
    phone = petitioner_phone(case)
    if not phone:
        return []
    if event.kind == EventKind.REGISTERED:
        notices = _registered(case)
    elif event.data["action"] == "accept":
        notices = _accepted(case)
    else:
        notices = _served(case, event.from_status)
    queued = [_queue(case, phone, key, context) for key, context in notices]
    return [sms for sms in queued if sms is not None]


def petitioner_phone(case: Case) -> str:
    """The primary petitioner's mobile number, or "" (no phone, or a landline that takes no SMS)."""
    person = case.petitioners.order_by("-is_primary", "id").first()
    phone = (person.phone if person else "").replace(" ", "").replace("-", "")
    return phone if MOBILE.match(phone) else ""


def _registered(case: Case) -> list[tuple[str, dict]]:
    if case.channel.code in PORTAL_CHANNELS:
        return []
    return [("case_registered", {"number": case.number, "query_code": case.query_code})]


def _accepted(case: Case) -> list[tuple[str, dict]]:
    handle = CaseDeadline.objects.filter(case=case, step=Step.HANDLE, is_open=True).order_by("-id").first()
    unit = case.handling_unit.name if case.handling_unit else ""
    return [
        (
            "case_accepted",
            {"number": case.number, "unit": unit, "due_on": handle.due_on if handle else ""},
        )
    ]


def _served(case: Case, from_status: str) -> list[tuple[str, dict]]:
    notices = []
    if stage_of(from_status) == OpinionStage.HANDLE:
        window = due_for(rule_set=case.rule_set, step=Step.RECHECK_REQUEST, starts_on=case.served_on)
        notices.append(("opinion_served", {"number": case.number, "review_until": window.due_on}))
    until = evaluation_window_end(case)
    if until and until >= timezone.localdate():
        notices.append(("evaluation_invite", {"number": case.number, "until": until}))
    return notices


def _accused_names(case: Case) -> list[str]:
    rows = ComplainedParty.objects.filter(case=case).values_list("name", "organisation")
    return [name for pair in rows for name in pair if name and len(name.strip()) >= 2]


def _queue(case: Case, phone: str, key: str, context: dict) -> OutboundSms | None:
    """Render, make sure the text names nobody complained about, and put it in the outbox."""
    accused = _accused_names(case)
    if accused:
        text = sms_render(key, context) or ""
        if any(name in text for name in accused):
            context = {**context, "unit": _("承办单位")}
            text = sms_render(key, context) or ""
        if any(name in text for name in accused):
            logger.warning("SMS %s for case %s not queued: it would name the accused", key, case.number)
            return None
    return sms_queue(phone=phone, template_key=key, context=context, case=case)


# --- Reminders before the 复查/复核 window closes (run by the worker) --------------------------------


def review_reminders_send(*, today: datetime.date | None = None) -> int:
    """Remind petitioners `SMS_REVIEW_REMINDER_DAYS` before their request window ends; once per service.

    The outbox row itself is the record: a `review_deadline` notice for the case created since its
    last service means it was reminded (also when the phone had opted out and the row is `skipped`).
    """
    if not settings.SMS_NOTIFY:
        return 0
    today = today or timezone.localdate()
    queued = 0
    for case, step, due_on in _windows_closing(today):
        with transaction.atomic():
            locked = (
                Case.objects.select_for_update()
                .filter(pk=case.pk, status=case.status, served_on=case.served_on)
                .first()
            )
            if locked is None or _reminded(locked):
                continue
            phone = petitioner_phone(locked)
            what = _("复查") if step == Step.RECHECK_REQUEST else _("复核")
            context = {"number": locked.number, "what": what, "until": due_on}
            if phone and _queue(locked, phone, REVIEW_TEMPLATE, context) is not None:
                queued += 1
    if queued:
        logger.info("review deadline reminders queued: %s", queued)
    return queued


def _windows_closing(today: datetime.date) -> list[tuple[Case, str, datetime.date]]:
    """(case, window step, last day) for each case whose request window ends within the next N days."""
    ahead = datetime.timedelta(days=settings.SMS_REVIEW_REMINDER_DAYS)
    closing = []
    for step, statuses in REVIEW_WINDOWS.items():
        for limit in RuleLimit.objects.filter(step=step).select_related("rule_set"):
            # Every window still open started within one calendar span (calendar_span) before today.
            span_start, span_end = calendar_span(today, limit.days, limit.day_type)
            earliest = today - (span_end - span_start)
            candidates = list(
                Case.objects.filter(
                    rule_set=limit.rule_set, status__in=statuses, served_on__range=(earliest, today)
                ).only("id", "status", "served_on")
            )
            calendar = load_calendar(earliest, span_end) if candidates else None
            for case in candidates:
                due = compute_due(
                    case.served_on,
                    limit.days,
                    limit.day_type,
                    calendar=calendar,
                    roll_forward=limit.rule_set.roll_forward,
                )
                if due.due_on - ahead <= today <= due.due_on:
                    closing.append((case, step, due.due_on))
    return closing


def _reminded(case: Case) -> bool:
    since = timezone.make_aware(datetime.datetime.combine(case.served_on, datetime.time.min))
    return OutboundSms.objects.filter(case=case, template=REVIEW_TEMPLATE, created_at__gte=since).exists()
