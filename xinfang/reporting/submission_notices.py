"""Who hears about 信息报送, and how — all in this one place.

| event            | in-app notice (消息) to                              | SMS                                   |
|------------------|------------------------------------------------------|---------------------------------------|
| 报送 (each time) | the receiving 信访局's reviewers (REVIEWER_ROLES)      | 紧急 items only: each reviewer's mobile |
| 采用 / 退回       | the item's author and whoever sent that version       | —                                     |

Called inside the transaction of the change, so notices commit or roll back with it. An urgent item
is told at once by SMS as well (the inbox waits until somebody logs in); the SMS names only the unit
and the kind, never the title or the text, which stay inside the system.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from xinfang.messaging.notifications import notification_send
from xinfang.messaging.services import sms_queue
from xinfang.orgs.models import Membership, User
from xinfang.reporting.choices import VersionOutcome
from xinfang.reporting.models import Submission, SubmissionVersion
from xinfang.reporting.submission_access import REVIEWER_ROLES

KIND_SUBMITTED = "report_submitted"
KIND_URGENT = "report_urgent"
KIND_ADOPTED = "report_adopted"
KIND_RETURNED = "report_returned"
SMS_TEMPLATE_URGENT = "report_urgent"


def reviewers_of(unit) -> list[User]:
    user_ids = (
        Membership.objects.filter(unit=unit, role_id__in=REVIEWER_ROLES, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    return list(User.objects.filter(pk__in=user_ids).order_by("pk"))


def _link(submission: Submission) -> str:
    return reverse("reporting:submission-detail", args=[submission.pk])


def notify_submitted(submission: Submission, version: SubmissionVersion) -> None:
    reviewers = reviewers_of(submission.to_unit)
    kind_label = submission.get_kind_display()
    urgent = _("【紧急】") if version.is_urgent else ""
    again = _("（第%(n)s次报送）") % {"n": version.number} if version.number > 1 else ""
    notification_send(
        users=reviewers,
        kind=KIND_URGENT if version.is_urgent else KIND_SUBMITTED,
        title=_("%(urgent)s%(unit)s报送%(kind)s：%(title)s%(again)s")
        % {
            "urgent": urgent,
            "unit": submission.unit.name,
            "kind": kind_label,
            "title": version.title,
            "again": again,
        },
        body=_("报送期：%(period)s。请审核：采用或退回。") % {"period": version.period_label},
        link=_link(submission),
    )
    if version.is_urgent and settings.SMS_NOTIFY:
        for reviewer in reviewers:
            if reviewer.phone:
                sms_queue(
                    phone=reviewer.phone,
                    template_key=SMS_TEMPLATE_URGENT,
                    context={"unit": submission.unit.name, "kind": kind_label},
                )


def notify_reviewed(submission: Submission, version: SubmissionVersion) -> None:
    adopted = version.outcome == VersionOutcome.ADOPTED
    if adopted:
        title = _("您报送的“%(title)s”已被%(unit)s采用") % {
            "title": version.title,
            "unit": submission.to_unit.name,
        }
        body = " ".join(filter(None, [version.get_adoption_level_display(), version.review_note]))
    else:
        title = _("您报送的“%(title)s”被%(unit)s退回") % {
            "title": version.title,
            "unit": submission.to_unit.name,
        }
        body = _("退回理由：%(reasons)s。请修改后重新报送。") % {"reasons": version.review_note}
    notification_send(
        users=[submission.author_id, version.submitted_by_id],
        kind=KIND_ADOPTED if adopted else KIND_RETURNED,
        title=title,
        body=body,
        link=_link(submission),
    )
