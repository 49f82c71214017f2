"""DeepL's API v2 request shapes (``/v2/translate``, ``/v2/languages``), parsed once into
frozen dataclasses, so that DeepL's client libraries and the tools built on them work
unchanged for id<->en.

DeepL accepts options it does not apply to a language and ignores parameters it does not
know; so does this contract (``open``), except ``glossary_ids`` (DeepL's multilingual
glossaries), which would change what the translation promises and is refused. A
``glossary_id`` names one of ringkas's glossaries (GET /v2/glossaries), enforced as /v1's
``glossary`` is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from service.config import Limits
from service.contract.glossary_asks import GlossaryById, Parsed
from service.contract.requests import check_texts
from service.contract.spec import Field, ObjectSpec, SpecContext
from service.errors import InvalidField
from service.glossary import GlossaryPolicy
from service.languages import Markup

SOURCE_LANGS = {"EN": "en", "ID": "id"}
# EN (without a variant) is deprecated at DeepL but still served; both variants are the same
# English here: the models write one.
TARGET_LANGS = {"EN": "en", "EN-GB": "en", "EN-US": "en", "ID": "id"}
DEEPL_CODES = {"en": "EN", "id": "ID"}  # detected_source_language

SplitSentences = Literal["0", "1", "nonewlines"]

_BOOL = {True: True, False: False, "1": True, "0": False, "true": True, "false": False}
_TAGS = Field({"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
              "", message="must be a comma-separated string or a list of tag names")


def deepl_pair(checked: Mapping[str, Any]) -> tuple[str | None, str]:
    """(source, target) of a checked DeepL body; source None when it is to be detected."""
    source = SOURCE_LANGS[checked["source_lang"]] if "source_lang" in checked else None
    target = TARGET_LANGS[checked["target_lang"]]
    if source == target:
        raise InvalidField("target_lang", f"source_lang and target_lang are both {source!r}",
                           code="unsupported_language_pair")
    return source, target


def _ignored(description: str) -> Field:
    return Field({}, f"Accepted and ignored: {description}")


def _tags(description: str) -> Field:
    return Field(_TAGS.schema, description, message=_TAGS.message)


DEEPL_TRANSLATE = ObjectSpec("DeepLTranslateRequest", "DeepL's /v2/translate request "
                             "(JSON, or form-encoded with text repeated). Other parameters "
                             "are accepted and ignored, as DeepL does.", {
    "text": Field({"oneOf": [{"type": "string"},
                             {"type": "array", "minItems": 1, "items": {"type": "string"}}]},
                  "Text(s) to translate; the translations come back in the same order.",
                  required=True, message="text must be a string or a non-empty list of strings"),
    "source_lang": Field({"type": "string", "enum": list(SOURCE_LANGS)},
                         "Source language (EN or ID, any case); omitted: detected for each "
                         "text and reported as detected_source_language.",
                         code="unsupported_language_pair",
                         message="source_lang must be EN or ID"),
    "target_lang": Field({"type": "string", "enum": list(TARGET_LANGS)},
                         "Target language: EN, EN-GB, EN-US (one English) or ID, any case.",
                         required=True, code="unsupported_language_pair",
                         message="target_lang must be EN, EN-GB, EN-US or ID"),
    "tag_handling": Field({"type": "string", "enum": ["html", "xml"]},
                          "Translate the text of the markup and keep the markup.",
                          code="invalid_format", message="tag_handling must be html or xml"),
    "ignore_tags": _tags("With tag_handling: elements whose text stays untranslated "
                         "(HTML's script, style, code and pre always do)."),
    "split_sentences": Field({"enum": ["0", "1", "nonewlines", 0, 1]},
                             "1 (default without tag_handling): a newline ends a sentence and "
                             "stays in the translation. nonewlines (default with "
                             "tag_handling) and 0: a single newline is a space; text is still "
                             "translated sentence by sentence (the models' window).",
                             code="invalid_split_sentences",
                             message="split_sentences must be 0, 1 or nonewlines"),
    "preserve_formatting": Field({"enum": [True, False, "0", "1", "true", "false"]},
                                 "Keep each text's leading and trailing whitespace.",
                                 code="invalid_preserve_formatting",
                                 message="preserve_formatting must be a boolean, 0 or 1"),
    "glossary_id": Field({"type": "string", "minLength": 1},
                         "A glossary (GET /v2/glossaries) of the request's language pair; "
                         "needs source_lang. Each of its terms appears in the translation "
                         "as it says, or the response's X-Ringkas-Warnings header says "
                         "glossary_not_applied.", code="invalid_glossary",
                         type_code="invalid_glossary",
                         message="glossary_id must be a glossary's id"),
    "formality": _ignored("no formality for these languages."),
    "context": _ignored("not translated, not counted."),
    "model_type": _ignored("one model per language pair."),
    "outline_detection": _ignored("tags are always kept."),
    "splitting_tags": _tags("Accepted and ignored: sentences split where the text says."),
    "non_splitting_tags": _tags("Accepted and ignored: sentences split where the text says."),
    "tag_handling_version": _ignored("one tag handling."),
    "show_billed_characters": _ignored("billed_characters is always returned."),
}, open=True)

# Multilingual glossaries change what the translation promises: refused, not ignored.
REFUSED = ("glossary_ids",)


@dataclass(frozen=True)
class DeepLTranslateRequest:
    texts: tuple[str, ...]
    source: str | None  # "id", "en", or None: detect each text's
    target: str
    markup: Markup | None
    split_sentences: SplitSentences
    preserve_formatting: bool
    ignore_tags: frozenset[str] = frozenset()
    glossary: GlossaryPolicy | None = None


def form_to_body(form: Mapping[str, list[str]]) -> dict[str, Any]:
    """A form-encoded request as the JSON one: ``text`` (and the tag lists) repeated are
    lists, as DeepL reads them."""
    body: dict[str, Any] = {}
    for key, values in form.items():
        many = key in ("text", "ignore_tags", "splitting_tags", "non_splitting_tags")
        body[key] = values if many and len(values) > 1 else values[-1]
    return body


def parse_deepl_translate(body: Any, limits: Limits) -> Parsed[DeepLTranslateRequest]:
    """The request, its ``glossary_id`` still to be looked up (Parsed.resolve)."""
    if isinstance(body, Mapping):
        body = {k: v.upper() if k in ("source_lang", "target_lang") and isinstance(v, str)
                else v for k, v in body.items()}
    body = DEEPL_TRANSLATE.validate(body, SpecContext(limits))
    refused = next((k for k in REFUSED if k in body), None)
    if refused is not None:
        raise InvalidField(refused, "multilingual glossaries are not served; give one "
                           "glossary_id", code="unsupported_option")
    raw = body["text"]
    texts = check_texts([raw] if isinstance(raw, str) else raw, "text", limits, blank_ok=True)
    source, target = deepl_pair(body)
    markup: Markup | None = body.get("tag_handling")
    split = str(body.get("split_sentences", "nonewlines" if markup else "1"))
    return Parsed(DeepLTranslateRequest(
        texts=texts, source=source, target=target, markup=markup,
        split_sentences=split,  # type: ignore[arg-type]  # the schema's enum
        preserve_formatting=_BOOL[body.get("preserve_formatting", False)],
        ignore_tags=_tag_names(body.get("ignore_tags"))),
        GlossaryById.parse(body.get("glossary_id"), source, target))


def parse_languages_type(value: str | None) -> Literal["source", "target"]:
    """``type`` of /v2/languages: source (the default) or target."""
    if value in (None, "", "source"):
        return "source"
    if value == "target":
        return "target"
    raise InvalidField("type", "type must be source or target", code="invalid_type")


def _tag_names(value: str | list[str] | None) -> frozenset[str]:
    if value is None:
        return frozenset()
    parts = [value] if isinstance(value, str) else value
    return frozenset(t.strip() for p in parts for t in p.split(",") if t.strip())
