"""Question bank as Excel (openpyxl): one row per question.

Columns: 题型 (single|multiple|true_false|fill|short), 题干, 选项 (one per line, `A. text`),
答案 (single: A; multiple: A,C; true/false: 对/错; fill: accepted texts separated by `|`),
主题, 难度 (1–3), 分值, 解析."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

HEADER = ["题型", "题干", "选项", "答案", "主题", "难度", "分值", "解析"]


def excel_write(questions) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "题库"
    ws.append(HEADER)
    for q in questions:
        if q.kind == "multiple":
            answer = ",".join(q.answer)
        elif q.kind == "fill":
            answer = "|".join(q.answer)
        elif q.kind == "true_false":
            answer = "对" if q.answer == "true" else "错"
        else:
            answer = q.answer
        options = (
            "\n".join(f"{o['value']}. {o['label']}" for o in q.options)
            if q.kind in ("single", "multiple")
            else ""
        )
        ws.append([q.kind, q.text, options, answer, q.topic, q.difficulty, q.points, q.explanation])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def excel_read(data: bytes) -> list[dict]:
    ws = load_workbook(io.BytesIO(data), read_only=True).active
    rows = ws.iter_rows(values_only=True)
    header = [str(c or "").strip() for c in next(rows)]
    if header[: len(HEADER)] != HEADER:
        raise ValueError("表头应为：" + "、".join(HEADER))
    out = []
    for row in rows:
        if not any(row):
            continue
        kind, text, options, answer, topic, difficulty, points, explanation = (list(row) + [None] * 8)[:8]
        opts = []
        for line in str(options or "").splitlines():
            value, _, label = line.partition(".")
            if line.strip():
                opts.append({"value": value.strip(), "label": label.strip()})
        answer = "" if answer is None else str(answer)
        if kind == "multiple":
            answer = [a.strip() for a in answer.replace("，", ",").split(",") if a.strip()]
        elif kind == "fill":
            answer = [a.strip() for a in answer.split("|") if a.strip()]
        elif kind == "true_false":
            answer = "true" if answer.strip() in ("对", "正确", "T", "true", "TRUE") else "false"
        out.append({
            "kind": kind, "text": text, "options": opts, "answer": answer, "topic": topic,
            "difficulty": difficulty or 2, "points": points or 1, "explanation": explanation or "",
        })  # fmt: skip
    return out
