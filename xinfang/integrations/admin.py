from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.integrations.models import ApiToken, Open311Request


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


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):
    """Read-only: what an Open311 client sent beside the message (e-mail, location, its key)."""

    list_display = ["message", "service_code", "api_token", "client_ref", "created_at"]
    search_fields = ["message__number", "token"]
    list_select_related = ["message", "api_token"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
