"""Vocabulary and distributions of the synthetic data (names, places, phrases, weights)."""

# --- The unit tree: 1 city bureau; 3 counties, each a bureau with 18 townships and 15 departments ---
CITY = ("990100", "示范市")
COUNTIES = [
    # region code, name, share of the city's petitions
    ("990121", "东阳县", 0.46),
    ("990122", "西江县", 0.33),
    ("990123", "南岭县", 0.21),
]
TOWNSHIP_NAMES = [
    "城关镇",
    "东湖镇",
    "西山镇",
    "南塘镇",
    "北坪镇",
    "青石镇",
    "白沙镇",
    "黄岭乡",
    "柳溪乡",
    "桃源镇",
    "新桥街道",
    "文昌街道",
    "江滨街道",
    "金山乡",
    "马岭乡",
    "龙泉镇",
    "石门镇",
    "大田乡",
]
DEPARTMENT_NAMES = [
    "公安局",
    "人力资源和社会保障局",
    "住房和城乡建设局",
    "自然资源和规划局",
    "农业农村局",
    "生态环境分局",
    "交通运输局",
    "卫生健康局",
    "教育局",
    "市场监督管理局",
    "民政局",
    "退役军人事务局",
    "综合行政执法局",
    "水利局",
    "司法局",
]

# Share of cases registered at the city bureau; the rest go to a county (by COUNTIES share).
CITY_REGISTERS = 0.10
# Of a county's cases: registered at the county bureau, or received directly by a township/department.
COUNTY_BUREAU_REGISTERS = 0.68
# Zipf exponent of how unevenly petitions fall on a county's townships and departments.
HANDLING_SKEW = 0.9

# --- Case attributes ----------------------------------------------------------------------------
CHANNEL_WEIGHTS = {
    "letter": 30,
    "visit": 25,
    "call": 10,
    "web": 25,
    "sms": 5,
    "forum": 3,
    "fax": 2,
}
PURPOSE_WEIGHTS = {"claim": 62, "suggestion": 14, "accusation": 12, "consult": 12}

# Of all cases: closed, open at a petition bureau, open at a township/department.
STATE_WEIGHTS = {"closed": 85, "open_bureau": 5, "open_handling": 10}
CLOSED_STATUS_WEIGHTS = {
    "closed": 46,
    "archived": 20,
    "informed": 10,
    "final": 8,
    "settled": 5,
    "not_accepted": 4,
    "diverted": 4,
    "no_longer_accepted": 3,
}
OPEN_BUREAU_STATUS_WEIGHTS = {"registered": 80, "returned": 20}
OPEN_HANDLING_STATUS_WEIGHTS = {
    "pending_sign": 12,
    "signed": 8,
    "handling": 60,
    "opinion_issued": 8,
    "served": 7,
    "reported": 5,
}
# Statuses a closed case passed through last (the from_status of its closing event).
CLOSED_FROM = {
    "closed": "served",
    "archived": "closed",
    "informed": "registered",
    "final": "served",
    "settled": "handling",
    "not_accepted": "registered",
    "diverted": "registered",
    "no_longer_accepted": "registered",
}
# Closed because the bureau disposed of it itself (it never reached a handling unit).
CLOSED_AT_BUREAU = {"informed", "not_accepted", "diverted", "no_longer_accepted"}

# Open cases' current deadline relative to today, in days: (share, first, last).
DUE_SPREAD = [
    (0.12, -75, -1),  # overdue
    (0.10, 0, 4),  # due within ~3 working days
    (0.78, 5, 60),  # later
]

URGENT_SHARE = 0.02
ANONYMOUS_SHARE = 0.03
SKIP_LEVEL_SHARE = 0.03
LITIGATION_SHARE = 0.04
COLLECTIVE_SHARE = 0.04  # a group visit: 5–60 people, 2 representatives registered
TWO_PETITIONERS_SHARE = 0.12  # a couple or neighbours writing together
REPEAT_PETITIONER_SHARE = 0.22  # a case whose petitioner has petitioned before
REPEATERS_PER_MILLION = 60_000  # the pool of people who petition repeatedly

# --- People -----------------------------------------------------------------------------------
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# Common surnames are much more common (the first ~20 above cover half of the population).
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文辉力斌宇浩凯鹏飞俊峰波宁海燕雪梅琳晶"
    "欣怡佳丹婷颖慧晨阳林东亮新春荣福德祥贵生成发金水山"
)
VILLAGE_SUFFIXES = ["村", "社区"]
VILLAGE_STEMS = "上下前后东西南北大小新老山河塘桥湾坪岭溪岗头口庄寨田"

# --- Text ---------------------------------------------------------------------------------------
TITLE_TEMPLATES = [
    "反映{topic}问题",
    "关于{topic}的诉求",
    "请求解决{topic}问题",
    "{place}{topic}问题",
    "投诉{place}{topic}",
    "咨询{topic}相关政策",
    "建议改进{topic}工作",
]
CONTENT_OPENINGS = [
    "本人系{place}居民，",
    "我们是{place}的村民，",
    "信访人反映：",
    "来电人称：",
    "本人家住{place}，",
]
CONTENT_BODIES = [
    "因{topic}问题多次向有关部门反映，至今未得到妥善解决，",
    "{topic}方面存在问题已有较长时间，严重影响日常生活，",
    "近期发现{topic}情况，相关单位处理不及时，",
    "对{topic}的处理结果不满意，认为程序不合规，",
    "就{topic}事项已与对方协商未果，",
]
CONTENT_ENDINGS = [
    "恳请上级部门调查核实并依法处理。",
    "希望政府尽快协调解决。",
    "请求有关部门给予答复。",
    "要求依法维护自身合法权益。",
    "望予以重视。",
]
DEMANDS = [
    "",
    "",
    "请求依法处理并书面答复。",
    "要求补发拖欠款项。",
    "要求恢复原状。",
    "请求调查处理相关责任人。",
]
ADDRESSEES = ["", "", "", "县长", "书记", "信访局长"]
