"""A request field left out takes the default /openapi.json states for it: the spec fills
it in, so no parse function keeps a second copy of a default."""

from __future__ import annotations

import pytest

from service.config import Limits
from service.contract.libretranslate import LT_TRANSLATE
from service.contract.requests import SUMMARIZE, TRANSLATE, parse_summarize, parse_translate
from service.contract.spec import ObjectSpec, SpecContext
from service.pipeline.strategies import STRATEGIES

CTX = SpecContext(Limits(), tuple(STRATEGIES))


@pytest.mark.parametrize(("spec", "body"), [
    (SUMMARIZE, {"text": "Presiden berpidato."}),
    (TRANSLATE, {"text": "Presiden berpidato."}),
    (LT_TRANSLATE, {"q": "Presiden berpidato.", "target": "en"}),
])
def test_absent_fields_take_the_documented_default(spec: ObjectSpec, body: dict[str, str]
                                                   ) -> None:
    documented = {name: schema["default"] for name, schema in
                  spec.json_schema(CTX)["properties"].items() if "default" in schema}
    assert documented  # each of these specs states some
    checked = spec.validate(body, CTX)
    assert {k: v for k, v in checked.items() if k not in body} == documented
    assert spec.validate({**body, **{k: v for k, v in documented.items()}}, CTX) == checked


def test_a_default_handed_out_is_a_copy() -> None:
    first = SUMMARIZE.validate({"text": "Presiden berpidato."}, CTX)
    first["languages"].append("id")
    assert SUMMARIZE.validate({"text": "Presiden berpidato."}, CTX)["languages"] == ["en"]


def test_the_parsed_requests_carry_the_defaults() -> None:
    req = parse_summarize({"text": "Presiden berpidato di Jakarta."}, Limits(),
                          STRATEGIES).resolve(None, None)
    assert (req.length.preset, req.strategy, req.languages, req.html) == (
        "medium", "translate-summarise", ("en",), False)
    treq = parse_translate({"text": "Presiden berpidato."}, Limits()).resolve(None, None)
    assert (treq.source, treq.target) == ("id", "en")
