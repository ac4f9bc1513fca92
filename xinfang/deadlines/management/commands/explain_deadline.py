"""manage.py explain_deadline --start 2026-09-30 --days 5 --type working: show how a due date is computed."""

import datetime

from django.core.management.base import BaseCommand

from xinfang.deadlines.calendar import DAY_TYPES, compute_due
from xinfang.deadlines.selectors import calendar_for


class Command(BaseCommand):
    help = "按数据库中的节假日表计算并解释期满日。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--start", type=datetime.date.fromisoformat, required=True, help="起算日 YYYY-MM-DD"
        )
        parser.add_argument("--days", type=int, required=True)
        parser.add_argument("--type", dest="day_type", choices=DAY_TYPES, default="calendar")
        parser.add_argument("--roll-forward", action="store_true", help="期满日遇节假日顺延")
        parser.add_argument("--basis", default="")

    def handle(self, *args, start, days, day_type, roll_forward, basis, **options):
        calendar = calendar_for(start, days, day_type)
        due = compute_due(start, days, day_type, calendar=calendar, roll_forward=roll_forward, basis=basis)
        self.stdout.write(due.explain())
