"""Every API call as data, without I/O: what to send (:class:`Call`) and how to read the
answer (its ``decode``, and :func:`error_of` for an error answer). The sync and the async
client only send calls built here, so both build the same requests and read the same
answers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx

from ringkas_client.errors import ServiceError, TransportError, error_class
from ringkas_client.results import Glossary, Summary, Translation
from ringkas_client.retry import retry_after_s

T = TypeVar("T")
R = TypeVar("R")

# A document to translate: its bytes, or the path of a file.
FileInput = bytes | str | os.PathLike[str]


@dataclass(frozen=True)
class Call(Generic[T]):
    """One HTTP request and the reading of its answer.

    ``path`` is a path under the client's base URL, or an absolute URL (a translated file's
    ``translatedFileUrl``). ``options`` are ``httpx`` request arguments (``json``,
    ``params``, ``data``, ``files``, ``headers``, ``content``). ``accept``: error statuses
    handed to ``decode`` rather than raised. ``send_key``: whether the API key goes with it
    (not to a download URL: the URL is its own capability). ``label`` names the request in
    error messages (a download's names no secret)."""

    method: str
    path: str
    decode: Callable[[httpx.Response, str], T]
    options: Mapping[str, Any] = field(default_factory=dict)
    retry: bool = True
    send_key: bool = True
    accept: frozenset[int] = frozenset()
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or f"{self.method} {self.path}"


def url_of(base_url: str, path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return f"{base_url}{path}"


def segment(value: str) -> str:
    """A value as one path segment (a job or glossary id cannot reach another route)."""
    return quote(value, safe="")


# -- reading answers ----------------------------------------------------------------------

def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:  # not JSON, or not UTF-8
        return None


def error_of(response: httpx.Response, label: str) -> ServiceError:
    """The exception for an error answer, from any of the service's error shapes: ringkas's
    ``{"error": {"code", "message", "details"?, "request_id"?}}``, LibreTranslate's
    ``{"error": message, "code"}`` and DeepL's ``{"message", "code"}``; an answer in none of
    them (a proxy's HTML page) is ``http_error``."""
    status = response.status_code
    body = _json(response)
    request_id: str | None = response.headers.get("X-Request-ID") or None
    code: Any = None
    message: str | None = None
    details: Any = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            code, message, details = error.get("code"), str(error.get("message", "")), \
                error.get("details")
            request_id = error.get("request_id") or request_id
        elif isinstance(error, str):
            code, message = body.get("code"), error
        elif isinstance(body.get("message"), str):
            code, message = body.get("code"), body["message"]
    if message is None:
        code, message = "http_error", f"{label} answered {status} without ringkas JSON"
    code = str(code or "http_error")
    cls = error_class(status, code)
    return cls(status, code, message,
               details=details if isinstance(details, Mapping) else None,
               request_id=request_id, retry_after_s=retry_after_s(response.headers))


def unexpected(label: str, what: str) -> TransportError:
    return TransportError(f"{label}: {what}", code="unexpected_response")


def json_object(response: httpx.Response, label: str) -> dict[str, Any]:
    body = _json(response)
    if not isinstance(body, dict):
        raise unexpected(label, "the answer is not a JSON object")
    return body


def _typed(read: Callable[[dict[str, Any]], R]) -> Callable[[httpx.Response, str], R]:
    def decode(response: httpx.Response, label: str) -> R:
        body = json_object(response, label)
        try:
            return read(body)
        except (KeyError, TypeError, ValueError) as exc:
            raise unexpected(label, f"the answer lacks {exc}") from exc

    return decode


def _content(response: httpx.Response, label: str) -> bytes:
    return response.content


def _nothing(response: httpx.Response, label: str) -> None:
    return None


def _ok(response: httpx.Response, label: str) -> bool:
    return response.status_code < 400


def _glossary_list(body: dict[str, Any]) -> list[dict[str, Any]]:
    found = body["glossaries"]
    if not isinstance(found, list):
        raise TypeError("glossaries")
    return [dict(g) for g in found]


def _tsv(response: httpx.Response, label: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in response.text.splitlines():
        if line:
            source, sep, target = line.partition("\t")
            if not sep:
                raise unexpected(label, f"an entry is not source<TAB>target: {line!r}")
            entries[source] = target
    return entries


def _file_url(body: dict[str, Any]) -> str:
    url = body["translatedFileUrl"]
    if not isinstance(url, str) or not url:
        raise ValueError("translatedFileUrl")
    return url


# -- the calls ----------------------------------------------------------------------------

def health() -> Call[dict[str, Any]]:
    return Call("GET", "/v1/health", json_object)


def ready() -> Call[bool]:
    # Asked now, answered now: a 503 is the answer (False), not a reason to wait.
    return Call("GET", "/v1/ready", _ok, retry=False, accept=frozenset({503}))


def models() -> Call[dict[str, Any]]:
    return Call("GET", "/v1/models", json_object)


def summarize_body(body: Mapping[str, Any]) -> Call[Summary]:
    return Call("POST", "/v1/summarize", _typed(Summary.from_json), {"json": dict(body)})


def summarize(text: str, *, title: str | None, html: bool, length: str | int | None,
              languages: Iterable[str], strategy: str | None, prompt: str | None,
              glossary: str | None,
              glossary_entries: Mapping[str, str] | None) -> Call[Summary]:
    body: dict[str, Any] = {"text": text, "html": html, "languages": list(languages)}
    # None: the service's own default (length, strategy).
    for name, value in (("title", title), ("length", length), ("strategy", strategy),
                        ("prompt", prompt), ("glossary", glossary)):
        if value is not None:
            body[name] = value
    if glossary_entries is not None:
        body["glossary_entries"] = dict(glossary_entries)
    return summarize_body(body)


def translate(text: str | Sequence[str], *, source: str, target: str, glossary: str | None,
              glossary_entries: Mapping[str, str] | None) -> Call[Translation]:
    payload: str | list[str] = text if isinstance(text, str) else list(text)
    body: dict[str, Any] = {"text": payload, "source": source, "target": target}
    if glossary is not None:
        body["glossary"] = glossary
    if glossary_entries:
        body["glossary_entries"] = dict(glossary_entries)
    return Call("POST", "/v1/translate", _typed(Translation.from_json), {"json": body})


# Glossaries: /v1 lists what a request may name; creating, reading and deleting one goes
# through the service's DeepL-compatible glossary routes (/v2/glossaries), on the same store.

def glossaries() -> Call[list[dict[str, Any]]]:
    return Call("GET", "/v1/glossaries", _typed(_glossary_list))


def list_glossaries() -> Call[list[Glossary]]:
    return Call("GET", "/v1/glossaries", _typed(
        lambda body: [Glossary.from_json(g) for g in _glossary_list(body)]))


def entries_tsv(entries: Mapping[str, str]) -> str:
    """Entries as the service's TSV (``source<TAB>target`` per line); a term that holds a
    tab or a line break cannot be written so, and is refused here."""
    lines = []
    for source, target in entries.items():
        for term in (source, target):
            if not isinstance(term, str) or any(c in term for c in "\t\r\n"):
                raise ValueError(f"a glossary term must be a string without tabs or line "
                                 f"breaks: {term!r}")
        lines.append(f"{source}\t{target}\n")
    return "".join(lines)


def create_glossary(name: str, entries: Mapping[str, str], *, source: str,
                    target: str) -> Call[Glossary]:
    body = {"name": name, "source_lang": source, "target_lang": target,
            "entries": entries_tsv(entries), "entries_format": "tsv"}
    return Call("POST", "/v2/glossaries", _typed(Glossary.from_json), {"json": body})


def get_glossary(glossary_id: str) -> Call[Glossary]:
    return Call("GET", f"/v2/glossaries/{segment(glossary_id)}", _typed(Glossary.from_json))


def glossary_entries(glossary_id: str) -> Call[dict[str, str]]:
    return Call("GET", f"/v2/glossaries/{segment(glossary_id)}/entries", _tsv,
                {"headers": {"Accept": "text/tab-separated-values"}})


def delete_glossary(glossary_id: str) -> Call[None]:
    return Call("DELETE", f"/v2/glossaries/{segment(glossary_id)}", _nothing)


# Jobs: plain JSON bodies, as service.client answered them (results.Job reads them).

def submit_job(items: Sequence[Mapping[str, Any]], *,
               webhook: str | None) -> Call[dict[str, Any]]:
    body: dict[str, Any] = {"items": [dict(i) for i in items]}
    if webhook:
        body["webhook"] = webhook
    return Call("POST", "/v1/jobs", json_object, {"json": body})


def get_job(job_id: str, *, items: bool) -> Call[dict[str, Any]]:
    options = {} if items else {"params": {"items": "false"}}
    return Call("GET", f"/v1/jobs/{segment(job_id)}", json_object, options)


def cancel_job(job_id: str) -> Call[dict[str, Any]]:
    return Call("DELETE", f"/v1/jobs/{segment(job_id)}", json_object)


# Documents: LibreTranslate's /translate_file, then one download of the URL it names.

DOWNLOAD_PATH = "/download_file/"


def translate_file(file: FileInput, *, filename: str | None, source: str,
                   target: str) -> Call[str]:
    if isinstance(file, bytes | bytearray):
        if not filename:
            raise ValueError("filename is needed with the bytes of a document (its "
                             "extension says its format: .txt, .html or .docx)")
        data = bytes(file)
    else:
        path = Path(file)
        data = path.read_bytes()
        filename = filename or path.name
    return Call("POST", "/translate_file", _typed(_file_url), {
        "files": {"file": (filename, data, "application/octet-stream")},
        "data": {"source": source, "target": target}})


def download(url: str) -> Call[bytes]:
    """The download of a ``translatedFileUrl``, from the client's own base URL: the service
    writes the URL with the scheme and host it saw, which behind a proxy need not be the
    ones the client can reach. Never sent twice: the URL serves one download, so a retry
    after a lost answer would only meet a 404 and hide what went wrong."""
    at = url.find(DOWNLOAD_PATH)
    return Call("GET", url[at:] if at >= 0 else url, _content, retry=False, send_key=False,
                label=f"GET {DOWNLOAD_PATH}…")


def request(method: str, path: str, **options: Any) -> Call[dict[str, Any]]:
    return Call(method.upper(), path, json_object, options)
