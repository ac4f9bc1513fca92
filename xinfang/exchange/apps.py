from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "xinfang.exchange"
    label = "exchange"
    verbose_name = "跨系统交换"
