"""部门业务系统对接: the signed callback a department business system reports status changes and
its decision through (docs/integration.md). Machine to machine: no session, no token — the RFC 9421
signature with the system's registered key is the authentication. Answers are signed with the
platform's key."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from yiwang.exchange import httpsig

from .services import systems

router = Router(tags=["docking"])


def _signed(status: int, data: dict) -> HttpResponse:
    body = systems.dumps(data)
    response = HttpResponse(body, status=status, content_type="application/json")
    key_id, private = httpsig.own_signing_key()
    for k, v in httpsig.sign_response(status=status, body=body, key_id=key_id, private_key=private).items():
        if k.lower() != "content-type":
            response[k] = v
    return response


@router.post("/{code}/callback", auth=None)
def callback(request: HttpRequest, code: str):
    """A department system's status report: `{"id", "case", "seq", "status", …}` (signed)."""
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    # An oversized body is refused without reading it.
    body = request.body if size <= systems.max_body() else None
    status, answer = systems.callback_receive(
        code=code,
        method=request.method,
        url=request.build_absolute_uri(),
        headers=dict(request.headers.items()),
        body=body,
        size=max(size, len(body or b"")),
    )
    return _signed(status, answer)
