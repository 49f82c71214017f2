"""DeepL's glossary API v2 requests (``POST /v2/glossaries``), parsed once into a frozen
dataclass, and the glossary object DeepL's clients read. The glossaries are ringkas's own
(service/glossary/store.py): one store behind /v1's ``glossary`` and /v2's ``glossary_id``.

The entries are checked by the store, under DeepL's rules (service/glossary/parse.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from service.config import Limits
from service.contract.spec import Field, ObjectSpec, SpecContext
from service.glossary.store import Glossary

EntriesFormat = Literal["tsv", "csv"]

_LANG = {"type": "string", "enum": ["en", "id", "EN", "ID"]}

DEEPL_GLOSSARY = ObjectSpec(
    "DeepLGlossaryRequest", "DeepL's /v2/glossaries request (JSON or form-encoded): a "
    "glossary of one language pair. Other fields are accepted and ignored, as DeepL does.", {
        "name": Field({"type": "string", "minLength": 1}, "The glossary's name.",
                      required=True, code="invalid_glossary_name",
                      type_code="invalid_glossary_name",
                      message="name must be a non-empty string"),
        "source_lang": Field(_LANG, "The language of the source terms: en or id (any case).",
                             required=True, code="unsupported_language_pair",
                             message="source_lang must be en or id"),
        "target_lang": Field(_LANG, "The language of the target terms: en or id (any case; "
                             "one English for EN-GB and EN-US).", required=True,
                             code="unsupported_language_pair",
                             message="target_lang must be en or id"),
        "entries": Field({"type": "string"}, "The entries, in entries_format: TSV "
                         "(source<TAB>target per line) or CSV (source,target[,source_lang,"
                         "target_lang]). A source term appears once; no term is empty or "
                         "holds a control character.", required=True,
                         code="invalid_glossary_entries",
                         type_code="invalid_glossary_entries",
                         message="entries must be a string of TSV or CSV lines"),
        "entries_format": Field({"type": "string", "enum": ["tsv", "csv"]},
                                "tsv (the default) or csv.",
                                code="unsupported_glossary_format",
                                message="entries_format must be tsv or csv"),
    }, open=True)


@dataclass(frozen=True)
class DeepLGlossaryRequest:
    name: str
    source_lang: str  # "en" or "id"
    target_lang: str
    entries: str
    entries_format: EntriesFormat


def parse_deepl_glossary(body: Any, limits: Limits) -> DeepLGlossaryRequest:
    if isinstance(body, Mapping):  # DeepL's clients send the codes in upper case
        body = {k: v.lower() if k in ("source_lang", "target_lang") and isinstance(v, str)
                else v for k, v in body.items()}
    checked = DEEPL_GLOSSARY.validate(body, SpecContext(limits))
    return DeepLGlossaryRequest(checked["name"], checked["source_lang"],
                                checked["target_lang"], checked["entries"],
                                checked.get("entries_format", "tsv"))


def deepl_glossary(glossary: Glossary) -> dict[str, Any]:
    """DeepL's glossary object (and ``server``: read-only, from RINGKAS_GLOSSARY_DIR).
    DeepL's clients read ``creation_time`` with fractional seconds."""
    created = datetime.fromisoformat(glossary.creation_time)
    return {**glossary.to_json(),
            "creation_time": created.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
