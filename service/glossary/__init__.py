"""Glossaries: source term -> target term, per language pair.

Two kinds share one store (:mod:`service.glossary.store`): read-only server-wide glossaries
loaded from RINGKAS_GLOSSARY_DIR, and glossaries created through the API, kept in SQLite in
the data dir and owned by the API key that made them. A request selects one by name (or id)
and may add inline entries; the result is a frozen :class:`GlossaryPolicy` handed to the
pipeline, which enforces it (:mod:`service.glossary.enforce`) in every translation step.
"""

from service.glossary.parse import (
    MAX_ENTRIES,
    MAX_INLINE_ENTRIES,
    MAX_TERM_BYTES,
    GlossaryNotFound,
    InvalidGlossary,
    check_entries,
    parse_entries,
)
from service.glossary.terms import GlossaryPolicy, Terms

__all__ = ["MAX_ENTRIES", "MAX_INLINE_ENTRIES", "MAX_TERM_BYTES", "GlossaryNotFound",
           "GlossaryPolicy", "InvalidGlossary", "Terms", "check_entries", "parse_entries"]
