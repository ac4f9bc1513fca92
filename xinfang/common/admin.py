from django.contrib import admin

from xinfang.common.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "object_type", "object_id", "ip", "via"]
    list_filter = ["action", "via"]
    search_fields = ["object_id", "user__username"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
