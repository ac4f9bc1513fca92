"""The in-app inbox (消息, issue 5 §1): sending, the user's own list, marking read and the badge."""

from xinfang.messaging.models import Notification
from xinfang.messaging.notifications import notification_send, notification_unread_count


def test_it_sends_one_notice_per_user_once(org):
    sent = notification_send(
        users=[org.town_handler, org.town_head, org.town_handler.pk],
        kind="deadline_reminder",
        title="期限提醒",
        body="请按期办理。",
        link="/cases/1/",
    )
    assert len(sent) == 2
    assert set(Notification.objects.values_list("user", flat=True)) == {org.town_handler.pk, org.town_head.pk}
    assert notification_unread_count(user=org.town_handler) == 1
    assert notification_unread_count(user=org.police_handler) == 0
