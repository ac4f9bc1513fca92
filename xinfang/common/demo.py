"""Loads the demo county (示范县): regions, units, accounts and 200 cases along the whole journey.

Idempotent: units, accounts and memberships are created or brought back to the demo values, and cases
are created only when the demo cases are not all there yet (each has submission_key "demo-NNNN").
Cases are registered with `case_register` and then moved on only by the workflow's step services
(`xinfang.cases.steps`: 交办/转送, 签收, 受理, 延期, 意见书, 送达, 办结报告, 评价, 复查, 复核 …), each
taken by the demo account that holds the right role in the right unit. So statuses, records, clocks,
papers and events are exactly what users would have produced. The plan is drawn from a fixed seed and
is relative to today, so every load tells the same three-month story; the steps of all cases are
replayed in date order under the step's own (past) clock, so events, deadlines and document numbers
read like three months of work.
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

from xinfang.cases import steps
from xinfang.cases.choices import CaseStatus
from xinfang.cases.models import Case
from xinfang.common import demo_data as data
from xinfang.common.validators import resident_id_check_char
from xinfang.deadlines.models import RuleSet
from xinfang.documents.models import CaseDocument
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

# Who acts for the two bureaus (usernames in demo_data.ACCOUNTS); a handling unit's staff are
# "<unit>_xfy" (信访员: registrar + handler) and "<unit>_fzr" (负责人: unit head).
COUNTY_REGISTRAR, COUNTY_DISPATCHER, COUNTY_HEAD = "xfj_dengji", "xfj_banxin", "xfj_fuzeren"
COUNTY_SUPERVISOR = "xfj_duban"  # 督办员: reviews 办结报告 and calls petitioners back (回访)
CITY_REGISTRAR, CITY_DISPATCHER, CITY_HEAD = "shi_dengji", "shi_banxin", "shi_fuzeren"

# Final status → how many registered demo cases end there. The first 15 repeat cases take their
# statuses from REPEAT_STATUSES and one more repeat is refused as finally decided (不再受理); the
# originals share the rest. One letter raises two matters and is split: its second matter is the
# 200th case (SPLIT_PARTS), handled on its own.
STATUS_COUNTS = {
    S.REGISTERED: 46,
    S.PENDING_SIGN: 35,
    S.SIGNED: 24,
    S.HANDLING: 47,
    S.OPINION_ISSUED: 4,
    S.SERVED: 3,
    S.REPORTED: 2,
    S.CLOSED: 13,
    S.SETTLED: 1,
    S.RECHECK: 2,
    S.RECHECK_SERVED: 2,
    S.REREVIEW: 1,
    S.FINAL: 1,
    S.INFORMED: 6,
    S.DIVERTED: 3,
    S.NOT_ACCEPTED: 5,
    S.NO_LONGER_ACCEPTED: 1,
    S.ARCHIVED: 3,
}
SPLIT_PARTS = 1
PART_SUFFIX = "-2"  # submission_key of the split-off part: "demo-NNNN-2"
REPEAT_STATUSES = [S.REGISTERED] * 6 + [S.NOT_ACCEPTED] * 5 + [S.PENDING_SIGN] * 4
assert sum(STATUS_COUNTS.values()) + SPLIT_PARTS == data.DEMO_CASE_COUNT

# How many days ago a case that ends in a status was received: (low, high) ranges with weights.
# Zhejiang's limits (5 working days to dispose and to accept, 30 days to handle) make the older part
# of each range overdue and its edge "due within 3 working days", so the workbench shows both. The
# answered ones are old enough for their journey (opinion, service, report, 复查 …) to fit.
AGE_RANGES = {
    S.REGISTERED: (((0, 3), 45), ((4, 7), 35), ((8, 20), 20)),
    S.PENDING_SIGN: (((1, 4), 60), ((5, 12), 40)),
    S.SIGNED: (((2, 6), 60), ((7, 14), 40)),
    S.HANDLING: (((6, 25), 50), ((26, 34), 25), ((35, 50), 25)),
    S.OPINION_ISSUED: (((34, 55), 1),),
    S.SERVED: (((38, 60), 1),),
    S.REPORTED: (((40, 62), 1),),
    S.CLOSED: (((50, 90), 1),),
    S.SETTLED: (((20, 45), 1),),
    S.RECHECK: (((50, 70), 1),),
    S.RECHECK_SERVED: (((84, 92), 1),),
    S.REREVIEW: (((50, 60), 1),),
    S.FINAL: (((76, 84), 1),),
    S.INFORMED: (((2, 90), 1),),
    S.NOT_ACCEPTED: (((10, 60), 1),),
    S.DIVERTED: (((10, 80), 1),),
    S.ARCHIVED: (((5, 90), 1),),
}
REVIEWED = frozenset({S.RECHECK, S.RECHECK_SERVED, S.REREVIEW, S.FINAL})
DISPOSED_BY_BUREAU = frozenset({S.INFORMED, S.DIVERTED, S.NOT_ACCEPTED, S.NO_LONGER_ACCEPTED, S.ARCHIVED})
EARLY = frozenset({S.REGISTERED, S.PENDING_SIGN, S.SIGNED, S.HANDLING})  # may be anonymous: no answer owed
SETTLE_TEMPLATES = ("neighbour_passage",)

# Days between a step and the one before: (low, high). FAST_GAPS: the 复核 cases, which need room for
# three answers (unit, 复查, 复核) in three months.
GAPS = {
    "dispose": (0, 2),
    "sign": (0, 1),
    "accept": (1, 3),
    "draft": (10, 24),
    "decide": (0, 2),
    "serve": (1, 4),
    "report": (1, 3),
    "approve": (1, 3),
    "evaluate": (2, 8),
    "request": (2, 10),
    "review_draft": (8, 16),
}
FAST_GAPS = {
    **GAPS,
    "dispose": (0, 1),
    "accept": (1, 2),
    "draft": (10, 14),
    "decide": (0, 1),
    "serve": (1, 2),
    "evaluate": (1, 3),
    "request": (2, 5),
    "review_draft": (8, 12),
}
# The petitioner's evaluation (by phone) of the unit's answer, by the answer's outcome.
EVALUATION_LEVELS = {
    "support": (("satisfied", 80), ("fairly", 20)),
    "explain": (("satisfied", 35), ("fairly", 45), ("unsatisfied", 20)),
    "reject": (("fairly", 30), ("unsatisfied", 70)),
}
BUREAU_LEVELS = (("satisfied", 70), ("fairly", 25), ("unsatisfied", 5))


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
# Units by key, as the plan names them


def unit_name(key: str) -> str:
    """Full name of the unit with this key ("city", "county", a township or a department key)."""
    if key == "city":
        return data.CITY_BUREAU
    if key == "county":
        return data.COUNTY_BUREAU
    if key in data.TOWNSHIP_BY_KEY:
        return data.TOWNSHIP_BY_KEY[key].unit_name
    return data.DEPARTMENT_BY_KEY[key].unit_name


def unit_short(key: str) -> str:
    if key in data.TOWNSHIP_BY_KEY:
        return data.TOWNSHIP_BY_KEY[key].name
    if key in data.DEPARTMENT_BY_KEY:
        return data.DEPARTMENT_BY_KEY[key].short_name
    return {"city": "市信访局", "county": "县信访局"}[key]


def handler_of(key: str) -> str:
    return f"{key}_xfy"


def head_of(key: str) -> str:
    return f"{key}_fzr"


# ---------------------------------------------------------------------------------------------
# The plan: what each demo case says, where it ends up and every step on the way (pure; no database)


@dataclass(frozen=True)
class Move:
    """One step of a case's journey: a step service (`code`), taken on `day` by the account `actor`."""

    code: str
    day: datetime.date
    actor: str
    args: dict = field(default_factory=dict, compare=False)
    part: bool = False  # taken on the split-off part of the letter, not on the letter itself


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
    dispatch: str = "transfer"  # how the county sends it on: "transfer" (转送) or "assign" (交办)
    extras: frozenset[str] = (
        frozenset()
    )  # "extension", "extension_refused", "extension_pending", "opinion_pending"
    misrouted: bool = False  # first sent to the township, which objects (退回) and the county re-routes it
    split: data.CaseTemplate | None = None  # the letter's second matter, split off as its own case
    moves: list[Move] = field(default_factory=list)

    @property
    def title(self) -> str:
        title = self.template.title.format(**self.fill)
        return f"{title}（再次反映）" if self.repeat_of else title

    @property
    def content(self) -> str:
        content = self.template.content.format(**self.fill)
        if self.split:
            content += "另外还有一件事：" + self.split.content.format(**self.fill)
        if self.repeat_of:
            content += "这个问题之前已经反映过，到现在还没有解决，所以再次提出。"
        if self.headcount > 1 and self.channel == "visit":
            content += f"今天一共来了{self.headcount}人，推选{len(self.people)}名代表反映情况。"
        return content

    @property
    def target(self) -> str:
        """The unit key the case is sent to: the township where it happened or a department."""
        return self.town.key if self.template.target == "town" else self.template.target

    @property
    def part_key(self) -> str | None:
        return f"{self.key}{PART_SUFFIX}" if self.split else None


def _age(rng: random.Random, status: str) -> int:
    ranges = AGE_RANGES[status]
    (low, high), _weight = rng.choices(ranges, weights=[w for _r, w in ranges])[0]
    return rng.randint(low, high)


def _fits(template: data.CaseTemplate, town: data.Township) -> bool:
    return not (template.rural and town.is_street or template.urban and not town.is_street)


def _town(rng: random.Random, template: data.CaseTemplate) -> data.Township:
    towns = [t for t in data.TOWNSHIPS if _fits(template, t)]
    # The two townships with their own named accounts get more cases, so their workbenches are full.
    weights = [4 if t.key in ("chengguan", "donghu") else 1 for t in towns]
    return rng.choices(towns, weights=weights)[0]


def _templates_for(status: str) -> list[data.CaseTemplate]:
    if status in (S.INFORMED, S.ARCHIVED):
        return [
            t for t in data.TEMPLATES if t.purpose == "consult" or (t.litigation and status == S.INFORMED)
        ]
    if status == S.DIVERTED:  # 涉法涉诉 to the court, 检举 of officials to 纪检监察
        return [t for t in data.TEMPLATES if t.litigation or t.accused]
    if status == S.SETTLED:
        return [t for t in data.TEMPLATES if t.key in SETTLE_TEMPLATES]
    if status == S.REGISTERED:
        return list(data.TEMPLATES)
    answered = [t for t in data.TEMPLATES if t.key in data.ANSWERS]
    if status in REVIEWED:  # 复查 is asked for a claim (求决) whose answer did not give what was wanted
        return [t for t in answered if t.purpose == "claim" and data.ANSWERS[t.key].outcome != "support"]
    return answered


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
    elif status in (S.PENDING_SIGN, S.SIGNED, S.HANDLING, S.CLOSED) and rng.random() < 0.12:
        route = "city"  # came to the city bureau first and was sent down
    town = _town(rng, template)
    if route == "township":
        # the two townships with their own named 信访员: 东湖镇 (rural) and 城关街道 (urban)
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
    # 交办 (with a deadline and a 办结报告) for group matters and some others; 转送 for the rest. The
    # 复查/复核 cases are 转送 ones, so their answers close at service and leave room for the reviews.
    if status in (S.SERVED, S.REPORTED) or spec.headcount > 1 and status not in REVIEWED:
        spec.dispatch = "assign"
    elif status not in REVIEWED and rng.random() < (0.5 if status == S.CLOSED else 0.3):
        spec.dispatch = "assign"
    return spec


def _people(rng: random.Random, spec: CaseSpec, used_ids: set[str]) -> None:
    template = spec.template
    if template.anonymous_ok and spec.channel != "visit" and spec.status in EARLY and rng.random() < 0.7:
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


def _repeat(
    rng: random.Random, original: CaseSpec, status: str, today: datetime.date, received_on=None
) -> CaseSpec:
    age = (today - original.received_on).days
    return CaseSpec(
        key="",
        template=original.template,
        town=original.town,
        fill=dict(original.fill),
        channel="visit" if original.headcount > 1 else rng.choice(("visit", "letter", "call")),
        received_on=received_on or today - datetime.timedelta(days=rng.randint(0, max(0, age - 5))),
        minute=rng.randint(8 * 60 + 30, 17 * 60),
        status=status,
        route="county",
        people=list(original.people),
        headcount=original.headcount,
        repeat_of=original.key,
    )


def _special_cases(rng: random.Random, specs: list[CaseSpec], today: datetime.date) -> None:
    """Mark the cases that show the rarer steps: 退回, 一信多事, 延期 (approved, refused, pending) …"""

    def age(spec: CaseSpec) -> int:
        return (today - spec.received_on).days

    handling = [s for s in specs if s.status == S.HANDLING and not s.repeat_of]
    county = [s for s in handling if s.route == "county" and s.dispatch == "transfer" and s.people]
    misrouted = rng.choice(
        [s for s in county if s.template.target != "town" and s.headcount == 1 and age(s) >= 12]
    )
    misrouted.misrouted = True
    letter = rng.choice([s for s in county if s is not misrouted and age(s) >= 8 and not s.template.accused])
    letter.split = rng.choice(
        [
            t
            for t in data.TEMPLATES
            if t.key in data.ANSWERS
            and t.purpose == "claim"
            and t.target not in ("town", letter.template.target)
            and not (t.group or t.accused or t.anonymous_ok)
            and _fits(t, letter.town)
        ]
    )
    pool = [s for s in handling if not (s.misrouted or s.split or s.anonymous)]  # papers go to someone
    # the older ones were extended (asked for before their 30 days ran out); some are due again soon
    extended = rng.sample([s for s in pool if age(s) >= 30], 6)
    for spec in extended:
        spec.extras = frozenset({"extension"})
    extended[0].extras = frozenset({"extension_refused"})
    rest = [s for s in pool if not s.extras]
    for spec in rng.sample([s for s in rest if 24 <= age(s) <= 31], 2):  # asked for before the due date
        spec.extras = frozenset({"extension_pending"})
    for spec in rng.sample([s for s in rest if age(s) >= 16 and not s.extras], 3):
        spec.extras = frozenset({"opinion_pending"})
    for spec in specs:
        if spec.status == S.CLOSED and age(spec) >= 78 and rng.random() < 0.5:
            spec.extras = frozenset({"extension"})


def plan_cases(today: datetime.date, seed: int = data.DEMO_SEED) -> list[CaseSpec]:
    """The demo cases in registration order, with keys "demo-0001" … and their journeys; the same
    every time for a day."""
    rng = random.Random(seed)
    counts = Counter(STATUS_COUNTS)
    counts.subtract(REPEAT_STATUSES)
    counts.subtract([S.NO_LONGER_ACCEPTED])
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
    # The petitioner whose matter ended with the 复核 comes again with the same facts: 不再受理.
    final = next(s for s in originals if s.status == S.FINAL)
    again = today - datetime.timedelta(days=rng.randint(3, 8))
    repeats.append(_repeat(rng, final, S.NO_LONGER_ACCEPTED, today, received_on=again))
    specs = sorted(originals + repeats, key=lambda s: (s.received_on, s.minute, s.repeat_of or ""))
    final_keys = {}
    for number, spec in enumerate(specs, start=1):
        provisional, spec.key = spec.key, f"{data.DEMO_KEY_PREFIX}{number:04d}"
        final_keys[provisional] = spec.key
    for spec in specs:
        spec.repeat_of = final_keys.get(spec.repeat_of) if spec.repeat_of else None
    _special_cases(rng, specs, today)
    for spec in specs:
        moves = _journey(spec, random.Random(f"{seed}:{spec.key}"), today)
        spec.moves = sorted(moves, key=lambda move: move.day)  # the split-off part's steps interleave
    return specs


# --- Journeys -----------------------------------------------------------------------------------


class _Trip:
    """Collects the moves of one case; each `at` comes a few days after the one before, never after today."""

    def __init__(self, spec: CaseSpec, rng: random.Random, today: datetime.date, gaps: dict, moves=None):
        self.spec, self.rng, self.today, self.gaps = spec, rng, today, gaps
        self.day = spec.received_on
        self.moves: list[Move] = [] if moves is None else moves
        self.part = False

    def at(self, code: str, gap, actor: str, **args) -> datetime.date:
        low, high = self.gaps[gap] if isinstance(gap, str) else gap
        return self.on(code, self.day + datetime.timedelta(days=self.rng.randint(low, high)), actor, **args)

    def on(self, code: str, day: datetime.date, actor: str, **args) -> datetime.date:
        self.day = max(self.day, min(day, self.today))
        self.moves.append(Move(code, self.day, actor, args, self.part))
        return self.day

    def pick(self, weighted) -> str:
        return self.rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def _journey(spec: CaseSpec, rng: random.Random, today: datetime.date) -> list[Move]:
    """The steps that take the case from registration to `spec.status`, in order."""
    trip = _Trip(spec, rng, today, FAST_GAPS if spec.status in (S.REREVIEW, S.FINAL) else GAPS)
    if spec.route == "township":
        trip.on("register", spec.received_on, handler_of(spec.town.key))
    elif spec.route == "city":
        trip.on("register", spec.received_on, CITY_REGISTRAR)
    else:  # the 接访员 registers visits, the 登记员 letters, calls and web messages
        trip.on(
            "register", spec.received_on, COUNTY_DISPATCHER if spec.channel == "visit" else COUNTY_REGISTRAR
        )
    status = spec.status
    if status == S.REGISTERED:
        return trip.moves
    if spec.route == "township":  # the township accepts what it registered itself
        trip.at("accept", (0, 3), handler_of(spec.town.key))
        _handling(trip, spec.town.key)
        return trip.moves
    if spec.route == "city":
        trip.at("transfer", (0, 1), CITY_DISPATCHER, to="county", note=data.CITY_TRANSFER_NOTE)
        if status == S.PENDING_SIGN:
            return trip.moves
        trip.at("sign", "sign", COUNTY_DISPATCHER)
    if status in DISPOSED_BY_BUREAU:
        _disposal(trip)
        return trip.moves
    if spec.split:
        _split(trip, rng, today)
    target = spec.target
    if spec.misrouted:  # first to the township where it happened, which objects within 5 working days
        town = spec.town.key
        trip.at(
            "transfer",
            "dispose",
            COUNTY_DISPATCHER,
            to=town,
            note=data.TRANSFER_NOTE.format(unit=unit_short(town)),
        )
        kind = "街道" if spec.town.is_street else spec.town.name[-1]  # 镇 or 乡
        trip.at(
            "object",
            (1, 3),
            handler_of(town),
            reason=data.OBJECT_REASON.format(unit=unit_short(target), kind=kind),
        )
        note = data.REROUTE_NOTE.format(returned=unit_short(town), unit=unit_short(target))
        trip.at("transfer", (0, 1), COUNTY_DISPATCHER, to=target, note=note)
    else:
        _dispose(trip, target)
    if status == S.PENDING_SIGN:
        return trip.moves
    trip.at("sign", "sign", handler_of(target))
    if status == S.SIGNED:
        return trip.moves
    trip.at("accept", "accept", handler_of(target))
    if status == S.HANDLING:
        _handling(trip, target)
    elif status == S.SETTLED:
        trip.at("settle", (8, 20), handler_of(target), agreement=data.SETTLE_AGREEMENT.format(**spec.fill))
    else:
        _answer(trip, target)
    return trip.moves


def _dispose(trip: _Trip, target: str) -> None:
    spec = trip.spec
    if spec.dispatch == "assign":
        # a group matter is signed off by the bureau's head; the deadline is written on the 交办单
        actor = COUNTY_HEAD if spec.headcount > 1 else COUNTY_DISPATCHER
        note = data.ASSIGN_NOTE.format(unit=unit_short(target))
        trip.at("assign", "dispose", actor, to=target, days=trip.rng.choice((20, 30, 30)), note=note)
    else:
        trip.at(
            "transfer",
            "dispose",
            COUNTY_DISPATCHER,
            to=target,
            note=data.TRANSFER_NOTE.format(unit=unit_short(target)),
        )


def _disposal(trip: _Trip) -> None:
    """告知, 导入法定程序, 不予受理, 不再受理 or 存档 by the county bureau."""
    spec, status = trip.spec, trip.spec.status
    if status == S.INFORMED:
        kind = "litigation" if spec.template.litigation else "consult"
        target = spec.target
        phone = "0570-87651000"
        if target in data.DEPARTMENT_BY_KEY:
            phone = f"0570-8765{data.DEPARTMENT_BY_KEY[target].phone_tail}"
        route = data.INFORM_ROUTES[kind].format(unit=unit_name(target), phone=phone)
        trip.at("inform", (0, 2), COUNTY_DISPATCHER, reason=data.INFORM_REASONS[kind], route=route)
    elif status == S.DIVERTED:
        kind = "litigation" if spec.template.litigation else "discipline"
        trip.at(
            "divert",
            (0, 3),
            COUNTY_DISPATCHER,
            route_code=kind,
            reason=data.DIVERT_REASONS[kind],
            to_body=data.DIVERT_BODIES[kind],
        )
    elif status == S.NOT_ACCEPTED:
        trip.at("not_accept", (0, 3), COUNTY_DISPATCHER)  # the reason depends on where the first one is then
    elif status == S.NO_LONGER_ACCEPTED:
        trip.at("no_longer_accept", (0, 2), COUNTY_DISPATCHER, reason=data.NO_LONGER_REASON)
    else:
        trip.at("archive", (0, 1), COUNTY_DISPATCHER, reason=data.ARCHIVE_REASON)


def _split(trip: _Trip, rng: random.Random, today: datetime.date) -> None:
    """一信多事: the bureau splits the second matter off on the day, sends it to its own unit."""
    spec, part = trip.spec, trip.spec.split
    trip.on(
        "split",
        trip.day,
        COUNTY_DISPATCHER,
        title=part.title.format(**spec.fill),
        content=part.content.format(**spec.fill),
        demands=part.demands,
    )
    side = _Trip(spec, rng, today, GAPS, moves=trip.moves)
    side.day, side.part = trip.day, True
    side.at(
        "transfer",
        "dispose",
        COUNTY_DISPATCHER,
        to=part.target,
        note=data.TRANSFER_NOTE.format(unit=unit_short(part.target)),
    )
    side.at("sign", (0, 2), handler_of(part.target))
    side.at("accept", "accept", handler_of(part.target))


def _opinion(answer: data.Answer, outcome: str, **names) -> dict:
    return {
        "outcome": outcome,
        "basis": answer.basis.format(**names),
        "facts": answer.facts.format(**names),
        "text": answer.text.format(**names),
    }


def _handling(trip: _Trip, unit: str) -> None:
    """What may be going on while a case is being handled: an extension (decided or not), a draft."""
    spec, rng, today = trip.spec, trip.rng, trip.today
    handler, head = handler_of(unit), head_of(unit)
    if spec.extras & {"extension", "extension_refused"}:
        refused = "extension_refused" in spec.extras
        days, reason = rng.choice((15, 20, 30)), rng.choice(data.EXTENSION_REASONS)
        trip.at("extension_request", (18, 24), handler, days=days, reason=reason)
        note = data.EXTENSION_REFUSED if refused else data.EXTENSION_APPROVED
        trip.at("extension_decide", (1, 2), head, approve=not refused, note=note)
    if "extension_pending" in spec.extras:  # waiting for the head
        days, reason = rng.choice((15, 20, 30)), rng.choice(data.EXTENSION_REASONS)
        trip.on(
            "extension_request",
            today - datetime.timedelta(days=rng.randint(0, 2)),
            handler,
            days=days,
            reason=reason,
        )
    if "opinion_pending" in spec.extras:  # drafted, waiting for the head's sign-off
        answer = data.ANSWERS.get(spec.template.key)
        if answer:
            names = {**spec.fill, "unit": unit_short(unit)}
            day = today - datetime.timedelta(days=rng.randint(0, 3))
            trip.on("opinion_draft", day, handler, **_opinion(answer, answer.outcome, **names))


def _answer(trip: _Trip, unit: str) -> None:
    """意见书 drafted and signed off, served, 办结报告 for 交办, evaluation, then 复查/复核 if any."""
    spec, rng, status = trip.spec, trip.rng, trip.spec.status
    handler, head = handler_of(unit), head_of(unit)
    answer = data.ANSWERS[spec.template.key]
    names = {**spec.fill, "unit": unit_short(unit)}
    if "extension" in spec.extras:
        days, reason = rng.choice((15, 20, 30)), rng.choice(data.EXTENSION_REASONS)
        trip.at("extension_request", (18, 24), handler, days=days, reason=reason)
        trip.at("extension_decide", (1, 2), head, approve=True, note=data.EXTENSION_APPROVED)
        trip.at("opinion_draft", (8, 16), handler, **_opinion(answer, answer.outcome, **names))
    else:
        trip.at("opinion_draft", "draft", handler, **_opinion(answer, answer.outcome, **names))
    trip.at("opinion_decide", "decide", head, approve=True, note=data.OPINION_APPROVED)
    if status == S.OPINION_ISSUED:
        return
    served = _serve(trip, handler, answer.outcome)
    if spec.dispatch == "assign":
        if status == S.SERVED:
            return
        # the head signs the 办结报告 (签发人); the unit's 信访员 is the contact
        text = answer.text.format(**names) + data.REPORT_DONE
        trip.at("report_submit", "report", head, text=text, contact=handler)
        if status == S.REPORTED:
            return
        approver = COUNTY_HEAD if rng.random() < 0.4 else COUNTY_SUPERVISOR
        trip.at("report_decide", "approve", approver, approve=True, note=data.REPORT_APPROVED)
    # The county's 督办员 calls the petitioner back (回访) and records the evaluation; most answer.
    if status in REVIEWED or rng.random() < 0.8:
        level = "unsatisfied" if status in REVIEWED else trip.pick(EVALUATION_LEVELS[answer.outcome])
        trip.at("evaluate", "evaluate", COUNTY_SUPERVISOR, target="handler", level=level)
        trip.on("evaluate", trip.day, COUNTY_SUPERVISOR, target="bureau", level=trip.pick(BUREAU_LEVELS))
    if status == S.CLOSED:
        return
    if status in (S.RECHECK, S.RECHECK_SERVED):
        _recheck_at_city(trip, unit, answer, served)
    else:
        _review_to_final(trip, unit, answer)


def _serve(trip: _Trip, server: str, outcome: str, method: str | None = None) -> datetime.date:
    rng = trip.rng
    refused = outcome == "reject" and rng.random() < 0.3
    if refused:
        method = "left"  # 留置送达: the petitioner would not sign
    elif method is None:
        method = trip.pick((("in_person", 60), ("post", 25), ("electronic", 15)))
    opinion = "" if refused else data.PETITIONER_OPINIONS.get(outcome, "")
    return trip.at("serve", "serve", server, method=method, refused=refused, petitioner_opinion=opinion)


def _recheck_at_city(trip: _Trip, unit: str, answer: data.Answer, served: datetime.date) -> None:
    """复查 at the city bureau (above the unit that answered); open or answered."""
    rng, today = trip.rng, trip.today
    # asked for within the 30 days, and recently enough that the open ones are on the city's list
    wanted = today - datetime.timedelta(days=rng.randint(6, 22))
    day = min(max(wanted, trip.day + datetime.timedelta(days=2)), served + datetime.timedelta(days=28))
    reason = data.RECHECK_REASON.format(unit=unit_name(unit))
    trip.on("recheck_request", day, CITY_REGISTRAR, review="city", reason=reason)
    names = {"unit": unit_name(unit)}
    opinion = _opinion(data.RECHECK_ANSWER, answer.outcome, **names)
    if trip.spec.status == S.RECHECK:
        if rng.random() < 0.5:
            trip.at("opinion_draft", (5, 12), CITY_DISPATCHER, **opinion)
        return
    trip.at("opinion_draft", "review_draft", CITY_DISPATCHER, **opinion)
    trip.at("opinion_decide", "decide", CITY_HEAD, approve=True, note=data.OPINION_APPROVED)
    _serve(trip, CITY_DISPATCHER, answer.outcome, method="post")


def _review_to_final(trip: _Trip, unit: str, answer: data.Answer) -> None:
    """复查 at the county bureau, then 复核 at the city (with a hearing) — the end of the road (FINAL)."""
    reason = data.RECHECK_REASON.format(unit=unit_name(unit))
    trip.at("recheck_request", "request", COUNTY_REGISTRAR, review="county", reason=reason)
    opinion = _opinion(data.RECHECK_ANSWER, answer.outcome, unit=unit_name(unit))
    trip.at("opinion_draft", "review_draft", COUNTY_DISPATCHER, **opinion)
    trip.at("opinion_decide", "decide", COUNTY_HEAD, approve=True, note=data.OPINION_APPROVED)
    _serve(trip, COUNTY_DISPATCHER, answer.outcome, method="in_person")
    reason = data.REREVIEW_REASON.format(unit=data.COUNTY_BUREAU)
    trip.at("rereview_request", "request", CITY_REGISTRAR, review="city", reason=reason)
    if trip.spec.status == S.REREVIEW:
        return
    trip.at("hearing_start", (3, 5), CITY_DISPATCHER, note=data.HEARING_NOTE)
    trip.at("hearing_end", (1, 2), CITY_DISPATCHER, note=data.HEARING_END_NOTE)
    opinion = _opinion(data.REREVIEW_ANSWER, answer.outcome, unit=data.COUNTY_BUREAU)
    trip.at("opinion_draft", (2, 4), CITY_DISPATCHER, **opinion)
    trip.at("opinion_decide", "decide", CITY_HEAD, approve=True, note=data.OPINION_APPROVED)
    _serve(trip, CITY_DISPATCHER, answer.outcome, method="in_person")


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
    """The named accounts plus, for every other handling unit, its 信访员 (registrar + handler,
    "<unit>_xfy") and its 负责人 (unit head, "<unit>_fzr": approves extensions, signs opinions off)."""
    named = {account.username for account in data.ACCOUNTS}
    rng = random.Random(data.DEMO_SEED + 1)
    taken = {account.full_name for account in data.ACCOUNTS}

    def new_name() -> str:
        while True:
            given = rng.choice(data.MALE_GIVEN if rng.random() < 0.5 else data.FEMALE_GIVEN)
            name = rng.choice(data.SURNAMES) + given
            if name not in taken:
                taken.add(name)
                return name

    keys = [t.key for t in data.TOWNSHIPS] + [d.key for d in data.DEPARTMENTS]
    staff = [
        data.Account(
            handler_of(key), new_name(), key, (Role.REGISTRAR, Role.HANDLER), f"1390571{1000 + n:04d}"
        )
        for n, key in enumerate((k for k in keys if handler_of(k) not in named), start=1)
    ]
    heads = [
        data.Account(head_of(key), new_name(), key, (Role.UNIT_HEAD,), f"1390571{2000 + n:04d}")
        for n, key in enumerate((k for k in keys if head_of(k) not in named), start=1)
    ]
    return [*data.ACCOUNTS, *staff, *heads]


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
            # Papers print `get_full_name()` (签发人, 送达人), which reads first/last name, not full_name.
            "first_name": account.full_name,
            "last_name": "",
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
    """Let the services stamp events, clocks, records and papers with the step's own (past) moment.

    Every service reads the time through `django.utils.timezone.now` (`localdate()` and the models'
    `auto_now_add` call it too), so patching it makes a three-month history read like three months
    of work instead of one afternoon. Single-threaded loader only.
    """
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@dataclass
class _Context:
    units: dict[str, Unit]
    users: dict[str, User]  # username → user
    categories: dict[tuple[str, str], int | None]
    now: datetime.datetime
    cases: dict[str, Case] = field(default_factory=dict)  # submission key → the case as it is now


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


# --- One function per step: (ctx, spec, move, actor, case, day) → the case afterwards -------------


def _run_register(ctx, spec, move, actor, case, day):
    petitioners, complained = _people_inputs(spec)
    return case_register(
        actor=actor,
        unit=ctx.units[{"township": spec.town.key, "city": "city"}.get(spec.route, "county")],
        channel_code=spec.channel,
        purpose_code=spec.template.purpose,
        title=spec.title,
        content=spec.content,
        received_on=day,
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
        repeat_of=ctx.cases.get(spec.repeat_of) if spec.repeat_of else None,
        complained=complained,
        submission_key=spec.key,
        registered_at=timezone.now(),
    )


def _run_transfer(ctx, spec, move, actor, case, day):
    return steps.case_transfer(
        case=case, actor=actor, to_unit=ctx.units[move.args["to"]], note=move.args["note"]
    )


def _run_assign(ctx, spec, move, actor, case, day):
    due_on = day + datetime.timedelta(days=move.args["days"])
    return steps.case_assign(
        case=case, actor=actor, to_unit=ctx.units[move.args["to"]], due_on=due_on, note=move.args["note"]
    )


def _run_split(ctx, spec, move, actor, case, day):
    part = {key: move.args[key] for key in ("title", "content", "demands")}
    (created,) = steps.case_split(case=case, actor=actor, parts=[part])
    Case.objects.filter(pk=created.pk).update(submission_key=spec.part_key)
    created.submission_key = spec.part_key
    ctx.cases[spec.part_key] = created
    return Case.objects.get(pk=case.pk)


def _run_serve(ctx, spec, move, actor, case, day):
    return steps.case_serve(case=case, actor=actor, served_on=day, **move.args)


def _run_report_submit(ctx, spec, move, actor, case, day):
    person, phone = ctx.users[move.args["contact"]], case.owner_unit.contact_phone
    contact = f"{person.full_name}，{phone}" if phone else person.full_name
    return steps.case_report_submit(case=case, actor=actor, text=move.args["text"], contact=contact)


def _run_evaluate(ctx, spec, move, actor, case, day):
    return steps.case_evaluate(case=case, actor=actor, source="phone", **move.args)


def _run_review_request(service):
    def run(ctx, spec, move, actor, case, day):
        review_unit = ctx.units[move.args["review"]]
        return service(
            case=case, actor=actor, requested_on=day, review_unit=review_unit, reason=move.args["reason"]
        )

    return run


def _run_not_accept(ctx, spec, move, actor, case, day):
    """不予受理 a repeat: the first case is still being handled, or was answered and may go to 复查."""
    first = Case.objects.select_related("owner_unit", "handling_unit__parent").get(
        pk=ctx.cases[spec.repeat_of].pk
    )
    unit = first.handling_unit or first.owner_unit
    if first.served_on:
        reason, basis, route = data.NOT_ACCEPT_ANSWERED
        upper = unit.parent.name if unit.parent else unit.name
    else:
        reason, basis, route = data.NOT_ACCEPT_HANDLING
        upper = ""
    names = {"unit": unit.name, "upper": upper}
    return steps.case_not_accept(
        case=case, actor=actor, reason=reason.format(**names), basis=basis, route=route.format(**names)
    )


def _run_no_longer_accept(ctx, spec, move, actor, case, day):
    final = Case.objects.get(pk=ctx.cases[spec.repeat_of].pk)
    return steps.case_no_longer_accept(case=case, actor=actor, final_case=final, reason=move.args["reason"])


def _run_dated(service, name):
    def run(ctx, spec, move, actor, case, day):
        return service(case=case, actor=actor, **{name: day}, **move.args)

    return run


def _run_plain(service):
    def run(ctx, spec, move, actor, case, day):
        return service(case=case, actor=actor, **move.args)

    return run


MOVES = {
    "register": _run_register,
    "transfer": _run_transfer,
    "assign": _run_assign,
    "split": _run_split,
    "sign": _run_plain(steps.case_sign),
    "object": _run_plain(steps.case_object),
    "accept": _run_dated(steps.case_accept, "accepted_on"),
    "inform": _run_plain(steps.case_inform),
    "divert": _run_plain(steps.case_divert),
    "not_accept": _run_not_accept,
    "no_longer_accept": _run_no_longer_accept,
    "archive": _run_plain(steps.case_archive),
    "extension_request": _run_plain(steps.case_extension_request),
    "extension_decide": _run_plain(steps.case_extension_decide),
    "opinion_draft": _run_plain(steps.case_opinion_draft),
    "opinion_decide": _run_plain(steps.case_opinion_decide),
    "serve": _run_serve,
    "settle": _run_plain(steps.case_settle),
    "report_submit": _run_report_submit,
    "report_decide": _run_plain(steps.case_report_decide),
    "evaluate": _run_evaluate,
    "recheck_request": _run_review_request(steps.case_recheck_request),
    "rereview_request": _run_review_request(steps.case_rereview_request),
    "hearing_start": _run_dated(steps.case_hearing_start, "started_on"),
    "hearing_end": _run_dated(steps.case_hearing_end, "ended_on"),
}


def _timeline(
    specs: list[CaseSpec], ctx: _Context
) -> list[tuple[datetime.datetime, int, int, CaseSpec, Move]]:
    """Every move of every case with its moment (office hours, a few minutes apart), in time order.

    Replaying all cases together in date order keeps what depends on order plausible: document serials
    and case numbers follow the calendar, and a repeat finds its first case as it was on that day.
    """
    timeline = []
    for order, spec in enumerate(specs):
        moment = None
        for index, move in enumerate(spec.moves):
            minute = spec.minute if index == 0 else 8 * 60 + 30 + (spec.minute * 7 + index * 131) % (9 * 60)
            moment = _moment(ctx, move.day, minute, after=moment)
            timeline.append((moment, order, index, spec, move))
    timeline.sort(key=lambda entry: entry[:3])
    return timeline


def ensure_cases(ctx: _Context) -> int:
    """Create the demo cases that are missing and take them along their journeys; returns how many."""
    existing = {
        c.submission_key: c for c in Case.objects.filter(submission_key__startswith=data.DEMO_KEY_PREFIX)
    }
    if len(existing) >= data.DEMO_CASE_COUNT:
        return 0
    ctx.cases.update(existing)
    missing = [spec for spec in plan_cases(timezone.localdate(ctx.now)) if spec.key not in existing]
    for moment, _order, _index, spec, move in _timeline(missing, ctx):
        key = spec.part_key if move.part else spec.key
        actor = ctx.users[move.actor]
        with _clock(moment):
            case = MOVES[move.code](ctx, spec, move, actor, ctx.cases.get(key), timezone.localdate(moment))
        ctx.cases[spec.key if move.code == "split" else key] = case
    return len(missing) + sum(1 for spec in missing if spec.split)


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
    papers: int = 0  # official papers (.docx) issued along the way


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
        ctx = _Context(units, users, _category_ids(), now=timezone.now())
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
        papers=CaseDocument.objects.filter(case__in=demo).count(),
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
