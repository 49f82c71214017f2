"""DeepL's glossary API v2 requests (``POST /v2/glossaries``), parsed once into a frozen
dataclass, and the glossary object DeepL's clients read. The glossaries are ringkas's own
(service/glossary/store.py): one store behind /v1's ``glossary`` and /v2's ``glossary_id``.

The entries are checked by the store, under DeepL's rules (service/glossary/parse.py).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from service.config import Limits
from service.contract.spec import Field, ObjectSpec, SpecContext
from service.errors import InvalidField
from service.glossary.store import Glossary, GlossaryGroup

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
    return {**glossary.to_json(), "creation_time": _time(glossary.creation_time)}


# --- DeepL's v3 (multilingual) glossaries: one glossary, a dictionary per language pair ---

_DICTIONARY_FIELDS = {
    "source_lang": DEEPL_GLOSSARY.fields["source_lang"],
    "target_lang": DEEPL_GLOSSARY.fields["target_lang"],
    "entries": DEEPL_GLOSSARY.fields["entries"],
    "entries_format": DEEPL_GLOSSARY.fields["entries_format"],
}
DEEPL_DICTIONARY = ObjectSpec(
    "DeepLGlossaryDictionaryRequest", "One dictionary of a v3 glossary: its language pair "
    "and entries. Other fields are accepted and ignored, as DeepL does.", _DICTIONARY_FIELDS,
    open=True)
_DICTIONARY_ITEM = {"type": "object", "required": ["source_lang", "target_lang", "entries"],
                    "properties": {k: {**f.schema_for(SpecContext()),
                                       "description": f.description}
                                   for k, f in _DICTIONARY_FIELDS.items()}}
_DICTIONARIES = Field({"type": "array", "minItems": 1, "maxItems": 2, "items": _DICTIONARY_ITEM},
                      "The dictionaries, one per language pair (id->en, en->id).",
                      code="invalid_glossary_dictionaries",
                      type_code="invalid_glossary_dictionaries",
                      message="dictionaries must be a list of one or two dictionaries, each "
                      "with source_lang, target_lang and entries")
DEEPL_GLOSSARY_V3 = ObjectSpec(
    "DeepLMultilingualGlossaryRequest", "DeepL's /v3/glossaries request: a glossary of one "
    "or more dictionaries. Other fields are accepted and ignored, as DeepL does.", {
        "name": DEEPL_GLOSSARY.fields["name"],
        "dictionaries": Field(_DICTIONARIES.schema, _DICTIONARIES.description, required=True,
                              code=_DICTIONARIES.code, type_code=_DICTIONARIES.type_code,
                              message=_DICTIONARIES.message),
    }, open=True)
DEEPL_GLOSSARY_PATCH = ObjectSpec(
    "DeepLGlossaryPatchRequest", "DeepL's PATCH /v3/glossaries/{glossary_id}: a new name, "
    "and dictionaries whose entries are merged into the glossary's (a pair it lacks is "
    "added).", {"name": dataclasses.replace(DEEPL_GLOSSARY.fields["name"], required=False),
                "dictionaries": _DICTIONARIES}, open=True)


@dataclass(frozen=True)
class DeepLDictionary:
    source_lang: str
    target_lang: str
    entries: str
    entries_format: EntriesFormat

    def as_input(self) -> tuple[str, str, str, str]:
        return self.source_lang, self.target_lang, self.entries, self.entries_format


@dataclass(frozen=True)
class DeepLGlossaryV3Request:
    name: str | None
    dictionaries: tuple[DeepLDictionary, ...]


def _lower_langs(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return value
    return {k: v.lower() if k in ("source_lang", "target_lang") and isinstance(v, str) else v
            for k, v in value.items()}


def _dictionaries(raw: Any) -> tuple[DeepLDictionary, ...]:
    return tuple(DeepLDictionary(d["source_lang"], d["target_lang"], d["entries"],
                                 d.get("entries_format", "tsv")) for d in raw or ())


# A form-encoded dictionary field, as deepl-node sends them: dictionaries[0].source_lang
_FORM_DICTIONARY = re.compile(r"^dictionaries\[(\d{1,2})\]\.([a-z_]+)$")


def _with_dictionaries(body: Any) -> Any:
    """The body with ``dictionaries`` a list of objects, their language codes in lower case:
    from JSON as sent, or from a form's ``dictionaries[N].field`` keys (in N's order)."""
    if not isinstance(body, Mapping):
        return body
    form = {k: _FORM_DICTIONARY.match(k) for k in body}
    if "dictionaries" not in body and any(form.values()):
        found: dict[int, dict[str, Any]] = {}
        for key, m in form.items():
            if m is not None:
                found.setdefault(int(m[1]), {})[m[2]] = body[key]
        body = {k: v for k, v in body.items() if form[k] is None}
        body["dictionaries"] = [found[i] for i in sorted(found)]
    if isinstance(body.get("dictionaries"), list):
        return {**body, "dictionaries": [_lower_langs(d) for d in body["dictionaries"]]}
    return body


def parse_deepl_glossary_v3(body: Any, limits: Limits) -> DeepLGlossaryV3Request:
    checked = DEEPL_GLOSSARY_V3.validate(_with_dictionaries(body), SpecContext(limits))
    return DeepLGlossaryV3Request(checked["name"], _dictionaries(checked["dictionaries"]))


def parse_deepl_glossary_patch(body: Any, limits: Limits) -> DeepLGlossaryV3Request:
    checked = DEEPL_GLOSSARY_PATCH.validate(_with_dictionaries(body), SpecContext(limits))
    return DeepLGlossaryV3Request(checked.get("name"),
                                  _dictionaries(checked.get("dictionaries")))


def parse_deepl_dictionary(body: Any, limits: Limits) -> DeepLDictionary:
    checked = DEEPL_DICTIONARY.validate(_lower_langs(body), SpecContext(limits))
    return _dictionaries([checked])[0]


def parse_dictionary_pair(query: Mapping[str, str]) -> tuple[str, str]:
    """The ``source_lang`` and ``target_lang`` of a query string (the entries of one
    dictionary, or one to delete)."""
    pair = []
    for name in ("source_lang", "target_lang"):
        value = query.get(name)
        if not value:
            raise InvalidField(name, f"{name} is required", code="missing_field")
        pair.append(value.lower().split("-")[0])  # a regional variant names its language
    return pair[0], pair[1]


def _time(iso: str) -> str:
    return datetime.fromisoformat(iso).isoformat(timespec="milliseconds").replace("+00:00",
                                                                                 "Z")


def deepl_dictionary(d: Glossary) -> dict[str, Any]:
    return {"source_lang": d.source_lang, "target_lang": d.target_lang,
            "entry_count": d.entry_count}


def deepl_glossary_v3(group: GlossaryGroup) -> dict[str, Any]:
    """DeepL's v3 glossary object (and ``server``: read-only, from RINGKAS_GLOSSARY_DIR)."""
    return {"glossary_id": group.glossary_id, "name": group.name,
            "dictionaries": [deepl_dictionary(d) for d in group.dictionaries],
            "creation_time": _time(group.creation_time), "server": group.server}


def deepl_dictionary_entries(d: Glossary) -> dict[str, Any]:
    return {"dictionaries": [{"source_lang": d.source_lang, "target_lang": d.target_lang,
                              "entries": d.tsv(), "entries_format": "tsv"}]}
