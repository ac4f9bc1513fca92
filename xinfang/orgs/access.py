"""Who the user is in the unit tree: memberships, roles and the units whose cases they may see.

A 信访部门 sees its own cases and those of the units below it; a handling unit sees what was sent to it
(DESIGN.md §4). Results are cached on the user object for the length of one request.
"""

from dataclasses import dataclass

from django.http import HttpRequest

from xinfang.orgs.models import Membership, Role, Unit

SESSION_UNIT_KEY = "xinfang_unit_id"


@dataclass(frozen=True)
class Seat:
    unit: Unit
    roles: frozenset[str]


UNIT_LIMIT_ATTR = "_xf_unit_limit"


def limit_units(user, paths) -> None:
    """Confine this user object, for the current request, to seats in these units' subtrees.

    An integration account restricted to some units (issue 7 §2; xinfang/integrations/auth.py) calls
    this before anything reads the seats: every gate and list below is built on `seats_of`, so a token
    of a restricted account reaches only cases of those units, whatever wider seats its user holds.
    """
    setattr(user, UNIT_LIMIT_ATTR, tuple(paths))
    for cached in ("_xf_seats", "_xf_visible_units"):
        if hasattr(user, cached):
            delattr(user, cached)


def _inside_limit(user, unit: Unit) -> bool:
    paths = getattr(user, UNIT_LIMIT_ATTR, None)
    return paths is None or any(unit.path.startswith(path) for path in paths)


def seats_of(user) -> list[Seat]:
    """The user's units with the roles held in each, in tree order (within its unit limit, if any)."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_xf_seats", None)
    if cached is not None:
        return cached
    roles_by_unit: dict[int, set[str]] = {}
    units: dict[int, Unit] = {}
    for membership in Membership.objects.filter(user=user, unit__is_active=True).select_related(
        "unit", "unit__region"
    ):
        units[membership.unit_id] = membership.unit
        roles_by_unit.setdefault(membership.unit_id, set()).add(membership.role_id)
    seats = [
        Seat(unit=units[uid], roles=frozenset(roles))
        for uid, roles in roles_by_unit.items()
        if _inside_limit(user, units[uid])
    ]
    seats.sort(key=lambda seat: seat.unit.path)
    user._xf_seats = seats
    return seats


def has_role(user, role: str, unit: Unit | None = None) -> bool:
    return any(role in seat.roles and (unit is None or seat.unit.pk == unit.pk) for seat in seats_of(user))


def units_with_role(user, role: str) -> list[Unit]:
    return [seat.unit for seat in seats_of(user) if role in seat.roles]


def sees_everything(user) -> bool:
    """Superusers see every unit's cases, unless they act through a unit-restricted token."""
    return bool(user.is_authenticated and user.is_superuser and getattr(user, UNIT_LIMIT_ATTR, None) is None)


def visible_unit_ids(user) -> set[int]:
    """Units whose cases the user may see: a bureau's whole subtree, or just a handling unit itself."""
    cached = getattr(user, "_xf_visible_units", None)
    if cached is not None:
        return cached
    ids: set[int] = set()
    for seat in seats_of(user):
        if seat.unit.is_bureau:
            ids.update(Unit.objects.filter(path__startswith=seat.unit.path).values_list("pk", flat=True))
        else:
            ids.add(seat.unit.pk)
    user._xf_visible_units = ids
    return ids


def bureau_unit_ids(user) -> set[int]:
    """Units seen from a 信访部门 seat: only those may see a whistleblower's identity (2022 条例 §30 ¶3)."""
    ids: set[int] = set()
    for seat in seats_of(user):
        if seat.unit.is_bureau:
            ids.update(Unit.objects.filter(path__startswith=seat.unit.path).values_list("pk", flat=True))
    return ids


def current_unit(request: HttpRequest) -> Unit | None:
    """The unit the user is working for now (chosen in the header when they have several)."""
    seats = seats_of(request.user)
    if not seats:
        return None
    wanted = request.session.get(SESSION_UNIT_KEY)
    for seat in seats:
        if seat.unit.pk == wanted:
            return seat.unit
    return seats[0].unit


def roles_in(user, unit: Unit | None) -> frozenset[str]:
    for seat in seats_of(user):
        if unit is not None and seat.unit.pk == unit.pk:
            return seat.roles
    return frozenset()


REGISTERING_ROLES = (Role.REGISTRAR, Role.DISPATCHER, Role.ADMIN)
