"""Documents: .txt, .html and .docx translated with their formatting kept (service/documents/),
LibreTranslate's /translate_file and /download_file, the limits and refusals with their
codes, the translated file deleted after its download or its expiry, and the background
document jobs the DeepL-style document API runs on.

The formatting mapping is asserted exactly with an engine that upper-cases what it gets:
every unit's translation is then known, and so is where it must land."""

from __future__ import annotations

import io
import logging
import shutil
import threading
import time
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import docx
import pytest
import requests
from docx.enum.text import WD_BREAK
from docx.oxml import parse_xml
from flask import Flask
from flask.testing import FlaskClient

from service.api import create_app
from service.api.runtime import runtime_of, services_of
from service.auth.store import KeyStore
from service.config import Limits, Settings
from service.documents.document import open_document
from service.documents.store import (
    DONE,
    ERROR,
    QUEUED,
    DocumentNotFound,
    DocumentStore,
    KeyHolder,
)
from service.engine import Engine, EngineWrapper, GenerationParams
from service.errors import InvalidDocument, Overloaded, PayloadTooLarge
from service.runtime.documents import MAX_QUEUED, DocumentFailed, DocumentJobs
from tests.conftest import with_limits

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class UpperEngine(EngineWrapper):
    """Translates by upper-casing: what comes back for each unit is known exactly."""

    def __init__(self, inner: Engine) -> None:
        super().__init__(inner)
        self.inputs: list[str] = []

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        self.inputs.extend(texts)
        return [t.upper() for t in texts]


@pytest.fixture()
def upper(engines: Mapping[str, Engine]) -> dict[str, UpperEngine]:
    return {role: UpperEngine(e) for role, e in engines.items()}


@pytest.fixture()
def app(settings: Settings, upper: Mapping[str, Engine]) -> Flask:
    return create_app(settings, engines=upper)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def post_file(client: FlaskClient, name: str, data: bytes, *, source: str = "id",
              target: str = "en", **extra: Any) -> Any:
    return client.post("/translate_file", data={"file": (io.BytesIO(data), name),
                                                "source": source, "target": target, **extra},
                       content_type="multipart/form-data")


def translate_file(client: FlaskClient, name: str, data: bytes, **kw: Any) -> bytes:
    resp = post_file(client, name, data, **kw)
    assert resp.status_code == 200, resp.get_json()
    url = resp.get_json()["translatedFileUrl"]
    assert url.startswith("http://localhost/download_file/") and url.endswith(name)
    got = client.get(url.removeprefix("http://localhost"))
    assert got.status_code == 200
    assert got.headers["Content-Disposition"] == f"attachment; filename*=UTF-8''{name}"
    return got.data


def docx_bytes(doc: Any) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def runs(paragraph: Any) -> list[tuple[str, bool | None, bool | None, bool | None]]:
    return [(r.text, r.bold, r.italic, r.underline) for r in paragraph.runs]


def article_docx() -> bytes:
    doc = docx.Document()
    p = doc.add_paragraph()
    p.add_run("Pabrik itu ")
    p.add_run("sangat").bold = True
    p.add_run(" besar dan ")
    p.add_run("baru").italic = True
    u = p.add_run(" sekali")
    u.underline = True
    p.add_run(".")
    # Word splits runs of one formatting (spell checking, editing sessions): merged first.
    split = doc.add_paragraph()
    split.add_run("Desa itu ").bold = True
    split.add_run("kecil").bold = True
    tabs = doc.add_paragraph()
    tabs.add_run("Kolom satu\tkolom dua")
    tabs.runs[0].add_break()
    tabs.runs[0].add_text("baris baru")
    page = doc.add_paragraph().add_run("Halaman berikut")
    page.add_break(WD_BREAK.PAGE)  # a page break: the run is kept as it is
    doc.add_paragraph("Tahun 2024")
    doc.add_paragraph("2024 — 12,5%")  # no letters: not sent to the model
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Harga beras"
    table.cell(0, 1).paragraphs[0].add_run("naik").bold = True
    table.cell(1, 0).text = "1.500"
    inner = table.cell(1, 1).add_table(rows=1, cols=1)  # a nested table
    inner.cell(0, 0).text = "Dalam tabel"
    section = doc.sections[0]
    section.header.paragraphs[0].text = "Kabar Bogor"
    footer = section.footer.paragraphs[0]
    footer.add_run("Halaman ")
    # A PAGE field: its runs (and the number it shows) are never rewritten.
    for xml in ('<w:r %s><w:fldChar w:fldCharType="begin"/></w:r>',
                '<w:r %s><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
                '<w:r %s><w:fldChar w:fldCharType="separate"/></w:r>',
                '<w:r %s><w:t>satu</w:t></w:r>',
                '<w:r %s><w:fldChar w:fldCharType="end"/></w:r>'):
        footer._p.append(parse_xml(xml % f'xmlns:w="{W}"'))
    footer.add_run(" dari koran")
    return docx_bytes(doc)


def test_docx_round_trip_keeps_runs_tables_headers_and_fields(client: FlaskClient,
                                                              upper: Mapping[str, UpperEngine]
                                                              ) -> None:
    out = docx.Document(io.BytesIO(translate_file(client, "berita.docx", article_docx())))
    body = out.paragraphs
    assert runs(body[0]) == [("PABRIK ITU ", None, None, None), ("SANGAT", True, None, None),
                             (" BESAR DAN ", None, None, None), ("BARU", None, True, None),
                             (" SEKALI", None, None, True), (".", None, None, None)]
    assert runs(body[1]) == [("DESA ITU KECIL", True, None, None)]  # one span, translated whole
    assert body[2].text == "KOLOM SATU\tKOLOM DUA\nBARIS BARU"
    assert body[3].text == "Halaman berikut"  # the run with the page break is untouched
    assert body[3]._p.xpath("count(.//w:br[@w:type='page'])") == 1
    assert body[4].text == "TAHUN 2024"
    assert body[5].text == "2024 — 12,5%"
    table = out.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["HARGA BERAS", "NAIK"]
    assert table.cell(0, 1).paragraphs[0].runs[0].bold is True
    assert table.cell(1, 0).text == "1.500"
    assert table.cell(1, 1).tables[0].cell(0, 0).text == "DALAM TABEL"
    assert out.sections[0].header.paragraphs[0].text == "KABAR BOGOR"
    footer = out.sections[0].footer.paragraphs[0]
    assert footer._p.xpath("string(.//w:instrText)") == " PAGE "
    assert footer.text == "HALAMAN satu DARI KORAN"  # the field's shown number: as it was
    sent = set(upper["translate_id_en"].inputs)
    assert {"Pabrik itu", "sangat", "Desa itu kecil", "kolom dua", "Kabar Bogor"} <= sent
    assert not sent & {"2024 — 12,5%", "1.500", "satu", "Halaman berikut"}


def test_docx_in_the_target_language_comes_back_unchanged_with_auto(
        client: FlaskClient, upper: Mapping[str, UpperEngine]) -> None:
    doc = docx.Document()
    doc.add_paragraph("The shoe factory employs two hundred people from villages nearby.")
    out = translate_file(client, "news.docx", docx_bytes(doc), source="auto", target="en")
    assert docx.Document(io.BytesIO(out)).paragraphs[0].text.startswith("The shoe factory")
    assert upper["translate_id_en"].inputs == [] and upper["translate_en_id"].inputs == []


def test_html_file_keeps_markup_scripts_and_numbers(client: FlaskClient) -> None:
    page = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Berita hari ini</title>'
            '<script>var x = "jangan";</script></head><body>\n  <p class="lead">Pabrik '
            '<b>sepatu</b> itu besar.</p>\n<td>2024</td><pre>kode tetap</pre></body></html>')
    out = translate_file(client, "berita.html", page.encode()).decode()
    # (whitespace between tags comes back as the one newline or space a browser shows)
    assert out == ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"/><title>BERITA HARI '
                   'INI</title><script>var x = "jangan";</script></head><body>\n<p class='
                   '"lead">PABRIK <b>SEPATU</b> ITU BESAR.</p>\n<td>2024</td><pre>kode tetap'
                   '</pre></body></html>')


def test_html_mode_of_translate_keeps_the_doctype(client: FlaskClient) -> None:
    # The doctype is a string node to the parser, not the page's text: it was translated.
    resp = client.post("/translate", json={"q": "<!DOCTYPE html><p>Desa itu kecil.</p>",
                                           "source": "id", "target": "en", "format": "html"})
    assert resp.get_json()["translatedText"] == "<!DOCTYPE html>\n<p>DESA ITU KECIL.</p>"


def test_an_html_file_and_the_html_modes_of_translate_agree(
        client: FlaskClient, upper: Mapping[str, UpperEngine]) -> None:
    # One markup path: a file, LibreTranslate's format html and DeepL's tag_handling html
    # send the same pieces and give the same page (code inside pre, even in a span, and
    # pieces without letters are never sent).
    page = ('<!DOCTYPE html><html><body><h1>Berita</h1><pre><span>kode tetap</span></pre>'
            '<p>Desa <i>itu</i> kecil.</p><td>2024</td><![CDATA[x]]><?php echo 1; ?>'
            '</body></html>')
    expected = ('<!DOCTYPE html>\n<html><body><h1>BERITA</h1><pre><span>kode tetap</span>'
                '</pre><p>DESA <i>ITU</i> KECIL.</p><td>2024</td><![CDATA[x]]><?php echo 1; ?>'
                '</body></html>')
    sent = upper["translate_id_en"].inputs
    assert translate_file(client, "p.html", page.encode()).decode() == expected
    assert "2024" not in sent and "kode tetap" not in sent
    sent.clear()
    lt = client.post("/translate", json={"q": page, "source": "id", "target": "en",
                                         "format": "html"})
    assert lt.get_json()["translatedText"] == expected
    assert "2024" not in sent and "kode tetap" not in sent
    deepl = client.post("/v2/translate", json={"text": [page], "source_lang": "ID",
                                               "target_lang": "EN-US", "tag_handling": "html"})
    assert deepl.get_json()["translations"][0]["text"] == expected


def test_text_file_keeps_lines_indentation_and_encoding(client: FlaskClient) -> None:
    text = "\ufeffJudul berita\r\n\r\n    Paragraf pertama.  \r\n----\r\nAkhir"
    out = translate_file(client, "berita.txt", text.encode("utf-8"))
    assert out.decode("utf-8") == ("\ufeffJUDUL BERITA\r\n\r\n    PARAGRAF PERTAMA.  \r\n"
                                   "----\r\nAKHIR")
    utf16 = translate_file(client, "b.txt", "Satu\nDua\n".encode("utf-16"))
    assert utf16.startswith(b"\xff\xfe") and utf16.decode("utf-16") == "SATU\nDUA\n"


def test_the_translated_file_is_deleted_after_its_download(client: FlaskClient,
                                                           settings: Settings) -> None:
    resp = post_file(client, "a.txt", b"Desa itu kecil.")
    path = resp.get_json()["translatedFileUrl"].removeprefix("http://localhost")
    folder = Path(settings.data_dir) / "documents"
    assert len(list(folder.iterdir())) == 1
    assert client.get(path).status_code == 200
    again = client.get(path)
    assert again.status_code == 404 and again.get_json()["code"] == "document_not_found"
    assert list(folder.iterdir()) == []  # the file and its record are gone
    key = path.removeprefix("/download_file/").split(".")[1]
    resp = post_file(client, "b.txt", b"Desa itu kecil.")
    fresh = resp.get_json()["translatedFileUrl"].removeprefix("http://localhost")
    new_id = fresh.removeprefix("/download_file/").split(".")[0]
    for wrong in (f"{new_id}.{key}.b.txt", f"{new_id}.b.txt", "..%2F..%2Fkeys.sqlite3",
                  f"{new_id}"):
        assert client.get(f"/download_file/{wrong}").status_code == 404, wrong
    assert client.get(fresh).status_code == 200  # the wrong tries did not spend it


def test_documents_expire_unread(tmp_path: Path) -> None:
    now = [1000.0]
    store = DocumentStore(tmp_path, retention_s=60, clock=lambda: now[0])
    record, key = store.create(None, filename="a.txt", format="txt", media_type="text/plain",
                               source="id", target="en", characters=5)
    store.finish(record, b"SECRET TEXT")
    assert store.get(record.id, key, None) is not None
    assert store.get(record.id, key, "someone-else") is None
    # The key alone admits only a document made as a capability (LibreTranslate's URL).
    assert store.get(record.id, key, KeyHolder.ANYONE) is None
    other = DocumentStore(tmp_path / "other", retention_s=60, clock=lambda: now[0])
    shared, shared_key = other.create("7", filename="b.txt", format="txt",
                                      media_type="text/plain", source="id", target="en",
                                      characters=5, capability=True)
    assert other.get(shared.id, shared_key, KeyHolder.ANYONE) is not None
    assert other.get(shared.id, "not-its-key", KeyHolder.ANYONE) is None
    shutil.rmtree(tmp_path / "other")
    now[0] += 61
    assert store.purge_expired(force=True) == 1
    assert store.get(record.id, key, None) is None
    assert list(tmp_path.iterdir()) == []
    record, key = store.create(None, filename="a.txt", format="txt", media_type="text/plain",
                               source="id", target="en", characters=5)
    now[0] += 61
    assert store.get(record.id, key, None) is None  # expired: gone for readers at once


def test_the_download_url_is_the_capability_as_in_libretranslate(settings: Settings,
                                               upper: Mapping[str, Engine],
                                               tmp_path: Path) -> None:
    db = tmp_path / "keys.sqlite3"
    store = KeyStore(db)
    _, desk = store.add("desk")
    _, other = store.add("other")
    app = create_app(settings.changed(require_api_keys=True, keys_db=str(db)),
                     engines=upper)
    client = app.test_client()
    refused = post_file(client, "a.txt", b"Desa itu kecil.")
    assert refused.status_code == 403 and refused.get_json()["code"] == "missing_api_key"
    resp = post_file(client, "a.txt", b"Desa itu kecil.", api_key=desk)  # LibreTranslate's way
    path = resp.get_json()["translatedFileUrl"].removeprefix("http://localhost")
    # A LibreTranslate client fetches the URL with a plain GET, no key: the URL's own
    # unguessable key admits it, once.
    # A HEAD (a link preview, a download manager) says what is there and takes nothing.
    head = client.head(path)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Type"].startswith("text/plain")
    assert "a.txt" in head.headers["Content-Disposition"]
    got = client.get(path)
    assert got.status_code == 200 and got.data == b"DESA ITU KECIL."
    assert client.get(path, headers={"X-API-Key": desk}).status_code == 404  # spent
    # Another key's caller needs the URL itself: the document's id alone, or a key made
    # up, finds nothing.
    again = post_file(client, "b.txt", b"Desa itu kecil.", api_key=desk)
    fresh = again.get_json()["translatedFileUrl"].removeprefix("http://localhost")
    doc_id = fresh.removeprefix("/download_file/").split(".")[0]
    for guess in (f"/download_file/{doc_id}.b.txt",
                  f"/download_file/{doc_id}.{'A' * 32}.b.txt"):
        assert client.get(guess, headers={"X-API-Key": other}).status_code == 404
    assert client.get(fresh, headers={"X-API-Key": other}).status_code == 200


def make_zip(members: Mapping[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


BOMB = make_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<",
                 "word/media/zeros.bin": b"\0" * (65 * 1024 * 1024)})


@pytest.mark.parametrize(("name", "data", "code"), [
    ("a.pdf", b"%PDF-1.7", "unsupported_file_format"),
    ("noextension", b"Desa itu.", "unsupported_file_format"),
    ("a.doc", b"\xd0\xcf\x11\xe0", "unsupported_file_format"),
    ("a.txt", b"", "empty_file"),
    ("a.docx", b"Desa itu kecil.", "file_format_mismatch"),
    ("a.docx", b"%PDF-1.7 ...", "file_format_mismatch"),
    ("a.txt", make_zip({"x": b"y"}), "file_format_mismatch"),
    ("a.html", b"\x89PNG\r\n", "file_format_mismatch"),
    ("a.txt", b"Desa\x00itu", "file_format_mismatch"),
    ("a.txt", "Désa".encode("latin-1"), "invalid_encoding"),
    ("a.docx", b"PK\x03\x04 not really a zip", "invalid_document"),
    ("a.docx", make_zip({"word/x.xml": b"<a/>"}), "invalid_document"),  # a zip, not Word
    ("a.docx", make_zip({"[Content_Types].xml": b"<Types/>",
                         "word/document.xml": b"<not xml"}), "invalid_document"),
    ("a.docx", make_zip({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<x/>"}),
     "invalid_document"),  # an Office package's frame, nothing python-docx can open
    ("a.docx", BOMB, "document_unpacks_too_large"),
])
def test_refused_files_get_their_code_never_a_500(client: FlaskClient, name: str, data: bytes,
                                                  code: str) -> None:
    resp = post_file(client, name, data)
    assert resp.status_code == 400  # LibreTranslate answers 400 to any file it cannot use
    assert resp.get_json()["code"] == code, resp.get_json()


def test_a_docx_whose_main_part_has_another_name(client: FlaskClient) -> None:
    # Word finds its parts through relationships and content types; some tools write
    # word/document2.xml.
    with zipfile.ZipFile(io.BytesIO(article_docx())) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["word/document2.xml"] = parts.pop("word/document.xml")
    parts["word/_rels/document2.xml.rels"] = parts.pop("word/_rels/document.xml.rels")
    for name in ("_rels/.rels", "[Content_Types].xml"):
        parts[name] = parts[name].replace(b"word/document.xml", b"word/document2.xml")
    out = docx.Document(io.BytesIO(translate_file(client, "b.docx", make_zip(parts))))
    assert out.paragraphs[1].text == "DESA ITU KECIL"
    assert out.sections[0].header.paragraphs[0].text == "KABAR BOGOR"


def test_a_docx_that_python_docx_cannot_read_is_invalid_document() -> None:
    good = article_docx()
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["word/_rels/document.xml.rels"] = b"<Relationships"  # a broken part it must read
    with pytest.raises(InvalidDocument) as info:
        open_document("a.docx", make_zip(parts), Limits())
    assert info.value.code == "invalid_document"


@pytest.mark.parametrize(("limits", "code"), [
    ({"max_document_bytes": 100}, "document_too_large"),
    ({"max_document_paragraphs": 3}, "too_many_paragraphs"),
    ({"max_document_chars": 20}, "too_many_characters"),
])
def test_document_limits(settings: Settings, upper: Mapping[str, Engine],
                         limits: dict[str, int], code: str) -> None:
    app = create_app(with_limits(settings, **limits), engines=upper)
    text = "\n".join(f"Desa nomor {i} itu kecil." for i in range(5)).encode()
    resp = post_file(app.test_client(), "a.txt", text)
    assert resp.status_code == 400 and resp.get_json()["code"] == code
    with pytest.raises(PayloadTooLarge) as info:
        open_document("a.txt", text, Limits(**limits))
    assert info.value.code == code and info.value.details["limit"] == next(
        iter(limits.values()))


def test_a_body_over_the_server_limit_is_413(settings: Settings,
                                            upper: Mapping[str, Engine]) -> None:
    app = create_app(with_limits(settings, max_request_bytes=10_000), engines=upper)
    resp = post_file(app.test_client(), "a.txt", b"Desa itu kecil. " * 1000)
    assert resp.status_code == 413 and resp.get_json()["code"] == "request_too_large"


@pytest.mark.parametrize(("data", "code"), [
    ({"source": "id", "target": "en"}, "missing_field"),
    ({"file": "Desa itu.", "source": "id", "target": "en"}, "invalid_type"),
    ({"file": (io.BytesIO(b"Desa."), "a.txt"), "source": "id", "target": "fr"},
     "unsupported_language_pair"),
    ({"file": (io.BytesIO(b"Desa."), "a.txt"), "source": "en", "target": "en"},
     "unsupported_language_pair"),
    ({"file": (io.BytesIO(b"Desa."), "a.txt"), "source": "id"}, "missing_field"),
])
def test_bad_forms(client: FlaskClient, data: dict[str, Any], code: str) -> None:
    resp = client.post("/translate_file", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400 and resp.get_json()["code"] == code


def test_a_body_that_is_not_multipart_is_refused(client: FlaskClient) -> None:
    resp = client.post("/translate_file", json={"source": "id", "target": "en"})
    assert resp.status_code == 400 and resp.get_json()["code"] == "unsupported_media_type"


def test_article_text_never_reaches_the_logs(client: FlaskClient,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    doc = docx.Document()
    doc.add_paragraph("Kelurahan Zyxwvut menolak rencana itu.")
    resp = post_file(client, "a.docx", docx_bytes(doc))
    url = resp.get_json()["translatedFileUrl"]
    assert client.get(url.removeprefix("http://localhost")).status_code == 200
    post_file(client, "a.txt", "Zyxwvut Désa".encode("latin-1"))
    assert "zyxwvut" not in caplog.text.lower()
    # Nor the file's key (a secret in its URL): the access log has the route's template.
    key = url.split(".")[1]
    assert "path=/download_file/{filename}" in caplog.text and key not in caplog.text
    refused = client.get(url.removeprefix("http://localhost"))  # a 404 is not logged either
    assert refused.status_code == 404 and key not in caplog.text


def test_the_openapi_document_lists_the_file_routes(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    body = doc["paths"]["/translate_file"]["post"]["requestBody"]["content"]
    assert list(body) == ["multipart/form-data"]
    schema = doc["components"]["schemas"]["LtTranslateFileRequest"]
    assert set(schema["required"]) == {"file", "target"}
    download = doc["paths"]["/download_file/{filename}"]["get"]["responses"]
    assert "*/*" in download["200"]["content"] and "404" in download


# --- the background jobs the DeepL-style document API runs on --------------------------------

@pytest.fixture()
def jobs(app: Flask) -> Iterator[DocumentJobs]:
    yield services_of(app).documents


def wait_status(jobs: DocumentJobs, doc_id: str, key: str, until: set[str]) -> str:
    end = time.monotonic() + 60
    while time.monotonic() < end:
        status = jobs.status(doc_id, key, None).status
        if status in until:
            return status
        time.sleep(0.02)
    raise AssertionError("the document never finished")


def test_a_background_document_goes_queued_translating_done(jobs: DocumentJobs) -> None:
    done = jobs.submit(None, "berita.docx", article_docx(), "id", "en")
    assert done.record.status == QUEUED and done.record.characters > 0
    with pytest.raises(DocumentNotFound):
        jobs.status(done.record.id, "wrong-key", None)
    assert wait_status(jobs, done.record.id, done.key, {DONE, ERROR}) == DONE
    taken = jobs.download(done.record.id, done.key, None)
    assert taken.record.media_type == DOCX_TYPE
    out = docx.Document(io.BytesIO(taken.data))
    assert out.paragraphs[0].runs[1].text == "SANGAT" and out.paragraphs[0].runs[1].bold
    with pytest.raises(DocumentNotFound):
        jobs.download(done.record.id, done.key, None)


class Broken(EngineWrapper):
    """A model whose every call fails."""

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None,
                 ) -> list[str]:
        raise RuntimeError("the model is broken")


def test_a_background_document_that_fails_reports_its_error(
        settings: Settings, upper: Mapping[str, Engine]) -> None:
    broken = {**upper, "translate_id_en": Broken(upper["translate_id_en"])}
    app = create_app(settings, engines=broken)
    jobs: DocumentJobs = services_of(app).documents
    done = jobs.submit(None, "a.txt", b"Satu desa.\nDua desa.", "id", "en")
    assert wait_status(jobs, done.record.id, done.key, {DONE, ERROR}) == ERROR
    record = jobs.status(done.record.id, done.key, None)
    assert record.error is not None and record.error["code"] == "engine_fault"
    with pytest.raises(DocumentFailed):  # not ready, and never will be
        jobs.download(done.record.id, done.key, None)


def test_a_document_left_live_by_a_stopped_process_is_reported_interrupted(
        settings: Settings, app: Flask, tmp_path: Path) -> None:
    now = [1000.0]
    store = DocumentStore(tmp_path, retention_s=3600, clock=lambda: now[0])
    jobs = DocumentJobs(settings, runtime_of(app), store)
    # Held by a process on another machine: only its lease tells whether it still lives.
    record, key = store.create(None, filename="a.txt", format="txt", media_type="text/plain",
                               source="id", target="en", characters=3, status="translating",
                               lease_owner="another-host:123:456:abc")
    now[0] += settings.jobs.document_lease_s - 1
    assert jobs.status(record.id, key, None).status == "translating"
    store.renew([record.id], "another-host:123:456:abc")  # its process still lives
    now[0] += settings.jobs.document_lease_s - 1
    assert jobs.status(record.id, key, None).status == "translating"
    now[0] += 2  # no renewal for longer than the lease: its process stopped
    status = jobs.status(record.id, key, None)
    assert status.status == ERROR and status.error is not None
    assert status.error["code"] == "document_interrupted"
    # Its retention counts from its end, not from its upload.
    assert status.expires_at == now[0] + 3600


class Gated(EngineWrapper):
    """Upper-cases, once ``release`` is set: until then the background thread stays on its
    first document, and every later upload waits in the queue."""

    def __init__(self, inner: Engine) -> None:
        super().__init__(inner)
        self.entered, self.release = threading.Event(), threading.Event()

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None,
                 ) -> list[str]:
        self.entered.set()
        self.release.wait(60)
        return [t.upper() for t in texts]


def test_one_key_holds_only_its_share_of_the_document_queue(
        settings: Settings, upper: Mapping[str, Engine]) -> None:
    gate = Gated(upper["translate_id_en"])
    keyed = settings.changed(require_api_keys=True, max_queued_documents_per_key=2)
    store = KeyStore(keyed.auth.keys_db)
    (_, mine), (_, other) = store.add("busy"), store.add("other")
    client = create_app(keyed, engines={**upper, "translate_id_en": gate}).test_client()

    def upload(key: str) -> Any:
        return client.post("/v2/document", headers={"Authorization": f"DeepL-Auth-Key {key}"},
                           data={"file": (io.BytesIO(b"Satu desa."), "a.txt"),
                                 "source_lang": "ID", "target_lang": "EN"})

    try:
        assert upload(mine).status_code == 200
        assert gate.entered.wait(60)  # taken from the queue: it holds none of the places
        assert [upload(mine).status_code for _ in range(2)] == [200, 200]
        refused = upload(mine)
        assert refused.status_code == 429, refused.get_json()
        assert refused.get_json()["code"] == "documents_key_busy"
        assert set(refused.get_json()) == {"message", "code"}  # DeepL's shape
        assert int(refused.headers["Retry-After"]) >= 1
        assert upload(other).status_code == 200  # the queue has room for another key
    finally:
        gate.release.set()
    # Once its documents have started, the key has its places back.
    end = time.monotonic() + 60
    while (status := upload(mine).status_code) == 429 and time.monotonic() < end:
        time.sleep(0.05)
    assert status == 200


def test_with_keys_off_the_whole_document_queue_is_the_one_callers(
        settings: Settings, upper: Mapping[str, Engine]) -> None:
    gate = Gated(upper["translate_id_en"])
    app = create_app(settings.changed(max_queued_documents_per_key=2),
                     engines={**upper, "translate_id_en": gate})
    jobs: DocumentJobs = services_of(app).documents
    try:
        jobs.submit(None, "a.txt", b"Satu desa.", "id", "en")
        assert gate.entered.wait(60)
        for _ in range(MAX_QUEUED):
            jobs.submit(None, "a.txt", b"Satu desa.", "id", "en")
        with pytest.raises(Overloaded) as full:
            jobs.submit(None, "a.txt", b"Satu desa.", "id", "en")
        assert full.value.code == "documents_busy"
    finally:
        gate.release.set()


# --- a live server, as a LibreTranslate client uses it ---------------------------------------

def test_translate_file_against_a_live_server(server: str) -> None:
    # libretranslatepy has no file call: requests, as LibreTranslate's own docs show it.
    resp = requests.post(f"{server}/translate_file",
                         files={"file": ("berita.docx", article_docx(), DOCX_TYPE)},
                         data={"source": "id", "target": "en"}, timeout=300)
    assert resp.status_code == 200, resp.text
    url = resp.json()["translatedFileUrl"]
    assert url.startswith(f"{server}/download_file/")
    got = requests.get(url, timeout=60)
    assert got.status_code == 200 and got.headers["Content-Type"] == DOCX_TYPE
    out = docx.Document(io.BytesIO(got.content))
    # Real (tiny) models: the words are noise, but the formatting and structure hold.
    assert [(r.bold, r.italic, r.underline) for r in out.paragraphs[0].runs] == [
        (None, None, None), (True, None, None), (None, None, None), (None, True, None),
        (None, None, True), (None, None, None)]
    assert out.paragraphs[0].runs[-1].text == "."
    assert out.tables[0].cell(1, 0).text == "1.500"
    assert requests.get(url, timeout=60).status_code == 404


def test_a_document_with_more_sentences_than_one_call_takes_is_translated(
        settings: Settings, upper: Mapping[str, Engine]) -> None:
    """More lines than max_sentences: translated in as many calls as it needs, every line."""
    app = create_app(with_limits(settings, max_sentences=20), engines=upper)
    lines = [f"Desa nomor {i} itu kecil." for i in range(50)]
    out = translate_file(app.test_client(), "a.txt", "\n".join(lines).encode())
    assert out.decode().split("\n") == [line.upper() for line in lines]
    # One paragraph alone over the limit could never be done: refused at upload.
    resp = post_file(app.test_client(), "b.txt", " ".join(lines).encode())
    assert resp.status_code == 400 and resp.get_json()["code"] == "too_many_sentences"
