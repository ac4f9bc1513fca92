from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "xinfang.reference"
    label = "reference"
