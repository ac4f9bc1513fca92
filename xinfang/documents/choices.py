"""The kinds of official papers the workflow issues (domain.md §11), with their number abbreviations."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocKind(models.TextChoices):
    ACCEPT_NOTICE = "accept_notice", _("受理告知书")
    NOT_ACCEPT_NOTICE = "not_accept_notice", _("不予受理告知书")
    NO_LONGER_NOTICE = "no_longer_notice", _("不再受理告知书")
    INFORM_NOTICE = "inform_notice", _("告知书")  # which body to approach / the statutory route
    TRANSFER_SLIP = "transfer_slip", _("转送单")
    ASSIGN_SLIP = "assign_slip", _("交办单")
    EXTENSION_NOTICE = "extension_notice", _("延期告知书")
    OPINION = "opinion", _("处理意见书")
    COMPLETION_REPORT = "completion_report", _("办结报告")
    RECHECK_OPINION = "recheck_opinion", _("复查意见书")
    REREVIEW_OPINION = "rereview_opinion", _("复核意见书")
    SERVICE_RECEIPT = "service_receipt", _("送达回证")
    SUPERVISION_LETTER = "supervision_letter", _("督办函")  # 督办 + 改进工作建议 (§40), issue 5 §2


# The character(s) after "信" in the document number: 〔unit〕信受〔2026〕3号.
NUMBER_ABBR: dict[str, str] = {
    DocKind.ACCEPT_NOTICE: "受",
    DocKind.NOT_ACCEPT_NOTICE: "不受",
    DocKind.NO_LONGER_NOTICE: "不再",
    DocKind.INFORM_NOTICE: "告",
    DocKind.TRANSFER_SLIP: "转",
    DocKind.ASSIGN_SLIP: "交",
    DocKind.EXTENSION_NOTICE: "延",
    DocKind.OPINION: "意",
    DocKind.COMPLETION_REPORT: "报",
    DocKind.RECHECK_OPINION: "复查",
    DocKind.REREVIEW_OPINION: "复核",
    DocKind.SERVICE_RECEIPT: "送",
    DocKind.SUPERVISION_LETTER: "督",
}

# Papers addressed to a unit, not to the petitioner: for 检举控告 they never carry the petitioner's
# identity, not even in the stored file (2022 条例 §30 ¶3, §46(五)).
UNIT_ADDRESSED_KINDS = frozenset(
    {DocKind.TRANSFER_SLIP, DocKind.ASSIGN_SLIP, DocKind.COMPLETION_REPORT, DocKind.SUPERVISION_LETTER}
)

# The step data each kind renders (the workflow passes these in `extra`; all optional).
EXTRA_KEYS: dict[str, tuple[str, ...]] = {
    DocKind.ACCEPT_NOTICE: ("accepted_on", "route", "handle_due_on"),
    DocKind.NOT_ACCEPT_NOTICE: ("reason", "basis", "route"),
    DocKind.NO_LONGER_NOTICE: ("reason", "basis", "route", "final_case_number"),
    DocKind.INFORM_NOTICE: ("reason", "basis", "route"),
    DocKind.TRANSFER_SLIP: ("to_unit", "copies", "due_on", "note", "requires_report"),
    DocKind.ASSIGN_SLIP: ("to_unit", "copies", "due_on", "note", "requires_report"),
    DocKind.EXTENSION_NOTICE: ("reason", "old_due_on", "new_due_on", "days"),
    DocKind.OPINION: ("outcome", "facts", "basis", "text", "remedy", "approved_by"),
    DocKind.COMPLETION_REPORT: (
        "to_unit",
        "assign_doc_number",
        "facts",
        "outcome",
        "text",
        "signer",
        "contact",
    ),
    DocKind.RECHECK_OPINION: ("outcome", "facts", "basis", "text", "remedy", "approved_by"),
    DocKind.REREVIEW_OPINION: ("outcome", "facts", "basis", "text", "remedy", "approved_by"),
    DocKind.SERVICE_RECEIPT: (
        "served_document",
        "method",
        "served_on",
        "served_by",
        "signed",
        "refused",
        "petitioner_opinion",
    ),
    DocKind.SUPERVISION_LETTER: (
        "to_unit",
        "triggers",
        "facts",
        "requested_action",
        "due_on",
        "is_listed",
        "measures",
        "round",
        "previous_number",
    ),
}

MASK = "（依法保密）"
