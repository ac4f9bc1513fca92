"""The pure-Python half of the generator: turns a `Plan` into batches of rows, without Django.

Kept free of the ORM and of database connections so that it can run in a forked process while the
parent writes the previous batch (bench/generate.py); for PostgreSQL it even formats the COPY text.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from operator import mul
from zoneinfo import ZoneInfo

from bench import data as D

QUERY_CODE_MULTIPLIER = 7_919_977_003  # coprime with 9·10⁹: id ↦ 查询码 is a bijection (no collisions)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 155 156 157 158 159 166 176 177 180 181 182 183 "
    "185 186 187 188 189 191 198 199"
).split()

CASE_COLUMNS = [
    "id",
    "number",
    "query_code",
    "channel_id",
    "purpose_id",
    "category_id",
    "title",
    "content",
    "demands",
    "addressee",
    "issue_region_id",
    "issue_address",
    "received_on",
    "registered_at",
    "registered_by_id",
    "registering_unit_id",
    "owner_unit_id",
    "rule_set_id",
    "status",
    "is_open",
    "due_on",
    "headcount",
    "is_anonymous",
    "is_urgent",
    "is_skip_level",
    "is_litigation",
    "is_collective",
    "is_repeat",
    "repeat_of_id",
    "version",
    "closed_at",
]
PETITIONER_COLUMNS = [
    "id",
    "case_id",
    "name",
    "gender",
    "id_type_id",
    "id_number",
    "phone",
    "address",
    "region_id",
    "is_primary",
    "is_representative",
]
CASE_UNIT_COLUMNS = ["id", "case_id", "unit_id", "role"]
DEADLINE_COLUMNS = [
    "id",
    "case_id",
    "step",
    "unit_id",
    "starts_on",
    "days",
    "day_type",
    "basis",
    "due_on",
    "explanation",
    "is_open",
]
EVENT_COLUMNS = [
    "id",
    "case_id",
    "kind",
    "actor_id",
    "unit_id",
    "from_status",
    "to_status",
    "reason",
    "data",
    "created_at",
]
TABLES = ("case", "petitioner", "case_unit", "deadline", "event")


# --- Small helpers -------------------------------------------------------------------------------


class Picker:
    """Weighted choice by bisecting cumulative weights (much faster than random.choices per call)."""

    def __init__(self, items: Sequence, weights: Sequence[float]):
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rand) -> object:
        return self.items[bisect.bisect_right(self.cum, rand() * self.total)]


def picker(weights: dict) -> Picker:
    return Picker(list(weights), list(weights.values()))


def zipf(n: int, skew: float) -> list[float]:
    return [1 / (rank**skew) for rank in range(1, n + 1)]


def resident_id(region6: str, birth: datetime.date, serial: int) -> str:
    """A valid 18-character resident ID number (GB 11643 check character)."""
    first17 = f"{region6}{birth:%Y%m%d}{serial:03d}"
    return first17 + ID_CHECK_CHARS[sum(map(mul, map(int, first17), ID_WEIGHTS)) % 11]


PG_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _pg_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if type(value) is str:
        return value.translate(PG_ESCAPES)
    return str(value)


def pg_copy_text(rows: list[tuple], extras: tuple) -> str:
    """Rows (already holding "t"/"f"/"\\N" for booleans and NULL) in PostgreSQL's COPY text format."""
    tail = ("\t" + "\t".join(map(_pg_text, extras))) if extras else ""
    return "".join(["\t".join(map(str, row)) + tail + "\n" for row in rows])


def _check_vocabulary() -> None:
    """COPY rows are joined unescaped: no generated text may hold a tab, newline or backslash."""
    bad = set("\t\n\r\\")
    for name in dir(D):
        if name.startswith("_"):
            continue
        value = getattr(D, name)
        values = value.values() if isinstance(value, dict) else value
        if isinstance(value, str):
            values = [value]
        if not isinstance(values, (list, tuple, dict, type({}.values()))):
            continue
        for item in values:
            for text in item if isinstance(item, tuple) else (item,):
                if isinstance(text, str) and bad & set(text):
                    raise ValueError(f"bench/data.py {name}: {text!r} holds a character COPY must escape")


_check_vocabulary()


def dt_formatter(vendor: str):
    """An epoch timestamp as the backend stores a DateTimeField (USE_TZ: UTC)."""
    utc = datetime.UTC
    fromtimestamp = datetime.datetime.fromtimestamp
    if vendor == "postgresql":
        return lambda ts: fromtimestamp(ts, utc).isoformat(sep=" ")
    # Django's SQLite backend stores str() of the naive UTC datetime.
    return lambda ts: str(fromtimestamp(ts, utc).replace(tzinfo=None))


# --- What the producer needs to know ---------------------------------------------------------------


@dataclass(frozen=True)
class U:
    """A unit as plain values (attribute access on model instances is slow in the hot loop)."""

    pk: int
    bureau: bool
    region: str  # 6-digit region code used in case numbers
    name: str
    staff: int | None  # a clerk of the unit (registered_by / event actor)


@dataclass
class Plan:
    n: int
    batch: int
    seed: int
    vendor: str  # "sqlite" or "postgresql"
    now: float
    today: datetime.date
    time_zone: str
    channels: dict[str, str]  # code → name
    purposes: set[str]
    categories: list[tuple[int, str]]  # current leaf categories: (id, name)
    rule_set_id: int
    limits: dict[str, tuple[int, str, str]]  # step → (days, day type, basis)
    resident_id_type: str | None
    city: U
    county_bureaus: list[U]
    handling: list[list[U]]  # per county, busiest first
    next_ids: dict[str, int]  # table → first id to use
    serials: dict[str, int]  # prefix → last serial already used
    taken_codes: set[int] = field(default_factory=set)
    extras: dict[str, tuple] = field(default_factory=dict)  # table → values of the columns we do not set
    times: list[int] = field(default_factory=list)  # see timeline(); filled by plan_times()


# Ids per case are fixed strides, so that chunks of the timeline can be produced in parallel; unused
# ids are simply skipped (petitioners 0–2, visibility rows 2–4, deadline 0–1 per case).
STRIDES = {"case": 1, "petitioner": 2, "case_unit": 4, "deadline": 1, "event": 2}


# --- Registration times ------------------------------------------------------------------------------


def plan_times(plan: Plan) -> None:
    plan.times = timeline(plan, random.Random(plan.seed))


def chunks(plan: Plan, parts: int) -> list[tuple[int, int]]:
    """Split the timeline into `parts` ranges that end at local midnights (a daily serial stays in one)."""
    offset = datetime.datetime.combine(
        plan.today, datetime.time(), tzinfo=ZoneInfo(plan.time_zone)
    ).utcoffset()
    seconds = offset.total_seconds()

    def day(i: int) -> int:
        return int(plan.times[i] // 4 + seconds) // 86400

    bounds = [0]
    for k in range(1, parts):
        i = max(bounds[-1], k * plan.n // parts)
        while 0 < i < plan.n and day(i) == day(i - 1):
            i += 1
        bounds.append(i)
    bounds.append(plan.n)
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def timeline(plan: Plan, rng: random.Random) -> list[int]:
    """N (registration time, state) pairs sorted by time, packed as ts*4+state in one int list.

    Closed cases spread over three years with a growing trend, fewer at weekends; open cases are
    younger, and how young decides their deadline (bureaus dispose within 15 days, handling units 60).
    """
    state_pick = picker(D.STATE_WEIGHTS)
    state_code = {"closed": 0, "open_bureau": 1, "open_handling": 2}
    rand = rng.random
    three_years = 3 * 365 * 86400
    start = plan.now - three_years
    day0 = datetime.datetime.combine(plan.today, datetime.time(), tzinfo=ZoneInfo(plan.time_zone))
    midnight = day0.timestamp()
    offset = day0.utcoffset().total_seconds()
    packed = []
    for _ in range(plan.n):
        state = state_code[state_pick(rand)]
        while True:
            if state == 0:
                # density grows linearly from 0.7 to 1.3 across the three years (inverse CDF)
                x = (-0.7 + (0.49 + 1.2 * rand()) ** 0.5) / 0.6
                day_start = start + x * three_years
                day_start -= (day_start - midnight) % 86400  # local midnight
            else:
                r = rand()
                span = (0, 10, 10, 15, 16, 45) if state == 1 else (0, 55, 55, 60, 61, 180)
                if r < 0.80:
                    age = span[0] + rand() * (span[1] - span[0])
                elif r < 0.88:
                    age = span[2] + rand() * (span[3] - span[2])
                else:
                    age = span[4] + rand() * (span[5] - span[4])
                day_start = midnight - int(age) * 86400
            weekday = (int(day_start + offset) // 86400 + 3) % 7  # 1970-01-01 was a Thursday
            if weekday >= 5 and rand() > 0.3:
                continue  # weekends see about a third of a weekday's petitions
            seconds = 8.25 * 3600 + rand() * 9.5 * 3600 if rand() < 0.9 else rand() * 86400
            ts = day_start + seconds
            if ts < plan.now - 60:
                break
        packed.append(int(ts) * 4 + state)
    packed.sort()
    return packed


# --- People ------------------------------------------------------------------------------------------


class People:
    """Petitioners: mostly one-off, some repeating (same name, ID number and phone across cases)."""

    def __init__(self, rng: random.Random, n_cases: int, county_codes: list[str]):
        self.rand = rng.random
        self.county_codes = county_codes
        # the weighted digit sums of each part of the ID number, computed once
        self.county_sums = {c: sum(map(mul, map(int, c), ID_WEIGHTS[:6])) for c in county_codes}
        first = datetime.date(1940, 1, 1)
        births = [(first + datetime.timedelta(days=d)).strftime("%Y%m%d") for d in range(0, 365 * 65, 3)]
        self.births = [(b, sum(map(mul, map(int, b), ID_WEIGHTS[6:14]))) for b in births]
        self.surname = Picker(list(D.SURNAMES), zipf(len(D.SURNAMES), 1.0))
        self.pool = [self.new() for _ in range(max(50, n_cases * D.REPEATERS_PER_MILLION // 1_000_000))]
        self.pool_pick = Picker(range(len(self.pool)), zipf(len(self.pool), 0.6))
        self.last_case: dict[int, int] = {}

    def new(self) -> tuple:
        rand = self.rand
        given = D.GIVEN_CHARS
        male = rand() < 0.58
        name = self.surname(rand) + given[int(rand() * len(given))]
        if rand() < 0.8:
            name += given[int(rand() * len(given))]
        county = self.county_codes[int(rand() * len(self.county_codes))]
        id_number = ""
        if rand() < 0.9:
            birth, birth_sum = self.births[int(rand() * len(self.births))]
            digits = f"{int(rand() * 500) * 2 + male:03d}"  # the 17th digit is odd for men (GB 11643)
            total = self.county_sums[county] + birth_sum + sum(map(mul, map(int, digits), ID_WEIGHTS[14:]))
            id_number = f"{county}{birth}{digits}{ID_CHECK_CHARS[total % 11]}"
        phone = ""
        if rand() < 0.95:
            phone = f"{MOBILE_PREFIXES[int(rand() * len(MOBILE_PREFIXES))]}{int(rand() * 10**8):08d}"
        stems = D.VILLAGE_STEMS
        address = (
            f"{D.TOWNSHIP_NAMES[int(rand() * len(D.TOWNSHIP_NAMES))]}{stems[int(rand() * len(stems))]}"
            f"{stems[int(rand() * len(stems))]}{D.VILLAGE_SUFFIXES[rand() < 0.3]}{int(rand() * 199) + 1}号"
        )
        return (name, "M" if male else "F", id_number, phone, address, county)

    def pick(self) -> tuple[tuple, int | None]:
        """A person and, for a repeater, the pool index (to link the case to their previous one)."""
        if self.rand() < D.REPEAT_PETITIONER_SHARE:
            index = self.pool_pick(self.rand)
            return self.pool[index], index
        return self.new(), None


# --- The producer ----------------------------------------------------------------------------------


def produce(plan: Plan, first: int, last: int, *, as_text: bool = False) -> Iterator[tuple[int, dict]]:
    """Yield (cases in batch, {table: rows}) per batch for cases first..last-1 of the timeline.

    Rows include the model-default extras; with `as_text` (PostgreSQL), each table's rows come as one
    COPY text string instead of tuples. Returns (via StopIteration.value) the daily serials used.
    """
    if not plan.times:
        plan_times(plan)
    people_rng = random.Random(plan.seed + 1)  # the same people in every chunk
    rng = random.Random(plan.seed * 1000 + first)
    rand = rng.random
    local_tz = ZoneInfo(plan.time_zone)
    dt = dt_formatter(plan.vendor)
    now, today = plan.now, plan.today

    channels = plan.channels
    channel_json = {code: json.dumps(name, ensure_ascii=False) for code, name in channels.items()}
    channel_pick = picker({k: v for k, v in D.CHANNEL_WEIGHTS.items() if k in channels})
    purpose_pick = picker({k: v for k, v in D.PURPOSE_WEIGHTS.items() if k in plan.purposes})
    categories = list(plan.categories)
    rng.shuffle(categories)
    category_pick = Picker(categories, zipf(len(categories), 0.7))
    limits, rule_set_id, resident = plan.limits, plan.rule_set_id, plan.resident_id_type

    city, county_bureaus = plan.city, plan.county_bureaus
    handling_picks = [Picker(units, zipf(len(units), D.HANDLING_SKEW)) for units in plan.handling]
    county_pick = Picker(range(len(D.COUNTIES)), [share for *_x, share in D.COUNTIES])
    closed_status = picker(D.CLOSED_STATUS_WEIGHTS)
    open_bureau_status = picker(D.OPEN_BUREAU_STATUS_WEIGHTS)
    open_handling_status = picker(D.OPEN_HANDLING_STATUS_WEIGHTS)
    county_bureau_share = D.CITY_REGISTERS + (1 - D.CITY_REGISTERS) * D.COUNTY_BUREAU_REGISTERS
    people = People(people_rng, plan.n, [code for code, *_x in D.COUNTIES])
    people.rand = rand
    places, stems, suffixes = D.TOWNSHIP_NAMES, D.VILLAGE_STEMS, D.VILLAGE_SUFFIXES
    titles, openings, bodies, endings = (
        D.TITLE_TEMPLATES,
        D.CONTENT_OPENINGS,
        D.CONTENT_BODIES,
        D.CONTENT_ENDINGS,
    )
    demands, addressees = D.DEMANDS, D.ADDRESSEES
    closed_from, closed_at_bureau = D.CLOSED_FROM, D.CLOSED_AT_BUREAU
    earliest = datetime.date(1990, 1, 1)
    one_day = datetime.timedelta(days=1)
    serials = dict(plan.serials)
    taken_codes = plan.taken_codes
    extras = plan.extras
    # Values as the writer wants them: Python values for executemany, COPY text for PostgreSQL (then
    # every row is joined with str(), and the vocabulary has no character COPY would need escaped).
    B = ("f", "t") if as_text else (False, True)
    NULL = "\\N" if as_text else None

    ids = {t: plan.next_ids[t] + first * stride for t, stride in STRIDES.items()}
    case_id = ids["case"]
    days_cache: dict[int, tuple] = {}  # local day ordinal → (date, iso, yyyymmdd)

    for start in range(first, last, plan.batch):
        case_rows, pet_rows, link_rows, dl_rows, ev_rows = [], [], [], [], []
        chunk = plan.times[start : min(start + plan.batch, last)]
        for packed in chunk:
            pet_id, link_id = ids["petitioner"], ids["case_unit"]
            dl_id, ev_id = ids["deadline"], ids["event"]
            ts, state = divmod(packed, 4)
            ts += rand()
            local = datetime.datetime.fromtimestamp(ts, local_tz)
            day = days_cache.get(local.toordinal())
            if day is None:
                d = local.date()
                day = days_cache[local.toordinal()] = (d, d.isoformat(), d.strftime("%Y%m%d"))
            reg_day, reg_day_iso, reg_day_digits = day

            # Where it was registered, and where it is now.
            county = county_pick(rand)
            county_bureau = county_bureaus[county]
            r = rand()
            if r < D.CITY_REGISTERS:
                reg = city
            elif r < county_bureau_share:
                reg = county_bureau
            else:
                reg = handling_picks[county](rand)
            if state == 0:
                status = closed_status(rand)
                owner = (
                    reg if (status in closed_at_bureau or not reg.bureau) else handling_picks[county](rand)
                )
            elif state == 1 or not reg.bureau:
                status = open_bureau_status(rand) if reg.bureau else open_handling_status(rand)
                owner = reg
            else:
                status = open_handling_status(rand)
                owner = handling_picks[county](rand)
            is_open = state != 0
            channel = channel_pick(rand)
            category_id, topic = category_pick(rand)
            place = places[int(rand() * len(places))]

            # Number (region + date + daily serial) and 查询码.
            prefix = reg.region + reg_day_digits
            serial = serials.get(prefix, 0) + 1
            serials[prefix] = serial
            number = f"{prefix}{serial:05d}"
            code = 1_000_000_000 + (case_id * QUERY_CODE_MULTIPLIER) % 9_000_000_000
            while code in taken_codes:
                code = rng.randrange(1_000_000_000, 10_000_000_000)

            if channel == "letter":  # a letter arrives a few days after it was posted
                received_on = max(reg_day - int(rand() * 4) * one_day, earliest)
                received_iso = received_on.isoformat()
            else:
                received_on, received_iso = reg_day, reg_day_iso

            # People.
            collective = rand() < D.COLLECTIVE_SHARE
            anonymous = not collective and rand() < D.ANONYMOUS_SHARE
            headcount = 5 + int(rand() * 56) if collective else 1
            repeat_of = NULL
            if not anonymous:
                person, pool_index = people.pick()
                persons = [person]
                if pool_index is not None:
                    repeat_of = people.last_case.get(pool_index, NULL)
                    people.last_case[pool_index] = case_id
                if collective or rand() < D.TWO_PETITIONERS_SHARE:
                    persons.append(people.new())
                    headcount = max(headcount, 2)
                primary = True
                for name, gender, id_number, phone, address, region in persons:
                    pet_rows.append(
                        (
                            pet_id,
                            case_id,
                            name,
                            gender,
                            resident if id_number else NULL,
                            id_number,
                            phone,
                            address,
                            region,
                            B[primary],
                            B[collective],
                        )
                    )
                    pet_id += 1
                    primary = False

            # The current clock (open cases), or when it was closed.
            clerk = reg.staff
            registered_at = dt(ts)
            due_iso = closed_at = NULL
            step = ""
            if is_open:
                step = "dispose" if owner.bureau else ("handle" if owner is not reg else "notify_direct")
                days, day_type, basis = limits.get(step, (15, "calendar", ""))
                starts_on = received_on if owner is reg else reg_day + (1 + int(rand() * 3)) * one_day
                starts_on = min(starts_on, today)
                due_on = starts_on + days * one_day
                due_iso = due_on.isoformat()
                text = (
                    f"自{starts_on.year}年{starts_on.month}月{starts_on.day}日起算{days}日，"
                    f"期满日为{due_on.year}年{due_on.month}月{due_on.day}日。"
                )
                dl_rows.append(
                    (
                        dl_id,
                        case_id,
                        step,
                        owner.pk,
                        starts_on.isoformat(),
                        days,
                        day_type,
                        basis,
                        due_iso,
                        '{"text": "' + text + '"}',
                        B[True],
                    )
                )
                dl_id += 1
            else:
                closed_at = dt(max(min(ts + (1 + rand() * 54) * 86400, now - 3600), ts + 60))

            title = titles[int(rand() * len(titles))].format(topic=topic, place=place)
            content = (
                openings[int(rand() * len(openings))].format(place=place)
                + bodies[int(rand() * len(bodies))].format(topic=topic)
                + endings[int(rand() * len(endings))]
            )
            issue_address = ""
            if rand() < 0.5:
                issue_address = f"{place}{stems[int(rand() * len(stems))]}{suffixes[rand() < 0.3]}"
            case_rows.append(
                (
                    case_id,
                    number,
                    str(code),
                    channel,
                    purpose_pick(rand),
                    category_id,
                    title,
                    content,
                    demands[int(rand() * len(demands))],
                    addressees[int(rand() * len(addressees))] if channel == "letter" else "",
                    reg.region if rand() < 0.7 else NULL,
                    issue_address,
                    received_iso,
                    registered_at,
                    clerk,
                    reg.pk,
                    owner.pk,
                    rule_set_id,
                    status,
                    B[is_open],
                    due_iso,
                    headcount,
                    B[anonymous],
                    B[rand() < D.URGENT_SHARE],
                    B[rand() < D.SKIP_LEVEL_SHARE],
                    B[rand() < D.LITIGATION_SHARE],
                    B[collective],
                    B[repeat_of is not NULL],
                    repeat_of,
                    1 if is_open else 2,
                    closed_at,
                )
            )

            # Who may see it: the registering unit, and every unit that has held it.
            link_rows.append((link_id, case_id, reg.pk, "registered"))
            link_rows.append((link_id + 1, case_id, reg.pk, "holder"))
            link_id += 2
            if owner is not reg:
                if reg is city:
                    link_rows.append((link_id, case_id, county_bureau.pk, "holder"))  # city → county → unit
                    link_id += 1
                link_rows.append((link_id, case_id, owner.pk, "holder"))
                link_id += 1

            # The event log: registration, then the latest step.
            ev_rows.append(
                (
                    ev_id,
                    case_id,
                    "registered",
                    clerk,
                    reg.pk,
                    "",
                    "registered",
                    "",
                    f'{{"number": "{number}", "channel": {channel_json[channel]}, "attachments": 0}}',
                    registered_at,
                )
            )
            if not is_open:
                second = (
                    owner.staff,
                    owner.pk,
                    closed_from.get(status, "handling"),
                    status,
                    "",
                    "{}",
                    closed_at,
                )
            elif owner is not reg:
                moved = dt(min(ts + 3600 + rand() * 2 * 86400, now - 60))
                data = json.dumps({"owner_unit": owner.name}, ensure_ascii=False)
                second = (clerk, reg.pk, "registered", "pending_sign", "", data, moved)
            else:
                data = f'{{"step": "{step}", "due_on": "{due_iso}"}}'
                second = (clerk, reg.pk, "", "", "", data, dt(ts + 1))
            kind = "transition" if (not is_open or owner is not reg) else "deadline_set"
            ev_rows.append((ev_id + 1, case_id, kind, *second))
            case_id += 1
            ids["petitioner"] += 2
            ids["case_unit"] += 4
            ids["deadline"] += 1
            ids["event"] += 2

        rows = dict(zip(TABLES, (case_rows, pet_rows, link_rows, dl_rows, ev_rows), strict=True))
        if as_text:
            yield len(chunk), {t: (pg_copy_text(r, extras.get(t, ())), len(r)) for t, r in rows.items()}
        else:
            out = {}
            for t, r in rows.items():
                tail = extras.get(t, ())
                out[t] = ([row + tail for row in r] if tail else r, len(r))
            yield len(chunk), out
    return serials
