"""Single sign-on with the office system (OA): who an OA account is here, and how OA claims map to seats.

The OA system's OpenID Connect provider vouches for a person (`sub`) and sends their department and
roles as claims. The bureau's administrator maps those claim values to units and roles here; a login
then creates or refreshes the person's memberships (issue 7 §5; docs/sso.md).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DepartmentMapping(models.Model):
    """An OA department/organisation claim value → a unit of the tree."""

    claim_value = models.CharField(
        _("办公系统部门"),
        max_length=200,
        unique=True,
        help_text=_("办公系统登录时传来的部门（机构）名称或代码，须与办公系统中的写法完全一致。"),
    )
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("对应单位"), on_delete=models.CASCADE, related_name="+"
    )
    default_role = models.ForeignKey(
        "orgs.Role",
        verbose_name=_("默认角色"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("办公系统的角色都没有对应关系时，给予此角色；留空则不给。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("办公系统部门对应")
        verbose_name_plural = _("办公系统部门对应")
        ordering = ["claim_value"]

    def __str__(self) -> str:
        return f"{self.claim_value} → {self.unit}"


class RoleMapping(models.Model):
    """An OA role/group claim value → a role; in the mapped departments' units, or in one fixed unit."""

    claim_value = models.CharField(
        _("办公系统角色"),
        max_length=200,
        help_text=_("办公系统登录时传来的角色（用户组）名称或代码，须与办公系统中的写法完全一致。"),
    )
    role = models.ForeignKey(
        "orgs.Role", verbose_name=_("对应角色"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("限定单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_(
            "留空：在此人办公系统部门对应的单位中担任此角色；填写：不论部门，都在这个单位担任此角色。"
        ),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("办公系统角色对应")
        verbose_name_plural = _("办公系统角色对应")
        ordering = ["claim_value", "role"]
        constraints = [
            models.UniqueConstraint(fields=["claim_value", "role"], name="sso_role_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.claim_value} → {self.role}"


class SsoIdentity(models.Model):
    """The link between an OA account (issuer + `sub`) and a local user.

    Users are found by this link only, never by e-mail or user name: those can be reused or typed
    differently in the two systems, and matching on them would hand one person's account to another.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("本系统用户"),
        on_delete=models.CASCADE,
        related_name="sso_identity",
    )
    issuer = models.CharField(_("身份提供方"), max_length=255)
    subject = models.CharField(_("办公系统用户标识（sub）"), max_length=255)
    created_at = models.DateTimeField(_("首次登录"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("最近登录"), null=True, blank=True)
    last_claims = models.JSONField(
        _("最近一次的部门和角色"), default=dict, blank=True, help_text=_("排查对应关系时参考。")
    )

    class Meta:
        verbose_name = _("办公系统账号关联")
        verbose_name_plural = _("办公系统账号关联")
        ordering = ["-last_login_at"]
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique")]

    def __str__(self) -> str:
        return f"{self.user} ← {self.subject}"


class SsoGrant(models.Model):
    """A membership that single sign-on created, so a later login may take it away again.

    Memberships without a grant were made by hand and are never touched by a login.
    """

    identity = models.ForeignKey(
        SsoIdentity, verbose_name=_("办公系统账号"), on_delete=models.CASCADE, related_name="grants"
    )
    membership = models.OneToOneField(
        "orgs.Membership", verbose_name=_("任职"), on_delete=models.CASCADE, related_name="sso_grant"
    )
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("单点登录授予的任职")
        verbose_name_plural = _("单点登录授予的任职")

    def __str__(self) -> str:
        return str(self.membership)
