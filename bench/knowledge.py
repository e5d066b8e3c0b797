"""知识库与智能问答 benchmark (docs/benchmarks.md), in-process, one thread.

    .venv/bin/python bench/knowledge.py [--db sqlite|postgres] [--repeat 5] [--home DIR]

On the full demo corpus (`yiwang demo_load`: the city's catalogue, 广安区's 1,135 real items, the
one things, FAQs and policies) it measures, in the same run:
1. quality on the labelled set (`src/yiwang/knowledge/data/labelled.tsv`): Hit@1, Hit@5 and MRR@10
   overall, for the questions used while tuning and for the held-out ones;
2. latency per question of `knowledge.selectors.ask` (p50, p99) against a floor measured on the
   same documents and questions: raw jieba (default dictionary) + bm25s `retrieve(k=10)` over the
   documents' plain text, nothing else (no synonyms, pinyin, passages or citations);
3. quality of that raw floor on the labelled set, for comparison.

`--home DIR` reuses a YIWANG_HOME whose SQLite database already holds the demo (skips loading).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inprocess

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/yiwang_knowledge_bench"


def labelled() -> list[tuple[str, set[str], str]]:
    from importlib import resources

    text = resources.files("yiwang.knowledge").joinpath("data", "labelled.tsv").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        q, expected, tag = ([*line.split("\t"), "", "tune"])[:3]
        out.append((q, set(expected.split("|")), tag or "tune"))
    return out


def keys_of(answer: dict, subjects: dict[str, str]) -> str:
    """What an answer stands for in the labelled set: an item's name, bundle:<code>; a FAQ or
    policy stands for its subject."""
    if answer["kind"] == "item":
        return answer["title"]
    if answer["kind"] == "bundle":
        return f"bundle:{answer['code']}"
    return subjects.get(answer.get("subject") or "", answer["title"])


def score(ranked: list[list[str]], gold: list[set[str]]) -> dict:
    h1 = h5 = mrr = 0.0
    for keys, want in zip(ranked, gold, strict=True):
        rank = next((i for i, k in enumerate(keys[:10], 1) if k in want), None)
        if rank:
            h1 += rank == 1
            h5 += rank <= 5
            mrr += 1 / rank
    n = len(gold) or 1
    return {"hit1": h1 / n, "hit5": h5 / n, "mrr10": mrr / n, "n": len(gold)}


def main() -> None:
    parser = inprocess.arguments(repeat=5)
    parser.add_argument("--misses", action="store_true", help="print the questions missed at 5")
    args = parser.parse_args()

    def loaded() -> bool:
        from yiwang.knowledge.models import Point

        return Point.objects.exists()

    inprocess.demo_setup(args, name="knowledge", default_pg=DEFAULT_PG, loaded=loaded)
    from yiwang.bundles.models import Bundle
    from yiwang.catalog.selectors import items_search
    from yiwang.knowledge import index, selectors

    subjects = {v.item.code: v.name for v in items_search().select_related("item")}
    subjects |= {b.code: f"bundle:{b.code}" for b in Bundle.objects.all()}
    names = set(subjects.values())
    questions = labelled()
    unknown = sorted({e for _, want, _ in questions for e in want} - names)
    if unknown:
        print("expected answers not in the corpus:", "、".join(unknown), file=sys.stderr)

    loaded = index.current()
    docs = loaded.docs
    print(f"corpus: {len(docs)} documents ({sum(d['external'] for d in docs)} imported items)")

    # --- quality and latency of ask -------------------------------------------------------------
    for q, _, _ in questions[:20]:  # warm-up (segmenter, index load)
        selectors.ask(q)
    ranked, times = [], []
    for q, _, _ in questions:
        out = None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = selectors.ask(q)
            times.append(time.perf_counter() - t0)
        ranked.append([keys_of(a, subjects) for a in out["answers"]])

    # --- the floor: raw jieba + bm25s over the same documents ------------------------------------
    import bm25s
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    raw_corpus = [jieba.lcut(d["title"] + "\n" + "\n".join(d["sections"].values())) for d in docs]
    raw = bm25s.BM25()
    raw.index(raw_corpus, show_progress=False)
    raw_ranked, raw_times = [], []
    for q, _, _ in questions:
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            tokens = [t for t in jieba.lcut(q) if t in raw.vocab_dict] or ["\u0000"]
            if tokens == ["\u0000"]:
                ids = []
            else:
                res, _scores = raw.retrieve([tokens], k=10, show_progress=False, n_threads=1)
                ids = [int(i) for i in res[0]]
            raw_times.append(time.perf_counter() - t0)
        raw_ranked.append([keys_of(docs[i], subjects) for i in ids])

    # --- PostgreSQL full text over the same pre-segmented tokens (the alternative to bm25s) -----
    pg_ranked, pg_times = None, []
    from django.db import connection

    if connection.vendor == "postgresql":
        from yiwang.knowledge.index import documents
        from yiwang.knowledge.selectors import query_tokens

        _, corpus = documents()
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_kfts")
            cur.execute("CREATE TABLE bench_kfts (id int primary key, tsv tsvector)")
            cur.executemany(
                "INSERT INTO bench_kfts VALUES (%s, array_to_tsvector(%s::text[]))",
                [(i, sorted(set(toks))) for i, toks in enumerate(corpus)],
            )
            cur.execute("CREATE INDEX ON bench_kfts USING gin (tsv)")
            cur.execute("ANALYZE bench_kfts")
        pg_ranked = []
        for q, _, _ in questions:
            ids = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                toks = sorted(set(query_tokens(q, loaded).tokens))
                if toks:
                    tsq = " | ".join("'" + t.replace("'", "''").replace("\\", "") + "'" for t in toks)
                    with connection.cursor() as cur:
                        cur.execute(
                            "SELECT id FROM bench_kfts WHERE tsv @@ %s::tsquery "
                            "ORDER BY ts_rank(tsv, %s::tsquery) DESC, id LIMIT 10",
                            [tsq, tsq],
                        )
                        ids = [r[0] for r in cur.fetchall()]
                pg_times.append(time.perf_counter() - t0)
            pg_ranked.append([keys_of(docs[i], subjects) for i in ids])
        with connection.cursor() as cur:
            cur.execute("DROP TABLE bench_kfts")

    gold = [want for _, want, _ in questions]
    rows = [("all", range(len(questions)))]
    for tag in ("tune", "heldout"):
        rows.append((tag, [i for i, (_, _, t) in enumerate(questions) if t == tag]))
    print()
    print("| questions | n | Hit@1 | Hit@5 | MRR@10 | raw jieba+bm25s Hit@5 | raw MRR@10 |")
    print("|---|---|---|---|---|---|---|")
    for name, idx in rows:
        s = score([ranked[i] for i in idx], [gold[i] for i in idx])
        r = score([raw_ranked[i] for i in idx], [gold[i] for i in idx])
        print(
            f"| {name} | {s['n']} | {s['hit1']:.3f} | {s['hit5']:.3f} | {s['mrr10']:.3f} | {r['hit5']:.3f} | {r['mrr10']:.3f} |"
        )
    print()
    p99, raw_p99 = inprocess.pct(times, 99), inprocess.pct(raw_times, 99)
    print("| latency per question | p50 ms | p99 ms |")
    print("|---|---|---|")
    print(f"| `knowledge.selectors.ask` | {inprocess.pct(times, 50):.2f} | {p99:.2f} |")
    print(f"| raw jieba + bm25s (floor) | {inprocess.pct(raw_times, 50):.2f} | {raw_p99:.2f} |")
    if pg_ranked is not None:
        pg = score(pg_ranked, gold)
        print(
            f"| PostgreSQL full text (same tokens, ts_rank) | {inprocess.pct(pg_times, 50):.2f} | {inprocess.pct(pg_times, 99):.2f} |"
        )
        print(
            f"\nPostgreSQL full text, all questions: Hit@1 {pg['hit1']:.3f}, Hit@5 {pg['hit5']:.3f}, "
            f"MRR@10 {pg['mrr10']:.3f}"
        )
    print(
        f"\nratio p99 ask / floor: {p99 / raw_p99:.2f} (goal ≤ 2); p99 goal ≤ 50 ms; mean {statistics.mean(times) * 1000:.2f} ms"
    )
    if args.misses:
        for (q, want, tag), keys in zip(questions, ranked, strict=True):
            if not any(k in want for k in keys[:5]):
                print(f"MISS [{tag}] {q} → {keys[:3]} (want {sorted(want)[:2]})")


if __name__ == "__main__":
    main()
