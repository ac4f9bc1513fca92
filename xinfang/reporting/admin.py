"""信息报送 in the admin: read-only (every change goes through the services; versions are immutable)."""

from django.contrib import admin

from xinfang.reporting.models import Submission, SubmissionVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VersionInline(admin.TabularInline):
    model = SubmissionVersion
    fields = ("number", "title", "submitted_by", "submitted_at", "outcome", "reviewed_by", "reviewed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("title", "unit", "to_unit", "kind", "period", "status", "submitted_at")
    list_filter = ("status", "kind", "is_urgent")
    search_fields = ("title", "unit__name")
    list_select_related = ("unit", "to_unit")
    inlines = [VersionInline]
