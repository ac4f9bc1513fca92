"""Reading OA claims and the administrator's mapping: which seats (unit × role) a login grants."""

from dataclasses import dataclass

from django.conf import settings

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
