"""GIFT (Moodle's plain-text question format) reader and writer for the question bank.

Supported: multiple choice with one right answer (`{=right ~wrong}`) → single; with weighted
answers (`{~%50%a ~%50%b ~%-100%c}`) → multiple (positive weights are the right ones); true/false
(`{T}`, `{F}`, `{TRUE}`, `{FALSE}`) → true_false; short answer (`{=a =b}`) → fill; essay (`{}`)
→ short, its general feedback (`{####…}`) read as the model answer for the markers. General
feedback of other questions (`####…`) is the explanation; per-answer feedback (`#…`) is dropped. `::title::` is read as `topic/difficulty` when it has that form (`law/2`), and
`// comment` lines are skipped. `$CATEGORY:` lines set the topic for what follows. Special
characters `~ = # { } :` are escaped with a backslash.
"""

from __future__ import annotations

import re

SPECIAL = "~=#{}:"


def _unescape(s: str) -> str:
    return re.sub(r"\\([~=#{}:])", r"\1", s).strip()


def _escape(s: str) -> str:
    return "".join("\\" + c if c in SPECIAL else c for c in s)


def _split_unescaped(s: str, chars: str) -> list[tuple[str, str]]:
    """Split `s` at unescaped marks in `chars`; returns (mark, text) pairs."""
    out: list[tuple[str, str]] = []
    mark, buf, i = "", [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            buf.append(s[i : i + 2])
            i += 2
            continue
        if c in chars:
            if mark or "".join(buf).strip():
                out.append((mark, "".join(buf)))
            mark, buf = c, []
        else:
            buf.append(c)
        i += 1
    if mark or "".join(buf).strip():
        out.append((mark, "".join(buf)))
    return out


def _find_unescaped(s: str, ch: str, start: int = 0) -> int:
    i = start
    while i < len(s):
        if s[i] == "\\":
            i += 2
            continue
        if s[i] == ch:
            return i
        i += 1
    return -1


def gift_parse(text: str, *, topic: str = "window", difficulty: int = 2) -> list[dict]:
    """Questions as dicts for `services.questions_import` (ValueError names a bad block)."""
    out = []
    blocks: list[str] = []
    cur: list[str] = []
    for line in text.splitlines():
        if line.strip().startswith("//"):
            continue
        if line.strip().startswith("$CATEGORY:"):
            if cur:
                blocks.append("\n".join(cur))
                cur = []
            blocks.append(line.strip())
            continue
        if not line.strip():
            if cur:
                blocks.append("\n".join(cur))
                cur = []
            continue
        cur.append(line)
    if cur:
        blocks.append("\n".join(cur))
    for n, block in enumerate(blocks, 1):
        if block.startswith("$CATEGORY:"):
            topic = block.split(":", 1)[1].strip().split("/")[-1] or topic
            continue
        q_topic, q_diff = topic, difficulty
        m = re.match(r"\s*::(.*?)::", block, re.S)
        if m:
            title = m.group(1).strip()
            block = block[m.end() :]
            if re.fullmatch(r"\w+/[123]", title):
                q_topic, d = title.split("/")
                q_diff = int(d)
        open_ = _find_unescaped(block, "{")
        close = _find_unescaped(block, "}", open_ + 1) if open_ >= 0 else -1
        if open_ < 0 or close < 0:
            raise ValueError(f"第 {n} 段不是 GIFT 题目：缺少 {{…}}")
        stem = (
            _unescape(block[:open_] + " " + block[close + 1 :])
            if block[close + 1 :].strip()
            else _unescape(block[:open_])
        )
        body = block[open_ + 1 : close].strip()
        explanation = ""
        general = body.find("####")
        if general >= 0:
            explanation = _unescape(body[general + 4 :])
            body = body[:general].strip()
        q: dict = {"text": stem, "topic": q_topic, "difficulty": q_diff}
        tf = body.split("#", 1)[0].strip().upper()
        if tf in ("T", "TRUE", "F", "FALSE"):
            q.update(kind="true_false", answer="true" if tf.startswith("T") else "false")
        elif not body:  # essay: the general feedback holds the model answer
            q.update(kind="short", answer=explanation)
            explanation = ""
        else:
            parts = _split_unescaped(body, "=~")
            options, right, weighted = [], [], False
            for mark, raw in parts:
                cut = _find_unescaped(raw, "#")
                raw = raw[:cut] if cut >= 0 else raw  # per-answer feedback is not kept
                w = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", raw)
                if w:
                    weighted = True
                    raw = raw[w.end() :]
                label = _unescape(raw)
                options.append(label)
                if mark == "=" or (w and float(w.group(1)) > 0):
                    right.append(label)
            if all(mark == "=" for mark, _ in parts):
                q.update(kind="fill", answer=right)
            else:
                vals = [chr(ord("A") + i) for i in range(len(options))]
                q["options"] = [{"value": v, "label": lab} for v, lab in zip(vals, options, strict=True)]
                keys = [v for v, lab in zip(vals, options, strict=True) if lab in right]
                if weighted:
                    q.update(kind="multiple", answer=keys)
                elif len(keys) == 1:
                    q.update(kind="single", answer=keys[0])
                else:
                    raise ValueError(f"第 {n} 段：单选题须恰有一个正确答案")
        q["explanation"] = explanation
        out.append(q)
    return out


def gift_write(questions) -> str:
    """The bank as GIFT text (title `topic/difficulty`); `gift_parse` reads it back."""
    chunks = []
    for q in questions:
        head = f"::{q.topic}/{q.difficulty}:: {_escape(q.text)} "
        if q.kind == "true_false":
            body = "{" + ("T" if q.answer == "true" else "F") + "}"
        elif q.kind == "short":
            body = "{}" if not q.answer else "{####" + _escape(q.answer) + "}"
        elif q.kind == "fill":
            body = "{" + " ".join("=" + _escape(a) for a in q.answer) + "}"
        elif q.kind == "single":
            body = (
                "{"
                + " ".join(("=" if o["value"] == q.answer else "~") + _escape(o["label"]) for o in q.options)
                + "}"
            )
        else:
            right = set(q.answer)
            share = 100 / len(right)
            wrong = -100 / max(1, len(q.options) - len(right))
            body = "{" + " ".join(
                f"~%{_pct(share) if o['value'] in right else _pct(wrong)}%{_escape(o['label'])}" for o in q.options
            ) + "}"  # fmt: skip
        if q.explanation and q.kind != "short":
            body = body[:-1] + " ####" + _escape(q.explanation) + "}"
        chunks.append(head + body)
    return "\n\n".join(chunks) + "\n"


def _pct(x: float) -> str:
    return f"{x:.5f}".rstrip("0").rstrip(".")
