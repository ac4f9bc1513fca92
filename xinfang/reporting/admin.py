"""信息报送 and 季度通报 in the admin: read-only (every change goes through the services; versions are immutable)."""

from django.contrib import admin

from xinfang.reporting.models import Bulletin, BulletinEvent, Submission, SubmissionVersion


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


class BulletinEventInline(admin.TabularInline):
    model = BulletinEvent
    fields = ("created_at", "action", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyAdmin):
    list_display = ("title", "bureau", "period", "status", "number", "published_at")
    list_filter = ("status",)
    search_fields = ("title", "number", "bureau__name")
    list_select_related = ("bureau",)
    exclude = ("snapshot",)
    inlines = [BulletinEventInline]
