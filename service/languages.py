"""The languages ringkas reads and writes, its translation pairs and the model role that
serves each, and the markup it translates: each named here once.

Indonesian comes first: it is the articles' language, so it is listed first where clients
see a list in our order, and it wins a tie when a text's language is guessed between the two.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

Lang = Literal["id", "en"]
LANGUAGES: tuple[Lang, ...] = ("id", "en")
# Which model translates each direction.
PAIR_ROLE = MappingProxyType({("id", "en"): "translate_id_en", ("en", "id"): "translate_en_id"})
PAIRS = frozenset(PAIR_ROLE)
ROLE_PAIR = MappingProxyType({role: pair for pair, role in PAIR_ROLE.items()})
# An article is read in Indonesian and summarised in English (and translated back on request).
SUMMARY_PAIR: tuple[Lang, Lang] = ("id", "en")
PAIRS_TEXT = ", ".join(f"{s} -> {t}" for s, t in PAIR_ROLE)  # for messages: "id -> en, ..."

Markup = Literal["html", "xml"]
MARKUP_KINDS: tuple[Markup, ...] = ("html", "xml")
