"""LibreTranslate's ``/translate_file`` request (multipart/form-data), parsed once into a
frozen dataclass: the file part, and the same language fields as ``/translate``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.config import Limits
from service.contract.libretranslate import LT_TRANSLATE, form_to_body
from service.contract.spec import Field, ObjectSpec, SpecContext
from service.errors import InvalidField

# The uploaded document, a file part (LibreTranslate's and DeepL's uploads alike).
FILE = Field({"type": "string", "contentMediaType": "application/octet-stream"},
             "The document: .txt (UTF-8), .html or .docx; its name's extension says which, "
             "and its content must agree.", required=True)

LT_TRANSLATE_FILE = ObjectSpec(
    "LtTranslateFileRequest", "LibreTranslate's /translate_file request, as "
    "multipart/form-data. Fields other than these are ignored, as LibreTranslate ignores "
    "them.", {
        "file": FILE,
        "source": LT_TRANSLATE.fields["source"],
        "target": LT_TRANSLATE.fields["target"],
        "api_key": LT_TRANSLATE.fields["api_key"],
        "apiKey": LT_TRANSLATE.fields["apiKey"],
    }, open=True)


@dataclass(frozen=True)
class FileRequest:
    filename: str
    data: bytes
    source: str  # "auto", "id" or "en"
    target: str


def parse_lt_translate_file(form: Mapping[str, list[str]], file: tuple[str, bytes] | None,
                            limits: Limits) -> FileRequest:
    """``form``: the form's text fields; ``file``: the file part's (filename, bytes)."""
    body: dict[str, Any] = form_to_body(form)
    file = check_file_part(body, file)
    body = dict(LT_TRANSLATE_FILE.validate({**body, "file": ""}, SpecContext(limits)))
    source, target = body.get("source", "auto"), body["target"]
    if source == target:
        raise InvalidField("target", f"source and target are both {target!r}",
                           code="unsupported_language_pair")
    return FileRequest(file[0], file[1], source, target)


def check_file_part(fields: Mapping[str, Any], file: tuple[str, bytes] | None,
                    ) -> tuple[str, bytes]:
    """The ``file`` part, once it is sure the document came as one (not as a text field,
    nor not at all)."""
    if "file" in fields:
        raise InvalidField("file", "file must be a file part of a multipart/form-data body, "
                           "not a text field", code="invalid_type")
    if file is None:
        raise InvalidField("file", "file is required (a file part of a multipart/form-data "
                           "body)", code="missing_field")
    return file
