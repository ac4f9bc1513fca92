"""The case page's 跨系统交换 panel: export buttons for those allowed, the packages and the link."""

from django import template

from xinfang.cases.access import can_see_identity
from xinfang.exchange.access import active_peers, may_export_transfer
from xinfang.exchange.documents import result_outcome
from xinfang.exchange.models import CaseLink, LinkRole
from xinfang.exchange.services import may_send_result

register = template.Library()


@register.inclusion_tag("exchange/_case_panel.html", takes_context=True)
def exchange_case_panel(context, case):
    user = context["request"].user
    links = list(CaseLink.objects.filter(case=case).select_related("peer", "peer__local_unit"))
    received = next((link for link in links if link.role == LinkRole.RECEIVED), None)
    may_export = bool(active_peers().exists()) and may_export_transfer(user, case)
    may_result = bool(
        received and result_outcome(case, received.peer.local_unit_id) and may_send_result(user, case)
    )
    packages = list(case.exchange_packages.select_related("peer")) if can_see_identity(user, case) else []
    return {
        "case": case,
        "links": links,
        "packages": packages,
        "may_export": may_export,
        "may_result": may_result,
        "show": bool(links or may_export),
        "csrf_token": context.get("csrf_token"),
    }
