"""A request's glossary as parsed, and the step after parsing that looks it up.

Parsing sees only the body: it checks the glossary fields' form (a name, inline entries, a
DeepL ``glossary_id`` with its ``source_lang``) and returns a :class:`Parsed` request whose
glossary is still an ask. Looking the glossary up needs the store and the caller, so it is
a step of its own (:meth:`Parsed.resolve`), taken by whoever holds both: a view, a job's
submission, the CLI. Its errors name the body's field, as a parse error does.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from service.errors import InvalidField, RingkasError
from service.glossary import GlossaryNotFound, GlossaryPolicy, check_entries
from service.glossary.store import GlossaryStore, policy


class GlossaryAsk(Protocol):
    def resolve(self, store: GlossaryStore | None, owner: str | None) -> GlossaryPolicy:
        """The glossary, found for the caller ``owner``; an InvalidField when it is not."""


@dataclass(frozen=True)
class NamedGlossary:
    """/v1's ``glossary`` (a name or id) and ``glossary_entries`` (checked when parsed),
    for the request's main direction ``pair``."""

    pair: tuple[str, str]
    name: str | None = None
    entries: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, body: Any, pair: tuple[str, str]) -> NamedGlossary | None:
        name, inline = body.get("glossary"), body.get("glossary_entries")
        if name is None and not inline:
            return None
        try:
            entries = check_entries(inline) if inline else ()
        except RingkasError as exc:
            raise InvalidField("glossary_entries", exc.message, code=exc.code) from None
        return cls(pair, name, entries)

    def resolve(self, store: GlossaryStore | None, owner: str | None) -> GlossaryPolicy:
        found = []
        if self.name is not None:
            found = store.named(self.name, owner) if store is not None else []
            if not found:
                raise InvalidField("glossary", f"no glossary {self.name!r} (GET "
                                   "/v1/glossaries lists them)",
                                   code=GlossaryNotFound.default_code)
            if not any((g.source_lang, g.target_lang) == self.pair for g in found):
                pairs = ", ".join(f"{g.source_lang}->{g.target_lang}" for g in found)
                raise InvalidField("glossary", f"glossary {self.name!r} has no "
                                   f"{self.pair[0]}->{self.pair[1]} entries (it has {pairs})",
                                   code="glossary_language_mismatch")
        return policy(found, dict(self.entries) or None, self.pair, self.name,
                      store.matchers if store is not None else None)


@dataclass(frozen=True)
class GlossaryById:
    """DeepL's ``glossary_id``: one glossary, with a dictionary of the request's pair (a v3
    glossary may hold both pairs; the request's is the one used)."""

    glossary_id: str
    pair: tuple[str, str]

    @classmethod
    def parse(cls, glossary_id: str | None, source: str | None,
              target: str) -> GlossaryById | None:
        """As DeepL, a glossary needs ``source_lang``."""
        if glossary_id is None:
            return None
        if source is None:
            raise InvalidField("source_lang", "source_lang is required with glossary_id",
                               code="missing_field")
        return cls(glossary_id, (source, target))

    def resolve(self, store: GlossaryStore | None, owner: str | None) -> GlossaryPolicy:
        try:
            if store is None:
                raise GlossaryNotFound("no glossaries here")
            group = store.group(self.glossary_id, owner)
        except GlossaryNotFound:
            raise InvalidField("glossary_id", f"no glossary {self.glossary_id!r} (GET "
                               "/v2/glossaries lists them)",
                               code=GlossaryNotFound.default_code) from None
        found = group.dictionary(*self.pair)
        if found is None:
            has = ", ".join(f"{d.source_lang}->{d.target_lang}" for d in group.dictionaries)
            raise InvalidField("glossary_id", f"glossary {self.glossary_id!r} is {has}, the "
                               f"request {self.pair[0]}->{self.pair[1]}",
                               code="glossary_language_mismatch")
        terms = store.matchers.terms(found.source_lang, found.target_lang, found.entries,
                                     found.name)
        return GlossaryPolicy((terms,), found.name)


class _HasGlossary(Protocol):
    @property
    def glossary(self) -> GlossaryPolicy | None: ...


R = TypeVar("R", bound=_HasGlossary)


@dataclass(frozen=True)
class Parsed(Generic[R]):
    """A parsed request whose glossary (if it asks for one) is not looked up yet: the only
    way to the request itself is :meth:`resolve`, so no glossary is dropped unseen."""

    _request: R
    glossary: GlossaryAsk | None = None

    def resolve(self, store: GlossaryStore | None, owner: str | None) -> R:
        if self.glossary is None:
            return self._request
        found = self.glossary.resolve(store, owner)
        return dataclasses.replace(self._request, glossary=found)  # type: ignore[type-var]
