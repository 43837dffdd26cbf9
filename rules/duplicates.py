"""Likely duplicates (重复信访事项, 第十四条, 第十九条第三款): keys and similarity, no database.

A petition is compared with earlier ones by the petitioner's phone and ID number, and by its
text: the place and the description cut into character bigrams (二元字串), which suit Chinese
without a word segmenter and are stored and queried alike on SQLite and PostgreSQL
(petitions.cases.duplicates keeps them in a table of its own).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from rules.states import State

#: Only the start of a long text is indexed: a repeated matter shows in its first sentences, and
#: the index stays small (at most this many bigrams per case).
INDEXED_CHARS = 300
#: Dice coefficient of the bigram sets from which two texts count as similar (相似).
SIMILAR_TEXT = 0.35
#: ... or the share of the shorter text's bigrams found in the other (a short petition repeating
#: part of a long one).
SIMILAR_CONTAINED = 0.6
#: Dice coefficient of two places' bigrams from which they count as the same place.
SAME_PLACE = 0.6

#: The earlier case is accepted or being handled (已经受理或者正在办理, 第十四条): a new petition
#: on the same matter joins it or is declined as a repeat.
HANDLING_STATES = frozenset(
    {
        State.RECEIVED,
        State.REGISTERED,
        State.ACCEPTED,
        State.OBJECTED,
        State.DISPATCHED,
        State.REPLIED,
        State.REVIEW_REQUESTED,
        State.REVIEW_REPLIED,
        State.RE_REVIEW_REQUESTED,
    }
)


class KeyKind(IntEnum):
    """What a key of the duplicate index stands for."""

    BIGRAM = 1
    PHONE = 2
    ID_NUMBER = 3


_KEEP = re.compile(r"[\w]", re.UNICODE)


def normalize_text(text: str) -> str:
    """Full-width to half-width, lower case, and only letters, digits and CJK characters."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if _KEEP.match(ch) and ch != "_")


def bigram_key(pair: str) -> int:
    """Two characters as one integer (code points are below 2**21), exact and index-friendly."""
    return (ord(pair[0]) << 21) | ord(pair[1])


def bigrams(text: str, limit: int = INDEXED_CHARS) -> frozenset[int]:
    """The distinct character bigrams of the normalized text's first `limit` characters."""
    norm = normalize_text(text)[:limit]
    if len(norm) == 1:
        return frozenset({bigram_key(norm + " ")})
    return frozenset(bigram_key(norm[i : i + 2]) for i in range(len(norm) - 1))


def case_text(place: str, description: str) -> str:
    """What of a case is compared as text: where, then what."""
    return f"{place} {description}"


def phone_key(phone: str) -> int | None:
    """A phone number's digits as an integer (without +86), or None when it has too few."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) < 7:
        return None
    return int(digits)


def id_number_key(id_number: str) -> int | None:
    """An 18-character ID number as an integer (X as 10 in the last place), or None."""
    value = (id_number or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return None
    last = 10 if value[17] == "X" else int(value[17])
    return int(value[:17]) * 11 + last


def dice(a: Iterable[int], b: Iterable[int]) -> float:
    a, b = set(a), set(b)
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def contained(a: Iterable[int], b: Iterable[int]) -> float:
    """The share of the smaller set found in the other."""
    a, b = set(a), set(b)
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


@dataclass(frozen=True)
class TextMatch:
    similarity: float
    similar: bool


def text_match(a: Iterable[int], b: Iterable[int]) -> TextMatch:
    a, b = set(a), set(b)
    score = dice(a, b)
    return TextMatch(score, score >= SIMILAR_TEXT or contained(a, b) >= SIMILAR_CONTAINED)


def same_place(a: str, b: str) -> bool:
    na, nb = normalize_text(a), normalize_text(b)
    if not na or not nb:
        return False
    if na == nb or (min(len(na), len(nb)) >= 4 and (na in nb or nb in na)):
        return True
    return dice(bigrams(na), bigrams(nb)) >= SAME_PLACE


@dataclass(frozen=True)
class EarlierCase:
    """The earlier case a petition is linked to or declined against, as the rules need it."""

    number: str
    state: State
    #: A re-review opinion (复核意见) has been given on it (第十九条第三款).
    re_reviewed: bool
    #: It is the very case being decided.
    same_case: bool = False
