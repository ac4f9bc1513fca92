"""Admin for the holiday table and the rule sets; holiday edits trigger a recompute of open deadlines."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from xinfang.deadlines import services
from xinfang.deadlines.models import HolidayDay, HolidayYear, RuleLimit, RuleSet
from xinfang.orgs.admin import AuditedAdmin


class HolidayTableChangedMixin:
    """Every save or delete through the admin enqueues the recompute job after commit."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.holiday_table_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.holiday_table_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.holiday_table_changed()


class YearListFilter(admin.SimpleListFilter):
    title = _("年份")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = HolidayDay.objects.dates("date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(date__year=int(self.value()))
        return queryset


@admin.register(HolidayYear)
class HolidayYearAdmin(HolidayTableChangedMixin, AuditedAdmin):
    list_display = ("year", "source", "note")
    search_fields = ("note",)


@admin.register(HolidayDay)
class HolidayDayAdmin(HolidayTableChangedMixin, AuditedAdmin):
    list_display = ("date", "weekday", "name", "is_workday")
    list_filter = (YearListFilter, "is_workday")
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("date",)

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return "一二三四五六日"[obj.date.weekday()]


class RuleLimitInline(admin.TabularInline):
    model = RuleLimit
    extra = 0
    fields = ("step", "days", "day_type", "basis")


@admin.register(RuleSet)
class RuleSetAdmin(AuditedAdmin):
    list_display = ("code", "name", "roll_forward")
    search_fields = ("code", "name")
    inlines = [RuleLimitInline]
