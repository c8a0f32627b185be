"""One exception hierarchy, rendered by one set of handlers as RFC 9457 problem+json.

Services raise `NotFound`, `Forbidden`, `Conflict`, … (or subclasses with their own stable `code`);
FastAPI's validation errors, Starlette's HTTP errors and anything unexpected are rendered the same
way, so a client only ever parses one error shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import structlog
from asgi_correlation_id import correlation_id
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = structlog.get_logger("daye.errors")


class FieldError(BaseModel):
    """One bad input field."""

    field: str = Field(
        description="出错字段的位置,如 `body.amount` 或 `query.year`", examples=["body.amount"]
    )
    rule: str = Field(description="违反的规则(稳定的机器可读代码)", examples=["decimal_max_places"])
    message: str = Field(
        description="说明", examples=["Decimal input should have no more than 2 decimal places"]
    )


class Problem(BaseModel):
    """RFC 9457 problem details, with a stable machine `code` and the bad fields."""

    type: str = Field(description="问题类型 URI", examples=["/problems/not_found"])
    title: str = Field(description="问题类型的简短说明", examples=["资源不存在"])
    status: int = Field(description="HTTP 状态码", examples=[404])
    detail: str = Field(
        description="本次出错的具体说明", examples=["enterprise 91420281MA4XXXXXXX not found"]
    )
    code: str = Field(description="稳定的机器可读错误代码", examples=["not_found"])
    request_id: str | None = Field(default=None, description="请求编号,与日志中的 request_id 相同")
    errors: list[FieldError] = Field(default_factory=list, description="逐字段的错误")


class AppError(Exception):
    """Base of every error a service raises on purpose."""

    status: int = 500
    code: str = "internal_error"
    title: str = "服务器内部错误"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        title: str | None = None,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.detail = detail or self.title
        if code:
            self.code = code
        if title:
            self.title = title
        self.errors = list(errors)
        self.headers = dict(headers or {})
        super().__init__(self.detail)

    def to_problem(self) -> Problem:
        return Problem(
            type=f"/problems/{self.code}",
            title=self.title,
            status=self.status,
            detail=self.detail,
            code=self.code,
            request_id=correlation_id.get(),
            errors=self.errors,
        )


class BadRequest(AppError):
    status, code, title = 400, "bad_request", "请求无效"


class InvalidInput(AppError):
    status, code, title = 422, "validation_failed", "请求参数有误"

    @classmethod
    def field(cls, field: str, rule: str, message: str) -> InvalidInput:
        return cls(message, errors=[FieldError(field=field, rule=rule, message=message)])


class RowError(BaseModel):
    """A bad field in one row of a batch, before anyone knows whether the batch came as JSON or as a
    workbook: services raise these, and the edge that knows the format names the place."""

    row: int = Field(description="the row's index in the batch, from 0")
    field: str = Field(description="the field inside the row, dotted: `figures.sales_revenue.0`")
    rule: str
    message: str


class RowsRefused(InvalidInput):
    """Rows of a batch broke rules; nothing was written. Rendered by `json_rows` or a workbook's
    locator into `FieldError`s; left alone, each row is named `body.items.N.field`."""

    def __init__(self, detail: str, rows: Sequence[RowError], *, locate: RowLocator | None = None) -> None:
        self.rows = list(rows)
        super().__init__(detail, errors=[located(r, locate or json_rows()) for r in self.rows])


RowLocator = Callable[[int, str], str]
"""(row index, field inside the row) → where a client finds it: a JSON path or a workbook cell."""


def json_rows(prefix: str = "body.items", *, single: bool = False) -> RowLocator:
    """`body.items.3.region_code` for a batch; `body.region_code` for one object sent alone."""
    if single:
        return lambda _, field: f"{prefix}.{field}" if field else prefix
    return lambda row, field: f"{prefix}.{row}.{field}" if field else f"{prefix}.{row}"


def located(error: RowError, locate: RowLocator) -> FieldError:
    return FieldError(field=locate(error.row, error.field), rule=error.rule, message=error.message)


@contextmanager
def rows_located(locate: RowLocator) -> Iterator[None]:
    """Names each refused row's field where the client sent it."""
    try:
        yield
    except RowsRefused as exc:
        if not exc.rows:
            raise  # its fields were named whole where it was raised
        # The same kind of refusal (its status and code), its rows named where the client sent them.
        raise type(exc)(exc.detail, exc.rows, locate=locate) from exc


class Unauthorized(AppError):
    status, code, title = 401, "unauthorized", "未认证或凭据无效"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kwargs)


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "无权执行此操作"


class NotFound(AppError):
    status, code, title = 404, "not_found", "资源不存在"


class MethodNotAllowed(AppError):
    status, code, title = 405, "method_not_allowed", "不支持的请求方法"


class Conflict(AppError):
    status, code, title = 409, "conflict", "与现有数据冲突"


class PayloadTooLarge(AppError):
    status, code, title = 413, "payload_too_large", "请求体过大"


class TooManyRequests(AppError):
    """A rate limit was reached; `Retry-After` says in how many seconds a request is admitted again."""

    status, code, title = 429, "rate_limited", "请求过于频繁"

    def __init__(self, detail: str, *, retry_after: int, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, **kwargs)


class ServiceUnavailable(AppError):
    status, code, title = 503, "service_unavailable", "服务暂不可用"


class PeerUnavailable(ServiceUnavailable):
    code, title = "peer_unavailable", "依赖的服务暂不可用"


class PeerError(AppError):
    """A peer refused a call in a way the caller did not handle itself."""

    status, code, title = 502, "peer_error", "依赖的服务返回错误"

    def __init__(self, detail: str, *, peer: str, peer_status: int, peer_problem: Mapping[str, Any]):
        self.peer = peer
        self.peer_status = peer_status
        self.peer_problem = dict(peer_problem)
        self.peer_code = str(peer_problem.get("code", ""))
        super().__init__(detail)


class PeerAnswerInvalid(PeerError):
    """A peer answered with something that is not what its contract says (not JSON, wrong shape)."""

    code, title = "peer_answer_invalid", "依赖的服务返回了无法识别的内容"


def problem_response(problem: Problem, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(mode="json"),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def _field_name(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc)


def validation_problem(exc: RequestValidationError) -> Problem:
    errors = [
        FieldError(
            field=_field_name(err.get("loc", ())),
            rule=str(err.get("type", "invalid")),
            message=str(err.get("msg", "")),
        )
        for err in exc.errors()
    ]
    names = ", ".join(e.field for e in errors[:5])
    return InvalidInput(f"请求参数有误: {names}", errors=errors).to_problem()


_STATUS_ERRORS: dict[int, type[AppError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    413: PayloadTooLarge,
    503: ServiceUnavailable,
}


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    if exc.status >= 500:
        log.warning("request_failed", code=exc.code, status=exc.status, detail=exc.detail)
    return problem_response(exc.to_problem(), exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return problem_response(validation_problem(exc))


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error_type = _STATUS_ERRORS.get(exc.status_code)
    if error_type is not None:
        error = error_type(str(exc.detail) if exc.detail else None, headers=exc.headers)
    else:
        error = AppError(str(exc.detail), code=f"http_{exc.status_code}", headers=exc.headers)
        error.status = exc.status_code
    return problem_response(error.to_problem(), error.headers)


# A NUL in JSON text: `\u0000` after an even number of backslashes (an odd one escapes the `\`).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


class NulCharacterMiddleware:
    """Refuses a NUL character in a URL (`%00`) or in a JSON body (`\\u0000`) as a 422, on every
    backend alike: PostgreSQL text cannot hold one, so it would otherwise end in the driver's error,
    a 500. It sits inside the body cap, which has counted the body before it is read here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        where = "path" if "\x00" in scope["path"] else None
        if b"%00" in scope["query_string"] or b"\x00" in scope["query_string"]:
            where = "query"
        json_body = False
        for name, value in scope["headers"]:
            if name == b"content-type":
                json_body = b"json" in value
                break
        if where is None and json_body:
            chunks: list[bytes] = []  # joined once: adding bytes chunk by chunk is quadratic
            while True:
                message = await receive()
                chunks.append(message.get("body", b""))
                if message["type"] != "http.request" or not message.get("more_body", False):
                    break
            body = b"".join(chunks)
            # The plain search first: memchr-fast over a bulk import's megabytes, where the pattern's
            # look-behind would be tried at every byte.
            if b"\\u0000" in body and _JSON_NUL.search(body):
                where = "body"
            receive = _replay(body, receive)
        if where is None:
            await self.app(scope, receive, send)
            return
        detail = "a NUL character (%00, \\u0000) is not allowed in a URL or in text"
        error = InvalidInput(detail, errors=[FieldError(field=where, rule="no_nul", message=detail)])
        await problem_response(error.to_problem())(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then whatever comes next."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


def unhandled_error_response() -> JSONResponse:
    """The 500 for an exception nobody handled (`observability.RequestContextMiddleware`): a problem
    with the request id and no stack trace in the body."""
    return problem_response(AppError("服务器内部错误,请凭请求编号联系管理员").to_problem())


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


PROBLEM_DESCRIPTIONS = {
    400: "请求无效",
    401: "未认证",
    403: "无权访问",
    404: "资源不存在",
    409: "冲突",
    410: "已失效",
    413: "请求体过大",
    415: "不支持的文件类型",
    422: "参数校验失败",
    429: "请求过于频繁",
    502: "依赖服务出错",
    503: "依赖服务不可用",
}


def problem_example(status: int, code: str, title: str) -> dict[str, Any]:
    """An example problem body answering `code`, for the OpenAPI document."""
    value: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": title,
        "code": code,
        "request_id": "4f1c2a9e0d5b4c7f8a6e3b2d1c0f9e8a",
        "errors": [],
    }
    if status == 422:
        field, rule = (
            ("query.limt", code) if code == "unknown_parameter" else ("body.amount", "money_parsing")
        )
        value["errors"] = [{"field": field, "rule": rule, "message": title}]
    return {"summary": f"{code}: {title}", "value": value}


def problem_responses(
    *answers: int | type[AppError], codes: Mapping[int, Sequence[str]] | None = None
) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries documenting the problem+json body for the given statuses, each with an
    example per error code the operation can answer: an `AppError` subclass among `answers` names its
    own status and code (`problem_responses(401, 404, PeriodClosed)`), `codes` adds codes raised
    without a class of their own (`codes={409: ["period_closed"]}`). The codes every operation may
    answer for a status (`not_found`, `validation_failed`, `unknown_parameter` …) are added to each
    when the document is built (`daye_kit.openapi`)."""
    examples: dict[int, dict[str, Any]] = {}
    for answer in answers:
        if isinstance(answer, int):
            examples.setdefault(answer, {})
        else:
            examples.setdefault(answer.status, {})[answer.code] = problem_example(
                answer.status, answer.code, answer.title
            )
    for status, named in (codes or {}).items():
        for code in named:
            examples.setdefault(status, {})[code] = problem_example(
                status, code, PROBLEM_DESCRIPTIONS.get(status, "错误")
            )
    responses: dict[int | str, dict[str, Any]] = {}
    for status, by_code in examples.items():
        media: dict[str, Any] = {"schema": {"$ref": "#/components/schemas/Problem"}}
        if by_code:
            media["examples"] = by_code
        responses[status] = {
            "model": Problem,
            "description": PROBLEM_DESCRIPTIONS.get(status, "错误"),
            "content": {PROBLEM_MEDIA_TYPE: media},
        }
    return responses
