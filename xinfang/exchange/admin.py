from django.contrib import admin
from django.core.exceptions import ValidationError

from xinfang.exchange.models import CaseLink, ExchangePackage, Peer
from xinfang.exchange.services import peer_clean, peer_save


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin):
    """对端系统 registry: saving goes through `peer_save` (key check, service account, audit)."""

    list_display = ["name", "deployment_id", "local_unit", "receiving_unit", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "deployment_id"]
    fields = ["name", "deployment_id", "public_key", "local_unit", "receiving_unit", "is_active", "note"]

    def has_delete_permission(self, request, obj=None):
        return False  # packages and links point at peers; deactivate instead

    def save_model(self, request, obj, form, change):
        peer_save(peer=obj, acting_user=request.user, request=request)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class Checked(form):
            def _post_clean(self):
                super()._post_clean()
                try:
                    peer_clean(self.instance)
                except ValidationError as exc:
                    self._update_errors(exc)

        return Checked


@admin.register(ExchangePackage)
class ExchangePackageAdmin(admin.ModelAdmin):
    list_display = ["package_id", "direction", "kind", "peer", "case", "remote_number", "created_at"]
    list_filter = ["direction", "kind", "peer"]
    search_fields = ["package_id", "remote_number", "case__number"]
    readonly_fields = [f.name for f in ExchangePackage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseLink)
class CaseLinkAdmin(admin.ModelAdmin):
    list_display = ["case", "peer", "role", "remote_number", "created_at"]
    search_fields = ["case__number", "remote_number"]
    readonly_fields = [f.name for f in CaseLink._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
