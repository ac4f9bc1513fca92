"""Reads for 信箱审查: who may screen, the queue, one message, and the public answers awaiting approval.

Screening is the job of the message's `screening_unit` (a 信访部门): its registrars, dispatchers, unit
head and supervisor. Personal data of the sender is theirs to see, and nobody else's — a township or
another county gets "not found" for the same messages (style.md §8: one gate, 404 for both cases).
"""

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases.choices import CaseStatus
from xinfang.cases.models import Opinion
from xinfang.cases.selectors import working_days_ahead
from xinfang.common.validators import normalize_phone
from xinfang.messaging.choices import ScreeningStatus, Source
from xinfang.messaging.models import InboundMessage, Publication
from xinfang.orgs.access import seats_of
from xinfang.orgs.models import Role, Unit

SCREENING_ROLES = frozenset({Role.REGISTRAR, Role.DISPATCHER, Role.UNIT_HEAD, Role.SUPERVISOR})
# A public answer is approved by the unit's head or a leader (国信发〔2014〕16号: 网上公开 after review).
APPROVING_ROLES = frozenset({Role.UNIT_HEAD, Role.LEADER})
# 公开回复 only for a case that is done: the opinion was served and nothing is pending.
REPLY_CASE_STATUSES = (CaseStatus.CLOSED, CaseStatus.FINAL)

MESSAGE_NUMBER_RE = re.compile(r"^W\d{13}$", re.IGNORECASE)
PHONE_RE = re.compile(r"^[+\d][\d \-]{6,19}$")
TABS = ("pending", "handled")


def screening_units(user) -> list[Unit]:
    """信访部门 whose messages the user screens (a role of SCREENING_ROLES there).

    Messages only ever land at a 信访部门 (`portal_unit`), so a township's registrar has no queue.
    """
    return [seat.unit for seat in seats_of(user) if seat.unit.is_bureau and seat.roles & SCREENING_ROLES]


def approving_units(user) -> list[Unit]:
    """信访部门 whose public answers (咨询问答, 公开回复) the user may approve or withdraw."""
    return [seat.unit for seat in seats_of(user) if seat.unit.is_bureau and seat.roles & APPROVING_ROLES]


def can_screen(user, unit: Unit) -> bool:
    return any(u.pk == unit.pk for u in screening_units(user))


def can_approve(user, unit: Unit) -> bool:
    return any(u.pk == unit.pk for u in approving_units(user))


def messages_visible_to(user) -> QuerySet[InboundMessage]:
    units = screening_units(user)
    if not units:
        return InboundMessage.objects.none()
    return InboundMessage.objects.filter(screening_unit__in=units)


def get_message_for_user(user, *, number: str) -> InboundMessage:
    """The message if the user screens its unit; Http404 alike for missing and forbidden."""
    message = (
        messages_visible_to(user)
        .select_related("screening_unit", "handled_by", "case")
        .filter(number=(number or "").strip().upper())
        .first()
    )
    if message is None:
        raise Http404(_("留言不存在或无权查看。"))
    return message


def get_message_attachment_for_user(user, *, number: str, attachment_id: int):
    """(message, attachment) behind the message's gate; Http404 alike for missing and forbidden."""
    message = get_message_for_user(user, number=number)
    attachment = message.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404(_("附件不存在。"))
    return message, attachment


@dataclass(frozen=True)
class QueueCounts:
    today: datetime.date
    soon_until: datetime.date
    pending: int
    overdue: int
    due_soon: int
    handled: int
    by_source: list[tuple[str, str, int]]  # (code, label, pending count) for every source


def queue_counts(*, units: list[Unit], today: datetime.date | None = None) -> QueueCounts:
    """Counts for the tabs and the source tiles; each is a scan of the `message_queue` index."""
    today = today or timezone.localdate()
    soon_until = working_days_ahead(today, settings.DUE_SOON_WORKING_DAYS)
    mine = InboundMessage.objects.filter(screening_unit__in=units)
    pending = mine.filter(status=ScreeningStatus.NEW)
    per_source = {
        row["source"]: row["n"] for row in pending.values("source").annotate(n=Count("id")).order_by()
    }
    return QueueCounts(
        today=today,
        soon_until=soon_until,
        pending=sum(per_source.values()),
        overdue=pending.filter(due_on__lt=today).count(),
        due_soon=pending.filter(due_on__gte=today, due_on__lte=soon_until).count(),
        handled=mine.exclude(status=ScreeningStatus.NEW).count(),
        by_source=[(code, label, per_source.get(code, 0)) for code, label in Source.choices],
    )


def queue_messages(*, units: list[Unit], tab: str, source: str = "") -> QuerySet[InboundMessage]:
    """待审查: oldest deadline first. 已处理: most recently decided first."""
    mine = InboundMessage.objects.filter(screening_unit__in=units).select_related("handled_by", "case")
    if source in Source.values:
        mine = mine.filter(source=source)
    if tab == "handled":
        return mine.exclude(status=ScreeningStatus.NEW).order_by("-handled_at", "-id")
    return mine.filter(status=ScreeningStatus.NEW).order_by("due_on", "id")


def message_search(*, units: list[Unit], text: str) -> QuerySet[InboundMessage]:
    """Find by number (unique index), phone (index), sender's name (index) or words of the title/text.

    The words are a scan of the unit's own messages (a county gets a few thousand a year); the others
    are index look-ups.
    """
    text = (text or "").strip()[:60]
    mine = InboundMessage.objects.filter(screening_unit__in=units).select_related("handled_by", "case")
    if not text:
        return mine.none()
    if MESSAGE_NUMBER_RE.match(text):
        matched = Q(number=text.upper())
    elif PHONE_RE.match(text):
        try:
            matched = Q(phone=normalize_phone(text))
        except Exception:  # noqa: BLE001 - an unparsable number simply finds nothing
            return mine.none()
    else:
        matched = Q(name=text) | Q(title__icontains=text) | Q(content__icontains=text)
    return mine.filter(matched).order_by("-received_at", "-id")


def pending_count(user) -> int:
    units = screening_units(user)
    if not units:
        return 0
    return InboundMessage.objects.filter(screening_unit__in=units, status=ScreeningStatus.NEW).count()


# --- Public answers (咨询问答 and 公开回复) --------------------------------------------------------


def publications_visible_to(user) -> QuerySet[Publication]:
    """Drafts and published answers of the units the user screens or approves for."""
    units = {u.pk: u for u in screening_units(user) + approving_units(user)}
    if not units:
        return Publication.objects.none()
    return Publication.objects.filter(message__screening_unit__in=list(units.values())).select_related(
        "message", "message__screening_unit", "case", "created_by", "approved_by"
    )


def get_publication_for_user(user, *, pk: int) -> Publication:
    publication = publications_visible_to(user).filter(pk=pk).first()
    if publication is None:
        raise Http404(_("公开答复不存在或无权查看。"))
    return publication


PUBLICATION_STATES = ("drafts", "published", "withdrawn")


def publication_list(user, *, show: str) -> QuerySet[Publication]:
    """待审批 (oldest first), 已公开 or 已撤回 (newest first)."""
    visible = publications_visible_to(user)
    if show == "published":
        return visible.filter(published_at__isnull=False, withdrawn_at__isnull=True).order_by(
            "-published_at", "-id"
        )
    if show == "withdrawn":
        return visible.filter(withdrawn_at__isnull=False).order_by("-withdrawn_at", "-id")
    return visible.filter(published_at__isnull=True, withdrawn_at__isnull=True).order_by("created_at", "id")


def awaiting_count(user) -> int:
    units = approving_units(user)
    if not units:
        return 0
    return Publication.objects.filter(
        message__screening_unit__in=units, published_at__isnull=True, withdrawn_at__isnull=True
    ).count()


def reply_candidates(*, units: list[Unit], limit: int = 50) -> list[InboundMessage]:
    """Converted messages whose writer agreed to publication and whose case is done, with no reply yet."""
    active_reply = Publication.objects.filter(
        case=OuterRef("case"), kind=Publication.Kind.REPLY, withdrawn_at__isnull=True
    )
    return list(
        InboundMessage.objects.filter(
            screening_unit__in=units,
            status=ScreeningStatus.CONVERTED,
            consent_publish=True,
            case__status__in=REPLY_CASE_STATUSES,
        )
        .filter(~Exists(active_reply))
        .select_related("case")
        .order_by("-case__closed_at", "-id")[:limit]
    )


def served_opinion_text(case) -> str:
    """The text of the last opinion served on the petitioner (the answer a 公开回复 starts from)."""
    opinion = Opinion.objects.filter(case=case, served_on__isnull=False).order_by("-served_on", "-id").first()
    return opinion.text if opinion else ""


def mailbox_nav(user) -> dict | None:
    """The top navigation's link: the queue with its count for screeners; for a leader who only
    approves, the answers awaiting approval. None for everybody else (one COUNT on an index)."""
    from django.urls import reverse

    if screening_units(user):
        return {"url": reverse("messaging:queue"), "label": _("信箱审查"), "count": pending_count(user)}
    if approving_units(user):
        return {
            "url": reverse("messaging:publications"),
            "label": _("公开答复审批"),
            "count": awaiting_count(user),
        }
    return None
