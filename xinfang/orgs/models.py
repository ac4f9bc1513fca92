"""Units, regions, users and their roles (DESIGN.md §1, §4)."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """An administrative division, coded by GB/T 2260 (6 digits) or GB/T 10114 (9/12 digits)."""

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=60)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区划"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class UnitKind(models.TextChoices):
    PETITION_BUREAU = "bureau", _("信访部门")
    HANDLING_UNIT = "handling", _("责任单位")


class UnitLevel(models.TextChoices):
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("镇乡/街道")
    DEPARTMENT = "department", _("部门")


class Unit(models.Model):
    """A node of the unit tree: 市信访局 → 县信访局 → 镇乡/街道 and 部门.

    `path` is a materialised path ("/1/4/17/") so that "this unit and everything below it" is one
    indexed prefix query at any depth.
    """

    name = models.CharField(_("单位名称"), max_length=80, unique=True)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    kind = models.CharField(_("单位类别"), max_length=10, choices=UnitKind.choices)
    level = models.CharField(_("层级"), max_length=12, choices=UnitLevel.choices)
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    rule_set = models.ForeignKey(
        "deadlines.RuleSet",
        verbose_name=_("时限规则"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("留空则沿用上级单位或系统默认规则。"),
    )
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path", "sort_order"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        expected = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
        if self.path != expected:
            old_prefix = self.path
            self.path = expected
            Unit.objects.filter(pk=self.pk).update(path=expected)
            if old_prefix:
                # Children follow their parent when it moves (shallow first, by path order).
                for child in Unit.objects.filter(parent=self):
                    child.save()

    def clean(self):
        if self.parent_id and self.pk and self.parent.path.startswith(self.path or "\0"):
            raise ValidationError({"parent": _("上级单位不能是本单位或其下级单位。")})

    @property
    def is_bureau(self) -> bool:
        return self.kind == UnitKind.PETITION_BUREAU

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1


class Role(models.Model):
    """A role a user holds in a unit (DESIGN.md §1). Codes are fixed; names are editable."""

    REGISTRAR = "registrar"
    DISPATCHER = "dispatcher"
    HANDLER = "handler"
    UNIT_HEAD = "unit_head"
    SUPERVISOR = "supervisor"
    LEADER = "leader"
    ADMIN = "admin"

    code = models.SlugField(_("角色代码"), max_length=20, primary_key=True)
    name = models.CharField(_("角色名称"), max_length=30)
    description = models.CharField(_("职责"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A staff member; units and roles come from memberships."""

    full_name = models.CharField(_("姓名"), max_length=30, blank=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        """One Chinese name field, not first/last name: papers print who signed (e.g. 签发人)."""
        return self.full_name or self.username


class Membership(models.Model):
    """User × unit × role."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.ForeignKey(Role, verbose_name=_("角色"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.role}"
