"""Labels of the codes stored as JSON lists on a supervision (triggers, measures)."""

from django import template

from xinfang.supervision.choices import Measure, Trigger

register = template.Library()


@register.filter
def trigger_label(code: str) -> str:
    return str(Trigger(code).label) if code in Trigger.values else code


@register.filter
def measure_label(code: str) -> str:
    return str(Measure(code).label) if code in Measure.values else code
