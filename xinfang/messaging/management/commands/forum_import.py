"""`manage.py forum_import [URL …]`: read the forum feeds now (the worker polls FORUM_FEEDS)."""

from django.core.management.base import BaseCommand

from xinfang.messaging.forum import forum_import_all


class Command(BaseCommand):
    help = "立即读取论坛 RSS/Atom 订阅（默认 FORUM_FEEDS），把新帖子存入信箱审查队列。"

    def add_arguments(self, parser):
        parser.add_argument("urls", nargs="*", help="feeds to read instead of FORUM_FEEDS")

    def handle(self, *args, **options):
        result = forum_import_all(options["urls"] or None)
        self.stdout.write(
            f"订阅 {result.feeds} 个（无法读取 {len(result.broken_feeds)} 个），新导入 {result.imported} 条，"
            f"已导入过 {result.known} 条，内容不合格 {result.refused} 条"
        )
