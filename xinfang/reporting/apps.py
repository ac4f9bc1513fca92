from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "xinfang.reporting"
    label = "reporting"
    verbose_name = "信息报送与考核"
