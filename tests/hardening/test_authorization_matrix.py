"""Who may call what: every operation of the three services against every kind of caller.

`MATRIX` has a row per operation (a few operations have a second row for a variant that matters)
and, per row, the answer each caller gets, in the order of `CALLERS`:

    anon    no credentials
    admin   the bureau
    t-own   the township the resource belongs to (OWN_UNIT)
    t-for   another township (FOREIGN_UNIT)
    e-own   the enterprise the resource belongs to (OWN_ENTERPRISE, in OWN_UNIT)
    e-for   another enterprise (FOREIGN_ENTERPRISE, in FOREIGN_UNIT)
    viewer  read-only government systems
    svc     a peer service's token (svc-matching-api)
    auditor the auditor (审计员): reads what the bureau reads, writes nothing
    secadm  the security administrator (安全管理员): accounts, not business data
    supplier a university's supplier account (hbpu, 湖北理工学院; 院所答题): its own supplies, the hall,
            its responses and dockings; nothing of the registry, the indicators or the funds

An answer is the exact status code. For a 2xx on a row with `shows`, a trailing `-` says the caller
gets an answer that leaves the resource out (a list filtered to what the caller may see); without
it the resource must be in the answer. Requests carry valid bodies, so a 2xx is an allowed write and
a refusal is a 401, 403 or 404, never a validation error; the few 422 answers are refusals the
service reports per row (a township's bulk upload naming the rows of another unit). Writes that
change state get a fresh resource for each caller, so every cell asks the same question.

`test_every_operation_has_a_row` fails on an operation without a row, so a new endpoint must
say who may call it. `test_fields_a_caller_may_not_set_are_not_written` sends fields a caller may
not set and reads back that they were not written.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

import funding_api.config
import funding_api.events
import funding_api.main
import funding_api.notifications
import indicator_api.config
import indicator_api.events
import indicator_api.main
import indicator_api.notifications
import matching_api.config
import matching_api.events
import matching_api.main
from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.audit import audit_rows
from daye_dev.pytest_plugin import asgi_client, bearer
from daye_kit.auth import TOKEN_PATH
from daye_kit.credit_code import complete
from daye_kit.notifications import BUREAU, region_audience
from daye_kit.settings import DEV_SERVICE_API_KEYS
from daye_kit.timestamps import local_today
from indicator_api.cultivation.excel import candidates_workbook
from indicator_api.indicators.excel import provenance_name, values_workbook
from tests.conftest import DEMO_PASSWORD, Platform

CALLERS = (
    "anon",
    "admin",
    "t-own",
    "t-for",
    "e-own",
    "e-for",
    "viewer",
    "svc",
    "auditor",
    "secadm",
    "supplier",
)
OWN_ENTERPRISE, FOREIGN_ENTERPRISE = DEMO_ENTERPRISES[0], DEMO_ENTERPRISES[1]
OWN_UNIT, FOREIGN_UNIT = OWN_ENTERPRISE.region_code, FOREIGN_ENTERPRISE.region_code
E1 = OWN_ENTERPRISE.credit_code
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INDICATOR, MATCHING, FUNDING = "indicator-api", "matching-api", "funding-api"
M = 1_000_000
# Accounts made here follow the password policy (the demo accounts keep the demo password).
STAFF_PASSWORD = "Matrix-Staff-2025"
ACCOUNT_TARGET = "matrix-target"  # the account the account administration rows act on

# Answers that many rows share.
PUBLIC = "200 200 200 200 200 200 200 200 200 200 200"
SIGNED_IN = "401 200 200 200 200 200 200 200 200 200 200"
SIGNED_IN_WRITE = "401 200 200 200 200 200 200 200 403 200 200"
ADMIN_ONLY_201 = "401 201 403 403 403 403 403 403 403 403 403"
ADMIN_ONLY_200 = "401 200 403 403 403 403 403 403 403 403 403"
ADMIN_READS = "401 200 403 403 403 403 403 403 200 403 403"
ACCOUNTS_200 = "401 403 403 403 403 403 403 403 403 200 403"  # the security administrator alone
ACCOUNTS_201 = "401 403 403 403 403 403 403 403 403 201 403"
BUREAU_OR_SERVICE = "401 200 403 403 403 403 403 200 403 403 403"
NO_ENTERPRISES = "401 200 200 200 403 403 200 200 200 403 403"
UNIT_FIGURES = (
    "401 200 200 403 403 403 200 200 200 403 403"  # a unit's own figures: the unit and the bureau's side
)
AUDITOR_ONLY = "401 403 403 403 403 403 403 403 200 403 403"  # the audit trail: 三员分立
REPORTING_READERS = (
    "401 200 200 200 403 403 200 200 200 403 403"  # obligations: the bureau's side and townships
)
JOB_READERS = (
    "401 200 403 403 403 403 200 403 200 403 403"  # scheduled duties: the bureau and read-only systems
)


@dataclass(frozen=True)
class Call:
    """The concrete request of one cell."""

    path: str
    params: dict[str, Any] | None = None
    json: Any = None
    data: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    headers: dict[str, str] = field(default_factory=dict)


Build = Callable[["World", str], "Call | Awaitable[Call]"]


@dataclass(frozen=True)
class Row:
    service: str
    method: str
    path: str  # as the OpenAPI document writes it
    answers: tuple[str, ...]
    build: Build
    shows: Callable[[World, Any], bool] | None = None  # is the resource in a 2xx answer?
    note: str = ""


def row(
    service: str,
    operation: str,
    answers: str,
    build: Build | None = None,
    *,
    shows: Callable[[World, Any], bool] | None = None,
    note: str = "",
) -> Row:
    method, path = operation.split(" ", 1)
    cells = tuple(answers.split())
    assert len(cells) == len(CALLERS), f"{operation}: {len(cells)} answers"
    assert shows is not None or not any(c.endswith("-") for c in cells), f"{operation}: `-` without `shows`"
    return Row(service, method, path, cells, build or (lambda w, who: Call(path)), shows, note)


def ids(items_key: str, wanted: Callable[[World], object], key: str = "id") -> Callable[[World, Any], bool]:
    return lambda w, body: wanted(w) in {item[key] for item in body[items_key]}


@dataclass
class World:
    """The platform with its callers and the standing resources every read row points at."""

    platform: Platform
    clients: dict[str, httpx.AsyncClient]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    serial: int = 0
    candidate: int = 0
    demand: int = 0
    supply: int = 0
    owned_supply: int = 0
    supplier_supply: int = 0
    match: int = 0
    funding_notification: int = 0
    indicator_notification: int = 0
    notification: int = 0
    program: int = 0
    award: int = 0
    disbursement: int = 0
    # Per service: a webhook the bureau registered, and one the service account registered.
    webhook: dict[str, int] = field(default_factory=dict)
    svc_webhook: dict[str, int] = field(default_factory=dict)

    def next(self) -> int:
        self.serial += 1
        return self.serial

    async def send(self, service: str, method: str, call: Call, who: str) -> httpx.Response:
        return await self.clients[service].request(
            method,
            call.path,
            params=call.params,
            json=call.json,
            data=call.data,
            files=call.files,
            headers={**self.headers[who], **call.headers},
        )

    async def made(self, service: str, method: str, call: Call, who: str = "admin") -> Any:
        response = await self.send(service, method, call, who)
        assert response.is_success, f"setting up {method} {call.path}: {response.status_code} {response.text}"
        return response.json()

    # Fresh resources, for the rows whose allowed answer changes state.

    def candidate_body(self) -> dict[str, Any]:
        n = self.next()
        return {
            "credit_code": complete(f"91420281ME{n:07d}"),
            "name": f"大冶市矩阵候选{n}号科技有限公司",
            "industry": "铸造",
            "program": "hte",
            "year": 2025,
            "figures": {
                "years_registered": "4",
                "staff": 120,
                "science_staff": 30,
                "sales_revenue": [str(70 * M), str(75 * M), str(80 * M)],
                "rd_spend": ["2170000", "2325000", "2480000"],
                "total_costs": str(70 * M),
                "total_assets": str(90 * M),
                "high_tech_revenue": str(60 * M),
                "ip": {"class_1": 0, "class_2": 3},
            },
        }

    async def fresh_candidate(self) -> int:
        body = self.candidate_body()
        made = await self.made(INDICATOR, "POST", Call(f"/api/v1/regions/{OWN_UNIT}/candidates", json=body))
        return int(made["id"])

    def supply_body(self) -> dict[str, Any]:
        return {
            "kind": "expert",
            "name": f"周立新教授团队(铸造工艺){self.next()}",
            "provider": "华中科技大学",
            "description": "铸造工艺优化与铸件缺陷控制,解决砂型铸造气孔缩松问题。",
            "fields": ["铸造工艺"],
            "industries": ["铸造"],
            "region_code": "420100",
            "capacity": 3,
        }

    async def fresh_supply(self) -> int:
        return int(
            (await self.made(MATCHING, "POST", Call("/api/v1/supplies", json=self.supply_body())))["id"]
        )

    def demand_body(self) -> dict[str, Any]:
        return {
            "kind": "technology",
            "title": f"铸件气孔与缩松缺陷攻关{self.next()}",
            "description": "我公司球墨铸铁件砂型铸造气孔缩松缺陷多,希望专家优化浇注系统和熔炼工艺。",
            "budget": "1500000.00",
            "deadline": "2030-06-30",
            "credit_code": E1,
        }

    async def fresh_match(self) -> int:
        body = {"demand_id": self.demand, "supply_id": await self.fresh_supply()}
        return int((await self.made(MATCHING, "POST", Call("/api/v1/matches", json=body)))["id"])

    async def fresh_award(self, *, approved: bool) -> int:
        body = {
            "program_id": self.program,
            "credit_code": E1,
            "amount": "10000.00",
            "application_no": f"JZ-{self.next()}",
        }
        award = int((await self.made(FUNDING, "POST", Call("/api/v1/awards", json=body), "maker"))["id"])
        if approved:
            await self.made(FUNDING, "POST", Call(f"/api/v1/awards/{award}/approval"), "checker")
        return award

    async def fresh_disbursement(self, award: int | None = None) -> int:
        award = award or await self.fresh_award(approved=True)
        call = Call(f"/api/v1/awards/{award}/disbursements", json={"amount": "100.00"}, headers=idempotent())
        return int((await self.made(FUNDING, "POST", call, "maker"))["id"])

    async def fresh_webhook(self, service: str, who: str) -> int:
        return int((await self.made(service, "POST", webhook_call(service), who))["id"])

    async def fresh_key(self, owner: str) -> int:
        call = Call("/api/v1/auth/api-keys", json={"name": "矩阵测试", "username": owner})
        return int((await self.made(INDICATOR, "POST", call))["id"])


def idempotent() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


USERNAME_OF = {
    "admin": "admin",
    "t-own": OWN_UNIT,
    "t-for": FOREIGN_UNIT,
    "e-own": E1,
    "e-for": FOREIGN_ENTERPRISE.credit_code,
    "viewer": "viewer",
    "svc": "svc-matching-api",
    "auditor": "auditor",
    "secadm": "security",
    "anon": E1,
    "supplier": "hbpu",
}


async def fresh_session(w: World, who: str, path: str) -> Call:
    """A sign-in of the caller's own for the call, so ending it leaves the caller's standing token
    alone (anon sends none; the service's token has no session)."""
    if who in ("anon", "svc"):
        return Call(path)
    headers = await bearer(w.clients[INDICATOR], USERNAME_OF[who], DEMO_PASSWORD)
    return Call(path, headers=headers)


async def sign_out(w: World, who: str) -> Call:
    return await fresh_session(w, who, "/api/v1/auth/logout")


async def own_key(w: World, who: str) -> Call:
    return Call(f"/api/v1/auth/api-keys/{await w.fresh_key(USERNAME_OF[who])}")


async def enterprise_key(w: World, who: str) -> Call:
    return Call(f"/api/v1/auth/api-keys/{await w.fresh_key(E1)}")


async def candidate_move(w: World, who: str) -> Call:
    return Call(f"/api/v1/candidates/{await w.fresh_candidate()}", json={"stage": "coached"})


async def supplier_supply(w: World) -> int:
    """A fresh supply of the supplier account's own (hbpu registers it: it owns it)."""
    return int(
        (await w.made(MATCHING, "POST", Call("/api/v1/supplies", json=w.supply_body()), "supplier"))["id"]
    )


async def retire_own(w: World, who: str) -> Call:
    return Call(f"/api/v1/supplies/{await supplier_supply(w)}")


async def retire_bureaus(w: World, who: str) -> Call:
    return Call(f"/api/v1/supplies/{await w.fresh_supply()}")


async def hall_response(w: World, who: str) -> Call:
    body = {"supply_id": await supplier_supply(w), "message": "可赴厂诊断"}
    return Call(f"/api/v1/demands/{w.demand}/responses", json=body)


async def demand_review(w: World, who: str) -> Call:
    """A fresh demand posted while the bureau's review is on: pending."""
    settings = w.platform.apps[MATCHING].state.settings
    settings.require_demand_review = True
    try:
        demand = await w.made(MATCHING, "POST", Call("/api/v1/demands", json=w.demand_body()))
    finally:
        settings.require_demand_review = False
    assert demand["review_status"] == "pending"
    return Call(f"/api/v1/demands/{demand['id']}/review", json={"decision": "approve"})


async def match_create(w: World, who: str) -> Call:
    return Call("/api/v1/matches", json={"demand_id": w.demand, "supply_id": await w.fresh_supply()})


async def match_move(w: World, who: str) -> Call:
    return Call(f"/api/v1/matches/{await w.fresh_match()}", json={"status": "docking"})


async def contract_set(w: World, who: str) -> Call:
    demand = await w.made(MATCHING, "POST", Call("/api/v1/demands", json=w.demand_body()))
    body = {"demand_id": demand["id"], "supply_id": await w.fresh_supply()}
    match = (await w.made(MATCHING, "POST", Call("/api/v1/matches", json=body)))["id"]
    for status in ("docking", "succeeded"):
        await w.made(MATCHING, "PATCH", Call(f"/api/v1/matches/{match}", json={"status": status}))
    terms = {"amount": "1000.00", "contract_type": "service", "signed_on": "2025-10-15"}
    return Call(f"/api/v1/matches/{match}/contract", json=terms)


async def contract_read(w: World, who: str) -> Call:
    made = await w.made(INDICATOR, "POST", contract(w, who))
    return Call(f"/api/v1/tech-contracts/{made['id']}")


def inbox_event(w: World, who: str) -> Call:
    event = {
        "id": str(uuid.uuid4()),
        "type": "match.undone",
        "occurred_at": "2025-10-15T08:00:00Z",
        "subject": "match:0",
        "data": {"match_id": 0, "revision": 1, "contract": None},
        "source": "matching-api",
    }
    return Call("/api/v1/inbox", json=event)


NO_DEAD_EVENT = "401 404 403 403 403 403 403 403 403 403 403"
CONTRACT_READERS = "401 200 403 403 403 403 200 200 200 403 403"
SIDES_OF_A_SUCCESS = "401 200 403 404 200 404 403 403 403 404 404"


async def illegal_move(w: World, who: str) -> Call:
    return Call(f"/api/v1/matches/{await w.fresh_match()}", json={"status": "succeeded"})


async def approval(w: World, who: str) -> Call:
    return Call(f"/api/v1/awards/{await w.fresh_award(approved=False)}/approval", json={"note": "同意"})


async def rejection(w: World, who: str) -> Call:
    return Call(
        f"/api/v1/awards/{await w.fresh_award(approved=False)}/rejection", json={"reason": "材料不全"}
    )


async def payment(w: World, who: str) -> Call:
    award = await w.fresh_award(approved=True)
    return Call(f"/api/v1/awards/{award}/disbursements", json={"amount": "100.00"}, headers=idempotent())


async def reversal(w: World, who: str) -> Call:
    return Call(f"/api/v1/disbursements/{await w.fresh_disbursement()}/reversal", json={"reason": "银行退票"})


def value(w: World, who: str) -> Call:
    body = {
        "region_code": OWN_UNIT,
        "year": 2025,
        "month": 10,
        "value": str(w.next()),
        "provenance": "administrative",
    }
    return Call("/api/v1/indicators/graduates_new/values", json=body)


def obligation(w: World, who: str) -> Call:
    body = {
        "indicator_code": "graduates_new",
        "region_code": OWN_UNIT,
        "period_type": "quarter",
        "due_day": 15,
        "active_from": "2030-01-01",
    }
    return Call("/api/v1/reporting/obligations", json=body)


def exemption(w: World, who: str) -> Call:
    body = {
        "region_code": OWN_UNIT,
        "indicator_code": "graduates_new",
        "year": 2030,
        "period_type": "quarter",
        "period": 1,
        "reason": "矩阵免报",
    }
    return Call("/api/v1/reporting/exemptions", json=body)


async def fresh_submission(w: World) -> int:
    """The own township's talent-team figure, which the demo's obligation sends for review."""
    n = w.next()
    year, quarter = 2026 + n % 70, 1 + (n // 70) % 4
    body = {
        "region_code": OWN_UNIT,
        "year": year,
        "quarter": quarter,
        "value": str(n),
        "provenance": "administrative",
    }
    await w.made(INDICATOR, "POST", Call("/api/v1/indicators/talent_teams/values", json=body), "t-own")
    queue = Call("/api/v1/reporting/submissions", params={"region_code": OWN_UNIT, "status": "submitted"})
    return next(
        int(s["id"])
        for s in (await w.made(INDICATOR, "GET", queue))["items"]
        if (s["indicator_code"], s["year"], s["period"]) == ("talent_teams", year, quarter)
    )


def review(action: str, **kwargs: Any) -> Build:
    async def build(w: World, who: str) -> Call:
        return Call(f"/api/v1/reporting/submissions/{await fresh_submission(w)}/{action}", **kwargs)

    return build


def bulk_values(w: World, who: str) -> Call:
    item = {
        "indicator_code": "graduates_new",
        "region_code": OWN_UNIT,
        "year": 2025,
        "month": 11,
        "value": str(w.next()),
        "provenance": "administrative",
    }
    return Call("/api/v1/indicator-values/bulk", json={"items": [item]})


def values_upload(w: World, who: str) -> Call:
    book = values_workbook(
        [["graduates_new", OWN_UNIT, 2025, None, 12, str(w.next()), provenance_name("administrative"), ""]]
    )
    return Call("/api/v1/imports/indicator-values", files={"file": ("v.xlsx", book, XLSX)})


def candidates_upload(w: World, who: str) -> Call:
    b = w.candidate_body()
    f = b["figures"]
    money = [*f["sales_revenue"], *f["rd_spend"], f["total_costs"], f["total_assets"], f["high_tech_revenue"]]
    book = candidates_workbook(
        [[b["credit_code"], b["name"], "铸造", "高新技术企业", 2025, 4, 120, 30, *money, 0, 3]]
    )
    return Call(f"/api/v1/imports/regions/{OWN_UNIT}/candidates", files={"file": ("c.xlsx", book, XLSX)})


def enterprise(w: World, who: str) -> Call:
    n = w.next()
    body = {
        "credit_code": complete(f"91420281MD{n:07d}"),
        "name": f"大冶市矩阵{n}号科技有限公司",
        "region_code": OWN_UNIT,
        "industry": "铸造",
    }
    return Call("/api/v1/enterprises", json=body)


def indicator(w: World, who: str) -> Call:
    n = w.next()
    body = {
        "code": f"matrix_{n}",
        "name": f"矩阵指标{n}",
        "unit": "件",
        "category": "知识产权",
        "accumulation": "cumulative",
        "additive": True,
    }
    return Call("/api/v1/indicators", json=body)


def contract(w: World, who: str) -> Call:
    body = {
        "source": "matrix",
        "source_id": f"m-{w.next()}",
        "credit_code": E1,
        "amount": "1000.00",
        "contract_type": "development",
        "signed_on": "2025-10-15",
    }
    return Call("/api/v1/tech-contracts", json=body)


def program(w: World, who: str) -> Call:
    body = {"name": f"矩阵资金项目{w.next()}", "source_level": "daye", "year": 2026, "budget": "1000000.00"}
    return Call("/api/v1/programs", json=body)


def run_purge(w: World, who: str) -> Call:
    """Running a duty now: the kit's own, which every service has and which changes nothing the
    other cells read."""
    return Call("/api/v1/jobs/purge-idempotency-keys/runs")


# The first type of each service's feed, whatever its catalogue holds; a receiver on loopback
# (allowed in tests).
FIRST_EVENT_TYPE = {
    INDICATOR: indicator_api.events.CATALOGUE[0].name,
    MATCHING: matching_api.events.CATALOGUE[0].name,
    FUNDING: funding_api.events.CATALOGUE[0].name,
}


def webhook_call(service: str) -> Call:
    body = {"url": "http://127.0.0.1:9/matrix-hook", "event_types": [FIRST_EVENT_TYPE[service]]}
    return Call("/api/v1/webhooks", json=body)


def webhook_create(service: str) -> Build:
    return lambda w, who: webhook_call(service)


def svc_webhook(service: str, suffix: str = "", **kwargs: Any) -> Build:
    async def build(w: World, who: str) -> Call:
        return Call(f"/api/v1/webhooks/{await w.fresh_webhook(service, 'svc')}{suffix}", **kwargs)

    return build


def webhook_rows(service: str) -> list[Row]:
    """The same operations in every service: the bureau manages every webhook, a service account
    those it registered (another's is reported missing), everyone else is refused."""

    def bureau(suffix: str = "") -> Build:
        return lambda w, who: Call(f"/api/v1/webhooks/{w.webhook[service]}{suffix}")

    W = "/api/v1/webhooks/{webhook_id}"
    return [
        row(
            service,
            "POST /api/v1/webhooks",
            "401 201 403 403 403 403 403 201 403 403 403",
            webhook_create(service),
        ),
        row(
            service,
            "GET /api/v1/webhooks",
            "401 200 403 403 403 403 403 200- 200 403 403",
            shows=ids("items", lambda w: w.webhook[service]),
            note="a service account lists its own",
        ),
        row(service, f"GET {W}", "401 200 403 403 403 403 403 404 200 403 403", bureau()),
        row(
            service,
            f"PATCH {W}",
            "401 200 403 403 403 403 403 200 403 403 403",
            svc_webhook(service, json={"state": "paused"}),
        ),
        row(service, f"DELETE {W}", "401 204 403 403 403 403 403 204 403 403 403", svc_webhook(service)),
        row(
            service,
            f"POST {W}/secret-rotation",
            "401 200 403 403 403 403 403 200 403 403 403",
            svc_webhook(service, "/secret-rotation"),
        ),
        row(
            service,
            f"GET {W}/deliveries",
            "401 200 403 403 403 403 403 404 200 403 403",
            bureau("/deliveries"),
        ),
        row(
            service,
            f"POST {W}/deliveries/{{delivery_id}}/redelivery",
            "401 404 403 403 403 403 403 404 403 403 403",
            bureau("/deliveries/999999/redelivery"),
            note="no such delivery; another's webhook is missing",
        ),
    ]


def fixed(path: str, **kwargs: Any) -> Build:
    return lambda w, who: Call(path, **kwargs)


MISSING_EVENT = fixed("/api/v1/outbox/999999/retry")
GRADUATES = "/api/v1/indicators/graduates_new"
YEAR = {"year": 2025}
PERIOD = {"from": "2025-01-01", "to": "2030-12-31"}
THIS_MONTH = {"year": date.today().year, "month": date.today().month}

# fmt: off
MATRIX: list[Row] = [
    # indicator-api                                      anon admin t-own t-for e-own e-for viewer svc
    row(INDICATOR, "GET /healthz",                          PUBLIC),
    row(INDICATOR, "GET /readyz",                           PUBLIC),
    row(INDICATOR, "GET /metrics",                          PUBLIC),
    row(INDICATOR, "POST /api/v1/auth/token",               PUBLIC,
        fixed("/api/v1/auth/token", data={"username": "viewer", "password": DEMO_PASSWORD}),
        note="signing in needs no token; the viewer's password is sent whoever asks"),
    row(INDICATOR, "GET /api/v1/auth/jwks",                 PUBLIC),
    row(INDICATOR, "GET /api/v1/auth/me",                   SIGNED_IN),
    row(INDICATOR, "POST /api/v1/auth/api-keys",            "401 201 201 201 201 201 201 403 403 403 403",
        fixed("/api/v1/auth/api-keys", json={"name": "本人的密钥"}),
        note="people make their own keys; a service's keys are issued by the bureau"),
    row(INDICATOR, "POST /api/v1/auth/api-keys",            "401 201 403 403 201 403 403 403 403 403 403",
        fixed("/api/v1/auth/api-keys", json={"name": "给企业的密钥", "username": E1}),
        note="a key for the enterprise's account: the bureau or the enterprise itself"),
    row(INDICATOR, "GET /api/v1/auth/api-keys",             SIGNED_IN),
    row(INDICATOR, "DELETE /api/v1/auth/api-keys/{key_id}", "401 204 204 204 204 204 204 403 403 403 403", own_key,
        note="each caller revokes a key of its own"),
    row(INDICATOR, "DELETE /api/v1/auth/api-keys/{key_id}", "401 204 404 404 204 404 404 403 403 403 403", enterprise_key,
        note="the enterprise's key: someone else's key is reported missing"),
    row(INDICATOR, "POST /api/v1/auth/refresh",             "401 200 200 200 200 200 200 403 200 200 200",
        note="a signed-in account renews its own session; a service's token has none"),
    row(INDICATOR, "POST /api/v1/auth/logout",              "401 204 204 204 204 204 204 204 204 204 204", sign_out,
        note="each caller ends a session of its own (a service's token has none to end)"),
    row(INDICATOR, "POST /api/v1/auth/password",            "401 422 422 422 422 422 422 403 422 422 422",
        fixed("/api/v1/auth/password", json={"current_password": "not-the-password",
                                             "new_password": STAFF_PASSWORD}),
        note="one's own password only; the wrong current password answers once the caller is let in"),
    row(INDICATOR, "POST /api/v1/auth/totp/confirm",        "401 409 409 409 409 409 409 403 409 409 403",
        fixed("/api/v1/auth/totp/confirm", json={"code": "123456"}),
        note="one's own second factor; nobody has enrolled yet, which the caller let in is told"),
    row(INDICATOR, "POST /api/v1/auth/totp/enroll",         "401 200 200 200 200 200 200 403 200 200 403",
        note="a person's own second factor, not a service's"),
    row(INDICATOR, "GET /api/v1/auth/revocations",          PUBLIC,
        note="public as the JWKS: every service fetches it without signing in"),
    row(INDICATOR, "POST /api/v1/users",                    ACCOUNTS_201,
        lambda w, who: Call("/api/v1/users", json={
            "username": f"matrix-{w.next()}", "role": "viewer", "password": STAFF_PASSWORD})),
    row(INDICATOR, "GET /api/v1/users",                     ACCOUNTS_200,
        note="三员分立: accounts are the security administrator's, not the bureau's nor the auditor's"),
    row(INDICATOR, "PATCH /api/v1/users/{username}",        ACCOUNTS_200,
        fixed(f"/api/v1/users/{ACCOUNT_TARGET}", json={"display_name": "矩阵账号"})),
    row(INDICATOR, "POST /api/v1/users/{username}/disable", ACCOUNTS_200,
        fixed(f"/api/v1/users/{ACCOUNT_TARGET}/disable", json={"reason": "矩阵测试"})),
    row(INDICATOR, "POST /api/v1/users/{username}/enable",  ACCOUNTS_200,
        fixed(f"/api/v1/users/{ACCOUNT_TARGET}/enable")),
    row(INDICATOR, "POST /api/v1/users/{username}/password-reset", ACCOUNTS_200,
        fixed(f"/api/v1/users/{ACCOUNT_TARGET}/password-reset")),
    row(INDICATOR, "POST /api/v1/users/{username}/revoke",  ACCOUNTS_200,
        fixed(f"/api/v1/users/{ACCOUNT_TARGET}/revoke")),
    row(INDICATOR, "GET /api/v1/regions",                   PUBLIC),
    row(INDICATOR, "GET /api/v1/platform",                  PUBLIC),
    row(INDICATOR, "GET /api/v1/indicators",                SIGNED_IN),
    row(INDICATOR, "POST /api/v1/indicators",               ADMIN_ONLY_201, indicator),
    row(INDICATOR, "GET /api/v1/indicators/{code}",         SIGNED_IN, fixed(GRADUATES)),
    row(INDICATOR, "PATCH /api/v1/indicators/{code}",       ADMIN_ONLY_200,
        fixed(GRADUATES, json={"description": "高校毕业生新增留冶人数"})),
    row(INDICATOR, "POST /api/v1/indicators/{code}/values", "401 201 201 403 403 403 403 201 403 403 403", value),
    row(INDICATOR, "GET /api/v1/indicators/{code}/values",  UNIT_FIGURES,
        fixed(f"{GRADUATES}/values", params={"region": OWN_UNIT})),
    row(INDICATOR, "POST /api/v1/indicator-values/bulk",    "401 200 200 422 403 403 403 200 403 403 403", bulk_values,
        note="a township's rows of another unit are named and refused, nothing written"),
    row(INDICATOR, "PUT /api/v1/indicators/{code}/targets/{year}", ADMIN_ONLY_200,
        fixed(f"{GRADUATES}/targets/2025", json={"region_code": OWN_UNIT, "value": "100"})),
    row(INDICATOR, "GET /api/v1/indicators/{code}/progress", UNIT_FIGURES,
        fixed(f"{GRADUATES}/progress", params={**YEAR, "region": OWN_UNIT})),
    row(INDICATOR, "GET /api/v1/dashboard",                 UNIT_FIGURES,
        fixed("/api/v1/dashboard", params={**YEAR, "region": OWN_UNIT})),
    row(INDICATOR, "GET /api/v1/reporting/obligations",     REPORTING_READERS),
    row(INDICATOR, "POST /api/v1/reporting/obligations",    ADMIN_ONLY_201, obligation),
    row(INDICATOR, "GET /api/v1/reporting/exemptions",      REPORTING_READERS),
    row(INDICATOR, "POST /api/v1/reporting/exemptions",     ADMIN_ONLY_201, exemption),
    row(INDICATOR, "GET /api/v1/reporting/completeness",    UNIT_FIGURES,
        fixed("/api/v1/reporting/completeness", params={**YEAR, "region_code": OWN_UNIT})),
    row(INDICATOR, "GET /api/v1/reporting/overdue",         UNIT_FIGURES,
        fixed("/api/v1/reporting/overdue", params={"region_code": OWN_UNIT})),
    row(INDICATOR, "GET /api/v1/reporting/submissions",     UNIT_FIGURES,
        fixed("/api/v1/reporting/submissions", params={"region_code": OWN_UNIT})),
    row(INDICATOR, "POST /api/v1/reporting/submissions/{submission_id}/accept", ADMIN_ONLY_200, review("accept"),
        note="a township's figure under review: the bureau alone accepts it"),
    row(INDICATOR, "POST /api/v1/reporting/submissions/{submission_id}/return", ADMIN_ONLY_200,
        review("return", json={"reason": "矩阵退回"})),
    row(INDICATOR, "POST /api/v1/tech-contracts",           "401 201 403 403 403 403 403 201 403 403 403", contract),
    row(INDICATOR, "GET /api/v1/tech-contracts",            CONTRACT_READERS),
    row(INDICATOR, "GET /api/v1/tech-contracts/{contract_id}", CONTRACT_READERS, contract_read),
    row(INDICATOR, "POST /api/v1/inbox",                    "401 403 403 403 403 403 403 200 403 403 403", inbox_event,
        note="peer services deliver their outbox's events"),
    row(INDICATOR, "GET /api/v1/notifications",             "401 200- 200 200- 200- 200- 200- 200- 200- 200- 200-",
        shows=ids("items", lambda w: w.indicator_notification), note="a township's month-end reminder"),
    row(INDICATOR, "PATCH /api/v1/notifications/{notification_id}", "401 404 200 404 404 404 404 404 403 404 404",
        lambda w, who: Call(f"/api/v1/notifications/{w.indicator_notification}", json={"read": True})),
    row(INDICATOR, "POST /api/v1/notifications/read",  "401 200 200 200 200 200 200 200 403 200 200",
        fixed("/api/v1/notifications/read", json={"up_to_id": 0}),
        note="each account marks only its own; up_to_id 0 leaves the world's notices unread"),
    row(INDICATOR, "GET /api/v1/outbox",                    ADMIN_READS),
    row(INDICATOR, "POST /api/v1/outbox/{event_id}/retry",  NO_DEAD_EVENT, MISSING_EVENT,
        note="no such event: the bureau is told so, everyone else is refused first"),
    # A supplier reads the registry (names, units, qualifications) as a viewer does; it writes nothing there.
    row(INDICATOR, "GET /api/v1/enterprises",               "401 200 200 200- 200 200- 200 200 200 200 200",
        fixed("/api/v1/enterprises", params={"region": OWN_UNIT, "name": OWN_ENTERPRISE.name}),
        shows=ids("items", lambda w: E1, "credit_code")),
    row(INDICATOR, "POST /api/v1/enterprises",              "401 201 201 403 403 403 403 403 403 403 403", enterprise),
    row(INDICATOR, "GET /api/v1/enterprises/{credit_code}", "401 200 200 404 200 404 200 200 200 200 200",
        fixed(f"/api/v1/enterprises/{E1}")),
    row(INDICATOR, "PATCH /api/v1/enterprises/{credit_code}", "401 200 200 404 200 404 403 403 403 403 403",
        fixed(f"/api/v1/enterprises/{E1}", json={"industry": "铸造"})),
    # Prospects (issue 18 part 3): an enterprise's figures, a unit's prospects and coaching visits.
    row(INDICATOR, "GET /api/v1/enterprises/{credit_code}/figures", "401 200 200 404 200 404 403 403 200 403",
        fixed(f"/api/v1/enterprises/{E1}/figures")),
    row(INDICATOR, "PUT /api/v1/enterprises/{credit_code}/figures", "401 200 200 404 200 404 403 403 403 403",
        fixed(f"/api/v1/enterprises/{E1}/figures", json={"as_of": "2025-09-30", "figures": {
            "years_registered": "4", "staff": 120, "science_staff": 30,
            "sales_revenue": ["70000000", "75000000", "80000000"], "rd_spend": ["2170000", "2325000", "2480000"],
            "total_costs": "70000000", "total_assets": "90000000", "high_tech_revenue": "60000000"}})),
    *(row(INDICATOR, f"GET /api/v1/regions/{{region_code}}/{path}", "401 200 200 403 403 403 403 403 200 403",
          fixed(f"/api/v1/regions/{OWN_UNIT}/{path}")) for path in ("prospects", "coaching-visits", "funnel")),
    row(INDICATOR, "POST /api/v1/enterprises/{credit_code}/coaching-visits", "401 201 201 404 403 403 403 403 403 403",
        fixed(f"/api/v1/enterprises/{E1}/coaching-visits",
              json={"visited_on": "2025-10-15", "visitor": "走访人", "program": "hte"})),
    row(INDICATOR, "POST /api/v1/enterprises/{credit_code}/qualifications", ADMIN_ONLY_201,
        fixed(f"/api/v1/enterprises/{E1}/qualifications", json={"kind": "hte", "granted_on": "2025-11-03"})),
    row(INDICATOR, "GET /api/v1/qualifications",            "401 200 200 200- 200 200- 200 200 200 200 200",
        fixed("/api/v1/qualifications", params={"credit_code": E1}),
        shows=ids("items", lambda w: E1, "credit_code")),
    row(INDICATOR, "POST /api/v1/regions/{region_code}/candidates", "401 201 201 403 403 403 403 403 403 403 403",
        lambda w, who: Call(f"/api/v1/regions/{OWN_UNIT}/candidates", json=w.candidate_body())),
    row(INDICATOR, "GET /api/v1/regions/{region_code}/candidates", UNIT_FIGURES,
        fixed(f"/api/v1/regions/{OWN_UNIT}/candidates")),
    row(INDICATOR, "GET /api/v1/candidates",                "401 200 403 403 403 403 200 200 200 403 403",
        fixed("/api/v1/candidates", params={"region_code": OWN_UNIT})),
    row(INDICATOR, "POST /api/v1/cultivation/assessments", SIGNED_IN_WRITE,
        lambda w, who: Call("/api/v1/cultivation/assessments", json=w.candidate_body()["figures"]),
        note="a calculator that stores nothing"),
    row(INDICATOR, "POST /api/v1/regions/{region_code}/candidates/bulk", "401 201 201 403 403 403 403 403 403 403 403",
        lambda w, who: Call(f"/api/v1/regions/{OWN_UNIT}/candidates/bulk",
                            json={"items": [w.candidate_body()]})),
    row(INDICATOR, "GET /api/v1/candidates/{candidate_id}", "401 200 200 404 404 404 200 200 200 404 404",
        lambda w, who: Call(f"/api/v1/candidates/{w.candidate}")),
    row(INDICATOR, "PATCH /api/v1/candidates/{candidate_id}", "401 200 200 404 404 404 403 403 403 404 404",
        candidate_move),
    row(INDICATOR, "PUT /api/v1/cultivation/quotas/{year}", ADMIN_ONLY_200,
        fixed("/api/v1/cultivation/quotas/2025",
              json={"items": [{"region_code": OWN_UNIT, "measure": "hte_applications", "quota": 3}]})),
    row(INDICATOR, "GET /api/v1/cultivation/progress",      NO_ENTERPRISES,
        fixed("/api/v1/cultivation/progress", params=YEAR), note="every township sees the ranking"),
    row(INDICATOR, "GET /api/v1/reports/quarterly",         "401 200 403 403 403 403 200 200 200 403 403",
        fixed("/api/v1/reports/quarterly", params={**YEAR, "quarter": 3})),
    row(INDICATOR, "GET /api/v1/exports/dashboard.xlsx",    SIGNED_IN,
        fixed("/api/v1/exports/dashboard.xlsx", params=YEAR), note="the city's figures"),
    row(INDICATOR, "GET /api/v1/exports/cultivation-progress.xlsx", NO_ENTERPRISES,
        fixed("/api/v1/exports/cultivation-progress.xlsx", params=YEAR)),
    row(INDICATOR, "GET /api/v1/exports/regions/{region_code}/candidates.xlsx", UNIT_FIGURES,
        fixed(f"/api/v1/exports/regions/{OWN_UNIT}/candidates.xlsx")),
    row(INDICATOR, "GET /api/v1/exports/indicator-values.xlsx", UNIT_FIGURES,
        fixed("/api/v1/exports/indicator-values.xlsx", params={"code": "graduates_new", "region": OWN_UNIT})),
    row(INDICATOR, "GET /api/v1/imports/templates/indicator-values.xlsx", SIGNED_IN),
    row(INDICATOR, "POST /api/v1/imports/indicator-values", "401 200 200 422 403 403 403 200 403 403 403", values_upload,
        note="a township's rows of another unit are named cell by cell and refused"),
    row(INDICATOR, "GET /api/v1/imports/templates/candidates.xlsx", SIGNED_IN),
    row(INDICATOR, "POST /api/v1/imports/regions/{region_code}/candidates", "401 200 200 403 403 403 403 403 403 403 403",
        candidates_upload),
    row(INDICATOR, "GET /api/v1/jobs",                       JOB_READERS),
    row(INDICATOR, "POST /api/v1/jobs/{name}/runs",           ADMIN_ONLY_201, run_purge),
    row(INDICATOR, "GET /api/v1/events",                     "401 200 403 403 403 403 200 200 200 403 403"),

    # matching-api                                       anon admin t-own t-for e-own e-for viewer svc
    row(MATCHING, "GET /healthz",                           PUBLIC),
    row(MATCHING, "GET /readyz",                            PUBLIC),
    row(MATCHING, "GET /metrics",                           PUBLIC),
    row(MATCHING, "GET /api/v1/auth/me",                    SIGNED_IN),
    row(MATCHING, "POST /api/v1/demands",                   "401 201 403 403 201 403 403 403 403 403 403",
        lambda w, who: Call("/api/v1/demands", json=w.demand_body()),
        note="the body names the own enterprise's credit code"),
    row(MATCHING, "GET /api/v1/demands",                    "401 200 200 200- 200 200- 200 200 200 200- 200-",
        shows=ids("items", lambda w: w.demand)),
    row(MATCHING, "POST /api/v1/demands/close-expired",     BUREAU_OR_SERVICE),
    row(MATCHING, "GET /api/v1/demands/{demand_id}",        "401 200 200 404 200 404 200 200 200 404 404",
        lambda w, who: Call(f"/api/v1/demands/{w.demand}")),
    row(MATCHING, "PATCH /api/v1/demands/{demand_id}",      "401 200 403 404 200 404 403 403 403 404 404",
        lambda w, who: Call(f"/api/v1/demands/{w.demand}", json={"industry": "铸造"})),
    row(MATCHING, "GET /api/v1/demands/{demand_id}/recommendations", "401 200 200 404 200 404 200 200 200 404 404",
        lambda w, who: Call(f"/api/v1/demands/{w.demand}/recommendations")),
    row(MATCHING, "POST /api/v1/supplies",                  "401 201 403 403 403 403 403 201 403 403 201",
        lambda w, who: Call("/api/v1/supplies", json=w.supply_body())),
    row(MATCHING, "GET /api/v1/supplies",                   SIGNED_IN),
    row(MATCHING, "GET /api/v1/supplies/{supply_id}",       SIGNED_IN,
        lambda w, who: Call(f"/api/v1/supplies/{w.supply}")),
    row(MATCHING, "PATCH /api/v1/supplies/{supply_id}",     BUREAU_OR_SERVICE,
        lambda w, who: Call(f"/api/v1/supplies/{w.supply}", json={"contact": "027-87540000"})),
    row(MATCHING, "PATCH /api/v1/supplies/{supply_id}",     "401 200 403 403 200 403 403 200 403 403 403",
        lambda w, who: Call(f"/api/v1/supplies/{w.owned_supply}", json={"contact": "027-87540001"}),
        note="a supply whose owner account is the own enterprise's"),
    row(MATCHING, "PATCH /api/v1/supplies/{supply_id}",     "401 200 403 403 403 403 403 200 403 403 200",
        lambda w, who: Call(f"/api/v1/supplies/{w.supplier_supply}", json={"contact": "0714-6350000"}),
        note="the supplier account's own supply"),
    row(MATCHING, "DELETE /api/v1/supplies/{supply_id}",    "401 200 403 403 403 403 403 200 403 403 200", retire_own,
        note="retiring the supplier account's own supply"),
    row(MATCHING, "DELETE /api/v1/supplies/{supply_id}",    "401 200 403 403 403 403 403 200 403 403 403", retire_bureaus,
        note="a supply of the bureau's: not the supplier's to retire"),
    row(MATCHING, "GET /api/v1/hall",                       "401 200 403 403 403 403 200 403 200 403 200"),
    row(MATCHING, "POST /api/v1/demands/{demand_id}/responses", "401 403 403 403 403 403 403 403 403 403 201",
        hall_response, note="a supplier answers with a supply of its own"),
    row(MATCHING, "POST /api/v1/demands/{demand_id}/review", "401 200 403 403 403 403 403 403 403 403 403",
        demand_review, note="the bureau reviews a pending demand"),
    row(MATCHING, "POST /api/v1/matches",                   "401 201 403 404 201 404 403 403 403 404 404", match_create),
    row(MATCHING, "GET /api/v1/matches",                    "401 200 200 200- 200 200- 200 200 200 200- 200-",
        shows=ids("items", lambda w: w.match)),
    row(MATCHING, "GET /api/v1/matches/{match_id}",         "401 200 200 404 200 404 200 200 200 404 404",
        lambda w, who: Call(f"/api/v1/matches/{w.match}")),
    row(MATCHING, "PATCH /api/v1/matches/{match_id}",       "401 200 403 404 200 404 403 403 403 404 404", match_move),
    row(MATCHING, "PUT /api/v1/matches/{match_id}/contract", SIDES_OF_A_SUCCESS, contract_set,
        note="a success's contract: the demand's enterprise or the bureau"),
    row(MATCHING, "POST /api/v1/notifications/read",  "401 200 200 200 200 200 200 200 403 200 200",
        fixed("/api/v1/notifications/read", json={"up_to_id": 0}),
        note="each account marks only its own; up_to_id 0 leaves the world's notices unread"),
    row(MATCHING, "GET /api/v1/outbox",                     ADMIN_READS),
    row(MATCHING, "POST /api/v1/outbox/{event_id}/retry",   NO_DEAD_EVENT, MISSING_EVENT,
        note="no such event: the bureau is told so, everyone else is refused first"),
    row(MATCHING, "PATCH /api/v1/matches/{match_id}",       "401 409 403 404 409 404 403 403 403 404 404", illegal_move,
        note="proposed → succeeded is illegal: the sides are told so, who has no side is refused"),
    row(MATCHING, "GET /api/v1/notifications",              "401 200- 200- 200- 200 200- 200- 200- 200- 200- 200-",
        shows=ids("items", lambda w: w.notification), note="an inbox: the enterprise's own notices only"),
    row(MATCHING, "PATCH /api/v1/notifications/{notification_id}", "401 404 404 404 200 404 404 404 403 404 404",
        lambda w, who: Call(f"/api/v1/notifications/{w.notification}", json={"read": True})),
    row(MATCHING, "POST /api/v1/assignments",               ADMIN_ONLY_200,
        lambda w, who: Call("/api/v1/assignments",
                            json={"demand_ids": [w.demand], "experts": [{"supply_id": w.supply}]})),
    row(MATCHING, "GET /api/v1/stats",                      "401 200 200 403 403 403 200 200 200 403 403",
        fixed("/api/v1/stats", params={**PERIOD, "region": OWN_UNIT})),
    row(MATCHING, "GET /api/v1/stats/export.xlsx",          NO_ENTERPRISES,
        fixed("/api/v1/stats/export.xlsx", params=PERIOD),
        note="a township's workbook holds its own unit only"),
    row(MATCHING, "POST /api/v1/stats/publish",             BUREAU_OR_SERVICE,
        fixed("/api/v1/stats/publish", params=THIS_MONTH)),
    row(MATCHING, "GET /api/v1/jobs",                       JOB_READERS),
    row(MATCHING, "POST /api/v1/jobs/{name}/runs",           ADMIN_ONLY_201, run_purge),
    row(MATCHING, "GET /api/v1/events",                     "401 200 403 403 403 403 200 200 200 403 403",
        note="the change feed: the bureau, peers and read-only systems, who list every demand already"),

    # funding-api                                        anon admin t-own t-for e-own e-for viewer svc
    row(FUNDING, "GET /healthz",                            PUBLIC),
    row(FUNDING, "GET /readyz",                             PUBLIC),
    row(FUNDING, "GET /metrics",                            PUBLIC),
    row(FUNDING, "GET /api/v1/auth/me",                     SIGNED_IN),
    row(FUNDING, "GET /api/v1/programs",                    SIGNED_IN),
    row(FUNDING, "POST /api/v1/programs",                   ADMIN_ONLY_201, program),
    row(FUNDING, "GET /api/v1/programs/{program_id}",       SIGNED_IN,
        lambda w, who: Call(f"/api/v1/programs/{w.program}")),
    row(FUNDING, "GET /api/v1/programs/{program_id}/rules", SIGNED_IN,
        lambda w, who: Call(f"/api/v1/programs/{w.program}/rules")),
    row(FUNDING, "POST /api/v1/programs/{program_id}/rules", ADMIN_ONLY_201,
        lambda w, who: Call(f"/api/v1/programs/{w.program}/rules",
                            json={"qualification": "new_species", "granted_year": 2024,
                                  "amount": "1000.00"})),
    row(FUNDING, "POST /api/v1/programs/{program_id}/automatic-awards", ADMIN_ONLY_200,
        lambda w, who: Call(f"/api/v1/programs/{w.program}/automatic-awards")),
    row(FUNDING, "GET /api/v1/awards",                      "401 200 200 200- 200 200- 403 200 200 403 403",
        shows=ids("items", lambda w: w.award)),
    row(FUNDING, "POST /api/v1/awards",                     ADMIN_ONLY_201,
        lambda w, who: Call("/api/v1/awards", json={
            "program_id": w.program, "credit_code": E1, "amount": "10000.00",
            "application_no": f"JZ-{w.next()}"})),
    row(FUNDING, "GET /api/v1/awards/{award_id}",           "401 200 200 404 200 404 403 200 200 403 403",
        lambda w, who: Call(f"/api/v1/awards/{w.award}")),
    row(FUNDING, "POST /api/v1/awards/{award_id}/approval", ADMIN_ONLY_200, approval,
        note="made by another bureau account (maker-checker)"),
    row(FUNDING, "POST /api/v1/awards/{award_id}/rejection", ADMIN_ONLY_200, rejection),
    row(FUNDING, "POST /api/v1/awards/{award_id}/disbursements", ADMIN_ONLY_201, payment),
    row(FUNDING, "GET /api/v1/disbursements",               "401 200 200 200- 200 200- 403 200 200 403 403",
        shows=ids("items", lambda w: w.disbursement)),
    row(FUNDING, "GET /api/v1/disbursements/{disbursement_id}", "401 200 200 404 200 404 403 200 200 403 403",
        lambda w, who: Call(f"/api/v1/disbursements/{w.disbursement}")),
    row(FUNDING, "POST /api/v1/disbursements/{disbursement_id}/reversal", ADMIN_ONLY_200, reversal),
    row(FUNDING, "GET /api/v1/notifications",               "401 200 200- 200- 200- 200- 200- 200- 200- 200- 200-",
        shows=ids("items", lambda w: w.funding_notification), note="the bureau's payment reminders"),
    row(FUNDING, "PATCH /api/v1/notifications/{notification_id}", "401 200 404 404 404 404 404 404 403 404 404",
        lambda w, who: Call(f"/api/v1/notifications/{w.funding_notification}", json={"read": True})),
    row(FUNDING, "POST /api/v1/notifications/read",  "401 200 200 200 200 200 200 200 403 200 200",
        fixed("/api/v1/notifications/read", json={"up_to_id": 0}),
        note="each account marks only its own; up_to_id 0 leaves the world's notices unread"),
    row(FUNDING, "GET /api/v1/outbox",                      ADMIN_READS),
    row(FUNDING, "POST /api/v1/outbox/{event_id}/retry",    NO_DEAD_EVENT, MISSING_EVENT),
    row(FUNDING, "GET /api/v1/ledger/entries",              "401 200 403 403 403 403 403 200 200 403 403"),
    row(FUNDING, "GET /api/v1/reconciliation",              "401 200 403 403 403 403 200 200 200 403 403"),
    row(FUNDING, "GET /api/v1/outstanding",                 SIGNED_IN),
    row(FUNDING, "GET /api/v1/outstanding/items",           "401 200 200 200- 200 200- 403 200 200 403 403",
        shows=ids("items", lambda w: w.award, "award_id")),
    row(FUNDING, "GET /api/v1/outstanding/export",          "401 200 200 200 200 200 403 200 200 403 403"),
    row(FUNDING, "POST /api/v1/outstanding/publications",   BUREAU_OR_SERVICE,
        fixed("/api/v1/outstanding/publications", json={})),
    row(FUNDING, "GET /api/v1/jobs",                       JOB_READERS),
    row(FUNDING, "POST /api/v1/jobs/{name}/runs",           ADMIN_ONLY_201, run_purge),
    row(FUNDING, "GET /api/v1/events",                      "401 200 403 403 403 403 403 200 200 403 403",
        note="the change feed is not scoped by unit or enterprise"),
    *webhook_rows(INDICATOR),
    *webhook_rows(MATCHING),
    *webhook_rows(FUNDING),
    *(row(service, f"GET {path}", AUDITOR_ONLY)
      for service in (INDICATOR, MATCHING, FUNDING)
      for path in ("/api/v1/audit", "/api/v1/exports/audit.xlsx")),
]
# fmt: on


# Closed periods (关账, issue 17). Each cell closes a month of its own (years before the data, so no
# other row's writes meet a closed period); the differences need a published quarter.
def fresh_month(w: World) -> str:
    n = w.next()
    return f"{1990 + n // 12}-{n % 12 + 1:02d}"


def close_period(w: World, who: str) -> Call:
    return Call(f"/api/v1/periods/{fresh_month(w)}/close")


async def reopen_period(w: World, who: str) -> Call:
    key = fresh_month(w)
    await w.made(INDICATOR, "POST", Call(f"/api/v1/periods/{key}/close"))
    return Call(f"/api/v1/periods/{key}/reopen", json={"reason": "矩阵:更正"})


async def report_differences(w: World, who: str) -> Call:
    closed = await w.send(INDICATOR, "POST", Call("/api/v1/periods/2019-Q4/close"), "admin")
    assert closed.status_code in (200, 409), closed.text  # published by the first cell
    return Call("/api/v1/reports/quarterly/differences", params={"year": 2019, "quarter": 4})


def period_event(w: World, who: str) -> Call:
    key = fresh_month(w)
    event = {
        "id": str(uuid.uuid4()),
        "type": "period.reopened",
        "occurred_at": "2025-10-15T08:00:00Z",
        "subject": f"period:{key}",
        "data": {"key": key, "status": "reopened", "recloses_at": "2025-10-22T08:00:00Z", "revision": 2},
        "source": "indicator-api",
    }
    return Call("/api/v1/inbox", json=event)


# fmt: off
PERIOD_ROWS: list[tuple[str, str, str, Build, str]] = [
    (INDICATOR, "GET /api/v1/periods",                  "401 200 200 200 200 200 200 200 200 200 200",
        fixed("/api/v1/periods", params=YEAR), "every account sees which periods are closed"),
    (INDICATOR, "GET /api/v1/periods/{key}",            "401 200 200 200 200 200 200 200 200 200 200",
        fixed("/api/v1/periods/2025-Q3"), ""),
    (INDICATOR, "POST /api/v1/periods/{key}/close",     "401 200 403 403 403 403 403 403 403 403 403",
        close_period, "the bureau closes a period"),
    (INDICATOR, "POST /api/v1/periods/{key}/reopen",    "401 200 403 403 403 403 403 403 403 403 403",
        reopen_period, "the bureau reopens one, with a reason"),
    (INDICATOR, "GET /api/v1/reports/quarterly/differences", "401 200 403 403 403 403 200 200 200 403 403",
        report_differences, ""),
    (MATCHING, "POST /api/v1/inbox",                    "401 403 403 403 403 403 403 403 403 403 403",
        period_event, "closed periods come from indicator-api's own account only (svc-indicator-api)"),
    (FUNDING, "POST /api/v1/inbox",                     "401 403 403 403 403 403 403 403 403 403 403",
        period_event, "closed periods come from indicator-api's own account only (svc-indicator-api)"),
]
# fmt: on
MATRIX += [
    row(service, operation, answers, build, note=note)
    for service, operation, answers, build, note in PERIOD_ROWS
]

# Policies (政策找企业): an enterprise's own policies and outreach, its township's and the bureau's.
POLICY_READERS = "401 200 200 404 200 404 403 403 200 403"
# fmt: off
MATRIX += [
    row(INDICATOR, "GET /api/v1/enterprises/{credit_code}/policies", POLICY_READERS,
        fixed(f"/api/v1/enterprises/{E1}/policies"), note="funding-api's programmes read over HTTP"),
    row(INDICATOR, "POST /api/v1/enterprises/{credit_code}/outreach", "401 201 201 404 403 403 403 403 403 403",
        fixed(f"/api/v1/enterprises/{E1}/outreach", json={"action": "informed", "on": "2025-09-18"})),
    row(INDICATOR, "GET /api/v1/enterprises/{credit_code}/outreach", POLICY_READERS,
        fixed(f"/api/v1/enterprises/{E1}/outreach")),
    row(INDICATOR, "GET /api/v1/outreach/coverage", "401 200 200 200 403 403 200 200 200 403",
        fixed("/api/v1/outreach/coverage", params=YEAR), note="an aggregate, like the townships' ranking"),
]
# fmt: on

APPS = {
    INDICATOR: (indicator_api.main, indicator_api.config),
    MATCHING: (matching_api.main, matching_api.config),
    FUNDING: (funding_api.main, funding_api.config),
}


def test_every_operation_has_a_row() -> None:
    """A new endpoint fails here until the matrix says who may call it."""
    covered = {(r.service, r.method, r.path) for r in MATRIX}
    missing, stale = [], set(covered)
    for name, (main, config) in APPS.items():
        app = main.create_app(config.Settings(database_url="sqlite+aiosqlite://", environment="test"))
        for path, operations in app.openapi()["paths"].items():
            for method in operations:
                if method in {"get", "post", "put", "patch", "delete"}:
                    key = (name, method.upper(), path)
                    stale.discard(key)
                    if key not in covered:
                        missing.append(key)
    assert not missing, f"operations without a row in MATRIX: {missing}"
    assert not stale, f"rows for operations that no longer exist: {stale}"


async def _world(platform: Platform, stack: list[httpx.AsyncClient]) -> World:
    clients = {name: platform.client(name) for name in APPS}
    stack.extend(clients.values())
    world = World(platform, clients)
    for app in platform.apps.values():
        # Throttling has tests of its own; here every write must reach the authorization checks.
        app.state.settings.write_rate_limit = None
    # The quarterly report asks matching-api and funding-api with indicator-api's own service token.
    peers = asgi_client(platform.apps)
    stack.append(peers)
    for name in ("matching", "funding"):
        peer = getattr(platform.apps[INDICATOR].state, name)
        peer.http, peer.base_url = peers, f"http://{name}-api"
    indicator = clients[INDICATOR]
    signed_in = [who for who in CALLERS if who not in ("anon", "svc")]
    world.headers = {who: await bearer(indicator, USERNAME_OF[who], DEMO_PASSWORD) for who in signed_in}
    for name in ("maker", "checker"):
        body = {"username": name, "role": "admin", "password": STAFF_PASSWORD, "display_name": name}
        await world.made(INDICATOR, "POST", Call("/api/v1/users", json=body), "secadm")
        world.headers[name] = await bearer(indicator, name, STAFF_PASSWORD)
    target = {"username": ACCOUNT_TARGET, "role": "viewer", "password": STAFF_PASSWORD}
    await world.made(INDICATOR, "POST", Call("/api/v1/users", json=target), "secadm")
    token = await indicator.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_secret": DEV_SERVICE_API_KEYS["matching-api"]},
    )
    assert token.status_code == 200, token.text
    world.headers["anon"] = {}
    world.headers["svc"] = {"Authorization": f"Bearer {token.json()['access_token']}"}
    body = world.candidate_body()
    call = Call(f"/api/v1/regions/{OWN_UNIT}/candidates", json=body)
    world.candidate = int((await world.made(INDICATOR, "POST", call, "t-own"))["id"])
    world.supply = await world.fresh_supply()
    owned = Call("/api/v1/supplies", json={**world.supply_body(), "owner_username": E1})
    world.owned_supply = int((await world.made(MATCHING, "POST", owned))["id"])
    world.supplier_supply = await supplier_supply(world)
    world.demand = int(
        (await world.made(MATCHING, "POST", Call("/api/v1/demands", json=world.demand_body()), "e-own"))["id"]
    )
    world.match = await world.fresh_match()
    notices = await world.made(MATCHING, "GET", Call("/api/v1/notifications"), "e-own")
    assert notices["items"], "the enterprise is told of its docking record"
    world.notification = int(notices["items"][0]["id"])
    program = {
        "name": "矩阵资金项目",
        "source_level": "daye",
        "year": 2026,
        "budget": "100000000.00",
        "rule": {"qualification": "new_species", "granted_year": 2024, "amount": "1000.00"},
    }
    world.program = int(
        (await world.made(FUNDING, "POST", Call("/api/v1/programs", json=program), "maker"))["id"]
    )
    world.award = await world.fresh_award(approved=True)
    for service in APPS:
        world.webhook[service] = await world.fresh_webhook(service, "admin")
    world.disbursement = await world.fresh_disbursement(world.award)
    # A payment reminder for the bureau and a month-end reminder for the own township, as their
    # duties write them.
    async with platform.apps[FUNDING].state.sessionmaker() as session, session.begin():
        await funding_api.notifications.NOTIFICATIONS.notify(
            session, audiences=[BUREAU], kind="award_payment_due_soon", title="矩阵", award_id=world.award
        )
    async with platform.apps[INDICATOR].state.sessionmaker() as session, session.begin():
        await indicator_api.notifications.NOTIFICATIONS.notify(
            session, audiences=[region_audience(OWN_UNIT)], kind="township_behind_pace", title="矩阵"
        )
    world.funding_notification = int(
        (await world.made(FUNDING, "GET", Call("/api/v1/notifications")))["items"][0]["id"]
    )
    world.indicator_notification = int(
        (await world.made(INDICATOR, "GET", Call("/api/v1/notifications"), "t-own"))["items"][0]["id"]
    )
    return world


async def test_each_caller_gets_the_answer_in_the_matrix(platform: Platform) -> None:
    stack: list[httpx.AsyncClient] = []
    try:
        world = await _world(platform, stack)
        wrong = []
        for r in MATRIX:
            for who, answer in zip(CALLERS, r.answers, strict=True):
                made = r.build(world, who)
                call = await made if inspect.isawaitable(made) else made
                response = await world.send(r.service, r.method, call, who)
                expected = int(answer.rstrip("-"))
                got = str(response.status_code)
                if response.status_code == expected and r.shows is not None and response.is_success:
                    got += "-" if not r.shows(world, response.json()) else ""
                if got != answer:
                    wrong.append(
                        f"{r.service} {r.method} {call.path} as {who}: expected {answer}, got {got} "
                        f"{response.text[:160]}"
                    )
                if r.method != "GET":
                    wrong.extend(await _audited(world, r, call, who, response))
    finally:
        for client in stack:
            await client.aclose()
    assert not wrong, f"{len(wrong)} cell(s) differ from the matrix:\n" + "\n".join(wrong)


async def _audited(w: World, r: Row, call: Call, who: str, response: httpx.Response) -> list[str]:
    """Every write cell leaves exactly one audit row in its service, for its request: the caller's
    (the username tried, on the token endpoint; none without credentials), a success for a 2xx and a
    failure otherwise. One query per cell."""
    rows = await audit_rows(w.platform.apps[r.service], response.headers["x-request-id"])
    if r.path == TOKEN_PATH:
        actor = (call.data or {}).get("username")
    else:
        actor = None if who == "anon" else USERNAME_OF[who]
    expected = [(actor, "success" if response.is_success else "failure", response.status_code)]
    got = [(row["actor"], row["outcome"], row["status"]) for row in rows]
    if got == expected:
        return []
    return [f"{r.service} {r.method} {call.path} as {who}: audit rows {got}, expected {expected}"]


async def test_fields_a_caller_may_not_set_are_not_written(platform: Platform) -> None:
    """Bodies carrying what the caller may not set (state, money, who did it, whose it is) are
    refused or have those fields ignored; reading back shows none of them was written."""
    stack: list[httpx.AsyncClient] = []
    try:
        w = await _world(platform, stack)

        async def send(service: str, method: str, path: str, who: str, body: Any = None) -> httpx.Response:
            return await w.send(service, method, Call(path, json=body), who)

        async def read(service: str, path: str) -> Any:
            return await w.made(service, "GET", Call(path), "admin")

        # Candidates: the unit, the stage and who did it are not the township's body to say.
        body = {
            **w.candidate_body(),
            "region_code": FOREIGN_UNIT,
            "created_by": "admin",
            "stage_changed_by": "admin",
        }
        made = await send(INDICATOR, "POST", f"/api/v1/regions/{OWN_UNIT}/candidates", "t-own", body)
        assert made.status_code == 201, made.text
        candidate_id = made.json()["id"]
        candidate = await read(INDICATOR, f"/api/v1/candidates/{candidate_id}")
        assert (candidate["region_code"], candidate["created_by"], candidate["stage_changed_by"]) == (
            OWN_UNIT,
            OWN_UNIT,
            OWN_UNIT,
        )
        certified = {**w.candidate_body(), "stage": "certified"}
        refused = await send(INDICATOR, "POST", f"/api/v1/regions/{OWN_UNIT}/candidates", "t-own", certified)
        assert refused.status_code == 422
        unregistered = await send(
            INDICATOR, "GET", f"/api/v1/enterprises/{certified['credit_code']}", "admin"
        )
        assert unregistered.status_code == 404, "a refused submission registers nothing"
        for stage in ("applied", "certified"):
            moved = await send(
                INDICATOR,
                "PATCH",
                f"/api/v1/candidates/{candidate_id}",
                "t-own",
                {"stage": stage, "region_code": FOREIGN_UNIT},
            )
            assert moved.status_code == (200 if stage == "applied" else 403), moved.text
        candidate = await read(INDICATOR, f"/api/v1/candidates/{candidate_id}")
        assert (candidate["stage"], candidate["region_code"]) == ("applied", OWN_UNIT)

        # The registry: an enterprise or township neither moves an enterprise nor grants it qualifications.
        before = await read(INDICATOR, f"/api/v1/enterprises/{E1}")
        for who in ("e-own", "t-own"):
            moved = await send(
                INDICATOR, "PATCH", f"/api/v1/enterprises/{E1}", who, {"region_code": FOREIGN_UNIT}
            )
            assert moved.status_code == 403, moved.text
            granted = await send(
                INDICATOR,
                "PATCH",
                f"/api/v1/enterprises/{E1}",
                who,
                {
                    "industry": before["industry"],
                    "qualifications": [{"kind": "hte", "granted_on": "2025-01-02"}],
                    "credit_code": FOREIGN_ENTERPRISE.credit_code,
                },
            )
            assert granted.status_code == 200, granted.text
        after = await read(INDICATOR, f"/api/v1/enterprises/{E1}")
        assert {**after, "updated_at": None} == {**before, "updated_at": None}
        new = {**enterprise(w, "t-own").json, "qualifications": [{"kind": "hte", "granted_on": "2025-01-02"}]}
        assert (await send(INDICATOR, "POST", "/api/v1/enterprises", "t-own", new)).status_code == 403
        assert (
            await send(INDICATOR, "GET", f"/api/v1/enterprises/{new['credit_code']}", "admin")
        ).status_code == 404

        # Indicator values: who recorded a value is the token's account.
        figure = {**value(w, "t-own").json, "recorded_by": "admin", "revision": 99}
        recorded = await send(INDICATOR, "POST", "/api/v1/indicators/graduates_new/values", "t-own", figure)
        assert recorded.status_code == 201, recorded.text
        assert (recorded.json()["recorded_by"], recorded.json()["revision"]) != ("admin", 99)
        assert recorded.json()["recorded_by"] == OWN_UNIT

        # Accounts: only the security administrator makes them, and a role's binding follows its role.
        account = {"username": "matrix-escalation", "role": "admin", "password": STAFF_PASSWORD}
        for who in ("admin", "auditor", "t-own", "e-own", "viewer", "svc"):
            assert (await send(INDICATOR, "POST", "/api/v1/users", who, account)).status_code == 403
        users = await w.made(INDICATOR, "GET", Call("/api/v1/users", params={"role": "admin"}), "secadm")
        assert "matrix-escalation" not in {u["username"] for u in users["items"]}
        viewer = {
            "username": "matrix-viewer",
            "role": "viewer",
            "password": STAFF_PASSWORD,
            "region_code": OWN_UNIT,
            "credit_code": E1,
        }
        made = await send(INDICATOR, "POST", "/api/v1/users", "secadm", viewer)
        assert made.status_code == 201, made.text
        assert (made.json()["region_code"], made.json()["credit_code"]) == (None, None)

        # Demands: the enterprise, its unit, the state and the author come from the token and the registry.
        demand = {
            **w.demand_body(),
            "status": "matched",
            "region_code": FOREIGN_UNIT,
            "posted_by": "admin",
            "enterprise_name": "别人家的公司",
            "matched_at": "2025-01-01T00:00:00Z",
        }
        posted = await send(MATCHING, "POST", "/api/v1/demands", "e-own", demand)
        assert posted.status_code == 201, posted.text
        demand_id = posted.json()["id"]
        for change in ({"status": "matched"}, {"status": "closed"}):
            refused = await send(MATCHING, "PATCH", f"/api/v1/demands/{demand_id}", "e-own", change)
            assert refused.status_code == 422, refused.text
        moved = await send(
            MATCHING,
            "PATCH",
            f"/api/v1/demands/{demand_id}",
            "e-own",
            {"credit_code": FOREIGN_ENTERPRISE.credit_code, "region_code": FOREIGN_UNIT},
        )
        assert moved.status_code == 200, moved.text
        stored = await read(MATCHING, f"/api/v1/demands/{demand_id}")
        assert (stored["credit_code"], stored["region_code"], stored["status"], stored["posted_by"]) == (
            E1,
            OWN_UNIT,
            "open",
            E1,
        )
        assert (stored["enterprise_name"], stored["matched_at"]) == (OWN_ENTERPRISE.name, None)
        as_other = await send(
            MATCHING,
            "POST",
            "/api/v1/demands",
            "e-own",
            {**w.demand_body(), "credit_code": FOREIGN_ENTERPRISE.credit_code},
        )
        assert as_other.status_code == 403

        # Docking records start proposed, with the origin of whoever made them.
        supply = await w.fresh_supply()
        match = await send(
            MATCHING,
            "POST",
            "/api/v1/matches",
            "e-own",
            {
                "demand_id": demand_id,
                "supply_id": supply,
                "status": "succeeded",
                "origin": "bureau",
                "created_by": "admin",
                "contract": {"amount": "9.00", "contract_type": "development", "signed_on": "2025-01-02"},
            },
        )
        assert match.status_code == 201, match.text
        stored = await read(MATCHING, f"/api/v1/matches/{match.json()['id']}")
        assert (stored["status"], stored["origin"], stored["created_by"], stored["contract"]) == (
            "proposed",
            "enterprise",
            E1,
            None,
        )

        # A supply's owner account edits its supply but does not hand it to another account.
        handed = await send(
            MATCHING,
            "PATCH",
            f"/api/v1/supplies/{w.owned_supply}",
            "e-own",
            {"contact": "027-87540002", "owner_username": FOREIGN_ENTERPRISE.credit_code},
        )
        assert handed.status_code == 200, handed.text
        stored = await read(MATCHING, f"/api/v1/supplies/{w.owned_supply}")
        assert (stored["contact"], stored["owner_username"]) == ("027-87540002", E1)

        # Notifications stay in their inbox.
        marked = await send(
            MATCHING,
            "PATCH",
            f"/api/v1/notifications/{w.notification}",
            "e-own",
            {"read": True, "audience": "user:admin"},
        )
        assert marked.status_code == 200, marked.text
        inbox = await w.made(MATCHING, "GET", Call("/api/v1/notifications"), "e-own")
        assert w.notification in {n["id"] for n in inbox["items"]}

        # Awards: state, money and who decided are the ledger's and the checker's, never the body's.
        award = await send(
            FUNDING,
            "POST",
            "/api/v1/awards",
            "maker",
            {
                "program_id": w.program,
                "credit_code": E1,
                "amount": "10000.00",
                "application_no": "JZ-MASS-1",
                "status": "approved",
                "paid": "10000.00",
                "outstanding": "0.00",
                "decided_by": "checker",
                "created_by": "someone",
                "approved_on": "2020-01-01",
                "region_code": FOREIGN_UNIT,
            },
        )
        assert award.status_code == 201, award.text
        award_id = award.json()["id"]
        stored = await read(FUNDING, f"/api/v1/awards/{award_id}")
        assert (stored["status"], stored["paid"], stored["decided_by"], stored["created_by"]) == (
            "pending",
            "0.00",
            None,
            "maker",
        )
        assert (stored["approved_on"], stored["region_code"]) == (None, OWN_UNIT)
        refused = await send(
            FUNDING, "POST", f"/api/v1/awards/{award_id}/disbursements", "admin", {"amount": "1.00"}
        )
        assert refused.status_code in (409, 422), "a pending award is not paid"
        approved = await send(
            FUNDING,
            "POST",
            f"/api/v1/awards/{award_id}/approval",
            "checker",
            {"note": "同意", "approved_on": "2020-01-01", "decided_by": "maker"},
        )
        assert approved.status_code == 200, approved.text
        stored = await read(FUNDING, f"/api/v1/awards/{award_id}")
        assert (stored["decided_by"], stored["approved_on"]) == ("checker", local_today().isoformat())
        paid = await w.send(
            FUNDING,
            "POST",
            Call(
                f"/api/v1/awards/{award_id}/disbursements",
                json={
                    "amount": "100.00",
                    "status": "reversed",
                    "created_by": "someone",
                    "award_id": w.award,
                    "reversal_posting_id": 1,
                },
                headers=idempotent(),
            ),
            "admin",
        )
        assert paid.status_code == 201, paid.text
        stored = await read(FUNDING, f"/api/v1/disbursements/{paid.json()['id']}")
        assert (
            stored["award_id"],
            stored["status"],
            stored["created_by"],
            stored["reversal_posting_id"],
        ) == (
            award_id,
            "paid",
            "admin",
            None,
        )
        assert (await read(FUNDING, f"/api/v1/awards/{award_id}"))["paid"] == "100.00"
    finally:
        for client in stack:
            await client.aclose()
