"""Read-only admin: 催办, 督办 and 回访 change only through their services (and leave events), never by hand."""

from django.contrib import admin

from xinfang.supervision.models import Callback, CallbackDraw, Supervision, SupervisionEvent, Urge


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Supervision)
class SupervisionAdmin(ReadOnlyAdmin):
    list_display = ["case", "unit", "target_unit", "status", "round", "due_on", "is_listed"]
    list_filter = ["status", "is_listed"]
    search_fields = ["case__number"]
    raw_id_fields = ["case", "evaluation", "callback", "letter"]


@admin.register(SupervisionEvent)
class SupervisionEventAdmin(ReadOnlyAdmin):
    list_display = ["supervision", "kind", "actor", "unit", "created_at"]
    list_filter = ["kind"]


@admin.register(Urge)
class UrgeAdmin(ReadOnlyAdmin):
    list_display = ["case", "from_unit", "to_unit", "sequence", "actor", "created_at"]
    search_fields = ["case__number"]


@admin.register(CallbackDraw)
class CallbackDrawAdmin(ReadOnlyAdmin):
    list_display = ["unit", "period_start", "period_end", "mode", "seed", "drawn_by", "drawn_at"]


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdmin):
    list_display = ["draw", "position", "case", "unit", "assignee", "status", "satisfaction"]
    list_filter = ["status", "satisfaction"]
