"""API v1 for the inbox (`/api/v1/inbox`, issue 5 §1): the caller's own notices, newest first; mark
one or all read. A notice of someone else answers 404, like a missing one."""

import datetime

from django.core.paginator import Paginator
from ninja import Field, Query, Router, Schema

from xinfang.common.paging import page_meta, page_of
from xinfang.messaging.models import Notification
from xinfang.messaging.notifications import (
    get_notification_for_user,
    kind_label,
    notification_list,
    notification_mark_all_read,
    notification_mark_read,
    notification_unread_count,
)

router = Router(tags=["消息"])


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    link: str
    case_number: str | None
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class InboxPageOut(Schema):
    page: int
    count: int
    pages: int


class InboxOut(Schema):
    unread: int
    items: list[NotificationOut]
    pagination: InboxPageOut


class InboxQuery(Schema):
    unread: bool = Field(False, description="只列未读")
    page: int = Field(1, ge=1)


class ReadAllOut(Schema):
    marked: int
    unread: int


def notification_out(n: Notification) -> dict:
    return {
        "id": n.pk,
        "kind": n.kind,
        "kind_label": kind_label(n.kind),
        "title": n.title,
        "body": n.body,
        "link": n.link,
        "case_number": n.case.number if n.case_id else None,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@router.get("", response={200: InboxOut}, summary="我的消息（最新的在前）与未读数")
def inbox_api(request, query: Query[InboxQuery]):
    notices = notification_list(user=request.user, unread_only=query.unread).select_related("case")
    page = page_of(notices, query.page, paginator=Paginator)
    return {
        "unread": notification_unread_count(user=request.user),
        "items": [notification_out(n) for n in page.object_list],
        "pagination": page_meta(page),
    }


@router.post("/read-all", response={200: ReadAllOut}, summary="全部标为已读")
def inbox_read_all_api(request):
    return {"marked": notification_mark_all_read(user=request.user), "unread": 0}


@router.post("/{pk}/read", response={200: NotificationOut, 404: dict}, summary="标为已读")
def inbox_read_api(request, pk: int):
    notice = get_notification_for_user(request.user, pk)
    return notification_out(notification_mark_read(notification=notice))
