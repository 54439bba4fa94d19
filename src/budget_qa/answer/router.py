"""Deterministic router: figure → lookup, calculation → compute, text → retrieval, else abstain."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .terms import Item
from .types import Intent, Measure, Route

COMPUTE_CUES = {
    "average": r"人均|平均|每人|每辆|每个|\baverage\b|\bper\s+(head|person|capita|staff|employee|vehicle|car|retiree|member)",
    "exclude": r"除去|扣除|不含|不包括|去掉|\bleave\s+out|\bleaving\s+out|\bexcluding\b|\bexclude\b|\bwithout\b|\bapart\s+from|\bother\s+than",
    "share": r"占.{0,12}(比例|比重|百分比|多少|几成)|比例|比重|百分之几|\bshare\b|percent(age)?\s+of|proportion|what\s+percent|what\s+fraction|as\s+a\s+percentage",
    "sum": r"合计|总共|一共|加起来|加在一起|之和|总和|共计|\bsum\b|combined|together|added\s+up|in\s+total\s+for|total\s+of\b.*\band\b",
    "difference": r"相差|差额|差距|多多少|少多少|多几|少几|差几|高出|多出|\bdifference\b|how\s+much\s+(more|less|higher|lower)|more\s+than|less\s+than|exceed",
    "rank": r"最大|最多|最高|最少|最小|最低|排名|排序|前三|哪一?项.{0,6}(多|大|高)|\blargest\b|\bbiggest\b|\bhighest\b|\bmost\b|\bsmallest\b|\blowest\b|\bleast\b|\brank|\btop\s+\d",
    "previous": r"(上年|去年|上一年)(?!结转|完成|实际完成)|2023\s*年?.{0,8}预算|(last|previous|prior)\s+year(?!'s\s+actual)|the\s+year\s+before",
}
CHANGE_CUE = r"增长|增加|减少|下降|变化|变动|增减|涨|降|比上年[多少]|比去年[多少]|\b(less|more|lower|higher)\b.{0,50}\b(than|compared)\b.{0,20}\b(last|previous|prior)\s+year|\bgo(es|ne)?\s+(up|down)|\bwent\s+(up|down)|\bincrease|\bdecrease|\bgrow|\bgrowth|\bchange|\brise|\brose|\bfall|\bfell|\bdrop|\bcut\b|compared"
SHARE_STATED_CUE = r"占|share|percent|proportion"
REASON_CUE = r"为什么|原因|为何|why|reason|because|explain"
DESCRIBE_CUE = (r"是什么|什么是|含义|意思|定义|指什么|职能|职责|负责|做什么|干什么|科室|机构|设置|用途|用于|用来|依据|根据什么|设立|如何|怎么|"
                r"哪些|介绍|说明|\bwhat\s+(is|are|does|do)\b.*\b(mean|function|responsib|division|role|purpose)\b|"
                r"\bdefin|\bdescribe|\bexplain|\bfunctions?\b|\bresponsib|\bdivisions?\b|\bpurpose|\bused\s+for|\bbasis\b|\bfor\s*\?\s*$")
LIST_CUE = r"哪几[个项笔类]|哪些|\bwhich\s+(divisions?|offices?|sections?|departments?|items?\s+are|projects?\s+are)|\blist\b|分别是哪"
FIGURE_CUE = (r"多少|(?<!哪)几|金额|数额|预算数|是多少|how\s+much|how\s+many|what\s+is\s+the\s+(total|amount|budget|figure|number)|"
              r"amount|budget(ed)?|figure|spend|cost|allocat|value|count|number\s+of|target")
ACTUAL_CUE = r"决算|实际(支出|花|用)|执行数|actual(ly)?\s+(spen|spent|spending|expenditure)|really\s+spen|final\s+accounts"
PERSONAL_CUE = (r"局长|科长|主任|个人收入|某人|姓名|名字|叫什么|家庭住址|身份证|\bdirector'?s?\b|\bhead\s+of\s+(the\s+)?(bureau|division)|"
                r"\bsalary\s+of\b|\bhome\s+address|\bwho\s+(heads|leads|runs)\b|\bname\s+of\s+the\s+(head|director|chief)")
# Another organisation named with its place ('北京市教育局', 'Beijing Education Bureau', 'Ministry of Finance').
OTHER_ORG_ZH = re.compile(r"[\u4e00-\u9fff]{2,6}?(?:省|市|自治区|自治州|区|县|州|盟|旗)[\u4e00-\u9fff]{0,10}?"
                          r"(?:局|委员会|委|厅|办公室|人民政府|政府|中心|医院|学校|大学|公司)|"
                          r"(?:财政部|教育部|商务部|国家[\u4e00-\u9fff]{1,8}?(?:局|部|委员会))")
OTHER_ORG_EN = re.compile(r"\b((?:[A-Z][a-z]+\s+){1,4})(Bureau|Ministry|Commission|Department|Government|Hospital|University|Police)\b|"
                          r"\b(Ministry|Bureau|Department|Commission)\s+of\s+((?:[A-Z][a-z]+\s*){1,4})")
OWN_WORDS = {"urumqi", "investment", "promotion", "promotions", "service", "services", "party", "the", "this", "what",
             "which", "how", "municipal", "city", "its", "our", "your", "does", "is", "are", "general", "public"}
WHOLE_SCOPE = r"全市|全区|全省|全国|全自治区|city-?wide|whole\s+city|province-?wide|nationwide|all\s+departments"
NOT_DISCLOSED = (r"哪家|哪个公司|哪些公司|供应商|中标|承印|每月|每个月|每周|每天|品牌|型号|\bbrand|\bmodel\s+of|\bmake\s+of|\bwhich\s+(company|firm|supplier|vendor|printer)|"
                 r"\bsupplier|\bvendor|\bcontractor|\beach\s+month|\bper\s+month|\bmonthly|\bper\s+day|\bdaily\b")
YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def other_organisation(q: str, departments: list[str], known_text: str, known_en: set[str] = frozenset()) -> bool:
    for m in OTHER_ORG_ZH.finditer(q):
        org = m.group(0)
        if any(org in d or d in org for d in departments) or org in known_text:
            continue
        return True
    for m in OTHER_ORG_EN.finditer(q):
        name = (m.group(1) or m.group(4) or "").strip()
        words = {w.lower() for w in name.split()}
        if not words or words <= OWN_WORDS or words & {"urumqi", "investment", "promotion"}:
            continue
        return True
    return False


@dataclass
class Plan:
    route: Route | str  # lookup | compute | retrieval | abstain
    intent: Intent | str = ""  # figure | share | sum | difference | rank | previous | change | describe | reason
    items: list[Item] = field(default_factory=list)
    reason: str = ""  # for abstentions
    table_hint: str = ""
    measure: Measure | str = ""  # narrative measure wanted: change | share | ''
    terms: list[str] = field(default_factory=list)  # other glossary terms (zh), for retrieval

    def __post_init__(self) -> None:
        # routes, intents and measures are enums; plans may be written with their string values
        self.route, self.intent, self.measure = Route(self.route), Intent(self.intent), Measure(self.measure)


def has(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.I) is not None


def plan(question: str, items: list[Item], *, years: set[str], known_text: str, departments: list[str]) -> Plan:
    q = question
    # 1. out of scope: another year, another department, personal or actual-spending facts
    if has(ACTUAL_CUE, q):
        return Plan("abstain", reason="actual", items=items)
    asked_years = set(YEAR_RE.findall(q))
    other_years = asked_years - years
    if other_years:
        prev = {str(int(y) - 1) for y in years}
        if not (other_years <= prev and has(COMPUTE_CUES["previous"] + r"|预算|budget", q) and not has(ACTUAL_CUE, q) and items):
            return Plan("abstain", reason="year", items=items)
        return Plan("compute", "previous", items)
    if has(PERSONAL_CUE, q):
        return Plan("abstain", reason="personal", items=items)
    if has(WHOLE_SCOPE, q):
        return Plan("abstain", reason="scope", items=items)
    if has(NOT_DISCLOSED, q):
        return Plan("abstain", reason="none", items=items)
    if other_organisation(q, departments, known_text):
        return Plan("abstain", reason="department", items=items)
    table_hint = ""
    m = re.search(r"(?:附表|表)\s*([0-9一二三四五六七八九十]{1,3})|table\s*(\d{1,2})", q, re.I)
    if m:
        table_hint = f"表{m.group(1) or m.group(2)}"
    elif has(r"三公|three\s+public|three\s+official", q):
        table_hint = "three_public"
    # 2. calculations
    if has(COMPUTE_CUES["rank"], q) and items:
        return Plan("compute", "rank", items, table_hint=table_hint)
    if has(COMPUTE_CUES["previous"], q) and items and not has(CHANGE_CUE, q):
        return Plan("compute", "previous", items, table_hint=table_hint)
    if has(COMPUTE_CUES["average"], q) and items:
        return Plan("compute", "average", items, table_hint=table_hint)
    if has(COMPUTE_CUES["exclude"], q) and len(items) >= 2:
        return Plan("compute", "exclude", items, table_hint=table_hint)
    if has(COMPUTE_CUES["share"], q) and len(items) >= 2:
        return Plan("compute", "share", items, table_hint=table_hint, measure="share")
    if has(COMPUTE_CUES["difference"], q) and len(items) >= 2 and not has(CHANGE_CUE, q):
        return Plan("compute", "difference", items, table_hint=table_hint)
    if has(COMPUTE_CUES["sum"], q) and len(items) >= 2:
        return Plan("compute", "sum", items, table_hint=table_hint)
    # 3. reasons, lists and descriptions go to the text
    if has(REASON_CUE, q):
        return Plan("retrieval", "reason", items, table_hint=table_hint)
    if has(LIST_CUE, q):
        return Plan("retrieval", "describe", items, table_hint=table_hint)
    if items and has(CHANGE_CUE, q):
        return Plan("lookup", "change", items, table_hint=table_hint, measure="change")
    if items and has(COMPUTE_CUES["share"], q):
        return Plan("lookup", "share", items, table_hint=table_hint, measure="share")
    if has(DESCRIBE_CUE, q) and not has(FIGURE_CUE, q):
        return Plan("retrieval", "describe", items, table_hint=table_hint)
    if items:
        return Plan("lookup", "figure", items, table_hint=table_hint)
    return Plan("retrieval", "describe", items, table_hint=table_hint)
