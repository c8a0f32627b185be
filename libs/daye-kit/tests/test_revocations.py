"""The revocation list every service checks tokens against, and the second-factor requirement."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from daye_kit.auth import (
    Principal,
    RevocationList,
    Revocations,
    RevokedAccount,
    Role,
    ensure_second_factor,
)
from daye_kit.errors import Forbidden, PeerUnavailable, Unauthorized

REVOKED_AT = datetime(2026, 12, 1, 4, 0, 0, tzinfo=UTC)


def _principal(issued_at: int, *, sid: str | None = None, username: str = "zhang") -> Principal:
    return Principal(
        username=username, role=Role.township, region_code="420281101", issued_at=issued_at, session_id=sid
    )


class Source:
    def __init__(self) -> None:
        self.calls = 0
        self.down = False
        self.answer = Revocations(
            items=[RevokedAccount(username="zhang", not_before=REVOKED_AT)], revoked_sessions=["s-ended"]
        )

    async def __call__(self) -> Revocations:
        self.calls += 1
        if self.down:
            raise PeerUnavailable("indicator-api is down")
        return self.answer


async def test_tokens_before_not_before_and_ended_sessions_are_refused() -> None:
    revocations = RevocationList(Source(), interval=30)
    second = int(REVOKED_AT.timestamp())
    with pytest.raises(Unauthorized) as refused:
        await revocations.check(_principal(second - 1))
    assert refused.value.code == "token_revoked"
    # `iat` has whole seconds: a token of the revoking second itself (a new sign-in) is accepted.
    assert (await revocations.check(_principal(second))).username == "zhang"
    assert (await revocations.check(_principal(second - 1, username="li"))).username == "li"
    with pytest.raises(Unauthorized) as ended:
        await revocations.check(_principal(second + 60, sid="s-ended", username="li"))
    assert ended.value.code == "token_revoked"
    assert (await revocations.check(_principal(second + 60, sid="s-live"))).session_id == "s-live"


async def test_fetched_at_most_every_interval_and_kept_when_the_source_is_down() -> None:
    source = Source()
    revocations = RevocationList(source, interval=30)
    for _ in range(3):
        await revocations.check(_principal(int(REVOKED_AT.timestamp()) + 5))
    assert source.calls == 1
    source.down = True
    revocations.invalidate()
    # The source is down: the last list stays in force.
    with pytest.raises(Unauthorized):
        await revocations.check(_principal(int(REVOKED_AT.timestamp()) - 5))
    assert source.calls == 2
    source.down = False
    source.answer = Revocations(items=[], revoked_sessions=[])
    revocations.invalidate()
    assert (await revocations.check(_principal(int(REVOKED_AT.timestamp()) - 5))).username == "zhang"


@pytest.mark.parametrize(
    ("required", "role", "amr", "refused"),
    [
        (False, Role.security_admin, ["pwd"], False),
        (True, Role.security_admin, ["pwd"], True),
        (True, Role.security_admin, ["pwd", "otp"], False),
        (True, Role.auditor, None, True),
        (True, Role.viewer, ["pwd"], False),
    ],
)
def test_second_factor_where_required(
    required: bool, role: Role, amr: list[str] | None, refused: bool
) -> None:
    settings = SimpleNamespace(
        require_second_factor=required, second_factor_roles=["security_admin", "auditor", "admin"]
    )
    principal = Principal(username="x", role=role, amr=amr)
    if refused:
        with pytest.raises(Forbidden) as error:
            ensure_second_factor(principal, settings)
        assert error.value.code == "second_factor_enrolment_required"
    else:
        assert ensure_second_factor(principal, settings) is principal
