from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "xinfang.sso"
    label = "sso"
    verbose_name = _("单点登录")
    default_auto_field = "django.db.models.BigAutoField"
