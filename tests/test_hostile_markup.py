"""Markup the parser rejects is a clear 400 on every route that reads markup, never a 500;
an XML document's prolog (declaration, DOCTYPE, comments) and its namespace prefixes come
back as they were, with every text node translated and nothing billed for lost text."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from service.api import create_app
from service.config import Settings
from service.engine import Engine, EngineWrapper, GenerationParams
from service.pipeline.markup import MarkupText

REJECTED = [("html", "<![x kucing"), ("xml", "&#xD800;kucing"), ("xml", "<r>&#xDFFF;</r>")]


class Upper(EngineWrapper):
    """Answers each input in capitals: the output shows what was translated."""

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None,
                 ) -> list[str]:
        return [t.upper() for t in texts]


@pytest.fixture()
def client(settings: Settings, engines: Mapping[str, Engine]) -> FlaskClient:
    upper = {**engines, "translate_id_en": Upper(engines["translate_id_en"])}
    return create_app(settings, engines=upper).test_client()


@pytest.mark.parametrize(("markup", "text"), REJECTED)
def test_deepl_translate_answers_400(client: FlaskClient, markup: str, text: str) -> None:
    resp = client.post("/v2/translate", json={"text": [text], "target_lang": "EN",
                                              "source_lang": "ID", "tag_handling": markup})
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert "cannot be parsed" in resp.get_json()["message"]


@pytest.mark.parametrize("source", ["id", "auto"])
def test_libretranslate_translate_and_detect_answer_400(client: FlaskClient,
                                                        source: str) -> None:
    resp = client.post("/translate", json={"q": "<![x kucing", "source": source,
                                           "target": "en", "format": "html"})
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert "cannot be parsed" in resp.get_json()["error"]


def test_an_html_document_the_parser_rejects_is_refused(client: FlaskClient) -> None:
    for route, fields in (("/translate_file", {"source": "id", "target": "en"}),
                          ("/v2/document", {"source_lang": "ID", "target_lang": "EN"})):
        resp = client.post(route, data={"file": (io.BytesIO(b"<![x kucing"), "berita.html"),
                                        **fields}, content_type="multipart/form-data")
        assert resp.status_code == 400, (route, resp.get_data(as_text=True))


@pytest.mark.parametrize(("text", "expected"), [
    ("<!DOCTYPE r><r>kucing makan</r>", "<!DOCTYPE r><r>KUCING MAKAN</r>"),
    ('<?xml version="1.0"?>\n<r>kucing makan</r>', '<?xml version="1.0"?>\n<r>KUCING MAKAN</r>'),
    ('<?xml version="1.0"?><!DOCTYPE r [<!ELEMENT r ANY>]><!-- catatan --><r>kucing</r>',
     '<?xml version="1.0"?><!DOCTYPE r [<!ELEMENT r ANY>]><!-- catatan --><r>KUCING</r>'),
    ("<x:y>kucing</x:y>", "<x:y>KUCING</x:y>"),
    ('<x:y a:b="1">kucing</x:y> dan <z>anjing</z>', '<x:y a:b="1">KUCING</x:y> DAN <z>ANJING</z>'),
])
def test_xml_prolog_and_prefixes_are_kept(client: FlaskClient, text: str,
                                          expected: str) -> None:
    resp = client.post("/v2/translate", json={"text": [text], "target_lang": "EN",
                                              "source_lang": "ID", "tag_handling": "xml"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.get_json()["translations"][0]["text"] == expected


def test_the_markup_reader_names_the_parser_failure() -> None:
    from service.errors import InvalidMarkup

    with pytest.raises(InvalidMarkup):
        MarkupText("<![x kucing", "html")


# --- lone surrogates in any JSON field -------------------------------------------------------

SURROGATE_BODIES = [
    ("/v1/translate", '{"text": "kucing", "glossary_entries": {"kucing\\ud800": "cat"}}'),
    ("/v1/translate", '{"text": "kucing", "glossary_entries": {"kucing": "cat\\udfff"}}'),
    ("/v1/translate", '{"text": "kucing", "glossary": "desk\\ud800"}'),
    ("/v2/translate", '{"text": ["kucing"], "target_lang": "EN", "source_lang": "ID", '
                      '"glossary_id": "\\ud800"}'),
    ("/v2/glossaries", '{"name": "desk", "source_lang": "id", "target_lang": "en", '
                       '"entries": "kucing\\tcat\\ud800", "entries_format": "tsv"}'),
    ("/v2/glossaries", '{"name": "desk", "source_lang": "id", "target_lang": "en", '
                       '"entries": "kucing,cat\\ud800", "entries_format": "csv"}'),
    ("/v2/glossaries", '{"name": "desk\\ud800", "source_lang": "id", "target_lang": "en", '
                       '"entries": "kucing\\tcat", "entries_format": "tsv"}'),
    ("/translate", '{"q": "kucing", "source": "id", "target": "en", "\\ud800": 1}'),
]


@pytest.mark.parametrize(("route", "body"), SURROGATE_BODIES)
def test_a_lone_surrogate_anywhere_in_a_json_body_is_400(client: FlaskClient, route: str,
                                                         body: str) -> None:
    resp = client.post(route, data=body.encode("utf-8"), content_type="application/json")
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert "surrogate" in resp.get_data(as_text=True)


# --- every HTML parse is guarded, the article's too ------------------------------------------

def test_an_article_the_html_parser_rejects_is_400_on_summarize(client: FlaskClient) -> None:
    resp = client.post("/v1/summarize", json={"text": "<![x Pabrik sepatu itu besar.",
                                              "html": True})
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert resp.get_json()["error"]["code"] == "invalid_markup"


def test_detection_reads_text_the_markup_parser_rejects(client: FlaskClient) -> None:
    """Detection needs the words only: a text that is not valid markup (nor meant as markup,
    with format text) still has a language."""
    resp = client.post("/detect", json={"q": "<![x Pabrik sepatu itu besar."})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    resp = client.post("/translate", json={"q": "kucing <![x makan", "source": "auto",
                                           "target": "en", "format": "text"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert "KUCING" in resp.get_json()["translatedText"]


# --- XML is read strictly: what lxml's recovery would change or drop is refused ---------------

NOT_WELL_FORMED = [
    "</r>kucing <s>anjing</s>",  # a stray end tag: recovery dropped everything
    "<r>kucing</r></r>anjing",
    "Tom & Jerry makan",  # a bare ampersand: recovery dropped it
    "a < b kucing",
    "<<<<<kucing",
    "<1a>kucing</1a>",
    '<r a=1>kucing</r>',
    "<r>kucing",
    "<x:y>kucing</x:z>",
    "<r>kucing</r><!DOCTYPE r><s>anjing</s>",  # a DOCTYPE after the start is not a prolog
    "kucing &nbsp; anjing",  # no DTD is read, so no entity but XML's five
    '<!DOCTYPE r [<!ENTITY e "kucing">]><r>&e; makan</r>',
    "&#xD800 kucing",
]
# Characters XML 1.0 does not allow, raw or as character references.
FORBIDDEN_CHARACTERS = [
    "&#x1;kucing", "&#0;kucing", "&#xFFFE;kucing", "&#x110000;kucing", "&#55296;kucing",
    '<r a="&#x1;">kucing</r>', "\x01kucing", "<r>kucing\x0b</r>", "<!-- \x01 --><r>kucing</r>",
    "kucing\ufffe",
]


def _usage(client: FlaskClient) -> int:
    count: int = client.get("/v2/usage").get_json()["character_count"]
    return count


@pytest.mark.parametrize("text", NOT_WELL_FORMED + FORBIDDEN_CHARACTERS)
def test_xml_that_is_not_well_formed_is_400_and_not_billed(client: FlaskClient,
                                                           text: str) -> None:
    before = _usage(client)
    for source in ({"source_lang": "ID"}, {}):  # detected too
        resp = client.post("/v2/translate", json={"text": [text, "kucing"], "target_lang": "EN",
                                                  "tag_handling": "xml", **source})
        assert resp.status_code == 400, resp.get_data(as_text=True)
        body = resp.get_json()
        assert body["code"] == "invalid_markup"
        assert "not well-formed" in body["message"] and "line 1, column" in body["message"]
    assert _usage(client) == before


@pytest.mark.parametrize(("text", "where"), [
    ("<r>kucing</r>\n<s>a &amp b</s>", "line 2, column 10"),  # where the ";" is missing
    ('<?xml version="1.0"?><r>a & b</r>', "line 1, column 28"),  # just past the "&"
    ("<r>kucing", "line 1, column 10"),  # the end of the text: <r> is not closed
    ('<?xml version="1.0"?>\n<r>\x01</r>', "line 2, column 4"),
    ("\x01", "line 1, column 1"),
])
def test_the_xml_error_names_where_in_the_text(text: str, where: str) -> None:
    from service.errors import InvalidMarkup

    with pytest.raises(InvalidMarkup) as info:
        MarkupText(text, "xml")
    assert where in info.value.message
    assert "ringkas-fragment" not in info.value.message  # the wrapper is ours, not theirs


@pytest.mark.parametrize("text", [
    "\ufeff<!DOCTYPE r><r>kucing makan</r>",  # a byte-order mark before the prolog
    '<!DOCTYPE r [<!ENTITY e "a]b>c">]><r>kucing</r>',  # ] and > inside a literal
    "<!DOCTYPE r [<!-- ]> --><!ELEMENT r ANY>]><r>kucing</r>",
    '<!DOCTYPE r SYSTEM "x>y.dtd"><r>kucing</r>',
    "<!DOCTYPE r [<!ENTITY % p SYSTEM 'http://127.0.0.1:9/x.dtd'> %p;]><r>kucing</r>",
])
def test_an_xml_prolog_comes_back_as_written(client: FlaskClient, text: str) -> None:
    resp = client.post("/v2/translate", json={"text": [text], "target_lang": "EN",
                                              "source_lang": "ID", "tag_handling": "xml"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    out = resp.get_json()["translations"][0]["text"]
    assert out == text.replace("kucing makan", "KUCING MAKAN").replace(
        "<r>kucing</r>", "<r>KUCING</r>")


def test_an_external_entity_is_never_read(client: FlaskClient, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("rahasia negara")
    for text in (f'<!DOCTYPE r [<!ENTITY e SYSTEM "{secret.as_uri()}">]><r>&e; kucing</r>',
                 f'<r xmlns:xi="http://www.w3.org/2001/XInclude">kucing '
                 f'<xi:include href="{secret.as_uri()}" parse="text"/></r>'):
        resp = client.post("/v2/translate", json={"text": [text], "target_lang": "EN",
                                                  "source_lang": "ID", "tag_handling": "xml"})
        assert "rahasia" not in resp.get_data(as_text=True).lower()
