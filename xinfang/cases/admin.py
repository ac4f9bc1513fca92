from django.contrib import admin

from xinfang.cases.models import Case, CaseEvent


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change only through the workflow services, never by hand in the admin."""

    list_display = ["number", "title", "status", "owner_unit", "registered_at", "due_on"]
    list_filter = ["status", "channel", "is_open"]
    search_fields = ["number", "query_code"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin):
    list_display = ["case", "kind", "actor", "unit", "created_at"]
    list_filter = ["kind"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
