"""DeepL's document API requests (``/v2/document`` and the status and result of one), parsed
once into frozen dataclasses. The upload is multipart/form-data; the status and result
requests carry the document's key as JSON or form fields, as DeepL's clients send them.
Other fields are accepted and ignored, as DeepL does; ``glossary_id`` is followed as
/v2/translate follows it, and ``glossary_ids`` refused as there."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from service.config import Limits
from service.contract.deepl import (
    DEEPL_TRANSLATE,
    REFUSED,
    deepl_pair,
)
from service.contract.documents import FILE, check_file_part
from service.contract.glossary_asks import GlossaryById, Parsed
from service.contract.spec import Field, ObjectSpec, SpecContext
from service.documents.formats import EXTENSIONS, SUPPORTED_EXTENSIONS, base_name
from service.errors import InvalidField
from service.glossary import GlossaryPolicy

DEEPL_DOCUMENT = ObjectSpec(
    "DeepLDocumentRequest", "DeepL's /v2/document upload, as multipart/form-data. Other "
    "fields are accepted and ignored, as DeepL does.", {
        "file": FILE,
        "source_lang": DEEPL_TRANSLATE.fields["source_lang"],
        "target_lang": DEEPL_TRANSLATE.fields["target_lang"],
        "filename": Field({"type": "string", "minLength": 1},
                          "The document's name, when the file part has none (its extension "
                          "names the format).", message="filename must be a file name"),
        "output_format": Field({"type": "string"},
                               "The format to write: only the input's own (txt, html, docx); "
                               "no conversion.", code="unsupported_output_format",
                               message="output_format must be a format name"),
        "glossary_id": DEEPL_TRANSLATE.fields["glossary_id"],
        "formality": DEEPL_TRANSLATE.fields["formality"],
    }, open=True)

DEEPL_DOCUMENT_KEY = ObjectSpec(
    "DeepLDocumentKeyRequest", "The key of a document, as /v2/document returned it (JSON or "
    "form-encoded).", {
        "document_key": Field({"type": "string", "minLength": 1},
                              "The document's key, returned once by the upload.",
                              required=True, message="document_key must be the key returned "
                              "by the upload"),
    }, open=True)


@dataclass(frozen=True)
class DeepLDocumentRequest:
    filename: str
    data: bytes
    source: str  # "auto" (detected from the document), "id" or "en"
    target: str
    glossary: GlossaryPolicy | None = None


def parse_deepl_document(form: Mapping[str, Any], file: tuple[str, bytes] | None,
                         limits: Limits) -> Parsed[DeepLDocumentRequest]:
    """``form``: the text fields (one value each); ``file``: the file part's (name, bytes).
    The ``glossary_id`` is still to be looked up (Parsed.resolve)."""
    body = {k: v.upper() if k in ("source_lang", "target_lang") and isinstance(v, str) else v
            for k, v in form.items()}
    file = check_file_part(body, file)
    checked = DEEPL_DOCUMENT.validate({**body, "file": ""}, SpecContext(limits))
    refused = next((k for k in REFUSED if k in checked), None)
    if refused is not None:
        raise InvalidField(refused, "multilingual glossaries are not served; give one "
                           "glossary_id", code="unsupported_option")
    given, target = deepl_pair(checked)
    source = given or "auto"
    filename = checked.get("filename") or file[0]
    _check_output_format(checked.get("output_format"), filename)
    glossary = GlossaryById.parse(checked.get("glossary_id"),
                                  None if source == "auto" else source, target)
    return Parsed(DeepLDocumentRequest(filename, file[1], source, target), glossary)


def parse_document_key(body: Any, limits: Limits) -> str:
    """The ``document_key`` of a status or result request."""
    key: str = DEEPL_DOCUMENT_KEY.validate(body, SpecContext(limits))["document_key"]
    return key


def _check_output_format(output_format: str | None, filename: str) -> None:
    """Only the input's own format: a translation is written back into the file it came
    from. (An input whose format is not supported is refused for that, later.)"""
    if output_format is None:
        return
    given = EXTENSIONS.get(PurePosixPath(base_name(filename).lower()).suffix)
    wanted = EXTENSIONS.get(f".{output_format.lower().lstrip('.')}")
    if given is not None and wanted is not given:
        raise InvalidField("output_format", f"output_format {output_format!r} is not the "
                           f"input's format ({given.name}); documents are translated into "
                           f"their own format only (supported: "
                           f"{', '.join(SUPPORTED_EXTENSIONS)})",
                           code="unsupported_output_format")
