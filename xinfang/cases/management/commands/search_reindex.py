"""Rebuild the full-text search text of every case (or those from --from-id on), in batches."""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from xinfang.cases.models import Case
from xinfang.cases.search import bigrams, cases_index_rows


class Command(BaseCommand):
    help = "重建信访件全文检索索引（标题+内容的二元分词），分批提交并显示进度。"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--from-id", type=int, default=0)

    def handle(self, *args, batch, from_id, **options):
        total = Case.objects.filter(pk__gte=from_id).count()
        done, last = 0, from_id - 1
        while True:
            rows = list(
                Case.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "title", "content")[:batch]
            )
            if not rows:
                break
            with transaction.atomic():
                cases_index_rows([(pk, bigrams(f"{title}\n{content}")) for pk, title, content in rows])
            done += len(rows)
            last = rows[-1][0]
            self.stdout.write(f"{done}/{total} (id ≤ {last})")
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Fresh rows without hint bits or statistics made the first searches read the heap cold.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE) cases_case_search")
        self.stdout.write(self.style.SUCCESS(f"reindexed {done} cases"))
