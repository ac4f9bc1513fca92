"""manage.py load_demo: load the demo county (示范县) and print its accounts; safe to run again."""

from django.core.management.base import BaseCommand

from xinfang.cases.choices import CaseStatus
from xinfang.common.demo import RealDataPresent, format_table, load_demo


class Command(BaseCommand):
    help = "载入演示数据“示范县”（单位、账号、200件信访件及其办理过程和文书）；可重复运行，已载入的不会重复创建。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="数据库中已有非演示信访件时仍然载入（会重置 admin 等演示账号的密码）。",
        )

    def handle(self, *args, force=False, **options):
        try:
            result = load_demo(force=force)
        except RealDataPresent:
            # Not an error: `make run` goes on to start the server against the existing data.
            self.stdout.write(
                self.style.WARNING(
                    "数据库中已有非演示信访件，为免混入演示数据、重置账号密码，本次未载入演示数据。"
                    "如确需载入，请运行 manage.py load_demo --force。"
                )
            )
            return
        if result.created_cases:
            self.stdout.write(self.style.SUCCESS(f"已载入演示数据：新建信访件 {result.created_cases} 件。"))
        else:
            self.stdout.write("演示数据已存在，未重复创建信访件。")
        statuses = "，".join(f"{CaseStatus(s).label} {n}" for s, n in result.by_status.items())
        self.stdout.write(
            f"示范县：镇乡/街道 {result.units['township']} 个，重点部门 {result.units['department']} 个；"
            f"演示信访件 {result.total_cases} 件（{statuses}），制发文书 {result.papers} 份。"
        )
        self.stdout.write("")
        self.stdout.write("演示账号：")
        self.stdout.write(format_table(("用户名", "姓名", "单位", "角色"), result.accounts))
        self.stdout.write("")
        self.stdout.write(
            self.style.WARNING(f"所有演示账号的密码：{result.password}（仅供演示，切勿用于生产环境）")
        )
