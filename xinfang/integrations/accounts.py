"""Integration accounts (接入系统, issue 7 §2): services, the managers' gate and the selectors of their page.

A connected system (portal, OA, forum bridge, upper-level system) gets a service user that cannot log
in on the web (unusable password), seats in the units it works for, and its own tokens. Deactivating
the account stops every token at once (auth.token_refusal answers 401 naming the account). Every change
writes an audit row (`integration_account_*`, `api_token_*`).
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.services import audit_record
from xinfang.integrations.auth import api_token_create, token_refusal
from xinfang.integrations.models import ApiToken, IntegrationAccount, IntegrationKind
from xinfang.integrations.ratelimit import token_call_counts
from xinfang.orgs.access import seats_of, sees_everything
from xinfang.orgs.models import Membership, Role, Unit

# The roles a connected system may hold (a leader's or admin's seat makes no sense for a machine).
SERVICE_ROLES = (Role.REGISTRAR, Role.DISPATCHER, Role.HANDLER, Role.SUPERVISOR)


def can_manage_integrations(user) -> bool:
    """System administrators: a superuser, or an admin (系统管理员) seated at a 信访部门."""
    if not user.is_authenticated:
        return False
    return sees_everything(user) or any(
        Role.ADMIN in seat.roles and seat.unit.is_bureau for seat in seats_of(user)
    )


def manageable_units(user):
    """Units whose seats and restrictions this manager may hand out: their bureaus' subtrees."""
    units = Unit.objects.filter(is_active=True).order_by("path")
    if sees_everything(user):
        return units
    paths = [seat.unit.path for seat in seats_of(user) if Role.ADMIN in seat.roles and seat.unit.is_bureau]
    if not paths:
        return units.none()
    return units.filter(pk__in=[u.pk for u in units if any(u.path.startswith(p) for p in paths)])


def manageable_accounts(user):
    """The accounts this manager sees: those whose seats all lie in units they manage."""
    accounts = IntegrationAccount.objects.select_related("user").prefetch_related("units").order_by("name")
    if sees_everything(user):
        return accounts
    allowed = set(manageable_units(user).values_list("pk", flat=True))
    outside = Membership.objects.exclude(unit_id__in=allowed).values("user_id")
    return accounts.exclude(user_id__in=outside)


def get_account_for_manager(user, pk: int) -> IntegrationAccount:
    """The one gate for an account page: PermissionDenied for non-managers, 404-like None otherwise."""
    if not can_manage_integrations(user):
        raise PermissionDenied(_("只有系统管理员可以管理接入系统。"))
    return manageable_accounts(user).filter(pk=pk).first()


def _check_units(user, units, roles) -> None:
    """Units within the manager's reach (the command line, user None, is the server's operator)."""
    allowed = None if user is None else set(manageable_units(user).values_list("pk", flat=True))
    if allowed is not None and any(unit.pk not in allowed for unit in units):
        raise ValidationError({"units": [_("只能选择您管理的单位。")]})
    if any(role not in SERVICE_ROLES for role in roles):
        raise ValidationError({"roles": [_("接入系统只能担任登记员、办信员、承办员或督办员。")]})


@transaction.atomic
def integration_account_create(
    *,
    acting_user,
    name: str,
    kind: str,
    username: str,
    seat_units,
    roles,
    restrict_to=(),
    contact: str = "",
    note: str = "",
    via: str = "web",
) -> IntegrationAccount:
    """Create the account with its service user.

    1. the service user: unusable password, so it never logs in on the web; 2. its seats (each chosen
    unit × each role); 3. the account, restricted to `restrict_to` when given; 4. the audit row.
    """
    name, username = name.strip(), username.strip()
    if kind not in IntegrationKind.values:
        raise ValidationError({"kind": [_("系统类型无效。")]})
    if not name or IntegrationAccount.objects.filter(name=name).exists():
        raise ValidationError({"name": [_("系统名称不能为空，且不能与已有接入系统重名。")]})
    users = get_user_model().objects
    if not username or users.filter(username=username).exists():
        raise ValidationError({"username": [_("服务账号用户名不能为空，且不能与已有用户重名。")]})
    if not seat_units or not roles:
        raise ValidationError({"units": [_("请至少选择一个任职单位和一个角色。")]})
    _check_units(acting_user, [*seat_units, *restrict_to], roles)
    service_user = users.create_user(username=username, full_name=name[:30], password=None)
    service_user.full_clean(exclude=["password"])
    for unit in seat_units:
        for role in roles:
            Membership.objects.create(user=service_user, unit=unit, role_id=role)
    account = IntegrationAccount.objects.create(
        name=name, kind=kind, user=service_user, contact=contact.strip(), note=note.strip()
    )
    account.units.set(restrict_to)
    audit_record(
        user=acting_user,
        action="integration_account_created",
        obj=account,
        detail={
            "name": name,
            "kind": kind,
            "username": username,
            "seats": sorted(f"{u.name}:{r}" for u in seat_units for r in roles),
            "restricted_to": sorted(u.name for u in restrict_to),
        },
        via=via,
    )
    return account


@transaction.atomic
def integration_account_update(
    *, account: IntegrationAccount, acting_user, kind: str, contact: str, note: str, restrict_to, via="web"
) -> IntegrationAccount:
    """Change the type, contact, note or unit restriction; the audit row keeps old and new values."""
    if kind not in IntegrationKind.values:
        raise ValidationError({"kind": [_("系统类型无效。")]})
    _check_units(acting_user, restrict_to, [])
    account = IntegrationAccount.objects.select_for_update().get(pk=account.pk)
    old = _snapshot(account)
    account.kind, account.contact, account.note = kind, contact.strip(), note.strip()
    account.save(update_fields=["kind", "contact", "note"])
    account.units.set(restrict_to)
    new = _snapshot(account)
    if new != old:
        changed = {key: {"old": old[key], "new": new[key]} for key in new if new[key] != old[key]}
        audit_record(
            user=acting_user, action="integration_account_changed", obj=account, detail=changed, via=via
        )
    return account


def _snapshot(account: IntegrationAccount) -> dict:
    return {
        "kind": account.kind,
        "contact": account.contact,
        "note": account.note,
        "restricted_to": sorted(account.units.values_list("name", flat=True)),
    }


@transaction.atomic
def integration_account_set_active(
    *, account: IntegrationAccount, acting_user, active: bool, via="web"
) -> bool:
    """(De)activate: a deactivated account's tokens all answer 401 at once. False when nothing changed."""
    changed = IntegrationAccount.objects.filter(pk=account.pk, is_active=not active).update(is_active=active)
    if changed:
        account.is_active = active
        audit_record(
            user=acting_user,
            action="integration_account_activated" if active else "integration_account_deactivated",
            obj=account,
            detail={"name": account.name},
            via=via,
        )
    return bool(changed)


@transaction.atomic
def integration_token_issue(
    *, account: IntegrationAccount, acting_user, name: str, scopes, days: int = 0, via="web"
) -> tuple[ApiToken, str]:
    """A new token of this account; the raw value is returned once (show it, never store it)."""
    if not account.is_active:
        raise ValidationError({"__all__": [_("接入系统已停用，不能签发令牌。")]})
    if days < 0 or days > 3660:
        raise ValidationError({"days": [_("有效天数应在 0（不过期）到 3660 之间。")]})
    expires_at = timezone.now() + datetime.timedelta(days=days) if days else None
    try:
        token, raw = api_token_create(
            user=account.user,
            name=(name.strip() or account.name)[:60],
            scopes=scopes,
            expires_at=expires_at,
            account=account,
        )
    except ValueError as exc:
        raise ValidationError({"scopes": [str(exc)]}) from exc
    audit_record(
        user=acting_user,
        action="api_token_created",
        obj=token,
        detail={
            "account": account.name,
            "scopes": token.scopes,
            "expires_at": expires_at and expires_at.isoformat(),
        },
        via=via,
    )
    return token, raw


def account_tokens(account: IntegrationAccount, *, now=None) -> list[dict]:
    """The account's tokens, newest first, with state, last use and calls in the last hour and day."""
    now = now or timezone.now()
    tokens = list(account.tokens.order_by("-created_at"))
    counts = token_call_counts([t.pk for t in tokens], now=now.timestamp())
    rows = []
    for token in tokens:
        token.account = account  # token_refusal reads it; no query per row
        token.user = account.user
        refusal = token_refusal(token, now)
        rows.append({"token": token, "valid": not refusal, "refusal": refusal, **counts[token.pk]})
    return rows
