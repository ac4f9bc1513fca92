"""Writes of 信息报送 (issue 5 §5): draft, edit, 报送, 采用 and 退回.

Every state change is one transaction that re-reads the item under a row lock and checks the move
against `ALLOWED_TRANSITIONS`: of two reviewers who press at the same moment one wins and the other is
told what happened (HTTP 409), nothing else changes. 报送 freezes the working text into a new
`SubmissionVersion`; a decision is written onto that version once and never changed, so a returned,
revised and resent item keeps every version as it was sent. Reviews write an audit row; 报送 and
reviews notify in the same transaction (`submission_notices`).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.common.services import audit_record
from xinfang.orgs.access import roles_in
from xinfang.orgs.models import Role, Unit
from xinfang.reporting.choices import (
    ALLOWED_TRANSITIONS,
    AdoptionLevel,
    SubmissionKind,
    SubmissionStatus,
    VersionOutcome,
)
from xinfang.reporting.models import Submission, SubmissionAttachment, SubmissionVersion
from xinfang.reporting.periods import parse_period
from xinfang.reporting.submission_access import (
    can_review,
    can_submit,
    can_write,
    reviewing_unit_for,
    writing_units,
)
from xinfang.reporting.submission_files import check_report_upload
from xinfang.reporting.submission_notices import notify_reviewed, notify_submitted

MAX_TITLE = 200
MAX_BODY = 50000
MAX_NOTE = 2000
MAX_SCORE = 100
SUBMIT_FIELDS = ("status", "version_count", "submitted_at", "first_submitted_at", "signer", "updated_at")
REVIEW_FIELDS = ("reviewed_by", "reviewed_at", "adoption_level", "score", "review_note", "updated_at")


class SubmissionConflict(ValidationError):
    """The item is no longer where the user saw it (reviewed or resent by someone else meanwhile)."""


# --- Validation -------------------------------------------------------------------------------------


class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def _text(errors: _Errors, field: str, value: str, *, empty: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        errors.add(field, empty)
    elif len(value) > limit:
        errors.add(field, _("最多%(n)d字，请精简。") % {"n": limit})
    return value


def _clean_content(errors: _Errors, *, kind: str, title: str, body: str, period: str) -> dict:
    fields = {
        "title": _text(errors, "title", title, empty=_("请填写标题。"), limit=MAX_TITLE),
        "body": _text(errors, "body", body, empty=_("请填写正文。"), limit=MAX_BODY),
        "kind": kind,
    }
    if kind not in SubmissionKind.values:
        errors.add("kind", _("请选择类别：工作简报、动态信息、预警信息或经验做法。"))
    try:
        found = parse_period(period)
    except ValidationError as exc:
        errors.add("period", exc.messages[0])
    else:
        fields.update(period=found.code, period_start=found.start, period_end=found.end)
    return fields


def _clean_uploads(errors: _Errors, uploads, *, already: int) -> list:
    uploads = [upload for upload in uploads if upload]
    if already + len(uploads) > settings.ATTACHMENT_MAX_COUNT:
        errors.add("attachments", _("附件最多%(n)s个。") % {"n": settings.ATTACHMENT_MAX_COUNT})
        return []
    checked = []
    for upload in uploads:
        try:
            checked.append((upload, check_report_upload(upload)))
        except ValidationError as exc:
            errors.add("attachments", exc.messages[0])
    return checked


def _store_files(submission: Submission, checked, *, actor, stored: list[str]) -> list[SubmissionAttachment]:
    created = []
    for upload, info in checked:
        attachment = SubmissionAttachment(
            submission=submission,
            original_name=info.name,
            content_type=info.content_type,
            size=info.size,
            sha256=info.sha256,
            uploaded_by=actor,
        )
        attachment.file.save(info.name, upload, save=False)
        stored.append(attachment.file.name)
        attachment.save()
        created.append(attachment)
    return created


def _remove_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _lock(submission: Submission) -> Submission:
    """Re-read under a row lock: a concurrent change waits here until the first one commits."""
    return (
        Submission.objects.select_for_update(of=("self",))
        .select_related("unit", "to_unit")
        .get(pk=submission.pk)
    )


def _move(locked: Submission, to_status: str) -> None:
    if to_status not in ALLOWED_TRANSITIONS[locked.status]:
        raise SubmissionConflict(
            _("该信息现在的状态是“%(status)s”，不能再进行这项操作。请刷新页面查看。")
            % {"status": locked.get_status_display()},
            code="state",
        )
    locked.status = to_status


# --- Drafts --------------------------------------------------------------------------------------------


def submission_create(
    *,
    actor,
    unit: Unit,
    kind: str,
    title: str,
    body: str,
    period: str,
    is_urgent: bool = False,
    attachments=(),
) -> Submission:
    """Start a draft for `unit`, addressed to the nearest 信访部门 above it.

    1. the actor must hold a writing role in the unit; 2. the content and files are checked (all
    messages at once); 3. the row and the files are written together — files already stored are
    removed again if the transaction fails.
    """
    if unit.pk not in {u.pk for u in writing_units(actor)}:
        raise PermissionDenied(_("您不能为该单位起草报送信息。"))
    errors = _Errors()
    fields = _clean_content(errors, kind=kind, title=title, body=body, period=period)
    checked = _clean_uploads(errors, attachments, already=0)
    errors.raise_if_any()
    stored: list[str] = []
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                unit=unit, to_unit=reviewing_unit_for(unit), author=actor, is_urgent=bool(is_urgent), **fields
            )
            _store_files(submission, checked, actor=actor, stored=stored)
    except Exception:
        _remove_files(stored)
        raise
    return submission


def submission_update(
    *,
    submission: Submission,
    actor,
    kind: str,
    title: str,
    body: str,
    period: str,
    is_urgent: bool = False,
    attachments=(),
    remove_attachments=(),
) -> Submission:
    """Edit a draft or a returned item: its text, and files added or taken off.

    A file that went out with an earlier version is only taken off the working set (history keeps
    it); a file never sent is deleted.
    """
    if not can_write(actor, submission):
        raise PermissionDenied(_("您不能修改该单位的报送信息。"))
    errors = _Errors()
    fields = _clean_content(errors, kind=kind, title=title, body=body, period=period)
    remove_ids = {int(pk) for pk in remove_attachments}
    current = submission.attachments.filter(detached_at__isnull=True).exclude(pk__in=remove_ids).count()
    checked = _clean_uploads(errors, attachments, already=current)
    errors.raise_if_any()
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = _lock(submission)
            if not locked.is_editable:
                raise SubmissionConflict(_("该信息已报送，正在审核或已采用，不能再修改。"), code="state")
            for name, value in fields.items():
                setattr(locked, name, value)
            locked.is_urgent = bool(is_urgent)
            locked.save(update_fields=[*fields, "is_urgent", "updated_at"])
            dropped = _drop_attachments(locked, remove_ids)
            _store_files(locked, checked, actor=actor, stored=stored)
    except Exception:
        _remove_files(stored)
        raise
    if dropped:
        transaction.on_commit(lambda: _remove_files(dropped))
    return locked


def submission_attach(*, submission: Submission, actor, upload) -> SubmissionAttachment:
    """Add one file to a draft or returned item (the API's upload; the page uploads with the form)."""
    if not can_write(actor, submission):
        raise PermissionDenied(_("您不能修改该单位的报送信息。"))
    errors = _Errors()
    current = submission.attachments.filter(detached_at__isnull=True).count()
    checked = _clean_uploads(errors, [upload], already=current)
    errors.raise_if_any()
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = _lock(submission)
            if not locked.is_editable:
                raise SubmissionConflict(_("该信息已报送，正在审核或已采用，不能再修改。"), code="state")
            (attachment,) = _store_files(locked, checked, actor=actor, stored=stored)
            locked.save(update_fields=["updated_at"])
    except Exception:
        _remove_files(stored)
        raise
    return attachment


def _drop_attachments(locked: Submission, remove_ids: set[int]) -> list[str]:
    """Detach sent files, delete never-sent ones; return the storage names to delete after commit."""
    to_delete: list[str] = []
    for attachment in locked.attachments.filter(pk__in=remove_ids, detached_at__isnull=True):
        if attachment.versions.exists():
            attachment.detached_at = timezone.now()
            attachment.save(update_fields=["detached_at"])
        else:
            to_delete.append(attachment.file.name)
            attachment.delete()
    return to_delete


def submission_delete(*, submission: Submission, actor, request=None, via: str = "web") -> None:
    """Delete a draft that was never sent (nothing of it is on record upward)."""
    if not can_write(actor, submission):
        raise PermissionDenied(_("您不能删除该单位的报送信息。"))
    with transaction.atomic():
        locked = _lock(submission)
        if locked.status != SubmissionStatus.DRAFT or locked.version_count:
            raise SubmissionConflict(_("只能删除从未报送过的草稿。"), code="state")
        names = [a.file.name for a in locked.attachments.all()]
        audit_record(
            user=actor,
            action="report_delete",
            obj=locked,
            detail={"title": locked.title, "unit": locked.unit.name},
            request=request,
            via=via,
        )
        locked.attachments.all().delete()
        locked.delete()
    transaction.on_commit(lambda: _remove_files(names))


# --- 报送 -------------------------------------------------------------------------------------------


def submission_submit(*, submission: Submission, actor, request=None, via: str = "web") -> Submission:
    """报送: freeze the working text and files into version N+1 and send it to the 信访局 above.

    1. only the unit's 登记员、分办员 or 负责人 send (only the 负责人 when REPORT_SIGNOFF_REQUIRED);
    2. under the row lock the item must be a draft or returned; 3. the version is written with the
    sender and, when the sender is the unit head, the signer; 4. audit row and notices.
    """
    if not can_submit(actor, submission):
        if settings.REPORT_SIGNOFF_REQUIRED:
            raise PermissionDenied(_("报送须经本单位负责人签发：请由负责人报送。"))
        raise PermissionDenied(_("只有本单位的登记员、分办员或负责人可以报送。"))
    with transaction.atomic():
        locked = _lock(submission)
        _move(locked, SubmissionStatus.SUBMITTED)
        now = timezone.now()
        signer = actor if Role.UNIT_HEAD in roles_in(actor, locked.unit) else None
        locked.version_count += 1
        version = SubmissionVersion.objects.create(
            submission=locked,
            number=locked.version_count,
            kind=locked.kind,
            title=locked.title,
            body=locked.body,
            period=locked.period,
            is_urgent=locked.is_urgent,
            submitted_by=actor,
            submitted_at=now,
            signer=signer,
        )
        version.attachments.set(locked.attachments.filter(detached_at__isnull=True))
        locked.submitted_at = now
        locked.first_submitted_at = locked.first_submitted_at or now
        locked.signer = signer
        locked.reviewed_by, locked.reviewed_at, locked.adoption_level = None, None, ""
        locked.score, locked.review_note = None, ""
        locked.save(update_fields=[*SUBMIT_FIELDS, *REVIEW_FIELDS])
        audit_record(
            user=actor,
            action="report_submit",
            obj=locked,
            detail={"version": version.number, "to_unit": locked.to_unit.name, "urgent": version.is_urgent},
            request=request,
            via=via,
        )
        notify_submitted(locked, version)
    return locked


# --- 审核: 采用 / 退回 --------------------------------------------------------------------------------


def _lock_for_review(submission: Submission, actor, expected_version: int | None) -> Submission:
    if not can_review(actor, submission):
        raise PermissionDenied(_("只有接收单位的分办员、督办员、领导或负责人可以审核。"))
    locked = _lock(submission)
    if locked.status == SubmissionStatus.SUBMITTED and expected_version not in (None, locked.version_count):
        raise SubmissionConflict(
            _("该信息已重新报送（第%(n)s次），请查看最新内容后再审核。") % {"n": locked.version_count},
            code="version",
        )
    return locked


def _decide(locked: Submission, *, actor, outcome: str, level: str, score, note: str) -> SubmissionVersion:
    """Write the decision once onto the pending version and copy it onto the item."""
    now = timezone.now()
    version = locked.versions.get(number=locked.version_count)
    version.outcome, version.reviewed_by, version.reviewed_at = outcome, actor, now
    version.adoption_level, version.score, version.review_note = level, score, note
    version.save(update_fields=sorted(SubmissionVersion.DECISION_FIELDS))
    locked.reviewed_by, locked.reviewed_at, locked.adoption_level = actor, now, level
    locked.score, locked.review_note = score, note
    locked.save(update_fields=["status", *REVIEW_FIELDS])
    return version


def submission_adopt(
    *,
    submission: Submission,
    actor,
    adoption_level: str = "",
    score: int | None = None,
    note: str = "",
    expected_version: int | None = None,
    request=None,
    via: str = "web",
) -> Submission:
    """采用, optionally with a level (县级/市级/省级/国家级采用), a score (0–100) and a note."""
    errors = _Errors()
    level = adoption_level or default_level(submission.to_unit)
    if level not in AdoptionLevel.values:
        errors.add("adoption_level", _("请选择采用级别。"))
    if score is not None and not 0 <= int(score) <= MAX_SCORE:
        errors.add("score", _("得分应在0到%(n)s之间。") % {"n": MAX_SCORE})
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors.add("note", _("最多%(n)d字，请精简。") % {"n": MAX_NOTE})
    errors.raise_if_any()
    with transaction.atomic():
        locked = _lock_for_review(submission, actor, expected_version)
        _move(locked, SubmissionStatus.ADOPTED)
        version = _decide(
            locked, actor=actor, outcome=VersionOutcome.ADOPTED, level=level, score=score, note=note
        )
        _audit_review(actor, locked, version, request=request, via=via)
        notify_reviewed(locked, version)
    return locked


def submission_return(
    *,
    submission: Submission,
    actor,
    reasons: str,
    expected_version: int | None = None,
    request=None,
    via: str = "web",
) -> Submission:
    """退回 with the reasons (required): the unit may revise and send again as a new version."""
    errors = _Errors()
    reasons = _text(errors, "reasons", reasons, empty=_("退回须写明理由。"), limit=MAX_NOTE)
    errors.raise_if_any()
    with transaction.atomic():
        locked = _lock_for_review(submission, actor, expected_version)
        _move(locked, SubmissionStatus.RETURNED)
        version = _decide(
            locked, actor=actor, outcome=VersionOutcome.RETURNED, level="", score=None, note=reasons
        )
        _audit_review(actor, locked, version, request=request, via=via)
        notify_reviewed(locked, version)
    return locked


def _audit_review(actor, locked: Submission, version: SubmissionVersion, *, request, via: str) -> None:
    audit_record(
        user=actor,
        action="report_adopt" if version.outcome == VersionOutcome.ADOPTED else "report_return",
        obj=locked,
        detail={
            "version": version.number,
            "unit": locked.unit.name,
            "level": version.adoption_level,
            "score": version.score,
            "note": version.review_note,
        },
        request=request,
        via=via,
    )


def default_level(to_unit: Unit) -> str:
    """A county 信访局 adopts at 县级, a city one at 市级 (the reviewer may choose higher)."""
    return AdoptionLevel.CITY if to_unit.level == "city" else AdoptionLevel.COUNTY
