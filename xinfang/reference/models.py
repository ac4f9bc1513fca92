"""Reference data: channels, purposes, the versioned content-category tree, ID types (domain.md §7–§8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.Model):
    """信访形式 (2022 条例 §17 plus 来电, 短信, 论坛 and 在线咨询 used by the county)."""

    code = models.SlugField(_("代码"), max_length=20, primary_key=True)
    name = models.CharField(_("名称"), max_length=30)
    is_online = models.BooleanField(_("属于网信"), default=False, help_text=_("计入“网信占比”。"))
    staff_can_register = models.BooleanField(_("可由工作人员登记"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("信访形式")
        verbose_name_plural = _("信访形式")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Purpose(models.Model):
    """信访目的, mapped onto the 2022 three-way typology (§29–§31) plus 咨询."""

    ACCUSATION = "accusation"  # 检举控告: the petitioner's identity is protected (2022 条例 §30 ¶3, §46(五))

    code = models.SlugField(_("代码"), max_length=20, primary_key=True)
    name = models.CharField(_("名称"), max_length=30)
    protects_identity = models.BooleanField(
        _("保护信访人身份"), default=False, help_text=_("检举控告类：信访人身份不得透露给被反映人或单位。")
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("信访目的")
        verbose_name_plural = _("信访目的")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class CategoryVersion(models.Model):
    """One generation of the content taxonomy; exactly one is current for new cases."""

    code = models.SlugField(_("版本代码"), max_length=20, unique=True)
    name = models.CharField(_("版本名称"), max_length=60)
    valid_from = models.DateField(_("启用日期"))
    is_current = models.BooleanField(_("当前版本"), default=False)

    class Meta:
        verbose_name = _("内容分类版本")
        verbose_name_plural = _("内容分类版本")
        ordering = ["-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="one_current_category_version",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A node of the content taxonomy (一级/二级 …); second level and below are admin-editable."""

    version = models.ForeignKey(
        CategoryVersion, verbose_name=_("版本"), on_delete=models.PROTECT, related_name="categories"
    )
    code = models.CharField(_("分类代码"), max_length=20)
    name = models.CharField(_("分类名称"), max_length=40)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("内容分类")
        verbose_name_plural = _("内容分类")
        ordering = ["version", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="category_code_unique_per_version")
        ]

    def __str__(self) -> str:
        if self.parent_id:
            return f"{self.parent.name} › {self.name}"
        return self.name


class CategoryMapping(models.Model):
    """Maps a category of an older version onto the current list (old 18 classes → newer list)."""

    old = models.ForeignKey(
        Category, verbose_name=_("旧分类"), on_delete=models.CASCADE, related_name="mapped_to"
    )
    new = models.ForeignKey(
        Category, verbose_name=_("新分类"), on_delete=models.CASCADE, related_name="mapped_from"
    )

    class Meta:
        verbose_name = _("分类对照")
        verbose_name_plural = _("分类对照")
        constraints = [models.UniqueConstraint(fields=["old", "new"], name="category_mapping_unique")]

    def __str__(self) -> str:
        return f"{self.old.name} → {self.new.name}"


class IdType(models.Model):
    """证件类型. Only 居民身份证 numbers are checked with the GB 11643 check digit."""

    RESIDENT_ID = "resident"

    code = models.SlugField(_("代码"), max_length=20, primary_key=True)
    name = models.CharField(_("名称"), max_length=40)
    sort_order = models.PositiveIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("证件类型")
        verbose_name_plural = _("证件类型")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name
