from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "xinfang.deadlines"
    label = "deadlines"
    verbose_name = _("时限与节假日")
