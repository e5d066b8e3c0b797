"""Demo licence catalogue (证照目录). The definer codes are well-formed 统一社会信用代码 made for
the demo (valid check characters), not the ministries' real codes; a deployment loads its
province's catalogue instead."""

from __future__ import annotations

SAMR = ("国家市场监督管理总局", "11100000MB7680141D")
NHC = ("国家卫生健康委员会", "11100000MB24997300")
MCA = ("中华人民共和国民政部", "11100000MB55796137")
MNR = ("中华人民共和国自然资源部", "11100000MB2594287W")
MOHRSS = ("中华人民共和国人力资源和社会保障部", "11100000MB1137383W")
MPS = ("中华人民共和国公安部", "11100000MB7833320P")
MOHURD = ("中华人民共和国住房和城乡建设部", "11100000MB1148007Y")

ADDRESS = {"name": "address", "title": "经营场所", "source": "premises.address"}

# (definer, sequence, name, validity in months or None = 长期, metadata fields, issued here)
DEMO_TYPES: list[tuple[tuple[str, str], str, str, int | None, list[dict], bool]] = [
    (
        SAMR,
        "001",
        "营业执照",
        None,
        [{"name": "domicile", "title": "住所", "source": "premises.address"}],
        True,
    ),
    (
        SAMR,
        "002",
        "食品经营许可证",
        60,
        [ADDRESS, {"name": "area", "title": "经营面积（平方米）", "source": "premises.area"}],
        True,
    ),
    (NHC, "001", "公共场所卫生许可证", 48, [ADDRESS], True),
    (
        NHC,
        "002",
        "生活饮用水供水单位卫生许可证",
        48,
        [ADDRESS, {"name": "sites", "title": "供水地址（一证多址）", "source": "premises.sites"}],
        True,
    ),
    (NHC, "003", "出生医学证明", None, [{"name": "birth_place", "title": "出生地点", "source": ""}], True),
    (MCA, "001", "结婚证", None, [{"name": "spouse", "title": "配偶姓名", "source": ""}], True),
    (MNR, "001", "不动产权证书", None, [{"name": "location", "title": "坐落", "source": ""}], True),
    (MOHRSS, "001", "社会保障卡", 120, [], True),
    (MPS, "001", "居民身份证", 240, [], False),
    (MOHURD, "001", "建筑垃圾处置核准证书", 3, [ADDRESS], True),
]
