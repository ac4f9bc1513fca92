"""Writing the audit log."""

from xinfang.common.models import AuditLog

# Reads of personal data: the 查阅记录 page lists them (common/selectors.PERSONAL_DATA_ACTIONS).
PERSONAL_DATA_ACTIONS = ("view_personal_data", "document_download", "download_attachment")
# Set on the request once such a row is written, so API v1's catch-all audit does not add a second
# (xinfang/integrations/personal_data.py).
PERSONAL_DATA_AUDITED = "_xf_personal_data_audited"


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    user,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    detail=None,
    request=None,
    via="web",
):
    """Append one audit row: who did or saw what, from where."""
    token = getattr(request, "api_token", None)  # set by API v1's BearerToken
    if token is not None and (
        detail is None or isinstance(detail, dict)
    ):  # which connected system's token did it (issue 7 §2)
        detail = {**(detail or {}), "api_token": token.prefix}
        if token.account_id is not None:
            detail["integration_account"] = token.account.name
    if request is not None and action in PERSONAL_DATA_ACTIONS:
        setattr(request, PERSONAL_DATA_AUDITED, True)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail or {},
        ip=client_ip(request),
        via=via,
    )
