"""Throughput of the Excel import (issue 6 §6: "import ≥ 2,000 rows/s", 100,000 rows).

    XINFANG_ALLOW_INSECURE_KEY=true DATABASE_URL=sqlite:///var/import_bench.sqlite3 \
        .venv/bin/python bench/import_bench.py --rows 100000
    XINFANG_ALLOW_INSECURE_KEY=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/xinfang_importbench \
        .venv/bin/python bench/import_bench.py --rows 100000

Migrates the given database, adds a bench region/unit/registrar, writes a file of valid rows (spread over
a year of 信访日期), then runs the job as the worker would (check every row, then import all in one
transaction) and reports rows/s for the whole job. Afterwards the imported cases are deleted again.

Measured 2026-11-25 on 2 cores: SQLite 3,204 rows/s (31.2 s), PostgreSQL 2,570 rows/s (38.9 s).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from openpyxl import Workbook

    call_command("migrate", verbosity=0)
    from xinfang.cases.models import Case, CaseNumberSeq
    from xinfang.intake.importing import HEADERS, import_submit, run_job
    from xinfang.intake.models import ImportJob
    from xinfang.orgs.models import Membership, Region, Role, Unit, UnitKind, UnitLevel, User
    from xinfang.reference.models import Channel, Purpose

    region, _ = Region.objects.get_or_create(code="990199", defaults={"name": "导入测试县"})
    unit, _ = Unit.objects.get_or_create(
        name="导入测试县信访局",
        defaults={"kind": UnitKind.PETITION_BUREAU, "level": UnitLevel.COUNTY, "region": region},
    )
    user, _ = User.objects.get_or_create(username="bench_importer", defaults={"full_name": "导入测试"})
    Membership.objects.get_or_create(user=user, unit=unit, role=Role.objects.get(code="registrar"))
    channels = list(
        Channel.objects.filter(is_active=True, staff_can_register=True).values_list("name", flat=True)
    )
    purposes = list(Purpose.objects.values_list("name", flat=True))

    t0 = time.monotonic()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(HEADERS)
    start = datetime.date(2020, 1, 1)
    for i in range(args.rows):
        day = start + datetime.timedelta(days=i % 366)
        ws.append(
            [
                day.isoformat(),
                channels[i % len(channels)],
                purposes[i % len(purposes)],
                "",
                f"历史信访件{i}：反映拖欠工资问题",
                "本人在某建筑工地务工，工资被拖欠三个月，多次讨要未果。",
                "请求督促支付工资",
                f"张{i % 1000}",
                "",
                f"139{i:08d}",
                "东湖镇1号",
                1,
                "",
                "",
                "已办结",
                (day + datetime.timedelta(days=30)).isoformat(),
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    print(f"file: {args.rows} rows, {len(data) / 1e6:.1f} MB, written in {time.monotonic() - t0:.1f} s")

    before = Case.objects.count()
    job = import_submit(user=user, unit=unit, upload=SimpleUploadedFile(f"bench-{time.time()}.xlsx", data))
    job = ImportJob.objects.select_related("unit", "user").get(pk=job.pk)
    t1 = time.monotonic()
    job = run_job(job)
    elapsed = time.monotonic() - t1
    assert job.status == "done", (job.status, job.file_error, job.errors_count)
    assert Case.objects.count() == before + args.rows
    print(
        f"{connection_vendor()}: {args.rows} rows checked and imported in {elapsed:.1f} s "
        f"= {args.rows / elapsed:,.0f} rows/s (target ≥ 2,000)"
    )
    # Leave the database as it was (the job row stays, as a record).
    t2 = time.monotonic()
    Case.objects.filter(registering_unit=unit).delete()
    CaseNumberSeq.objects.filter(prefix__startswith="990199").delete()
    print(f"cleanup {time.monotonic() - t2:.1f} s")


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


if __name__ == "__main__":
    main()
