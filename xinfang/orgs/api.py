"""API v1: the unit tree and the current user."""

from ninja import Router, Schema

from xinfang.orgs.access import seats_of
from xinfang.orgs.models import Unit

router = Router(tags=["单位与用户"])


class UnitOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    kind_label: str
    level: str
    region_code: str
    parent_id: int | None


class SeatOut(Schema):
    unit: UnitOut
    roles: list[str]


class MeOut(Schema):
    username: str
    full_name: str
    seats: list[SeatOut]


def unit_out(unit: Unit) -> dict:
    return {
        "id": unit.pk,
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "kind_label": unit.get_kind_display(),
        "level": unit.level,
        "region_code": unit.region_id,
        "parent_id": unit.parent_id,
    }


@router.get("", response=list[UnitOut], summary="单位树（按层级排序）")
def units_api(request):
    return [unit_out(u) for u in Unit.objects.filter(is_active=True).order_by("path")]


@router.get("/me", response=MeOut, summary="当前用户及其任职单位、角色")
def me_api(request):
    user = request.user
    seats = [{"unit": unit_out(s.unit), "roles": sorted(s.roles)} for s in seats_of(user)]
    return {"username": user.username, "full_name": user.full_name, "seats": seats}
