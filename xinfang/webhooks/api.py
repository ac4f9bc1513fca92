"""API v1 for connected systems: their own webhook subscriptions and delivery log, and the OA 待办.

Mounted at `/api/v1/integrations` (integrations/api.py `_register_routers`). The caller is an
integration account's service user (its token); a person's token gets 403. Errors use the API's
`{"code", "detail"}` shape. See docs/webhooks.md and docs/api.md.
"""

import datetime
import uuid as uuid_module

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from xinfang.cases.schemas import CaseListOut, case_list_out
from xinfang.cases.selectors import awaiting_decision, workbench_cases, workbench_counts
from xinfang.common.api_schemas import ErrorOut, Page
from xinfang.common.paging import IdFirstPaginator
from xinfang.common.services import audit_record
from xinfang.integrations.models import IntegrationKind
from xinfang.orgs.access import seats_of, visible_unit_ids
from xinfang.orgs.models import Role, Unit, User
from xinfang.webhooks.access import account_of_caller, get_delivery_for_account, get_subscription_for_account
from xinfang.webhooks.choices import DeliveryStatus, EventType
from xinfang.webhooks.models import Delivery, Subscription
from xinfang.webhooks.selectors import delivery_list
from xinfang.webhooks.services import (
    delivery_redeliver,
    subscription_create,
    subscription_rotate_secret,
    subscription_send_test,
    subscription_update,
)

router = Router(tags=["接入系统"])


READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, **READ_ERRORS}


class EventTypeOut(Schema):
    code: str
    label: str


class SubscriptionIn(Schema):
    url: str
    event_types: list[str]
    units: list[int] = []
    description: str = ""


class SubscriptionPatch(Schema):
    url: str | None = None
    event_types: list[str] | None = None
    units: list[int] | None = None
    description: str | None = None
    is_active: bool | None = None


class SubscriptionOut(Schema):
    id: int
    url: str
    event_types: list[str]
    units: list[int]
    description: str
    is_active: bool
    secret_prefix: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class SubscriptionSecretOut(SubscriptionOut):
    secret: str


class DeliveryOut(Schema):
    id: str
    subscription: int
    event: str
    event_label: str
    case_number: str
    status: str
    status_label: str
    attempts: int
    next_attempt_at: datetime.datetime | None
    delivered_at: datetime.datetime | None
    last_status_code: int | None
    last_error: str
    created_at: datetime.datetime


class AttemptOut(Schema):
    started_at: datetime.datetime
    trigger: str
    status_code: int | None
    ok: bool
    error: str
    duration_ms: int
    response_excerpt: str


class DeliveryDetailOut(DeliveryOut):
    payload: dict
    attempt_log: list[AttemptOut]


class DeliveryListOut(Schema):
    items: list[DeliveryOut]
    pagination: Page


class RedeliverOut(Schema):
    result: str
    delivery: DeliveryDetailOut


def _subscription_out(subscription: Subscription) -> dict:
    return {
        "id": subscription.pk,
        "url": subscription.url,
        "event_types": subscription.event_types,
        "units": sorted(u.pk for u in subscription.units.all()),
        "description": subscription.description,
        "is_active": subscription.is_active,
        "secret_prefix": subscription.secret_prefix,
        "created_at": subscription.created_at,
        "updated_at": subscription.updated_at,
    }


def _delivery_out(delivery: Delivery) -> dict:
    return {
        "id": str(delivery.uuid),
        "subscription": delivery.subscription_id,
        "event": delivery.event_type,
        "event_label": (delivery.payload or {}).get("event_label", delivery.event_type),
        "case_number": delivery.case_number,
        "status": delivery.status,
        "status_label": delivery.get_status_display(),
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "delivered_at": delivery.delivered_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at,
    }


def _delivery_detail(delivery: Delivery) -> dict:
    attempts = delivery.attempt_log.order_by("id").values(
        "started_at", "trigger", "status_code", "ok", "error", "duration_ms", "response_excerpt"
    )
    return {**_delivery_out(delivery), "payload": delivery.payload, "attempt_log": list(attempts)}


def _units(ids: list[int]) -> list[Unit]:
    units = list(Unit.objects.filter(pk__in=set(ids)))
    if len(units) != len(set(ids)):
        raise ValidationError({"units": [_("单位编号不存在。")]})
    return units


@router.get(
    "/webhooks/event-types", response={200: list[EventTypeOut], **READ_ERRORS}, summary="可订阅的事件类型"
)
def event_types_api(request):
    account_of_caller(request.user)
    return [{"code": code, "label": str(label)} for code, label in EventType.choices]


@router.get(
    "/webhooks/subscriptions",
    response={200: list[SubscriptionOut], **READ_ERRORS},
    summary="本系统的 Webhook 订阅",
)
def subscription_list_api(request):
    account = account_of_caller(request.user)
    rows = account.webhook_subscriptions.prefetch_related("units").order_by("id")
    return [_subscription_out(s) for s in rows]


@router.post(
    "/webhooks/subscriptions",
    response={201: SubscriptionSecretOut, **WRITE_ERRORS},
    summary="新增订阅（签名密钥只在此返回一次）",
)
def subscription_create_api(request, payload: SubscriptionIn):
    account = account_of_caller(request.user)
    subscription, secret = subscription_create(
        account=account,
        url=payload.url,
        event_types=payload.event_types,
        units=_units(payload.units),
        description=payload.description,
        acting_user=request.user,
        request=request,
        via="api",
    )
    return Status(201, {**_subscription_out(subscription), "secret": secret})


@router.get(
    "/webhooks/subscriptions/{pk}", response={200: SubscriptionOut, **READ_ERRORS}, summary="一个订阅"
)
def subscription_get_api(request, pk: int):
    return _subscription_out(get_subscription_for_account(account_of_caller(request.user), pk))


@router.patch(
    "/webhooks/subscriptions/{pk}",
    response={200: SubscriptionOut, **WRITE_ERRORS},
    summary="修改、停用或启用订阅",
)
def subscription_patch_api(request, pk: int, payload: SubscriptionPatch):
    subscription = get_subscription_for_account(account_of_caller(request.user), pk)
    changes = payload.model_dump(exclude_none=True)
    if "units" in changes:
        changes["units"] = _units(changes["units"])
    subscription = subscription_update(
        subscription=subscription, acting_user=request.user, request=request, via="api", **changes
    )
    return _subscription_out(subscription)


@router.post(
    "/webhooks/subscriptions/{pk}/rotate-secret",
    response={200: SubscriptionSecretOut, **WRITE_ERRORS},
    summary="重新生成签名密钥（旧密钥立即失效）",
)
def subscription_rotate_api(request, pk: int):
    subscription = get_subscription_for_account(account_of_caller(request.user), pk)
    secret = subscription_rotate_secret(
        subscription=subscription, acting_user=request.user, request=request, via="api"
    )
    subscription.refresh_from_db()
    return {**_subscription_out(subscription), "secret": secret}


@router.post(
    "/webhooks/subscriptions/{pk}/test",
    response={200: DeliveryDetailOut, **WRITE_ERRORS},
    summary="发送测试事件",
)
def subscription_test_api(request, pk: int):
    subscription = get_subscription_for_account(account_of_caller(request.user), pk)
    delivery = subscription_send_test(
        subscription=subscription, acting_user=request.user, request=request, via="api"
    )
    return _delivery_detail(delivery)


class DeliveryQuery(Schema):
    subscription: int | None = None
    status: str = ""
    event: str = ""
    case_number: str = ""
    page: int = 1


@router.get(
    "/webhooks/deliveries",
    response={200: DeliveryListOut, 400: ErrorOut, **READ_ERRORS},
    summary="本系统的投递记录",
)
def delivery_list_api(request, q: Query[DeliveryQuery]):
    account = account_of_caller(request.user)
    if q.status and q.status not in DeliveryStatus.values:
        raise ValidationError({"status": [_("状态应为 pending、delivered 或 failed。")]})
    rows = delivery_list(
        account=account,
        subscription=q.subscription,
        status=q.status,
        event_type=q.event,
        case_number=q.case_number[:24],
    )
    page = IdFirstPaginator(rows, settings.PAGE_SIZE).get_page(q.page)
    meta = {"page": page.number, "count": page.paginator.count, "pages": page.paginator.num_pages}
    return {"items": [_delivery_out(d) for d in page.object_list], "pagination": meta}


def _uuid(value: str):
    try:
        return uuid_module.UUID(value)
    except ValueError:
        raise Http404(_("投递记录不存在。")) from None


@router.get(
    "/webhooks/deliveries/{delivery_id}",
    response={200: DeliveryDetailOut, **READ_ERRORS},
    summary="一次投递及每次尝试",
)
def delivery_get_api(request, delivery_id: str):
    account = account_of_caller(request.user)
    return _delivery_detail(get_delivery_for_account(account, _uuid(delivery_id)))


@router.post(
    "/webhooks/deliveries/{delivery_id}/redeliver",
    response=RedeliverOut,
    summary="重新投递（立即再发送一次）",
)
def delivery_redeliver_api(request, delivery_id: str):
    account = account_of_caller(request.user)
    delivery = get_delivery_for_account(account, _uuid(delivery_id))
    result = delivery_redeliver(delivery=delivery, acting_user=request.user, request=request, via="api")
    delivery.refresh_from_db()
    return {"result": result, "delivery": _delivery_detail(delivery)}


# --- OA 待办 ---------------------------------------------------------------------------------------


class TodoUnitOut(Schema):
    unit_id: int
    unit: str
    roles: list[str]
    counts: dict[str, int]
    total: int
    group: str
    items: list[CaseListOut]
    pagination: Page
    to_decide: list[CaseListOut]
    web_url: str


class TodosOut(Schema):
    username: str
    full_name: str
    total: int
    units: list[TodoUnitOut]


class TodoQuery(Schema):
    username: str
    unit: int | None = None
    group: str = ""
    page: int = 1


GROUPS = ("overdue", "due_soon", "later", "none")
DECIDERS = frozenset({Role.UNIT_HEAD, Role.DISPATCHER, Role.SUPERVISOR})


def _oa_reach(account) -> set[int]:
    """Units whose staff's 待办 this OA account may read: its service user's, narrowed by its units."""
    reach = visible_unit_ids(account.user)
    limits = list(account.units.all())
    if limits:
        below: set[int] = set()
        for unit in limits:
            below |= set(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
        reach &= below
    return reach


@router.get(
    "/todos", response={200: TodosOut, **READ_ERRORS}, summary="OA 待办：某工作人员所在单位待办的信访件"
)
def todos_api(request, q: Query[TodoQuery]):
    """The staff user's 待办, as their workbench shows it: counts per group and the first page."""
    account = account_of_caller(request.user)
    if account.kind != IntegrationKind.OA:
        raise PermissionDenied(_("只有 OA 系统的接入账号可以查询待办。"))
    staff = User.objects.filter(username=q.username[:150], is_active=True).first()
    reach = _oa_reach(account)
    seats = [s for s in seats_of(staff) if s.unit.pk in reach] if staff else []
    if q.unit is not None:
        seats = [s for s in seats if s.unit.pk == q.unit]
    if not seats:
        raise Http404(_("该用户不存在、已停用，或不在本系统可查询的单位任职。"))
    units = [_todo_unit(seat, q) for seat in seats]
    audit_record(
        user=request.user,
        action="oa_todos_read",
        detail={"username": staff.username, "units": [s.unit.pk for s in seats]},
        request=request,
        via="api",
    )
    return {
        "username": staff.username,
        "full_name": staff.get_full_name(),
        "total": sum(u["total"] for u in units),
        "units": units,
    }


def _todo_unit(seat, q: TodoQuery) -> dict:
    bench = workbench_counts(unit=seat.unit, due_soon_days=settings.DUE_SOON_WORKING_DAYS)
    counts = {
        "overdue": bench.overdue,
        "due_soon": bench.due_soon,
        "later": bench.later,
        "none": bench.no_deadline,
    }
    group = q.group if q.group in GROUPS else next((g for g in GROUPS if counts[g]), "overdue")
    page = IdFirstPaginator(workbench_cases(bench=bench, group=group), settings.PAGE_SIZE).get_page(q.page)
    to_decide = list(awaiting_decision(unit=seat.unit)[:20]) if seat.roles & DECIDERS else []
    return {
        "unit_id": seat.unit.pk,
        "unit": seat.unit.name,
        "roles": sorted(seat.roles),
        "counts": counts,
        "total": bench.total,
        "group": group,
        "items": [case_list_out(c) for c in page.object_list],
        "pagination": {"page": page.number, "count": page.paginator.count, "pages": page.paginator.num_pages},
        "to_decide": [case_list_out(c) for c in to_decide],
        "web_url": f"{settings.WEBHOOK_BASE_URL}{reverse('cases:workbench')}?group={group}",
    }
