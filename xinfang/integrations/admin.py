from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from xinfang.integrations.auth import api_token_revoke
from xinfang.integrations.models import ApiToken, Open311Request


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are created and rotated with `manage.py api_token` so the raw value is shown once."""

    list_display = [
        "prefix",
        "name",
        "user",
        "account",
        "scopes",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "name", "user__username"]
    list_select_related = ["user", "account"]
    fields = [
        "prefix",
        "name",
        "user",
        "account",
        "scopes",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # Open311 requests point at their token; revoke instead

    @admin.action(description=_("吊销所选令牌"), permissions=["view"])
    def revoke(self, request, queryset):
        count = sum(
            api_token_revoke(token=token, acting_user=request.user, via="admin") for token in queryset
        )
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
