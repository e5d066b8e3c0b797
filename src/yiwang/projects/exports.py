"""Exports of the data asset ledger (数据一本账): an Excel workbook (systems and resources) and the
catalogue as DCAT-AP in RDF Turtle, so other platforms can harvest it."""

from __future__ import annotations

import io
from datetime import date

from django.conf import settings
from openpyxl import Workbook
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from . import selectors

ADMS = Namespace("http://www.w3.org/ns/adms#")
EU_FREQ = "http://publications.europa.eu/resource/authority/frequency/"
FREQUENCY = {
    "realtime": "CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "yearly": "ANNUAL",
}
SHARING_LABELS = {"unconditional": "无条件共享", "conditional": "有条件共享", "none": "不予共享"}
OPEN_LABELS = {"unconditional": "无条件开放", "conditional": "有条件开放", "none": "不予开放"}


def base_uri() -> str:
    base = getattr(settings, "YIWANG_NOTIFICATION_LINK_BASE", "") or "https://yiwang.example.gov.cn"
    return base.rstrip("/") + "/data-ledger/"


def catalogue_graph(*, today: date | None = None) -> Graph:
    """The catalogue as DCAT-AP: one dcat:Catalog, a dcat:Dataset per resource with its
    publisher (foaf:Agent), one dcat:Distribution (the exchange's query interface)."""
    base = base_uri()
    g = Graph()
    g.bind("dcat", DCAT)
    g.bind("dct", DCTERMS)
    g.bind("foaf", FOAF)
    g.bind("adms", ADMS)
    catalog = URIRef(base + "catalogue")
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, Literal("武汉市数据资源目录（数据一本账）", lang="zh")))
    g.add((catalog, DCTERMS.description, Literal("全市政务数据资源的核心元数据、共享与开放属性", lang="zh")))
    bureau = selectors.bureau_department()
    cat_publisher = URIRef(base + "agent/" + (bureau.uscc if bureau else "platform"))
    g.add((cat_publisher, RDF.type, FOAF.Agent))
    g.add((cat_publisher, FOAF.name, Literal(bureau.name if bureau else "一网通办平台", lang="zh")))
    g.add((catalog, DCTERMS.publisher, cat_publisher))
    g.add((catalog, DCTERMS.modified, Literal((today or date.today()).isoformat(), datatype=XSD.date)))
    for r in selectors.ledger_resources():
        ds = URIRef(base + "dataset/" + r["code"])
        g.add((catalog, DCAT.dataset, ds))
        g.add((ds, RDF.type, DCAT.Dataset))
        g.add((ds, DCTERMS.title, Literal(r["name"], lang="zh")))
        g.add((ds, DCTERMS.description, Literal(r["summary"] or r["name"], lang="zh")))
        g.add((ds, DCTERMS.identifier, Literal(r["identifier"])))
        g.add((ds, DCTERMS.modified, Literal(r["metadata_updated"], datatype=XSD.date)))
        if r["classification"]:
            g.add((ds, DCAT.theme, Literal(r["classification"], lang="zh")))
        g.add(
            (
                ds,
                DCTERMS.accrualPeriodicity,
                URIRef(EU_FREQ + FREQUENCY.get(r["update_frequency"], "UNKNOWN")),
            )
        )
        g.add((ds, DCTERMS.accessRights, Literal(SHARING_LABELS[r["sharing_type"]], lang="zh")))
        g.add((ds, DCAT.keyword, Literal(OPEN_LABELS[r["open_type"]], lang="zh")))
        agent = URIRef(base + "agent/" + r["provider_uscc"])
        g.add((agent, RDF.type, FOAF.Agent))
        g.add((agent, FOAF.name, Literal(r["provider"], lang="zh")))
        g.add((ds, DCTERMS.publisher, agent))
        dist = URIRef(base + "distribution/" + r["code"])
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.accessURL, URIRef(base.replace("/data-ledger/", "/api/v1/exchange/query"))))
        g.add((dist, DCTERMS.title, Literal(f"{r['name']}共享查询接口", lang="zh")))
        note = BNode()
        g.add((dist, ADMS.status, note))
        g.add(
            (note, RDF.value, Literal(f"共享协议{r['agreements']}份，已提供查询{r['queries']}次", lang="zh"))
        )
    return g


def catalogue_turtle(*, today: date | None = None) -> str:
    return catalogue_graph(today=today).serialize(format="turtle")


def ledger_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "数据资源"
    ws.append(
        [
            "资源代码",
            "资源标识符",
            "资源名称",
            "摘要",
            "提供部门",
            "资源分类",
            "元数据更新日期",
            "共享类型",
            "开放类型",
            "更新周期",
            "所在系统",
            "建设项目",
            "共享协议数",
            "使用部门",
            "查询次数",
        ]
    )
    for r in selectors.ledger_resources():
        ws.append(
            [
                r["code"],
                r["identifier"],
                r["name"],
                r["summary"],
                r["provider"],
                r["classification"],
                r["metadata_updated"],
                SHARING_LABELS[r["sharing_type"]],
                OPEN_LABELS[r["open_type"]],
                r["update_frequency"],
                "、".join(r["systems"]),
                "、".join(r["projects"]),
                r["agreements"],
                "、".join(r["consumers"]),
                r["queries"],
            ]
        )
    ws2 = wb.create_sheet("信息系统")
    ws2.append(["系统编号", "系统名称", "主管部门", "建设项目", "状态", "等保级别", "已登记", "数据资源"])
    for s in selectors.ledger_systems():
        ws2.append(
            [
                s["code"],
                s["name"],
                s["department"],
                s["project"] or "",
                s["status_label"],
                s["mlps_level"],
                "是" if s["registered"] else "否",
                "、".join(s["resources"]),
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
