"""Reading OA claims and the administrator's mapping: which seats (unit × role) a login grants."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from xinfang.common.models import AuditLog
from xinfang.sso.models import DepartmentMapping, RoleMapping

Seat = tuple[int, str]  # (unit id, role code), the key of a Membership


def claim_values(claims: dict, name: str) -> list[str]:
    """The values of a claim as a list of strings; `name` may be a dotted path into nested claims.

    Providers send a department or roles as a string, a number, a list, or objects with a "name" (or
    "id"); every shape ends up as a list of trimmed, non-empty, distinct strings.
    """
    value = claims
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    items = value if isinstance(value, list) else [value]
    result: list[str] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name") or item.get("id")
        if isinstance(item, str | int) and not isinstance(item, bool):
            result.append(str(item).strip())
    return [item for item in dict.fromkeys(result) if item]


@dataclass(frozen=True)
class MappedClaims:
    """What a person's claims say and what they map to."""

    departments: list[str]
    roles: list[str]
    seats: frozenset[Seat]

    def as_detail(self) -> dict:
        """For the audit log and the identity's last claims (no personal data beyond the org values)."""
        return {"departments": self.departments, "roles": self.roles}


def seats_for_claims(claims: dict) -> MappedClaims:
    """The seats a person's OA claims map to.

    1. Each active department mapping gives its unit.
    2. Role mappings without a fixed unit give their role in each of those units; when none of the
       person's roles maps, the department mapping's default role (if any) is used there instead.
    3. Role mappings with a fixed unit give that role in that unit, whatever the department.
    Inactive mappings and inactive units give nothing.
    """
    departments = claim_values(claims, settings.OIDC_CLAIM_DEPARTMENT)
    roles = claim_values(claims, settings.OIDC_CLAIM_ROLES)
    return seats_for_values(departments, roles)


def seats_for_values(departments: list[str], roles: list[str]) -> MappedClaims:
    """The seats for department and role values (the rules in `seats_for_claims`)."""
    department_maps = list(
        DepartmentMapping.objects.filter(claim_value__in=departments, is_active=True, unit__is_active=True)
    )
    role_maps = list(RoleMapping.objects.filter(claim_value__in=roles, is_active=True))
    general_roles = {m.role_id for m in role_maps if m.unit_id is None}
    seats: set[Seat] = set()
    for mapping in department_maps:
        unit_roles = general_roles or ({mapping.default_role_id} if mapping.default_role_id else set())
        seats.update((mapping.unit_id, role) for role in unit_roles)
    fixed = [m for m in role_maps if m.unit_id is not None]
    if fixed:
        active_units = set(
            RoleMapping.objects.filter(pk__in=[m.pk for m in fixed], unit__is_active=True).values_list(
                "unit_id", flat=True
            )
        )
        seats.update((m.unit_id, m.role_id) for m in fixed if m.unit_id in active_units)
    return MappedClaims(departments=departments, roles=roles, seats=frozenset(seats))


@dataclass(frozen=True)
class UnmappedLogin:
    """OA values that were refused because nothing maps them, grouped, for the administrator to map."""

    departments: tuple[str, ...]
    roles: tuple[str, ...]
    attempts: int
    last_at: datetime
    people: int


def unmapped_logins(*, days: int = 30, limit: int = 500) -> list[UnmappedLogin]:
    """Recent `sso_login_refused` (reason unmapped) audit rows, grouped by the values the OA system sent.

    Groups whose values map to a seat by now (the administrator added a mapping since) are left out.
    """

    rows = AuditLog.objects.filter(
        action="sso_login_refused", detail__reason="unmapped", at__gte=timezone.now() - timedelta(days=days)
    ).order_by("-at")[:limit]
    groups: dict[tuple, dict] = {}
    for row in rows:
        key = (tuple(row.detail.get("departments", [])), tuple(row.detail.get("roles", [])))
        group = groups.setdefault(key, {"attempts": 0, "last_at": row.at, "people": set()})
        group["attempts"] += 1
        group["people"].add(row.detail.get("subject"))
    result = []
    for (departments, roles), group in groups.items():
        if seats_for_values(list(departments), list(roles)).seats:
            continue
        result.append(
            UnmappedLogin(departments, roles, group["attempts"], group["last_at"], len(group["people"]))
        )
    return result


def seat_labels(seats) -> list[tuple[str, str]]:
    """(unit name, role name) for seats, in tree order, for pages."""
    from xinfang.orgs.models import Role, Unit

    units = Unit.objects.in_bulk({unit_id for unit_id, _ in seats})
    roles = Role.objects.in_bulk({role for _, role in seats})
    ordered = sorted(seats, key=lambda seat: (units[seat[0]].path, seat[1]))
    return [(units[unit_id].name, roles[role].name) for unit_id, role in ordered]
