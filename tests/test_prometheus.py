"""GET /metrics exposes the named series after a few requests."""

from __future__ import annotations

from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from service.api import create_app
from service.config import Settings

SHORT_ID = ("Jakarta (ANTARA) - Menteri itu meresmikan pabrik baru di Bogor.\n\n"
            "Pabrik itu mempekerjakan 200 orang dari desa sekitar.")


def samples(client: FlaskClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    resp = client.get("/metrics")
    assert resp.status_code == 200 and resp.mimetype == "text/plain"
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(resp.get_data(as_text=True))
            for s in family.samples}


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
          **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


def test_metrics_after_a_few_requests(settings: Settings) -> None:
    client = create_app(settings).test_client()  # loads the tiny models: load time is real
    assert client.post("/v1/translate", json={"text": SHORT_ID}).status_code == 200
    assert client.post("/v1/summarize", json={"text": SHORT_ID,
                                              "length": "short"}).status_code == 200
    for _ in range(2):
        assert client.post("/v1/summarize", json={"text": SHORT_ID,
                                                  "length": 0}).status_code == 422
    assert client.get("/nowhere").status_code == 404
    found = samples(client)

    assert value(found, "ringkas_request_duration_seconds_count", route="/v1/translate",
                 method="POST", status="200") == 1
    assert value(found, "ringkas_request_duration_seconds_count", route="/v1/summarize",
                 method="POST", status="422") == 2
    assert value(found, "ringkas_request_duration_seconds_count", route="unmatched",
                 method="GET", status="404") == 1
    assert value(found, "ringkas_errors_total", code="invalid_length") == 2
    assert value(found, "ringkas_errors_total", code="not_found") == 1
    # Translation ran for /v1/translate and inside the summary; the summariser once.
    assert value(found, "ringkas_generated_tokens_total", role="translate_id_en") > 0
    assert value(found, "ringkas_generated_tokens_total", role="summarize") > 0
    assert value(found, "ringkas_queue_depth") == 0
    assert value(found, "ringkas_inflight_requests") == 0
    assert value(found, "ringkas_model_load_seconds") > 0
    assert value(found, "ringkas_ready") == 1


def test_token_counts_grow_with_the_work_done(settings: Settings, engines: dict) -> None:
    client = create_app(settings, engines=engines).test_client()
    client.post("/v1/translate", json={"text": "Pabrik itu besar."})
    once = value(samples(client), "ringkas_generated_tokens_total", role="translate_id_en")
    client.post("/v1/translate", json={"text": ["Pabrik itu besar.", "Desa itu kecil."]})
    after = value(samples(client), "ringkas_generated_tokens_total", role="translate_id_en")
    assert once > 0 and after > once


def test_invented_methods_share_one_label(settings: Settings, engines: dict) -> None:
    """A client inventing HTTP methods must not grow /metrics: one series for all of them."""
    client = create_app(settings, engines=engines).test_client()
    before = len(client.get("/metrics").get_data())
    for i in range(300):
        client.open("/v1/translate", method=f"BREW{i}")
    found = samples(client)
    methods = {dict(labels).get("method") for name, labels in found
               if name == "ringkas_request_duration_seconds_count"}
    assert not any(m and m.startswith("BREW") for m in methods)
    assert value(found, "ringkas_request_duration_seconds_count", route="unmatched",
                 method="other", status="405") == 300
    assert len(client.get("/metrics").get_data()) < before + 5_000
