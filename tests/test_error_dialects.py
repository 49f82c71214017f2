"""The error table: one error, answered in each API family's dialect."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from service.api import create_app
from service.config import Settings
from service.contract.errors import DIALECTS, error_of
from service.contract.routes import family_of
from service.engine import Engine
from service.errors import InvalidField, Unauthorized


@pytest.mark.parametrize(("path", "family"), [
    ("/v1/summarize", "ringkas"), ("/v1/nope", "ringkas"), ("/v2/translate", "deepl"),
    ("/v2/nope", "deepl"), ("/translate", "libretranslate"), ("/detect", "libretranslate"),
    ("/translate_file", "libretranslate"), ("/health", "ringkas"),
])
def test_each_path_has_one_family(path: str, family: str) -> None:
    assert family_of(path) == family


def test_a_refused_key_in_each_dialect() -> None:
    exc = Unauthorized("missing API key")
    answers = {name: d.answer(exc.status, exc.code, exc.message, details=exc.details,
                              headers=exc.headers, request_id="r1")
               for name, d in DIALECTS.items()}
    assert {n: a.status for n, a in answers.items()} == {
        "ringkas": 401, "deepl": 403, "libretranslate": 403}
    assert answers["ringkas"].body == {"error": {"code": exc.code, "message": "missing API key",
                                                 "request_id": "r1"}}
    assert answers["deepl"].body == {"message": "missing API key", "code": exc.code}
    assert answers["libretranslate"].body == {"error": "missing API key", "code": exc.code}
    # A DeepL client reads a 403, never a challenge.
    assert "WWW-Authenticate" in answers["ringkas"].headers
    assert "WWW-Authenticate" not in answers["deepl"].headers


def test_statuses_that_depend_on_the_code() -> None:
    lt, deepl = DIALECTS["libretranslate"], DIALECTS["deepl"]
    assert lt.answer(413, "text_too_long", "x").status == 400  # LibreTranslate's own limit
    assert lt.answer(413, "request_too_large", "x").status == 413  # the server's byte limit
    assert deepl.answer(409, "document_not_ready", "x").status == 503
    assert deepl.answer(409, "document_failed", "x").status == 409


def test_the_error_object_of_jobs_and_documents_is_ringkas_s_own() -> None:
    exc = InvalidField("text", "text is empty", code="empty_text")
    assert error_of(exc) == {"code": "empty_text", "message": "text is empty",
                             "details": {"field": "text"}}
    ringkas = DIALECTS["ringkas"].answer(exc.status, exc.code, exc.message, details=exc.details)
    assert ringkas.body == {"error": error_of(exc)}


def test_libretranslate_statuses_are_for_its_routes_own_answers(
        settings: Settings, engines: Mapping[str, Engine]) -> None:
    """A refused key on a LibreTranslate route is 403, as LibreTranslate answers; the same
    request with a method no route takes keeps HTTP's 401, as it always has."""
    client = create_app(settings.changed(require_api_keys=True),
                        engines=engines).test_client()
    routed = client.post("/translate", json={"q": "Halo", "source": "id", "target": "en"})
    assert routed.status_code == 403
    assert routed.get_json()["code"] == "missing_api_key"
    unrouted = client.get("/translate")
    assert unrouted.status_code == 401
    assert unrouted.get_json() == {"error": unrouted.get_json()["error"],
                                   "code": "missing_api_key"}
    assert DIALECTS["libretranslate"].answer(401, "x", "m", routed=False).status == 401
    assert DIALECTS["deepl"].answer(401, "x", "m", routed=False).status == 403
