"""manage.py load_holidays: (re)load holidays and 调休 days from the chinesecalendar package."""

from django.core.management.base import BaseCommand

from xinfang.deadlines import seeds, services


class Command(BaseCommand):
    help = "从 chinesecalendar 包重新载入法定节假日与调休上班日。"

    def add_arguments(self, parser):
        first, last = seeds.chinesecalendar_years()
        parser.add_argument("--first-year", type=int, default=first)
        parser.add_argument("--last-year", type=int, default=last)

    def handle(self, *args, first_year: int, last_year: int, **options):
        count = services.holidays_seed_from_chinesecalendar(first_year=first_year, last_year=last_year)
        self.stdout.write(f"已载入 {count} 条节假日/调休记录（{first_year}–{last_year}年）。")
