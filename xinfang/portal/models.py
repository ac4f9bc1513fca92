"""The portal's own state: one-time image captchas and the rate-limit log (issue 4 §1, §5).

Both live in the database, not in a per-process cache, so that several web servers behind one proxy
share them: a captcha solved on one server cannot be replayed on another, and a limit counts every
server's hits.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Captcha(models.Model):
    """One image captcha: shown once, checked once (right or wrong), then dead.

    A solved captcha also remembers what it let in (`message`, and a digest of the submitted fields),
    so the same submission arriving twice — a double-click, a retried request — gets the first
    answer back instead of a second message or an error.
    """

    id = models.CharField(primary_key=True, max_length=32, editable=False)
    answer = models.CharField(_("答案"), max_length=8)
    created_at = models.DateTimeField(_("生成时间"))
    expires_at = models.DateTimeField(_("失效时间"), db_index=True)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    payload_digest = models.CharField(max_length=64, blank=True)
    message = models.ForeignKey(
        "messaging.InboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("验证码")
        verbose_name_plural = _("验证码")

    def __str__(self) -> str:
        return self.id


class RateBucket(models.Model):
    """The recent hits of one limited key (e.g. letters from one IP), newest last.

    `hits` holds epoch seconds within the limit's period: an exact sliding window. The row is locked
    (SELECT … FOR UPDATE) while it is checked and updated, so concurrent requests on different
    servers count correctly. Keys are keyed hashes: no IP address or phone number is stored here.
    """

    key = models.CharField(primary_key=True, max_length=80)
    hits = models.JSONField(default=list)
    updated_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("频率限制")
        verbose_name_plural = _("频率限制")

    def __str__(self) -> str:
        return f"{self.key}:{len(self.hits)}"
