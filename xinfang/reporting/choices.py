"""Kinds, statuses and adoption levels of 信息报送 (issue 5 §5), and the one table of allowed moves."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionKind(models.TextChoices):
    """工作简报 and the three kinds of 信访信息 the county's assessment counts (县考核评分方法 2008)."""

    BULLETIN = "bulletin", _("工作简报")
    DYNAMIC = "dynamic", _("动态信息")
    WARNING = "warning", _("预警信息")
    EXPERIENCE = "experience", _("经验做法")


INFORMATION_KINDS = (SubmissionKind.DYNAMIC, SubmissionKind.WARNING, SubmissionKind.EXPERIENCE)


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送，待审核")
    ADOPTED = "adopted", _("已采用")
    RETURNED = "returned", _("已退回")


# Workflow as data (style.md §4): a returned item is revised and sent again; 采用 is final.
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    SubmissionStatus.DRAFT: (SubmissionStatus.SUBMITTED,),
    SubmissionStatus.SUBMITTED: (SubmissionStatus.ADOPTED, SubmissionStatus.RETURNED),
    SubmissionStatus.RETURNED: (SubmissionStatus.SUBMITTED,),
    SubmissionStatus.ADOPTED: (),
}
EDITABLE_STATUSES = (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)


class VersionOutcome(models.TextChoices):
    """The 信访局's decision on one version as it was sent."""

    PENDING = "pending", _("待审核")
    ADOPTED = "adopted", _("采用")
    RETURNED = "returned", _("退回")


class AdoptionLevel(models.TextChoices):
    """How far up an adopted item was used (编入哪一级的简报/专报)."""

    COUNTY = "county", _("县级采用")
    CITY = "city", _("市级采用")
    PROVINCE = "province", _("省级采用")
    NATIONAL = "national", _("国家级采用")


class BulletinStatus(models.TextChoices):
    """季度通报 (issue 6 §5): written and generated, reviewed by the bureau's head or leader, published."""

    DRAFT = "draft", _("草稿")
    APPROVED = "approved", _("已审核")
    PUBLISHED = "published", _("已发布")


# Workflow as data (style.md §4): an approved bulletin may go back to 草稿 for changes; 发布 is final.
BULLETIN_TRANSITIONS: dict[str, tuple[str, ...]] = {
    BulletinStatus.DRAFT: (BulletinStatus.APPROVED,),
    BulletinStatus.APPROVED: (BulletinStatus.PUBLISHED, BulletinStatus.DRAFT),
    BulletinStatus.PUBLISHED: (),
}


class BulletinAction(models.TextChoices):
    """What one `BulletinEvent` records."""

    CREATE = "create", _("起草")
    EDIT = "edit", _("修改")
    REGENERATE = "regenerate", _("重新生成")
    APPROVE = "approve", _("审核通过")
    RETURN = "return", _("退回修改")
    PUBLISH = "publish", _("发布")
