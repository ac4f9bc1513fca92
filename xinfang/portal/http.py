"""HTTP details of the portal: the citizen's IP address, framing headers and the session's look-ups."""

import functools
import ipaddress

from django.conf import settings

from xinfang.portal.services import Holder, clean_number, holder_find

ACCESS_KEY = "portal_access"  # {number: 查询码} the holder looked up in this session
DONE_KEY = "portal_done"  # the number of the letter just sent (the success page)
ACCESS_MAX = 10


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.PORTAL_TRUSTED_PROXIES)


def client_ip(request) -> str | None:
    """The citizen's address: REMOTE_ADDR, or behind our own reverse proxies the last address in
    X-Forwarded-For that is not one of them (a client can prepend anything, never append)."""
    remote = request.META.get("REMOTE_ADDR") or None
    if remote is None or not _trusted(remote):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote
    return remote


def frame_policy(*, embeddable: bool = False):
    """Send `Content-Security-Policy: frame-ancestors …`: 'none', or for the widget `PORTAL_FRAME_ANCESTORS`.

    X-Frame-Options (DENY, from the clickjacking middleware) stays on every page but the widget.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            policy = " ".join(settings.PORTAL_FRAME_ANCESTORS) if embeddable else "'none'"
            response.headers.setdefault(
                "Content-Security-Policy",
                f"frame-ancestors {policy}; base-uri 'none'; object-src 'none'; form-action 'self'",
            )
            response.headers.setdefault("Referrer-Policy", "same-origin")
            return response

        return wrapped

    return decorate


def remember(request, number: str, code: str) -> None:
    access = dict(request.session.get(ACCESS_KEY, {}))
    access.pop(number, None)
    access[number] = code
    request.session[ACCESS_KEY] = dict(list(access.items())[-ACCESS_MAX:])


def forget(request) -> None:
    request.session.pop(ACCESS_KEY, None)
    request.session.pop(DONE_KEY, None)


def holder_from_session(request, number: str) -> Holder | None:
    """The holder of `number` if this session looked it up with the right code (checked again now)."""
    number = clean_number(number)
    code = request.session.get(ACCESS_KEY, {}).get(number)
    return holder_find(number, code) if code else None
