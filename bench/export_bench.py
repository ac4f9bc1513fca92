"""Time and memory of the case-list Excel export (issue 6: "a 100,000-row export streams with bounded
memory"). Reads the bench database only: it builds the export as the worker does (`write_cases`, the
write-only workbook, cases read in chunks) and writes no audit row or job.

    XINFANG_ALLOW_INSECURE_KEY=true DATABASE_URL=sqlite:////work/main/var/bench.sqlite3 \
        .venv/bin/python bench/export_bench.py --rows 100000 --user bench_leader
    XINFANG_ALLOW_INSECURE_KEY=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/xinfang_bench \
        .venv/bin/python bench/export_bench.py --rows 100000 --user bench_registrar

`--tracemalloc` also reports the peak of Python allocations (slower). Peak RSS is the process's.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--user", default="bench_leader")
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from xinfang.cases.access import cases_visible_to
    from xinfang.cases.exports import ExportRequest, write_cases
    from xinfang.cases.models import Case
    from xinfang.orgs.models import User

    settings.EXPORT_MAX_ROWS = args.rows
    user = User.objects.get(username=args.user)
    request = ExportRequest(
        source="bench", title="bench", queryset=cases_visible_to(user, Case.objects.all())
    )
    rss_before = _rss_mb()
    if args.tracemalloc:
        tracemalloc.start()
    started = time.monotonic()
    with tempfile.TemporaryFile() as target:
        detail = write_cases(target, user=user, request=request)
        size = target.tell()
    seconds = time.monotonic() - started
    peak_py = tracemalloc.get_traced_memory()[1] / 1024 / 1024 if args.tracemalloc else None
    print(
        f"{connection.vendor} user={args.user} rows={detail['rows']} in full={detail['personal_data_in_full']} "
        f"time={seconds:.1f}s ({detail['rows'] / seconds:,.0f} rows/s) file={size / 1024 / 1024:.1f} MB "
        f"peak RSS={_rss_mb():.0f} MB (before {rss_before:.0f} MB)"
        + (f" peak Python allocations={peak_py:.1f} MB" if peak_py is not None else "")
    )


if __name__ == "__main__":
    main()
