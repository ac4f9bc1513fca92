"""The review flow (issue 5 §5): 报送 → 采用, or 退回 with reasons → revise → 报送 again, every version
kept as it was sent; notices to the reviewers and the author; the audit of every decision."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xinfang.common.models import AuditLog
from xinfang.messaging.models import Notification, OutboundSms
from xinfang.reporting.choices import SubmissionStatus, VersionOutcome
from xinfang.reporting.models import Submission, SubmissionVersion
from xinfang.reporting.submissions import (
    SubmissionConflict,
    submission_adopt,
    submission_delete,
    submission_return,
    submission_submit,
    submission_update,
)


def _revise(submission, actor, **changes):
    fields = {
        "kind": submission.kind,
        "title": submission.title,
        "body": submission.body,
        "period": submission.period,
        "is_urgent": submission.is_urgent,
    }
    fields.update(changes)
    return submission_update(submission=submission, actor=actor, **fields)


def test_it_drafts_for_the_township_addressed_to_the_county_bureau(draft, org):
    item = draft()
    assert item.status == SubmissionStatus.DRAFT and item.to_unit == org.county
    assert item.version_count == 0 and not item.versions.exists()


def test_it_sends_version_one_and_tells_the_county_reviewers(sent, org):
    item = sent()
    assert item.status == SubmissionStatus.SUBMITTED and item.version_count == 1
    version = item.versions.get()
    assert version.outcome == VersionOutcome.PENDING and version.submitted_by == org.town_handler
    assert version.signer is None  # a registrar sent it, not the head
    told = set(Notification.objects.filter(kind="report_submitted").values_list("user__username", flat=True))
    assert told == {"dispatcher", "leader_only", "county_head"}  # not the registrar, not the city
    assert AuditLog.objects.filter(action="report_submit", object_id=str(item.pk)).exists()


def test_the_unit_head_who_sends_signs(draft, org):
    item = submission_submit(submission=draft(), actor=org.town_head)
    assert item.signer == org.town_head and item.versions.get().signer == org.town_head


def test_an_urgent_item_also_texts_the_reviewers_at_once(sent, org):
    org.dispatcher.phone = "13800001111"
    org.dispatcher.save()
    sent(is_urgent=True, kind="warning")
    notice = Notification.objects.get(user=org.dispatcher)
    assert notice.kind == "report_urgent" and notice.title.startswith("【紧急】")
    sms = OutboundSms.objects.get(phone="13800001111")
    assert "东湖镇" in sms.text and "预警信息" in sms.text and "排查" not in sms.text  # no title by SMS


def test_adopt_with_level_score_and_note_tells_the_author(sent, org):
    item = submission_adopt(
        submission=sent(), actor=org.dispatcher, adoption_level="city", score=8, note="编入市局第5期简报"
    )
    assert item.status == SubmissionStatus.ADOPTED and item.adoption_level == "city" and item.score == 8
    version = item.versions.get()
    assert version.outcome == VersionOutcome.ADOPTED and version.reviewed_by == org.dispatcher
    assert version.review_note == "编入市局第5期简报"
    notice = Notification.objects.get(kind="report_adopted")
    assert notice.user == org.town_handler and "采用" in notice.title
    audit = AuditLog.objects.get(action="report_adopt")
    assert audit.user == org.dispatcher and audit.detail["level"] == "city" and audit.detail["version"] == 1


def test_adopt_defaults_to_the_reviewing_bureaus_level(sent, org):
    assert submission_adopt(submission=sent(), actor=org.county_head).adoption_level == "county"


def test_return_needs_reasons_and_changes_nothing_without(sent, org):
    item = sent()
    with pytest.raises(ValidationError) as caught:
        submission_return(submission=item, actor=org.dispatcher, reasons="  ")
    assert caught.value.message_dict == {"reasons": ["退回须写明理由。"]}
    item.refresh_from_db()
    assert item.status == SubmissionStatus.SUBMITTED and not AuditLog.objects.filter(action="report_return")


def test_return_then_revise_and_resend_keeps_every_version(sent, org):
    item = sent()
    original = (item.title, item.body)
    item = submission_return(submission=item, actor=org.dispatcher, reasons="数据不准确，请核实后重报。")
    assert item.status == SubmissionStatus.RETURNED and item.review_note == "数据不准确，请核实后重报。"
    returned = Notification.objects.get(kind="report_returned")
    assert returned.user == org.town_handler and "数据不准确" in returned.body
    assert AuditLog.objects.get(action="report_return").detail["note"] == "数据不准确，请核实后重报。"

    item = _revise(
        item, org.town_handler, title="东湖镇矛盾纠纷排查情况（修改稿）", body="共排查11件，化解10件。"
    )
    item = submission_submit(submission=item, actor=org.town_handler)
    assert item.status == SubmissionStatus.SUBMITTED and item.version_count == 2
    assert item.review_note == "" and item.reviewed_by is None  # the new version awaits a fresh decision

    first, second = item.versions.order_by("number")
    assert (first.title, first.body) == original
    assert first.outcome == VersionOutcome.RETURNED and first.review_note == "数据不准确，请核实后重报。"
    assert second.title == "东湖镇矛盾纠纷排查情况（修改稿）" and second.outcome == VersionOutcome.PENDING

    submission_adopt(submission=item, actor=org.dispatcher, expected_version=2)
    first.refresh_from_db()
    assert first.outcome == VersionOutcome.RETURNED and first.body == original[1]
    assert [v.outcome for v in item.versions.order_by("number")] == ["returned", "adopted"]


def test_a_sent_version_cannot_be_changed(sent, org):
    version = sent().versions.get()
    version.title = "改过的标题"
    with pytest.raises(ValidationError):
        version.save()
    with pytest.raises(ValidationError):
        version.save(update_fields=["title"])
    assert SubmissionVersion.objects.get(pk=version.pk).title != "改过的标题"


def test_a_sent_item_cannot_be_edited_until_returned(sent, org):
    item = sent()
    with pytest.raises(SubmissionConflict):
        _revise(item, org.town_handler, title="偷偷修改")
    assert Submission.objects.get(pk=item.pk).title != "偷偷修改"


def test_adopted_is_final_and_a_second_decision_is_a_conflict(sent, org):
    item = submission_adopt(submission=sent(), actor=org.dispatcher)
    with pytest.raises(SubmissionConflict):
        submission_return(submission=item, actor=org.county_head, reasons="再退回")
    with pytest.raises(SubmissionConflict):
        submission_submit(submission=item, actor=org.town_handler)
    assert item.versions.get().outcome == VersionOutcome.ADOPTED


def test_a_review_of_an_older_version_is_refused(sent, org):
    item = sent()
    submission_return(submission=item, actor=org.dispatcher, reasons="请补充")
    submission_submit(submission=item, actor=org.town_handler)
    with pytest.raises(SubmissionConflict, match="第2次"):
        submission_adopt(submission=item, actor=org.county_head, expected_version=1)


def test_who_may_review_and_send(sent, draft, org, settings):
    item = sent()
    for outsider in (org.registrar, org.town_head, org.city_leader, org.other_registrar):
        with pytest.raises(PermissionDenied):
            submission_adopt(submission=item, actor=outsider)
    with pytest.raises(PermissionDenied):
        submission_submit(submission=draft(), actor=org.police_handler)

    settings.REPORT_SIGNOFF_REQUIRED = True
    with pytest.raises(PermissionDenied, match="负责人"):
        submission_submit(submission=draft(), actor=org.town_handler)
    assert submission_submit(submission=draft(), actor=org.town_head).signer == org.town_head


def test_only_a_never_sent_draft_may_be_deleted(draft, sent, org):
    item = draft()
    submission_delete(submission=item, actor=org.town_handler)
    assert not Submission.objects.filter(pk=item.pk).exists()
    returned = submission_return(submission=sent(), actor=org.dispatcher, reasons="重写")
    with pytest.raises(SubmissionConflict):
        submission_delete(submission=returned, actor=org.town_handler)


def test_the_county_bureau_reports_to_the_city(draft, org):
    item = submission_submit(
        submission=draft(actor=org.registrar, unit=org.county, kind="bulletin"), actor=org.registrar
    )
    assert item.to_unit == org.city
    with pytest.raises(PermissionDenied):
        submission_adopt(submission=item, actor=org.dispatcher)  # the county does not review itself
    assert submission_adopt(submission=item, actor=org.city_head).adoption_level == "city"
