"""JSON Schemas of what the API answers: components of the OpenAPI document, and what the
test suite validates every response against."""

from __future__ import annotations

from typing import Any

from service.fidelity.report import ISSUES
from service.languages import LANGUAGES
from service.pipeline.human import ORIGINS, PARTS


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_STR = {"type": "string"}
_WARNINGS = {"type": "array", "items": ref("Warning"),
             "description": "What a reader must know: random_weights, unsupported_claim, "
                            "unsupported_sentence, repetition_detected, unexpected_language, "
                            "glossary_not_applied, number_changed, number_restored..."}
_TIMINGS = {"type": "object", "additionalProperties": {"type": "number"},
            "description": "Milliseconds per pipeline stage."}
_MEMORY = {"type": "object", "required": ["hits", "misses", "human"],
           "description": "Model inputs (sentences, or pieces of an over-long one) of this "
                          "answer that the translation memory answered (hits) and that the "
                          "model translated (misses); and the sentences that a human "
                          "translation gave instead (human: see human_translations). Absent "
                          "when the memory is off.",
           "properties": {"hits": {"type": "integer", "minimum": 0},
                          "misses": {"type": "integer", "minimum": 0},
                          "human": {"type": "integer", "minimum": 0}}}
_HUMAN = {"type": "array", "items": ref("HumanTranslation"),
          "description": "The sentences of this answer that are a person's translation "
                         "(an approved suggestion, a TMX file of the server) rather than the "
                         "model's, in the order translated. Absent when there is none."}

RESPONSE_SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {
            "type": "object", "required": ["code", "message"], "additionalProperties": False,
            "properties": {
                "code": {**_STR, "description": "Stable, machine-readable: branch on this."},
                "message": {**_STR, "description": "For a person; may change."},
                "details": {"type": "object", "description": "field, limit, retry_after_s..."},
                "request_id": {**_STR, "description": "Quote it to the operator."},
            }}},
    },
    "Warning": {"type": "object", "required": ["code", "message"],
                "properties": {"code": _STR, "message": _STR,
                               "details": {"type": "object", "description":
                                           "Particulars: for glossary_not_applied, "
                                           "number_changed and number_restored the sentence "
                                           "(and text) index, the term or the expected and "
                                           "found values."}}},
    "HumanTranslation": {
        "type": "object", "required": ["part", "sentence", "origin", "reference"],
        "additionalProperties": False,
        "description": "A sentence translated by a person, used as written: neither the "
                       "glossary nor the number checks changed it, and no warning is about "
                       "it.",
        "properties": {
            "part": {"enum": list(PARTS), "description":
                     "translation: of /v1/translate's translation (text and sentence say "
                     "where); article: of the article's English (the translation field, or "
                     "what the summariser read), sentence being the article sentence; "
                     "summary_en, summary_id: of that summary, by its sentence."},
            "text": {"type": "integer", "minimum": 0,
                     "description": "Which of the request's texts (translate)."},
            "sentence": {"type": "integer", "minimum": 0,
                         "description": "The sentence (0-based) within that text or part, "
                                        "numbered as warnings number them."},
            "origin": {"enum": list(ORIGINS),
                       "description": "suggestion: an approved /suggest entry; tmx: a TMX "
                                      "file in the server's RINGKAS_TMX_DIR."},
            "reference": {**_STR, "description": "The suggestion's id, or the TMX file's "
                                                 "name."},
        }},
    "Glossary": {
        "type": "object", "description": "A glossary (DeepL's fields, and server: read-only, "
                                         "from RINGKAS_GLOSSARY_DIR).",
        "required": ["glossary_id", "name", "source_lang", "target_lang", "entry_count",
                     "creation_time", "server"],
        "properties": {"glossary_id": _STR, "name": _STR, "ready": {"type": "boolean"},
                       "source_lang": _STR, "target_lang": _STR, "creation_time": _STR,
                       "entry_count": {"type": "integer", "minimum": 0},
                       "server": {"type": "boolean"}}},
    "Glossaries": {"type": "object", "required": ["glossaries"],
                   "properties": {"glossaries": {"type": "array",
                                                 "items": ref("Glossary")}}},
    "ModelInfo": {
        "type": "object", "required": ["role", "id", "revision", "backend"],
        "description": "Provenance of one model that produced (part of) the answer.",
        "properties": {
            "role": _STR, "id": {**_STR, "description": "Hub id or local directory."},
            "revision": _STR, "backend": _STR, "architecture": _STR,
            "random_weights": {"type": "boolean",
                               "description": "A plumbing-test model: its output is noise."},
            "commit": {"type": ["string", "null"],
                       "description": "The hub commit actually loaded, where known."},
            "compute_type": _STR,
            "converted_from": {"type": ["string", "null"],
                               "description": "For a CTranslate2 model: ID@REVISION it was "
                                              "converted from."},
            "decoding": {"oneOf": [{"type": "null"}, ref("Decoding")]},
            "note": {"type": ["string", "null"],
                     "description": "Why the role runs where it does, when that is not what "
                                    "was configured (a conversion that failed its check)."},
        }},
    "Decoding": {
        "type": "object",
        "required": ["num_beams", "length_penalty", "no_repeat_ngram_size", "min_new_tokens",
                     "max_new_tokens", "start_token", "forced_bos_token", "suppressed",
                     "window"],
        "description": "How the model decodes unless a request overrides it: its own "
                       "generation config, its model card's values where that has none, "
                       "the role's configured settings on top.",
        "properties": {
            "num_beams": {"type": "integer", "minimum": 1},
            "length_penalty": {"type": "number"},
            "no_repeat_ngram_size": {"type": "integer", "minimum": 0},
            "min_new_tokens": {"type": "integer", "minimum": 0},
            "max_new_tokens": {"type": "integer", "minimum": 1},
            "start_token": {**_STR, "description": "The decoder's first token (CrossSum: "
                                                   "the target language's)."},
            "forced_bos_token": {"type": ["string", "null"]},
            "suppressed": {"type": "array", "items": _STR,
                           "description": "Tokens never generated (language tokens)."},
            "window": {"type": "integer", "minimum": 1,
                       "description": "Longest input in tokens."},
        }},
    "Fidelity": {
        "type": "object", "required": ["checked", "unsupported", "supported"],
        "description": "Numbers, amounts, dates and names of the summary checked against "
                       "the article.",
        "properties": {
            "checked": {"type": "integer", "minimum": 0},
            "unsupported": {"type": "array", "items": {
                "type": "object", "required": ["kind", "text", "value"],
                "description": "A finding: the claim, why it fails, what the article says "
                               "instead and in which sentence.",
                "properties": {"kind": {"enum": ["number", "amount", "percent", "year",
                                                 "date", "entity"]},
                               "text": {**_STR, "description": "As the summary writes it."},
                               "value": {**_STR, "description": "Normalised."},
                               "issue": {"enum": list(ISSUES)},
                               "expected": {"type": ["string", "null"],
                                            "description": "What the article says instead, "
                                                           "as it writes it."},
                               "sentence": {"type": ["integer", "null"], "minimum": 0,
                                            "description": "The summary sentence (0-based)."},
                               "source": {"oneOf": [{"type": "null"}, {
                                   "type": "object", "required": ["index", "text"],
                                   "description": "The article sentence it was checked "
                                                  "against (attribution's numbering).",
                                   "properties": {"index": {"type": "integer", "minimum": 0},
                                                  "text": _STR}}]}}}},
            "unsupported_numeric_rate": {"type": ["number", "null"]},
            "supported": {"type": "boolean"},
        }},
    "Attribution": {
        "type": "object", "required": ["source_sentences", "summary_sentences"],
        "description": "With attribution=true: the article sentences that support each "
                       "English summary sentence.",
        "properties": {
            "source_sentences": {"type": "array", "items": _STR,
                                 "description": "The cleaned Indonesian article, one "
                                                "sentence each: what index counts."},
            "source_sentences_en": {"type": "array", "items": {"type": ["string", "null"]},
                                    "description": "Their English, where the strategy "
                                                   "translated the article (null for a "
                                                   "sentence it did not translate)."},
            "summary_sentences": {"type": "array", "items": {
                "type": "object", "required": ["text", "sources", "supported"],
                "properties": {
                    "text": _STR,
                    "sources": {"type": "array", "items": {
                        "type": "object", "required": ["index", "score"],
                        "properties": {"index": {"type": "integer", "minimum": 0},
                                       "score": {"type": "number", "minimum": 0,
                                                 "maximum": 1}}}},
                    "supported": {"type": "boolean"}}}},
        }},
    "SummarizeResponse": {
        "type": "object",
        "required": ["summary", "strategy", "length", "models", "fidelity", "timings_ms",
                     "warnings", "reused"],
        "properties": {
            "summary": {"type": "object", "additionalProperties": _STR,
                        "description": "One summary per requested language (en, id)."},
            "translation": {"type": ["string", "null"],
                            "description": "With translation=true: the whole article in "
                                           "English (null without an id->en model)."},
            "strategy": _STR, "length": {"type": ["string", "integer"]},
            "models": {"type": "array", "items": ref("ModelInfo")},
            "prompt": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["name", "version"],
                "properties": {"name": _STR, "version": {"type": "integer"}}}]},
            "fidelity": ref("Fidelity"), "attribution": ref("Attribution"),
            "timings_ms": _TIMINGS, "warnings": _WARNINGS, "translation_memory": _MEMORY,
            "human_translations": _HUMAN,
            "reused": {"type": "boolean",
                       "description": "true: the answer already made for an identical "
                                      "request (the same cleaned article, options and "
                                      "models), not computed again; its timings_ms and "
                                      "translation_memory are that computation's."},
        }},
    "TranslateResponse": {
        "type": "object", "required": ["translation", "models", "timings_ms", "warnings"],
        "properties": {
            "translation": {"oneOf": [_STR, {"type": "array", "items": _STR}],
                            "description": "A string for a string, a list for a list."},
            "models": {"type": "array", "items": ref("ModelInfo")},
            "timings_ms": _TIMINGS, "warnings": _WARNINGS, "translation_memory": _MEMORY,
            "human_translations": _HUMAN,
        }},
    "Health": {"type": "object", "required": ["status", "version"],
               "properties": {"status": {"const": "ok"}, "version": _STR}},
    "Ready": {"type": "object", "required": ["status"],
              "properties": {"status": {"enum": ["ready", "degraded"],
                                        "description": "degraded: models loaded, but jobs "
                                        "cannot be stored now (see jobs)"},
                             "load_seconds": {"type": ["number", "null"]},
                             "database": {"enum": ["sqlite", "postgresql"],
                                          "description": "With API keys on: the database "
                                          "their keys and quotas are in, which answered."},
                             "jobs": {"type": "object", "required": ["code", "message"],
                                      "description": "Why jobs are unavailable: "
                                      "details.data_dir and details.errno.",
                                      "properties": {"code": _STR, "message": _STR,
                                                     "details": {"type": "object"}}}}},
    "Models": {
        "type": "object", "required": ["ready", "models", "strategies"],
        "properties": {
            "ready": {"type": "boolean"},
            "models": {"type": "array", "items": {
                "type": "object", "required": ["role", "configured", "loaded"],
                "properties": {
                    "role": _STR, "purpose": {"type": ["string", "null"]},
                    "configured": {"type": "object", "required": ["id", "revision"],
                                   "properties": {"id": _STR, "revision": _STR}},
                    "loaded": {"oneOf": [{"type": "null"}, ref("ModelInfo")]}}}},
            "strategies": {"type": "array", "items": _STR},
        }},
    # LibreTranslate's shapes, as its clients parse them.
    "LtTranslateResponse": {
        "type": "object", "required": ["translatedText"],
        "properties": {
            "translatedText": {"oneOf": [_STR, {"type": "array", "items": _STR}]},
            "detectedLanguage": {"oneOf": [ref("LtDetection"),
                                           {"type": "array", "items": ref("LtDetection")}]},
            "alternatives": {
                "anyOf": [{"type": "array", "items": _STR},
                          {"type": "array", "items": {"type": "array", "items": _STR}}],
                "description": "Only when alternatives > 0: other translations from the "
                               "same beam search, best first (a list per text for a list "
                               "q)."},
        }},
    "LtDetection": {"type": "object", "required": ["confidence", "language"],
                    "properties": {"confidence": {"type": "number", "minimum": 0,
                                                  "maximum": 100},
                                   "language": _STR}},
    "LtDetectResponse": {"type": "array", "items": ref("LtDetection")},
    "LtLanguages": {"type": "array", "items": {
        "type": "object", "required": ["code", "name", "targets"],
        "properties": {"code": _STR, "name": _STR,
                       "targets": {"type": "array", "items": _STR}}}},
    "LtTranslateFileResponse": {
        "type": "object", "required": ["translatedFileUrl"],
        "properties": {"translatedFileUrl": {
            **_STR, "format": "uri", "description": "GET it once for the translated file."}}},
    "LtSuggestResponse": {"type": "object", "required": ["success"],
                          "properties": {"success": {"type": "boolean"}}},
    "LtFrontendSettings": {
        "type": "object",
        "required": ["charLimit", "frontendTimeout", "apiKeys", "keyRequired", "suggestions",
                     "filesTranslation", "supportedFilesFormat", "language"],
        "properties": {
            "charLimit": {"type": "integer", "description": "Characters per text."},
            "frontendTimeout": {"type": "integer", "description": "Milliseconds the web "
                                "page waits after typing before it translates."},
            "apiKeys": {"type": "boolean", "description": "API keys are in use."},
            "keyRequired": {"type": "boolean", "description": "Every request needs a key."},
            "suggestions": {"type": "boolean", "description": "POST /suggest is enabled."},
            "filesTranslation": {"type": "boolean",
                                 "description": "POST /translate_file is served."},
            "supportedFilesFormat": {"type": "array", "items": _STR,
                                     "description": "File extensions it translates."},
            "language": {"type": "object", "required": ["source", "target"], "properties": {
                "source": ref("LtLanguageName"), "target": ref("LtLanguageName")}},
        }},
    "LtLanguageName": {"type": "object", "required": ["code", "name"],
                       "properties": {"code": _STR, "name": _STR}},
    "LtError": {"type": "object", "required": ["error"],
                "properties": {"error": {**_STR, "description": "LibreTranslate's message."},
                               "code": {**_STR, "description": "ringkas's error code."}}},
    # DeepL's API v2 shapes, as its client libraries parse them.
    "DeepLTranslateResponse": {
        "type": "object", "required": ["translations"],
        "properties": {"translations": {"type": "array", "items": {
            "type": "object", "required": ["detected_source_language", "text",
                                           "billed_characters"],
            "properties": {"detected_source_language": {"enum": ["EN", "ID"]}, "text": _STR,
                           "billed_characters": {"type": "integer", "minimum": 0}}}}}},
    "DeepLLanguages": {"type": "array", "items": {
        "type": "object", "required": ["language", "name"],
        "properties": {"language": _STR, "name": _STR,
                       "supports_formality": {"type": "boolean"}}}},
    "DeepLUsage": {
        "type": "object", "required": ["character_count", "character_limit"],
        "properties": {
            "character_count": {"type": "integer", "minimum": 0,
                                "description": "Characters translated this month (UTC)."},
            "character_limit": {"type": "integer", "minimum": 0,
                                "description": "The key's monthly quota; 1000000000000 "
                                "(as DeepL reports it) for none."}}},
    "DeepLDocumentHandle": {
        "type": "object", "required": ["document_id", "document_key"],
        "properties": {"document_id": _STR,
                       "document_key": {**_STR, "description": "The document's secret, "
                                        "shown once: its status and result need it."}}},
    "DeepLDocumentStatus": {
        "type": "object", "required": ["document_id", "status"],
        "properties": {
            "document_id": _STR,
            "status": {"enum": ["queued", "translating", "done", "error"]},
            "billed_characters": {"type": "integer", "minimum": 0,
                                  "description": "When done: the characters translated "
                                  "(charged to the key's quota)."},
            "error_message": {**_STR, "description": "When status is error: why."}}},
    "DeepLGlossary": {
        "type": "object", "description": "DeepL's glossary object (and server: read-only, "
                                         "from RINGKAS_GLOSSARY_DIR).",
        "required": ["glossary_id", "name", "ready", "source_lang", "target_lang",
                     "creation_time", "entry_count"],
        "properties": {"glossary_id": _STR, "name": _STR, "ready": {"const": True},
                       "source_lang": {"enum": sorted(LANGUAGES)},
                       "target_lang": {"enum": sorted(LANGUAGES)},
                       "creation_time": {**_STR, "description": "ISO 8601, UTC, with "
                                         "milliseconds."},
                       "entry_count": {"type": "integer", "minimum": 1},
                       "server": {"type": "boolean"}}},
    "DeepLGlossaries": {"type": "object", "required": ["glossaries"],
                        "properties": {"glossaries": {"type": "array",
                                                      "items": ref("DeepLGlossary")}}},
    "DeepLGlossaryDictionary": {
        "type": "object", "required": ["source_lang", "target_lang", "entry_count"],
        "properties": {"source_lang": {"enum": sorted(LANGUAGES)},
                       "target_lang": {"enum": sorted(LANGUAGES)},
                       "entry_count": {"type": "integer", "minimum": 1}}},
    "DeepLMultilingualGlossary": {
        "type": "object", "description": "DeepL's v3 glossary object: a dictionary per "
                                         "language pair (and server: read-only, from "
                                         "RINGKAS_GLOSSARY_DIR).",
        "required": ["glossary_id", "name", "dictionaries", "creation_time"],
        "properties": {"glossary_id": _STR, "name": _STR,
                       "dictionaries": {"type": "array",
                                        "items": ref("DeepLGlossaryDictionary")},
                       "creation_time": {**_STR, "description": "ISO 8601, UTC, with "
                                         "milliseconds."},
                       "server": {"type": "boolean"}}},
    "DeepLMultilingualGlossaries": {
        "type": "object", "required": ["glossaries"],
        "properties": {"glossaries": {"type": "array",
                                      "items": ref("DeepLMultilingualGlossary")}}},
    "DeepLGlossaryDictionaryEntries": {
        "type": "object", "required": ["dictionaries"],
        "properties": {"dictionaries": {"type": "array", "items": {
            "type": "object",
            "required": ["source_lang", "target_lang", "entries", "entries_format"],
            "properties": {"source_lang": {"enum": sorted(LANGUAGES)},
                           "target_lang": {"enum": sorted(LANGUAGES)},
                           "entries": {**_STR, "description": "TSV: source<TAB>target "
                                       "per line."},
                           "entries_format": {"const": "tsv"}}}}}},
    "DeepLGlossaryLanguagePairs": {
        "type": "object", "required": ["supported_languages"],
        "properties": {"supported_languages": {"type": "array", "items": {
            "type": "object", "required": ["source_lang", "target_lang"],
            "properties": {"source_lang": _STR, "target_lang": _STR}}}}},
    "DeepLError": {"type": "object", "required": ["message"],
                   "properties": {"message": {**_STR, "description": "DeepL's message."},
                                  "code": {**_STR, "description": "ringkas's error code."}}},
}

# A job, as every jobs route answers it (inline in each operation, not a component).
_TIME = {"type": ["string", "null"], "description": "ISO 8601, UTC."}
_ERROR = {"type": "object", "required": ["code", "message"],
          "properties": {"code": _STR, "message": _STR, "details": {"type": "object"}}}
_ITEM = {
    "type": "object", "required": ["index", "id", "kind", "status"],
    "additionalProperties": False,
    "properties": {
        "index": {"type": "integer"}, "id": {"type": ["string", "null"]},
        "kind": {"enum": ["summarize", "translate"]},
        "status": {"enum": ["queued", "running", "done", "error", "cancelled"]},
        "result": {"anyOf": [ref("SummarizeResponse"), ref("TranslateResponse")]},
        "error": _ERROR,
    },
}
_COUNT = {"type": "integer", "minimum": 0}
JOB_RESPONSE: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "required": ["id", "status", "progress", "created_at", "finished_at", "expires_at"],
    "properties": {
        "id": _STR,
        "status": {"enum": ["queued", "running", "done", "failed", "cancelled"]},
        "progress": {"type": "object", "required": ["done", "failed", "finished", "total"],
                     "properties": {"done": _COUNT, "failed": _COUNT, "finished": _COUNT,
                                    "total": _COUNT}},
        "created_at": _TIME, "finished_at": _TIME,
        "expires_at": {**_TIME, "description": "When a finished job is deleted."},
        "items": {"type": "array", "items": _ITEM},
    },
}
