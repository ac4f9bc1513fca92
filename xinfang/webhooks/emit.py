"""Writing webhook events into the outbox, in the transaction of the change they tell about.

`cases.services.event_record` hands every case event to `emit_for_case_event`; the deadline scan
(`supervision/reminders.py`) hands its reminders and overdue flags to `emit_many`. Each event becomes
one `Delivery` row per subscription that wants it (a transactional outbox): the row commits or rolls
back with the change, so a process that dies between the two loses nothing and sends nothing false.

Who gets an event (all must hold):
1. the subscription and its account are active and the account's service user is active;
2. the subscription lists the event type;
3. the event's unit lies in the account's units and the subscription's units (each a subtree; none
   set = no restriction);
4. the account's service user may see the case (the rule of `cases_visible_to`, the web's own gate).

Payloads carry no petitioner data at all — no name, phone, ID number, address, nor the title or the
content (free text that may name people) — so nothing can point at a 检举控告 reporter (2022 条例 §30 ¶3).
"""

import datetime
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinfang.cases.choices import EventKind
from xinfang.cases.models import Case, CaseUnit
from xinfang.integrations.models import IntegrationAccount
from xinfang.orgs.access import sees_everything, visible_unit_ids
from xinfang.orgs.models import Unit
from xinfang.webhooks.choices import EventType
from xinfang.webhooks.models import Delivery, Subscription

logger = logging.getLogger("xinfang.webhooks")

# The case event's `data.action` → the webhook event it is (query-free, see event_type_of).
ACTION_EVENTS = {
    "transfer": EventType.CASE_DISPATCHED,
    "assign": EventType.CASE_DISPATCHED,
    "serve": EventType.OPINION_SERVED,
    "evaluate": EventType.EVALUATION_RECEIVED,
    "supervise": EventType.SUPERVISION_OPENED,
    "urge": EventType.SUPERVISION_URGED,
}
# What of the case event's data goes out; anything else (reasons, notes) may hold personal words.
DATA_KEYS = {
    EventType.CASE_DISPATCHED: ("action", "due_on"),
    EventType.OPINION_SERVED: ("served_on", "method", "refused"),
    EventType.EVALUATION_RECEIVED: ("target", "level", "source"),
    EventType.SUPERVISION_OPENED: ("supervision_id", "due_on", "title"),
    EventType.SUPERVISION_URGED: ("title",),
}


@dataclass
class PendingEvent:
    """One event before fan-out: its type, case, the unit it concerns and its own facts."""

    event_type: str
    case_id: int
    unit_id: int | None
    data: dict = field(default_factory=dict)
    occurred_at: datetime.datetime = field(default_factory=timezone.now)


def event_type_of(event) -> str | None:
    """The webhook event a case event is, or None (most events are none)."""
    if event.kind == EventKind.REGISTERED:
        return EventType.CASE_REGISTERED
    if event.kind not in (EventKind.TRANSITION, EventKind.ACTION):
        return None
    return ACTION_EVENTS.get((event.data or {}).get("action"))


def active_subscriptions(event_types: set[str]) -> list[Subscription]:
    """The active subscriptions wanting any of `event_types`, each with `limit_paths`: the tree paths
    of its account's units and of its own units (two lists; empty = no limit). At most three queries."""
    rows = [
        s
        for s in Subscription.objects.filter(
            is_active=True, account__is_active=True, account__user__is_active=True
        ).select_related("account__user")
        if event_types & set(s.event_types)
    ]
    if not rows:
        return rows
    own: dict[int, list[str]] = defaultdict(list)
    for subscription_id, path in Subscription.units.through.objects.filter(
        subscription_id__in=[s.pk for s in rows]
    ).values_list("subscription_id", "unit__path"):
        own[subscription_id].append(path)
    accounts: dict[int, list[str]] = defaultdict(list)
    for account_id, path in IntegrationAccount.units.through.objects.filter(
        integrationaccount_id__in={s.account_id for s in rows}
    ).values_list("integrationaccount_id", "unit__path"):
        accounts[account_id].append(path)
    for subscription in rows:
        subscription.limit_paths = (accounts[subscription.account_id], own[subscription.pk])
    return rows


def emit_for_case_event(event, case: Case) -> int:
    """Queue the deliveries a case event calls for; a failure here never undoes the step itself.

    Only the write is in a savepoint (a failed insert rolls back only the webhook rows); the reads
    before it cost no savepoint for the many events that no subscription wants.
    """
    event_type = event_type_of(event)
    if event_type is None:
        return 0
    try:
        subscriptions = active_subscriptions({event_type})
        if not subscriptions:
            return 0
        pending = PendingEvent(
            event_type=event_type,
            case_id=case.pk,
            unit_id=_unit_of(event_type, event, case),
            data=_data_of(event_type, event),
            occurred_at=event.created_at or timezone.now(),
        )
        rows = _deliveries([pending], subscriptions)
        if rows:
            with transaction.atomic():
                Delivery.objects.bulk_create(rows, batch_size=500)
        return len(rows)
    except Exception:
        logger.exception("webhook event %s of case %s not queued", event_type, event.case_id)
        return 0


def emit_many(events: list[PendingEvent]) -> int:
    """Queue many events at once (the deadline scan): subscriptions and cases are read once."""
    if not events:
        return 0
    subscriptions = active_subscriptions({e.event_type for e in events})
    rows = _deliveries(events, subscriptions) if subscriptions else []
    Delivery.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _unit_of(event_type: str, event, case: Case) -> int | None:
    """The unit the event concerns: the receiver of a 交办/转送, the supervised unit, the rated unit …"""
    if event_type == EventType.OPINION_SERVED:
        return event.unit_id or case.handling_unit_id
    if event_type == EventType.EVALUATION_RECEIVED:
        rated = case.evaluations.order_by("-id").values_list("unit_id", flat=True).first()
        return rated or case.owner_unit_id
    if event_type == EventType.SUPERVISION_OPENED:
        from xinfang.supervision.models import Supervision

        target = Supervision.objects.filter(pk=(event.data or {}).get("supervision_id"))
        return target.values_list("target_unit_id", flat=True).first() or case.owner_unit_id
    return case.owner_unit_id  # registered (the registering unit holds it), dispatched (new holder), urged


def _data_of(event_type: str, event) -> dict:
    source = event.data or {}
    data = {key: source[key] for key in DATA_KEYS.get(event_type, ()) if key in source}
    if event_type == EventType.CASE_DISPATCHED:
        data["kind"] = data.pop("action", "")
        data["from_unit_id"] = event.unit_id
    return data


def emit_many_safely(events: list[PendingEvent]) -> int:
    """`emit_many` in a savepoint: a failure is logged and never undoes the deadline scan's batch."""
    try:
        with transaction.atomic():
            return emit_many(events)
    except Exception:
        logger.exception("webhook events of the deadline scan not queued (%d)", len(events))
        return 0


# --- Fan-out ---------------------------------------------------------------------------------------


def _deliveries(events: list[PendingEvent], subscriptions: list[Subscription]) -> list[Delivery]:
    """One Delivery per (event, subscription that wants it and may see the case); not yet saved."""
    cases = {
        c.pk: c for c in Case.objects.filter(pk__in={e.case_id for e in events}).select_related("owner_unit")
    }
    units = {c.owner_unit_id: c.owner_unit for c in cases.values()}
    units |= _units({e.unit_id for e in events} - set(units))
    scopes = _ScopeCache()
    visible = _visibility(subscriptions, list(cases))
    rows = []
    for event in events:
        case = cases.get(event.case_id)
        if case is None:
            continue
        payload = None
        for subscription in subscriptions:
            if event.event_type not in subscription.event_types:
                continue
            if event.case_id not in visible[subscription.account.user_id]:
                continue
            if not scopes.allows(subscription, event.unit_id):
                continue
            payload = payload or build_payload(event, case, units)
            rows.append(
                Delivery(
                    subscription=subscription,
                    event_id=payload["event_id"],
                    event_type=event.event_type,
                    case_number=case.number,
                    payload=payload,
                    next_attempt_at=timezone.now(),
                )
            )
    return rows


def _units(ids: set) -> dict[int, Unit]:
    ids = {i for i in ids if i}
    return {u.pk: u for u in Unit.objects.filter(pk__in=ids).only("id", "name", "path")} if ids else {}


def _visibility(subscriptions: list[Subscription], case_ids: list[int]) -> dict[int, set[int]]:
    """Per service user, which of these cases they may see.

    The rule of `cases_visible_to` (a case is visible when one of its CaseUnit links is a unit in
    `visible_unit_ids(user)`; a superuser sees all), applied in memory to the links read once: each
    further account costs its seats' queries, not a case query as well.
    """
    links: dict[int, set[int]] = defaultdict(set)
    for case_id, unit_id in CaseUnit.objects.filter(case_id__in=case_ids).values_list("case_id", "unit_id"):
        links[case_id].add(unit_id)
    seen: dict[int, set[int]] = {}
    for subscription in subscriptions:
        user = subscription.account.user
        if user.pk in seen:
            continue
        if sees_everything(user):
            seen[user.pk] = set(case_ids)
            continue
        units = visible_unit_ids(user)
        seen[user.pk] = {case_id for case_id in case_ids if links[case_id] & units}
    return defaultdict(set, seen)


class _ScopeCache:
    """The units an account and a subscription are restricted to, each a subtree (no paths = all)."""

    def __init__(self) -> None:
        self._subtrees: dict[str, set[int]] = {}

    def _expand(self, paths: list[str]) -> set[int] | None:
        if not paths:
            return None
        ids: set[int] = set()
        for path in paths:
            if path not in self._subtrees:
                below = Unit.objects.filter(path__startswith=path).values_list("pk", flat=True)
                self._subtrees[path] = set(below)
            ids |= self._subtrees[path]
        return ids

    def allows(self, subscription: Subscription, unit_id: int | None) -> bool:
        for paths in subscription.limit_paths:
            scope = self._expand(paths)
            if scope is not None and unit_id not in scope:
                return False
        return True


def build_payload(event: PendingEvent, case: Case, units: dict[int, Unit]) -> dict:
    """The JSON body (docs/webhooks.md, "Payload"): facts and links, never a petitioner's data."""
    unit = units.get(event.unit_id) if event.unit_id else None
    return {
        "event_id": str(uuid.uuid4()),
        "event": event.event_type,
        "event_label": str(EventType(event.event_type).label),
        "occurred_at": timezone.localtime(event.occurred_at).isoformat(),
        "unit": {"id": unit.pk, "name": unit.name} if unit else None,
        "case": case_summary(case),
        "data": event.data,
    }


def case_summary(case: Case) -> dict:
    base = settings.WEBHOOK_BASE_URL
    return {
        "number": case.number,
        "status": case.status,
        "status_label": case.get_status_display(),
        "is_open": case.is_open,
        "owner_unit": {"id": case.owner_unit_id, "name": case.owner_unit.name},
        "registered_at": timezone.localtime(case.registered_at).isoformat(),
        "due_on": case.due_on.isoformat() if case.due_on else None,
        "api_url": f"{base}/api/v1/cases/{case.number}",
        "web_url": f"{base}/cases/{case.number}/",
    }
