import ipaddress
import re

from django.apps import AppConfig
from django.core.checks import Error, register

# A CSP source expression for frame-ancestors: 'self', 'none', a scheme, or a host with optional
# scheme, wildcard subdomain and port. Anything else (a stray ";" or quote) could rewrite the header.
SOURCE = re.compile(r"^('self'|'none'|https?:|(https?://)?(\*\.)?[A-Za-z0-9.-]+(:(\d+|\*))?/?)$")


class PortalConfig(AppConfig):
    name = "xinfang.portal"
    label = "portal"
    verbose_name = "公众门户"

    def ready(self):
        register(check_portal_settings)


def check_portal_settings(app_configs=None, **kwargs):
    from django.conf import settings

    errors = []
    ancestors = settings.PORTAL_FRAME_ANCESTORS
    bad = [a for a in ancestors if not SOURCE.match(a)]
    if bad or not ancestors or ("'none'" in ancestors and len(ancestors) > 1):
        errors.append(
            Error(
                f"PORTAL_FRAME_ANCESTORS={','.join(ancestors)!r} is not a list of CSP sources.",
                hint="Use 'self', 'none' or origins such as https://www.example.gov.cn, comma-separated.",
                id="portal.E001",
            )
        )
    for proxy in settings.PORTAL_TRUSTED_PROXIES:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            errors.append(
                Error(
                    f"PORTAL_TRUSTED_PROXIES: {proxy!r} is not an IP address or network.",
                    hint="List the reverse proxies' addresses, e.g. 10.0.0.5,10.0.1.0/24.",
                    id="portal.E002",
                )
            )
    return errors
