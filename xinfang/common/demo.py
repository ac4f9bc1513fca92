"""Loads the demo county (示范县): regions, units, accounts and about 200 cases in every state.

Idempotent: units, accounts and memberships are created or brought back to the demo values, and cases
are created only when the demo cases are not all there yet (each has submission_key "demo-NNNN").
Cases go through the real services (`case_register`, `case_transition`), so numbers, events,
visibility and clocks are exactly what users would have produced. The plan is drawn from a fixed
seed and is relative to today, so every load tells the same three-month story.
"""

from __future__ import annotations

import datetime
import random
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from xinfang.cases.choices import CaseStatus
from xinfang.cases.models import Case, CaseDeadline
from xinfang.cases.services import case_transition, deadline_meet, deadline_open
from xinfang.common import demo_data as data
from xinfang.common.validators import resident_id_check_char
from xinfang.deadlines.models import RuleSet, Step
from xinfang.intake.services import ComplainedInput, PetitionerInput, case_register
from xinfang.orgs.models import Membership, Region, Role, Unit, UnitKind, UnitLevel, User
from xinfang.reference.models import Category

S = CaseStatus

ROLE_NAMES = {
    Role.REGISTRAR: "登记员",
    Role.DISPATCHER: "办信/接访员",
    Role.HANDLER: "承办员",
    Role.UNIT_HEAD: "单位负责人",
    Role.SUPERVISOR: "督办员",
    Role.LEADER: "领导",
    Role.ADMIN: "系统管理员",
}

# Final status → how many demo cases end there (DEMO_CASE_COUNT in all). The first 15 repeat cases
# take their statuses from REPEAT_STATUSES, the originals share the rest.
STATUS_COUNTS = {
    S.REGISTERED: 50,
    S.PENDING_SIGN: 36,
    S.SIGNED: 24,
    S.HANDLING: 50,
    S.OPINION_ISSUED: 4,
    S.SERVED: 6,
    S.CLOSED: 10,
    S.INFORMED: 8,
    S.NOT_ACCEPTED: 5,
    S.DIVERTED: 2,
    S.ARCHIVED: 5,
}
REPEAT_STATUSES = [S.REGISTERED] * 6 + [S.NOT_ACCEPTED] * 5 + [S.PENDING_SIGN] * 4

# How many days ago a case that ends in a status was received: (low, high) ranges with weights.
# Zhejiang's limits (5 working days to dispose and to accept, 30 days to handle) make the older part
# of each range overdue and its edge "due within 3 working days", so the workbench shows both.
AGE_RANGES = {
    S.REGISTERED: (((0, 3), 45), ((4, 7), 35), ((8, 20), 20)),
    S.PENDING_SIGN: (((1, 4), 60), ((5, 12), 40)),
    S.SIGNED: (((2, 6), 60), ((7, 14), 40)),
    S.HANDLING: (((6, 25), 55), ((26, 34), 25), ((35, 50), 20)),
    S.OPINION_ISSUED: (((30, 60), 1),),
    S.SERVED: (((35, 75), 1),),
    S.CLOSED: (((45, 90), 1),),
    S.INFORMED: (((2, 90), 1),),
    S.NOT_ACCEPTED: (((10, 60), 1),),
    S.DIVERTED: (((10, 80), 1),),
    S.ARCHIVED: (((20, 90), 1),),
}

# The steps after registration for each final status (county route; see `_steps`).
HANDLING_PATH = [S.PENDING_SIGN, S.SIGNED, S.HANDLING]
PATHS = {
    S.REGISTERED: [],
    S.PENDING_SIGN: [S.PENDING_SIGN],
    S.SIGNED: [S.PENDING_SIGN, S.SIGNED],
    S.HANDLING: HANDLING_PATH,
    S.OPINION_ISSUED: [*HANDLING_PATH, S.OPINION_ISSUED],
    S.SERVED: [*HANDLING_PATH, S.OPINION_ISSUED, S.SERVED],
    S.CLOSED: [*HANDLING_PATH, S.OPINION_ISSUED, S.CLOSED],
    S.INFORMED: [S.INFORMED],
    S.NOT_ACCEPTED: [S.NOT_ACCEPTED],
    S.DIVERTED: [S.DIVERTED],
    S.ARCHIVED: [S.INFORMED, S.ARCHIVED],
}
# Days between the previous step and this one: (low, high).
STEP_GAPS = {
    S.PENDING_SIGN: (0, 2),
    S.SIGNED: (0, 1),
    S.HANDLING: (1, 3),
    S.OPINION_ISSUED: (10, 25),
    S.SERVED: (1, 4),
    S.CLOSED: (1, 6),
    S.INFORMED: (0, 2),
    S.NOT_ACCEPTED: (0, 3),
    S.DIVERTED: (0, 3),
    S.ARCHIVED: (1, 10),
}
CONSULT_ONLY = {S.INFORMED, S.ARCHIVED}


# ---------------------------------------------------------------------------------------------
# Fictional people


def resident_id(birth: datetime.date, serial: int, region: str = data.COUNTY[0]) -> str:
    """An 18-digit resident ID number with a correct GB 11643 check character."""
    first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    return first17 + resident_id_check_char(first17)


@dataclass(frozen=True)
class Person:
    name: str
    gender: str
    id_number: str
    phone: str
    address: str
    region_code: str


def _person(rng: random.Random, town: data.Township, used_ids: set[str]) -> Person:
    male = rng.random() < 0.55
    name = rng.choice(data.SURNAMES) + rng.choice(data.MALE_GIVEN if male else data.FEMALE_GIVEN)
    while True:
        birth = datetime.date(1948, 1, 1) + datetime.timedelta(days=rng.randrange(0, 55 * 365))
        serial = rng.randrange(0, 500) * 2 + (1 if male else 0)  # odd = male (GB 11643 §6.3)
        id_number = resident_id(birth, serial)
        if id_number not in used_ids:
            used_ids.add(id_number)
            break
    phone = rng.choice(data.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    if town.is_street:
        address = f"{data.COUNTY[1]}{town.name}{rng.choice(data.ESTATES)}{rng.randint(1, 24)}幢{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
    else:
        address = f"{data.COUNTY[1]}{town.name}{rng.choice(town.places)}{rng.randint(1, 260)}号"
    return Person(name, "M" if male else "F", id_number, phone, address, town.code)


# ---------------------------------------------------------------------------------------------
# The plan: what each demo case says and where it ends up (pure; no database)


@dataclass
class CaseSpec:
    key: str
    template: data.CaseTemplate
    town: data.Township
    fill: dict[str, str]
    channel: str
    received_on: datetime.date
    minute: int  # minute of the day it was registered
    status: str
    route: str  # "county", "city" (came through the city bureau) or "township" (registered there)
    people: list[Person] = field(default_factory=list)
    headcount: int = 1
    anonymous: bool = False
    urgent: bool = False
    skip_level: bool = False
    repeat_of: str | None = None
    gaps: list[int] = field(default_factory=list)

    @property
    def title(self) -> str:
        title = self.template.title.format(**self.fill)
        return f"{title}（再次反映）" if self.repeat_of else title

    @property
    def content(self) -> str:
        content = self.template.content.format(**self.fill)
        if self.repeat_of:
            content += "这个问题之前已经反映过，到现在还没有解决，所以再次提出。"
        if self.headcount > 1 and self.channel == "visit":
            content += f"今天一共来了{self.headcount}人，推选{len(self.people)}名代表反映情况。"
        return content

    @property
    def target(self) -> str:
        """The unit key the case is sent to: the township where it happened or a department."""
        return self.town.key if self.template.target == "town" else self.template.target


def _age(rng: random.Random, status: str) -> int:
    ranges = AGE_RANGES[status]
    (low, high), _weight = rng.choices(ranges, weights=[w for _r, w in ranges])[0]
    return rng.randint(low, high)


def _town(rng: random.Random, template: data.CaseTemplate) -> data.Township:
    towns = [
        t
        for t in data.TOWNSHIPS
        if not (template.rural and t.is_street or template.urban and not t.is_street)
    ]
    # The two townships with demo accounts get more cases, so their workbenches are full.
    weights = [4 if t.key in ("chengguan", "donghu") else 1 for t in towns]
    return rng.choices(towns, weights=weights)[0]


def _templates_for(status: str) -> list[data.CaseTemplate]:
    if status in CONSULT_ONLY:
        return [
            t for t in data.TEMPLATES if t.purpose == "consult" or (t.litigation and status == S.INFORMED)
        ]
    if status == S.DIVERTED:
        return [t for t in data.TEMPLATES if t.litigation]
    if status == S.REGISTERED:
        return list(data.TEMPLATES)
    return [t for t in data.TEMPLATES if t.purpose != "consult" and not t.litigation]


def _fill(rng: random.Random, town: data.Township) -> dict[str, str]:
    return {
        "town": town.name,
        "place": rng.choice(town.places),
        "estate": rng.choice(data.ESTATES),
        "company": rng.choice(data.COMPANIES),
        "builder": rng.choice(data.BUILDERS),
        "road": rng.choice(data.ROADS),
        "school": rng.choice(data.SCHOOLS),
        "manager": rng.choice(data.ESTATE_MANAGERS),
    }


def _spec(rng, status, today, used_ids, uses: Counter) -> CaseSpec:
    # The least used fitting template, so that all kinds of matters show up about equally often.
    candidates = _templates_for(status)
    fewest = min(uses[t.key] for t in candidates)
    template = rng.choice([t for t in candidates if uses[t.key] == fewest])
    uses[template.key] += 1
    route = "county"
    if status in (S.REGISTERED, S.HANDLING) and template.target == "town" and rng.random() < 0.5:
        route = "township"  # registered by the township's own 信访员 and handled there
    elif status in (S.PENDING_SIGN, S.SIGNED, S.HANDLING) and rng.random() < 0.12:
        route = "city"  # came to the city bureau first and was sent down
    town = _town(rng, template)
    if route == "township":
        # the two townships with their own demo 信访员: 东湖镇 (rural) and 城关街道 (urban)
        rural = template.rural or not template.urban and rng.random() < 0.5
        town = data.TOWNSHIP_BY_KEY["donghu" if rural else "chengguan"]
    channel = rng.choice(template.channels) if rng.random() < 0.4 else template.channels[0]
    spec = CaseSpec(
        key="",
        template=template,
        town=town,
        fill=_fill(rng, town),
        channel=channel,
        received_on=today - datetime.timedelta(days=_age(rng, status)),
        minute=rng.randint(8 * 60 + 30, 17 * 60),
        status=status,
        route=route,
    )
    _people(rng, spec, used_ids)
    return spec


def _people(rng: random.Random, spec: CaseSpec, used_ids: set[str]) -> None:
    template = spec.template
    if template.anonymous_ok and spec.channel != "visit" and rng.random() < 0.7:
        spec.anonymous = True  # 匿名检举: no petitioner at all
        return
    if template.group and "visit" in template.channels and spec.route != "township" and rng.random() < 0.3:
        spec.channel = "visit"  # 集体访: a group comes in person and chooses ≤5 representatives
        spec.headcount = rng.randint(6, 30)
        spec.people = [_person(rng, spec.town, used_ids) for _ in range(rng.randint(2, 5))]
        spec.urgent = spec.headcount >= 20
        return
    spec.people = [_person(rng, spec.town, used_ids)]
    spec.skip_level = spec.route == "city" and spec.channel == "visit"


def _repeat(rng: random.Random, original: CaseSpec, status: str, today: datetime.date) -> CaseSpec:
    age = (today - original.received_on).days
    return CaseSpec(
        key="",
        template=original.template,
        town=original.town,
        fill=dict(original.fill),
        channel="visit" if original.headcount > 1 else rng.choice(("visit", "letter", "call")),
        received_on=today - datetime.timedelta(days=rng.randint(0, max(0, age - 5))),
        minute=rng.randint(8 * 60 + 30, 17 * 60),
        status=status,
        route="county",
        people=list(original.people),
        headcount=original.headcount,
        repeat_of=original.key,
    )


def plan_cases(today: datetime.date, seed: int = data.DEMO_SEED) -> list[CaseSpec]:
    """The demo cases in registration order, with keys "demo-0001" …; the same every time for a day."""
    rng = random.Random(seed)
    counts = Counter(STATUS_COUNTS)
    counts.subtract(REPEAT_STATUSES)
    statuses = [status for status, n in counts.items() for _ in range(n)]
    rng.shuffle(statuses)
    used_ids: set[str] = set()
    uses: Counter = Counter()
    originals = [_spec(rng, status, today, used_ids, uses) for status in statuses]
    originals.sort(key=lambda s: (s.received_on, s.minute))
    for number, spec in enumerate(originals, start=1):
        spec.key = f"original-{number}"  # provisional: repeats point at it until the final numbering
    candidates = [
        s
        for s in originals
        if s.people
        and s.status in (S.HANDLING, S.SERVED, S.CLOSED)  # accepted earlier: a repeat may be refused
        and (today - s.received_on).days >= 12
    ]
    chosen = rng.sample(candidates, len(REPEAT_STATUSES))
    repeats = [
        _repeat(rng, original, status, today)
        for original, status in zip(chosen, REPEAT_STATUSES, strict=True)
    ]
    specs = sorted(originals + repeats, key=lambda s: (s.received_on, s.minute, s.repeat_of or ""))
    final = {}
    for number, spec in enumerate(specs, start=1):
        provisional, spec.key = spec.key, f"{data.DEMO_KEY_PREFIX}{number:04d}"
        final[provisional] = spec.key
    for spec in specs:
        spec.repeat_of = final.get(spec.repeat_of) if spec.repeat_of else None
        spec.gaps = [rng.randint(*STEP_GAPS[step]) for step in PATHS[spec.status]]
    return specs


# ---------------------------------------------------------------------------------------------
# Regions, units, roles and accounts


def ensure_regions() -> dict[str, Region]:
    province, _ = Region.objects.update_or_create(code=data.PROVINCE[0], defaults={"name": data.PROVINCE[1]})
    city, _ = Region.objects.update_or_create(
        code=data.CITY[0], defaults={"name": data.CITY[1], "parent": province}
    )
    county, _ = Region.objects.update_or_create(
        code=data.COUNTY[0], defaults={"name": data.COUNTY[1], "parent": city}
    )
    regions = {"province": province, "city": city, "county": county}
    for town in data.TOWNSHIPS:
        regions[town.key], _ = Region.objects.update_or_create(
            code=town.code, defaults={"name": town.name, "parent": county}
        )
    return regions


def _unit(name: str, **values) -> Unit:
    unit = Unit.objects.filter(name=name).first()
    if unit is None:
        return Unit.objects.create(name=name, **values)
    changed = [key for key, value in values.items() if getattr(unit, key) != value]
    if changed:
        for key in changed:
            setattr(unit, key, values[key])
        unit.save()  # not update_fields: Unit.save keeps the materialised path right after a move
    return unit


def ensure_units(regions: dict[str, Region]) -> dict[str, Unit]:
    """The unit tree: 市信访局 → 县信访局 → 18 镇乡/街道 and 15 key departments."""
    bureau = {"kind": UnitKind.PETITION_BUREAU, "is_active": True}
    city = _unit(
        data.CITY_BUREAU,
        short_name="市信访局",
        level=UnitLevel.CITY,
        region=regions["city"],
        parent=None,
        contact_phone="0570-87650000",
        sort_order=1,
        **bureau,
    )
    # The county follows Zhejiang's rule set (units below inherit it) once the preset exists.
    rule_set = RuleSet.objects.filter(code=data.COUNTY_RULE_SET).first()
    county_values = {"rule_set": rule_set} if rule_set else {}
    county = _unit(
        data.COUNTY_BUREAU,
        short_name="县信访局",
        level=UnitLevel.COUNTY,
        region=regions["county"],
        parent=city,
        contact_phone="0570-87651000",
        sort_order=1,
        **bureau,
        **county_values,
    )
    units = {"city": city, "county": county}
    handling = {"kind": UnitKind.HANDLING_UNIT, "parent": county, "is_active": True}
    for order, town in enumerate(data.TOWNSHIPS, start=1):
        units[town.key] = _unit(
            town.unit_name,
            short_name=town.name,
            level=UnitLevel.TOWNSHIP,
            region=regions[town.key],
            contact_phone=f"0570-8765{2000 + order:04d}",
            sort_order=10 + order,
            **handling,
        )
    for order, dept in enumerate(data.DEPARTMENTS, start=1):
        units[dept.key] = _unit(
            dept.unit_name,
            short_name=dept.short_name,
            level=UnitLevel.DEPARTMENT,
            region=regions["county"],
            contact_phone=f"0570-8765{dept.phone_tail}",
            sort_order=50 + order,
            **handling,
        )
    return units


def ensure_roles() -> dict[str, Role]:
    return {
        code: Role.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in ROLE_NAMES.items()
    }


def demo_accounts() -> list[data.Account]:
    """The named accounts plus one 信访员 (registrar + handler) for every other handling unit."""
    staffed = {account.unit for account in data.ACCOUNTS}
    rng = random.Random(data.DEMO_SEED + 1)
    taken = {account.full_name for account in data.ACCOUNTS}
    extra = []
    keys = [t.key for t in data.TOWNSHIPS] + [d.key for d in data.DEPARTMENTS]
    for number, key in enumerate((k for k in keys if k not in staffed), start=1):
        while True:
            given = rng.choice(data.MALE_GIVEN if rng.random() < 0.5 else data.FEMALE_GIVEN)
            name = rng.choice(data.SURNAMES) + given
            if name not in taken:
                taken.add(name)
                break
        extra.append(
            data.Account(
                f"{key}_xfy", name, key, (Role.REGISTRAR, Role.HANDLER), f"1390571{1000 + number:04d}"
            )
        )
    return [*data.ACCOUNTS, *extra]


class _PasswordCheck:
    """Check each distinct stored hash once and hash the demo password at most once (both are slow)."""

    def __init__(self) -> None:
        self.verdicts: dict[str, bool] = {}
        self.new_hash = ""

    def hash_for(self, stored: str) -> str | None:
        if stored not in self.verdicts:
            self.verdicts[stored] = bool(stored) and check_password(data.DEMO_PASSWORD, stored)
        if self.verdicts[stored]:
            return None
        self.new_hash = self.new_hash or make_password(data.DEMO_PASSWORD)
        return self.new_hash


def ensure_accounts(units: dict[str, Unit], roles: dict[str, Role]) -> list[tuple[data.Account, User]]:
    passwords = _PasswordCheck()
    accounts = []
    for account in demo_accounts():
        values = {
            "full_name": account.full_name,
            "phone": account.phone,
            "is_active": True,
            "is_staff": account.is_superuser,
            "is_superuser": account.is_superuser,
        }
        user = User.objects.filter(username=account.username).first() or User(username=account.username)
        changed = user.pk is None or any(getattr(user, key) != value for key, value in values.items())
        for key, value in values.items():
            setattr(user, key, value)
        if new_hash := passwords.hash_for(user.password):
            user.password = new_hash
            changed = True
        if changed:
            user.save()
        for role in account.roles:
            Membership.objects.get_or_create(user=user, unit=units[account.unit], role=roles[role])
        accounts.append((account, user))
    return accounts


# ---------------------------------------------------------------------------------------------
# Cases


@contextmanager
def _clock(moment: datetime.datetime) -> Iterator[None]:
    """Let the services stamp events, clocks and 办结时间 with the step's own (past) moment.

    Every service reads the time through `django.utils.timezone.now`, so patching it makes a three-month
    history read like three months of work instead of one afternoon. Single-threaded loader only.
    """
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@dataclass
class _Context:
    units: dict[str, Unit]
    users: dict[str, User]  # username → user
    handlers: dict[str, User]  # unit key → its 信访员
    categories: dict[tuple[str, str], int | None]
    now: datetime.datetime
    by_key: dict[str, object] = field(default_factory=dict)


def _category_ids() -> dict[tuple[str, str], int | None]:
    """(一级, 二级) → Category id in the current version; the first level if the second is missing."""
    current = Category.objects.filter(version__is_current=True, is_active=True)
    top = {c.name: c.pk for c in current.filter(parent__isnull=True)}
    second = {
        (c.parent.name, c.name): c.pk for c in current.filter(parent__isnull=False).select_related("parent")
    }
    return {t.category: second.get(t.category) or top.get(t.category[0]) for t in data.TEMPLATES}


def _moment(
    ctx: _Context, day: datetime.date, minute: int, after: datetime.datetime | None = None
) -> datetime.datetime:
    """An aware Asia/Shanghai moment on `day`, after `after` and never in the future."""
    moment = timezone.make_aware(
        datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(minutes=minute)
    )
    if after is not None:
        moment = max(moment, after + datetime.timedelta(minutes=7))
    return min(moment, ctx.now - datetime.timedelta(minutes=1))


def _registrar(spec: CaseSpec, ctx: _Context) -> tuple[User, Unit]:
    if spec.route == "township":
        return ctx.handlers[spec.town.key], ctx.units[spec.town.key]
    if spec.route == "city":
        return ctx.users["shi_dengji"], ctx.units["city"]
    registrar = "xfj_banxin" if spec.channel == "visit" else "xfj_dengji"  # 接访员 registers visits
    return ctx.users[registrar], ctx.units["county"]


def _people_inputs(spec: CaseSpec) -> tuple[list[PetitionerInput], list[ComplainedInput]]:
    petitioners = [
        PetitionerInput(
            name=p.name,
            gender=p.gender,
            id_number=p.id_number,
            phone=p.phone,
            address=p.address,
            region_code=p.region_code,
            is_primary=index == 0,
            is_representative=spec.headcount > 1,
        )
        for index, p in enumerate(spec.people)
    ]
    complained = []
    if spec.template.accused:
        name, position, organisation = spec.template.accused
        complained = [
            ComplainedInput(name=name, position=position, organisation=organisation.format(**spec.fill))
        ]
    return petitioners, complained


def _register(spec: CaseSpec, ctx: _Context):
    actor, unit = _registrar(spec, ctx)
    petitioners, complained = _people_inputs(spec)
    registered_at = _moment(ctx, spec.received_on, spec.minute)
    with _clock(registered_at):
        case = case_register(
            actor=actor,
            unit=unit,
            channel_code=spec.channel,
            purpose_code=spec.template.purpose,
            title=spec.title,
            content=spec.content,
            received_on=timezone.localdate(registered_at),
            petitioners=petitioners,
            category_id=ctx.categories.get(spec.template.category),
            demands=spec.template.demands,
            addressee="县长" if spec.channel == "web" else "",
            issue_region_code=spec.town.code,
            issue_address=f"{data.COUNTY[1]}{spec.template.address.format(**spec.fill)}",
            headcount=spec.headcount,
            is_anonymous=spec.anonymous,
            is_urgent=spec.urgent,
            is_skip_level=spec.skip_level,
            is_litigation=spec.template.litigation,
            repeat_of=ctx.by_key.get(spec.repeat_of) if spec.repeat_of else None,
            complained=complained,
            submission_key=spec.key,
            registered_at=registered_at,
        )
    return case, registered_at


@dataclass(frozen=True)
class _Step:
    to: str
    actor: User
    unit: Unit  # the unit acting
    reason: str
    new_owner: Unit | None = None


def _steps(spec: CaseSpec, ctx: _Context) -> list[_Step]:
    """The transitions that take a freshly registered case to `spec.status`."""
    target = ctx.units[spec.target]
    handler = ctx.handlers[spec.target]
    county, dispatcher = ctx.units["county"], ctx.users["xfj_banxin"]
    reasons = data.DISPOSE_REASONS
    if spec.route == "township":
        town = ctx.units[spec.town.key]
        return [_Step(S.HANDLING, handler, town, data.ACCEPT_REASON)] if spec.status != S.REGISTERED else []
    transfer = reasons["assign" if spec.template.group and spec.headcount > 1 else "transfer"].format(
        unit=target.short_name
    )
    by_status = {
        S.PENDING_SIGN: _Step(S.PENDING_SIGN, dispatcher, county, transfer, new_owner=target),
        S.SIGNED: _Step(S.SIGNED, handler, target, data.SIGN_REASON),
        S.HANDLING: _Step(S.HANDLING, handler, target, data.ACCEPT_REASON),
        S.OPINION_ISSUED: _Step(S.OPINION_ISSUED, handler, target, data.OPINION_REASON),
        S.SERVED: _Step(S.SERVED, handler, target, data.SERVE_REASON),
        S.CLOSED: _Step(S.CLOSED, handler, target, data.CLOSE_REASON),
        S.NOT_ACCEPTED: _Step(S.NOT_ACCEPTED, dispatcher, county, reasons["not_accept"]),
        S.DIVERTED: _Step(S.DIVERTED, dispatcher, county, reasons["divert"]),
        S.ARCHIVED: _Step(S.ARCHIVED, dispatcher, county, reasons["archive"]),
        S.INFORMED: _Step(
            S.INFORMED,
            dispatcher,
            county,
            reasons["litigation" if spec.template.litigation else "consult"],
        ),
    }
    steps = [by_status[status] for status in PATHS[spec.status]]
    if spec.route == "city":
        city = ctx.units["city"]
        down = [
            _Step(S.PENDING_SIGN, ctx.users["shi_banxin"], city, data.CITY_TRANSFER_REASON, new_owner=county),
            _Step(S.SIGNED, dispatcher, county, data.COUNTY_SIGN_REASON),
        ]
        steps = down[:1] if spec.status == S.PENDING_SIGN else down + steps
    return steps


def _clocks_after(case, step: _Step, day: datetime.date) -> None:
    """Meet the clock the step satisfies and start the next one from the step's own date.

    Skipped when the transition service already did it (a clock of that step is open).
    """

    def restart(meet: tuple[str, ...], start: str | None, unit: Unit) -> None:
        for met in meet:
            deadline_meet(case=case, step=met, actor=step.actor, unit=step.unit)
        if start and not CaseDeadline.objects.filter(case=case, step=start, is_open=True).exists():
            deadline_open(case=case, step=start, unit=unit, starts_on=day, actor=step.actor)

    if not case.is_open:
        return
    if step.to == S.PENDING_SIGN:
        to_bureau = step.new_owner.is_bureau
        restart(
            (Step.DISPOSE, Step.NOTIFY_DIRECT), Step.DISPOSE if to_bureau else Step.ACCEPT, step.new_owner
        )
    elif step.to == S.HANDLING:
        restart((Step.ACCEPT, Step.NOTIFY_DIRECT), Step.HANDLE, step.unit)
    elif step.to == S.OPINION_ISSUED:
        restart((Step.HANDLE,), None, step.unit)


def _advance(case, spec: CaseSpec, registered_at: datetime.datetime, ctx: _Context):
    day, moment, today = spec.received_on, registered_at, timezone.localdate(ctx.now)
    for index, (step, gap) in enumerate(zip(_steps(spec, ctx), spec.gaps + [0] * 4, strict=False)):
        day = min(day + datetime.timedelta(days=gap), today)
        minute = 8 * 60 + 30 + (spec.minute * 7 + index * 131) % (9 * 60)  # office hours, varied
        moment = _moment(ctx, day, minute, after=moment)
        with _clock(moment):
            case = case_transition(
                case=case,
                to_status=step.to,
                actor=step.actor,
                unit=step.unit,
                reason=step.reason,
                new_owner=step.new_owner,
            )
            _clocks_after(case, step, timezone.localdate(moment))
    return case


def ensure_cases(ctx: _Context) -> int:
    """Create the demo cases that are missing; returns how many were created."""
    existing = {
        c.submission_key: c for c in Case.objects.filter(submission_key__startswith=data.DEMO_KEY_PREFIX)
    }
    if len(existing) >= data.DEMO_CASE_COUNT:
        return 0
    ctx.by_key.update(existing)
    created = 0
    for spec in plan_cases(timezone.localdate(ctx.now)):
        if spec.key in existing:
            continue
        case, registered_at = _register(spec, ctx)
        ctx.by_key[spec.key] = _advance(case, spec, registered_at, ctx)
        created += 1
    return created


# ---------------------------------------------------------------------------------------------
# Entry point and report


@dataclass
class DemoResult:
    created_cases: int
    total_cases: int
    by_status: dict[str, int]
    accounts: list[tuple[str, str, str, str]]  # username, 姓名, 单位, 角色
    password: str = data.DEMO_PASSWORD
    units: dict[str, int] = field(default_factory=dict)


class RealDataPresent(Exception):
    """The database already holds cases that are not demo cases: it may be a production database."""


def real_cases_present() -> bool:
    demo = Case.objects.filter(submission_key__startswith=data.DEMO_KEY_PREFIX)
    return not demo.exists() and Case.objects.exists()


def load_demo(*, force: bool = False) -> DemoResult:
    """Load (or complete) the demo county in one transaction and describe it.

    Refuses (RealDataPresent) when the database already has real cases and no demo, unless forced:
    the demo resets the passwords of accounts such as `admin`.
    """
    if not force and real_cases_present():
        raise RealDataPresent
    with transaction.atomic():
        regions = ensure_regions()
        units = ensure_units(regions)
        roles = ensure_roles()
        accounts = ensure_accounts(units, roles)
        users = {account.username: user for account, user in accounts}
        handlers = {account.unit: user for account, user in accounts if Role.HANDLER in account.roles}
        ctx = _Context(units, users, handlers, _category_ids(), now=timezone.now())
        created = ensure_cases(ctx)
    demo = Case.objects.filter(submission_key__startswith=data.DEMO_KEY_PREFIX)
    by_status = Counter(demo.values_list("status", flat=True))
    return DemoResult(
        created_cases=created,
        total_cases=sum(by_status.values()),
        by_status={status: by_status[status] for status in S.values if by_status[status]},
        accounts=account_rows(accounts, units),
        units={
            "township": sum(1 for u in units.values() if u.level == UnitLevel.TOWNSHIP),
            "department": sum(1 for u in units.values() if u.level == UnitLevel.DEPARTMENT),
        },
    )


def account_rows(accounts, units: dict[str, Unit]) -> list[tuple[str, str, str, str]]:
    return [
        (
            account.username,
            account.full_name,
            units[account.unit].name,
            "、".join(ROLE_NAMES[r] for r in account.roles),
        )
        for account, _user in accounts
    ]


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row):
        return "  ".join(
            cell + " " * (width - display_width(cell)) for cell, width in zip(row, widths, strict=True)
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])
