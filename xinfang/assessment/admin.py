"""Read-mostly admin: rule sets and scores are changed through the pages (audited services);
adjustments are immutable and only listed."""

from django.contrib import admin

from xinfang.assessment.models import Adjustment, DeductionRule, RuleSet, UnitScore


class DeductionInline(admin.TabularInline):
    model = DeductionRule
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ("__str__", "bureau", "period_code", "status", "computed_at", "finalized_at")
    list_filter = ("status",)
    inlines = [DeductionInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(UnitScore)
class UnitScoreAdmin(admin.ModelAdmin):
    list_display = ("rule_set", "unit", "rank", "total")
    list_select_related = ("rule_set__bureau", "unit")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Adjustment)
class AdjustmentAdmin(admin.ModelAdmin):
    list_display = ("rule_set", "unit", "points", "reason", "created_by", "created_at")
    list_select_related = ("rule_set__bureau", "unit", "created_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
