from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from xinfang.common.services import audit_record
from xinfang.orgs.models import Membership, Region, Role, Unit, User


class AuditedAdmin(admin.ModelAdmin):
    """Every administrative change is written to the audit log."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            user=request.user,
            action="admin_change" if change else "admin_add",
            obj=obj,
            detail={"fields": list(getattr(form, "changed_data", []))},
            request=request,
        )

    def delete_model(self, request, obj):
        audit_record(
            user=request.user, action="admin_delete", obj=obj, detail={"repr": str(obj)}, request=request
        )
        super().delete_model(request, obj)


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["unit"]


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["name", "kind", "level", "region", "parent", "is_active"]
    list_filter = ["kind", "level", "is_active"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent", "region"]
    ordering = ["path"]


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    list_display = ["code", "name", "description"]

    def has_delete_permission(self, request, obj=None):
        return False  # role codes are used by the permission checks


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "phone", "is_active", "is_staff", "last_login"]
    search_fields = ["username", "full_name", "phone"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("信访系统"), {"fields": ("full_name", "phone")}),
    )
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            user=request.user,
            action="admin_user_change" if change else "admin_user_add",
            obj=obj,
            request=request,
        )
