"""Values every page needs: version, current unit, unread inbox count, the missing-holiday banner."""

from django.conf import settings


def site(request):
    context = {"XINFANG_VERSION": settings.VERSION}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from xinfang.common.selectors import can_read_audit
        from xinfang.deadlines.selectors import missing_holiday_years
        from xinfang.messaging.notifications import notification_unread_count
        from xinfang.messaging.screening_selectors import mailbox_nav
        from xinfang.orgs.access import current_unit, has_role, roles_in
        from xinfang.orgs.models import Role

        context["current_unit"] = current_unit(request)
        # Leaders and supervisors "would rather look than read": the 看板 stays in sight for them.
        roles = roles_in(user, context["current_unit"])
        context["sees_dashboard"] = bool(roles & {Role.LEADER, Role.SUPERVISOR, Role.UNIT_HEAD})
        context["can_read_audit"] = can_read_audit(user)
        from xinfang.integrations.accounts import can_manage_integrations

        context["can_manage_integrations"] = can_manage_integrations(user)
        context["mailbox_nav"] = mailbox_nav(user)
        context["inbox_unread"] = notification_unread_count(user=user)  # one COUNT over an index range
        if user.is_staff or has_role(user, Role.ADMIN):
            context["missing_holiday_years"] = missing_holiday_years()
    return context
