"""The HTTP API under /api/v1/ (../shared/API.md). Routers live in each app's `api.py`."""

import logging

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from yiwang.core.errors import DomainError

log = logging.getLogger("yiwang.api")

api = NinjaAPI(
    title="Yiwang 一网通办 API",
    version="1",
    description="一体化政务服务平台接口。约定见 docs/api.md。",
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError):
    log.info("api error %s %s -> %s %s", request.method, request.path, exc.status, exc.code)
    return api.create_response(request, exc.as_body(), status=exc.status)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(
        request, {"code": "not_authenticated", "message": "请先登录", "fields": {}}, status=401
    )


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        key = ".".join(loc) or "_"
        fields.setdefault(key, []).append(_zh_pydantic(err))
    return api.create_response(
        request, {"code": "validation_error", "message": "请求内容格式有误", "fields": fields}, status=422
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError):
    return api.create_response(
        request, {"code": "http_error", "message": str(exc), "fields": {}}, status=exc.status_code
    )


def _zh_pydantic(err: dict) -> str:
    kind = err.get("type", "")
    return {
        "missing": "必填",
        "string_type": "应为文本",
        "int_parsing": "应为整数",
        "int_type": "应为整数",
        "bool_parsing": "应为是/否",
        "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
        "date_parsing": "日期格式应为 YYYY-MM-DD",
        "date_type": "日期格式应为 YYYY-MM-DD",
        "extra_forbidden": "不允许的字段",
        "literal_error": "取值不在允许范围内",
        "enum": "取值不在允许范围内",
        "greater_than_equal": "数值过小",
        "less_than_equal": "数值过大",
        "string_too_long": "内容过长",
        "dict_type": "应为对象",
        "list_type": "应为列表",
        "json_invalid": "不是合法的 JSON",
    }.get(kind, "格式有误")


def _mount() -> None:
    from yiwang.accounts.api import router as accounts_router
    from yiwang.bundles.api import router as bundles_router
    from yiwang.cases.api import public_router as notices_public_router
    from yiwang.cases.api import router as cases_router
    from yiwang.catalog.api import router as catalog_router
    from yiwang.docking.api_sharing import router as docking_sharing_router
    from yiwang.docking.api_systems import router as docking_systems_router
    from yiwang.evaluations.api import router as evaluations_router
    from yiwang.exchange.api import router as exchange_router
    from yiwang.federation.api import router as federation_router
    from yiwang.halls.api import router as halls_router
    from yiwang.halls.terminals import router as terminals_router
    from yiwang.identity.api import router as identity_router
    from yiwang.knowledge.api import router as knowledge_router
    from yiwang.ledger.api import router as ledger_router
    from yiwang.licenses.api import router as licenses_router
    from yiwang.notifications.api import router as notifications_router
    from yiwang.participation.api import router as participation_router
    from yiwang.projects.api import ledger_router as data_ledger_router
    from yiwang.projects.api import router as projects_router
    from yiwang.supervision.api import router as supervision_router
    from yiwang.training.api import router as training_router
    from yiwang.workdays.api import router as workdays_router

    api.add_router("/v1/auth", accounts_router)
    api.add_router("/v1", catalog_router)
    api.add_router("/v1", cases_router)
    api.add_router("/v1", notices_public_router)
    api.add_router("/v1", bundles_router)
    api.add_router("/v1", evaluations_router)
    api.add_router("/v1", participation_router)
    api.add_router("/v1/knowledge", knowledge_router)
    api.add_router("/v1", halls_router)
    api.add_router("/v1", terminals_router)
    api.add_router("/v1", projects_router)
    api.add_router("/v1/data-ledger", data_ledger_router)
    api.add_router("/v1", notifications_router)
    api.add_router("/v1", training_router)
    api.add_router("/v1", supervision_router)
    api.add_router("/v1/calendar", workdays_router)
    api.add_router("/v1/ledger", ledger_router)
    api.add_router("/v1/licenses", licenses_router)
    api.add_router("/v1/identity", identity_router)
    api.add_router("/v1/exchange", exchange_router)
    api.add_router("/v1/federation", federation_router)
    api.add_router("/v1/docking/department-systems", docking_systems_router)
    api.add_router("/v1/docking", docking_sharing_router)


_mount()
