"""`/api/v1/webhooks`: subscriptions to this service's feed, their secrets and delivery logs.

An admin manages every endpoint; a service account manages those it registered (another's is
reported missing). Registration and rotation answer the secret once; it is not shown again.
Registration takes no Idempotency-Key, like API keys: its answer holds a secret shown once, which
must not be stored to be replayed.

(No `from __future__ import annotations` here: the endpoints are built in a function, and FastAPI
resolves annotations against module globals.)
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from daye_kit.audit.capture import record_change
from daye_kit.auth import BUREAU_READERS, Principal
from daye_kit.db import SessionDep
from daye_kit.errors import Conflict, InvalidInput, NotFound, problem_responses
from daye_kit.feed import EventType
from daye_kit.ids import RowId
from daye_kit.pagination import Page, PageDep
from daye_kit.timestamps import as_utc, utcnow
from daye_kit.webhooks.delivery import LOG_RETENTION, ROTATION_OVERLAP
from daye_kit.webhooks.models import DELIVERIES, ENDPOINTS, URL_CHARS, UrlPolicy, new_secret

URL_EXAMPLE = "https://receiver.example.gov.cn/daye/webhooks"


class WebhookCreate(BaseModel):
    url: str = Field(
        min_length=1,
        max_length=URL_CHARS,
        description="接收端地址(http/https)。生产环境中不得解析到回环、内网、链路本地、组播或保留地址,"
        "除非设置 `WEBHOOK_ALLOWED_NETWORKS` 列出该网段",
        examples=[URL_EXAMPLE],
    )
    event_types: list[str] = Field(
        min_length=1, max_length=100, description="订阅的事件类型,取自本服务变更事件流的类型"
    )


class WebhookUpdate(BaseModel):
    state: Literal["active", "paused"] | None = Field(
        default=None,
        description="active 恢复(也用于重新启用已停用的端点)/ paused 暂停:暂停期间的事件被跳过,不会补发",
    )
    url: str | None = Field(default=None, min_length=1, max_length=URL_CHARS, description="新的接收端地址")
    event_types: list[str] | None = Field(
        default=None, min_length=1, max_length=100, description="新的订阅事件类型"
    )


class WebhookPublic(BaseModel):
    id: int = Field(description="端点编号")
    url: str = Field(description="接收端地址(https,生产环境不得指向内网)")
    event_types: list[str] = Field(description="订阅的事件类型 `<noun>.<verb>`", examples=[["demand.posted"]])
    owner: str = Field(description="登记该端点的账号;停用时通知该账号")
    state: str = Field(description="active 投递中 / paused 已暂停 / disabled 已停用(410 或连续失败 5 天)")
    disabled_reason: str | None = Field(description="停用原因(接收端答 410,或连续失败 5 天);未停用为空")
    failing_since: datetime | None = Field(description="自何时起每次投递都失败;成功一次即清空")
    created_at: datetime = Field(description="登记时间")
    updated_at: datetime = Field(description="最后修改时间")


class WebhookCreated(WebhookPublic):
    secret: str = Field(
        description="签名密钥(`whsec_` + base64),仅此一次返回。按 Standard Webhooks 校验 `webhook-signature`",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class WebhookSecret(BaseModel):
    id: int = Field(description="端点编号")
    secret: str = Field(description="新的签名密钥,仅此一次返回")
    previous_secret_expires_at: datetime = Field(
        description="此前,投递同时带新旧两个签名 (`v1,<新> v1,<旧>`);之后只用新密钥"
    )


class DeliveryPublic(BaseModel):
    id: int = Field(description="投递编号;重新投递时引用")
    event_id: str = Field(description="事件编号,即请求头 `webhook-id`,重试时不变")
    event_type: str = Field(description="事件类型")
    state: str = Field(description="pending 待投递或待重试 / succeeded 成功 (2xx) / failed 放弃")
    attempts: int = Field(description="已尝试次数")
    response_status: int | None = Field(description="最近一次尝试时接收端的状态码;无应答时为空")
    last_error: str | None = Field(description="最近一次失败的原因;成功或未尝试为空")
    created_at: datetime = Field(description="投递记录生成时间")
    last_attempt_at: datetime | None = Field(description="最近一次尝试的时间")
    next_attempt_at: datetime = Field(description="下一次尝试的时间(按重试计划,含抖动)")
    delivered_at: datetime | None = Field(description="投递成功 (2xx) 的时间")


async def _policy(request: Request) -> UrlPolicy:
    return UrlPolicy.of(request.app.state.settings)


PolicyDep = Annotated[UrlPolicy, Depends(_policy)]
WebhookId = Annotated[RowId, Path(description="Webhook 端点编号")]


async def _check_url(policy: UrlPolicy, url: str) -> str:
    reason = await policy.refusal(url)
    if reason:
        raise InvalidInput.field("body.url", "url_not_allowed", f"{url} may not receive webhooks: {reason}")
    return url


def _check_types(catalogue: Sequence[EventType], types: list[str]) -> list[str]:
    known = [kind.name for kind in catalogue]
    unknown = sorted(set(types) - set(known))
    if unknown:
        raise InvalidInput.field(
            "body.event_types", "event_type", f"unknown event types {unknown}; this feed has {known}"
        )
    return list(dict.fromkeys(types))


async def _endpoint(session: AsyncSession, principal: Principal, webhook_id: int) -> dict[str, Any]:
    row = (await session.execute(select(ENDPOINTS).where(ENDPOINTS.c.id == webhook_id))).mappings().first()
    if row is None or not (principal.role in BUREAU_READERS or row["owner"] == principal.username):
        raise NotFound(f"webhook {webhook_id} does not exist", code="webhook_not_found")
    return dict(row)


def webhooks_router(catalogue: Sequence[EventType], *, manager: Any) -> APIRouter:
    """The endpoints of one service; `catalogue` is its feed's, `manager` the role requirement."""
    router = APIRouter(prefix="/api/v1/webhooks", tags=["变更订阅"])
    Manager = Annotated[Principal, Depends(manager)]
    types = "\n".join(f"- `{kind.name}`: {kind.description}" for kind in catalogue)

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        summary="登记 Webhook",
        description="登记接收端地址与订阅的事件类型;应答中的 `secret` 仅此一次返回。"
        "自登记时起发生的事件才会投递。投递遵循 Standard Webhooks:请求头 `webhook-id`(事件编号)、"
        "`webhook-timestamp`、`webhook-signature`(`v1,` + HMAC-SHA256);请求体 "
        "`{type, timestamp, data: {event_id, subject, object}}`,`object` 为变更事件流中该事件的 `data`。"
        "仅 2xx 视为成功;失败按 立即、5 秒、5 分、30 分、2 时、5 时、10 时、14 时、20 时、24 时 重试"
        "(带抖动,遵从 `Retry-After`);410 立即停用端点,连续失败 5 天停用并通知登记者。"
        f"\n\n可订阅的事件类型:\n{types}",
        responses=problem_responses(401, 403, 422),
    )
    async def create_webhook(
        body: WebhookCreate, principal: Manager, session: SessionDep, policy: PolicyDep
    ) -> WebhookCreated:
        event_types = _check_types(catalogue, body.event_types)
        url = await _check_url(policy, body.url)
        now = utcnow()
        values = {
            "url": url,
            "event_types": event_types,
            "owner": principal.username,
            "secret": new_secret(),
            "state": "active",
            "receives_from": now,
            "created_at": now,
            "updated_at": now,
        }
        new_id = (
            await session.execute(insert(ENDPOINTS).values(**values).returning(ENDPOINTS.c.id))
        ).scalar_one()
        record_change(session, "webhook_endpoints", new_id, after=values)
        row = await _endpoint(session, principal, new_id)
        return WebhookCreated.model_validate(row)

    @router.get(
        "",
        summary="Webhook 列表",
        description="管理员看到全部端点;服务账号只看到自己登记的。",
        responses=problem_responses(401, 403),
    )
    async def list_webhooks(principal: Manager, session: SessionDep, page: PageDep) -> Page[WebhookPublic]:
        where = [] if principal.role in BUREAU_READERS else [ENDPOINTS.c.owner == principal.username]
        total = int(
            (await session.execute(select(func.count()).select_from(ENDPOINTS).where(*where))).scalar_one()
        )
        rows = await session.execute(
            select(ENDPOINTS).where(*where).order_by(ENDPOINTS.c.id).limit(page.limit).offset(page.offset)
        )
        return Page(items=[WebhookPublic.model_validate(dict(row)) for row in rows.mappings()], total=total)

    @router.get(
        "/{webhook_id}",
        summary="Webhook 详情",
        description="端点的地址、订阅类型与状态(不含密钥)。服务账号只能查看自己登记的。",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def get_webhook(webhook_id: WebhookId, principal: Manager, session: SessionDep) -> WebhookPublic:
        return WebhookPublic.model_validate(await _endpoint(session, principal, webhook_id))

    @router.patch(
        "/{webhook_id}",
        summary="暂停、恢复或修改 Webhook",
        description="暂停期间发生的事件不会投递,恢复后也不补发(跳过而非排队);已排队的投递在恢复后继续。"
        "恢复已停用的端点同样用 `state=active`。",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def update_webhook(
        webhook_id: WebhookId, body: WebhookUpdate, principal: Manager, session: SessionDep, policy: PolicyDep
    ) -> WebhookPublic:
        current = await _endpoint(session, principal, webhook_id)
        values: dict[str, Any] = {"updated_at": utcnow()}
        if body.event_types is not None:
            values["event_types"] = _check_types(catalogue, body.event_types)
        if body.url is not None:
            values["url"] = await _check_url(policy, body.url)
        if body.state is not None and body.state != current["state"]:
            values["state"] = body.state
            if body.state == "active":
                # What occurred while it was paused or disabled is skipped, not sent now.
                values.update(disabled_reason=None, failing_since=None, receives_from=values["updated_at"])
        await session.execute(update(ENDPOINTS).where(ENDPOINTS.c.id == webhook_id).values(**values))
        record_change(
            session, "webhook_endpoints", webhook_id, before={k: current.get(k) for k in values}, after=values
        )
        return WebhookPublic.model_validate(await _endpoint(session, principal, webhook_id))

    @router.delete(
        "/{webhook_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="删除 Webhook",
        description="连同其投递记录一并删除;未完成的投递不再进行。",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def delete_webhook(webhook_id: WebhookId, principal: Manager, session: SessionDep) -> None:
        current = await _endpoint(session, principal, webhook_id)
        record_change(session, "webhook_endpoints", webhook_id, before=dict(current))
        await session.execute(delete(DELIVERIES).where(DELIVERIES.c.endpoint_id == webhook_id))
        await session.execute(delete(ENDPOINTS).where(ENDPOINTS.c.id == webhook_id))

    @router.post(
        "/{webhook_id}/secret-rotation",
        summary="轮换签名密钥",
        description="生成新密钥并仅此一次返回;此后 24 小时内投递同时带新旧两个签名 "
        "(`webhook-signature: v1,<新> v1,<旧>`),接收端可从容换用新密钥。",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def rotate_webhook_secret(
        webhook_id: WebhookId, principal: Manager, session: SessionDep
    ) -> WebhookSecret:
        row = await _endpoint(session, principal, webhook_id)
        now = utcnow()
        secret, until = new_secret(), now + ROTATION_OVERLAP
        await session.execute(
            update(ENDPOINTS)
            .where(ENDPOINTS.c.id == webhook_id)
            .values(secret=secret, previous_secret=row["secret"], previous_secret_until=until, updated_at=now)
        )
        # Secrets are never written to the trail: their names only (`daye_kit.audit`).
        record_change(
            session,
            "webhook_endpoints",
            webhook_id,
            before={"secret": row["secret"], "previous_secret_until": row["previous_secret_until"]},
            after={"secret": secret, "previous_secret_until": until},
        )
        return WebhookSecret(id=webhook_id, secret=secret, previous_secret_expires_at=until)

    @router.get(
        "/{webhook_id}/deliveries",
        summary="Webhook 投递记录",
        description="最新的在前:状态、尝试次数、接收端状态码与时间。保留 30 天。",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def list_webhook_deliveries(
        webhook_id: WebhookId, principal: Manager, session: SessionDep, page: PageDep
    ) -> Page[DeliveryPublic]:
        await _endpoint(session, principal, webhook_id)
        mine = DELIVERIES.c.endpoint_id == webhook_id
        total = int(
            (await session.execute(select(func.count()).select_from(DELIVERIES).where(mine))).scalar_one()
        )
        rows = await session.execute(
            select(DELIVERIES)
            .where(mine)
            .order_by(DELIVERIES.c.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        )
        return Page(items=[DeliveryPublic.model_validate(dict(row)) for row in rows.mappings()], total=total)

    @router.post(
        "/{webhook_id}/deliveries/{delivery_id}/redelivery",
        status_code=status.HTTP_202_ACCEPTED,
        summary="重新投递",
        description="把一条 30 天内的投递重新排入队列(尝试次数清零,签名用当前密钥);"
        "端点暂停或停用时,恢复后才发出。",
        responses=problem_responses(401, 403, 404, 409, 422),
    )
    async def redeliver_webhook(
        webhook_id: WebhookId,
        delivery_id: Annotated[RowId, Path(description="投递记录编号")],
        principal: Manager,
        session: SessionDep,
    ) -> DeliveryPublic:
        await _endpoint(session, principal, webhook_id)
        this = (DELIVERIES.c.id == delivery_id) & (DELIVERIES.c.endpoint_id == webhook_id)
        row = (await session.execute(select(DELIVERIES).where(this))).mappings().first()
        if row is None:
            raise NotFound(f"delivery {delivery_id} does not exist", code="webhook_delivery_not_found")
        if as_utc(row["created_at"]) < utcnow() - LOG_RETENTION:
            raise Conflict(f"delivery {delivery_id} is older than 30 days", code="webhook_delivery_too_old")
        await session.execute(
            update(DELIVERIES)
            .where(this)
            .values(state="pending", attempts=0, next_attempt_at=utcnow(), claimed_until=None)
        )
        row = (await session.execute(select(DELIVERIES).where(this))).mappings().one()
        return DeliveryPublic.model_validate(dict(row))

    return router
