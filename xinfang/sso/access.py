"""Who may keep the SSO mapping: the system administrator (superuser or the 系统管理员 role)."""

from django.http import Http404

from xinfang.orgs.access import has_role
from xinfang.orgs.models import Role


def require_sso_admin(user) -> None:
    """Raise 404 (as for a page that does not exist) for everyone else."""
    if not user.is_authenticated:
        raise Http404
    if user.is_superuser:
        return
    if not has_role(user, Role.ADMIN):
        raise Http404
