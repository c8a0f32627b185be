"""Included routers that step aside for a path none of their routes can match.

FastAPI (0.165) keeps each `include_router` as a node of its own and finds a request's route by asking
every node in turn, and each node every route it holds, by regular expression: a read of one
enterprise, the 46th route of indicator-api, was matched against the 45 before it on every request
(about 70 µs of its CPU). Every service's routes sit under literal prefixes (`/api/v1/awards`,
`/api/v1/enterprises`, …), so each included router is given the literal beginnings of its routes'
paths, and answers "no match" at once for a path that begins with none of them. What matches, and
in what order, is unchanged: a path a router could match is still asked of it, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRouter, _IncludedRouter
from starlette._utils import get_route_path
from starlette.routing import Match, Route
from starlette.types import Scope


@dataclass
class PrefixGuardedRouter(_IncludedRouter):
    """FastAPI's included router, asked only for paths beginning with one of `literal_prefixes`."""

    literal_prefixes: tuple[str, ...] = ()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(self.literal_prefixes):
            return Match.NONE, {}
        return super().matches(scope)


def literal_prefixes(router: APIRouter, prefix: str = "") -> frozenset[str] | None:
    """The literal beginning of every route's path in `router` (what comes before its first path
    parameter), with the prefixes it was included under; None if it holds anything else (a mount, a
    websocket route …), whose paths are not all literal."""
    found: set[str] = set()
    for route in router.routes:
        if isinstance(route, _IncludedRouter):
            inner = literal_prefixes(route.original_router, prefix + route.include_context.prefix)
            if inner is None:
                return None
            found |= inner
        elif isinstance(route, Route):  # APIRoute included
            found.add((prefix + route.path).split("{", 1)[0])
        else:
            return None
    return frozenset(found)


def _shortest(prefixes: frozenset[str]) -> tuple[str, ...]:
    """The prefixes no other one begins: a path beginning with `/api/v1/awards/` begins with
    `/api/v1/awards` too."""
    return tuple(sorted(p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)))


def guard_included_routers(app: FastAPI) -> None:
    """Once every router is included: each of the app's included routers becomes a
    `PrefixGuardedRouter` over the same router and include context, in the same place."""
    routes = app.router.routes
    for index, route in enumerate(routes):
        if type(route) is not _IncludedRouter:
            continue
        prefixes = literal_prefixes(route.original_router, route.include_context.prefix)
        if not prefixes:
            continue
        routes[index] = PrefixGuardedRouter(
            original_router=route.original_router,
            include_context=route.include_context,
            literal_prefixes=_shortest(prefixes),
        )
