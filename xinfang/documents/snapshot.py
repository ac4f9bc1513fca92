"""The rendering context of a paper ("snapshot"): plain JSON built from the case, and its masked form.

Shape (what a template may use):
    case.{number, query_code, title, summary, demands, received_on, registered_at, channel, purpose,
          category, issue_address, headcount, is_anonymous, protects_identity}
    petitioner.{name, id_type, id_number, phone, address}     the primary petitioner ("" if anonymous)
    petitioners[].{name, id_type, id_number, phone, address, is_primary, is_representative}
    petitioner_names                                          "张三、李四"
    unit.{name, short_name, phone}                            the issuing unit
    doc.{kind, kind_label, number, issued_on, year, serial}
    extra.{…}                                                 the step data (choices.EXTRA_KEYS)
    identity_masked                                           True when identity is replaced by （依法保密）
Dates are ISO strings; templates format them with `|cndate`.
"""

import copy
import datetime

from django.utils import timezone

from xinfang.documents.choices import EXTRA_KEYS, MASK, NUMBER_ABBR, DocKind

SUMMARY_CHARS = 300
IDENTITY_FIELDS = ("name", "id_number", "phone", "address")


def _plain(value):
    """JSON-safe: dates to ISO strings, lists kept, everything else to text; None dropped by callers."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value if item is not None]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    return str(value)


def normalise_extra(extra: dict | None) -> dict:
    return {str(key): _plain(value) for key, value in (extra or {}).items() if value is not None}


def _summary(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS] + "……"


def _person(petitioner) -> dict:
    return {
        "name": petitioner.name,
        "id_type": petitioner.id_type.name if petitioner.id_type_id else "",
        "id_number": petitioner.id_number,
        "phone": petitioner.phone,
        "address": petitioner.address,
        "is_primary": petitioner.is_primary,
        "is_representative": petitioner.is_representative,
    }


EMPTY_PERSON = {"name": "", "id_type": "", "id_number": "", "phone": "", "address": ""}


def case_snapshot(
    *, case, kind: str, unit, number: str, issued_on: datetime.date, serial: int, extra
) -> dict:
    people = [_person(p) for p in case.petitioners.select_related("id_type").order_by("-is_primary", "id")]
    return {
        "case": {
            "number": case.number,
            "query_code": case.query_code,
            "title": case.title,
            "summary": _summary(case.content),
            "demands": case.demands,
            "received_on": _plain(case.received_on),
            "registered_at": _plain(case.registered_at),
            "channel": case.channel.name,
            "purpose": case.purpose.name,
            "category": case.category.name if case.category_id else "",
            "issue_address": case.issue_address,
            "headcount": case.headcount,
            "is_anonymous": case.is_anonymous,
            "protects_identity": case.protects_identity,
        },
        "petitioner": dict(people[0]) if people else dict(EMPTY_PERSON),
        "petitioners": people,
        "petitioner_names": "、".join(p["name"] for p in people),
        "unit": {"name": unit.name, "short_name": unit.short_name, "phone": unit.contact_phone},
        "doc": {
            "kind": kind,
            "kind_label": str(DocKind(kind).label),
            "number": number,
            "issued_on": issued_on.isoformat(),
            "year": issued_on.year,
            "serial": serial,
        },
        "extra": normalise_extra(extra),
        "identity_masked": False,
    }


def _secrets(snapshot: dict) -> list[str]:
    """Every identity value (and the 查询码, the petitioner's own key), longest first."""
    values = set()
    for person in [snapshot.get("petitioner") or {}, *snapshot.get("petitioners", [])]:
        values.update(person.get(field) or "" for field in IDENTITY_FIELDS)
    values.add(snapshot.get("case", {}).get("query_code") or "")
    return sorted((v for v in values if len(v) >= 2), key=len, reverse=True)


def _scrub(value, secrets: list[str]):
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
        return value
    if isinstance(value, list):
        return [_scrub(item, secrets) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, secrets) for key, item in value.items()}
    return value


def mask_identity(snapshot: dict) -> dict:
    """A copy with the petitioner's name, ID number, phone and address replaced by （依法保密）.

    Beyond the identity fields themselves, every other text (the case title, the summary, the step
    data) is scrubbed of those values too: a 检举 letter often names its writer in its own text
    (2022 条例 §30 ¶3, §46(五)).
    """
    secrets = _secrets(snapshot)
    masked = copy.deepcopy(snapshot)
    for person in [masked.get("petitioner") or {}, *masked.get("petitioners", [])]:
        for field in IDENTITY_FIELDS:
            if person.get(field):
                person[field] = MASK
    if masked.get("petitioner_names"):
        masked["petitioner_names"] = MASK
    if masked.get("case", {}).get("query_code"):
        masked["case"]["query_code"] = MASK
    masked = _scrub(masked, secrets)
    masked["identity_masked"] = True
    return masked


SAMPLE_EXTRA = {
    "accepted_on": "2026-03-02",
    "route": "本机关将组织调查核实，依照《信访工作条例》第三十二条的规定作出处理意见，并书面答复你（们）。",
    "handle_due_on": "2026-05-01",
    "reason": "你（们）反映的拖欠工资问题属于劳动保障监察事项",
    "basis": "《中华人民共和国劳动法》第五十条",
    "final_case_number": "99012120250105000001",
    "to_unit": "东湖镇人民政府",
    "copies": ["示范县人力资源和社会保障局", "示范县住房和城乡建设局"],
    "due_on": "2026-03-20",
    "note": "请依法妥善处理",
    "requires_report": True,
    "old_due_on": "2026-05-01",
    "new_due_on": "2026-05-31",
    "days": 30,
    "outcome": "支持",
    "facts": "经调查核实，某建筑公司确实拖欠信访人工资三个月，共计人民币一万八千元。",
    "text": "责成某建筑公司于2026年4月15日前足额支付所欠工资。",
    "remedy": "如不服本意见，可以自收到本意见书之日起30日内向示范县人民政府请求复查。",
    "approved_by": "李四",
    "assign_doc_number": "示范县信访局信交〔2026〕12号",
    "signer": "王五",
    "contact": "赵六，0999-1234567",
    "served_document": "关于张某某信访事项的处理意见（东湖镇信意〔2026〕3号）",
    "method": "直接送达",
    "served_on": "2026-04-02",
    "served_by": "孙七、周八",
    "signed": True,
    "refused": False,
    "petitioner_opinion": "同意",
    "triggers": ["无正当理由超期未办结", "推诿、敷衍、拖延"],
    "requested_action": "请立即组织核查，督促用工单位足额支付拖欠工资，并将办理结果书面回复。",
    "is_listed": False,
    "measures": [],
    "round": 1,
    "previous_number": "",
}
# Where one kind's sample reads better with its own wording.
SAMPLE_EXTRA_BY_KIND = {
    DocKind.NOT_ACCEPT_NOTICE: {
        "reason": "你（们）反映的事项已由示范县人力资源和社会保障局依法受理，目前尚在办理期限内",
        "basis": "《信访工作条例》第十九条",
        "route": "等待示范县人力资源和社会保障局的书面答复",
    },
    DocKind.NO_LONGER_NOTICE: {"reason": "", "basis": "", "route": "依法向人民法院提起诉讼"},
    DocKind.INFORM_NOTICE: {
        "basis": "《信访工作条例》第三十一条",
        "route": "向示范县人力资源和社会保障局劳动保障监察大队投诉，或者向劳动人事争议仲裁委员会申请仲裁",
    },
    DocKind.EXTENSION_NOTICE: {"reason": "该事项涉及多个用工主体，需进一步调取工资发放记录"},
    DocKind.RECHECK_OPINION: {
        "remedy": "如不服本复查意见，可以自收到本意见书之日起30日内向示范市人民政府请求复核。",
        "approved_by": "钱九",
    },
    DocKind.REREVIEW_OPINION: {"remedy": "", "approved_by": "吴十"},
    DocKind.COMPLETION_REPORT: {"to_unit": "示范县信访局"},
    DocKind.SUPERVISION_LETTER: {
        "facts": "该信访事项于2026年3月2日交你单位办理，办理期限已于2026年5月1日届满，至今未出具处理意见。",
        "due_on": "2026-05-31",
    },
}


def sample_snapshot(kind: str) -> dict:
    """A complete, made-up context for checking and previewing a template (no real person in it)."""
    person = {
        "name": "张某某",
        "id_type": "居民身份证",
        "id_number": "990121198001011234",
        "phone": "13900000000",
        "address": "示范县东湖镇某村1号",
        "is_primary": True,
        "is_representative": False,
    }
    return {
        "case": {
            "number": "99012120260301000001",
            "query_code": "1234567890",
            "title": "反映拖欠工资问题",
            "summary": "本人在某建筑工地务工，工资被拖欠三个月，多次讨要未果。",
            "demands": "请求督促用工单位支付拖欠的工资。",
            "received_on": "2026-03-01",
            "registered_at": "2026-03-01T09:30:00+08:00",
            "channel": "来信",
            "purpose": "申诉求决",
            "category": "拖欠工资",
            "issue_address": "示范县东湖镇",
            "headcount": 1,
            "is_anonymous": False,
            "protects_identity": False,
        },
        "petitioner": {k: v for k, v in person.items() if k in EMPTY_PERSON},
        "petitioners": [person],
        "petitioner_names": person["name"],
        "unit": {"name": "示范县信访局", "short_name": "示范县信访", "phone": "0999-1234567"},
        "doc": {
            "kind": kind,
            "kind_label": str(DocKind(kind).label),
            "number": f"示范县信访信{NUMBER_ABBR[kind]}〔2026〕1号",
            "issued_on": "2026-03-05",
            "year": 2026,
            "serial": 1,
        },
        "extra": {
            key: SAMPLE_EXTRA_BY_KIND.get(kind, {}).get(key, SAMPLE_EXTRA[key]) for key in EXTRA_KEYS[kind]
        },
        "identity_masked": False,
    }
