"""Case exchange between separate installations (issue 7 §6, docs/exchange.md).

A peer is another xinfang deployment (a city system, a county system) that signs its packages with
its own Ed25519 key. Packages in and out are kept, with the link between the local case and the
case number on the other side.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Peer(models.Model):
    """Another deployment we exchange cases with, registered by an administrator.

    `local_unit` stands for the peer in our unit tree (e.g. the county system's copy of 示范市信访局):
    cases from the peer are registered there and passed on (转送/交办) from there, and cases we send
    to the peer are passed to it. `service_user` acts for that unit when a package is imported, so the
    case's history says "the other system did it", and the person who imported is in the audit log.
    """

    name = models.CharField(_("对端系统名称"), max_length=60, unique=True)
    deployment_id = models.CharField(_("对端系统标识"), max_length=64, unique=True)
    public_key = models.CharField(
        _("对端公钥"), max_length=100, help_text=_("对端运行 exchange_keygen 显示的 Ed25519 公钥（Base64）。")
    )
    local_unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("本系统中代表对端的单位"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("须为信访部门：对端交来的信访件在此登记并由此交转；发往对端的信访件交转到此单位。"),
    )
    receiving_unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("默认接收单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("对端交来的信访件默认交转到此单位（数据包指明的区划有唯一信访部门时交转到该部门）。"),
    )
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代办账号"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="exchange_peer",
    )
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("对端系统")
        verbose_name_plural = _("对端系统")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PackageKind(models.TextChoices):
    TRANSFER = "transfer", _("转送/交办")
    RESULT = "result", _("办理结果")


class Direction(models.TextChoices):
    OUT = "out", _("发出")
    IN = "in", _("收到")


def package_path(instance: "ExchangePackage", filename: str) -> str:
    return f"exchange/{instance.direction}/{instance.package_id}.zip"


class ExchangePackage(models.Model):
    """One signed package sent or received, kept as it was (the receiver's proof of what came in)."""

    package_id = models.UUIDField(_("数据包编号"))
    peer = models.ForeignKey(
        Peer, verbose_name=_("对端系统"), on_delete=models.PROTECT, related_name="packages"
    )
    direction = models.CharField(_("方向"), max_length=4, choices=Direction.choices)
    kind = models.CharField(_("类别"), max_length=10, choices=PackageKind.choices)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("信访件"), on_delete=models.PROTECT, related_name="exchange_packages"
    )
    remote_number = models.CharField(_("对端信访件编号"), max_length=40, blank=True)
    case_status = models.CharField(_("打包时状态"), max_length=24, blank=True)
    file = models.FileField(upload_to=package_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(_("大小"))
    manifest = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("交换数据包")
        verbose_name_plural = _("交换数据包")
        ordering = ["-created_at", "-id"]
        # One row per package and direction: an import is idempotent on the package id it received.
        constraints = [
            models.UniqueConstraint(fields=["package_id", "direction"], name="exchange_package_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.get_kind_display()} {self.package_id}"


class LinkRole(models.TextChoices):
    SENT = "sent", _("本系统交转给对端")
    RECEIVED = "received", _("对端交转给本系统")


class CaseLink(models.Model):
    """Which case on the peer corresponds to a local case (远端编号 ↔ 本地信访件)."""

    peer = models.ForeignKey(Peer, verbose_name=_("对端系统"), on_delete=models.PROTECT, related_name="links")
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("本地信访件"), on_delete=models.PROTECT, related_name="exchange_links"
    )
    role = models.CharField(_("关系"), max_length=10, choices=LinkRole.choices)
    remote_number = models.CharField(_("对端信访件编号"), max_length=40, blank=True)
    remote_query_code = models.CharField(_("对端查询码"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("跨系统关联")
        verbose_name_plural = _("跨系统关联")
        constraints = [models.UniqueConstraint(fields=["peer", "case"], name="exchange_link_once")]

    def __str__(self) -> str:
        return f"{self.case_id} ↔ {self.peer_id}:{self.remote_number}"
