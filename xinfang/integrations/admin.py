from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.integrations.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "token_hash", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are created with `manage.py create_api_token` so the raw value is shown once

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, _("已吊销 %(n)s 个令牌。") % {"n": count})
