"""Unknown query parameters are refused, not ignored: `?q=` on an operation that has no `q`, or a
typo (`?limt=10`), would otherwise answer as if it had not been sent, and the caller would believe
it had filtered or paged.

Each operation's declared query names are read once, when the app is built, from FastAPI's
dependant tree (its own parameters, those of every dependency such as paging, and the fields of a
pydantic query model); a request then costs a parse of its query string and a set difference.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from fastapi._compat import ModelField
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import AliasChoices, BaseModel
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

from daye_kit.errors import FieldError, InvalidInput

UNKNOWN_PARAMETER = "unknown_parameter"


def _query_model(annotation: object) -> type[BaseModel] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _names(name: str, alias: str | None, validation_alias: object) -> set[str]:
    names = {alias or name}
    if isinstance(validation_alias, str):
        names.add(validation_alias)
    elif isinstance(validation_alias, AliasChoices):
        names.update(choice for choice in validation_alias.choices if isinstance(choice, str))
    return names


def _query_params(dependant: Dependant) -> Iterator[ModelField]:
    yield from dependant.query_params
    for dependency in dependant.dependencies:
        yield from _query_params(dependency)


def declared_query_names(dependant: Dependant) -> frozenset[str]:
    """The query names an operation reads: its parameters, its dependencies' and its query models'
    fields (by alias, as FastAPI reads them)."""
    names: set[str] = set()
    for param in _query_params(dependant):
        info = param.field_info
        model = _query_model(info.annotation)
        if model is None:
            names |= _names(param.name, param.alias, info.validation_alias)
            continue
        for field_name, field in model.model_fields.items():
            names |= _names(field_name, field.alias, field.validation_alias)
    return frozenset(names)


def unknown_names(query_string: str, allowed: frozenset[str]) -> list[str]:
    seen = dict.fromkeys(name for name, _ in parse_qsl(query_string, keep_blank_values=True))
    return [name for name in seen if name not in allowed]


def unknown_parameters(names: Iterable[str]) -> InvalidInput:
    names = list(names)
    errors = [
        FieldError(
            field=f"query.{name}",
            rule=UNKNOWN_PARAMETER,
            message=f"this operation has no query parameter {name!r}",
        )
        for name in names
    ]
    return InvalidInput(f"未知的查询参数: {', '.join(names[:5])}", code=UNKNOWN_PARAMETER, errors=errors)


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # FastAPI's included router
        if included is not None:
            yield from api_routes(included.routes)


class DeclaredQueryNames:
    """Each operation's declared query names, computed for every route when the app is built."""

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self._names = {id(route): declared_query_names(route.dependant) for route in api_routes(routes)}

    def of(self, route: APIRoute) -> frozenset[str]:
        names = self._names.get(id(route))
        if names is None:
            names = self._names[id(route)] = declared_query_names(route.dependant)
        return names


_UNCHECKED = "__daye_unchecked_handle__"
Handle = Callable[[Scope, Receive, Send], Coroutine[Any, Any, None]]


def _strict(route: APIRoute, allowed: frozenset[str]) -> Handle:
    """`route.handle`, refusing unknown query names first. Routing has answered by then (404, and 405
    here, below, for a method the route does not serve); nothing of the operation has run yet, not
    even authentication. A request without a query string costs one check."""
    handle = getattr(route.handle, _UNCHECKED, route.handle)  # routers are shared by the apps tests build
    methods = route.methods or ()

    async def strict_handle(scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string")
        if query and scope["method"] in methods:
            unknown = unknown_names(query.decode("latin-1"), allowed)
            if unknown:
                raise unknown_parameters(unknown)
        await handle(scope, receive, send)

    setattr(strict_handle, _UNCHECKED, handle)
    return strict_handle


def refuse_unknown_query_names(app: FastAPI) -> None:
    """Once the routers are included: every operation refuses the query names it does not declare.

    A check in the operation's own ASGI handler, not an app-wide dependency: a dependency, even one
    doing nothing, costs every request FastAPI's resolution of dependencies, which `/healthz` and
    many reads would otherwise not need at all. Each route's names are in
    `app.state.declared_query_names`."""
    declared = DeclaredQueryNames(app.router.routes)
    for route in api_routes(app.router.routes):
        route.handle = _strict(route, declared.of(route))  # type: ignore[assignment]
    app.state.declared_query_names = declared
