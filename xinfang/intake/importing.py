"""Import of historical cases from .xlsx (issue 6 §6): the template, the upload check, the job.

The worker streams the sheet twice with openpyxl's read-only reader (bounded memory): first it checks
every row and, if any is wrong, writes a report (.xlsx with 错误说明) and imports nothing; otherwise it
imports every row in one transaction with bulk inserts (cases, petitioners, CaseUnit links, a
REGISTERED event each, the search index). Numbers come from the importing unit's region and the historical 信访日期,
through the same gap-free CaseNumberSeq as `next_case_number`, allocated per prefix in bulk.
Historical cases are closed, so they get no clocks.
"""

import datetime
import hashlib
import io
import pickle
import secrets
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from xinfang.cases.choices import CaseStatus, CaseUnitRole, EventKind
from xinfang.cases.models import Case, CaseEvent, CaseNumberSeq, CaseUnit, Petitioner
from xinfang.cases.search import cases_index
from xinfang.common.bulk import rows_append
from xinfang.common.services import audit_record
from xinfang.common.validators import normalize_phone, normalize_resident_id
from xinfang.deadlines.selectors import rule_set_for_unit
from xinfang.intake.models import ImportJob, ImportStatus
from xinfang.intake.services import COLLECTIVE_HEADCOUNT, EARLIEST_RECEIVED_ON, registration_units
from xinfang.orgs.models import Region, Unit
from xinfang.reference.models import Category, Channel, IdType, Purpose

# (header, required, explanation) — the order of the template's columns.
COLUMNS = [
    ("信访日期", True, "必填。格式 YYYY-MM-DD，如 2021-03-15；不得早于1990-01-01或晚于今天。"),
    ("信访形式", True, "必填。填写名称或代码，见下方“信访形式”。"),
    ("信访目的", True, "必填。填写名称或代码，见下方“信访目的”。"),
    ("内容分类", False, "选填。当前分类版本的名称或代码，见下方“内容分类”。"),
    ("标题", True, "必填，不超过200字。"),
    ("信访内容", True, "必填。"),
    ("诉求", False, "选填。"),
    ("信访人姓名", True, "必填（匿名信访填“匿名”）。"),
    ("身份证号码", False, "选填。18位居民身份证号码，校验位须正确。"),
    ("联系电话", False, "选填。手机11位，或带区号的固定电话。"),
    ("住址", False, "选填，不超过200字。"),
    ("信访人数", False, "选填，正整数，默认1；5人及以上记为集体访。"),
    ("问题属地区划代码", False, "选填。6位或更长的行政区划代码，须在系统中存在。"),
    ("办理单位", False, "选填。系统中单位的全称；不填则为导入单位。"),
    ("办理状态", True, "必填。历史件的办理结果，见下方“办理状态”。"),
    ("办结日期", False, "选填。格式 YYYY-MM-DD，不早于信访日期；不填则取信访日期。"),
]
HEADERS = [c[0] for c in COLUMNS]
COL = {name: i for i, name in enumerate(HEADERS)}
ERROR_HEADER = "错误说明"
# Historical cases are finished: only closed statuses may be imported (no open clocks).
HISTORICAL_STATUSES = [
    CaseStatus.CLOSED,
    CaseStatus.INFORMED,
    CaseStatus.DIVERTED,
    CaseStatus.NOT_ACCEPTED,
    CaseStatus.NO_LONGER_ACCEPTED,
    CaseStatus.SETTLED,
    CaseStatus.FINAL,
    CaseStatus.ARCHIVED,
]
PROGRESS_EVERY = 1000
BATCH = 2000


def import_max_mb() -> int:
    return settings.IMPORT_MAX_MB


def import_max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


# --- the template -------------------------------------------------------------------------------


def template_bytes() -> bytes:
    """The template: headers and one example row, and a sheet explaining every column and the codes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "信访件"
    ws.append(HEADERS)
    channel = Channel.objects.filter(is_active=True, staff_can_register=True).order_by("code").first()
    purpose = Purpose.objects.order_by("code").first()
    ws.append(
        [
            "2021-03-15",
            channel.name if channel else "来信",
            purpose.name if purpose else "",
            "",
            "反映拖欠工资问题",
            "本人在某建筑工地务工，工资被拖欠三个月。",
            "请求督促支付工资",
            "张三",
            "",
            "13912345678",
            "东湖镇1号",
            1,
            "",
            "",
            str(CaseStatus.CLOSED.label),
            "2021-04-10",
        ]
    )
    for i, name in enumerate(HEADERS):
        ws.column_dimensions[chr(ord("A") + i)].width = max(12, len(name) * 3)
    help_ = wb.create_sheet("填写说明")
    help_.append(["列名", "是否必填", "说明"])
    for name, required, text in COLUMNS:
        help_.append([name, "必填" if required else "选填", text])
    help_.append([])
    help_.append(["信访形式", "代码", "名称"])
    for code, name in Channel.objects.filter(is_active=True, staff_can_register=True).values_list(
        "code", "name"
    ):
        help_.append(["", code, name])
    help_.append(["信访目的", "代码", "名称"])
    for code, name in Purpose.objects.values_list("code", "name"):
        help_.append(["", code, name])
    help_.append(["内容分类", "代码", "名称"])
    for code, name in _current_categories().values_list("code", "name"):
        help_.append(["", code, name])
    help_.append(["办理状态", "", "名称"])
    for status in HISTORICAL_STATUSES:
        help_.append(["", "", str(status.label)])
    help_.append(["办理单位", "", "单位全称"])
    for name in Unit.objects.order_by("name").values_list("name", flat=True):
        help_.append(["", "", name])
    help_.column_dimensions["A"].width = 18
    help_.column_dimensions["C"].width = 70
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _current_categories():
    return Category.objects.filter(version__is_current=True, is_active=True)


# --- the upload ---------------------------------------------------------------------------------


def check_xlsx(upload) -> bytes:
    """Return the file's bytes if it is an .xlsx by content (a zip with the OOXML parts), within the limit."""
    limit = import_max_mb() * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(_("文件超过%(mb)sMB的大小限制。") % {"mb": import_max_mb()}, code="too_big")
    data = upload.read()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, ValueError):
        names = set()
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise ValidationError(_("请上传Excel 2007及以上格式（.xlsx）的文件。"), code="not_xlsx")
    return data


def import_units(user) -> list[Unit]:
    return registration_units(user)


def get_import_job_for(user, pk: int) -> ImportJob:
    """The one gate for import jobs: those of a unit where the user may import; Http404 otherwise."""
    from django.http import Http404

    unit_ids = [unit.pk for unit in import_units(user)]
    job = ImportJob.objects.select_related("unit", "user").filter(pk=pk, unit__in=unit_ids).first()
    if job is None:
        raise Http404(_("导入任务不存在或无权查看。"))
    return job


def import_submit(*, user, unit: Unit, upload, request=None, via="web") -> ImportJob:
    """Store the file, create the job and queue it. Raises ValidationError (with `.job` for a repeat)."""
    if unit.pk not in {u.pk for u in import_units(user)}:
        raise PermissionDenied(_("您无权在该单位导入信访件。"))
    data = check_xlsx(upload)
    digest = hashlib.sha256(data).hexdigest()
    earlier = ImportJob.objects.filter(sha256=digest).first()
    if earlier is not None:
        raise _duplicate(earlier)
    from xinfang.intake.importing_tasks import run_import

    job = ImportJob(user=user, unit=unit, original_name=(upload.name or "import.xlsx")[:200], sha256=digest)
    job.file.save(f"{digest[:16]}.xlsx", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            job.save()
            audit_record(
                user=user,
                action="case_import_upload",
                obj=job,
                detail={"file": job.original_name, "sha256": digest, "unit": unit.pk},
                request=request,
                via=via,
            )
            transaction.on_commit(lambda: run_import.enqueue(job.pk))
    except IntegrityError:  # the same file uploaded twice at the same moment: the other one won
        job.file.delete(save=False)
        raise _duplicate(ImportJob.objects.get(sha256=digest)) from None
    return job


def _duplicate(earlier: ImportJob) -> ValidationError:
    exc = ValidationError(
        _("该文件已于%(when)s上传过（导入任务 #%(id)s），不再重复导入。")
        % {"when": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M"), "id": earlier.pk},
        code="duplicate",
    )
    exc.job = earlier
    return exc


# --- checking rows ------------------------------------------------------------------------------


@dataclass
class Row:
    received_on: datetime.date
    channel_id: int
    channel_name: str
    purpose_id: int
    category_id: int | None
    title: str
    content: str
    demands: str
    name: str
    id_number: str
    phone: str
    address: str
    headcount: int
    issue_region_id: str | None
    owner_unit_id: int
    status: str
    closed_on: datetime.date


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if len(text) != 10:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


class Lookups:
    """Reference data keyed by code and by name, loaded once per job."""

    def __init__(self, unit: Unit):
        self.unit = unit
        self.channels = {}
        for c in Channel.objects.filter(is_active=True, staff_can_register=True):
            self.channels[c.code] = self.channels[c.name] = c
        self.purposes = {}
        for p in Purpose.objects.all():
            self.purposes[p.code] = self.purposes[p.name] = p.pk
        self.categories = {}
        for c in _current_categories():
            self.categories[c.code] = self.categories[c.name] = c.pk
        by_name: dict[str, list[int]] = {}
        for pk, name in Unit.objects.values_list("pk", "name"):
            by_name.setdefault(name, []).append(pk)
        self.units = by_name
        self.statuses = {str(s.label): s.value for s in HISTORICAL_STATUSES}
        self.statuses.update({s.value: s.value for s in HISTORICAL_STATUSES})
        self.regions: dict[str, bool] = {}
        self.mobiles: dict[str, object] = {}

    def phone(self, raw: str) -> str:
        """normalize_phone, memoised per 7-digit 号段 for 11-digit mobiles (validity depends on the prefix)."""
        if len(raw) == 11 and raw.isdigit() and raw[0] == "1":
            key = raw[:7]
            verdict = self.mobiles.get(key)
            if verdict is None:
                try:
                    verdict = normalize_phone(raw) == raw
                except ValidationError as exc:
                    verdict = exc
                self.mobiles[key] = verdict
            if verdict is True:
                return raw
            if isinstance(verdict, ValidationError):
                raise verdict
        return normalize_phone(raw)

    def region_exists(self, code: str) -> bool:
        if code not in self.regions:
            self.regions[code] = Region.objects.filter(code=code).exists()
        return self.regions[code]


def check_row(values, lk: Lookups, today: datetime.date) -> tuple[Row | None, list[tuple[str, str]]]:
    """Validate one row; return (Row, []) or (None, [(column, message), ...])."""
    v = list(values) + [None] * (len(HEADERS) - len(values))
    errors: list[tuple[str, str]] = []

    def err(col, msg):
        errors.append((col, msg))

    received_on = _date(v[COL["信访日期"]])
    if _text(v[COL["信访日期"]]) == "":
        err("信访日期", _("必填项为空。"))
    elif received_on is None:
        err("信访日期", _("日期格式应为YYYY-MM-DD。"))
    elif received_on > today:
        err("信访日期", _("信访日期不能晚于今天。"))
    elif received_on < EARLIEST_RECEIVED_ON:
        err("信访日期", _("信访日期过早，请核对。"))
    channel = None
    text = _text(v[COL["信访形式"]])
    if not text:
        err("信访形式", _("必填项为空。"))
    else:
        channel = lk.channels.get(text)
        if channel is None:
            err("信访形式", _("未知的信访形式“%(v)s”。") % {"v": text[:40]})
    purpose_id = None
    text = _text(v[COL["信访目的"]])
    if not text:
        err("信访目的", _("必填项为空。"))
    else:
        purpose_id = lk.purposes.get(text)
        if purpose_id is None:
            err("信访目的", _("未知的信访目的“%(v)s”。") % {"v": text[:40]})
    category_id = None
    text = _text(v[COL["内容分类"]])
    if text:
        category_id = lk.categories.get(text)
        if category_id is None:
            err("内容分类", _("未知的内容分类“%(v)s”。") % {"v": text[:40]})
    title = _text(v[COL["标题"]])
    if not title:
        err("标题", _("必填项为空。"))
    elif len(title) > 200:
        err("标题", _("标题不能超过200个字。"))
    content = _text(v[COL["信访内容"]])
    if not content:
        err("信访内容", _("必填项为空。"))
    name = _text(v[COL["信访人姓名"]])
    if not name:
        err("信访人姓名", _("必填项为空。"))
    elif len(name) > 40:
        err("信访人姓名", _("姓名不能超过40个字。"))
    id_number = _text(v[COL["身份证号码"]])
    if id_number:
        try:
            id_number = normalize_resident_id(id_number)
        except ValidationError as exc:
            err("身份证号码", exc.messages[0])
    phone = _text(v[COL["联系电话"]])
    try:
        phone = lk.phone(phone)
    except ValidationError as exc:
        err("联系电话", exc.messages[0])
    address = _text(v[COL["住址"]])
    if len(address) > 200:
        err("住址", _("住址不能超过200个字。"))
    headcount = 1
    text = _text(v[COL["信访人数"]])
    if text:
        if text.isdigit() and 1 <= int(text) <= 100000:
            headcount = int(text)
        else:
            err("信访人数", _("信访人数应为正整数。"))
    region = _text(v[COL["问题属地区划代码"]]) or None
    if region and not (region.isdigit() and len(region) <= 12 and lk.region_exists(region)):
        err("问题属地区划代码", _("区划代码“%(v)s”不存在。") % {"v": region[:20]})
    owner_id = lk.unit.pk
    text = _text(v[COL["办理单位"]])
    if text:
        found = lk.units.get(text, [])
        if len(found) == 1:
            owner_id = found[0]
        elif not found:
            err("办理单位", _("未知的单位“%(v)s”。") % {"v": text[:40]})
        else:
            err("办理单位", _("单位名称“%(v)s”不唯一。") % {"v": text[:40]})
    status = None
    text = _text(v[COL["办理状态"]])
    if not text:
        err("办理状态", _("必填项为空。"))
    else:
        status = lk.statuses.get(text)
        if status is None:
            err(
                "办理状态",
                _("历史件的办理状态只能是：%(s)s。")
                % {"s": "、".join(str(s.label) for s in HISTORICAL_STATUSES)},
            )
    closed_on = received_on
    raw = v[COL["办结日期"]]
    if _text(raw):
        closed_on = _date(raw)
        if closed_on is None:
            err("办结日期", _("日期格式应为YYYY-MM-DD。"))
        elif closed_on > today:
            err("办结日期", _("办结日期不能晚于今天。"))
        elif received_on and closed_on < received_on:
            err("办结日期", _("办结日期不能早于信访日期。"))
    if errors:
        return None, errors
    return (
        Row(
            received_on=received_on,
            channel_id=channel.pk,
            channel_name=channel.name,
            purpose_id=purpose_id,
            category_id=category_id,
            title=title,
            content=content,
            demands=_text(v[COL["诉求"]]),
            name=name,
            id_number=id_number,
            phone=phone,
            address=address,
            headcount=headcount,
            issue_region_id=region,
            owner_unit_id=owner_id,
            status=status,
            closed_on=closed_on,
        ),
        [],
    )


class FileError(Exception):
    pass


def _rows(path):
    """(Excel row number, values) of the first sheet's data rows; checks the header row first."""
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise FileError(_("无法读取该Excel文件，请使用下载的模板填写。")) from exc
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # don't trust (or compute) the stated size: stream to the last row
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        got = [_text(h) for h in (header or ())]
        while got and not got[-1]:
            got.pop()
        if got != HEADERS:
            missing = [h for h in HEADERS if h not in got]
            extra = [h for h in got if h not in HEADERS]
            detail = []
            if missing:
                detail.append(_("缺少列：%(c)s") % {"c": "、".join(missing)})
            if extra:
                detail.append(_("多余的列：%(c)s") % {"c": "、".join(x[:20] for x in extra[:10])})
            if not detail:
                detail.append(_("列的顺序与模板不同"))
            raise FileError(
                _("表头与模板不一致（%(d)s）。请使用下载的模板，第一行为表头。") % {"d": "；".join(detail)}
            )
        for number, values in enumerate(it, start=2):
            if values is None or all(_text(x) == "" for x in values):
                continue
            yield number, values[: len(HEADERS)] if len(values) > len(HEADERS) else values
    finally:
        wb.close()


def _progress(job: ImportJob, **fields) -> None:
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    for k, val in fields.items():
        setattr(job, k, val)


def run_job(job: ImportJob) -> ImportJob:
    """Check every row; write the report or import everything in one transaction."""
    if job.is_finished:
        return job
    _progress(job, status=ImportStatus.CHECKING, started_at=timezone.now())
    lk = Lookups(job.unit)
    today = timezone.localdate()
    with tempfile.TemporaryFile() as spool:
        return _check_and_import(job, lk, today, spool)


def _check_and_import(job: ImportJob, lk: Lookups, today, spool) -> ImportJob:
    """Pass 1 checks every row and spools the checked rows (pickled tuples) to a temporary file, so the
    import (pass 2) neither parses the sheet nor checks a row again; memory stays bounded."""
    errors: dict[int, list[tuple[str, str]]] = {}
    checked = 0
    prefixes: Counter = Counter()
    region6 = job.unit.region_id[:6]
    pending: list[tuple] = []
    try:
        with job.file.open("rb") as fh:
            for number, values in _rows(fh):
                checked += 1
                if checked > import_max_rows():
                    raise FileError(_("文件超过%(n)s行的上限，请分批导入。") % {"n": import_max_rows()})
                row, problems = check_row(values, lk, today)
                if problems:
                    errors[number] = problems
                    pending.clear()
                elif not errors:
                    prefixes[f"{region6}{row.received_on:%Y%m%d}"] += 1
                    pending.append(tuple(vars(row).values()))
                    if len(pending) >= BATCH:
                        pickle.dump(pending, spool, protocol=pickle.HIGHEST_PROTOCOL)
                        pending.clear()
                if checked % PROGRESS_EVERY == 0:
                    _progress(job, rows_checked=checked, errors_count=len(errors))
    except FileError as exc:
        return _finish(job, ImportStatus.INVALID, file_error=str(exc), rows_checked=checked, errors_count=1)
    if pending:
        pickle.dump(pending, spool, protocol=pickle.HIGHEST_PROTOCOL)
        pending.clear()
    spool.seek(0)
    _progress(job, rows_checked=checked, total_rows=checked, errors_count=len(errors))
    if checked == 0:
        return _finish(job, ImportStatus.INVALID, file_error=_("文件中没有数据行。"), errors_count=1)
    full = [p for p, n in prefixes.items() if n > 99999]
    if errors or full:
        if full:
            return _finish(job, ImportStatus.INVALID, file_error=_("同一天的信访件超过99999件，无法编号。"))
        _write_report(job, errors)
        return _finish(job, ImportStatus.INVALID)
    _progress(job, status=ImportStatus.IMPORTING)
    try:
        imported = _import_all(job, prefixes, spool)
    except Exception as exc:
        _finish(job, ImportStatus.FAILED, file_error=_("导入失败，已全部撤销：%(e)s") % {"e": str(exc)[:200]})
        raise
    return _finish(job, ImportStatus.DONE, rows_imported=imported)


def _finish(job: ImportJob, status: str, **fields) -> ImportJob:
    _progress(job, status=status, finished_at=timezone.now(), **fields)
    audit_record(
        user=job.user,
        action="case_import_done" if status == ImportStatus.DONE else "case_import_refused",
        obj=job,
        detail={
            "status": status,
            "rows": job.total_rows,
            "imported": job.rows_imported,
            "errors": job.errors_count,
            "file_error": job.file_error,
        },
        via="job",
    )
    return job


def _write_report(job: ImportJob, errors: dict[int, list[tuple[str, str]]]) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("校验结果")
    ws.append(["行号", ERROR_HEADER, *HEADERS])
    with job.file.open("rb") as fh:
        for number, values in _rows(fh):
            problems = errors.get(number)
            if problems:
                text = "；".join(f"第{number}行“{col}”：{msg}" for col, msg in problems)
                ws.append([number, text, *[_cell(x) for x in values]])
    out = io.BytesIO()
    wb.save(out)
    job.report.save(f"report-{job.pk}.xlsx", ContentFile(out.getvalue()), save=False)
    ImportJob.objects.filter(pk=job.pk).update(report=job.report.name)


def _cell(value):
    if isinstance(value, str) and value[:1] in "=+-@":
        return "'" + value  # never hand a formula back to Excel
    return value


def _query_codes(n: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < n:
        fresh = {f"{secrets.randbelow(9 * 10**9) + 10**9}" for _ in range(n - len(codes))} - codes
        fresh_list = list(fresh)
        for i in range(0, len(fresh_list), 900):
            chunk = fresh_list[i : i + 900]
            fresh -= set(Case.objects.filter(query_code__in=chunk).values_list("query_code", flat=True))
        codes |= fresh
    return list(codes)


def _spooled(spool):
    while True:
        try:
            chunk = pickle.load(spool)  # noqa: S301 — our own temporary file, written just before
        except EOFError:
            return
        for values in chunk:
            yield Row(*values)


@transaction.atomic
def _import_all(job: ImportJob, prefixes: Counter, spool) -> int:
    # Serials: one row per prefix, locked, bumped by that day's count (gap-free like next_case_number).
    CaseNumberSeq.objects.bulk_create(
        [CaseNumberSeq(prefix=p, last=0) for p in prefixes], ignore_conflicts=True
    )
    seqs = list(CaseNumberSeq.objects.select_for_update().filter(prefix__in=list(prefixes)))
    nxt = {}
    for seq in seqs:
        if seq.last + prefixes[seq.prefix] > 99999:
            raise ValidationError(_("编号已用尽：%(p)s") % {"p": seq.prefix})
        nxt[seq.prefix] = seq.last
        seq.last += prefixes[seq.prefix]
    CaseNumberSeq.objects.bulk_update(seqs, ["last"], batch_size=500)
    codes = iter(_query_codes(sum(prefixes.values())))
    rule_set = rule_set_for_unit(job.unit)
    resident = IdType.objects.filter(code=IdType.RESIDENT_ID).first()
    region6 = job.unit.region_id[:6]
    tz = timezone.get_current_timezone()
    imported = 0
    batch: list[tuple[Case, Row]] = []

    def flush():
        nonlocal imported
        cases = Case.objects.bulk_create([c for c, _ in batch])
        # The children need no ids back: appended by COPY (PostgreSQL) / executemany (SQLite).
        resident_id = resident.pk if resident else None
        rows_append(
            Petitioner,
            ["case_id", "name", "id_type_id", "id_number", "phone", "address", "is_primary"],
            (
                (c.pk, r.name, resident_id if r.id_number else None, r.id_number, r.phone, r.address, True)
                for c, r in batch
            ),
        )
        links = []
        for c, _r in batch:
            links.append((c.pk, job.unit_id, CaseUnitRole.REGISTERED.value))
            links.append((c.pk, c.owner_unit_id, CaseUnitRole.HOLDER.value))
        rows_append(CaseUnit, ["case_id", "unit_id", "role"], links)
        now = timezone.now()
        rows_append(
            CaseEvent,
            ["case_id", "kind", "actor_id", "unit_id", "to_status", "data", "created_at"],
            (
                (
                    c.pk,
                    EventKind.REGISTERED.value,
                    job.user_id,
                    job.unit_id,
                    c.status,
                    {"number": c.number, "channel": r.channel_name, "imported": job.pk},
                    now,
                )
                for c, r in batch
            ),
        )
        cases_index(cases)
        imported += len(batch)
        batch.clear()

    for row in _spooled(spool):
        prefix = f"{region6}{row.received_on:%Y%m%d}"
        nxt[prefix] += 1
        at = datetime.datetime.combine(row.received_on, datetime.time(9), tzinfo=tz)
        closed = datetime.datetime.combine(row.closed_on, datetime.time(17), tzinfo=tz)
        case = Case(
            number=f"{prefix}{nxt[prefix]:05d}",
            query_code=next(codes),
            channel_id=row.channel_id,
            purpose_id=row.purpose_id,
            category_id=row.category_id,
            title=row.title,
            content=row.content,
            demands=row.demands,
            issue_region_id=row.issue_region_id,
            received_on=row.received_on,
            registered_at=at,
            registered_by=job.user,
            registering_unit=job.unit,
            owner_unit_id=row.owner_unit_id,
            rule_set=rule_set,
            status=row.status,
            is_open=False,
            closed_at=closed,
            headcount=row.headcount,
            is_collective=row.headcount >= COLLECTIVE_HEADCOUNT,
        )
        batch.append((case, row))
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return imported
