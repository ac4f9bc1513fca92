"""A unit tree and personas for the ledger (style.md §15), and a helper that registers disputes.

示范市信访局 (city bureau)
├── 示范县信访局 (county bureau)
│   ├── 东湖镇 (township: the ledger under test)
│   │   └── 东湖村 (a unit below the township)
│   └── 西山镇 (a sibling township)
└── 邻县信访局 (another county)
"""

import datetime

import pytest

from xinfang.disputes.choices import PartyKind, RiskLevel
from xinfang.disputes.services import DisputeInput, PartyInput, dispute_create
from xinfang.orgs.models import Membership, Region, Role, Unit, UnitKind, UnitLevel, User

PHONE = "13912345678"


class Tree:
    pass


def _unit(name, kind, level, region, parent=None):
    return Unit.objects.create(name=name, kind=kind, level=level, region=region, parent=parent)


@pytest.fixture
def tree(db):
    city_region = Region.objects.create(code="990100", name="示范市")
    county_region = Region.objects.create(code="990121", name="示范县", parent=city_region)
    other_region = Region.objects.create(code="990122", name="邻县", parent=city_region)
    bureau, handling = UnitKind.PETITION_BUREAU, UnitKind.HANDLING_UNIT
    t = Tree()
    t.county_region = county_region
    t.city = _unit("示范市信访局", bureau, UnitLevel.CITY, city_region)
    t.county = _unit("示范县信访局", bureau, UnitLevel.COUNTY, county_region, t.city)
    t.town = _unit("东湖镇", handling, UnitLevel.TOWNSHIP, county_region, t.county)
    t.village = _unit("东湖村", handling, UnitLevel.TOWNSHIP, county_region, t.town)
    t.town2 = _unit("西山镇", handling, UnitLevel.TOWNSHIP, county_region, t.county)
    t.other = _unit("邻县信访局", bureau, UnitLevel.COUNTY, other_region, t.city)
    t.units = {
        "own": t.town,
        "parent": t.county,
        "grandparent": t.city,
        "sibling": t.town2,
        "child": t.village,
        "unrelated": t.other,
    }

    def person(username, unit=None, *roles, **extra):
        user = User.objects.create_user(username=username, password="x", full_name=username, **extra)
        for role in roles:
            Membership.objects.create(user=user, unit=unit, role=Role.objects.get(code=role))
        return user

    t.person = person
    t.town_registrar = person("town_registrar", t.town, Role.REGISTRAR)
    t.town_handler = person("town_handler", t.town, Role.HANDLER)
    t.town_head = person("town_head", t.town, Role.UNIT_HEAD)
    t.town2_handler = person("town2_handler", t.town2, Role.HANDLER, Role.REGISTRAR)
    t.county_supervisor = person("county_supervisor", t.county, Role.SUPERVISOR)
    t.county_supervisor2 = person("county_supervisor2", t.county, Role.SUPERVISOR)
    t.county_leader = person("county_leader", t.county, Role.LEADER)
    t.county_dispatcher = person("county_dispatcher", t.county, Role.DISPATCHER, Role.REGISTRAR)
    t.city_supervisor = person("city_supervisor", t.city, Role.SUPERVISOR)
    return t


def month_span(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = day.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return first, last


def dispute_input(tree, **overrides) -> DisputeInput:
    today = datetime.date.today()
    start, end = month_span(today)
    fields = {
        "title": "东湖村土地承包纠纷",
        "description": "两户村民因承包地边界发生争执，多次到村委会反映，情绪较为激动。",
        "risk_level": RiskLevel.MEDIUM,
        "period_start": start,
        "period_end": end,
        "found_on": today,
        "due_on": today + datetime.timedelta(days=30),
        "responsible_id": tree.town_handler.pk,
        "leader_id": None,
    }
    fields.update(overrides)
    return DisputeInput(**fields)


def parties(*extra) -> list[PartyInput]:
    return [
        PartyInput(name="李四", kind=PartyKind.PERSON, contact=PHONE),
        PartyInput(name="东湖村村民委员会", kind=PartyKind.ORGANISATION),
        *extra,
    ]


@pytest.fixture
def make_dispute(tree):
    def _make(actor=None, unit=None, party_list=None, **overrides):
        if overrides.get("risk_level") == RiskLevel.HIGH:
            overrides.setdefault("leader_id", tree.town_head.pk)
        return dispute_create(
            actor=actor or tree.town_registrar,
            unit=unit or tree.town,
            data=dispute_input(tree, **overrides),
            parties=party_list if party_list is not None else parties(),
        )

    return _make
