"""The words a product is found by, and the words of a search: the same folding for both."""

from __future__ import annotations

import re
import unicodedata

# Each listed product is indexed under at most this many words (name, tagline and category
# first, then the description's): every word is an item written in the transaction that
# lists the product, and a transaction holds at most 100.
MAX_PRODUCT_WORDS = 24
MAX_QUERY_WORDS = 8
MIN_WORD_CHARS = 2
MAX_WORD_CHARS = 40
_WORD = re.compile(r"[^\W_]+")
_COMMON = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "with",
        "your",
    ]
)


def fold(text: str) -> str:
    """Lower case without accents: "Café" and "cafe" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words_of(*texts: str | None, limit: int = MAX_PRODUCT_WORDS) -> tuple[str, ...]:
    """The distinct words of `texts` in order of appearance, common ones left out."""
    found: dict[str, None] = {}
    for text in texts:
        for word in _WORD.findall(fold(text or "")):
            if MIN_WORD_CHARS <= len(word) <= MAX_WORD_CHARS and word not in _COMMON:
                found.setdefault(word)
                if len(found) == limit:
                    return tuple(found)
    return tuple(found)


def query_words(search: str) -> tuple[str, ...]:
    return words_of(search, limit=MAX_QUERY_WORDS)
