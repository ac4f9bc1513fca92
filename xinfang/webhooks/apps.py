from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "xinfang.webhooks"
    label = "webhooks"
    verbose_name = "Webhook 推送"
