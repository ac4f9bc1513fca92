from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "xinfang.messaging"
    label = "messaging"
    verbose_name = "信箱、短信与论坛"
