"""A glossary is looked up in a step after parsing: parsing checks only the fields' form,
and the request itself is reached only through resolve, so a glossary is never dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.config import Limits
from service.contract.deepl import parse_deepl_translate
from service.contract.glossary_asks import GlossaryById, NamedGlossary
from service.contract.jobs import FROZEN_GLOSSARY, parse_job
from service.contract.requests import parse_summarize, parse_translate
from service.errors import InvalidField
from service.glossary.store import GlossaryStore
from service.pipeline.strategies import STRATEGIES


@pytest.fixture()
def store(tmp_path: Path) -> GlossaryStore:
    folder = tmp_path / "glossaries"
    folder.mkdir()
    (folder / "desk.id-en.tsv").write_text("Presiden\tPresident Joko\n", encoding="utf-8")
    return GlossaryStore(folder)


def test_parsing_never_looks_a_glossary_up() -> None:
    parsed = parse_translate({"text": "Presiden berpidato.", "glossary": "desk"}, Limits())
    assert parsed.glossary == NamedGlossary(("id", "en"), "desk")
    with pytest.raises(InvalidField) as caught:
        parsed.resolve(None, None)  # nowhere to look: not found, never ignored
    assert (caught.value.code, caught.value.details["field"]) == ("glossary_not_found",
                                                                  "glossary")


def test_resolve_finds_the_glossary_for_the_requests_pair(store: GlossaryStore) -> None:
    req = parse_translate({"text": "Presiden berpidato.", "glossary": "desk",
                           "glossary_entries": {"berpidato": "spoke"}},
                          Limits()).resolve(store, None)
    assert req.glossary is not None
    terms = req.glossary.for_pair("id", "en")
    assert terms is not None and dict(terms.entries) == {"Presiden": "President Joko",
                                                         "berpidato": "spoke"}
    with pytest.raises(InvalidField, match="no en->id entries") as caught:
        parse_translate({"text": "The president spoke.", "source": "en", "target": "id",
                         "glossary": "desk"}, Limits()).resolve(store, None)
    assert caught.value.code == "glossary_language_mismatch"


def test_a_malformed_inline_entry_is_a_parse_error() -> None:
    with pytest.raises(InvalidField) as caught:
        parse_summarize({"text": "Presiden berpidato.", "glossary_entries": {"": "x"}},
                        Limits(), STRATEGIES)
    assert caught.value.details["field"] == "glossary_entries"


def test_deepl_glossary_id_needs_source_lang_when_parsed() -> None:
    body = {"text": ["Presiden berpidato."], "target_lang": "EN", "glossary_id": "g1"}
    with pytest.raises(InvalidField, match="source_lang is required"):
        parse_deepl_translate(body, Limits())
    parsed = parse_deepl_translate({**body, "source_lang": "ID"}, Limits())
    assert parsed.glossary == GlossaryById("g1", ("id", "en"))
    with pytest.raises(InvalidField) as caught:
        parsed.resolve(None, None)
    assert caught.value.details["field"] == "glossary_id"


def test_a_job_item_whose_glossary_is_missing_fails_alone(store: GlossaryStore) -> None:
    items = [{"kind": "translate", "text": "Presiden berpidato.", "glossary": "desk"},
             {"kind": "translate", "text": "Presiden berpidato.", "glossary": "nope"}]
    job = parse_job({"items": items}, Limits(), STRATEGIES, ()).resolve(store, None)
    good, bad = job.items
    assert good.error is None and "glossary" not in good.request
    assert good.request[FROZEN_GLOSSARY]["name"] == "desk"  # frozen as it is now
    assert bad.error is not None and bad.error["code"] == "glossary_not_found"
    with pytest.raises(Exception, match="no item of the job is valid"):
        parse_job({"items": items[1:]}, Limits(), STRATEGIES, ()).resolve(store, None)


def test_a_jobs_items_share_the_stores_matchers(tmp_path: Path) -> None:
    """A job's glossary is frozen at submission and thawed per item: with the store's
    matchers, every item uses one automaton per dictionary instead of building its own."""
    from service.contract.jobs import freeze_glossary, thaw_glossary

    store = GlossaryStore(None, tmp_path)
    store.create("desk", "id", "en", "kucing\tcat\nanjing\tdog\n")
    frozen = freeze_glossary(NamedGlossary(("id", "en"), "desk").resolve(store, None))
    items = [thaw_glossary(frozen, store.matchers).dictionaries[0] for _ in range(3)]
    assert items[0].matcher is not None
    assert all(t.matcher is items[0].matcher for t in items)
    alone = thaw_glossary(frozen).dictionaries[0]  # without a store: its own, equal in use
    assert alone.matcher is not items[0].matcher
    assert alone.substitute("kucing anjing") == items[0].substitute("kucing anjing") == "cat dog"
