"""Chinese segmentation for the engine: jieba's search mode with the domain lexicon beside this file.

The tokenizer is built once per process, on first use (loading jieba's dictionary takes about a
second); nothing happens at import time.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from functools import cache
from importlib import resources
from typing import Any

with warnings.catch_warnings():
    # jieba 0.42 has regexes with invalid escapes, which Python warns about when it compiles them.
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", SyntaxWarning)
    import jieba  # type: ignore[import-untyped]

jieba.setLogLevel(logging.WARNING)

# A token is kept when it has a Chinese character, or is a Latin/number word of two characters or
# more (PLC, MES, 5G); punctuation and single Latin letters are dropped.
_MEANINGFUL = re.compile(r"[\u4e00-\u9fff]|^[A-Za-z0-9+#.\-]{2,}$")
_lock = threading.Lock()
# Single characters are mostly noise (我, 中, 低); these few name a material or a product.
_SINGLE_CHARACTER_TERMS = frozenset("铜铝钢铁锌镍锂金银锡硅碳酒药茶油煤矿渣砂漆")


def _lines(name: str) -> list[str]:
    text = resources.files("matching_api.engine").joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def lexicon() -> tuple[str, ...]:
    return tuple(line.split()[0] for line in _lines("lexicon.txt"))


@cache
def stopwords() -> frozenset[str]:
    return frozenset(word for line in _lines("stopwords.txt") for word in line.split())


@cache
def _tokenizer() -> Any:
    with _lock:
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for line in _lines("lexicon.txt"):
            word, *rest = line.split()
            freq = int(rest[0]) if rest else None
            tokenizer.add_word(word, freq=freq, tag=rest[1] if len(rest) > 1 else None)
        return tokenizer


def warm_up() -> None:
    """Load the dictionary now (the service does it in a thread at start)."""
    _tokenizer()


def tokenize(text: str) -> list[str]:
    """Search-mode segmentation (a compound and its parts: 换热器 → 换热, 换热器), lower-cased,
    without stop words and punctuation."""
    stop = stopwords()
    tokens: list[str] = []
    for raw in _tokenizer().cut_for_search(text):
        token = raw.strip().lower()
        if len(token) == 1 and token not in _SINGLE_CHARACTER_TERMS:
            continue
        if token and token not in stop and _MEANINGFUL.search(token):
            tokens.append(token)
    return tokens


def join_terms(tokens: list[str]) -> str:
    return " ".join(tokens)


def split_terms(terms: str) -> list[str]:
    return terms.split()
