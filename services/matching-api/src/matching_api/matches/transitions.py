"""The docking state machine, as data: which move is legal, and which side may make it.

    proposed ──► docking ──► succeeded ──(bureau undoes)──┐
        │           ├──────► failed                        │
        ├───────────┴──────► withdrawn ◄───────────────────┘
        └──(demand expires)► closed

`closed` is set only by the expiry sweep (`POST /api/v1/demands/close-expired`), never by a PATCH.
A success is undone by the bureau alone (succeeded → withdrawn): its contract is cancelled in
indicator-api through the outbox and the turnover comes back. A success is final for the two sides.
"""

from __future__ import annotations

from enum import StrEnum

from matching_api.enums import MatchStatus


class Side(StrEnum):
    enterprise = "enterprise"  # the enterprise that posted the demand
    supplier = "supplier"  # the account that acts for the supply
    bureau = "bureau"  # the science-and-technology bureau (admin)


ANY_SIDE = frozenset(Side)
MOVES: dict[tuple[MatchStatus, MatchStatus], frozenset[Side]] = {
    (MatchStatus.proposed, MatchStatus.docking): ANY_SIDE,
    (MatchStatus.proposed, MatchStatus.withdrawn): ANY_SIDE,
    (MatchStatus.docking, MatchStatus.succeeded): frozenset({Side.enterprise, Side.bureau}),
    (MatchStatus.docking, MatchStatus.failed): ANY_SIDE,
    (MatchStatus.docking, MatchStatus.withdrawn): ANY_SIDE,
    (MatchStatus.succeeded, MatchStatus.withdrawn): frozenset({Side.bureau}),
}
SYSTEM_MOVES = frozenset({(MatchStatus.proposed, MatchStatus.closed)})
TERMINAL = frozenset({MatchStatus.succeeded, MatchStatus.failed, MatchStatus.withdrawn, MatchStatus.closed})
ACTIVE = frozenset({MatchStatus.proposed, MatchStatus.docking})


def next_states(current: MatchStatus) -> list[MatchStatus]:
    return [to for (source, to) in MOVES if source is current]


def is_legal(current: MatchStatus, target: MatchStatus) -> bool:
    return (current, target) in MOVES
