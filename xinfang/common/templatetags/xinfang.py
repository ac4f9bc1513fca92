from django import template

from xinfang.common.validators import mask_id_number, mask_name, mask_phone

register = template.Library()


@register.filter
def masked_phone(value: str) -> str:
    return mask_phone(value or "")


@register.filter
def masked_id(value: str) -> str:
    return mask_id_number(value or "")


@register.filter
def masked_name(value: str) -> str:
    return mask_name(value or "")


@register.simple_tag
def due_class(due_on, today, soon_until=None) -> str:
    """CSS class of a deadline: red when passed, amber when within the due-soon window."""
    if due_on is None:
        return ""
    if due_on < today:
        return "overdue"
    if soon_until and due_on <= soon_until:
        return "due_soon"
    return ""


@register.filter
def action_label(code: str) -> str:
    """The Chinese name of a workflow step, for the case's log."""
    from xinfang.cases.workflow import ACTIONS

    action = ACTIONS.get(code or "")
    return str(action.label) if action else ""
