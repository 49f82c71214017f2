"""Making translations follow a glossary, and saying so when they do not.

For each sentence whose source holds a glossary term, in this order, until the term's target
appears in the translation as often as the source term occurs:

1. the target is already there (as written, or in another case, which is corrected);
2. the term is translated alone with the same model; where that rendering occurs in the
   sentence's translation exactly as often as the term in the source, it is replaced by the
   target (a rendering seen more often is ambiguous and left alone);
3. the model copied the source term unchanged: it is replaced by the target;
4. the sentence is translated again with the term already replaced by its target in the
   source (models carry a foreign name through); the retry is kept when fewer terms miss,
   after steps 1-3 on it.

A term still missing after that is reported (:class:`TermMiss`); the caller turns it into a
``glossary_not_applied`` warning. Nothing is ever replaced unverified: each step ends by
counting the target in the text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from service.glossary.terms import Terms, count, count_exact, replace
from service.overload import Deadline

Translate = Callable[[Sequence[str]], list[str]]
Entry = tuple[str, str]
_STRIP = " \t\n.,;:!?\"'()[]"


@dataclass(frozen=True)
class TermMiss:
    sentence: int  # index of the sentence in the translated batch
    source: str
    target: str


def _fix(text: str, needs: Mapping[Entry, int], renderings: Mapping[str, str],
         deadline: Deadline | None = None) -> tuple[str, list[Entry]]:
    """Steps 1-3 on one translation: the corrected text and the entries still missing."""
    missing: list[Entry] = []
    for (source, target), n in needs.items():
        if deadline is not None:
            deadline.check()
        if count_exact(target, text) >= n:
            continue
        if count(target, text) >= n:
            text = replace(target, text, target)
        else:
            rendering = renderings.get(source, "")
            for old in (rendering, source):
                if (old and old.casefold() != target.casefold()
                        and count(old, text) == n and count(target, old) == 0):
                    candidate = replace(old, text, target)
                    if count_exact(target, candidate) >= n:
                        text = candidate
                        break
        if count_exact(target, text) < n:
            missing.append((source, target))
    return text, missing


def enforce(sources: Sequence[str], outputs: Sequence[str], terms: Terms,
            translate: Translate, deadline: Deadline | None = None,
            ) -> tuple[list[str], list[TermMiss]]:
    """``outputs`` (the translations of ``sources``) made to follow ``terms``; ``translate``
    is the same model, for the terms alone and the retries. Past ``deadline`` (read as it
    goes, not only between model calls): DeadlineExceeded."""
    result = list(outputs)
    needs = [terms.occurrences(s, deadline) for s in sources]
    missing: dict[int, list[Entry]] = {}
    for i, need in enumerate(needs):
        if need:
            result[i], miss = _fix(result[i], need, {}, deadline)
            if miss:
                missing[i] = miss
    if not missing:
        return result, []
    alone = list(dict.fromkeys(s for miss in missing.values() for s, _ in miss))
    renderings = {s: r.strip(_STRIP) for s, r in zip(alone, translate(alone), strict=True)}
    for i in list(missing):
        result[i], miss = _fix(result[i], needs[i], renderings, deadline)
        if miss:
            missing[i] = miss
        else:
            del missing[i]
    # A retry only helps where writing the target into the source changes the source.
    retry_ids = [i for i in missing if _switch(sources[i], missing[i]) != sources[i]]
    if retry_ids:
        retried = translate([_switch(sources[i], missing[i]) for i in retry_ids])
        for i, text in zip(retry_ids, retried, strict=True):
            text, miss = _fix(text, needs[i], renderings, deadline)
            if len(miss) < len(missing[i]):
                result[i] = text
                missing[i] = miss
    misses = [TermMiss(i, s, t) for i, miss in sorted(missing.items()) for s, t in miss]
    return result, misses


def _switch(source: str, entries: Sequence[Entry]) -> str:
    """``source`` with the missing terms written as their targets."""
    for term, target in entries:
        source = replace(term, source, target)
    return source
