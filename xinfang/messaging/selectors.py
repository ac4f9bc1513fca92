"""Reads at the public doors."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from xinfang.orgs.models import Unit, UnitKind, UnitLevel


def portal_unit() -> Unit:
    """The 信访部门 that screens the portal's, SMS and forum messages (`PORTAL_UNIT`, else the county bureau)."""
    units = Unit.objects.filter(is_active=True, kind=UnitKind.PETITION_BUREAU)
    wanted = settings.PORTAL_UNIT
    unit = (
        units.filter(name=wanted).first()
        if wanted
        # The oldest county bureau (paths compare as text, so "/98/102/" < "/98/99/": order by id).
        else units.filter(level=UnitLevel.COUNTY).order_by("pk").first() or units.order_by("pk").first()
    )
    if unit is None:
        raise ImproperlyConfigured(
            f"PORTAL_UNIT: no active 信访部门 named {wanted!r}" if wanted else "no 信访部门"
        )
    return unit
