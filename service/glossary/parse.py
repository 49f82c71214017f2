"""Glossary entries as DeepL accepts them: TSV (``source<TAB>target`` per line) or CSV
(``source,target[,source_lang,target_lang]``, RFC 4180 quoting), UTF-8.

The rules, DeepL's: every entry has a non-empty source and target; a source appears once;
no term holds a control character (C0, C1, tabs, newlines) or a Unicode line separator;
surrounding whitespace is trimmed. Sizes are bounded (:data:`MAX_ENTRIES` per glossary,
:data:`MAX_TERM_BYTES` per term, :data:`MAX_INLINE_ENTRIES` inline in one request).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from service.errors import MalformedRequest, RingkasError
from service.text.encoding import unpaired_surrogate

MAX_ENTRIES = 10_000
MAX_TERM_BYTES = 1024
MAX_INLINE_ENTRIES = 200
MAX_GLOSSARY_BYTES = 10 * 1024 * 1024
FORMATS = ("tsv", "csv")


class InvalidGlossary(RingkasError):
    """Entries that break a rule; ``details`` names the line (1-based) or term."""

    status = 422
    default_code = "invalid_glossary_entries"


class GlossaryNotFound(RingkasError):
    status = 404
    default_code = "glossary_not_found"


def _bad_char(term: str) -> bool:
    # Cc: C0 and C1 controls (tab, newline included); Zl/Zp: Unicode line/paragraph separators.
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in term)


def _check_term(term: str, where: dict[str, Any]) -> str:
    # The request boundary refuses these in a JSON body; entries also come from the command
    # line (argv's undecodable bytes) and from callers of the store, which must not fail
    # later, storing or matching the term.
    if unpaired_surrogate(term):
        raise MalformedRequest("a glossary term contains an unpaired UTF-16 surrogate",
                               code="invalid_encoding", details=where)
    term = term.strip()
    if not term:
        raise InvalidGlossary("a glossary term is empty", code="empty_glossary_term",
                              details=where)
    if _bad_char(term):
        raise InvalidGlossary("a glossary term contains a control character or line break",
                              details=where)
    if len(term.encode("utf-8")) > MAX_TERM_BYTES:
        raise InvalidGlossary(f"a glossary term is longer than {MAX_TERM_BYTES} bytes",
                              code="glossary_term_too_long", details=where)
    return term


def _collect(rows: Iterable[tuple[dict[str, Any], str, str]],
             limit: int) -> tuple[tuple[str, str], ...]:
    seen: dict[str, str] = {}
    for where, source, target in rows:
        source, target = _check_term(source, where), _check_term(target, where)
        if source in seen:
            raise InvalidGlossary(f"the source term {source!r} appears twice",
                                  code="duplicate_glossary_source",
                                  details={**where, "term": source})
        if len(seen) >= limit:
            raise InvalidGlossary(f"a glossary holds at most {limit} entries",
                                  code="glossary_too_large", details={"limit": limit})
        seen[source] = target
    return tuple(seen.items())


def parse_entries(text: str, fmt: str = "tsv", *, source_lang: str | None = None,
                  target_lang: str | None = None,
                  limit: int = MAX_ENTRIES) -> tuple[tuple[str, str], ...]:
    """The (source, target) entries of a TSV or CSV text, in order. A CSV row's optional
    third and fourth columns must name ``source_lang`` and ``target_lang`` when given."""
    if fmt not in FORMATS:
        raise InvalidGlossary(f"entries_format must be one of {', '.join(FORMATS)}",
                              code="unsupported_glossary_format")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_GLOSSARY_BYTES:
        raise InvalidGlossary(f"glossary entries are limited to {MAX_GLOSSARY_BYTES} bytes",
                              code="glossary_too_large", details={"limit": MAX_GLOSSARY_BYTES})
    text = text.removeprefix("\ufeff")
    return _collect(_rows(text, fmt, source_lang, target_lang), limit)


def _rows(text: str, fmt: str, source_lang: str | None,
          target_lang: str | None) -> Iterable[tuple[dict[str, Any], str, str]]:
    if fmt == "tsv":
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 2:
                raise InvalidGlossary("a TSV entry is 'source<TAB>target'", details={"line": n})
            yield {"line": n}, parts[0], parts[1]
        return
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for row in reader:
            n = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) not in (2, 4):
                raise InvalidGlossary("a CSV entry is 'source,target[,source_lang,target_lang]'",
                                      details={"line": n})
            if len(row) == 4 and ((source_lang and row[2].strip().lower() != source_lang)
                                  or (target_lang and row[3].strip().lower() != target_lang)):
                raise InvalidGlossary("a CSV entry names another language pair",
                                      code="glossary_language_mismatch", details={"line": n})
            yield {"line": n}, row[0], row[1]
    except csv.Error as exc:
        raise InvalidGlossary(f"the CSV cannot be read: {exc}",
                              details={"line": reader.line_num}) from None


def check_entries(entries: Mapping[str, str],
                  limit: int = MAX_INLINE_ENTRIES) -> tuple[tuple[str, str], ...]:
    """Inline entries (a JSON object of source -> target) under the same rules."""
    return _collect((({"term": s}, s, t) for s, t in entries.items()), limit)
