"""Generate N synthetic cases with realistic distributions, fast, into the current Django database.

Works against whatever `django.db.connection` points at: bench/run.py's own database, or the pytest
test database (bench/test_bench_smoke.py). Rows are written in batches with `executemany` (SQLite) or
`COPY` (PostgreSQL, psycopg 3), bypassing the ORM; every model field the generator does not set is
filled with its model default, so a new field with a default does not break the bench.

The rows themselves come from bench/produce.py (no Django there). With `producers=k` they are made by k
forked processes, each on its own part of the timeline, while this process writes.
"""

from __future__ import annotations

import io
import itertools
import json
import multiprocessing
import queue
import random
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from bench import data as D
from bench.produce import (
    CASE_COLUMNS,
    CASE_UNIT_COLUMNS,
    DEADLINE_COLUMNS,
    EVENT_COLUMNS,
    MOBILE_PREFIXES,
    PETITIONER_COLUMNS,
    TABLES,
    Plan,
    U,
    chunks,
    plan_times,
    produce,
    resident_id,
)

__all__ = ["MOBILE_PREFIXES", "BENCH_PASSWORD", "BENCH_USERS", "generate", "ensure_personas", "resident_id"]

BENCH_PASSWORD = "Bench@pass2026"
BENCH_USERS = {
    # username: (full name, role, which unit)
    "bench_registrar": ("基准登记员", "registrar", "county_bureau"),
    "bench_handler": ("基准承办人", "handler", "busy_unit"),
    "bench_leader": ("基准市领导", "leader", "city_bureau"),
    "bench_dispatcher": ("基准办信员", "dispatcher", "busy_bureau"),
}
STAFF_PREFIX = "bench_staff_"

Progress = Callable[[str], None]


# --- Writing rows --------------------------------------------------------------------------------


@dataclass
class Table:
    """Where one model's rows go: our columns, then the model defaults for every other column."""

    model: type
    columns: list[str]
    extras: tuple
    rows_written: int = 0
    seconds: float = 0.0

    @classmethod
    def of(cls, model, attnames: Sequence[str]) -> Table:
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [a for a in attnames if a not in by_attname]
        if unknown:
            raise RuntimeError(f"{model.__name__} has no field(s) {unknown}: update bench/produce.py")
        columns = [by_attname[a].column for a in attnames]
        extras = []
        for f in model._meta.concrete_fields:
            if f.attname in attnames:
                continue
            value = f.get_default()
            if value is None and not f.null:
                raise RuntimeError(
                    f"{model.__name__}.{f.name} is NOT NULL without a default: teach bench/produce.py to fill it"
                )
            if isinstance(f, models.JSONField):
                value = json.dumps(value)
            columns.append(f.column)
            extras.append(value)
        return cls(model=model, columns=columns, extras=tuple(extras))

    def write(self, payload, count: int) -> None:
        """Write rows (a list of tuples; for PostgreSQL, COPY text)."""
        if not count:
            return
        started = time.perf_counter()
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        columns = ", ".join(quote(c) for c in self.columns)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the DB-API cursor under Django's wrapper
            if connection.vendor == "postgresql":
                with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write(payload)
            else:
                marks = ", ".join("?" * len(self.columns))
                raw.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", payload)
        self.rows_written += count
        self.seconds += time.perf_counter() - started


def secondary_indexes(models_: Sequence) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the plain (non-unique, non-primary) indexes of these models' tables."""
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """
                SELECT c.relname, pg_get_indexdef(x.indexrelid)
                FROM pg_index x
                JOIN pg_class c ON c.oid = x.indexrelid
                JOIN pg_class t ON t.oid = x.indrelid
                JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE n.nspname = current_schema() AND t.relname = ANY(%s)
                  AND NOT x.indisunique AND NOT x.indisprimary
                ORDER BY c.relname
                """,
                [tables],
            )
        else:
            marks = ", ".join("%s" for _ in tables)
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND upper(sql) NOT LIKE 'CREATE UNIQUE%%' AND tbl_name IN ({marks}) ORDER BY name",
                tables,
            )
        return list(cursor.fetchall())


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


@dataclass
class Generated:
    cases: int
    seconds: float
    rows: dict[str, int]
    write_seconds: dict[str, float] = field(default_factory=dict)

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
            "write_seconds": self.write_seconds,
        }


def build_plan(n: int, batch: int, seed: int, org: Org, tables: dict[str, Table]) -> Plan:
    """Everything the producer needs from the database, as plain values."""
    from xinfang.cases.models import Case, CaseNumberSeq
    from xinfang.deadlines.models import RuleLimit, RuleSet
    from xinfang.reference.models import Category, Channel, IdType, Purpose

    def plain(unit) -> U:
        return U(unit.pk, unit.kind == "bureau", org.regions[unit.pk], unit.name, org.staff.get(unit.pk))

    rule_set = RuleSet.objects.get(code=settings.DEFAULT_RULE_SET)
    next_ids = {name: _next_id(table.model) for name, table in tables.items()}
    return Plan(
        n=n,
        batch=batch,
        seed=seed,
        vendor=connection.vendor,
        now=timezone.now().timestamp(),
        today=timezone.localdate(),
        time_zone=settings.TIME_ZONE,
        channels=dict(Channel.objects.values_list("code", "name")),
        purposes=set(Purpose.objects.values_list("code", flat=True)),
        categories=list(
            Category.objects.filter(version__is_current=True, is_active=True, children__isnull=True)
            .order_by("code")
            .values_list("pk", "name")
        ),
        rule_set_id=rule_set.pk,
        limits={
            lim.step: (lim.days, lim.day_type, lim.basis)
            for lim in RuleLimit.objects.filter(rule_set=rule_set)
        },
        resident_id_type=IdType.objects.filter(code=IdType.RESIDENT_ID).values_list("pk", flat=True).first(),
        city=plain(org.city_bureau),
        county_bureaus=[plain(u) for u in org.county_bureaus],
        handling=[[plain(u) for u in units] for units in org.handling],
        next_ids=next_ids,
        serials=dict(CaseNumberSeq.objects.values_list("prefix", "last")),
        taken_codes=(
            {int(c) for c in Case.objects.values_list("query_code", flat=True) if c.isdigit()}
            if next_ids["case"] > 1
            else set()
        ),
        extras={name: table.extras for name, table in tables.items()},
    )


def _producer_process(plan: Plan, first: int, last: int, as_text: bool, out) -> None:
    """Run in a forked child: never touch the parent's database connection."""
    try:
        batches = produce(plan, first, last, as_text=as_text)
        while True:
            try:
                out.put(("batch", next(batches)))
            except StopIteration as stop:
                out.put(("done", stop.value))
                return
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        out.put(("error", traceback.format_exc()))


def _batches(plan: Plan, *, as_text: bool, producers: int):
    """(cases, {table: (payload, rows)}) per batch, then the serials as the generator's return value.

    With producers > 0, that many forked processes each make a day-aligned part of the timeline.
    """
    if producers < 1:
        return (yield from produce(plan, 0, plan.n, as_text=as_text))
    plan_times(plan)  # once, before forking: the children share it
    parts = chunks(plan, producers)
    context = multiprocessing.get_context("fork")
    channel = context.Queue(maxsize=2 + len(parts))
    children = [
        context.Process(target=_producer_process, args=(plan, a, b, as_text, channel), daemon=True)
        for a, b in parts
    ]
    for child in children:
        child.start()
    serials: dict[str, int] = {}
    running = len(children)
    try:
        while running:
            try:
                kind, value = channel.get(timeout=900)
            except queue.Empty:
                raise RuntimeError("the producer processes stopped answering") from None
            if kind == "batch":
                yield value
            elif kind == "done":
                running -= 1
                for prefix, last in value.items():
                    serials[prefix] = max(last, serials.get(prefix, 0))
            else:
                raise RuntimeError(f"a producer process failed:\n{value}")
        return serials
    finally:
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.terminate()


def generate(
    n: int,
    *,
    batch: int = 20_000,
    seed: int = 20_260_101,
    progress: Progress | None = print,
    tune: bool = False,
    producers: int = 0,
    defer_indexes: bool = False,
    analyze: bool = True,
) -> Generated:
    """Write `n` cases (with petitioners, visibility rows, deadlines, events and number sequences).

    `tune` relaxes durability for the load (SQLite synchronous=OFF, PostgreSQL synchronous_commit=off),
    `producers` > 0 makes rows in that many forked processes, and `defer_indexes` drops the plain (non-unique)
    indexes of the five bulk tables before the load and creates them again, from the same DDL,
    afterwards (sorting once beats millions of random B-tree inserts; unique constraints stay in force
    throughout). All three only for a database of the bench's own, never inside a test transaction.
    """
    from xinfang.cases.models import Case, CaseDeadline, CaseEvent, CaseNumberSeq, CaseUnit, Petitioner

    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    org = ensure_org()
    if tune:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.execute("PRAGMA cache_size=-1048576")
                cursor.execute("PRAGMA temp_store=MEMORY")
            else:
                cursor.execute("SET synchronous_commit = off")
    tables = {
        "case": Table.of(Case, CASE_COLUMNS),
        "petitioner": Table.of(Petitioner, PETITIONER_COLUMNS),
        "case_unit": Table.of(CaseUnit, CASE_UNIT_COLUMNS),
        "deadline": Table.of(CaseDeadline, DEADLINE_COLUMNS),
        "event": Table.of(CaseEvent, EVENT_COLUMNS),
    }
    assert tuple(tables) == TABLES
    plan = build_plan(n, batch, seed, org, tables)
    how = f" (rows made by {producers} forked processes)" if producers else ""
    say(f"writing {n:,} cases in batches of {batch:,}{how}")

    deferred = secondary_indexes([t.model for t in tables.values()]) if defer_indexes else []
    with connection.cursor() as cursor:
        for name, _ddl in deferred:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    index_seconds = 0.0
    try:
        serials = _load(plan, tables, n, producers=producers, started=started, say=say)
    finally:
        if deferred:
            say(f"creating {len(deferred)} indexes …")
            clock = time.perf_counter()
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET maintenance_work_mem = '512MB'")
                for _name, ddl in deferred:
                    cursor.execute(ddl)
            index_seconds = time.perf_counter() - clock
            say(f"  indexes created in {index_seconds:.1f}s")

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
            for sql in connection.ops.sequence_reset_sql(no_style(), [t.model for t in tables.values()]):
                cursor.execute(sql)
    # Bulk inserts bypass case_register: the full-text search text (xinfang/cases/search.py) is built here.
    say("search index (manage.py search_reindex) …")
    clock = time.perf_counter()
    call_command("search_reindex", batch=20000, stdout=io.StringIO())
    say(f"  search index built in {time.perf_counter() - clock:.1f}s")
    if analyze:
        say("ANALYZE …")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    counts = {name: t.rows_written for name, t in tables.items()}
    counts["case_number_seq"] = len(serials)
    say("  write time per table: " + ", ".join(f"{name} {t.seconds:.1f}s" for name, t in tables.items()))
    write_seconds = {name: round(t.seconds, 2) for name, t in tables.items()}
    if deferred:
        write_seconds["deferred_indexes"] = round(index_seconds, 2)
    return Generated(cases=n, seconds=seconds, rows=counts, write_seconds=write_seconds)


def _load(plan: Plan, tables: dict[str, Table], n: int, *, producers: int, started: float, say: Progress):
    """Write every batch; returns the daily serials after the last case."""
    batches = _batches(plan, as_text=connection.vendor == "postgresql", producers=producers)
    done = 0
    last_report = time.perf_counter()
    while True:
        try:
            count, payloads = next(batches)
        except StopIteration as stop:
            return stop.value
        with transaction.atomic():
            for name, table in tables.items():
                table.write(*payloads[name])
        done += count
        clock = time.perf_counter()
        if clock - last_report > 5 or done == n:
            last_report = clock
            elapsed = clock - started
            total = sum(t.rows_written for t in tables.values())
            say(
                f"  {done:>10,} / {n:,} cases  {total:>11,} rows  "
                f"{done / elapsed:>8,.0f} cases/s  {total / elapsed:>9,.0f} rows/s  ({elapsed:.0f}s)"
            )


# --- Bench users ----------------------------------------------------------------------------------


@dataclass
class Personas:
    registrar: object  # registrar at the busiest county bureau
    handler: object  # handler at the busiest township (most open cases)
    leader: object  # leader at the city bureau (sees every case)
    county_bureau: object
    busy_unit: object
    city_bureau: object
    dispatcher: object = None  # dispatcher at the 信访部门 above the busiest township (transitions)
    busy_bureau: object = None


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
    where = {
        "county_bureau": county_bureau,
        "busy_unit": busy,
        "city_bureau": org.city_bureau,
        "busy_bureau": busy.parent,
    }
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
        dispatcher=users["bench_dispatcher"],
        busy_bureau=busy.parent,
    )
