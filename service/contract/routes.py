"""Every route, declared once: its path, its OpenAPI operations, and whether it is public.

The blueprints take their URL rules from here (service/api/routing.py), /openapi.json is
generated from it (service/contract/openapi.py), and the auth middleware reads
:func:`is_public` and :data:`BODY_KEY_PATHS` from it, so a new route cannot be served without
being documented, or be public in one place and not in another.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.contract.deepl import DEEPL_TRANSLATE as DEEPL_TRANSLATE_REQUEST
from service.contract.deepl_documents import DEEPL_DOCUMENT as DEEPL_DOCUMENT_REQUEST
from service.contract.deepl_documents import DEEPL_DOCUMENT_KEY as DEEPL_DOCUMENT_KEY_REQUEST
from service.contract.deepl_glossaries import DEEPL_DICTIONARY as DEEPL_DICTIONARY_REQUEST
from service.contract.deepl_glossaries import DEEPL_GLOSSARY as DEEPL_GLOSSARY_REQUEST
from service.contract.deepl_glossaries import DEEPL_GLOSSARY_PATCH as DEEPL_PATCH_REQUEST
from service.contract.deepl_glossaries import DEEPL_GLOSSARY_V3 as DEEPL_GLOSSARY_V3_REQUEST
from service.contract.documents import LT_TRANSLATE_FILE as LT_TRANSLATE_FILE_REQUEST
from service.contract.jobs import JOB as JOB_REQUEST
from service.contract.libretranslate import LT_DETECT as LT_DETECT_REQUEST
from service.contract.libretranslate import LT_SUGGEST as LT_SUGGEST_REQUEST
from service.contract.libretranslate import LT_TRANSLATE as LT_TRANSLATE_REQUEST
from service.contract.requests import SUMMARIZE as SUMMARIZE_REQUEST
from service.contract.requests import TRANSLATE as TRANSLATE_REQUEST
from service.contract.responses import JOB_RESPONSE, ref
from service.contract.spec import ObjectSpec

_PARAM = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Operation:
    """One method of a route, as /openapi.json documents it."""

    method: str
    summary: str
    response: Mapping[str, Any] | None = None  # JSON schema of the success body
    status: int = 200
    request: ObjectSpec | None = None
    form: bool = False  # also accepts form-encoded bodies (LibreTranslate)
    multipart: bool = False  # only multipart/form-data (a file upload)
    media: str = "application/json"
    # Also answers as Server-Sent Events (service/contract/events.py) when asked.
    streams: bool = False
    errors: Sequence[str] = ()
    error_schema: str = "Error"
    parameters: Sequence[Mapping[str, Any]] = field(default_factory=tuple)


@dataclass(frozen=True)
class Route:
    path: str  # OpenAPI's template, e.g. /v1/jobs/{job_id}
    tag: str
    operations: tuple[Operation, ...]
    # No API key and never rate limited: probes of load balancers, the docs, the web page.
    public: bool = False
    # Every path under this prefix is public too (assets; /docs redirects to /docs/).
    public_prefix: str = ""
    # LibreTranslate's clients send the key in the body as ``api_key`` (or ``apiKey``).
    body_key: bool = False
    # The path holds a secret (a file's key): the access log writes the template instead.
    secret_path: bool = False

    @property
    def rule(self) -> str:
        """The path as a Flask URL rule: /v1/jobs/<job_id>."""
        return _PARAM.sub(r"<\1>", self.path)

    @property
    def methods(self) -> tuple[str, ...]:
        return tuple(op.method.upper() for op in self.operations)


_INFERENCE_ERRORS = ("400", "401", "403", "413", "415", "422", "429", "503", "504")
_LT_ERRORS = ("400", "403", "429", "503", "504")
_SUBMIT_ERRORS = ("400", "401", "403", "413", "415", "422", "429", "503", "507")
_JOB_ERRORS = ("401", "403", "404", "429", "503", "507")  # 503/507: the data dir
# DeepL's statuses: a refused key is 403, every bad request 400, a spent quota 456.
_DEEPL_ERRORS = ("400", "403", "413", "429", "456", "503", "504")
_DEEPL_INFO_ERRORS = ("400", "403", "429")
_DEEPL_UPLOAD_ERRORS = (*_DEEPL_ERRORS, "507")  # 503/507 also: the data dir
_DEEPL_DOCUMENT_ERRORS = ("400", "403", "404", "429", "503", "507")
_DEEPL_GLOSSARY_ERRORS = ("400", "403", "404", "429")
# Every path under them answers in DeepL's error shape ({"message": ...}), unknown ones too.
DEEPL_PREFIXES = ("/v2/", "/v3/")


def _path_parameter(name: str) -> tuple[Mapping[str, Any], ...]:
    return ({"name": name, "in": "path", "required": True, "schema": {"type": "string"}},)


_JOB_ID = _path_parameter("job_id")
_LANGUAGES_TYPE = ({"name": "type", "in": "query", "required": False,
                    "schema": {"enum": ["source", "target"], "default": "source"},
                    "description": "source or target languages (also as a form field)"},)
_ITEMS = ({"name": "items", "in": "query", "required": False,
           "schema": {"enum": ["true", "false"]}, "description": "false: no items"},)


HEALTH = Route("/v1/health", "health", (
    Operation("get", "The process is alive.", ref("Health")),), public=True)
READY = Route("/v1/ready", "health", (
    Operation("get", "Models are loaded and, with API keys on, their database answers; 503 "
              "until then (database_unavailable with Retry-After while the database does "
              "not answer; status degraded: jobs cannot be stored now).", ref("Ready"),
              errors=("503",)),), public=True)
MODELS = Route("/v1/models", "models", (
    Operation("get", "Configured and loaded models, and the strategies served.",
              ref("Models"), errors=("401", "403", "429")),))
SUMMARIZE = Route("/v1/summarize", "summarize", (
    Operation("post", "Summarise an Indonesian article (English, and Indonesian on request), "
              "with fidelity checks and provenance.", ref("SummarizeResponse"),
              request=SUMMARIZE_REQUEST, errors=_INFERENCE_ERRORS, streams=True),))
TRANSLATE = Route("/v1/translate", "translate", (
    Operation("post", "Translate id->en or en->id, keeping paragraphs.",
              ref("TranslateResponse"), request=TRANSLATE_REQUEST, errors=_INFERENCE_ERRORS,
              streams=True),))
LT_TRANSLATE = Route("/translate", "libretranslate", (
    Operation("post", "LibreTranslate-compatible translation (id<->en).",
              ref("LtTranslateResponse"), request=LT_TRANSLATE_REQUEST, form=True,
              errors=_LT_ERRORS, error_schema="LtError"),), body_key=True)
LT_DETECT = Route("/detect", "libretranslate", (
    Operation("post", "LibreTranslate-compatible language detection (id or en).",
              ref("LtDetectResponse"), request=LT_DETECT_REQUEST, form=True, errors=_LT_ERRORS,
              error_schema="LtError"),), body_key=True)
# Public, as LibreTranslate's: its clients list the languages before they send a key.
LT_LANGUAGES = Route("/languages", "libretranslate", (
    Operation("get", "LibreTranslate-compatible list of languages.", ref("LtLanguages"),
              error_schema="LtError"),
    Operation("post", "The same list, for clients that POST.", ref("LtLanguages"), form=True,
              error_schema="LtError")), public=True)
LT_TRANSLATE_FILE = Route("/translate_file", "libretranslate", (
    Operation("post", "LibreTranslate-compatible document translation (.txt, .html, .docx, "
              "formatting kept); the answer names the URL of the translated file.",
              ref("LtTranslateFileResponse"), request=LT_TRANSLATE_FILE_REQUEST,
              multipart=True, errors=(*_LT_ERRORS, "413"), error_schema="LtError"),),
    body_key=True)
# Public, as LibreTranslate's: the URL is the capability (it carries the document's
# unguessable key), good for one download, until the document expires.
LT_DOWNLOAD_FILE = Route("/download_file/{filename}", "libretranslate", (
    Operation("get", "A translated file (text/plain, text/html or DOCX, as uploaded), once: "
              "it is deleted as it is sent (404 then, or after it expired). No API key: "
              "the URL /translate_file answered is the file's own secret.", media="*/*",
              errors=("404",), error_schema="LtError",
              parameters=_path_parameter("filename")),), public=True, secret_path=True)
DEEPL_TRANSLATE = Route("/v2/translate", "deepl", (
    Operation("post", "DeepL-compatible translation (API v2; id<->en).",
              ref("DeepLTranslateResponse"), request=DEEPL_TRANSLATE_REQUEST, form=True,
              errors=_DEEPL_ERRORS, error_schema="DeepLError"),))
DEEPL_LANGUAGES = Route("/v2/languages", "deepl", tuple(
    Operation(method, "DeepL-compatible list of source or target languages.",
              ref("DeepLLanguages"), errors=_DEEPL_INFO_ERRORS, error_schema="DeepLError",
              parameters=_LANGUAGES_TYPE) for method in ("get", "post")))
DEEPL_USAGE = Route("/v2/usage", "deepl", tuple(
    Operation(method, "DeepL-compatible usage: characters this key translated this month, "
              "and its quota.", ref("DeepLUsage"), errors=_DEEPL_INFO_ERRORS,
              error_schema="DeepLError") for method in ("get", "post")))
LT_SUGGEST = Route("/suggest", "libretranslate", (
    Operation("post", "LibreTranslate-compatible: an editor's suggested translation, kept "
              "for review and export (403 unless RINGKAS_SUGGESTIONS is on).",
              ref("LtSuggestResponse"), request=LT_SUGGEST_REQUEST, form=True,
              errors=(*_LT_ERRORS, "507"), error_schema="LtError"),), body_key=True)
# Public, as LibreTranslate's: its web page reads it before it has a key (keyRequired).
LT_FRONTEND_SETTINGS = Route("/frontend/settings", "libretranslate", (
    Operation("get", "LibreTranslate-compatible settings of the server, as LibreTranslate's "
              "web page reads them.", ref("LtFrontendSettings"), error_schema="LtError"),),
    public=True)
_DOCUMENT_ID = _path_parameter("document_id")
DEEPL_DOCUMENT = Route("/v2/document", "deepl", (
    Operation("post", "DeepL-compatible document upload (.txt, .html, .docx; translated in "
              "the background, formatting kept): its id and key, for its status and result.",
              ref("DeepLDocumentHandle"), request=DEEPL_DOCUMENT_REQUEST, multipart=True,
              errors=_DEEPL_UPLOAD_ERRORS, error_schema="DeepLError"),))
DEEPL_DOCUMENT_STATUS = Route("/v2/document/{document_id}", "deepl", (
    Operation("post", "DeepL-compatible document status: queued, translating, done (with "
              "billed_characters) or error (with error_message); 404 for a wrong key, "
              "another API key's document, or one downloaded or expired.",
              ref("DeepLDocumentStatus"), request=DEEPL_DOCUMENT_KEY_REQUEST, form=True,
              errors=_DEEPL_DOCUMENT_ERRORS, error_schema="DeepLError",
              parameters=_DOCUMENT_ID),))
DEEPL_DOCUMENT_RESULT = Route("/v2/document/{document_id}/result", "deepl", (
    Operation("post", "DeepL-compatible download of a translated document, once: it is "
              "deleted as it is sent; 503 while it is queued or translating, 409 when its "
              "translation failed.", media="*/*", request=DEEPL_DOCUMENT_KEY_REQUEST,
              form=True, errors=(*_DEEPL_DOCUMENT_ERRORS, "409"), error_schema="DeepLError",
              parameters=_DOCUMENT_ID),))
_GLOSSARY_ID = _path_parameter("glossary_id")
DEEPL_GLOSSARIES = Route("/v2/glossaries", "deepl", (
    Operation("post", "DeepL-compatible glossary creation (one language pair; TSV or CSV "
              "entries): 201 with the glossary. Not charged to the key's quota.",
              ref("DeepLGlossary"), status=201, request=DEEPL_GLOSSARY_REQUEST, form=True,
              errors=(*_DEEPL_GLOSSARY_ERRORS, "413", "456"), error_schema="DeepLError"),
    Operation("get", "DeepL-compatible list of the glossaries this key may use: its own and "
              "the server-wide ones.", ref("DeepLGlossaries"),
              errors=_DEEPL_GLOSSARY_ERRORS, error_schema="DeepLError")))
DEEPL_GLOSSARY = Route("/v2/glossaries/{glossary_id}", "deepl", (
    Operation("get", "DeepL-compatible glossary (404 for another key's).",
              ref("DeepLGlossary"), errors=_DEEPL_GLOSSARY_ERRORS, error_schema="DeepLError",
              parameters=_GLOSSARY_ID),
    Operation("delete", "DeepL-compatible glossary deletion: 204; 404 for another key's; "
              "400 (glossary_read_only) for a server-wide one.", status=204,
              errors=_DEEPL_GLOSSARY_ERRORS, error_schema="DeepLError",
              parameters=_GLOSSARY_ID)))
DEEPL_GLOSSARY_ENTRIES = Route("/v2/glossaries/{glossary_id}/entries", "deepl", (
    Operation("get", "DeepL-compatible glossary entries, as TSV (source<TAB>target per "
              "line).", media="text/tab-separated-values", errors=_DEEPL_GLOSSARY_ERRORS,
              error_schema="DeepLError", parameters=_GLOSSARY_ID),))
_PAIR_QUERY = tuple({"name": name, "in": "query", "required": True,
                     "schema": {"type": "string", "enum": ["en", "id", "EN", "ID"]}}
                    for name in ("source_lang", "target_lang"))
DEEPL_V3_GLOSSARIES = Route("/v3/glossaries", "deepl", (
    Operation("post", "DeepL-compatible (v3) glossary creation: one or more dictionaries, "
              "one per language pair (TSV or CSV entries): 201 with the glossary. Not "
              "charged to the key's quota.", ref("DeepLMultilingualGlossary"), status=201,
              request=DEEPL_GLOSSARY_V3_REQUEST, form=True,
              errors=(*_DEEPL_GLOSSARY_ERRORS, "413", "456"), error_schema="DeepLError"),
    Operation("get", "DeepL-compatible (v3) list of the glossaries this key may use: its "
              "own and the server-wide ones, each with its dictionaries.",
              ref("DeepLMultilingualGlossaries"), errors=_DEEPL_GLOSSARY_ERRORS,
              error_schema="DeepLError")))
DEEPL_V3_GLOSSARY = Route("/v3/glossaries/{glossary_id}", "deepl", (
    Operation("get", "DeepL-compatible (v3) glossary (404 for another key's).",
              ref("DeepLMultilingualGlossary"), errors=_DEEPL_GLOSSARY_ERRORS,
              error_schema="DeepLError", parameters=_GLOSSARY_ID),
    Operation("patch", "DeepL-compatible (v3) glossary edit: a new name, and entries merged "
              "into its dictionaries (a pair it lacks is added).",
              ref("DeepLMultilingualGlossary"), request=DEEPL_PATCH_REQUEST, form=True,
              errors=(*_DEEPL_GLOSSARY_ERRORS, "413", "456"), error_schema="DeepLError",
              parameters=_GLOSSARY_ID),
    Operation("delete", "DeepL-compatible (v3) glossary deletion: 204; 404 for another "
              "key's; 400 (glossary_read_only) for a server-wide one.", status=204,
              errors=_DEEPL_GLOSSARY_ERRORS, error_schema="DeepLError",
              parameters=_GLOSSARY_ID)))
DEEPL_V3_GLOSSARY_ENTRIES = Route("/v3/glossaries/{glossary_id}/entries", "deepl", (
    Operation("get", "DeepL-compatible (v3) entries of one dictionary (source_lang, "
              "target_lang), as TSV in JSON.", ref("DeepLGlossaryDictionaryEntries"),
              errors=_DEEPL_GLOSSARY_ERRORS, error_schema="DeepLError",
              parameters=(*_GLOSSARY_ID, *_PAIR_QUERY)),))
DEEPL_V3_GLOSSARY_DICTIONARIES = Route("/v3/glossaries/{glossary_id}/dictionaries", "deepl", (
    Operation("put", "DeepL-compatible (v3) dictionary replacement: the entries of one "
              "language pair replaced (or the dictionary added).",
              ref("DeepLGlossaryDictionary"), request=DEEPL_DICTIONARY_REQUEST, form=True,
              errors=(*_DEEPL_GLOSSARY_ERRORS, "413", "456"), error_schema="DeepLError",
              parameters=_GLOSSARY_ID),
    Operation("delete", "DeepL-compatible (v3) dictionary deletion (source_lang, "
              "target_lang): 204; deleting a glossary's last dictionary deletes the "
              "glossary.", status=204, errors=_DEEPL_GLOSSARY_ERRORS,
              error_schema="DeepLError", parameters=(*_GLOSSARY_ID, *_PAIR_QUERY))))
DEEPL_GLOSSARY_LANGUAGES = Route("/v2/glossary-language-pairs", "deepl", (
    Operation("get", "DeepL-compatible language pairs glossaries serve.",
              ref("DeepLGlossaryLanguagePairs"), errors=_DEEPL_INFO_ERRORS,
              error_schema="DeepLError"),))
OPENAPI = Route("/openapi.json", "docs", (
    Operation("get", "This document.", {"type": "object"}),), public=True)
# Both served by flask-swagger-ui's blueprint, mounted at the prefix.
DOCS = Route("/docs/", "docs", (
    Operation("get", "Interactive API documentation (Swagger UI).", media="text/html"),),
    public=True, public_prefix="/docs")
DOCS_ASSETS = Route("/docs/{path}", "docs", (
    Operation("get", "Swagger UI's assets.", media="*/*", parameters=_path_parameter("path")),),
    public=True, public_prefix="/docs")
WEB = Route("/", "web", (
    Operation("get", "The web page: paste or upload an article, read its summaries, fidelity "
              "warnings, translation and provenance.", media="text/html"),), public=True)
# Served by the web blueprint's static folder, mounted at the prefix.
WEB_ASSETS = Route("/web/{filename}", "web", (
    Operation("get", "The web page's assets.", media="*/*",
              parameters=_path_parameter("filename")),), public=True, public_prefix="/web/")
METRICS = Route("/metrics", "metrics", (
    Operation("get", "Prometheus metrics (text exposition format).", media="text/plain"),),
    public=True)
GLOSSARIES = Route("/v1/glossaries", "glossaries", (
    Operation("get", "The glossaries a request may name in \"glossary\": server-wide ones "
              "(RINGKAS_GLOSSARY_DIR) and the caller's own.", ref("Glossaries"),
              errors=("401", "403", "429", "503")),))
JOBS = Route("/v1/jobs", "jobs", (
    Operation("post", "Submit a job (202 at once; Location names it).", JOB_RESPONSE,
              status=202, request=JOB_REQUEST, errors=_SUBMIT_ERRORS),))
JOB = Route("/v1/jobs/{job_id}", "jobs", (
    Operation("get", "A job: status, progress, each item's result or error (404 for another "
              "key's job or an expired one).", JOB_RESPONSE, errors=_JOB_ERRORS,
              parameters=(*_JOB_ID, *_ITEMS)),
    Operation("delete", "Cancel a queued or running job (409 when it already finished).",
              JOB_RESPONSE, errors=(*_JOB_ERRORS, "409"), parameters=_JOB_ID)))

# In the order /openapi.json lists them.
ROUTES: tuple[Route, ...] = (
    HEALTH, READY, MODELS, SUMMARIZE, TRANSLATE, LT_TRANSLATE, LT_DETECT,
    LT_LANGUAGES, LT_SUGGEST, LT_FRONTEND_SETTINGS, LT_TRANSLATE_FILE, LT_DOWNLOAD_FILE,
    DEEPL_TRANSLATE, DEEPL_LANGUAGES, DEEPL_USAGE, DEEPL_DOCUMENT, DEEPL_DOCUMENT_STATUS,
    DEEPL_DOCUMENT_RESULT, DEEPL_GLOSSARIES, DEEPL_GLOSSARY, DEEPL_GLOSSARY_ENTRIES,
    DEEPL_GLOSSARY_LANGUAGES, DEEPL_V3_GLOSSARIES, DEEPL_V3_GLOSSARY, DEEPL_V3_GLOSSARY_ENTRIES,
    DEEPL_V3_GLOSSARY_DICTIONARIES, OPENAPI, DOCS, DOCS_ASSETS, WEB, WEB_ASSETS, METRICS, JOBS, JOB,
    GLOSSARIES)

# (a templated path's template among them: is_public matches it segment by segment)
PUBLIC_PATHS: frozenset[str] = frozenset(r.path for r in ROUTES
                                         if r.public and not r.public_prefix)


def _template(path: str) -> re.Pattern[str]:
    """A templated path as a pattern: each {parameter} one path segment."""
    parts = _PARAM.split(path)  # text, name, text, name, ..., text
    return re.compile("".join(re.escape(p) if i % 2 == 0 else "[^/]+"
                              for i, p in enumerate(parts)))


_PUBLIC_TEMPLATES: tuple[re.Pattern[str], ...] = tuple(
    _template(r.path) for r in ROUTES if r.public and not r.public_prefix and "{" in r.path)
PUBLIC_PREFIXES: tuple[str, ...] = tuple(dict.fromkeys(r.public_prefix for r in ROUTES
                                                       if r.public_prefix))
BODY_KEY_PATHS: frozenset[str] = frozenset(r.path for r in ROUTES if r.body_key)
# The body fields such a route reads a key from: LibreTranslate's, and its npm client's.
BODY_KEY_FIELDS = ("api_key", "apiKey")
SECRET_PATHS: dict[str, str] = {r.rule: r.path for r in ROUTES if r.secret_path}  # rule: path


# DeepL's routes that ringkas does not serve, by path prefix, and why: a DeepL client then
# says why (in DeepL's shape, code not_served) instead of a bare "not found".
DEEPL_NOT_SERVED: tuple[tuple[str, str], ...] = (
    ("/v2/write/", "DeepL Write (rephrase, correct) is not served: ringkas has no "
                   "rephrasing model, only translation (/v2/translate)"),
    ("/v3/style_rules", "style rules are not served: ringkas's models take no style "
                        "instructions"),
    ("/v3/translation_memories", "DeepL's translation memories are not served"),
    ("/v2/admin/", "DeepL's admin API is not served: API keys are managed with "
                   "`ringkas keys`"),
)


def not_served(path: str) -> str | None:
    """Why a DeepL route ringkas knows of is not served here; None for any other path."""
    return next((why for prefix, why in DEEPL_NOT_SERVED
                 if path == prefix.rstrip("/") or path.startswith(prefix.rstrip("/") + "/")),
                None)


def is_deepl(path: str) -> bool:
    """A request path answered in DeepL's shapes (errors too)."""
    return path.startswith(DEEPL_PREFIXES)


def family_of(path: str) -> str:
    """The API family whose shapes answer ``path`` (a key of service.contract.errors'
    DIALECTS), from the route table: a path no route serves is answered in the family
    its prefix or exact path belongs to."""
    if is_deepl(path):
        return "deepl"
    if is_libretranslate(path):
        return "libretranslate"
    return "ringkas"


# LibreTranslate's routes: exact paths, and the fixed part of a templated one.
_LT_PATHS: frozenset[str] = frozenset(r.path for r in ROUTES
                                      if r.tag == "libretranslate" and "{" not in r.path)
_LT_PREFIXES: tuple[str, ...] = tuple(r.path.split("{")[0] for r in ROUTES
                                      if r.tag == "libretranslate" and "{" in r.path)


def is_libretranslate(path: str) -> bool:
    """A request path answered in LibreTranslate's shapes (errors too)."""
    return path in _LT_PATHS or path.startswith(_LT_PREFIXES)


def is_public(path: str) -> bool:
    """A request path that needs no API key and is never rate limited."""
    return (path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)
            or any(t.fullmatch(path) for t in _PUBLIC_TEMPLATES))
