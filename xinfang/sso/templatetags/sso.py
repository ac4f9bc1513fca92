from django import template

from xinfang.sso.provider import sso_enabled

register = template.Library()


@register.inclusion_tag("sso/login_button.html")
def sso_login_button(next_url: str = ""):
    """The large 使用办公系统账号登录 button on the login page; nothing when SSO is off."""
    return {"enabled": sso_enabled(), "next_url": next_url}
