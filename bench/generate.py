"""Generate N synthetic cases with realistic distributions, fast, into the current Django database.

Works against whatever `django.db.connection` points at: bench/run.py's own database, or the pytest
test database (bench/test_bench_smoke.py). Rows are written in batches with `executemany` (SQLite) or
`COPY` (PostgreSQL, psycopg 3), bypassing the ORM; every model field the generator does not know is
filled with its model default, so a new field with a default does not break the bench.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import mul

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from bench import data as D

BENCH_PASSWORD = "Bench@pass2026"
BENCH_USERS = {
    # username: (full name, role, which unit)
    "bench_registrar": ("基准登记员", "registrar", "county_bureau"),
    "bench_handler": ("基准承办人", "handler", "busy_unit"),
    "bench_leader": ("基准市领导", "leader", "city_bureau"),
}
STAFF_PREFIX = "bench_staff_"
QUERY_CODE_MULTIPLIER = 7_919_977_003  # coprime with 9·10⁹: id ↦ 查询码 is a bijection (no collisions)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 155 156 157 158 159 166 176 177 180 181 182 183 "
    "185 186 187 188 189 191 198 199"
).split()

Progress = Callable[[str], None]


# --- Small helpers -------------------------------------------------------------------------------


class Picker:
    """Weighted choice by bisecting cumulative weights (much faster than random.choices per call)."""

    def __init__(self, items: Sequence, weights: Sequence[float]):
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def picker(weights: dict) -> Picker:
    return Picker(list(weights), list(weights.values()))


def zipf(n: int, skew: float) -> list[float]:
    return [1 / (rank**skew) for rank in range(1, n + 1)]


def resident_id(region6: str, birth: datetime.date, serial: int) -> str:
    first17 = f"{region6}{birth:%Y%m%d}{serial:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + ID_CHECK_CHARS[total % 11]


# --- Writing rows --------------------------------------------------------------------------------

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


class Table:
    """Bulk writer for one model: the columns we generate, plus model defaults for the others."""

    def __init__(self, model, attnames: Sequence[str]):
        self.model = model
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [a for a in attnames if a not in by_attname]
        if unknown:
            raise RuntimeError(f"{model.__name__} has no field(s) {unknown}: update bench/generate.py")
        self.columns = [by_attname[a].column for a in attnames]
        extras = []
        for f in model._meta.concrete_fields:
            if f.attname in attnames:
                continue
            value = f.get_default()
            if value is None and not f.null:
                raise RuntimeError(
                    f"{model.__name__}.{f.name} is NOT NULL without a default: teach bench/generate.py to fill it"
                )
            if isinstance(f, models.JSONField):
                value = json.dumps(value)
            self.columns.append(f.column)
            extras.append(value)
        self.extras = tuple(extras)
        self.table = model._meta.db_table
        self.rows_written = 0

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        extras = self.extras
        quoted = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the DB-API cursor under Django's wrapper
            if connection.vendor == "postgresql":
                sql = f"COPY {connection.ops.quote_name(self.table)} ({quoted}) FROM STDIN"
                with raw.copy(sql) as copy:
                    chunk: list[str] = []
                    for row in rows:
                        chunk.append("\t".join(map(_pg_text, row + extras)))
                        if len(chunk) >= 5000:
                            copy.write("\n".join(chunk) + "\n")
                            chunk.clear()
                    if chunk:
                        copy.write("\n".join(chunk) + "\n")
            else:
                marks = ", ".join("?" * len(self.columns))
                sql = f"INSERT INTO {connection.ops.quote_name(self.table)} ({quoted}) VALUES ({marks})"
                if extras:
                    raw.executemany(sql, [row + extras for row in rows])
                else:
                    raw.executemany(sql, rows)
        self.rows_written += len(rows)


def _dt_formatter() -> Callable[[float], str]:
    """An epoch timestamp as the backend stores a DateTimeField (USE_TZ: UTC)."""
    utc = datetime.UTC
    if connection.vendor == "postgresql":
        return lambda ts: datetime.datetime.fromtimestamp(ts, utc).isoformat(sep=" ")
    # Django's SQLite backend stores str() of the naive UTC datetime.
    return lambda ts: str(datetime.datetime.fromtimestamp(ts, utc).replace(tzinfo=None))


def _next_id(model) -> int:
    last = model.objects.aggregate(m=models.Max("pk"))["m"]
    return (last or 0) + 1


# --- The organisation -----------------------------------------------------------------------------


@dataclass
class Org:
    city_bureau: object
    county_bureaus: list  # Unit, one per county
    handling: list[list]  # per county: its townships and departments, busiest first
    staff: dict[int, int]  # unit id → a staff user id (the registering clerk)
    regions: dict[int, str] = field(default_factory=dict)  # unit id → 6-digit region code


def ensure_org() -> Org:
    """The unit tree and regions (idempotent): 1 city bureau, 3 counties × (bureau + 18 + 15)."""
    from xinfang.orgs.models import Region, Unit, UnitKind, UnitLevel, User

    def unit(name, kind, level, region, parent, order):
        found = Unit.objects.filter(name=name).first()
        if found is not None:
            return found
        return Unit.objects.create(
            name=name,
            short_name=name[:30],
            kind=kind,
            level=level,
            region=region,
            parent=parent,
            sort_order=order,
            contact_phone=f"0579-{8000000 + order:07d}",
        )

    city_region, _ = Region.objects.get_or_create(code=D.CITY[0], defaults={"name": D.CITY[1]})
    city = unit(f"{D.CITY[1]}信访局", UnitKind.PETITION_BUREAU, UnitLevel.CITY, city_region, None, 1)
    bureaus, handling = [], []
    for c, (code, county_name, _share) in enumerate(D.COUNTIES):
        region, _ = Region.objects.get_or_create(
            code=code, defaults={"name": county_name, "parent": city_region}
        )
        bureau = unit(
            f"{county_name}信访局", UnitKind.PETITION_BUREAU, UnitLevel.COUNTY, region, city, 10 + c
        )
        bureaus.append(bureau)
        towns = []
        for t, name in enumerate(D.TOWNSHIP_NAMES, start=1):
            town_region, _ = Region.objects.get_or_create(
                code=f"{code}{t:03d}", defaults={"name": name, "parent": region}
            )
            towns.append(
                unit(
                    f"{county_name}{name}",
                    UnitKind.HANDLING_UNIT,
                    UnitLevel.TOWNSHIP,
                    town_region,
                    bureau,
                    100 + t,
                )
            )
        depts = [
            unit(
                f"{county_name}{name}", UnitKind.HANDLING_UNIT, UnitLevel.DEPARTMENT, region, bureau, 200 + d
            )
            for d, name in enumerate(D.DEPARTMENT_NAMES, start=1)
        ]
        # Busiest first: the county seat's town, then the police and labour bureaus, then the rest
        # in a fixed shuffled order (a county differs from the next).
        rest = towns[1:] + depts[2:]
        random.Random(c).shuffle(rest)
        handling.append([towns[0], depts[0], depts[1], *rest])

    all_units = [city, *bureaus, *itertools.chain.from_iterable(handling)]
    existing = {
        u.username: u.pk for u in User.objects.filter(username__startswith=STAFF_PREFIX).only("username")
    }
    unusable = make_password(None)
    new_staff = [
        User(username=f"{STAFF_PREFIX}{u.pk}", full_name=f"工作人员{u.pk:03d}", password=unusable)
        for u in all_units
        if f"{STAFF_PREFIX}{u.pk}" not in existing
    ]
    User.objects.bulk_create(new_staff)
    staff = {
        int(u.username[len(STAFF_PREFIX) :]): u.pk
        for u in User.objects.filter(username__startswith=STAFF_PREFIX).only("username")
    }
    regions = {u.pk: u.region_id[:6] for u in all_units}
    return Org(city_bureau=city, county_bureaus=bureaus, handling=handling, staff=staff, regions=regions)


# --- The plan of one case ------------------------------------------------------------------------


@dataclass
class Generated:
    cases: int
    seconds: float
    rows: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def as_dict(self) -> dict:
        return {
            "cases": self.cases,
            "seconds": round(self.seconds, 2),
            "rows": self.rows,
            "total_rows": self.total_rows,
            "rows_per_second": round(self.total_rows / self.seconds) if self.seconds else None,
            "cases_per_second": round(self.cases / self.seconds) if self.seconds else None,
        }


def _timeline(n: int, rng: random.Random, now: float, today: datetime.date) -> list[int]:
    """N (registration time, state) pairs, sorted by time, packed as ts*4+state in one int list.

    Closed cases spread over three years with a growing trend, fewer at weekends; open cases are
    younger, and how young decides their deadline (bureaus dispose within 15 days, handling units 60).
    """
    state_pick = picker(D.STATE_WEIGHTS)
    state_code = {"closed": 0, "open_bureau": 1, "open_handling": 2}
    three_years = 3 * 365 * 86400
    start = now - three_years
    day0 = datetime.datetime.combine(today, datetime.time(), tzinfo=timezone.get_current_timezone())
    midnight = day0.timestamp()
    offset = day0.utcoffset().total_seconds()
    packed = []
    for _ in range(n):
        state = state_code[state_pick(rng)]
        while True:
            if state == 0:
                # density grows linearly from 0.7 to 1.3 across the three years (sqrt inversion)
                u = rng.random()
                x = (-0.7 + (0.49 + 1.2 * u) ** 0.5) / 0.6
                day_start = start + x * three_years
                day_start -= (day_start - midnight) % 86400  # local midnight
            else:
                r = rng.random()
                span = (0, 10, 10, 15, 16, 45) if state == 1 else (0, 55, 55, 60, 61, 180)
                if r < 0.80:
                    age = rng.uniform(span[0], span[1])
                elif r < 0.88:
                    age = rng.uniform(span[2], span[3])
                else:
                    age = rng.uniform(span[4], span[5])
                day_start = midnight - int(age) * 86400
            weekday = (int(day_start + offset) // 86400 + 3) % 7  # 1970-01-01 was a Thursday
            if weekday >= 5 and rng.random() > 0.3:
                continue  # weekends see about a third of a weekday's petitions
            seconds = rng.uniform(8.25 * 3600, 17.75 * 3600) if rng.random() < 0.9 else rng.uniform(0, 86400)
            ts = day_start + seconds
            if ts < now - 60:
                break
        packed.append(int(ts) * 4 + state)
    packed.sort()
    return packed


class People:
    """Petitioners: mostly one-off, some repeating (same name, ID number and phone across cases)."""

    def __init__(self, rng: random.Random, n_cases: int, county_codes: list[str]):
        self.rand = rng.random
        self.county_codes = county_codes
        # each county's weighted ID-number digits, computed once
        self.county_sums = {c: sum(map(mul, map(int, c), ID_WEIGHTS[:6])) for c in county_codes}
        start = datetime.date(1940, 1, 1)
        self.births = [
            ((start + datetime.timedelta(days=d)).strftime("%Y%m%d"),) for d in range(0, 365 * 65, 3)
        ]
        self.births = [(b, sum(map(mul, map(int, b), ID_WEIGHTS[6:14]))) for (b,) in self.births]
        self.surname = Picker(list(D.SURNAMES), zipf(len(D.SURNAMES), 1.0))
        self.given = D.GIVEN_CHARS
        self.pool = [self.new() for _ in range(max(50, n_cases * D.REPEATERS_PER_MILLION // 1_000_000))]
        self.pool_pick = Picker(range(len(self.pool)), zipf(len(self.pool), 0.6))
        self.last_case: dict[int, int] = {}

    def new(self) -> tuple:
        rand = self.rand
        given = self.given
        male = rand() < 0.58
        name = self.surname.items[bisect.bisect_right(self.surname.cum, rand() * self.surname.total)]
        name += given[int(rand() * len(given))]
        if rand() < 0.8:
            name += given[int(rand() * len(given))]
        county = self.county_codes[int(rand() * len(self.county_codes))]
        id_number = ""
        if rand() < 0.9:
            birth, birth_sum = self.births[int(rand() * len(self.births))]
            serial = int(rand() * 500) * 2 + male  # the 17th digit is odd for men (GB 11643)
            digits = f"{serial:03d}"
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
            index = self.pool_pick.items[
                bisect.bisect_right(self.pool_pick.cum, self.rand() * self.pool_pick.total)
            ]
            return self.pool[index], index
        return self.new(), None


# --- The generator -------------------------------------------------------------------------------

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


@dataclass(frozen=True)
class U:
    """A unit as plain values (attribute access on model instances is slow in the hot loop)."""

    pk: int
    bureau: bool
    region: str
    name: str
    staff: int | None


def generate(
    n: int,
    *,
    batch: int = 20_000,
    seed: int = 20_260_101,
    progress: Progress | None = print,
    tune: bool = False,
    analyze: bool = True,
) -> Generated:
    """Write `n` cases (with petitioners, visibility rows, deadlines, events and number sequences).

    `tune` relaxes durability for the load (SQLite synchronous=OFF, PostgreSQL synchronous_commit=off);
    only for a database of its own, never inside a test transaction.
    """
    from xinfang.cases.models import Case, CaseDeadline, CaseEvent, CaseNumberSeq, CaseUnit, Petitioner
    from xinfang.deadlines.models import RuleLimit, RuleSet
    from xinfang.reference.models import Category, Channel, IdType, Purpose

    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    rng = random.Random(seed)
    rand = rng.random
    org = ensure_org()
    if tune:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.execute("PRAGMA cache_size=-1048576")
                cursor.execute("PRAGMA temp_store=MEMORY")
            else:
                cursor.execute("SET synchronous_commit = off")

    now = timezone.now().timestamp()
    today = timezone.localdate()
    local_tz = timezone.get_current_timezone()
    dt = _dt_formatter()

    # Reference data, as migrated.
    channels = {c.code: c.name for c in Channel.objects.all()}
    channel_json = {code: json.dumps(name) for code, name in channels.items()}
    channel_pick = picker({k: v for k, v in D.CHANNEL_WEIGHTS.items() if k in channels})
    purposes = set(Purpose.objects.values_list("code", flat=True))
    purpose_pick = picker({k: v for k, v in D.PURPOSE_WEIGHTS.items() if k in purposes})
    leaves = list(
        Category.objects.filter(version__is_current=True, is_active=True, children__isnull=True).values_list(
            "pk", "name"
        )
    )
    rng.shuffle(leaves)
    category_pick = Picker(leaves, zipf(len(leaves), 0.7))
    rule_set_id = RuleSet.objects.get(code=settings.DEFAULT_RULE_SET).pk
    limits = {
        lim.step: (lim.days, lim.day_type, lim.basis)
        for lim in RuleLimit.objects.filter(rule_set_id=rule_set_id)
    }
    resident = IdType.objects.filter(code=IdType.RESIDENT_ID).values_list("pk", flat=True).first()

    # Units and how petitions fall on them.
    def plain(unit) -> U:
        return U(unit.pk, unit.kind == "bureau", org.regions[unit.pk], unit.name, org.staff.get(unit.pk))

    city = plain(org.city_bureau)
    county_bureaus = [plain(u) for u in org.county_bureaus]
    handling_picks = [
        Picker([plain(u) for u in units], zipf(len(units), D.HANDLING_SKEW)) for units in org.handling
    ]
    county_pick = Picker(range(len(D.COUNTIES)), [share for *_x, share in D.COUNTIES])
    closed_status = picker(D.CLOSED_STATUS_WEIGHTS)
    open_bureau_status = picker(D.OPEN_BUREAU_STATUS_WEIGHTS)
    open_handling_status = picker(D.OPEN_HANDLING_STATUS_WEIGHTS)
    people = People(rng, n, [code for code, *_x in D.COUNTIES])
    places = D.TOWNSHIP_NAMES
    stems, suffixes = D.VILLAGE_STEMS, D.VILLAGE_SUFFIXES
    titles, openings, bodies, endings = (
        D.TITLE_TEMPLATES,
        D.CONTENT_OPENINGS,
        D.CONTENT_BODIES,
        D.CONTENT_ENDINGS,
    )
    demands, addressees = D.DEMANDS, D.ADDRESSEES
    closed_from = D.CLOSED_FROM
    closed_at_bureau = D.CLOSED_AT_BUREAU
    earliest = datetime.date(1990, 1, 1)
    one_day = datetime.timedelta(days=1)

    # Identifiers continue after whatever is already there.
    next_ids = {m: _next_id(m) for m in (Case, Petitioner, CaseUnit, CaseDeadline, CaseEvent)}
    serials: dict[str, int] = dict(CaseNumberSeq.objects.values_list("prefix", "last"))
    taken_codes = set(Case.objects.values_list("query_code", flat=True)) if next_ids[Case] > 1 else set()

    tables = {
        "case": Table(Case, CASE_COLUMNS),
        "petitioner": Table(Petitioner, PETITIONER_COLUMNS),
        "case_unit": Table(CaseUnit, ["id", "case_id", "unit_id", "role"]),
        "deadline": Table(CaseDeadline, DEADLINE_COLUMNS),
        "event": Table(CaseEvent, EVENT_COLUMNS),
    }

    say(f"planning {n:,} cases …")
    timeline = _timeline(n, rng, now, today)
    say(f"planned in {time.perf_counter() - started:.1f}s; writing in batches of {batch:,}")

    case_id = next_ids[Case]
    pet_id, link_id, dl_id, ev_id = (next_ids[m] for m in (Petitioner, CaseUnit, CaseDeadline, CaseEvent))
    days_cache: dict[int, tuple[datetime.date, str, str]] = {}  # local day number → (date, iso, yyyymmdd)
    done = 0
    last_report = time.perf_counter()
    for start in range(0, n, batch):
        case_rows, pet_rows, link_rows, dl_rows, ev_rows = [], [], [], [], []
        for packed in timeline[start : start + batch]:
            ts, state = divmod(packed, 4)
            ts += rand()
            local = datetime.datetime.fromtimestamp(ts, local_tz)
            day_key = local.toordinal()
            day = days_cache.get(day_key)
            if day is None:
                d = local.date()
                day = days_cache[day_key] = (d, d.isoformat(), d.strftime("%Y%m%d"))
            reg_day, reg_day_iso, reg_day_digits = day

            # Where it was registered, and where it is now.
            county = county_pick(rng)
            county_bureau = county_bureaus[county]
            r = rand()
            if r < D.CITY_REGISTERS:
                reg = city
            elif r < D.CITY_REGISTERS + (1 - D.CITY_REGISTERS) * D.COUNTY_BUREAU_REGISTERS:
                reg = county_bureau
            else:
                reg = handling_picks[county](rng)
            if state == 0:
                status = closed_status(rng)
                owner = reg if (status in closed_at_bureau or not reg.bureau) else handling_picks[county](rng)
            elif state == 1 or not reg.bureau:
                status = open_bureau_status(rng) if reg.bureau else open_handling_status(rng)
                owner = reg
            else:
                status = open_handling_status(rng)
                owner = handling_picks[county](rng)
            is_open = state != 0
            channel = channel_pick(rng)
            category_id, topic = category_pick(rng)
            place = places[int(rand() * len(places))]

            # Number (region + date + daily serial) and 查询码.
            prefix = reg.region + reg_day_digits
            serial = serials.get(prefix, 0) + 1
            serials[prefix] = serial
            number = f"{prefix}{serial:05d}"
            code = 1_000_000_000 + (case_id * QUERY_CODE_MULTIPLIER) % 9_000_000_000
            while code in taken_codes:
                code = rng.randrange(1_000_000_000, 10_000_000_000)

            if channel == "letter":
                received_on = max(reg_day - int(rand() * 4) * one_day, earliest)
                received_iso = received_on.isoformat()
            else:
                received_on, received_iso = reg_day, reg_day_iso

            # People.
            collective = rand() < D.COLLECTIVE_SHARE
            anonymous = not collective and rand() < D.ANONYMOUS_SHARE
            headcount = 5 + int(rand() * 56) if collective else 1
            repeat_of = None
            if not anonymous:
                person, pool_index = people.pick()
                persons = [person]
                if pool_index is not None:
                    repeat_of = people.last_case.get(pool_index)
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
                            resident if id_number else None,
                            id_number,
                            phone,
                            address,
                            region,
                            primary,
                            collective,
                        )
                    )
                    pet_id += 1
                    primary = False

            # Deadline, due date and closing.
            clerk = reg.staff
            registered_at = dt(ts)
            due_iso = closed_at = None
            if is_open:
                step = "dispose" if owner.bureau else ("handle" if owner is not reg else "notify_direct")
                days, day_type, basis = limits.get(step, (15, "calendar", ""))
                starts_on = received_on if owner is reg else reg_day + (1 + int(rand() * 3)) * one_day
                starts_on = min(starts_on, today)
                due_on = starts_on + days * one_day
                due_iso = due_on.isoformat()
                text = f"自{starts_on.year}年{starts_on.month}月{starts_on.day}日起算{days}日，期满日为{due_on.year}年{due_on.month}月{due_on.day}日。"
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
                        True,
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
            case_rows.append(
                (
                    case_id,
                    number,
                    str(code),
                    channel,
                    purpose_pick(rng),
                    category_id,
                    title,
                    content,
                    demands[int(rand() * len(demands))],
                    addressees[int(rand() * len(addressees))] if channel == "letter" else "",
                    reg.region if rand() < 0.7 else None,
                    f"{place}{stems[int(rand() * len(stems))]}{suffixes[rand() < 0.3]}"
                    if rand() < 0.5
                    else "",
                    received_iso,
                    registered_at,
                    clerk,
                    reg.pk,
                    owner.pk,
                    rule_set_id,
                    status,
                    is_open,
                    due_iso,
                    headcount,
                    anonymous,
                    rand() < D.URGENT_SHARE,
                    rand() < D.SKIP_LEVEL_SHARE,
                    rand() < D.LITIGATION_SHARE,
                    collective,
                    repeat_of is not None,
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
                ev_rows.append(
                    (
                        ev_id + 1,
                        case_id,
                        "transition",
                        owner.staff,
                        owner.pk,
                        closed_from.get(status, "handling"),
                        status,
                        "",
                        "{}",
                        closed_at,
                    )
                )
            elif owner is not reg:
                moved = dt(min(ts + 3600 + rand() * 2 * 86400, now - 60))
                data = json.dumps({"owner_unit": owner.name}, ensure_ascii=False)
                ev_rows.append(
                    (
                        ev_id + 1,
                        case_id,
                        "transition",
                        clerk,
                        reg.pk,
                        "registered",
                        "pending_sign",
                        "",
                        data,
                        moved,
                    )
                )
            else:
                data = f'{{"step": "{step}", "due_on": "{due_iso}"}}'
                ev_rows.append(
                    (ev_id + 1, case_id, "deadline_set", clerk, reg.pk, "", "", "", data, dt(ts + 1))
                )
            ev_id += 2
            case_id += 1

        with transaction.atomic():
            tables["case"].write(case_rows)
            tables["petitioner"].write(pet_rows)
            tables["case_unit"].write(link_rows)
            tables["deadline"].write(dl_rows)
            tables["event"].write(ev_rows)
        done += len(case_rows)
        clock = time.perf_counter()
        if clock - last_report > 5 or done == n:
            last_report = clock
            elapsed = clock - started
            total = sum(t.rows_written for t in tables.values())
            say(
                f"  {done:>10,} / {n:,} cases  {total:>11,} rows  "
                f"{done / elapsed:>8,.0f} cases/s  {total / elapsed:>9,.0f} rows/s  ({elapsed:.0f}s)"
            )

    # The daily serials must continue after the numbers used.
    with transaction.atomic():
        CaseNumberSeq.objects.bulk_create(
            [CaseNumberSeq(prefix=p, last=last) for p, last in serials.items()],
            update_conflicts=True,
            unique_fields=["prefix"],
            update_fields=["last"],
            batch_size=2000,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Case, Petitioner, CaseUnit, CaseDeadline, CaseEvent]
            ):
                cursor.execute(sql)
    if analyze:
        say("ANALYZE …")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    counts = {name: t.rows_written for name, t in tables.items()}
    counts["case_number_seq"] = len(serials)
    return Generated(cases=n, seconds=seconds, rows=counts)


# --- Bench users ----------------------------------------------------------------------------------


@dataclass
class Personas:
    registrar: object  # registrar at the busiest county bureau
    handler: object  # handler at the busiest township (most open cases)
    leader: object  # leader at the city bureau (sees every case)
    county_bureau: object
    busy_unit: object
    city_bureau: object


def busiest_unit(units) -> object:
    """The one of `units` holding the most open cases."""
    from xinfang.cases.models import Case
    from xinfang.orgs.models import Unit

    row = (
        Case.objects.filter(is_open=True, owner_unit__in=[u.pk for u in units])
        .values("owner_unit")
        .annotate(n=models.Count("id"))
        .order_by("-n")
        .first()
    )
    if row is None:
        raise RuntimeError("no open cases: generate data first")
    return Unit.objects.get(pk=row["owner_unit"])


def ensure_personas() -> Personas:
    """The three bench users with a known password, seated at the busiest units (idempotent)."""
    from xinfang.orgs.models import Membership, Role, Unit, User

    org = ensure_org()
    busy = busiest_unit(list(itertools.chain.from_iterable(org.handling)))
    county_bureau = org.county_bureaus[0]
    where = {"county_bureau": county_bureau, "busy_unit": busy, "city_bureau": org.city_bureau}
    users = {}
    for username, (full_name, role, unit_key) in BENCH_USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, password=BENCH_PASSWORD, full_name=full_name)
        unit: Unit = where[unit_key]
        Membership.objects.filter(user=user).exclude(unit=unit).delete()
        Membership.objects.get_or_create(user=user, unit=unit, role=Role.objects.get(code=role))
        users[username] = user
    return Personas(
        registrar=users["bench_registrar"],
        handler=users["bench_handler"],
        leader=users["bench_leader"],
        county_bureau=county_bureau,
        busy_unit=busy,
        city_bureau=org.city_bureau,
    )
