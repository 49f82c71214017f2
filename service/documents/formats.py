"""Which documents are accepted: the format named by the file's extension, confirmed by its
content, within the size limits. Every refusal is a clear error with its own code, decided
before any parser (python-docx, BeautifulSoup) sees the bytes."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from service.config import Limits
from service.errors import InvalidDocument, PayloadTooLarge


@dataclass(frozen=True)
class DocumentFormat:
    name: str  # "txt", "html" or "docx"
    media_type: str


TXT = DocumentFormat("txt", "text/plain")
HTML = DocumentFormat("html", "text/html")
DOCX = DocumentFormat("docx", "application/vnd.openxmlformats-officedocument."
                              "wordprocessingml.document")
# LibreTranslate lists the extensions it takes with their dot (supportedFilesFormat).
EXTENSIONS: dict[str, DocumentFormat] = {".txt": TXT, ".html": HTML, ".htm": HTML,
                                         ".docx": DOCX}
SUPPORTED_EXTENSIONS: tuple[str, ...] = (".txt", ".html", ".docx")

# A DOCX is a zip of XML parts; a few hundred is a large one. The unpacked bound is what a
# zip bomb breaks: the sizes declared in the zip's directory bound what zipfile inflates
# (a member inflating past its declared size fails its CRC check), so checking them is
# enough.
MAX_ZIP_MEMBERS = 2_000
# How deep elements may nest: libxml2's own bound without XML_PARSE_HUGE, which python-docx
# reads a DOCX's parts under (deeper is a damaged DOCX there); HTML is held to it too.
MAX_DEPTH = 256
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
_ZIP = b"PK\x03\x04"
_BINARY = {_ZIP: "a zip archive (DOCX, XLSX, ...)", b"%PDF": "a PDF file",
           b"\xd0\xcf\x11\xe0": "an old Office file (DOC, XLS, ...)",
           b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image"}
# Every Office package has these (the main part's name varies: document.xml, document2.xml).
_DOCX_PARTS = ("[Content_Types].xml", "_rels/.rels")


def base_name(filename: str) -> str:
    """The name without any directory a client put in it (``C:\\x\\a.docx``, ``../a.txt``)."""
    return PurePosixPath(PureWindowsPath(filename).name).name


def detect(filename: str, data: bytes, limits: Limits) -> DocumentFormat:
    """The document's format, from its extension, once its content agrees and it is within
    the byte limit; otherwise the refusal as an InvalidDocument or PayloadTooLarge."""
    name = base_name(filename)
    suffix = PurePosixPath(name.lower()).suffix
    fmt = EXTENSIONS.get(suffix)
    if fmt is None:
        raise InvalidDocument(
            f"file format {suffix or '(no extension)'!r} is not supported; supported: "
            f"{', '.join(SUPPORTED_EXTENSIONS)}", code="unsupported_file_format",
            details={"field": "file", "supported": list(SUPPORTED_EXTENSIONS)})
    if not data:
        raise InvalidDocument("the file is empty", code="empty_file", details={"field": "file"})
    if len(data) > limits.max_document_bytes:
        raise PayloadTooLarge(f"the file has {len(data)} bytes; the limit is "
                              f"{limits.max_document_bytes}", code="document_too_large",
                              details={"field": "file", "limit": limits.max_document_bytes})
    sniffed = next((what for magic, what in _BINARY.items() if data.startswith(magic)), None)
    if fmt is DOCX:
        if not data.startswith(_ZIP):
            _mismatch(suffix, sniffed or "not a zip archive")
        check_docx_zip(data, limits)
    elif sniffed is not None:
        _mismatch(suffix, sniffed)
    elif fmt is HTML:
        # UTF-16's "</" is not the bytes b"</": counted in UTF-8 (a 1.5 MB file at most).
        markup = (data.decode("utf-16", "replace").encode()
                  if data.startswith((b"\xff\xfe", b"\xfe\xff")) else data)
        check_elements(count_elements([markup], limits.max_document_elements), limits)
    return fmt


def _mismatch(suffix: str, found: str) -> None:
    raise InvalidDocument(f"the file is named {suffix} but its content is {found}",
                          code="file_format_mismatch", details={"field": "file"})


def check_docx_zip(data: bytes, limits: Limits) -> None:
    """A readable zip, not a bomb, holding a Word document's parts, whose XML parts hold at
    most ``limits.max_document_elements`` elements together."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InvalidDocument("the file is not a readable zip archive, so not a DOCX",
                              code="invalid_document", details={"field": "file"}) from None
    unpacked = sum(m.file_size for m in members)
    if len(members) > MAX_ZIP_MEMBERS or unpacked > MAX_UNPACKED_BYTES:
        raise PayloadTooLarge(f"the DOCX unpacks to {len(members)} parts and {unpacked} "
                              f"bytes; the limits are {MAX_ZIP_MEMBERS} parts and "
                              f"{MAX_UNPACKED_BYTES} bytes", code="document_unpacks_too_large",
                              details={"field": "file", "limit": MAX_UNPACKED_BYTES})
    names = {m.filename for m in members}
    missing = [p for p in _DOCX_PARTS if p not in names]
    if missing:
        raise InvalidDocument(f"the zip archive is not an Office document (no {missing[0]})",
                              code="invalid_document", details={"field": "file"})
    check_elements(_count_zip_elements(data, limits.max_document_elements), limits)


_CHUNK = 1 << 20


def _count_zip_elements(data: bytes, limit: int) -> int:
    """The elements of the package's XML parts, inflated a chunk at a time (never a whole
    part in memory), stopping once past ``limit``."""
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.infolist():
                if not member.filename.endswith((".xml", ".rels")):
                    continue
                with archive.open(member) as part:
                    total += count_elements(iter(lambda: part.read(_CHUNK), b""),
                                            limit - total)
                if total > limit:
                    break
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise InvalidDocument("the DOCX cannot be read (a damaged zip member)",
                              code="invalid_document", details={"field": "file"}) from None
    return total


def count_elements(chunks: Iterable[bytes], limit: int) -> int:
    """How many elements markup in ``chunks`` can hold at most: its ``<`` that open no end
    tag, comment, declaration or processing instruction (a ``<`` in text is escaped; one in
    a comment or CDATA section only counts too many). Stops once past ``limit``: the cost of
    a bomb is bounded by the limit, and each chunk's count runs in C."""
    total, last = 0, b""
    for chunk in chunks:
        pairs = last + chunk  # an end tag's "</" may straddle two chunks
        total += (chunk.count(b"<") - pairs.count(b"</") - pairs.count(b"<!")
                  - pairs.count(b"<?"))
        last = chunk[-1:]
        if total > limit:
            break
    return total


def check_depth(root: Any) -> None:
    """``root``'s elements nest at most MAX_DEPTH deep (a walk without recursion: the
    tree may be as deep as it has elements)."""
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise PayloadTooLarge(f"the document's elements nest more than {MAX_DEPTH} deep",
                                  code="document_too_deep",
                                  details={"field": "file", "limit": MAX_DEPTH})
        stack.extend((child, depth + 1) for child in getattr(node, "contents", ())
                     if getattr(child, "contents", None) is not None)


def check_elements(elements: int, limits: Limits) -> None:
    if elements > limits.max_document_elements:
        raise PayloadTooLarge("the document's markup holds more elements (tags) than the "
                              f"limit, {limits.max_document_elements}",
                              code="too_many_elements",
                              details={"field": "file", "limit": limits.max_document_elements})


def decode_text(data: bytes, what: str) -> tuple[str, str]:
    """(text, encoding) of a text or HTML file: UTF-8, or UTF-8/UTF-16 with a byte-order
    mark; the encoding is the one to write the translation back in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise InvalidDocument(f"the {what} is not UTF-8 text (nor UTF-16 with a byte-order "
                              "mark)", code="invalid_encoding", details={"field": "file"}
                              ) from None
    if "\x00" in text:
        raise InvalidDocument(f"the {what} holds NUL characters: binary content, not text",
                              code="file_format_mismatch", details={"field": "file"})
    return text, encoding


def check_size(paragraphs: int, chars: int, limits: Limits) -> None:
    """The limits on what a document holds to translate (pages are not one: a DOCX does not
    store its pagination, which the word processor decides when it lays the text out)."""
    if paragraphs > limits.max_document_paragraphs:
        raise PayloadTooLarge(f"the document has {paragraphs} paragraphs to translate; the "
                              f"limit is {limits.max_document_paragraphs}",
                              code="too_many_paragraphs",
                              details={"field": "file",
                                       "limit": limits.max_document_paragraphs})
    if chars > limits.max_document_chars:
        raise PayloadTooLarge(f"the document has {chars} characters to translate; the limit "
                              f"is {limits.max_document_chars}", code="too_many_characters",
                              details={"field": "file", "limit": limits.max_document_chars})
