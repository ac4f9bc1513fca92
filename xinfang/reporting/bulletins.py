"""Writes of the 季度通报 (issue 6 §5): 起草 (with the data snapshot), 修改, 重新生成, 审核, 退回修改, 发布.

States are data (`BULLETIN_TRANSITIONS`) and one guard (`_move`), under a row lock: of two people who
press 发布 at the same moment, one publishes and the other is told it is already published (HTTP 409),
so the units' notices go out once. Every change writes an immutable `BulletinEvent` and an audit row
in the same transaction. The 文号 is taken on 发布 from the papers' gap-free per-unit sequence
(`xinfang.documents.services.document_serial_next`), e.g. 示范县信访局〔2026〕3号.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.services import audit_record
from xinfang.documents.services import document_serial_next
from xinfang.messaging.notifications import notification_send
from xinfang.orgs.access import roles_in
from xinfang.orgs.models import Unit
from xinfang.reporting.bulletin_selectors import (
    APPROVER_ROLES,
    EDITOR_ROLES,
    bulletin_data,
    bulletin_recipients,
)
from xinfang.reporting.choices import BULLETIN_TRANSITIONS, BulletinStatus
from xinfang.reporting.models import Bulletin, BulletinEvent
from xinfang.reporting.periods import Period, parse_period

MAX_TITLE = 200
MAX_TEXT = 5000
SEQUENCE_KIND = "bulletin"  # the bureau's 文号 sequence in documents.DocumentSeq, apart from the papers'
NOTICE_KIND = "bulletin_published"


class BulletinConflict(ValidationError):
    """The bulletin is no longer where the user saw it (approved, returned or published meanwhile)."""


def _require(actor, bureau: Unit, roles: frozenset[str], message: str) -> None:
    if not roles_in(actor, bureau) & roles:
        raise PermissionDenied(message)


def _lock(bulletin: Bulletin) -> Bulletin:
    """Re-read under a row lock: a concurrent change waits here until the first one commits."""
    return Bulletin.objects.select_for_update(of=("self",)).select_related("bureau").get(pk=bulletin.pk)


def _record(
    locked: Bulletin, *, actor, action: str, from_status: str = "", note: str = "", data=None, request, via
):
    BulletinEvent.objects.create(
        bulletin=locked,
        action=action,
        from_status=from_status,
        to_status=locked.status,
        actor=actor,
        note=note,
        data=data or {},
    )
    audit_record(
        user=actor,
        action=f"bulletin_{action}",
        obj=locked,
        detail={"period": locked.period, "status": locked.status, "number": locked.number, **(data or {})},
        request=request,
        via=via,
    )


def _move(locked: Bulletin, to_status: str) -> str:
    """The one guard: the move must be in the table; returns the status moved from."""
    if to_status not in BULLETIN_TRANSITIONS[locked.status]:
        raise BulletinConflict(
            _("该通报现在的状态是“%(status)s”，不能再进行这项操作。请刷新页面查看。")
            % {"status": locked.get_status_display()},
            code="state",
        )
    from_status, locked.status = locked.status, to_status
    return from_status


def _require_draft(locked: Bulletin) -> None:
    if locked.status != BulletinStatus.DRAFT:
        raise BulletinConflict(_("只有草稿可以修改或重新生成；已审核的通报请先退回修改。"), code="state")


# --- 起草 ------------------------------------------------------------------------------------------------


def default_texts(period: Period) -> dict[str, str]:
    return {
        "title": _("关于%(period)s各单位信访工作情况的通报") % {"period": period.label},
        "opening": _(
            "为推进信访信息系统的普及应用，提高信访工作水平，现将%(period)s各镇乡（街道）和有关部门在系统中"
            "登记信访件、报送工作简报和信访信息、主要工作指标等情况通报如下："
        )
        % {"period": period.label},
        "requirements": "\n".join(
            [
                _(
                    "一是各单位要落实专人负责系统操作，本级受理的信访件一律在系统中登记，做到网上流转、网上办理。"
                ),
                _("二是工作简报和信访信息均应通过系统报送，不得以纸质材料代替。"),
                _("三是被点名的单位要认真查找原因，限期整改，并将整改情况报信访局。"),
            ]
        ),
    }


def bulletin_create(*, bureau: Unit, period: str, actor, request=None, via: str = "web") -> Bulletin:
    """起草 the bulletin of `bureau` for `period` (one per bureau and period), with its data snapshot.

    1. the actor must be the bureau's 督办员, 负责人 or 领导; 2. the period must read (2026-Q1 …) and
    have no bulletin yet; 3. the numbers are taken now and stored; 4. event and audit row.
    """
    _require(actor, bureau, EDITOR_ROLES, _("只有本信访局的督办员、负责人或领导可以起草通报。"))
    try:
        found = parse_period(period)
    except ValidationError as exc:
        raise ValidationError({"period": exc.messages}) from exc
    if Bulletin.objects.filter(bureau=bureau, period=found.code).exists():
        raise ValidationError(
            {"period": [_("%(p)s的通报已经起草过，请在列表中打开它。") % {"p": found.label}]}
        )
    try:
        with transaction.atomic():
            bulletin = Bulletin.objects.create(
                bureau=bureau,
                period=found.code,
                period_start=found.start,
                period_end=found.end,
                snapshot=bulletin_data(bureau, found),
                generated_at=timezone.now(),
                created_by=actor,
                **default_texts(found),
            )
            _record(bulletin, actor=actor, action="create", request=request, via=via)
    except IntegrityError as exc:  # the same period created at the same moment by someone else
        raise ValidationError({"period": [_("%(p)s的通报已经起草过。") % {"p": found.label}]}) from exc
    return bulletin


# --- 修改、重新生成 ---------------------------------------------------------------------------------------


def _clean_edit(title: str, opening: str, requirements: str, threshold) -> dict:
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("请填写标题。")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("标题最多%(n)d字。") % {"n": MAX_TITLE}]
    texts = {"opening": (opening or "").strip(), "requirements": (requirements or "").strip()}
    for field, text in texts.items():
        if len(text) > MAX_TEXT:
            errors[field] = [_("最多%(n)d字，请精简。") % {"n": MAX_TEXT}]
    try:
        value = Decimal(str(threshold).strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not Decimal(0) <= value <= Decimal(100):
        errors["threshold"] = [_("点名阈值应是0到100之间的数，如 90。")]
    if errors:
        raise ValidationError(errors)
    return {"title": title, **texts, "threshold": value}


def bulletin_update(
    *,
    bulletin: Bulletin,
    actor,
    title: str,
    opening: str,
    requirements: str,
    threshold,
    request=None,
    via="web",
) -> Bulletin:
    """修改 a draft: its title, 导语, 工作要求 and the 点名阈值 (the numbers stay as generated)."""
    _require(actor, bulletin.bureau, EDITOR_ROLES, _("只有本信访局的督办员、负责人或领导可以修改通报。"))
    fields = _clean_edit(title, opening, requirements, threshold)
    with transaction.atomic():
        locked = _lock(bulletin)
        _require_draft(locked)
        changed = {name: str(value) for name, value in fields.items() if getattr(locked, name) != value}
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*fields, "updated_at"])
        _record(locked, actor=actor, action="edit", data={"changed": changed}, request=request, via=via)
    return locked


def bulletin_regenerate(*, bulletin: Bulletin, actor, request=None, via: str = "web") -> Bulletin:
    """重新生成: take the numbers again (a draft only; what was approved or published stays as it was)."""
    _require(actor, bulletin.bureau, EDITOR_ROLES, _("只有本信访局的督办员、负责人或领导可以重新生成通报。"))
    with transaction.atomic():
        locked = _lock(bulletin)
        _require_draft(locked)
        period = parse_period(locked.period)
        locked.snapshot = bulletin_data(locked.bureau, period)
        locked.generated_at = timezone.now()
        locked.save(update_fields=["snapshot", "generated_at", "updated_at"])
        _record(locked, actor=actor, action="regenerate", request=request, via=via)
    return locked


# --- 审核、退回修改、发布 -----------------------------------------------------------------------------------


def bulletin_approve(*, bulletin: Bulletin, actor, request=None, via: str = "web") -> Bulletin:
    """审核 by the bureau's 负责人 or 领导: the text and numbers as they are now go to 发布."""
    _require(actor, bulletin.bureau, APPROVER_ROLES, _("只有本信访局的负责人或领导可以审核通报。"))
    with transaction.atomic():
        locked = _lock(bulletin)
        from_status = _move(locked, BulletinStatus.APPROVED)
        locked.approved_by, locked.approved_at = actor, timezone.now()
        locked.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
        _record(locked, actor=actor, action="approve", from_status=from_status, request=request, via=via)
    return locked


def bulletin_return(*, bulletin: Bulletin, actor, reason: str, request=None, via: str = "web") -> Bulletin:
    """退回修改: an approved bulletin goes back to 草稿 (with the reason) to be changed or regenerated."""
    _require(actor, bulletin.bureau, APPROVER_ROLES, _("只有本信访局的负责人或领导可以退回通报。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("退回须写明理由。")]})
    if len(reason) > MAX_TEXT:
        raise ValidationError({"reason": [_("最多%(n)d字，请精简。") % {"n": MAX_TEXT}]})
    with transaction.atomic():
        locked = _lock(bulletin)
        from_status = _move(locked, BulletinStatus.DRAFT)
        locked.approved_by, locked.approved_at = None, None
        locked.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
        _record(
            locked,
            actor=actor,
            action="return",
            from_status=from_status,
            note=reason,
            request=request,
            via=via,
        )
    return locked


def bulletin_number_format(bureau: Unit, year: int, serial: int) -> str:
    """e.g. 示范县信访局〔2026〕3号 (the unit's short name when it has one)."""
    return f"{bureau.short_name or bureau.name}〔{year}〕{serial}号"


def bulletin_publish(*, bulletin: Bulletin, actor, request=None, via: str = "web") -> Bulletin:
    """发布 an approved bulletin: 文号, then one inbox notice to every user of every unit below the bureau.

    Under the row lock only the first of two concurrent 发布 passes the guard; the second is refused
    with "已发布", so nobody is told twice.
    """
    _require(actor, bulletin.bureau, APPROVER_ROLES, _("只有本信访局的负责人或领导可以发布通报。"))
    with transaction.atomic():
        locked = _lock(bulletin)
        from_status = _move(locked, BulletinStatus.PUBLISHED)
        now = timezone.now()
        year = timezone.localdate(now).year
        locked.year = year
        locked.serial = document_serial_next(unit=locked.bureau, kind=SEQUENCE_KIND, year=year)
        locked.number = bulletin_number_format(locked.bureau, year, locked.serial)
        locked.published_by, locked.published_at = actor, now
        locked.save(
            update_fields=["status", "year", "serial", "number", "published_by", "published_at", "updated_at"]
        )
        recipients = bulletin_recipients(locked.bureau)
        _record(
            locked,
            actor=actor,
            action="publish",
            from_status=from_status,
            data={"recipients": len(recipients)},
            request=request,
            via=via,
        )
        notification_send(
            users=recipients,
            kind=NOTICE_KIND,
            title=_("%(bureau)s发布%(title)s") % {"bureau": locked.bureau.name, "title": locked.title},
            body=_("文号：%(number)s。请查阅本单位的情况，被点名的单位请认真整改。")
            % {"number": locked.number},
            link=reverse("reporting:bulletin-detail", args=[locked.pk]),
        )
    return locked
