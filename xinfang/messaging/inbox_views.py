"""The inbox (消息, issue 5 §1): a user's own notices, newest first; open, mark read, mark all read.

Thin views (style.md §10): every notice goes through `get_notification_for_user` (404 alike for a
missing notice and someone else's); writes are POST only.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xinfang.messaging.notifications import (
    get_notification_for_user,
    kind_label,
    notification_list,
    notification_mark_all_read,
    notification_mark_read,
    notification_unread_count,
)


@login_required
@require_GET
def inbox(request):
    unread_only = request.GET.get("show") == "unread"
    notices = notification_list(user=request.user, unread_only=unread_only)
    page = Paginator(notices, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    for notice in page.object_list:
        notice.kind_label = kind_label(notice.kind)
    return render(
        request,
        "messaging/inbox.html",
        {
            "page": page,
            "show": "unread" if unread_only else "all",
            "unread": notification_unread_count(user=request.user),
            "pager_query": "show=unread&" if unread_only else "",
        },
    )


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one notice read; with `open`, go on to what it is about (the case page)."""
    notice = notification_mark_read(notification=get_notification_for_user(request.user, pk))
    if request.POST.get("open") and _safe(request, notice.link):
        return redirect(notice.link)
    return redirect(_back(request))


@login_required
@require_POST
def notification_read_all(request):
    marked = notification_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(n)d 条消息标为已读。") % {"n": marked})
    return redirect(_back(request))


def _safe(request, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def _back(request) -> str:
    """Back to the inbox page the form was on."""
    target = request.POST.get("next", "")
    return target if target.startswith("/inbox/") and _safe(request, target) else "/inbox/"
