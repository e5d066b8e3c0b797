"""Domain errors. Services raise these; the API turns them into the contract's error body
`{"code", "message", "fields"}` with the matching HTTP status. Messages are Chinese (for people);
codes are English (for machines and logs)."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}

    def as_body(self) -> dict:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class StaleVersion(DomainError):
    status = 409
    code = "stale_version"

    def __init__(self, message: str = "该办件已被他人处理，请刷新后重试", **kw):
        super().__init__(message, **kw)


class Conflict(DomainError):
    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    """The record's state does not allow the action (409 invalid_transition): a kind of conflict,
    so callers that catch Conflict (exchange agreements and consents did so) still do."""

    code = "invalid_transition"


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"

    def __init__(self, message: str = "提交的内容有误，请按提示修改", **kw):
        super().__init__(message, **kw)


class Throttled(DomainError):
    status = 429
    code = "throttled"
