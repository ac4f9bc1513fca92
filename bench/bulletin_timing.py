"""Time the 季度通报 on a bench database, read-only: the numbers (`bulletin_data`), then .docx and PDF.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xinfang_bench .venv/bin/python bench/bulletin_timing.py 2026-Q4
    DATABASE_URL=sqlite:////work/main/var/bench.sqlite3 .venv/bin/python bench/bulletin_timing.py 2026-Q4

Writes nothing to the database. Scores are left out when the database has no assessment tables.
"""

import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("XINFANG_ALLOW_INSECURE_KEY", "true")
django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from xinfang.orgs.models import Unit  # noqa: E402
from xinfang.reporting import bulletin_render  # noqa: E402
from xinfang.reporting import bulletin_selectors as selectors  # noqa: E402
from xinfang.reporting.periods import parse_period  # noqa: E402

if "assessment_ruleset" not in connection.introspection.table_names():
    selectors.score_rows = lambda bureau, period: None


def timed(call):
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def main(periods: list[str]) -> None:
    county = Unit.objects.filter(kind="bureau", level="county").order_by("pk").first()
    city = Unit.objects.filter(kind="bureau", level="city").order_by("pk").first()
    print(connection.vendor, county.name, Unit.objects.filter(parent=county).count(), "children")
    for code in periods:
        period = parse_period(code)
        for bureau in (county, city):
            data, numbers = timed(lambda b=bureau, p=period: selectors.bulletin_data(b, p))
            bulletin = SimpleNamespace(
                snapshot=data,
                threshold=Decimal("90"),
                generated_at=timezone.now(),
                published_at=None,
                number="",
                title="通报",
                opening="",
                requirements="",
                bureau=bureau,
            )
            content = bulletin_render.bulletin_content(bulletin)
            docx, word = timed(lambda c=content: bulletin_render.to_docx(c))
            pdf, printed = timed(lambda c=content: bulletin_render.to_pdf(c))
            registered = sum(unit["registered"] for unit in data["units"])
            print(
                f"{bureau.name} {code}: numbers {numbers:.2f}s ({registered} registered), "
                f"docx {word:.2f}s {len(docx) // 1024}KB, pdf {printed:.2f}s {len(pdf) // 1024}KB"
            )


if __name__ == "__main__":
    main(sys.argv[1:] or ["2026-Q4"])
