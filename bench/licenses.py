"""电子证照 benchmark (docs/licenses.md, docs/benchmarks.md), in-process, one thread (one core).

    .venv/bin/python bench/licenses.py [--n 400] [--rounds 5] [--db sqlite|postgres]

Measures, in the same run and on the same machine, in rounds whose order alternates (the machine
is shared: each round's ratio compares figures taken seconds apart; medians over rounds). Rates
are calls per CPU-second of the measuring thread, i.e. on one core (`time.thread_time`); the
load average at start and end is recorded:

1. the raw-library floor: tongsuopy's own SM2 verify and sign (`ECDSA(SM3())` on an SM2 key object
   reused, DER signatures prepared beforehand) of the very signing inputs of the credentials below;
   the same for `cryptography`'s Ed25519 (the other algorithm) and gmssl (pure Python, few calls);
2. the platform's SM2 layer (`licenses.sm2`: r||s ⇄ DER, range checks) sign and verify;
3. verify: `licenses.selectors.license_verify` of GmSM2 credentials, the project's verification
   service (parse, kid → key version, signature, every disclosure's digest, validity period,
   status list, licence facts), as a full credential (every field disclosed) and as a 3-field
   presentation; ratio = verifications/s ÷ raw verify/s of the same round (goal ≥ 0.5);
   the same for EdDSA credentials against raw Ed25519;
4. issue: `licenses.services.license_import` (number and serial, identifier with check character,
   SD-JWT VC with every field disclosable, signed; encrypted holder code and credential; ledger
   entry; one transaction and commit), GmSM2 (default) and EdDSA.

`--db postgres` uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/yiwang_licenses_bench),
dropped and recreated; `--db sqlite` (default) a fresh SQLite file under a temporary YIWANG_HOME.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inprocess

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/yiwang_licenses_bench"


def setup(db: str) -> None:
    os.environ.pop("YIWANG_LICENSE_ALG", None)  # the default (GmSM2); EdDSA is measured explicitly
    os.environ.pop("YIWANG_SM2_BACKEND", None)  # auto: tongsuopy
    inprocess.setup(db, name="licenses", default_pg=DEFAULT_PG)
    logging.disable(logging.INFO)  # one log line per issued licence would be measured too


def issue_many(n: int, *, world, type_, start: int) -> tuple[list, float]:
    from yiwang.core.testing import make_ric
    from yiwang.licenses import services

    out = []
    t0 = time.perf_counter()
    for i in range(n):
        out.append(
            services.license_import(
                type_=type_,
                issuer=world.dept,
                holder_name="张伟",
                holder_id_type="111",
                holder_id=make_ric(serial=(start + i) % 1000),
                issued_on=date.today(),
                metadata={
                    "address": f"武汉市江汉区解放大道{start + i}号",
                    "area": "60",
                    "business_items": "预包装食品销售（含冷藏冷冻食品）；热食类食品制售",
                },
            )
        )
    return out, time.perf_counter() - t0


def rate(fn, items: list, *, min_seconds: float = 0.5) -> float:
    """Calls per CPU-second of this thread (one core) of fn over items, repeated until at least
    min_seconds of CPU time have passed. CPU time, not wall time: the machine is shared, and a
    wall-clock rate would measure the other jobs' load as much as this code."""
    calls, t0 = 0, time.thread_time()
    while True:
        for x in items:
            fn(x)
        calls += len(items)
        elapsed = time.thread_time() - t0
        if elapsed >= min_seconds:
            return calls / elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=400, help="licences issued per algorithm")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = ap.parse_args()
    setup(args.db)

    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    from tongsuopy.crypto import hashes as ts_hashes
    from tongsuopy.crypto.asymciphers import ec as ts_ec

    from yiwang.licenses import sdjwt, selectors, signing, sm2, statuslist
    from yiwang.licenses.models import LicenseType
    from yiwang.licenses.services import license_types_load
    from yiwang.testsupport.world import build_world

    world = build_world()
    license_types_load()
    food = LicenseType.objects.get(name="食品经营许可证")
    issue_many(5, world=world, type_=food, start=900)  # warm up: keys created, caches filled

    sm, sm_s = issue_many(args.n, world=world, type_=food, start=0)
    os.environ["YIWANG_LICENSE_ALG"] = "EdDSA"
    ed, ed_s = issue_many(args.n, world=world, type_=food, start=500)
    os.environ.pop("YIWANG_LICENSE_ALG")

    sm_creds = [lic.credential for lic in sm]
    ed_creds = [lic.credential for lic in ed]
    sm_shown = [sdjwt.present(c, ["name", "holder", "valid_until"]) for c in sm_creds]
    statuslist.lookup(sm[-1].status_index)  # the status list once fetched (cached like a verifier would)
    for c in sm_creds[:20] + ed_creds[:20] + sm_shown[:20]:
        assert selectors.license_verify(credential=c)["valid"]

    # raw library inputs: the same signing inputs and signatures, DER for tongsuopy
    sm_parsed = [sdjwt.parse(c) for c in sm_creds]
    version = sm[0].key_version
    platform_priv = signing.active_signer("GmSM2").key
    platform_pub = signing.public_key("GmSM2", version)
    assert platform_pub.backend == "tongsuopy"
    ts_priv = ts_ec.derive_private_key(platform_priv.private_value(), ts_ec.SM2())
    ts_pub = ts_priv.public_key()
    ts_alg = ts_ec.ECDSA(ts_hashes.SM3())
    raw = [
        (
            encode_dss_signature(
                int.from_bytes(p.signature[:32], "big"), int.from_bytes(p.signature[32:], "big")
            ),
            p.signing_input,
        )
        for p in sm_parsed
    ]
    ed_pub = signing.public_key("EdDSA", ed[0].key_version)
    ed_pairs = [(p.signature, p.signing_input) for p in (sdjwt.parse(c) for c in ed_creds)]
    inputs = [p.signing_input for p in sm_parsed]
    gm_priv = sm2.Sm2PrivateKey(platform_priv.private_value(), backend="gmssl")

    measures = {
        "raw_sm2_verify": lambda: rate(lambda sd: ts_pub.verify(sd[0], sd[1], ts_alg), raw),
        "raw_sm2_sign": lambda: rate(lambda m: ts_priv.sign(m, ts_alg), inputs),
        "platform_sm2_verify": lambda: rate(
            lambda p: platform_pub.verify(p.signature, p.signing_input), sm_parsed
        ),
        "platform_sm2_sign": lambda: rate(platform_priv.sign, inputs),
        "verify_gmsm2_full": lambda: rate(lambda c: selectors.license_verify(credential=c), sm_creds),
        "verify_gmsm2_presentation": lambda: rate(lambda c: selectors.license_verify(credential=c), sm_shown),
        "raw_ed25519_verify": lambda: rate(lambda sp: ed_pub.verify(sp[0], sp[1]), ed_pairs),
        "verify_eddsa_full": lambda: rate(lambda c: selectors.license_verify(credential=c), ed_creds),
    }
    load_start = os.getloadavg()[0]
    rounds: list[dict[str, float]] = []
    for r in range(args.rounds):
        names = list(measures) if r % 2 == 0 else list(reversed(measures))
        rounds.append({name: measures[name]() for name in names})
    gm_verify = rate(lambda p: gm_priv.public_key().verify(p.signature, p.signing_input), sm_parsed[:5])
    gm_sign = rate(gm_priv.sign, inputs[:5])

    def med(name: str) -> float:
        return statistics.median(x[name] for x in rounds)

    def ratio(num: str, den: str) -> float:
        return statistics.median(x[num] / x[den] for x in rounds)

    parsed0 = sm_parsed[0]
    result = {
        "db": args.db,
        "loadavg_start": load_start,
        "loadavg_end": os.getloadavg()[0],
        "rounds": args.rounds,
        "n_per_alg": args.n,
        "credential_bytes": len(sm_creds[0]),
        "disclosures": len(parsed0.disclosures),
        "sm2_backend": platform_pub.backend,
        **{f"{name}_per_s": round(med(name)) for name in measures},
        "verify_gmsm2_full_ratio": round(ratio("verify_gmsm2_full", "raw_sm2_verify"), 3),
        "verify_gmsm2_presentation_ratio": round(ratio("verify_gmsm2_presentation", "raw_sm2_verify"), 3),
        "platform_sm2_verify_ratio": round(ratio("platform_sm2_verify", "raw_sm2_verify"), 3),
        "platform_sm2_sign_ratio": round(ratio("platform_sm2_sign", "raw_sm2_sign"), 3),
        "verify_eddsa_full_ratio": round(ratio("verify_eddsa_full", "raw_ed25519_verify"), 3),
        "gmssl_sm2_verify_per_s": round(gm_verify, 1),
        "gmssl_sm2_sign_per_s": round(gm_sign, 1),
        "issue_gmsm2_per_s": round(args.n / sm_s, 1),
        "issue_eddsa_per_s": round(args.n / ed_s, 1),
        "per_round": [{k: round(v) for k, v in x.items()} for x in rounds],
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    out_dir = inprocess.ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / f"licenses-{args.db}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
