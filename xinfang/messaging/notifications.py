"""The in-app inbox (消息, issue 5 §1): send, list, count and mark read.

Anyone who wants a person to see something calls `notification_send` inside the transaction of the
change it tells about, so the notices commit or roll back with it:

    from xinfang.messaging.notifications import notification_send
    notification_send(users=[head, clerk], kind="urge", title="…", body="…", link=case_url, case=case)

A notice belongs to one user; nobody else may read or mark it (the gate answers 404 for both
"missing" and "someone else's", docs/permissions.md).
"""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from xinfang.messaging.choices import NotificationKind
from xinfang.messaging.models import Notification

TITLE_MAX = 200
LINK_MAX = 300


def notification_send(
    *,
    users: Iterable,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    case=None,
) -> list[Notification]:
    """Put one notice in the inbox of each user (users or user ids; duplicates are sent once)."""
    rows = notification_build(
        users=users, kind=kind, title=title, body=body, link=link, case_id=case.pk if case else None
    )
    return Notification.objects.bulk_create(rows)


def notification_build(
    *,
    users: Iterable,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    case_id: int | None = None,
    now=None,
) -> list[Notification]:
    """The unsaved rows of `notification_send`, for senders that insert many batches at once."""
    now = now or timezone.now()
    seen: set[int] = set()
    rows = []
    for user in users:
        user_id = user if isinstance(user, int) else user.pk
        if user_id is None or user_id in seen:
            continue
        seen.add(user_id)
        rows.append(
            Notification(
                user_id=user_id,
                kind=kind[:40],
                title=title[:TITLE_MAX],
                body=body,
                link=link[:LINK_MAX],
                case_id=case_id,
                created_at=now,
            )
        )
    return rows


def notification_list(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notices, newest first."""
    notices = Notification.objects.filter(user=user)
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    return notices.order_by("-created_at", "-id")


def notification_unread_count(*, user) -> int:
    """The badge: one COUNT over the (user, read_at, created_at) index."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def get_notification_for_user(user, notification_id: int) -> Notification:
    """The user's own notice, else 404 — the same for a missing one and someone else's."""
    notice = Notification.objects.filter(pk=notification_id, user=user).first()
    if notice is None:
        raise Http404
    return notice


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notice read (a second call keeps the first time)."""
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notification_mark_all_read(*, user) -> int:
    """Mark every unread notice of the user read; returns how many changed."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def kind_label(kind: str) -> str:
    """The Chinese name of a kind; unknown codes (other senders') show as 通知."""
    try:
        return str(NotificationKind(kind).label)
    except ValueError:
        return str(NotificationKind.OTHER.label)
