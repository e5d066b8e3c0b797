"""A small OpenID Connect provider standing in for the province's unified identity platform
(省统一身份认证平台) — FOR DEMONSTRATION AND TESTS ONLY, never a real identity provider.

It imports no Yiwang app (it sits in the lowest import layer, beside the test clock): it is the
other side of `yiwang.accounts.oidc`, a separate system that knows nothing of the platform. Built
on joserfc (JWS/JWK) and Authlib (PKCE) over the standard library's HTTP server, it serves

    GET  /.well-known/openid-configuration   discovery (OpenID Connect Discovery 1.0)
    GET  /jwks                                the public signing keys (every key not retired)
    GET  /authorize                           a page choosing one of the demo people
    POST /authorize                           → 302 redirect_uri?code=…&state=…
    POST /token                               authorization_code grant, client_secret_basic
                                              (or _post), PKCE S256 required, codes single-use
    GET  /userinfo                            Bearer access token → the person's claims
    GET  /end_session                         RP-initiated logout (id_token_hint,
                                              post_logout_redirect_uri, state)

Run it (``make demo`` does; the client secret in ``PROVINCIAL_IDP_CLIENT_SECRET``):

    python -m yiwang.provincial_idp --port 8010 --people var/provincial_idp/people.json \\
        --client-id yiwang \\
        --redirect-uri http://127.0.0.1:8000/login/oidc/callback/ --post-logout-uri http://127.0.0.1:8000/

People file: ``{"people": [{"name", "id_number", "trust_level", "phone_number"?, "sub"?,
"note"?}]}``; a missing ``sub`` is derived from the issuer and the ID number (a pairwise-like
stable identifier). Keys are kept in ``--key-dir`` (generated on first start; ``--rotate``
adds a new signing key and keeps the old one published).

Tests start it in-process on loopback (``ProvincialIdP(...).start()``) and may set ``faults`` to
make it misbehave the way a forged or broken token looks to the relying party.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from http import cookies
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

CODE_TTL = 60  # seconds an authorization code may wait for its exchange
TOKEN_TTL = 600  # ID and access token lifetime
SESSION_COOKIE = "sfrz_demo_session"


@dataclass
class Client:
    client_id: str
    secret: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str] = field(default_factory=list)


@dataclass
class Person:
    sub: str
    name: str
    id_number: str
    trust_level: int
    phone_number: str = ""
    note: str = ""

    def claims(self) -> dict:
        out = {
            "sub": self.sub,
            "name": self.name,
            "id_number": self.id_number,
            "trust_level": self.trust_level,
        }
        if self.phone_number:
            out["phone_number"] = self.phone_number
        return out


class ProvincialIdP:
    """The provider's state: keys, clients, people, codes, tokens, sessions (in memory — one
    process, demo only). Thread-safe: the HTTP server handles requests in threads."""

    def __init__(
        self,
        *,
        people: list[dict],
        clients: list[Client],
        host: str = "127.0.0.1",
        port: int = 0,
        issuer: str | None = None,
        key_dir: Path | None = None,
    ):
        self.host, self.port = host, port
        self._issuer = issuer
        self.clients = {c.client_id: c for c in clients}
        self.key_dir = key_dir
        self.lock = threading.Lock()
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.sessions: dict[str, str] = {}  # browser session id → sub
        self.events: list[tuple[str, dict]] = []  # what happened, for tests and the console
        self.faults: dict = {}  # test knobs: forge_key, aud, iss, exp_offset, nonce
        self.keys: list[RSAKey] = self._load_keys()
        self.retired: set[str] = set()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.people_spec = people
        self.people: dict[str, Person] = {}

    # --- keys ------------------------------------------------------------------------------
    def _load_keys(self) -> list[RSAKey]:
        path = self.key_dir / "keys.json" if self.key_dir else None
        if path and path.exists():
            return list(KeySet.import_key_set(json.loads(path.read_text())).keys)
        keys = [self._new_key()]
        self._save_keys(keys)
        return keys

    def _save_keys(self, keys: list[RSAKey]) -> None:
        if self.key_dir:
            self.key_dir.mkdir(parents=True, exist_ok=True)
            path = self.key_dir / "keys.json"
            path.write_text(json.dumps(KeySet(list(keys)).as_dict(private=True)))
            path.chmod(0o600)

    @staticmethod
    def _new_key() -> RSAKey:
        key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
        return key

    @property
    def signing_key(self) -> RSAKey:
        return self.keys[-1]

    def rotate_key(self, *, retire_old: bool = False) -> str:
        """A new signing key; the old ones stay published unless retired. Returns the new kid."""
        with self.lock:
            if retire_old:
                self.retired.update(k.kid for k in self.keys)
            self.keys.append(self._new_key())
            self._save_keys(self.keys)
            self.events.append(("rotate", {"kid": self.signing_key.kid}))
            return self.signing_key.kid

    def jwks(self) -> dict:
        published = [k for k in self.keys if k.kid not in self.retired]
        return KeySet(published).as_dict(private=False)

    # --- addresses ---------------------------------------------------------------------------
    @property
    def issuer(self) -> str:
        return self._issuer or f"http://{self.host}:{self.port}"

    def discovery(self) -> dict:
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "end_session_endpoint": f"{base}/end_session",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "profile", "phone"],
            "claims_supported": ["sub", "name", "id_number", "trust_level", "phone_number", "nonce"],
        }

    # --- people ------------------------------------------------------------------------------
    def _person(self, spec: dict) -> Person:
        sub = (
            spec.get("sub") or hashlib.sha256(f"{self.issuer}|{spec['id_number']}".encode()).hexdigest()[:32]
        )
        return Person(
            sub=sub,
            name=spec["name"],
            id_number=spec["id_number"],
            trust_level=int(spec.get("trust_level", 3)),
            phone_number=spec.get("phone_number", ""),
            note=spec.get("note", ""),
        )

    def person(self, sub: str) -> Person | None:
        return self.people.get(sub)

    # --- tokens ------------------------------------------------------------------------------
    def id_token(self, *, person: Person, client_id: str, nonce: str | None) -> str:
        now = int(time.time())
        f = self.faults
        claims = {  # identity only; the ID number and phone are released by the userinfo endpoint
            "sub": person.sub,
            "name": person.name,
            "trust_level": person.trust_level,
            "iss": f.get("iss", self.issuer),
            "aud": f.get("aud", client_id),
            "iat": now,
            "auth_time": now,
            "exp": now + TOKEN_TTL + int(f.get("exp_offset", 0)),
        }
        if nonce is not None or "nonce" in f:
            claims["nonce"] = f.get("nonce", nonce)
        key = self.signing_key
        if f.get("forge_key"):  # signed by someone else's key under the provider's kid
            forged = self._new_key()
            return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, forged)
        if f.get("unknown_key"):  # signed by a key the provider never published
            return jwt.encode({"alg": "RS256", "kid": "never-published"}, claims, self._new_key())
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    # --- server ------------------------------------------------------------------------------
    def start(self) -> ProvincialIdP:
        self.server = ThreadingHTTPServer((self.host, self.port), _handler(self))
        self.port = self.server.server_address[1]
        self.people = {p.sub: p for p in (self._person(s) for s in self.people_spec)}
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


PAGE = """<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}}
.demo{{background:#fff3cd;border:2px solid #8a6d00;padding:.75rem;margin-bottom:1rem}}
label{{display:block;padding:.5rem;border:1px solid #767676;margin:.25rem 0}}
button{{font-size:1rem;padding:.5rem 1rem;margin:.25rem .5rem .25rem 0}}</style></head>
<body><main>
<p class="demo" role="note"><strong>演示环境</strong>：这是模拟的“省统一身份认证平台”，仅供演示和测试，
不是真实的身份认证系统。</p>
{body}
</main></body></html>"""


def _handler(idp: ProvincialIdP):
    class Handler(BaseHTTPRequestHandler):
        server_version = "ProvincialIdPDemo/1"

        def log_message(self, format, *args):  # quiet in tests; the console shows events
            pass

        # --- plumbing ---
        def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: dict, headers: dict | None = None) -> None:
            self._send(status, json.dumps(data, ensure_ascii=False).encode(), "application/json", headers)

        def _html(self, status: int, title: str, body: str, headers: dict | None = None) -> None:
            page = PAGE.format(title=html.escape(title), body=body)
            self._send(status, page.encode(), "text/html; charset=utf-8", headers)

        def _redirect(self, url: str, headers: dict | None = None) -> None:
            self._send(302, b"", "text/plain", {"Location": url, **(headers or {})})

        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length") or 0)
            if length > 64 * 1024:
                return {}
            raw = self.rfile.read(length).decode()
            return {k: v[0] for k, v in parse_qs(raw).items()}

        def _query(self) -> dict[str, str]:
            return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

        def _session_sub(self) -> str | None:
            jar = cookies.SimpleCookie(self.headers.get("Cookie", ""))
            sid = jar[SESSION_COOKIE].value if SESSION_COOKIE in jar else None
            return idp.sessions.get(sid) if sid else None

        # --- routes ---
        def do_GET(self):
            path = urlsplit(self.path).path
            if path == "/.well-known/openid-configuration":
                return self._json(200, idp.discovery())
            if path == "/jwks":
                idp.events.append(("jwks", {}))
                return self._json(200, idp.jwks())
            if path == "/authorize":
                return self.authorize_page(self._query())
            if path == "/userinfo":
                return self.userinfo()
            if path == "/end_session":
                return self.end_session(self._query())
            return self._json(404, {"error": "not_found"})

        def do_POST(self):
            path = urlsplit(self.path).path
            if path == "/authorize":
                return self.authorize_decide(self._form())
            if path == "/token":
                return self.token(self._form())
            return self._json(404, {"error": "not_found"})

        # --- authorization endpoint ---
        def _check_request(self, q: dict) -> str | None:
            client = idp.clients.get(q.get("client_id", ""))
            if client is None:
                return "未知的接入应用（client_id）"
            if q.get("redirect_uri") not in client.redirect_uris:
                return "回调地址未登记（redirect_uri）"
            if q.get("response_type") != "code":
                return "只支持授权码模式（response_type=code）"
            if "openid" not in q.get("scope", "").split():
                return "缺少 openid 范围"
            if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
                return "必须使用 PKCE（S256）"
            return None

        def authorize_page(self, q: dict) -> None:
            problem = self._check_request(q)
            if problem:
                return self._html(400, "请求无效", f"<h1>请求无效</h1><p>{html.escape(problem)}</p>")
            keep = "".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                for k, v in q.items()
                if k
                in {
                    "client_id",
                    "redirect_uri",
                    "response_type",
                    "scope",
                    "state",
                    "nonce",
                    "code_challenge",
                    "code_challenge_method",
                }
            )
            current = self._session_sub()
            choices = "".join(
                f'<label><input type="radio" name="sub" value="{html.escape(p.sub)}"'
                f"{' checked' if (current == p.sub or (current is None and i == 0)) else ''}> "
                f"{html.escape(p.name)}（身份证号 {html.escape(p.id_number[:6])}********{html.escape(p.id_number[-4:])}，"
                f"可信等级 {p.trust_level}）{(' — ' + html.escape(p.note)) if p.note else ''}</label>"
                for i, p in enumerate(idp.people.values())
            )
            body = (
                "<h1>省统一身份认证平台（演示）</h1>"
                f"<p>应用 <strong>{html.escape(q['client_id'])}</strong> 请求确认您的身份。"
                "请选择以哪位演示人员的身份登录：</p>"
                f'<form method="post" action="/authorize">{keep}'
                f"<fieldset><legend>演示人员</legend>{choices}</fieldset>"
                '<button type="submit" name="decision" value="allow">同意并登录</button>'
                '<button type="submit" name="decision" value="deny">取消</button></form>'
            )
            self._html(200, "省统一身份认证平台（演示）", body)

        def authorize_decide(self, form: dict) -> None:
            problem = self._check_request(form)
            if problem:
                return self._html(400, "请求无效", f"<h1>请求无效</h1><p>{html.escape(problem)}</p>")
            redirect_uri, state = form["redirect_uri"], form.get("state")
            sep = "&" if "?" in redirect_uri else "?"
            extra = {"state": state} if state else {}
            if form.get("decision") != "allow":
                return self._redirect(redirect_uri + sep + urlencode({"error": "access_denied", **extra}))
            person = idp.person(form.get("sub", ""))
            if person is None:
                return self._html(400, "请求无效", "<h1>请求无效</h1><p>请选择一位演示人员</p>")
            code = secrets.token_urlsafe(32)
            with idp.lock:
                idp.codes[code] = {
                    "client_id": form["client_id"],
                    "redirect_uri": redirect_uri,
                    "nonce": form.get("nonce"),
                    "challenge": form["code_challenge"],
                    "sub": person.sub,
                    "expires": time.time() + CODE_TTL,
                    "used": False,
                }
                sid = secrets.token_urlsafe(24)
                idp.sessions[sid] = person.sub
                idp.events.append(("authorize", {"sub": person.sub, "client_id": form["client_id"]}))
            cookie = f"{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax"
            self._redirect(redirect_uri + sep + urlencode({"code": code, **extra}), {"Set-Cookie": cookie})

        # --- token endpoint ---
        def _client(self, form: dict) -> Client | None:
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                try:
                    raw = base64.b64decode(auth[6:]).decode()
                    cid, _, secret = raw.partition(":")
                except (ValueError, UnicodeDecodeError):
                    return None
                cid, secret = unquote_plus(cid), unquote_plus(secret)
            else:
                cid, secret = form.get("client_id", ""), form.get("client_secret", "")
            client = idp.clients.get(cid)
            if client is None or not secrets.compare_digest(client.secret, secret):
                return None
            return client

        def token(self, form: dict) -> None:
            client = self._client(form)
            if client is None:
                return self._json(401, {"error": "invalid_client"}, {"WWW-Authenticate": "Basic"})
            if form.get("grant_type") != "authorization_code":
                return self._json(400, {"error": "unsupported_grant_type"})
            with idp.lock:
                row = idp.codes.get(form.get("code", ""))
                if row is None:
                    return self._json(400, {"error": "invalid_grant", "error_description": "unknown code"})
                if row["used"]:
                    # RFC 6749 §4.1.2: a replayed code is refused and what it granted is revoked
                    for tok, rec in list(idp.access_tokens.items()):
                        if rec.get("code") == form.get("code"):
                            del idp.access_tokens[tok]
                    idp.events.append(("replay", {"sub": row["sub"]}))
                    return self._json(
                        400, {"error": "invalid_grant", "error_description": "code already used"}
                    )
                row["used"] = True
            if row["expires"] < time.time():
                return self._json(400, {"error": "invalid_grant", "error_description": "code expired"})
            if row["client_id"] != client.client_id or row["redirect_uri"] != form.get("redirect_uri"):
                return self._json(
                    400, {"error": "invalid_grant", "error_description": "client or redirect_uri"}
                )
            verifier = form.get("code_verifier", "")
            if not verifier or not secrets.compare_digest(
                create_s256_code_challenge(verifier), row["challenge"]
            ):
                return self._json(
                    400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
                )
            person = idp.person(row["sub"])
            access = secrets.token_urlsafe(32)
            with idp.lock:
                idp.access_tokens[access] = {
                    "sub": person.sub,
                    "expires": time.time() + TOKEN_TTL,
                    "code": form.get("code"),
                }
                idp.events.append(("token", {"sub": person.sub}))
            self._json(
                200,
                {
                    "access_token": access,
                    "token_type": "Bearer",
                    "expires_in": TOKEN_TTL,
                    "scope": "openid profile",
                    "id_token": idp.id_token(person=person, client_id=client.client_id, nonce=row["nonce"]),
                },
            )

        # --- userinfo ---
        def userinfo(self) -> None:
            auth = self.headers.get("Authorization", "")
            rec = idp.access_tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
            if rec is None or rec["expires"] < time.time():
                return self._json(
                    401, {"error": "invalid_token"}, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
                )
            self._json(200, idp.person(rec["sub"]).claims())

        # --- logout ---
        def end_session(self, q: dict) -> None:
            sub = client_id = None
            hint = q.get("id_token_hint")
            if hint:
                try:
                    tok = jwt.decode(hint, KeySet(list(idp.keys)), algorithms=["RS256"])
                    sub, client_id = tok.claims.get("sub"), tok.claims.get("aud")
                except (JoseError, ValueError):
                    return self._html(400, "退出失败", "<h1>退出失败</h1><p>退出请求中的令牌无效</p>")
            sid_cookie = cookies.SimpleCookie(self.headers.get("Cookie", ""))
            with idp.lock:
                if SESSION_COOKIE in sid_cookie:
                    idp.sessions.pop(sid_cookie[SESSION_COOKIE].value, None)
                if sub:
                    for sid in [s for s, who in idp.sessions.items() if who == sub]:
                        del idp.sessions[sid]
                idp.events.append(("end_session", {"sub": sub}))
            clear = {"Set-Cookie": f"{SESSION_COOKIE}=; Path=/; Max-Age=0"}
            target = q.get("post_logout_redirect_uri")
            client = idp.clients.get(client_id or q.get("client_id", ""))
            if target and client and target in client.post_logout_redirect_uris:
                state = q.get("state")
                if state:
                    target += ("&" if "?" in target else "?") + urlencode({"state": state})
                return self._redirect(target, clear)
            self._html(200, "已退出", "<h1>您已退出省统一身份认证平台（演示）</h1>", clear)

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Demo provincial OpenID Connect provider (演示用，非真实系统)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--issuer", default=None, help="public issuer URL (default http://HOST:PORT)")
    parser.add_argument("--people", type=Path, required=True, help="JSON file of the demo people")
    parser.add_argument("--client-id", default="yiwang")
    parser.add_argument(
        "--client-secret",
        default=os.environ.get("PROVINCIAL_IDP_CLIENT_SECRET"),
        help="default $PROVINCIAL_IDP_CLIENT_SECRET (keeps it out of the process list)",
    )
    parser.add_argument(
        "--redirect-uri", action="append", default=[], help="registered callback (repeatable)"
    )
    parser.add_argument("--post-logout-uri", action="append", default=[], help="where logout may return")
    parser.add_argument("--key-dir", type=Path, default=None, help="where the signing keys are kept")
    parser.add_argument("--rotate", action="store_true", help="add a new signing key before serving")
    args = parser.parse_args(argv)
    if not args.client_secret:
        parser.error("a client secret is needed (--client-secret or PROVINCIAL_IDP_CLIENT_SECRET)")
    people = json.loads(args.people.read_text())["people"]
    idp = ProvincialIdP(
        people=people,
        clients=[Client(args.client_id, args.client_secret, args.redirect_uri, args.post_logout_uri)],
        host=args.host,
        port=args.port,
        issuer=args.issuer,
        key_dir=args.key_dir,
    )
    if args.rotate:
        idp.rotate_key()
    idp.start()
    print(
        f"演示用省统一身份认证平台（模拟，非真实系统）: {idp.issuer}/.well-known/openid-configuration",
        flush=True,
    )
    for p in idp.people.values():
        print(f"  演示人员 {p.name} 可信等级 {p.trust_level}", flush=True)
    try:
        idp.thread.join()
    except KeyboardInterrupt:
        idp.stop()


if __name__ == "__main__":
    main()
