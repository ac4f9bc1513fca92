"""Open311 GeoReport v2 (issue 7 §4): the writes and reads behind /open311/v2/ (docs/open311.md).

A service is a content category of the current version; a service request is a message in the
信箱审查 queue, received through `message_receive` exactly like a 县长信箱 letter, so screening,
numbering, the SMS with the 查询码 and the statutory clock are the same. What is shown back is public
data only: never the name, phone or e-mail, and nothing but the status for 检举控告 (举报).
"""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from xinfang.cases.choices import CLOSED_STATUSES
from xinfang.common.services import audit_record
from xinfang.integrations.auth import token_find, token_mark_used, token_refusal
from xinfang.integrations.models import ApiScope, ApiToken, Open311Request
from xinfang.messaging.choices import MessageKind, ScreeningStatus, Source
from xinfang.messaging.screening import MOBILE_RE, RESIDENT_ID_RE
from xinfang.messaging.services import message_receive
from xinfang.portal.limits import HOUR, WRITE_PER_PHONE, Limit, RateGate
from xinfang.reference.models import Category, CategoryVersion

POSTS_PER_KEY = Limit("open311-key", "OPEN311_PER_KEY_HOUR", HOUR)
DEFAULT_SPAN = datetime.timedelta(days=90)  # the standard's default window for GET requests
MAX_REQUESTS = 1000  # the standard's ceiling for one GET requests answer
KINDS = (MessageKind.COMPLAINT, MessageKind.SUGGESTION, MessageKind.HELP, MessageKind.REPORT)


class Open311Error(Exception):
    """An answer in the standard's error format: [{code, description}] with an HTTP 4xx status."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# --- Services ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    group: str
    category: Category


def services_list() -> list[Service]:
    """The leaves of the current category version (a first level without children is its own leaf)."""
    version = CategoryVersion.objects.filter(is_current=True).first()
    if version is None:
        return []
    rows = list(Category.objects.filter(version=version, is_active=True).order_by("sort_order", "code"))
    by_id = {row.pk: row for row in rows}
    parents = {row.parent_id for row in rows if row.parent_id}

    def top(row: Category) -> Category:
        while row.parent_id in by_id:
            row = by_id[row.parent_id]
        return row

    leaves = [
        row for row in rows if row.pk not in parents and (row.parent_id is None or row.parent_id in by_id)
    ]
    ordered = sorted(leaves, key=lambda row: (top(row).sort_order, top(row).code, row.sort_order, row.code))
    return [Service(code=row.code, name=row.name, group=top(row).name, category=row) for row in ordered]


def service_get(code: str) -> Service:
    for service in services_list():
        if service.code == code:
            return service
    raise Open311Error(404, _("服务代码“%(code)s”不存在。") % {"code": code[:40]})


def service_definition(service: Service) -> dict:
    """One optional attribute: the kind of message (举报 routes it as 检举控告, with its protection)."""
    return {
        "service_code": service.code,
        "attributes": [
            {
                "variable": True,
                "code": "kind",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("不填时按“投诉”处理。"),
                "order": 1,
                "description": _("诉求类型"),
                "values": [{"key": str(kind.value), "name": str(kind.label)} for kind in KINDS],
            }
        ],
    }


# --- api_key ----------------------------------------------------------------------------------------


def api_key_check(raw: str) -> ApiToken:
    """A valid API token with the `open311` scope (issue 7 §2), or a 403 in the standard's format."""
    raw = (raw or "").strip()
    if not raw:
        raise Open311Error(403, _("缺少 api_key：提交服务请求须提供有效的 api_key。"))
    token = token_find(raw)
    if token is None:
        raise Open311Error(403, _("api_key 无效或已吊销。"))
    now = timezone.now()
    refusal = token_refusal(token, now)
    if refusal:
        raise Open311Error(403, _("api_key 无效：%(why)s") % {"why": refusal})
    if not token.has_scope(ApiScope.OPEN311):
        raise Open311Error(403, _("此 api_key 没有 Open311 提交权限（需要 open311 权限范围）。"))
    token_mark_used(token, now)
    return token


# --- POST requests ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Posted:
    record: Open311Request
    replayed: bool  # a client retry: the first request's answer again, nothing new stored


def _float(data, name: str, low: float, high: float) -> float | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise Open311Error(
            400, _("%(name)s 应为 %(low)s 到 %(high)s 之间的数。") % {"name": name, "low": low, "high": high}
        )
    return value


def _location(data) -> dict:
    lat, long = _float(data, "lat", -90, 90), _float(data, "long", -180, 180)
    if (lat is None) != (long is None):
        raise Open311Error(400, _("lat 与 long 须同时提供。"))
    address = (data.get("address_string") or "").strip()[:200]
    address_id = (data.get("address_id") or "").strip()[:100]
    if lat is None and not address and not address_id:
        raise Open311Error(400, _("缺少位置：请提供 lat/long、address_string 或 address_id 之一。"))
    return {"lat": lat, "long": long, "address": address, "address_id": address_id}


def _kind(data) -> str:
    kind = (data.get("attribute[kind]") or "").strip() or MessageKind.COMPLAINT
    if kind not in KINDS:
        raise Open311Error(400, _("attribute[kind] 的取值无效。"))
    return kind


def _email(data) -> str:
    email = (data.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise Open311Error(400, _("email 格式不正确。")) from exc
    return email[:254]


def _replay_of(api_token: ApiToken, external_id: str | None, client_ref: str, description: str):
    if external_id:
        first = (
            Open311Request.objects.select_related("message")
            .filter(message__source=Source.OPEN311, message__external_id=external_id)
            .first()
        )
        if first is not None:
            return first
    return _retry_of(api_token, client_ref, description)


def _retry_of(api_token: ApiToken, client_ref: str, description: str) -> Open311Request | None:
    """The same client (device_id/account_id) sending the same text again within the retry window."""
    minutes = settings.OPEN311_RETRY_MINUTES
    if not client_ref or not minutes:
        return None
    since = timezone.now() - datetime.timedelta(minutes=minutes)
    return (
        Open311Request.objects.select_related("message")
        .filter(
            api_token=api_token, client_ref=client_ref, created_at__gte=since, message__content=description
        )
        .order_by("-pk")
        .first()
    )


def _field_errors(exc: ValidationError) -> str:
    names = {
        "content": "description",
        "phone": "phone",
        "name": "first_name/last_name",
        "title": "service_code",
    }
    parts = []
    for field, messages in exc.message_dict.items():
        parts.append(f"{names.get(field, field)}：{'；'.join(messages)}")
    return "；".join(parts) or _("提交的内容有误。")


def request_post(*, api_token: ApiToken, data, idempotency_key: str = "", ip: str | None = None) -> Posted:
    """One service request into the 信箱审查 queue.

    1. service code, location, description and the kind are checked (400/404 in the standard's words);
    2. a retry — the same Idempotency-Key, or the same device_id/account_id with the same text within
       OPEN311_RETRY_MINUTES — gets the first request back; 3. within the per-key and per-phone limits,
       `message_receive` stores the message (SMS with number + 查询码 to the phone, if given), and this
       row keeps the Open311 side; 4. audit row — all before the client is answered.
    """
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("缺少 service_code。"))
    service = service_get(code)
    description = (data.get("description") or "").strip()
    if not description:
        raise Open311Error(400, _("缺少 description：请写明反映的问题。"))
    location, kind = _location(data), _kind(data)
    client_ref = ((data.get("device_id") or "").strip() or (data.get("account_id") or "").strip())[:100]
    email = _email(data)
    name = ((data.get("last_name") or "").strip() + (data.get("first_name") or "").strip())[:40]
    key = (idempotency_key or "").strip()
    external_id = f"{api_token.pk}:{key}"[:120] if key else None
    with transaction.atomic():
        first = _replay_of(api_token, external_id, client_ref, description)
        if first is not None:  # answered without taking a slot of the limit
            return Posted(record=first, replayed=True)
        gate = RateGate(
            [(POSTS_PER_KEY, str(api_token.pk)), (WRITE_PER_PHONE, (data.get("phone") or "").strip())],
            message=_("提交过于频繁，请稍后再试（约%(wait)s后）。"),
        )
        # The key's bucket is locked now: a twin of this request that got here first has committed.
        first = _replay_of(api_token, external_id, client_ref, description)
        if first is not None:
            return Posted(record=first, replayed=True)
        try:
            received = message_receive(
                source=Source.OPEN311,
                kind=kind,
                title=service.name,
                content=description,
                name=name,
                phone=(data.get("phone") or "").strip(),
                is_anonymous=kind == MessageKind.REPORT and not name,
                issue_address=location["address"] or _coordinates(location),
                external_id=external_id,
                sender_ip=ip,
            )
        except ValidationError as exc:
            raise Open311Error(400, _field_errors(exc)) from exc
        if not received.created:  # the same Idempotency-Key committed by another server meanwhile
            return Posted(record=Open311Request.objects.get(message=received.message), replayed=True)
        record = Open311Request.objects.create(
            message=received.message,
            service_code=service.code,
            category=service.category,
            token=secrets.token_hex(16),
            api_token=api_token,
            client_ref=client_ref,
            lat=location["lat"],
            long=location["long"],
            address_id=location["address_id"],
            email=email,
        )
        gate.hit()
        audit_record(
            user=api_token.user,
            action="open311_request_post",
            obj=received.message,
            detail={
                "message": received.message.number,
                "service_code": service.code,
                "api_token": api_token.prefix,
            },
            via="open311",
        )
    return Posted(record=record, replayed=False)


def _coordinates(location: dict) -> str:
    if location["lat"] is None:
        return ""
    return f"{location['lat']:.6f},{location['long']:.6f}"


# --- GET requests ----------------------------------------------------------------------------------


def _closed_q() -> Q:
    linked = Q(message__status__in=[ScreeningStatus.CONVERTED, ScreeningStatus.MERGED])
    return Q(message__status__in=[ScreeningStatus.ANSWERED, ScreeningStatus.SPAM]) | (
        linked & Q(message__case__status__in=list(CLOSED_STATUSES))
    )


def _moment(raw: str, name: str, *, end: bool) -> datetime.datetime | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
        day = None if moment else parse_date(raw)
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise Open311Error(
            400,
            _("%(name)s 日期格式不正确，应为 ISO 8601，例如 2026-01-31T08:00:00+08:00。") % {"name": name},
        )
    if moment is None:
        moment = datetime.datetime.combine(day + datetime.timedelta(days=1) if end else day, datetime.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def requests_query(params) -> list[Open311Request]:
    """GET requests: by ids, or by service code, status and period (default the last 90 days), ≤ 1000."""
    rows = Open311Request.objects.select_related(
        "message",
        "message__case",
        "message__case__handling_unit",
        "message__case__purpose",
        "message__screening_unit",
        "category",
    )
    ids = [part.strip() for part in (params.get("service_request_id") or "").split(",") if part.strip()]
    if ids:
        return list(rows.filter(message__number__in=ids[:MAX_REQUESTS]).order_by("-created_at", "-pk"))
    start = _moment(params.get("start_date"), "start_date", end=False)
    end = _moment(params.get("end_date"), "end_date", end=True)
    if start and end and end < start:
        raise Open311Error(400, _("end_date 不能早于 start_date。"))
    if start is None:
        start = (end or timezone.now()) - DEFAULT_SPAN
    rows = rows.filter(created_at__gte=start)  # its own index; the same moment as received_at
    if end is not None:
        rows = rows.filter(created_at__lt=end)
    codes = [part.strip() for part in (params.get("service_code") or "").split(",") if part.strip()]
    if codes:
        rows = rows.filter(service_code__in=codes)
    statuses = {part.strip() for part in (params.get("status") or "").split(",") if part.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status 只能是 open 或 closed。"))
    if statuses == {"open"}:
        rows = rows.exclude(_closed_q())
    elif statuses == {"closed"}:
        rows = rows.filter(_closed_q())
    return list(rows.order_by("-created_at", "-pk")[:MAX_REQUESTS])


def request_get(service_request_id: str) -> Open311Request:
    found = requests_query({"service_request_id": service_request_id.replace(",", "")})
    if not found:
        raise Open311Error(404, _("服务请求“%(id)s”不存在。") % {"id": service_request_id[:40]})
    return found[0]


def token_get(token: str) -> Open311Request:
    found = Open311Request.objects.select_related("message").filter(token=token[:40]).first()
    if found is None:
        raise Open311Error(404, _("令牌“%(token)s”不存在。") % {"token": token[:40]})
    return found


def _iso(moment: datetime.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _status(record: Open311Request) -> tuple[str, str, datetime.datetime | None, str]:
    """(open/closed, status note, last change, agency) from the screening decision and the case."""
    message = record.message
    agency = message.screening_unit.name
    if message.status == ScreeningStatus.NEW:
        return "open", _("已收到，待审查。"), message.received_at, agency
    if message.status in (ScreeningStatus.ANSWERED, ScreeningStatus.SPAM):
        note = (
            _("已直接答复。")
            if message.status == ScreeningStatus.ANSWERED
            else _("经审查为无效信息，不予受理。")
        )
        return "closed", note, message.handled_at, agency
    case = message.case
    if case is not None and case.handling_unit_id:
        agency = case.handling_unit.name
    if case is not None and case.status in CLOSED_STATUSES:
        return (
            "closed",
            _("已转为信访件，%(status)s。") % {"status": case.get_status_display()},
            case.closed_at or message.handled_at,
            agency,
        )
    return "open", _("已转为信访件，正在办理。"), message.handled_at, agency


def _protected(record: Open311Request) -> bool:
    """检举控告: a 举报 message, or a case whose purpose protects identity, shows only its status."""
    message = record.message
    if message.kind == MessageKind.REPORT or message.is_anonymous:
        return True
    case = message.case
    return bool(case is not None and case.purpose_id and case.purpose.protects_identity)


def public_text(text: str) -> str:
    """The description as shown to anyone: mobile numbers and resident ids blanked out."""
    return RESIDENT_ID_RE.sub("******", MOBILE_RE.sub("***********", text))


def request_public(record: Open311Request) -> dict:
    """One request as the standard's `request`, public fields only (no name, phone or e-mail)."""
    status, note, updated, agency = _status(record)
    protected = _protected(record)
    message = record.message
    return {
        "service_request_id": message.number,
        "status": status,
        "status_notes": note,
        "service_name": record.category.name,
        "service_code": record.service_code,
        "description": None if protected else public_text(message.content),
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": _iso(message.received_at),
        "updated_datetime": _iso(updated),
        "expected_datetime": None,
        "address": None if protected else (message.issue_address or None),
        "address_id": None if protected else (record.address_id or None),
        "zipcode": None,
        "lat": None if protected else record.lat,
        "long": None if protected else record.long,
        "media_url": None,
    }
