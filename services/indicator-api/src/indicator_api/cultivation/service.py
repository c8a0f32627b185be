"""Cultivation rules: submitting candidates (assessed as they come), moving them through the
pipeline, quotas, and which townships lag."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col, select

from daye_kit.audit import record_change
from daye_kit.auth import Principal, Role
from daye_kit.db import insert_rows, next_ids
from daye_kit.errors import AppError, Conflict, Forbidden, NotFound, RowError, RowsRefused
from daye_kit.feed import Announcement, announce, emit, emit_many
from daye_kit.pagination import Changes, Page, PageParams, keyset_page, next_cursor
from daye_kit.periods import PeriodClosed
from daye_kit.timestamps import local_today, utcnow
from indicator_api import events
from indicator_api.cultivation import rules
from indicator_api.cultivation.figures import CandidateFigures
from indicator_api.cultivation.measures import counts_by_unit
from indicator_api.cultivation.models import Candidate, Quota, StageEvent
from indicator_api.cultivation.schemas import (
    BulkCandidatesResult,
    CandidateIn,
    CandidateMove,
    CandidatePublic,
    CultivationProgress,
    Measure,
    MeasureProgress,
    QuotaPublic,
    Quotas,
    Stage,
    StageEventPublic,
    TownshipProgress,
)
from indicator_api.enterprises.models import Enterprise, Qualification
from indicator_api.enterprises.schemas import EnterprisePublic, QualificationKind
from indicator_api.enterprises.service import default_expiry, qualification_recorded
from indicator_api.indicators.progress import Accumulation, Pace, Status, assess, time_progress
from indicator_api.periods import service as periods
from indicator_api.regions.models import Region
from indicator_api.regions.service import get_region

# Where a candidate may go from each stage. Certification and rejection are the national result,
# recorded by the bureau; the rest is the township's own work.
MOVES: dict[Stage, frozenset[Stage]] = {
    Stage.reserve: frozenset({Stage.coached, Stage.applied, Stage.withdrawn}),
    Stage.coached: frozenset({Stage.reserve, Stage.applied, Stage.withdrawn}),
    Stage.applied: frozenset({Stage.certified, Stage.rejected, Stage.withdrawn}),
    Stage.rejected: frozenset({Stage.reserve}),
    Stage.withdrawn: frozenset({Stage.reserve}),
    Stage.certified: frozenset(),
}
BUREAU_ONLY = frozenset({Stage.certified, Stage.rejected})


class IllegalMove(AppError):
    status, code, title = 409, "illegal_stage_move", "不允许的阶段变动"


class CandidateExists(Conflict):
    code, title = "candidate_exists", "该企业已是本年度该培育方向的候选企业"


def _duplicate_candidacy(exc: Exception) -> bool:
    """The unique constraint on (credit_code, program, year) refused a row: PostgreSQL names it
    (asyncpg's own error under COPY, SQLAlchemy's elsewhere), SQLite names its columns."""
    if not isinstance(exc, IntegrityError) and getattr(exc, "sqlstate", None) != "23505":
        return False
    text = str(exc)
    return "uq_candidates_credit_code_program_year" in text or "candidates.credit_code" in text


def allowed_moves(principal: Principal, stage: Stage) -> list[Stage]:
    """Where this caller may move a candidate now: the pipeline's moves, less the national results
    for a township, nothing for those who only read."""
    if principal.role not in (Role.admin, Role.township):
        return []
    moves = MOVES[stage] if principal.role is Role.admin else MOVES[stage] - BUREAU_ONLY
    return sorted(moves, key=list(Stage).index)


def ensure_may_submit(principal: Principal, region_code: str) -> None:
    """A township submits candidates of its own unit; the bureau of any."""
    principal.ensure_region(region_code)


def ensure_township_access(principal: Principal, region_code: str) -> None:
    if principal.sees_everything:
        return
    principal.ensure_region(region_code)


async def submit(
    session: AsyncSession,
    *,
    region_code: str,
    items: Sequence[CandidateIn],
    principal: Principal,
) -> tuple[list[int], BulkCandidatesResult]:
    """Registers missing enterprises, stores the candidates with their assessments. All or nothing.
    A candidate's first stage is dated today in Daye."""
    ensure_may_submit(principal, region_code)
    await get_region(session, region_code)
    codes = {item.credit_code for item in items}
    known: dict[str, Enterprise] = {}
    listed = sorted(codes)
    for start in range(0, len(listed), 5_000):  # PostgreSQL takes at most 32,767 parameters a query
        chunk = listed[start : start + 5_000]
        found = await session.execute(select(Enterprise).where(col(Enterprise.credit_code).in_(chunk)))
        known.update((e.credit_code, e) for e in found.scalars())
    errors: list[RowError] = []
    for index, item in enumerate(items):
        enterprise = known.get(item.credit_code)
        if enterprise is not None and enterprise.region_code != region_code:
            errors.append(
                RowError(
                    row=index,
                    field="credit_code",
                    rule="other_unit",
                    # Which unit is not said: a township may not learn where others' enterprises are.
                    message=f"{item.credit_code} is registered in another unit, not {region_code}",
                )
            )
        if item.stage not in (Stage.reserve, Stage.coached):
            errors.append(
                RowError(
                    row=index,
                    field="stage",
                    rule="initial_stage",
                    message="a new candidate starts in reserve or coached",
                )
            )
    # Whether another unit's enterprise is a candidate there is not for this caller to learn.
    elsewhere = {e.row for e in errors if e.rule == "other_unit"}
    errors += [e for e in await _already_candidates(session, items) if e.row not in elsewhere]
    if errors:
        raise RowsRefused(
            f"{len(errors)} problem(s) in {len(items)} candidate(s); nothing was written", errors
        )

    conn = await session.connection()
    now, today = utcnow(), local_today()
    new_enterprises = {
        item.credit_code: {
            "credit_code": item.credit_code,
            "name": item.name,
            "region_code": region_code,
            "industry": item.industry,
            "registered_on": None,
            "created_at": now,
            "updated_at": now,
        }
        for item in items
        if item.credit_code not in known
    }
    await insert_rows(conn, Enterprise.__table__, list(new_enterprises.values()))  # type: ignore[attr-defined]
    await emit_many(
        session,
        (
            announce(
                events.ENTERPRISE_CREATED,
                events.enterprise_subject(code),
                EnterprisePublic.model_validate({**row, "qualifications": []}),
            )
            for code, row in new_enterprises.items()
        ),
    )
    ids = await next_ids(conn, Candidate.__table__, len(items))  # type: ignore[attr-defined]
    names = {code: e.name for code, e in known.items()} | {
        code: str(row["name"]) for code, row in new_enterprises.items()
    }
    submission = _Submission(
        region_code=region_code, username=principal.username, now=now, today=today, names=names
    )
    rows: list[dict[str, Any]] = []

    def submitted() -> Iterator[Announcement]:
        # Each candidate is assessed once: the outcome is kept for its row, the conditions leave at
        # once as its event's JSON. The database stores the events while the rest are assessed, and
        # no more than one candidate's condition objects are held at a time.
        for cid, item in zip(ids, items, strict=True):
            assessments = rules.assess(item.figures)
            row = submission.row(cid, item, assessments)
            rows.append(row)
            yield announce(
                events.CANDIDATE_SUBMITTED,
                events.candidate_subject(cid),
                submission.public(row, item, assessments),
            )

    await emit_many(session, submitted())
    await _insert_candidates(conn, rows)
    await insert_rows(conn, StageEvent.__table__, [submission.first_stage(row) for row in rows])  # type: ignore[attr-defined]
    # Written with COPY (Core): the audit row is told what was made.
    if len(rows) == 1:
        record_change(session, "candidates", rows[0]["id"], after=rows[0])
    else:
        record_change(
            session,
            "candidates",
            None,
            after={
                "region_code": region_code,
                "candidate_ids": ids,
                "new_enterprises": list(new_enterprises),
            },
        )
    return ids, BulkCandidatesResult(
        created=len(ids),
        eligible_tech_sme=sum(row["eligible_tech_sme"] for row in rows),
        eligible_hte=sum(row["eligible_hte"] for row in rows),
    )


@dataclass(frozen=True)
class _Submission:
    """What every candidate of one submission shares, and its rows and event built from that."""

    region_code: str
    username: str
    now: datetime
    today: date
    names: dict[str, str]  # credit code → enterprise name

    def row(
        self, cid: int, item: CandidateIn, assessments: dict[rules.Program, rules.Assessment]
    ) -> dict[str, Any]:
        outcome = rules.outcome(assessments)
        return {
            "id": cid,
            "region_code": self.region_code,
            "credit_code": item.credit_code,
            "program": item.program.value,
            "year": item.year,
            "stage": item.stage.value,
            "figures": item.figures.model_dump(mode="json"),
            "ruleset": rules.RULESET_VERSION,
            "eligible_tech_sme": outcome.tech_sme_eligible,
            "eligible_hte": outcome.hte_eligible,
            "tech_sme_score": outcome.tech_sme_score,
            "hte_score": outcome.hte_score,
            "created_by": self.username,
            "created_at": self.now,
            "stage_changed_at": self.now,
            "stage_changed_by": self.username,
            "updated_at": self.now,
        }

    def first_stage(self, candidate: dict[str, Any]) -> dict[str, Any]:
        return {
            "candidate_id": candidate["id"],
            "from_stage": None,
            "to_stage": candidate["stage"],
            "on": self.today,
            "by": self.username,
            "note": "提交候选",
            "at": self.now,
        }

    def public(
        self, row: dict[str, Any], item: CandidateIn, assessments: dict[rules.Program, rules.Assessment]
    ) -> CandidatePublic:
        return CandidatePublic(
            id=row["id"],
            region_code=self.region_code,
            credit_code=item.credit_code,
            enterprise_name=self.names[item.credit_code],
            program=item.program,
            year=item.year,
            stage=item.stage,
            stage_changed_at=self.now,
            stage_changed_by=self.username,
            created_by=self.username,
            created_at=self.now,
            updated_at=self.now,
            assessments=assessments,
            history=[StageEventPublic.model_validate(self.first_stage(row))],
        )


async def _insert_candidates(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    try:
        await insert_rows(conn, Candidate.__table__, rows)  # type: ignore[attr-defined]
    except Exception as exc:
        # Checked above; only a submission of the same enterprise at the same moment gets here.
        if _duplicate_candidacy(exc):
            raise CandidateExists(
                "another submission of one of these enterprises for the same programme and year "
                "was recorded at the same moment; nothing of this one was written"
            ) from exc
        raise


async def _already_candidates(session: AsyncSession, items: Sequence[CandidateIn]) -> list[RowError]:
    """Rows naming an enterprise that is already a candidate of that programme in that year, or
    that an earlier row of the same batch names: one candidacy per enterprise, programme and year."""
    wanted = {(item.credit_code, item.program.value, item.year) for item in items}
    codes = sorted({code for code, _, _ in wanted})
    taken: set[tuple[str, str, int]] = set()
    # The enterprises' candidacies, found by the unique key's leading column: a list of (code,
    # programme, year) tuples costs PostgreSQL far more to plan and SQLAlchemy to render.
    for start in range(0, len(codes), 5_000):  # PostgreSQL takes at most 32,767 parameters a query
        found = await session.execute(
            select(col(Candidate.credit_code), col(Candidate.program), col(Candidate.year)).where(
                col(Candidate.credit_code).in_(codes[start : start + 5_000])
            )
        )
        taken.update(wanted.intersection((code, program, int(year)) for code, program, year in found.all()))
    errors: list[RowError] = []
    seen: dict[tuple[str, str, int], int] = {}
    for index, item in enumerate(items):
        candidacy = (item.credit_code, item.program.value, item.year)
        if candidacy in taken:
            message = f"{item.credit_code} is already a {item.program.value} candidate of {item.year}"
        elif candidacy in seen:
            message = (
                f"{item.credit_code} is a {item.program.value} candidate of {item.year} "
                f"in row {seen[candidacy]} already"
            )
        else:
            seen[candidacy] = index
            continue
        errors.append(RowError(row=index, field="credit_code", rule="candidate_exists", message=message))
    return errors


async def submit_one(
    session: AsyncSession, *, region_code: str, item: CandidateIn, principal: Principal
) -> int:
    """One candidate; 409 `candidate_exists` if the enterprise is one already (programme, year)."""
    try:
        ids, _ = await submit(session, region_code=region_code, items=[item], principal=principal)
    except RowsRefused as refused:
        if {e.rule for e in refused.rows} == {"candidate_exists"}:
            raise CandidateExists(refused.rows[0].message) from refused
        raise
    return ids[0]


async def _public(
    session: AsyncSession, candidates: Sequence[Candidate], *, history: bool, principal: Principal | None
) -> list[CandidatePublic]:
    """As `principal` reads them; with no principal, as the feed carries them (no moves listed)."""
    ids = [c.id for c in candidates]
    names = dict(
        (
            await session.execute(
                select(col(Enterprise.credit_code), col(Enterprise.name)).where(
                    col(Enterprise.credit_code).in_({c.credit_code for c in candidates})
                )
            )
        ).all()
    )
    events: dict[int, list[StageEventPublic]] = {}
    if history:
        for e in (
            await session.execute(
                select(StageEvent).where(col(StageEvent.candidate_id).in_(ids)).order_by(col(StageEvent.id))
            )
        ).scalars():
            events.setdefault(e.candidate_id, []).append(
                StageEventPublic(
                    from_stage=Stage(e.from_stage) if e.from_stage else None,
                    to_stage=Stage(e.to_stage),
                    on=e.on,
                    by=e.by,
                    note=e.note,
                    at=e.at,
                )
            )
    return [
        CandidatePublic(
            id=c.id or 0,
            region_code=c.region_code,
            credit_code=c.credit_code,
            enterprise_name=names.get(c.credit_code, ""),
            program=rules.Program(c.program),
            year=c.year,
            stage=Stage(c.stage),
            stage_changed_at=c.stage_changed_at,
            stage_changed_by=c.stage_changed_by,
            created_by=c.created_by,
            created_at=c.created_at,
            updated_at=c.updated_at,
            assessments=rules.reassess(CandidateFigures.model_validate(c.figures), c.ruleset),
            history=events.get(c.id or 0, []),
            allowed_moves=[] if principal is None else allowed_moves(principal, Stage(c.stage)),
        )
        for c in candidates
    ]


async def list_candidates(
    session: AsyncSession,
    *,
    region_code: str | None,
    principal: Principal,
    stage: Stage | None,
    program: rules.Program | None,
    year: int | None,
    page: PageParams,
    changes: Changes,
) -> Page[CandidatePublic]:
    """One unit's candidates, or (`region_code` None, for those who see every unit's) all."""
    query = select(Candidate)
    if region_code is not None:
        ensure_township_access(principal, region_code)
        query = query.where(col(Candidate.region_code) == region_code)
    elif not principal.sees_everything:
        raise Forbidden(f"role {principal.role.value} reads the candidates of its own unit only")
    if stage is not None:
        query = query.where(col(Candidate.stage) == stage.value)
    if program is not None:
        query = query.where(col(Candidate.program) == program.value)
    if year is not None:
        query = query.where(col(Candidate.year) == year)
    changed = changes.since(query, col(Candidate.updated_at))
    total = int((await session.execute(select(func.count()).select_from(changed.subquery()))).scalar_one())
    page_query = keyset_page(
        changed,
        page,
        changes,
        updated=col(Candidate.updated_at),
        key=col(Candidate.id),
        order=[col(Candidate.id)],
    )
    rows = (await session.execute(page_query)).scalars().all()
    last = (rows[-1].updated_at, rows[-1].id or 0) if rows else None
    return Page(
        items=await _public(session, rows, history=False, principal=principal),
        total=total,
        next_cursor=next_cursor(changes, last),
    )


async def _load(session: AsyncSession, candidate_id: int, principal: Principal) -> Candidate:
    candidate = await session.get(Candidate, candidate_id)
    visible = candidate is not None and (
        principal.sees_everything
        or (principal.role is Role.township and principal.region_code == candidate.region_code)
    )
    if candidate is None or not visible:
        raise NotFound(f"candidate {candidate_id} does not exist", code="candidate_not_found")
    return candidate


async def read_candidate(
    session: AsyncSession, *, candidate_id: int, principal: Principal
) -> CandidatePublic:
    [public] = await _public(
        session, [await _load(session, candidate_id, principal)], history=True, principal=principal
    )
    return public


async def move(
    session: AsyncSession, *, candidate_id: int, data: CandidateMove, principal: Principal
) -> CandidatePublic:
    candidate = await _load(session, candidate_id, principal)
    # Checked here, after the lookup, not as a route's role requirement: to a caller who may not see
    # the candidate (an enterprise) it does not exist (404); a reader who sees it is refused (403).
    if principal.role not in (Role.admin, Role.township):
        raise Forbidden(f"role {principal.role.value} may not move candidates")
    current = Stage(candidate.stage)
    if data.stage not in MOVES[current]:
        allowed = ", ".join(sorted(s.value for s in MOVES[current])) or "none"
        raise IllegalMove(
            f"a candidate cannot move from {current.value} to {data.stage.value}; "
            f"from {current.value} it may go to: {allowed}"
        )
    if data.stage in BUREAU_ONLY and principal.role is not Role.admin:
        raise Forbidden(f"moving to {data.stage.value} records the national result and is the bureau's to do")
    on = data.on or local_today()
    # A move dated in a closed period would change that period's cultivation figures.
    (await periods.closed(session)).ensure_day_open(on, "body.on")
    session.add(
        StageEvent(
            candidate_id=candidate_id,
            from_stage=current.value,
            to_stage=data.stage.value,
            on=on,
            by=principal.username,
            note=data.note,
        )
    )
    now = utcnow()
    candidate.stage, candidate.stage_changed_at, candidate.stage_changed_by = (
        data.stage.value,
        now,
        principal.username,
    )
    candidate.updated_at = now
    if data.stage is Stage.certified:
        kind = QualificationKind(candidate.program)
        held = (
            await session.execute(
                select(Qualification).where(
                    col(Qualification.credit_code) == candidate.credit_code,
                    col(Qualification.kind) == kind.value,
                    col(Qualification.granted_on) == on,
                )
            )
        ).scalar_one_or_none()
        if held is None:
            qualification = Qualification(
                credit_code=candidate.credit_code,
                kind=kind.value,
                granted_year=on.year,
                granted_on=on,
                expires_on=default_expiry(kind, on),
                updated_at=now,
            )
            session.add(qualification)
            await session.flush()
            enterprise = await session.get(Enterprise, candidate.credit_code)
            if enterprise is not None:  # a foreign key: always there
                await qualification_recorded(session, enterprise, qualification)
    await session.flush()
    public = await read_candidate(session, candidate_id=candidate_id, principal=principal)
    await emit(
        session,
        events.CANDIDATE_MOVED,
        subject=events.candidate_subject(candidate_id),
        data=as_published(public),
    )
    return public


def as_published(public: CandidatePublic) -> CandidatePublic:
    """A candidate as the feed carries it: whoever reads it, the moves the caller may make are the
    reader's own business, so none are listed (as a read-only account's answer lists none)."""
    return public.model_copy(update={"allowed_moves": []})


async def published(session: AsyncSession, candidates: Sequence[Candidate]) -> list[CandidatePublic]:
    """Candidates as the feed carries them (their history, no moves), in a few queries a thousand."""
    shown: list[CandidatePublic] = []
    for start in range(0, len(candidates), 1_000):  # the ids and codes go into IN lists
        shown += await _public(session, candidates[start : start + 1_000], history=True, principal=None)
    return shown


async def refresh_candidates(session: AsyncSession, *, credit_code: str) -> int:
    """An enterprise's name, which its candidates show, changed: each of them is stamped and
    announced as `candidate.updated`, so a copy kept from the feed and an incremental reader of the
    candidates both see the new name. How many."""
    await session.flush()
    candidates = (
        (
            await session.execute(
                select(Candidate).where(col(Candidate.credit_code) == credit_code).order_by(col(Candidate.id))
            )
        )
        .scalars()
        .all()
    )
    now = utcnow()
    for candidate in candidates:
        candidate.updated_at = now
    await session.flush()
    await emit_many(
        session,
        [
            (events.CANDIDATE_UPDATED, events.candidate_subject(shown.id), shown)
            for shown in await published(session, candidates)
        ],
    )
    return len(candidates)


def quota_public(quota: Quota) -> QuotaPublic:
    return QuotaPublic(
        region_code=quota.region_code,
        measure=Measure(quota.measure),
        quota=quota.quota,
        year=quota.year,
        set_by=quota.set_by,
    )


async def set_quotas(session: AsyncSession, *, year: int, data: Quotas, principal: Principal) -> int:
    if (await periods.closed(session)).year_closed(year):
        # Quotas are for the whole year, as targets are: frozen once its four quarters are closed.
        raise PeriodClosed.at("path.year", f"{year}-Q1..Q4")
    regions = set((await session.execute(select(col(Region.code)))).scalars())
    errors = [
        RowError(
            row=i,
            field="region_code",
            rule="unknown_region",
            message=f"reporting unit {q.region_code} does not exist",
        )
        for i, q in enumerate(data.items)
        if q.region_code not in regions
    ]
    if errors:
        raise RowsRefused("unknown units; nothing was written", errors)
    published: dict[tuple[str, str], QuotaPublic] = {}
    for q in data.items:
        published[(q.region_code, q.measure.value)] = QuotaPublic(
            region_code=q.region_code, measure=q.measure, quota=q.quota, year=year, set_by=principal.username
        )
        quota = await session.get(Quota, (q.region_code, year, q.measure.value))
        if quota is None:
            session.add(
                Quota(
                    region_code=q.region_code,
                    year=year,
                    measure=q.measure.value,
                    quota=q.quota,
                    set_by=principal.username,
                )
            )
        else:
            quota.quota, quota.set_by = q.quota, principal.username
    await session.flush()
    # One event per quota as it now stands (a unit and measure named twice: the last one given).
    await emit_many(session, [(events.QUOTA_SET, events.quota_subject(q), q) for q in published.values()])
    return len(data.items)


def _measure_progress(actual: int, quota: int | None, elapsed: Decimal) -> MeasureProgress:
    result = assess(
        accumulation=Accumulation.cumulative,
        higher_is_better=True,
        actual=Decimal(actual),
        target=None if quota is None else Decimal(quota),
        elapsed=elapsed,
    )
    expected = result.expected
    # The pace rounded up to whole enterprises, less those done (Decimal's // truncates, so ceil).
    needed = 0 if expected is None else max(0, math.ceil(expected) - actual)
    return MeasureProgress(
        actual=actual,
        quota=quota,
        completion_rate=result.completion_rate,
        expected=expected,
        status=result.status,
        needed_for_pace=needed,
        remaining=max(0, (quota or 0) - actual),
    )


async def progress(
    session: AsyncSession, *, city_code: str, year: int, as_of: date, pace: Pace
) -> CultivationProgress:
    """The city's townships against their quotas and the pace, the laggards first."""
    units = (
        (
            await session.execute(
                select(Region).where(col(Region.parent_code) == city_code).order_by(col(Region.code))
            )
        )
        .scalars()
        .all()
    )
    quotas: dict[tuple[str, str], int] = {
        (q.region_code, q.measure): q.quota
        for q in (await session.execute(select(Quota).where(col(Quota.year) == year))).scalars()
    }
    counts = {m: await counts_by_unit(session, m, year=year, as_of=as_of) for m in Measure}
    elapsed = time_progress(year, as_of, pace)
    rows = []
    for unit in units:
        measures = {
            m: _measure_progress(counts[m].get(unit.code, 0), quotas.get((unit.code, m.value)), elapsed)
            for m in Measure
        }
        with_quota = [p for p in measures.values() if p.quota]
        gap = min(((p.completion_rate or Decimal(0)) - elapsed for p in with_quota), default=Decimal(0))
        rows.append(
            TownshipProgress(
                region_code=unit.code,
                name=unit.name,
                measures=measures,
                gap=gap,
                behind=any(p.status is Status.behind for p in measures.values()),
            )
        )
    rows.sort(key=lambda r: (not r.behind, r.gap or Decimal(0), r.region_code))
    return CultivationProgress(year=year, as_of=as_of, time_progress=elapsed, townships=rows)
