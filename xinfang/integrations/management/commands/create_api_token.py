from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from xinfang.common.services import audit_record
from xinfang.integrations.auth import api_token_create


class Command(BaseCommand):
    help = "Create an API v1 token for a user and print it (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username")
        parser.add_argument("--name", default="命令行创建", help="what the token is for")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"用户 {options['user']} 不存在或已停用。")
        token, raw = api_token_create(user=user, name=options["name"])
        audit_record(
            user=None, action="api_token_created", obj=token, detail={"for": user.username}, via="cli"
        )
        self.stdout.write(raw)
