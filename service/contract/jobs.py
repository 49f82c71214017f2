"""Parsing ``POST /v1/jobs``: each item is validated as its own endpoint would validate it.

A bad item does not reject the job: it is recorded at once as a failed item carrying the
very error (code, message, details) ``/v1/summarize`` or ``/v1/translate`` would have
answered, and the other items run. A newsroom feeding an archive wants the 999 good articles
summarised, not the batch refused for one empty file. Only a job that cannot run at all (no
items, too many, no valid item, a refused webhook) is answered with an error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.config import Limits
from service.contract.errors import error_of
from service.contract.glossary_asks import GlossaryAsk
from service.contract.requests import parse_summarize, parse_translate
from service.contract.spec import Field, ObjectSpec, SpecContext
from service.errors import InvalidField, MalformedRequest, PayloadTooLarge, RingkasError
from service.glossary.store import GlossaryStore
from service.glossary.terms import GlossaryPolicy, Matchers, Terms
from service.jobs.model import KINDS, Item, JobRequest
from service.jobs.webhook import check_webhook
from service.text.encoding import refuse_surrogates, unpaired_surrogate

MAX_REF_CHARS = 200
# Where a stored item keeps its glossary, resolved at submit time (a job runs with the
# glossary as it was then, whichever worker runs it); never part of a client's body.
FROZEN_GLOSSARY = "_glossary"
_ALIASES = {"summarise": "summarize"}

JOB = ObjectSpec("JobRequest", "Many summarise/translate requests, run in the background.", {
    "items": Field({"type": "array", "minItems": 1,
                    # Any JSON per item: a bad one fails alone, not the job.
                    "items": {"description": "A /v1/summarize body, or a "
                              "/v1/translate body with \"kind\": \"translate\"; \"id\" (a "
                              "string) is echoed back. An invalid item fails alone."}},
                   "The requests.", required=True,
                   message="items must be a non-empty list of summarize or translate requests"),
    "webhook": Field({"type": "string", "format": "uri"},
                     "Called (POST) when the job finishes; its host must be allow-listed "
                     "(RINGKAS_WEBHOOK_HOSTS).", code="invalid_webhook",
                     type_code="invalid_webhook", message="webhook must be a URL string"),
})


class NoValidItems(RingkasError):
    status = 422
    default_code = "no_valid_items"


@dataclass(frozen=True)
class ParsedItem:
    """An item as parsed; its glossary (if it asks for one) is still to be looked up."""

    item: Item
    glossary: GlossaryAsk | None = None

    def resolve(self, store: GlossaryStore | None, owner: str | None) -> Item:
        """The item as stored: its glossary frozen in its body (a job runs with the
        glossary as it was at submit), or its error when the glossary is not found."""
        if self.glossary is None:
            return self.item
        try:
            found = self.glossary.resolve(store, owner)
        except RingkasError as exc:
            return Item(self.item.index, self.item.kind, {}, self.item.ref, error_of(exc))
        request = {k: v for k, v in self.item.request.items()
                   if k not in ("glossary", "glossary_entries")}
        request[FROZEN_GLOSSARY] = freeze_glossary(found)
        return dataclasses.replace(self.item, request=request)


@dataclass(frozen=True)
class ParsedJob:
    items: tuple[ParsedItem, ...]
    webhook: str | None

    def resolve(self, store: GlossaryStore | None, owner: str | None) -> JobRequest:
        """The job as submitted, each item's glossary looked up for the caller ``owner``;
        NoValidItems when no item is left valid."""
        items = tuple(p.resolve(store, owner) for p in self.items)
        _some_valid(items)
        return JobRequest(items, self.webhook)


def _some_valid(items: Sequence[Item]) -> None:
    if all(it.error for it in items):
        raise NoValidItems("no item of the job is valid; each item's error is in details",
                           details={"errors": [{"index": it.index, **(it.error or {})}
                                               for it in items[:20]]})


def parse_job(body: Any, limits: Limits, strategies: Mapping[str, object],
              webhook_hosts: Sequence[str]) -> ParsedJob:
    body = JOB.validate(body, SpecContext(limits, tuple(strategies)))
    raw = body["items"]
    if len(raw) > limits.max_job_items:
        raise PayloadTooLarge(f"items has {len(raw)} entries; the limit is "
                              f"{limits.max_job_items}", code="too_many_items",
                              details={"field": "items", "limit": limits.max_job_items})
    webhook = body.get("webhook")
    if webhook is not None:
        webhook = check_webhook(webhook, webhook_hosts)
    items = tuple(parse_item(i, value, limits, strategies) for i, value in enumerate(raw))
    _some_valid([p.item for p in items])  # before any glossary is looked up
    return ParsedJob(items, webhook)


def parse_item(index: int, value: Any, limits: Limits,
               strategies: Mapping[str, object]) -> ParsedItem:
    """One item; its validation error, if any, is kept in ``Item.error``."""
    kind: str = "summarize"
    ref: str | None = None
    request: Any = value
    try:
        if not isinstance(value, Mapping):
            raise MalformedRequest("an item must be a JSON object", code="not_an_object")
        request = {k: v for k, v in value.items() if k not in ("kind", "id")}
        given = value.get("kind", kind)
        kind = _ALIASES.get(given, given) if isinstance(given, str) else "?"
        if kind not in KINDS:
            raise InvalidField("kind", f"kind must be one of {', '.join(KINDS)}",
                               code="unknown_kind")
        ref = value.get("id")
        if ref is not None and (not isinstance(ref, str) or not 0 < len(ref) <= MAX_REF_CHARS):
            ref = None
            raise InvalidField("id", f"id must be a string of 1 to {MAX_REF_CHARS} characters",
                               code="invalid_type")
        if ref is not None and unpaired_surrogate(ref):
            ref = None  # never stored or echoed: the item's error says why
            raise InvalidField("id", "id contains an unpaired UTF-16 surrogate",
                               code="invalid_encoding")
        refuse_surrogates(request)  # this item fails alone, as each item does
        if kind == "summarize":
            glossary = parse_summarize(request, limits, strategies).glossary
        else:
            glossary = parse_translate(request, limits).glossary
    except RingkasError as exc:
        return ParsedItem(Item(index, kind if kind in KINDS else "summarize", {}, ref,
                               error_of(exc)))
    return ParsedItem(Item(index, kind, request, ref), glossary)


def freeze_glossary(glossary: GlossaryPolicy) -> dict[str, Any]:
    return {"name": glossary.name,
            "dictionaries": [{"source_lang": t.source_lang, "target_lang": t.target_lang,
                              "entries": [list(e) for e in t.entries]}
                             for t in glossary.dictionaries]}


def thaw_glossary(frozen: Mapping[str, Any], matchers: Matchers | None = None) -> GlossaryPolicy:
    """``frozen``'s glossary; its matchers from ``matchers`` (the store's) where given, so
    that the items of a job share one per dictionary."""
    name = frozen.get("name")
    make = matchers.terms if matchers is not None else Terms
    return GlossaryPolicy(tuple(make(d["source_lang"], d["target_lang"],
                                     tuple((s, t) for s, t in d["entries"]), name)
                                for d in frozen["dictionaries"]), name)
