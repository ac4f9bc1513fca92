"""Choosing the unit one works for (users with seats in several units)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinfang.orgs.access import SESSION_UNIT_KEY, seats_of


@login_required
@require_POST
def unit_switch(request):
    try:
        wanted = int(request.POST.get("unit", ""))
    except ValueError:
        return HttpResponseBadRequest(_("单位无效。"))
    if wanted not in {seat.unit.pk for seat in seats_of(request.user)}:
        return HttpResponseBadRequest(_("您不在该单位任职。"))
    request.session[SESSION_UNIT_KEY] = wanted
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)
