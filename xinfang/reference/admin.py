from django.contrib import admin

from xinfang.orgs.admin import AuditedAdmin
from xinfang.reference.models import Category, CategoryMapping, CategoryVersion, Channel, IdType, Purpose


@admin.register(Channel)
class ChannelAdmin(AuditedAdmin):
    list_display = ["code", "name", "is_online", "staff_can_register", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]


@admin.register(Purpose)
class PurposeAdmin(AuditedAdmin):
    list_display = ["code", "name", "protects_identity", "sort_order"]


@admin.register(IdType)
class IdTypeAdmin(AuditedAdmin):
    list_display = ["code", "name", "sort_order"]


@admin.register(CategoryVersion)
class CategoryVersionAdmin(AuditedAdmin):
    list_display = ["code", "name", "valid_from", "is_current"]


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ["code", "name", "parent", "version", "is_active", "sort_order"]
    list_filter = ["version", "is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(CategoryMapping)
class CategoryMappingAdmin(AuditedAdmin):
    list_display = ["old", "new"]
    autocomplete_fields = ["old", "new"]
