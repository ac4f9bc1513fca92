"""系统管理 → 单点登录: the OA-to-xinfang mapping the bureau's administrator keeps (docs/sso.md)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from xinfang.common.services import audit_record
from xinfang.orgs.admin import AuditedAdmin
from xinfang.sso.models import DepartmentMapping, RoleMapping, SsoGrant, SsoIdentity


@admin.register(DepartmentMapping)
class DepartmentMappingAdmin(AuditedAdmin):
    list_display = ["claim_value", "unit", "default_role", "is_active", "note"]
    list_filter = ["is_active"]
    search_fields = ["claim_value", "unit__name", "note"]
    autocomplete_fields = ["unit"]


@admin.register(RoleMapping)
class RoleMappingAdmin(AuditedAdmin):
    list_display = ["claim_value", "role", "unit", "is_active", "note"]
    list_filter = ["is_active", "role"]
    search_fields = ["claim_value", "unit__name", "note"]
    autocomplete_fields = ["unit"]


class SsoGrantInline(admin.TabularInline):
    model = SsoGrant
    extra = 0
    can_delete = False
    fields = ["membership", "created_at"]
    readonly_fields = fields
    verbose_name_plural = _("单点登录授予的任职（下次登录按对应关系自动增删；手工添加的任职不受影响）")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SsoIdentity)
class SsoIdentityAdmin(admin.ModelAdmin):
    """Links are made by logins; the administrator may look, and delete one to unlink an OA account."""

    list_display = ["user", "subject", "issuer", "created_at", "last_login_at"]
    search_fields = ["user__username", "user__full_name", "subject"]
    readonly_fields = ["user", "issuer", "subject", "created_at", "last_login_at", "last_claims"]
    inlines = [SsoGrantInline]

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        audit_record(
            user=request.user,
            action="admin_delete",
            obj=obj,
            detail={"repr": str(obj), "subject": obj.subject},
            request=request,
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(
                user=request.user, action="admin_delete", obj=obj, detail={"repr": str(obj)}, request=request
            )
        super().delete_queryset(request, queryset)
