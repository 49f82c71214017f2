"""Resource bounds of documents: markup with more elements than RINGKAS_MAX_DOCUMENT_ELEMENTS
(an element bomb: a small .docx of ten million empty elements, an .html of half a million
tags) is refused from its bytes, before any parser builds a tree, with 413
``too_many_elements`` in DeepL's shape and LibreTranslate's 400."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Mapping, Sequence

import pytest
from flask.testing import FlaskClient

from service.api import create_app
from service.api.runtime import services_of
from service.config import Limits, Settings
from service.documents.document import open_document
from service.documents.formats import count_elements
from service.documents.store import TRANSLATING
from service.engine import Engine, EngineWrapper, GenerationParams
from service.errors import PayloadTooLarge
from service.runtime.documents import Upload
from tests.conftest import with_limits
from tests.test_documents import article_docx, post_file

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def bomb_docx(elements: int) -> bytes:
    """A real DOCX whose body holds ``elements`` empty elements."""
    with zipfile.ZipFile(io.BytesIO(article_docx())) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["word/document.xml"] = (
        f'<w:document xmlns:w="{W}"><w:body><w:p>'.encode() + b"<w:r/>" * elements
        + b"</w:p></w:body></w:document>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def bomb_html(tags: int) -> bytes:
    return b"<html><body>" + b"<b></b>" * tags + b"<p>Desa itu kecil.</p></body></html>"


def test_count_elements_counts_start_tags_across_chunks() -> None:
    markup = b'<?xml version="1.0"?><!-- c --><a><b x="1"/><c>t</c></a>'
    assert count_elements([markup], 100) == 3
    # Split at every place: a "</" or "<!" straddling two chunks is still not an element.
    for i in range(1, len(markup)):
        assert count_elements([markup[:i], markup[i:]], 100) == 3, i
    assert count_elements([b"<a/>" * 1000], 10) <= 1000  # stops early, past the limit


def test_the_ten_million_element_docx_is_refused_before_parsing() -> None:
    data = bomb_docx(10_000_000)
    assert len(data) < 1_000_000  # it compresses to little: its bytes pass the size limit
    with pytest.raises(PayloadTooLarge) as info:
        open_document("bomb.docx", data, Limits())
    assert info.value.code == "too_many_elements"
    assert info.value.details == {"field": "file", "limit": Limits().max_document_elements}


@pytest.fixture()
def client(settings: Settings, engines: Mapping[str, Engine]) -> FlaskClient:
    return create_app(with_limits(settings, max_document_elements=25_000),
                      engines=engines).test_client()


@pytest.mark.parametrize(("name", "data"), [("bomb.docx", bomb_docx(30_000)),
                                            ("bomb.html", bomb_html(30_000))])
def test_an_element_bomb_is_refused_in_each_api_familys_shape(client: FlaskClient,
                                                              name: str, data: bytes) -> None:
    lt = post_file(client, name, data)
    assert lt.status_code == 400 and lt.get_json()["code"] == "too_many_elements"
    assert "25000" in lt.get_json()["error"]
    deepl = client.post("/v2/document", data={"file": (io.BytesIO(data), name),
                                              "target_lang": "EN-US"},
                        content_type="multipart/form-data")
    assert deepl.status_code == 413, deepl.get_json()
    assert "25000" in deepl.get_json()["message"]


def test_a_document_under_the_element_bound_is_translated(client: FlaskClient) -> None:
    # python-docx's own template holds some 18,600 elements (styles): a plain DOCX passes.
    assert post_file(client, "ok.html", bomb_html(20_000)).status_code == 200
    assert post_file(client, "ok.docx", article_docx()).status_code == 200


class _Blocking(EngineWrapper):
    def __init__(self, inner: Engine, release: threading.Event) -> None:
        super().__init__(inner)
        self.release = release

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None,
                 ) -> list[str]:
        self.release.wait(timeout=60)
        return self.inner.generate(texts, params)


def test_a_queued_document_waits_as_its_bytes_not_its_tree(
        settings: Settings, engines: Mapping[str, Engine]) -> None:
    release = threading.Event()
    app = create_app(settings, engines={r: _Blocking(e, release) for r, e in engines.items()})
    jobs = services_of(app).documents
    try:
        first = jobs.submit(None, "a.docx", article_docx(), "id", "en")
        second = jobs.submit(None, "b.docx", article_docx(), "id", "en")
        end = time.monotonic() + 30
        while jobs.status(first.record.id, first.key, None).status != TRANSLATING:
            assert time.monotonic() < end
            time.sleep(0.02)
        waiting = list(jobs._queue.queue)
        assert [r.id for r, _, _ in waiting] == [second.record.id]
        assert waiting[0][1] == Upload("b.docx", article_docx())
    finally:
        release.set()


def test_elements_nested_too_deep_are_refused() -> None:
    deep = b"<html><body>" + b"<i>" * 300 + b"Desa itu kecil.</body></html>"
    with pytest.raises(PayloadTooLarge) as info:
        open_document("deep.html", deep, Limits())
    assert info.value.code == "document_too_deep" and info.value.details["limit"] == 256
    nested = b"<html><body>" + b"<i>" * 200 + b"Desa itu kecil.</body></html>"
    assert open_document("ok.html", nested, Limits()).content.units == ["Desa itu kecil."]
