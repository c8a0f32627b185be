"""What makes each service's OpenAPI document a contract other systems can rely on, applied to every
operation when the document is built, so no route has to repeat it:

- every JSON success answer carries an example, generated from its schema's field examples;
- every problem answer lists, as named examples, the error codes the operation can answer: those its
  route names (`problem_responses(404, PeriodClosed)`) and those any operation may answer for that
  status (`not_found`, `validation_failed`, `unknown_parameter` …);
- deprecated operations (`@deprecated(...)` under the route decorator) say so in the document
  (`deprecated: true`) and on every answer (`Deprecation`, `Sunset`, `Link: rel="deprecation"`).

The policy behind deprecation: `docs/api-policy.md`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.routing import APIRoute

from daye_kit.errors import PROBLEM_DESCRIPTIONS, PROBLEM_MEDIA_TYPE, problem_example

F = TypeVar("F", bound=Callable[..., Any])

# The codes any operation may answer for a status, whatever its route: the kit's own refusals.
COMMON_CODES: dict[int, list[tuple[str, str]]] = {
    400: [("bad_request", "请求无效")],
    401: [
        ("unauthorized", "未认证或凭据无效"),
        ("token_expired", "令牌已过期"),
        ("token_invalid", "令牌无效"),
    ],
    403: [("forbidden", "无权执行此操作")],
    404: [("not_found", "资源不存在")],
    409: [("conflict", "与现有数据冲突")],
    413: [("payload_too_large", "请求体过大")],
    415: [("not_a_spreadsheet", "上传的不是 .xlsx 工作簿")],
    422: [("validation_failed", "请求参数有误"), ("unknown_parameter", "未知的查询参数")],
    429: [("rate_limited", "请求过于频繁")],
    502: [("peer_error", "依赖的服务返回错误"), ("peer_answer_invalid", "依赖的服务返回了无法识别的内容")],
    503: [
        ("service_unavailable", "服务暂不可用"),
        ("peer_unavailable", "依赖的服务暂不可用"),
        ("database_unavailable", "数据库暂不可用"),
    ],
}
IDEMPOTENCY_CODES = {
    422: ("idempotency_key_reused", "同一 Idempotency-Key 用于了不同的请求"),
    409: ("idempotency_key_in_use", "同一 Idempotency-Key 的请求仍在处理"),
}


def complete_document(schema: dict[str, Any]) -> None:
    """Fills what every operation shares (see the module's docstring) into a built document."""
    components = schema.get("components", {}).get("schemas", {})
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            # Every operation refuses unknown query parameters (`daye_kit.strict_query`).
            responses.setdefault(
                "422",
                {
                    "description": PROBLEM_DESCRIPTIONS[422],
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                },
            )
            idempotent = any(
                p.get("in") == "header" and p.get("name", "").lower() == "idempotency-key"
                for p in operation.get("parameters", [])
            )
            for status, response in responses.items():
                media = response.get("content", {}).get(PROBLEM_MEDIA_TYPE)
                if media is not None:
                    # Copied: FastAPI and the kit share one content dict between responses.
                    media = {**media, "examples": dict(media.get("examples", {}))}
                    response["content"] = {**response["content"], PROBLEM_MEDIA_TYPE: media}
                    _list_codes(int(status), media, idempotent=idempotent)
                elif status.startswith("2"):
                    _add_example(response.get("content", {}), components)


def _add_example(content: dict[str, Any], components: dict[str, Any]) -> None:
    media = content.get("application/json")
    if media is None or "example" in media or "examples" in media:
        return
    if not media.get("schema") and len(content) > 1:
        # A file answer (a workbook …): FastAPI's default JSON entry describes nothing.
        del content["application/json"]
        return
    media["example"] = example_of(media.get("schema", {}), components)


def _list_codes(status: int, media: dict[str, Any], *, idempotent: bool) -> None:
    examples: dict[str, Any] = media.setdefault("examples", {})
    # A status the kit never answers by itself (410 …) lists only the codes its route names; one that
    # names none is answered as `http_<status>` (`errors._http_error`).
    fallback = [] if examples else [(f"http_{status}", PROBLEM_DESCRIPTIONS.get(status, "错误"))]
    common = list(COMMON_CODES.get(status, fallback))
    if idempotent and status in IDEMPOTENCY_CODES:
        common.append(IDEMPOTENCY_CODES[status])
    for code, title in common:
        examples.setdefault(code, problem_example(status, code, title))


_FORMAT_EXAMPLES = {
    "date": "2025-09-30",
    "date-time": "2025-09-30T08:00:00Z",
    "uuid": "0b5f4c1e-8a3d-4f7e-9c21-5d6e7f8a9b0c",
    "uri": "https://example.gov.cn/",
    "email": "office@example.gov.cn",
    "binary": "",
}


# Example values for fields that carry no `examples` of their own, by the name every service gives
# them: a reader sees a credit code shaped like one rather than a placeholder.
NAME_EXAMPLES: dict[str, Any] = {
    "credit_code": "91420281MA0000001H",
    "region_code": "420281101",
    "region": "420281101",
    "enterprise_name": "大冶市华鑫铸造有限公司",
    "name": "大冶市华鑫铸造有限公司",
    "program_name": "科技创新管理专项",
    "provider": "武汉理工大学",
    "industry": "铸造",
    "note": "",
    "memo": "",
    "decision_note": "材料齐全,同意",
    "indicator_code": "tech_contract_turnover",
    "code": "tech_contract_turnover",
    "source": "matching-api",
    "source_id": "match-1024",
    "certificate_no": "GR202442001234",
    "contact": "0714-8721234",
    "request_id": "4f1c2a9e0d5b4c7f8a6e3b2d1c0f9e8a",
    "created_request_id": "4f1c2a9e0d5b4c7f8a6e3b2d1c0f9e8a",
    "decided_request_id": "9a8b7c6d5e4f40312a1b2c3d4e5f6071",
    "event_id": "0b5f4c1e-8a3d-4f7e-9c21-5d6e7f8a9b0c",
    "type": "award.approved",
    "subject": "award/12",
    "destination": "indicator-api",
    "last_error": None,
    "error": None,
    "username": "zhangsan",
    "owner_username": "whut-tech-transfer",
}
for _who in (
    "created_by",
    "decided_by",
    "recorded_by",
    "posted_by",
    "stage_changed_by",
    "set_by",
    "by",
    "actor",
    "requested_by",
    "runner",
):
    NAME_EXAMPLES[_who] = "admin"


def example_of(
    schema: dict[str, Any], components: dict[str, Any], depth: int = 0, *, optional: bool = False
) -> Any:
    """An example value for a JSON schema, from its own or its fields' `examples` where they exist,
    else a plausible value of its type. Recursion stops at depth 8 (self-referring schemas)."""
    if depth > 8:
        return None
    if "$ref" in schema:
        target = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return example_of(
            {**target, **{k: v for k, v in schema.items() if k != "$ref"}}, components, depth + 1
        )
    if "example" in schema:
        return schema["example"]
    if schema.get("examples"):
        examples = schema["examples"]
        return examples[0] if isinstance(examples, list) else next(iter(examples.values()))
    if "const" in schema:
        return schema["const"]
    if "default" in schema:  # an optional field without an example: its default, often null
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            if optional and any(v.get("type") == "null" for v in schema[key]):
                return None  # an optional field without an example: absent is its usual value
            variants = [v for v in schema[key] if v.get("type") != "null"] or schema[key]
            return example_of(variants[0], components, depth + 1)
    if "allOf" in schema:
        return example_of(schema["allOf"][0], components, depth + 1)
    kind = schema.get("type")
    if "additionalProperties" in schema and not schema.get("properties"):
        # A map (`dict[Program, Assessment]`): one entry, keyed as its keys are.
        key = example_of(schema.get("propertyNames", {"type": "string"}), components, depth + 1)
        value = schema["additionalProperties"]
        return {str(key): example_of(value if isinstance(value, dict) else {}, components, depth + 1)}
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return {
            name: _property_example(name, prop, components, depth, name not in required)
            for name, prop in properties.items()
        }
    if kind == "array":
        return [example_of(schema.get("items", {}), components, depth + 1)]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return max(0.5, float(schema.get("minimum", 0.5)))
    if kind == "boolean":
        return True
    if kind == "string":
        return _FORMAT_EXAMPLES.get(schema.get("format", ""), "示例")
    return None


def _property_example(
    name: str, prop: dict[str, Any], components: dict[str, Any], depth: int, optional: bool
) -> Any:
    own = example_of(prop, components, depth + 1, optional=optional)
    if own == "示例" and name in NAME_EXAMPLES:  # a placeholder: the platform's usual value reads better
        return NAME_EXAMPLES[name]
    return own


# -- deprecation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deprecation:
    """An operation that still works but will go: since when, until when, and where to read why."""

    since: datetime
    sunset: datetime
    link: str

    def headers(self) -> list[tuple[bytes, bytes]]:
        """RFC 9745 `Deprecation: @<unix time>`, RFC 8594 `Sunset: <HTTP-date>`, and the policy or
        migration note as `Link: <…>; rel="deprecation"`."""
        return [
            (b"deprecation", f"@{int(self.since.timestamp())}".encode()),
            (b"sunset", format_datetime(self.sunset.astimezone(UTC), usegmt=True).encode()),
            (b"link", f'<{self.link}>; rel="deprecation"; type="text/html"'.encode()),
        ]


DEPRECATION_HEADERS_ATTRIBUTE = "daye_deprecation_headers"


def deprecated(*, since: datetime, sunset: datetime, link: str) -> Callable[[F], F]:
    """Marks an endpoint deprecated; put it under the route decorator:

        @router.get("/api/v1/old", ...)
        @deprecated(since=datetime(2026, 12, 1, tzinfo=UTC), sunset=datetime(2027, 6, 1, tzinfo=UTC),
                    link="https://…/docs/api-changelog.md#…")
        async def read_old(...): ...

    The app factory then documents it (`deprecated: true`) and every answer of it carries the
    headers, errors included (`observability.RequestContextMiddleware` adds them)."""
    if since.tzinfo is None or sunset.tzinfo is None or sunset <= since:
        raise ValueError("since and sunset are aware datetimes, sunset after since")
    deprecation = Deprecation(since, sunset, link)

    def mark(endpoint: F) -> F:
        endpoint.__dict__["daye_deprecation"] = deprecation
        return endpoint

    return mark


def _routes(routers: Iterable[APIRouter]) -> Iterator[APIRoute]:
    for router in routers:
        yield from (route for route in router.routes if isinstance(route, APIRoute))


def apply_deprecations(routers: Iterable[APIRouter]) -> None:
    """Before the routers are included: each route whose endpoint is `@deprecated` is documented as
    deprecated and carries the headers its answers get."""
    for route in _routes(routers):
        deprecation = getattr(route.endpoint, "daye_deprecation", None)
        if isinstance(deprecation, Deprecation):
            route.deprecated = True
            setattr(route, DEPRECATION_HEADERS_ATTRIBUTE, deprecation.headers())
