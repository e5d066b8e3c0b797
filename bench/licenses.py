"""电子证照 benchmark (docs/licenses.md), in-process, one thread.

    .venv/bin/python bench/licenses.py [--n 2000] [--sm2 40] [--db sqlite|postgres]

Measures, in the same run and on the same machine:
1. floor: raw Ed25519 verify (`cryptography`, public key object reused) of the very signing inputs
   and signatures of the credentials verified below;
2. verify: `licenses.selectors.license_verify` of those credentials, the project's verification
   service (parse, kid → key version, signature, every disclosure's digest, validity period,
   status list, licence facts), as a full credential and as a 3-field presentation; the ratio is
   verifications/s ÷ floor/s (goal ≥ 0.5);
3. issue: `licenses.services.license_import` (serial, identifier with check character, SD-JWT VC
   with every field disclosable, signed; encrypted holder code and credential; ledger entry; one
   transaction and commit), with Ed25519 (`EdDSA`) and with SM2 (`GmSM2`, pure-Python gmssl);
   and GmSM2 verification through the same service.

`--db postgres` uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/yiwang_licenses_bench),
dropped and recreated; `--db sqlite` (default) a fresh SQLite file under a temporary YIWANG_HOME.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inprocess

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/yiwang_licenses_bench"


def setup(db: str) -> None:
    os.environ.pop("YIWANG_LICENSE_ALG", None)  # EdDSA by default; GmSM2 is measured explicitly
    inprocess.setup(db, name="licenses", default_pg=DEFAULT_PG)


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
                metadata={"address": f"武汉市江汉区解放大道{start + i}号", "area": "60"},
            )
        )
    return out, time.perf_counter() - t0


def rate(fn, items: list, *, min_seconds: float = 1.0) -> float:
    """Calls per second of fn over items, repeated until at least min_seconds have passed."""
    calls, t0 = 0, time.perf_counter()
    while True:
        for x in items:
            fn(x)
        calls += len(items)
        elapsed = time.perf_counter() - t0
        if elapsed >= min_seconds:
            return calls / elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000, help="Ed25519 licences issued and verified")
    ap.add_argument("--sm2", type=int, default=40, help="GmSM2 licences issued and verified")
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = ap.parse_args()
    setup(args.db)

    from yiwang.core import keys
    from yiwang.core.models import KeyPurpose
    from yiwang.licenses import sdjwt, selectors, signing, statuslist
    from yiwang.licenses.models import LicenseType
    from yiwang.licenses.services import license_types_load
    from yiwang.testsupport.world import build_world

    world = build_world()
    license_types_load()
    food = LicenseType.objects.get(name="食品经营许可证")
    issue_many(5, world=world, type_=food, start=900)  # warm up: keys created, caches filled

    ed, ed_s = issue_many(args.n, world=world, type_=food, start=0)
    os.environ["YIWANG_LICENSE_ALG"] = "GmSM2"
    sm, sm_s = issue_many(args.sm2, world=world, type_=food, start=500)
    os.environ.pop("YIWANG_LICENSE_ALG")

    creds = [lic.credential for lic in ed]
    shown = [sdjwt.present(c, ["name", "holder", "valid_until"]) for c in creds]
    statuslist.lookup(ed[0].status_index)  # the status list once fetched (cached like a verifier would)
    for c in creds[:50]:
        assert selectors.license_verify(credential=c)["valid"]

    # the floor: raw Ed25519 verify of the same signing inputs and signatures
    public = keys.active_key(KeyPurpose.LICENSE_SIGNING).public_key()
    parsed = [sdjwt.parse(c) for c in creds]
    pairs = [(p.signature, p.signing_input) for p in parsed]
    floor = rate(lambda sp: public.verify(sp[0], sp[1]), pairs)
    full = rate(lambda c: selectors.license_verify(credential=c), creds)
    partial = rate(lambda c: selectors.license_verify(credential=c), shown)
    floor2 = rate(lambda sp: public.verify(sp[0], sp[1]), pairs)  # again, after: the machine is shared
    floor = max(floor, floor2)

    sm_creds = [lic.credential for lic in sm]
    assert all(selectors.license_verify(credential=c)["valid"] for c in sm_creds[:3])
    sm_verify = rate(lambda c: selectors.license_verify(credential=c), sm_creds, min_seconds=2.0)
    sm_key = signing.public_key("GmSM2", sm[0].key_version)
    sm_parsed = [sdjwt.parse(c) for c in sm_creds]
    sm_floor = rate(lambda p: sm_key.verify(p.signature, p.signing_input), sm_parsed, min_seconds=2.0)

    result = {
        "db": args.db,
        "credential_bytes": len(creds[0]),
        "disclosures": len(parsed[0].disclosures),
        "floor_raw_ed25519_verify_per_s": round(floor),
        "verify_full_per_s": round(full),
        "verify_full_ratio": round(full / floor, 3),
        "verify_presentation_3_fields_per_s": round(partial),
        "verify_presentation_ratio": round(partial / floor, 3),
        "issue_eddsa_per_s": round(args.n / ed_s, 1),
        "issue_gmsm2_per_s": round(args.sm2 / sm_s, 1),
        "verify_gmsm2_per_s": round(sm_verify, 1),
        "raw_gmsm2_verify_per_s": round(sm_floor, 1),
        "n_eddsa": args.n,
        "n_gmsm2": args.sm2,
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    out_dir = inprocess.ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / f"licenses-{args.db}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
