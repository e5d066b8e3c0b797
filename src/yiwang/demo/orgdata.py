"""Organisations of the demo data set: departments, halls and windows of a Wuhan-like city.

Names follow Wuhan's current bodies; USCCs are generated (codes.uscc_make, seeded by the name),
addresses and phone numbers are illustrative.
"""

from __future__ import annotations

from functools import cache

from .codes import uscc_make

CITY = "420100"
JIANGAN = "420102"
HONGSHAN = "420111"

# key, name, short name, kind, region code, (registry, category) of the USCC
DEPARTMENTS: list[tuple[str, str, str, str, str, str]] = [
    ("scjg", "武汉市市场监督管理局", "市市场监管局", "government", CITY, "11"),
    ("ga", "武汉市公安局", "市公安局", "government", CITY, "11"),
    ("wjw", "武汉市卫生健康委员会", "市卫健委", "government", CITY, "11"),
    ("yb", "武汉市医疗保障局", "市医保局", "government", CITY, "11"),
    ("rs", "武汉市人力资源和社会保障局", "市人社局", "government", CITY, "11"),
    ("gjj", "武汉住房公积金管理中心", "市公积金中心", "institution", CITY, "12"),
    ("sw", "国家税务总局武汉市税务局", "市税务局", "government", CITY, "11"),
    ("zwfw", "武汉市政务服务和大数据管理局", "市政务服务和大数据局", "government", CITY, "11"),
    ("cg", "武汉市城市管理执法委员会", "市城管执法委", "government", CITY, "11"),
    ("zrzy", "武汉市自然资源和城乡建设局", "市自然资源和城建局", "government", CITY, "11"),
    ("bdc", "武汉市不动产登记中心", "市不动产登记中心", "institution", CITY, "12"),
    ("mz", "武汉市民政局", "市民政局", "government", CITY, "11"),
    ("sw2", "武汉市水务局", "市水务局", "government", CITY, "11"),
    ("xf", "武汉市消防救援支队", "市消防救援支队", "government", CITY, "11"),
    ("sthj", "武汉市生态环境局", "市生态环境局", "government", CITY, "11"),
    ("jt", "武汉市交通运输局", "市交通运输局", "government", CITY, "11"),
    ("jy", "武汉市教育局", "市教育局", "government", CITY, "11"),
    ("zf", "武汉市住房和城市更新局", "市住房更新局", "government", CITY, "11"),
    ("wl", "武汉市文化和旅游局", "市文旅局", "government", CITY, "11"),
    # for the 一件事 信用修复 / 企业上市合法合规信息核查 (社会信用体系建设牵头部门) and 残疾人服务
    ("fgw", "武汉市发展和改革委员会", "市发展改革委", "government", CITY, "11"),
    ("cl", "武汉市残疾人联合会", "市残联", "institution", CITY, "13"),
    ("ja_scjg", "江岸区市场监督管理局", "江岸区市场监管局", "government", JIANGAN, "11"),
    ("ja_xzsp", "江岸区行政审批局", "江岸区行政审批局", "government", JIANGAN, "11"),
    ("ja_wj", "江岸区卫生健康局", "江岸区卫健局", "government", JIANGAN, "11"),
    ("ja_mz", "江岸区民政局", "江岸区民政局", "government", JIANGAN, "11"),
    ("hs_scjg", "洪山区市场监督管理局", "洪山区市场监管局", "government", HONGSHAN, "11"),
    ("hs_xzsp", "洪山区行政审批局", "洪山区行政审批局", "government", HONGSHAN, "11"),
    ("hs_mz", "洪山区民政局", "洪山区民政局", "government", HONGSHAN, "11"),
    ("hs_rs", "洪山区人力资源局", "洪山区人力资源局", "government", HONGSHAN, "11"),
]

CITY_HALL = "武汉市民之家"
JIANGAN_HALL = "江岸区政务服务中心"
HONGSHAN_HALL = "洪山区政务服务中心"
HOURS = "工作日 上午 9:00—12:00，下午 13:30—17:00（法定节假日除外）；周六上午 9:00—12:00 延时服务"

# hall codes (/api/v1/halls/{code}): 市民之家, 江岸, 洪山
HALL_CODES = {CITY_HALL: "smzj", JIANGAN_HALL: "jiangan", HONGSHAN_HALL: "hongshan"}

# name, region code, address, phone
HALLS: list[tuple[str, str, str, str]] = [
    (CITY_HALL, CITY, "武汉市江汉区金桥大道特1号", "027-12345"),
    (JIANGAN_HALL, JIANGAN, "武汉市江岸区后湖大道 111 号", "027-82810000"),
    (HONGSHAN_HALL, HONGSHAN, "武汉市洪山区珞喻路 700 号", "027-87680000"),
]

# hall, number, name, kind, department keys
WINDOWS: list[tuple[str, str, str, str, list[str]]] = [
    (
        CITY_HALL,
        "1",
        "综合受理窗口（市场准入·经营许可）",
        "comprehensive",
        ["scjg", "wjw", "cg", "sw2", "xf", "sthj", "jt", "wl", "zwfw"],
    ),
    (CITY_HALL, "2", "综合受理窗口（社会事务）", "comprehensive", ["ga", "rs", "yb", "mz", "jy", "wjw"]),
    (
        CITY_HALL,
        "3",
        "综合受理窗口（不动产·住房·工程建设）",
        "comprehensive",
        ["bdc", "zrzy", "zf", "gjj", "sw"],
    ),
    (
        CITY_HALL,
        "4",
        "“高效办成一件事”综合窗口",
        "comprehensive",
        [
            "scjg",
            "ga",
            "wjw",
            "yb",
            "rs",
            "gjj",
            "sw",
            "bdc",
            "mz",
            "xf",
            "cg",
            "sw2",
            "jy",
            "jt",
            "zf",
            "fgw",
            "cl",
        ],
    ),
    (CITY_HALL, "11", "市场监管局窗口", "department", ["scjg"]),
    (CITY_HALL, "12", "公安局户政窗口", "department", ["ga"]),
    (CITY_HALL, "13", "卫生健康窗口", "department", ["wjw"]),
    (CITY_HALL, "14", "医保窗口", "department", ["yb"]),
    (CITY_HALL, "15", "人社窗口", "department", ["rs"]),
    (CITY_HALL, "16", "住房公积金窗口", "department", ["gjj"]),
    (CITY_HALL, "17", "税务窗口", "department", ["sw"]),
    (CITY_HALL, "18", "不动产登记窗口", "department", ["bdc"]),
    (CITY_HALL, "19", "城管执法委窗口", "department", ["cg"]),
    (JIANGAN_HALL, "1", "综合受理窗口", "comprehensive", ["ja_scjg", "ja_xzsp", "ja_wj", "ja_mz"]),
    (JIANGAN_HALL, "2", "综合受理窗口（社会事务）", "comprehensive", ["ja_mz", "ja_wj"]),
    (JIANGAN_HALL, "5", "行政审批局窗口", "department", ["ja_xzsp"]),
    (JIANGAN_HALL, "6", "市场监管窗口", "department", ["ja_scjg"]),
    (HONGSHAN_HALL, "1", "综合受理窗口", "comprehensive", ["hs_scjg", "hs_xzsp", "hs_mz", "hs_rs"]),
    (HONGSHAN_HALL, "5", "行政审批局窗口", "department", ["hs_xzsp"]),
    (HONGSHAN_HALL, "6", "人力资源窗口", "department", ["hs_rs"]),
]

# Items served by a window one by one (beyond its departments): the district halls also take
# these city items (社保卡, 医保参保, 公积金提取) at their comprehensive windows, and 婚姻登记, which
# is exercised at county level (the districts' 婚姻登记处; build_items MARRIAGE_REGISTRARS).
MARRIAGE_ITEMS = ["内地居民结婚登记", "内地居民离婚登记", "补领婚姻登记证"]
WINDOW_ITEMS: dict[tuple[str, str], list[str]] = {
    (JIANGAN_HALL, "1"): ["社会保障卡申领", "城乡居民基本医疗保险参保登记"],
    (JIANGAN_HALL, "2"): MARRIAGE_ITEMS,
    (HONGSHAN_HALL, "1"): ["社会保障卡申领", "住房公积金提取（购买自住住房）", *MARRIAGE_ITEMS],
}


@cache
def department_uscc(key: str) -> str:
    for k, name, _short, _kind, region, reg in DEPARTMENTS:
        if k == key:
            return uscc_make(seed=name, region_code=region, registry=reg[0], category=reg[1])
    raise KeyError(key)


def department(key: str) -> tuple[str, str, str, str, str, str]:
    for row in DEPARTMENTS:
        if row[0] == key:
            return row
    raise KeyError(key)


def department_hall(key: str) -> str:
    region = department(key)[4]
    return {CITY: CITY_HALL, JIANGAN: JIANGAN_HALL, HONGSHAN: HONGSHAN_HALL}[region]
