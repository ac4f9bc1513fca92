"""The demo county (示范县): fictional regions, units, accounts and petition templates.

Everything here is invented for the demo. The codes start with 99, which GB/T 2260 does not use,
so a demo region can never be mistaken for a real one. The loader is `xinfang.common.demo`.
"""

from dataclasses import dataclass

DEMO_PASSWORD = "Demo@2026xf"  # noqa: S105 - printed on purpose: it is the demo's shared password
DEMO_SEED = 20260101
DEMO_CASE_COUNT = 200
DEMO_KEY_PREFIX = "demo-"  # Case.submission_key of every demo case: "demo-0001" …

PROVINCE = ("990000", "示范省")
CITY = ("990100", "示范市")
COUNTY = ("990121", "示范县")

CITY_BUREAU = "示范市信访局"
COUNTY_BUREAU = "示范县信访局"
COUNTY_RULE_SET = "zhejiang-2016"


@dataclass(frozen=True)
class Township:
    key: str
    name: str  # short name, e.g. 城关街道
    is_street: bool  # 街道 (communities) or 镇/乡 (villages)
    places: tuple[str, ...]  # 社区 or 村 in it

    @property
    def code(self) -> str:
        return f"{COUNTY[0]}{TOWNSHIPS.index(self) + 1:03d}"

    @property
    def unit_name(self) -> str:
        return f"{COUNTY[1]}{self.name}"


TOWNSHIPS: tuple[Township, ...] = (
    Township("chengguan", "城关街道", True, ("文昌社区", "锦绣社区", "春晖社区", "县前社区")),
    Township("donghu", "东湖镇", False, ("湖头村", "下洋村", "塘岸村", "新屋村")),
    Township("xiling", "西岭街道", True, ("西门社区", "岭下社区", "桂花社区")),
    Township("nanpu", "南浦街道", True, ("南浦社区", "江滨社区", "柳岸社区")),
    Township("beishan", "北山街道", True, ("北山社区", "松林社区", "和美社区")),
    Township("taoyuan", "桃源镇", False, ("桃源村", "前溪村", "后垟村", "石门村")),
    Township("qingshi", "青石镇", False, ("青石村", "水口村", "庙后村")),
    Township("baisha", "白沙镇", False, ("白沙村", "沙埠村", "横路村")),
    Township("meixi", "梅溪镇", False, ("梅坞村", "溪头村", "樟树下村")),
    Township("qingquan", "清泉镇", False, ("泉口村", "高桥村", "上岙村")),
    Township("longtan", "龙潭镇", False, ("龙潭村", "大岙村", "车头村")),
    Township("shiqiao", "石桥镇", False, ("石桥村", "东岸村", "竹山村")),
    Township("fenglin", "枫林镇", False, ("枫林村", "黄泥塘村", "里洋村")),
    Township("yunling", "云岭乡", False, ("云岭村", "西坑村", "岭脚村")),
    Township("zhuwu", "竹坞乡", False, ("竹坞村", "茶园村", "坑口村")),
    Township("shuangxi", "双溪乡", False, ("双溪村", "合水村", "田垟村")),
    Township("huangao", "黄岙乡", False, ("黄岙村", "外岙村", "山后村")),
    Township("jinzhu", "金竹乡", False, ("金竹村", "平田村", "柿树坪村")),
)


@dataclass(frozen=True)
class Department:
    key: str
    short_name: str  # 县公安局
    phone_tail: str

    @property
    def unit_name(self) -> str:
        return f"{COUNTY[1]}{self.short_name[1:]}"  # 县公安局 → 示范县公安局


DEPARTMENTS: tuple[Department, ...] = (
    Department("gaj", "县公安局", "6110"),
    Department("zrj", "县自然资源和规划局", "6120"),
    Department("zjj", "县住房和城乡建设局", "6130"),
    Department("rsj", "县人力资源和社会保障局", "6140"),
    Department("jyj", "县教育局", "6150"),
    Department("wjj", "县卫生健康局", "6160"),
    Department("hbj", "县生态环境分局", "6170"),
    Department("jtj", "县交通运输局", "6180"),
    Department("scj", "县市场监督管理局", "6190"),
    Department("mzj", "县民政局", "6210"),
    Department("nyj", "县农业农村局", "6220"),
    Department("zfj", "县综合行政执法局", "6230"),
    Department("czj", "县财政局", "6240"),
    Department("slj", "县水利局", "6250"),
    Department("sfj", "县司法局", "6260"),
)


@dataclass(frozen=True)
class Account:
    username: str
    full_name: str
    unit: str  # "city", "county", a township key or a department key
    roles: tuple[str, ...]
    phone: str
    is_superuser: bool = False


ACCOUNTS: tuple[Account, ...] = (
    Account("admin", "郑文涛", "county", ("admin",), "13905710001", is_superuser=True),
    Account("xfj_dengji", "陈晓燕", "county", ("registrar",), "13905710002"),
    Account("xfj_banxin", "王建峰", "county", ("dispatcher",), "13905710003"),
    Account("xfj_duban", "林国华", "county", ("supervisor",), "13905710004"),
    Account("xfj_fuzeren", "周立群", "county", ("unit_head",), "13905710005"),
    Account("xfj_lingdao", "吴志明", "county", ("leader",), "13905710006"),
    Account("shi_dengji", "潘雅琴", "city", ("registrar",), "13905710011"),
    Account("shi_banxin", "金海平", "city", ("dispatcher",), "13905710012"),
    Account("shi_lingdao", "楼正刚", "city", ("leader",), "13905710013"),
    Account("shi_fuzeren", "孙丽华", "city", ("unit_head",), "13905710014"),
    Account("chengguan_xfy", "叶晓丽", "chengguan", ("registrar", "handler"), "13905710021"),
    Account("chengguan_fzr", "徐卫东", "chengguan", ("unit_head",), "13905710022"),
    Account("donghu_xfy", "胡春燕", "donghu", ("registrar", "handler"), "13905710023"),
    Account("donghu_fzr", "蒋国强", "donghu", ("unit_head",), "13905710024"),
    Account("gaj_xfy", "方志勇", "gaj", ("registrar", "handler"), "13905710031"),
    Account("gaj_fzr", "邵建华", "gaj", ("unit_head",), "13905710032"),
    Account("zjj_xfy", "朱慧敏", "zjj", ("registrar", "handler"), "13905710033"),
    Account("zjj_fzr", "俞海林", "zjj", ("unit_head",), "13905710034"),
)

# Petitioners: common surnames of the region and given names (with the gender they usually go with).
SURNAMES = (
    "王", "陈", "张", "李", "林", "黄", "吴", "徐", "周", "胡", "金", "杨", "朱", "叶", "潘",
    "方", "何", "郑", "应", "蒋", "俞", "章", "毛", "邵", "楼", "钱", "孙", "赵", "沈", "施",
    "汪", "夏", "卢", "谢", "缪", "傅", "葛", "屠", "鲍", "柯",
)  # fmt: skip
MALE_GIVEN = (
    "建国", "国强", "伟民", "志刚", "海军", "永明", "春生", "根富", "德华", "立新", "宏伟", "金水",
    "小军", "子豪", "俊杰", "文斌", "海涛", "国良", "忠明", "顺发", "家乐", "明辉", "振宇", "阿荣",
)  # fmt: skip
FEMALE_GIVEN = (
    "丽华", "美娟", "秀英", "雅琴", "小芳", "春燕", "玉兰", "慧敏", "素珍", "彩娥", "月英", "晓红",
    "丹丹", "佳怡", "梦婷", "海燕", "爱琴", "巧玲", "雪芬", "菊仙", "静怡", "晓雯", "金凤", "碧云",
)  # fmt: skip
MOBILE_PREFIXES = ("139", "138", "137", "136", "135", "158", "159", "188", "187", "133", "153", "189", "177")

ESTATES = ("金桂园", "翠湖苑", "阳光花园", "锦江名城", "香樟华府", "东方名邸", "滨湖嘉园", "桃李春风苑")
COMPANIES = (
    "示范县恒顺纺织有限公司",
    "示范县鑫源五金制品厂",
    "示范县绿野食品有限公司",
    "示范县华盛塑业有限公司",
    "示范县远航汽配有限公司",
)
BUILDERS = ("示范县宏达建筑工程有限公司", "示范县立信建设集团有限公司", "示范县东升市政工程有限公司")
ROADS = ("人民路", "解放路", "环城东路", "新华路", "望湖路", "兴业大道", "学前街", "文化路")
SCHOOLS = ("县实验小学", "城关第二小学", "东湖镇中心小学", "县第三中学", "桃源镇中心学校")
ESTATE_MANAGERS = ("示范县安居物业服务有限公司", "示范县和家物业管理有限公司")


@dataclass(frozen=True)
class CaseTemplate:
    """One kind of petition. Placeholders: {town} {place} {estate} {company} {builder} {road} {school}
    {manager}.

    `target` is where the bureau sends it: "town" (the township where it happened, 属地管理) or a
    department key. `channels` are the usual ways it comes in; the first is the most common.
    """

    key: str
    title: str
    content: str
    demands: str
    category: tuple[str, str]  # (一级, 二级); the loader falls back to the first level, then none
    purpose: str
    channels: tuple[str, ...]
    target: str
    address: str = "{town}{place}"
    group: bool = False  # plausible as a group visit (集体访)
    accused: tuple[str, str, str] | None = None  # (姓名, 职务, 所在单位) of the person complained about
    rural: bool = False  # happens in a village, so only 镇/乡 (not 街道) fit
    urban: bool = False  # happens in a town estate, so only 街道 fit
    litigation: bool = False
    anonymous_ok: bool = False


TEMPLATES: tuple[CaseTemplate, ...] = (
    CaseTemplate(
        "demolition",
        "反映{place}旧村改造拆迁补偿款未足额发放",
        "我家位于{town}{place}，前年旧村改造时签订了房屋征收补偿协议，约定补偿款分两期支付。"
        "第一期款项已经到账，第二期二十余万元至今没有发放。多次到村委会询问，答复都是等上级拨款。"
        "家里两位老人一直在外租房，经济压力很大。",
        "请求督促有关部门按协议尽快支付剩余补偿款。",
        ("城乡建设", "拆迁安置"),
        "claim",
        ("visit", "letter"),
        "town",
        group=True,
    ),
    CaseTemplate(
        "wages",
        "反映{company}拖欠工人工资",
        "我们是{company}的一线工人，共二十多人。公司从去年十月起以资金周转困难为由拖欠工资，"
        "每人被欠三万元左右。老板现在电话不接，厂房也已经停工。临近年关，大家都等着这笔钱过日子。",
        "请求劳动保障监察部门介入，责令公司支付拖欠的工资。",
        ("劳动和社会保障", "拖欠工资"),
        "claim",
        ("visit", "call", "web"),
        "rsj",
        address="{town}工业功能区{company}",
        group=True,
    ),
    CaseTemplate(
        "bbq_noise",
        "{road}沿街烧烤店夜间噪音扰民",
        "{road}靠近{estate}一侧的几家烧烤店每天营业到凌晨两三点，食客喧哗，音响开得很大。"
        "临街住户长期无法正常休息，家里还有准备高考的孩子。打过几次电话投诉，当晚处理后第二天照旧。",
        "希望有关部门规范经营时间，切实解决夜间噪音问题。",
        ("生态环境", "噪声污染"),
        "claim",
        ("call", "web", "sms"),
        "zfj",
        address="示范县{road}{estate}旁",
        urban=True,
    ),
    CaseTemplate(
        "property_fee",
        "{estate}物业公司未经业主大会擅自上调物业费",
        "{estate}小区的{manager}在没有召开业主大会的情况下，贴出通知把物业费从每平方米一元二角上调到一元八角。"
        "小区电梯经常故障，绿化也无人打理，服务质量和收费明显不相称。"
        "业主提出异议后，物业称不交费就停用门禁卡。",
        "请求住建部门核查调价程序，督促物业公司改进服务。",
        ("城乡建设", "物业管理"),
        "claim",
        ("web", "letter", "call"),
        "zjj",
        address="示范县{road}{estate}小区",
        group=True,
        urban=True,
    ),
    CaseTemplate(
        "homestead",
        "{place}村民宅基地建房申请迟迟未审批",
        "我是{town}{place}村民，一家五口只有一间老房。去年三月提交了宅基地建房申请，村里已经公示通过。"
        "材料报到镇里后半年多没有消息，问了几次都说还在走程序。老房漏雨越来越严重，实在等不起了。",
        "请求尽快审批宅基地建房申请，并告知办理进度。",
        ("农村农业", "宅基地"),
        "claim",
        ("letter", "visit", "web"),
        "town",
        rural=True,
    ),
    CaseTemplate(
        "medical_insurance",
        "母亲异地住院费用报销比例偏低",
        "我母亲今年在省城住院做了心脏支架手术，总费用九万多元。回来报销时被告知没有办理异地就医备案，"
        "只能按较低比例报销。当时病情紧急，医院也没有提醒我们备案。",
        "请求按正常比例报销，或允许补办异地就医备案。",
        ("劳动和社会保障", "医疗保险"),
        "claim",
        ("web", "call", "visit"),
        "wjj",
    ),
    CaseTemplate(
        "school_place",
        "孩子小学入学被分配到离家较远的学校",
        "我家住{estate}，房产和户口都在学区范围内，今年孩子上小学却被分到离家六公里外的学校。"
        "同一栋楼另一户人家的孩子分在附近的{school}。不知道划片依据是什么，每天接送非常困难。",
        "请求教育局公开学区划分依据，重新核实孩子的入学安排。",
        ("教育", "入学招生"),
        "claim",
        ("web", "visit", "call"),
        "jyj",
        address="示范县{road}{estate}",
        urban=True,
    ),
    CaseTemplate(
        "factory_fumes",
        "{company}夜间排放刺鼻废气",
        "{town}工业功能区的{company}近两个月经常在夜间排放有刺鼻气味的废气，附近{place}的村民晚上不敢开窗。"
        "已有老人和小孩出现咳嗽、喉咙痛的情况。村民怀疑企业夜里偷停了废气处理设施。",
        "请求环保部门夜间突击检查，依法查处。",
        ("生态环境", "大气污染"),
        "accusation",
        ("call", "web", "letter"),
        "hbj",
        group=True,
        rural=True,
    ),
    CaseTemplate(
        "village_road",
        "{place}通村公路破损严重亟待维修",
        "从{town}集镇到{place}的通村公路有三公里多路面坑洼不平，下雨天积水很深。"
        "这条路是村民出行和孩子上学的必经之路，已经有好几个人骑电动车摔倒。",
        "建议尽快安排路面修补，最好在雨季前完成。",
        ("交通运输", "道路建设"),
        "suggestion",
        ("web", "letter", "call"),
        "jtj",
        rural=True,
    ),
    CaseTemplate(
        "dibao",
        "对低保申请被驳回有异议",
        "我丈夫去年中风后瘫痪在床，我本人患有慢性病干不了重活，儿子还在读高中。"
        "今年申请低保，村里评议通过后被镇里驳回，理由是家里登记有一辆面包车。"
        "那辆车是十多年前买的，早就不能上路了。",
        "请求重新核查家庭经济状况，依法纳入最低生活保障。",
        ("民政与应急", "最低生活保障"),
        "claim",
        ("visit", "letter"),
        "town",
        rural=True,
    ),
    CaseTemplate(
        "land_contract",
        "承包地未到期被村集体收回另行发包",
        "我家在{place}承包的两亩多水田，承包期还没到，村委会就以土地整理为名收回，重新发包给外地的种植大户。"
        "村里只给了一年的补偿，之后再没有说法。我们一家主要靠这几亩地种粮。",
        "请求恢复土地承包经营权，或按规定给予合理补偿。",
        ("农村农业", "土地承包"),
        "claim",
        ("letter", "visit"),
        "town",
        group=True,
        rural=True,
    ),
    CaseTemplate(
        "rooftop_build",
        "{estate}顶楼住户违法搭建阳光房",
        "{estate}有一户顶楼住户在楼顶平台搭建了四十平方米左右的钢结构阳光房，占用了公共屋面。"
        "搭建以后楼下住户的天花板开始渗水，楼顶的消防通道也被堵住。向物业反映后，物业表示无权处理。",
        "请求执法部门依法拆除违法建筑，恢复屋面原状。",
        ("城乡建设", "违章建筑"),
        "claim",
        ("web", "call", "letter"),
        "zfj",
        address="示范县{road}{estate}小区",
        urban=True,
    ),
    CaseTemplate(
        "breakfast_shop",
        "{road}一家早餐店卫生条件差",
        "{road}有一家早餐店后厨脏乱，苍蝇很多，炸油条的油长期不换。我前天在这家店吃过早餐后腹泻，"
        "同去的同事也有同样症状。店里没有看到健康证和营业执照公示。",
        "请求市场监管部门检查该店的食品安全状况。",
        ("市场监督", "食品安全"),
        "accusation",
        ("call", "sms", "web"),
        "scj",
        address="示范县{road}",
    ),
    CaseTemplate(
        "school_traffic",
        "{school}门口上下学时段交通混乱存在安全隐患",
        "{school}门口是双向两车道，每天放学时接送车辆乱停乱放，孩子们在车缝里穿行。"
        "附近没有信号灯，也没有减速带，上个月还有学生被电动车撞伤。",
        "建议增设减速带和人行横道，上下学时段安排警力疏导交通。",
        ("交通运输", "交通安全"),
        "suggestion",
        ("web", "call", "letter"),
        "gaj",
        address="示范县{road}{school}门口",
    ),
    CaseTemplate(
        "village_subsidy_fraud",
        "检举{place}村干部虚报冒领补助资金",
        "{place}村委会个别干部在发放农业补贴和困难补助时，把自己的亲属和已经去世的人员列进名单，冒领补助资金。"
        "村务公开栏上的名单和实际情况对不上，村民多次提出疑问都没有结果。",
        "请求调查核实，依规依纪严肃处理。",
        ("纪检监察", "违纪违法"),
        "accusation",
        ("letter", "web"),
        "town",
        accused=("陈某", "村委会主任", "{place}村民委员会"),
        anonymous_ok=True,
        rural=True,
    ),
    CaseTemplate(
        "land_requisition",
        "征地补偿安置费分配方案不公",
        "{place}部分土地去年被征收用于产业园建设。村里制定的补偿安置费分配方案把外嫁女和在读大学生排除在外，"
        "方案也没有经过村民代表大会表决。我们多次向村里反映，村干部让我们去找镇里。",
        "请求依法纠正分配方案，保障外嫁女等村民的合法权益。",
        ("自然资源", "土地征收"),
        "claim",
        ("visit", "letter"),
        "town",
        group=True,
        rural=True,
    ),
    CaseTemplate(
        "project_payment",
        "{builder}拖欠农民工工程款",
        "我们一班瓦工、木工去年在{builder}承建的{estate}二期工地干活，工程早已完工，包工头说总包方没有结算，"
        "二十多人的工钱一直拖着。现在包工头也联系不上了。",
        "请求督促总包单位和建设单位依法支付农民工工资。",
        ("劳动和社会保障", "拖欠工资"),
        "claim",
        ("visit", "call"),
        "rsj",
        address="示范县{road}{estate}二期工地",
        group=True,
    ),
    CaseTemplate(
        "pension_topup",
        "咨询灵活就业人员养老保险补缴政策",
        "我今年五十八岁，以前在外地打工，断断续续交过几年社保。想了解现在以灵活就业人员身份能不能补缴，"
        "补缴的年限和费用怎么计算，需要带哪些材料。",
        "请告知补缴政策和办理地点。",
        ("劳动和社会保障", "社会保险"),
        "consult",
        ("consult", "call", "web"),
        "rsj",
    ),
    CaseTemplate(
        "water_pressure",
        "{place}自来水水压低且经常停水",
        "今年夏天以来，{place}一带的自来水水压一直很低，二楼以上基本放不出水，一周要停水两三次，"
        "而且事先没有通知。家里老人做饭洗澡都很不方便。",
        "请求排查供水管网，保障正常供水，停水前提前通知。",
        ("城乡建设", "市政设施"),
        "claim",
        ("call", "web", "sms"),
        "slj",
    ),
    CaseTemplate(
        "river_garbage",
        "{place}河道垃圾堆积发臭",
        "{place}村口的河道里漂满了生活垃圾和水葫芦，天一热就散发臭味，还滋生蚊虫。"
        "河长公示牌上的电话打过几次，一直没有人来清理。",
        "请求尽快组织清理河道，建立长效保洁机制。",
        ("生态环境", "水污染"),
        "claim",
        ("web", "call", "forum"),
        "slj",
        rural=True,
    ),
    CaseTemplate(
        "pig_farm",
        "养猪场臭味影响周边村民生活",
        "{place}后山有一家养猪场，规模越来越大，猪粪直接排进旁边的水沟。刮东南风的时候整个村子都是臭味，"
        "水沟下游的稻田也受到污染。村民和场主沟通过几次，没有任何改善。",
        "请求核查养猪场的环评手续和粪污处理情况，依法处理。",
        ("生态环境", "水污染"),
        "claim",
        ("letter", "visit", "call"),
        "hbj",
        group=True,
        rural=True,
    ),
    CaseTemplate(
        "elevator_retrofit",
        "建议推进老旧小区加装电梯",
        "我住在{estate}，小区建于九十年代，住户里老年人占了一半以上，上下楼非常吃力。"
        "听说其他县市对加装电梯有补助，但我们不清楚怎么申请，楼里住户意见也不统一。",
        "建议出台加装电梯补助和协调办法，安排专人指导。",
        ("城乡建设", "住房保障"),
        "suggestion",
        ("web", "letter"),
        "zjj",
        address="示范县{road}{estate}小区",
        urban=True,
    ),
    CaseTemplate(
        "hospital_parking",
        "县人民医院周边停车收费过高",
        "县人民医院周边的停车场最近改由私人承包，收费从每小时两元涨到五元，而且不足一小时按一小时计算。"
        "病人家属陪护往往一停就是一整天，负担很重。",
        "请求核查停车收费标准是否经过批准，规范收费行为。",
        ("市场监督", "价格监管"),
        "claim",
        ("web", "call"),
        "scj",
        address="示范县{road}县人民医院周边",
    ),
    CaseTemplate(
        "late_delivery",
        "{estate}楼盘逾期交房",
        "我们是{estate}三期的购房业主，合同约定去年底交房，开发商至今没有交付，工地也时开时停。"
        "很多业主一边还房贷一边在外租房。开发商只说在办理验收，没有给出明确时间。",
        "请求督促开发商尽快交房，并按合同支付逾期违约金。",
        ("房产物业", "商品房"),
        "claim",
        ("visit", "web", "letter"),
        "zjj",
        address="示范县{road}{estate}三期",
        group=True,
        urban=True,
    ),
    CaseTemplate(
        "disability_allowance",
        "残疾人两项补贴连续几个月未到账",
        "我儿子是二级智力残疾，一直领取困难残疾人生活补贴和重度残疾人护理补贴。"
        "从今年四月开始补贴就没有再打到卡上，村里说是系统在调整，到现在也没有恢复。",
        "请求查明原因，补发停发期间的补贴。",
        ("民政与应急", "社会救助"),
        "claim",
        ("call", "letter", "visit"),
        "mzj",
    ),
    CaseTemplate(
        "paid_tutoring",
        "反映在职教师组织有偿补课",
        "{school}有老师在校外租了房子，周末和晚上给本班学生补课，每人每学期收费两千多元。"
        "老师上课时暗示不参加补课的学生跟不上，家长们敢怒不敢言。",
        "请求教育部门调查处理，严禁在职教师有偿补课。",
        ("教育", "教师管理"),
        "accusation",
        ("web", "letter"),
        "jyj",
        address="示范县{school}周边",
        accused=("吴某某", "教师", "{school}"),
        anonymous_ok=True,
    ),
    CaseTemplate(
        "treatment_dispute",
        "对县人民医院诊疗过程有异议",
        "我父亲因腹痛到县人民医院急诊，医生诊断为肠胃炎，输液后让回家。第二天病情加重，转院后确诊为阑尾穿孔。"
        "我们认为首诊存在误诊，和医院沟通多次，医院坚持诊疗没有问题。",
        "请求卫生健康部门组织调查，依法处理医疗纠纷。",
        ("卫生健康", "医疗纠纷"),
        "claim",
        ("visit", "letter"),
        "wjj",
        address="示范县{road}县人民医院",
    ),
    CaseTemplate(
        "clinic_medicine",
        "建议乡镇卫生院配齐常用药品",
        "{town}卫生院经常缺少降压药、降糖药等慢性病常用药，村里老人只好跑到县城医院开药，"
        "来回一趟要大半天。希望卫生院能保证常用药的供应。",
        "建议完善基层医疗机构的药品配备。",
        ("卫生健康", "医疗服务"),
        "suggestion",
        ("web", "letter", "call"),
        "wjj",
        address="示范县{town}卫生院",
    ),
    CaseTemplate(
        "taxi_refusal",
        "出租车拒载、绕路多收费",
        "我晚上从高铁站打车回{town}，连续两辆出租车拒载，第三辆不打表，一口价要八十元，平时打表只要四十元左右。"
        "车站排队的很多乘客都遇到类似情况。",
        "请求交通运输部门整治车站出租车秩序。",
        ("交通运输", "公共交通"),
        "claim",
        ("call", "web", "sms"),
        "jtj",
        address="示范县高铁站出租车候客区",
    ),
    CaseTemplate(
        "bus_route",
        "建议开通县城至{town}的公交线路",
        "{town}{place}离县城二十多公里，目前只有早晚两班中巴，学生和老人去县城很不方便。"
        "附近几个村的群众都希望能开通一条公交线路，或者增加班次。",
        "建议开通公交线路或增加中巴班次。",
        ("交通运输", "公共交通"),
        "suggestion",
        ("web", "forum", "letter"),
        "jtj",
        rural=True,
    ),
    CaseTemplate(
        "gym_prepaid",
        "健身房突然关门预付卡无法退款",
        "{road}的一家健身房上个月突然关门，门上贴着装修暂停营业的通知，老板联系不上。"
        "我办了三年的会员卡，花了四千多元，才用了几个月。像我这样的会员有一百多人。",
        "请求有关部门帮助会员追回预付费用。",
        ("市场监督", "消费维权"),
        "claim",
        ("web", "call", "visit"),
        "scj",
        address="示范县{road}",
        group=True,
    ),
    CaseTemplate(
        "fake_seeds",
        "购买的水稻种子出苗率低",
        "今年春耕我在{town}一家农资店买了一百斤杂交水稻种子，播下去出苗率不到四成，附近几户买同一批种子的也是这样。"
        "找店主理论，他说是天气原因，不肯赔偿。",
        "请求农业部门检测种子质量，责令经营者赔偿损失。",
        ("农村农业", "农业补贴"),
        "claim",
        ("visit", "call"),
        "nyj",
        group=True,
        rural=True,
    ),
    CaseTemplate(
        "neighbour_passage",
        "邻居建房占用通道引发纠纷",
        "我家和邻居共用一条一米多宽的通道，邻居今年翻建房屋时把围墙往外砌了半米，三轮车都进不了家门。"
        "双方吵了几次，调解员来过一次，没有结果。",
        "请求有关部门调解处理，恢复通道原状。",
        ("政法", "司法行政"),
        "claim",
        ("visit", "call"),
        "town",
        rural=True,
    ),
    CaseTemplate(
        "court_judgment",
        "对民间借贷案件判决不服",
        "我借给同村一人十五万元，有借条和转账记录，法院一审只支持了八万元，理由是部分转账用途不明。"
        "我认为判决不公，但上诉期已经过了。",
        "请求重新审理案件，支持全部借款本息。",
        ("政法", "诉讼案件"),
        "claim",
        ("letter", "visit"),
        "sfj",
        litigation=True,
    ),
    CaseTemplate(
        "gambling",
        "举报{place}有人聚众赌博",
        "{place}一处出租房里最近每天晚上都有十几个人聚在一起打牌赌钱，输赢很大，进出的车辆停满了村道。"
        "已经有村民因为赌博欠下外债，家里闹得不可开交。",
        "请求公安机关依法查处。",
        ("政法", "治安管理"),
        "accusation",
        ("call", "sms", "web"),
        "gaj",
        anonymous_ok=True,
        rural=True,
    ),
    CaseTemplate(
        "hukou",
        "咨询子女随迁落户政策",
        "我在{town}工作五年，已经买了房子，想把在老家读初中的孩子户口迁过来。"
        "请问需要满足什么条件，要准备哪些材料，到哪个窗口办理。",
        "请告知随迁落户的条件和流程。",
        ("政法", "治安管理"),
        "consult",
        ("consult", "call", "web"),
        "gaj",
    ),
    CaseTemplate(
        "subsidy_deducted",
        "惠农补贴一卡通资金被无故扣减",
        "我家种了六亩多粮食，往年耕地地力保护补贴都能按面积足额到账。今年一卡通上只收到一半，"
        "问村里说是面积核减了，但我们实际种植面积没有变化，也没有人来核实过。",
        "请求核实种植面积，补发被扣减的补贴。",
        ("农村农业", "农业补贴"),
        "claim",
        ("letter", "call"),
        "czj",
        rural=True,
    ),
    CaseTemplate(
        "pond_dam",
        "{place}山塘堤坝渗漏存在安全隐患",
        "{place}上游的山塘堤坝今年雨季出现了几处渗水点，坝脚一直在冒水。山塘下面就是村民的房子和村小学，"
        "大家都很担心汛期出事。",
        "建议尽快对山塘进行安全鉴定和除险加固。",
        ("民政与应急", "安全生产"),
        "suggestion",
        ("letter", "call", "web"),
        "slj",
        rural=True,
    ),
    CaseTemplate(
        "cemetery_fee",
        "公墓收费不透明",
        "我父亲去世后在县公墓购买墓穴，除了墓穴费，公墓又收了管理费、刻字费、绿化费等好几项费用，"
        "加起来比墓穴本身还贵，而且没有公示收费依据。",
        "请求核查公墓收费项目，公开收费标准。",
        ("民政与应急", "社会救助"),
        "claim",
        ("visit", "web"),
        "mzj",
        address="示范县公墓",
    ),
    CaseTemplate(
        "transfer_station",
        "垃圾中转站选址紧邻居民区",
        "{estate}东侧正在建设一座垃圾中转站，离最近的住宅楼不到三十米。住户担心以后臭味和噪音影响生活，"
        "项目开工前也没有征求周边居民的意见。",
        "请求重新论证中转站选址，公开项目审批信息。",
        ("城乡建设", "市政设施"),
        "claim",
        ("web", "visit", "forum"),
        "zfj",
        address="示范县{road}{estate}东侧",
        group=True,
        urban=True,
    ),
    CaseTemplate(
        "dilapidated_house",
        "申请农村危房改造补助",
        "我今年七十多岁，一个人住在{place}的老泥房里，墙体已经开裂，屋顶也漏雨。"
        "听说有农村危房改造补助，向村里提过两次，一直没有下文。",
        "请求鉴定房屋安全等级，按政策给予危房改造补助。",
        ("城乡建设", "住房保障"),
        "claim",
        ("letter", "visit"),
        "town",
        rural=True,
    ),
    CaseTemplate(
        "office_buckpassing",
        "反映{town}便民服务中心工作人员办事推诿",
        "我到{town}便民服务中心办理农业设施用地备案，材料准备齐全，窗口工作人员却让我先去找村里，"
        "村里又让我回中心，前后跑了五趟还没有办成。工作人员态度冷淡，也说不清楚还差什么。",
        "请求查处推诿扯皮行为，明确办理流程。",
        ("党务政务", "作风建设"),
        "accusation",
        ("web", "letter"),
        "town",
        address="示范县{town}便民服务中心",
        accused=("姓名不详", "窗口工作人员", "{town}便民服务中心"),
        anonymous_ok=True,
    ),
    CaseTemplate(
        "farmland_occupation",
        "{place}有人违法占用耕地建厂房",
        "{place}村口的一片基本农田最近被人用围墙圈了起来，正在浇筑地基，看样子是要建厂房。"
        "村民问过，说是村里租出去的，但没有看到任何审批手续。",
        "请求自然资源部门现场核查，依法制止违法占地。",
        ("自然资源", "土地征收"),
        "accusation",
        ("call", "web", "letter"),
        "zrj",
        anonymous_ok=True,
        rural=True,
    ),
    CaseTemplate(
        "forest_felling",
        "{place}后山林木被非法砍伐",
        "最近有人在{place}后山的公益林里砍树，每天都有货车把木头运出去，已经砍掉了一大片。"
        "村里护林员说不清楚有没有采伐证。",
        "请求林业主管部门查处非法采伐行为。",
        ("自然资源", "林业管理"),
        "accusation",
        ("call", "letter"),
        "zrj",
        rural=True,
    ),
    CaseTemplate(
        "streetlights",
        "{road}路灯长期不亮",
        "{road}从{estate}到学校这一段有十几盏路灯坏了两个多月，晚上一片漆黑，学生下晚自习很不安全。",
        "请求尽快维修路灯。",
        ("城乡建设", "市政设施"),
        "claim",
        ("sms", "call", "web"),
        "zfj",
        address="示范县{road}",
        urban=True,
    ),
    CaseTemplate(
        "old_estate_renovation",
        "{estate}老旧小区改造工期一拖再拖",
        "{town}{place}的{estate}列入今年的老旧小区改造，春节后就开始施工，外墙脚手架搭了半年还没拆。"
        "楼道里堆满建材，雨水管被拆掉后一直没有装回去，一下雨楼道就进水。问施工队，说要等街道安排。",
        "请求督促施工单位加快进度，先恢复雨水管和楼道通行。",
        ("城乡建设", "住房保障"),
        "claim",
        ("web", "call", "visit"),
        "town",
        address="{town}{place}{estate}",
        group=True,
        urban=True,
    ),
    CaseTemplate(
        "group_rental",
        "{estate}有住户违规群租存在消防隐患",
        "{estate}某幢一套一百平方米的房子被二房东隔成了八个小间，住了二十多人，电动车就在楼道里充电。"
        "晚上进出人员杂乱，楼上楼下的住户都很担心安全。向物业反映过，物业说管不了。",
        "请求街道和有关部门联合检查，消除消防安全隐患。",
        ("民政与应急", "安全生产"),
        "claim",
        ("call", "web", "sms"),
        "town",
        address="{town}{place}{estate}",
        urban=True,
    ),
    CaseTemplate(
        "owners_committee",
        "{estate}业主委员会换届选举程序不规范",
        "{estate}业主委员会换届时，筹备组没有公示候选人名单，投票也由物业工作人员挨家挨户上门收取，"
        "很多业主根本不知道选举的事。新一届业委会成立后马上和原物业续签了五年合同。",
        "请求街道指导重新组织选举，公开投票结果和续签合同。",
        ("城乡建设", "物业管理"),
        "claim",
        ("letter", "web", "visit"),
        "town",
        address="{town}{place}{estate}",
        group=True,
        urban=True,
    ),
)

TOWNSHIP_BY_KEY = {t.key: t for t in TOWNSHIPS}
DEPARTMENT_BY_KEY = {d.key: d for d in DEPARTMENTS}


@dataclass(frozen=True)
class Answer:
    """How the unit answers a kind of petition: the 处理意见书's outcome, legal basis, facts and decision.

    Placeholders as in CaseTemplate, plus {unit}: the answering unit's short name.
    """

    outcome: str  # OpinionOutcome: support / explain / reject
    basis: str
    facts: str
    text: str


ANSWERS: dict[str, Answer] = {
    "demolition": Answer(
        "support",
        "《浙江省土地管理条例》和{town}旧村改造补偿安置方案",
        "经核查，你（们）与{town}签订的房屋征收补偿协议合法有效，第二期补偿款因上级专项资金未及时拨付而延迟发放，情况属实。",
        "{town}已协调预拨专项资金，第二期补偿款将于三十日内足额发放到户，逾期部分按协议约定计付利息。",
    ),
    "wages": Answer(
        "support",
        "《保障农民工工资支付条例》第三条、第十五条",
        "经县劳动保障监察大队调查，{company}自去年十月起拖欠二十三名职工工资共计六十八万余元，情况属实。",
        "已向{company}下达责令改正决定书，责令其于十五日内足额支付；逾期不支付的，依法移送公安机关追究刑事责任。",
    ),
    "bbq_noise": Answer(
        "support",
        "《中华人民共和国噪声污染防治法》第六十四条",
        "经执法人员连续三个夜间实地检查，{road}沿街三家烧烤店存在深夜占道经营、使用高音音响的情况，夜间噪声超过标准。",
        "已责令三家店铺限期整改，室外经营时间限定至晚十点，并纳入夜间巡查重点；再次违规的，依法予以处罚。",
    ),
    "property_fee": Answer(
        "support",
        "《物业管理条例》第四十条和《浙江省物业管理条例》",
        "经查，{manager}此次上调物业费未经业主大会表决，也未按规定备案，程序不符合规定。",
        "已责令{manager}暂停执行新收费标准，多收费用予以退还或抵扣，并限期整改电梯维保和绿化养护问题。",
    ),
    "homestead": Answer(
        "explain",
        "《浙江省土地管理条例》和本县农村宅基地管理办法",
        "经查，你的宅基地建房申请已经村级公示，因所在地块涉及村庄规划调整，须待规划批复后方可审批，办理时间较长属实，但不存在故意拖延。",
        "村庄规划调整预计下月批复，批复后{town}将在二十个工作日内完成审批，并安排专人告知办理进度。",
    ),
    "medical_insurance": Answer(
        "explain",
        "本省基本医疗保险异地就医结算有关规定",
        "经查，你母亲急诊入院时未办理异地就医备案，按规定报销比例相应下调，结算本身符合规定。",
        "因急诊抢救在外地住院的，可在出院后六个月内补办备案并按正常比例重新结算。请携带急诊证明和出院小结到县医保服务窗口办理，工作人员将全程指导。",
    ),
    "school_place": Answer(
        "explain",
        "《中华人民共和国义务教育法》第十二条和本县义务教育招生入学实施办法",
        "经核实，你家所在楼栋属于两所学校的共享学区，学位不足时按本县招生办法统筹派位，本次安排符合规定。",
        "本县学区划分方案已在县教育局网站公示。你的孩子可于下学期申请转入就近学校，有空余学位时优先安排。",
    ),
    "factory_fumes": Answer(
        "support",
        "《中华人民共和国大气污染防治法》第九十九条",
        "经执法人员夜间突击检查，{company}存在废气处理设施未正常运行的情况，监测结果显示非甲烷总烃排放超标。",
        "已依法立案查处，责令该企业停产整改，验收合格前不得恢复生产，后续开展不定期夜间复查。",
    ),
    "village_road": Answer(
        "support",
        "《中华人民共和国公路法》第八条和本县“四好农村路”建设实施方案",
        "经现场踏勘，{town}集镇至{place}的通村公路约三点二公里路段存在坑槽、沉陷，影响通行安全。",
        "该路段已列入本年度农村公路大中修计划，将在雨季前完成路面修补，施工期间设置警示标志。",
    ),
    "dibao": Answer(
        "support",
        "《社会救助暂行办法》第九条和本省最低生活保障办法",
        "经入户调查核实，你家登记的面包车已报废多年，不应计入家庭财产；家庭人均收入低于本县最低生活保障标准。",
        "{town}已撤销原驳回决定，重新审核后将你家纳入最低生活保障，自申请次月起发放保障金。",
    ),
    "land_contract": Answer(
        "support",
        "《中华人民共和国农村土地承包法》第二十七条",
        "经查，村委会以土地整理为名提前收回你家承包地，未经你同意，也未依法签订变更协议，做法不当。",
        "已责令村委会与你协商，恢复你家承包经营权或按剩余承包期足额补偿，{town}农经站全程指导。",
    ),
    "rooftop_build": Answer(
        "support",
        "《中华人民共和国城乡规划法》第六十四条",
        "经执法人员现场勘查，{estate}顶楼住户未经规划许可在公共屋面搭建约四十平方米钢结构阳光房，属违法建筑。",
        "已下达限期拆除决定书，责令当事人十五日内自行拆除并修复屋面防水；逾期不拆除的，依法强制拆除。",
    ),
    "breakfast_shop": Answer(
        "support",
        "《中华人民共和国食品安全法》第三十三条",
        "经现场检查，该早餐店后厨卫生条件差、从业人员未取得健康证明，情况属实。",
        "已责令该店停业整改并依法立案调查，整改到位、复查合格后方可恢复经营。",
    ),
    "school_traffic": Answer(
        "support",
        "《中华人民共和国道路交通安全法》第三十条",
        "经现场勘查，{school}门口路段上下学时段车流、人流集中，缺少减速和警示设施。",
        "县公安局交警大队已在校门口增设减速带和人行横道，并在上下学高峰时段安排警力和护学岗疏导交通。",
    ),
    "village_subsidy_fraud": Answer(
        "support",
        "《中华人民共和国村民委员会组织法》第三十二条",
        "经{town}调查核实，{place}困难补助名单中存在不符合条件人员，违规发放资金已责令收回。",
        "对涉嫌违纪违法的问题线索，已移送县纪委县监委依规依纪依法处理。",
    ),
    "land_requisition": Answer(
        "support",
        "《中华人民共和国土地管理法》第四十八条和《浙江省土地管理条例》",
        "经查，{place}征地补偿安置费分配方案未经村民代表会议表决，将外嫁女和在校大学生排除在分配范围之外，不符合有关规定。",
        "{town}已责令村委会依法修改分配方案，提交村民代表会议表决后公示，保障外嫁女等村民的合法权益。",
    ),
    "project_payment": Answer(
        "support",
        "《保障农民工工资支付条例》第二十九条、第三十条",
        "经查，{builder}作为总承包单位未按规定通过农民工工资专用账户支付工资，班组二十余人的工资约四十二万元尚未结清。",
        "已责令总承包单位先行清偿拖欠的农民工工资，并督促建设单位按进度拨付工程款，款项将于二十日内发放到位。",
    ),
    "water_pressure": Answer(
        "support",
        "《城市供水条例》第二十二条",
        "经查，{place}一带水压偏低系主管网老化、加压泵站负荷不足所致，部分停水未按规定提前通知。",
        "供水公司已完成泵站检修，管网改造工程将于年内实施；今后计划停水将提前二十四小时通知。",
    ),
    "river_garbage": Answer(
        "support",
        "《浙江省河长制规定》",
        "经查，{place}村口河段确有生活垃圾和水葫芦堆积，保洁员未按要求巡查清理。",
        "已组织人员完成清理，落实专人每日保洁，河长公示牌上的电话已更新为有效号码。",
    ),
    "pig_farm": Answer(
        "support",
        "《畜禽规模养殖污染防治条例》第二十条",
        "经现场检查，{place}后山养猪场粪污处理设施不完善，存在粪污直排水沟的情况。",
        "已依法立案处罚，责令其限期完善粪污处理设施，整改期间限制存栏量，并组织协商下游稻田受损赔偿。",
    ),
    "elevator_retrofit": Answer(
        "explain",
        "本县既有住宅加装电梯实施意见",
        "本县已出台既有住宅加装电梯实施意见，对符合条件的加装项目给予每台二十万元补助。",
        "{estate}所在社区已安排专人上门讲解政策、协调住户意见，楼内住户达成一致后即可向县住建局申请。",
    ),
    "hospital_parking": Answer(
        "explain",
        "《浙江省定价目录》和本县机动车停放服务收费管理办法",
        "经查，县人民医院周边停车场收费标准已按规定备案，收费本身未超出备案标准，但未设置陪护车辆优惠。",
        "已督促经营者在醒目位置公示收费标准，并增设陪护车辆每日封顶收费。",
    ),
    "late_delivery": Answer(
        "explain",
        "《城市房地产开发经营管理条例》第三十条",
        "经查，{estate}三期因消防验收整改未完成，逾期交房属实；开发商已承诺年内完成整改。",
        "县住建局已约谈开发商，督促其倒排工期、按周公示进度。逾期违约金属合同约定事项，可与开发商协商，协商不成的可依法提起诉讼。",
    ),
    "disability_allowance": Answer(
        "support",
        "本省困难残疾人生活补贴和重度残疾人护理补贴有关规定",
        "经查，因残疾人证换证后系统信息未同步，你儿子的两项补贴自四月起暂停发放。",
        "已更正系统信息，停发期间的补贴将于本月底前一次性补发。",
    ),
    "paid_tutoring": Answer(
        "support",
        "《中小学教师违反职业道德行为处理办法》",
        "经调查，{school}一名教师在校外组织本班学生有偿补课的情况属实。",
        "已对该教师作出通报批评、取消年度评优资格的处理，责令其退还全部补课费用。",
    ),
    "treatment_dispute": Answer(
        "explain",
        "《医疗纠纷预防和处理条例》第二十二条",
        "经组织专家审查病历资料，首诊时相关症状不典型，是否存在过错需经医疗损害鉴定认定。",
        "你可申请县医疗纠纷人民调解委员会调解，也可申请医疗损害鉴定或依法向人民法院提起诉讼。",
    ),
    "clinic_medicine": Answer(
        "support",
        "《中华人民共和国基本医疗卫生与健康促进法》第五十九条",
        "经查，{town}卫生院部分慢性病常用药因配送企业供货不及时出现短缺。",
        "已将降压、降糖等常用药纳入卫生院必备药品目录，并建立缺药登记和县级医院调剂机制。",
    ),
    "taxi_refusal": Answer(
        "support",
        "《巡游出租汽车经营服务管理规定》",
        "经调取车站监控和计价器记录，两名驾驶员拒载、一名驾驶员不按计价器收费的情况属实。",
        "已依法对三名驾驶员作出处罚，多收费用已退还，并在高铁站增派现场管理人员。",
    ),
    "bus_route": Answer(
        "explain",
        "本县城乡公交一体化实施方案",
        "经客流调查，县城至{town}方向现有客流尚不足以单独开通公交线路。",
        "自下月起现有中巴班次由两班增加至六班，并将根据客流变化研究开通公交线路。",
    ),
    "gym_prepaid": Answer(
        "explain",
        "《中华人民共和国消费者权益保护法》第五十三条",
        "经查，该健身房经营者已失联，涉及会员一百二十余人、预付金额约四十万元。",
        "已对经营者立案调查，涉嫌诈骗的线索已移送公安机关；会员可登记后通过支持起诉等方式依法维权。",
    ),
    "fake_seeds": Answer(
        "support",
        "《中华人民共和国种子法》第四十六条",
        "经县种子质量检测机构抽样检测，该批次稻种发芽率为百分之三十八，低于国家标准。",
        "已对农资店立案查处，责令其赔偿受损农户，并协调补种所需种子的供应。",
    ),
    "neighbour_passage": Answer(
        "support",
        "《中华人民共和国人民调解法》第十七条",
        "经{town}司法所现场查看，邻居翻建围墙向公共通道外扩约半米，影响通行属实。",
        "经调解，邻居同意拆除外扩部分围墙，恢复通道原宽度，双方已签订人民调解协议。",
    ),
    "gambling": Answer(
        "support",
        "《中华人民共和国治安管理处罚法》第七十条",
        "经公安机关调查，{place}一出租房内存在聚众赌博行为。",
        "已依法查处，对参赌人员给予治安处罚，并将该地点纳入重点巡查。",
    ),
    "subsidy_deducted": Answer(
        "explain",
        "耕地地力保护补贴有关规定",
        "经核查，今年补贴面积按第三次全国国土调查成果核定，你家部分承包地被认定为园地，补贴面积相应减少。",
        "如你对面积认定有异议，可向村里提出复核，经{town}和县农业农村局实地核实后予以更正补发。",
    ),
    "pond_dam": Answer(
        "support",
        "《浙江省水利工程安全管理条例》",
        "经水利技术人员现场检查，{place}山塘堤坝存在多处渗漏，属病险山塘。",
        "已落实汛期专人巡查和限制蓄水措施，除险加固工程已列入明年第一批计划。",
    ),
    "cemetery_fee": Answer(
        "explain",
        "《浙江省殡葬管理条例》",
        "经查，县公墓收费项目均有价格主管部门批复，所收费用未超出批复标准，但收费公示不完整。",
        "已责令县公墓在服务大厅公示全部收费项目和依据。",
    ),
    "transfer_station": Answer(
        "reject",
        "《中华人民共和国城乡规划法》第四十条",
        "经查，{estate}东侧垃圾中转站为全地埋式，已取得规划许可和环评批复，与住宅楼的距离符合环境卫生设施设置标准。",
        "建设单位将增设除臭设备，并在竣工前组织周边居民代表参观。",
    ),
    "dilapidated_house": Answer(
        "support",
        "本县农村低收入群体危房改造实施方案",
        "经鉴定，你居住的房屋为C级危房，你属于农村低收入群体，符合危房改造补助条件。",
        "已将你列入本年度危房改造计划，补助资金三万元，{town}将协助你选定施工队伍。",
    ),
    "office_buckpassing": Answer(
        "support",
        "《浙江省保障“最多跑一次”改革规定》",
        "经查，{town}便民服务中心窗口工作人员未落实一次性告知制度，导致你多次往返。",
        "已对相关工作人员进行批评教育，并安排专人为你代办备案手续。",
    ),
    "farmland_occupation": Answer(
        "support",
        "《中华人民共和国土地管理法》第七十七条",
        "经现场核查，{place}村口约五亩基本农田被违法占用建设厂房，未取得用地审批手续。",
        "已依法立案查处，责令停止违法行为，限期拆除并恢复耕种条件。",
    ),
    "forest_felling": Answer(
        "support",
        "《中华人民共和国森林法》第七十六条",
        "经查，{place}后山公益林内存在未取得采伐许可证砍伐林木的行为。",
        "已依法立案，责令补种毁坏株数三倍的树木，涉嫌犯罪的已移送公安机关。",
    ),
    "streetlights": Answer(
        "support",
        "本县城市道路照明设施管理办法",
        "经现场检查，{road}十三盏路灯因地下电缆老化断路而不亮。",
        "已更换故障电缆，路灯已全部恢复照明，并纳入每周夜间巡查。",
    ),
    "old_estate_renovation": Answer(
        "explain",
        "本县城镇老旧小区改造实施方案",
        "经查，{estate}改造工程因外墙保温材料变更，施工进度滞后。",
        "{town}已督促施工单位于十日内恢复雨水管、清理楼道，整体工程计划年底前完工，进度每周在小区公示。",
    ),
    "group_rental": Answer(
        "support",
        "《浙江省消防条例》",
        "经{town}会同消防救援等部门联合检查，该房屋违规分隔出租、楼道内电动车充电，存在消防安全隐患。",
        "已责令房东限期拆除隔断、清退超员租户，并在小区增设电动车集中充电点。",
    ),
    "owners_committee": Answer(
        "support",
        "《物业管理条例》第十二条和《浙江省物业管理条例》",
        "经查，{estate}业主委员会换届未公示候选人名单、由物业人员上门收集选票，程序不符合规定。",
        "{town}将指导重新组织换届选举，新一届业主委员会成立前，物业服务合同续签事项暂缓执行。",
    ),
}

# 复查 and 复核 keep the unit's answer (the demo's reviews all uphold it).
RECHECK_ANSWER = Answer(
    "",
    "《信访工作条例》第三十五条",
    "本机关调阅了原办理材料，听取了信访人和{unit}的意见。经复查，原处理意见认定事实清楚，证据充分，适用依据正确，程序合法。",
    "维持{unit}作出的处理意见。",
)
REREVIEW_ANSWER = Answer(
    "",
    "《信访工作条例》第三十六条",
    "本机关组织了听证，听取了信访人、原处理机关和复查机关的意见。经复核，复查意见认定事实清楚，处理适当。",
    "维持{unit}作出的复查意见。",
)

# What the units say when they act (event reasons and the papers' free text).
TRANSFER_NOTE = "按照属地管理、分级负责，谁主管、谁负责的原则，转送{unit}办理。"
ASSIGN_NOTE = "事关群众切身利益，交办{unit}办理，请按期报送办结报告。"
REROUTE_NOTE = "经{returned}退回，改转{unit}办理。"
CITY_TRANSFER_NOTE = "转送示范县信访局，请按规定时限处理。"
OBJECT_REASON = "经核实，该事项属于{unit}职责范围，不属于本{kind}职权范围，请予重新交转。"
EXTENSION_REASONS = (
    "涉及多个部门和单位，需进一步调查核实。",
    "需委托第三方进行现场测量和鉴定，不能在规定期限内办结。",
    "需与信访人及相关当事人多次协调，不能在规定期限内办结。",
)
EXTENSION_APPROVED = "情况属实，同意延期，请在延长的期限内办结。"
EXTENSION_REFUSED = "延期理由不充分，不同意延期，请抓紧办理。"
OPINION_APPROVED = "同意，签发。"
REPORT_DONE = "上述处理意见已落实到位。"
REPORT_APPROVED = "经审核，办理程序规范，处理意见明确，同意办结。"
PETITIONER_OPINIONS = {"support": "无异议。", "explain": "知道了。", "reject": "对处理意见不满意。"}
RECHECK_REASON = "信访人对{unit}作出的处理意见不服，请求复查。"
REREVIEW_REASON = "信访人对{unit}作出的复查意见不服，请求复核。"
HEARING_NOTE = "复核机关组织听证，邀请人大代表、政协委员、律师和群众代表参加。"
INFORM_REASONS = {
    "consult": "你咨询的事项不需要本机关交转办理。",
    "litigation": "你反映的事项已经人民法院作出生效裁判，属于涉法涉诉事项。",
}
INFORM_ROUTES = {
    "consult": "请向{unit}咨询办理，联系电话{phone}。",
    "litigation": "依法向作出判决的人民法院或者其上一级人民法院申请再审，或者向人民检察院申请检察建议或者抗诉。",
}
DIVERT_REASONS = {
    "litigation": "你反映的事项属于涉法涉诉事项，应当通过法定诉讼程序解决。",
    "discipline": "你反映的问题涉及公职人员涉嫌违纪违法，属于纪检监察机关受理范围。",
}
DIVERT_BODIES = {"litigation": "示范县人民法院", "discipline": "中共示范县纪律检查委员会、示范县监察委员会"}
NOT_ACCEPT_HANDLING = (
    "你反映的事项已由{unit}受理，目前仍在办理期限内。",
    "《信访条例》（2005）第二十一条第三款",
    "请耐心等待{unit}的书面答复。",
)
NOT_ACCEPT_ANSWERED = (
    "你反映的事项已由{unit}作出处理意见并送达。",
    "《信访工作条例》第三十五条",
    "对处理意见不服的，可以自收到处理意见书之日起30日内向{upper}请求复查。",
)
NO_LONGER_REASON = "你本次反映的仍是同一事实和理由。"
ARCHIVE_REASON = "已当场答复信访人所咨询的政策，无需交转，存档备查。"
HEARING_END_NOTE = "听证结束，听证笔录已归档。"
SETTLE_AGREEMENT = (
    "经{town}人民调解委员会主持调解，双方自愿达成协议：邻居于十五日内拆除外扩部分围墙，恢复通道原宽度，"
    "拆除费用由邻居承担。"
)
