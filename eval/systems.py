"""Where summaries come from: the pipeline in-process, a running ringkas over HTTP, or a
file of hypotheses from any other system."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol


class System(Protocol):
    name: str

    def summarize(self, doc_id: str, text: str, strategy: str, length: str | int,
                  prompt: str | None = None) -> dict[str, Any]:
        """A /v1/summarize response body (at least {"summary": {"en": ...}})."""
        ...

    def translate(self, texts: Sequence[str],
                  glossary_entries: Mapping[str, str] | None = None) -> dict[str, Any]:
        """A /v1/translate response body for id->en ({"translation": [...], "models"}),
        with ``glossary_entries`` as the request's glossary."""
        ...


class InProcess:
    name = "in-process"

    def __init__(self, pipeline: Any) -> None:
        self.pipeline = pipeline

    def summarize(self, doc_id: str, text: str, strategy: str, length: str | int,
                  prompt: str | None = None) -> dict[str, Any]:
        from service.contract.requests import parse_summarize

        body: dict[str, Any] = {"text": text, "strategy": strategy, "length": length}
        if prompt:
            body["prompt"] = prompt
        from service.config import Limits

        req = parse_summarize(body, Limits(max_text_chars=10**7),
                              self.pipeline.strategies).resolve(None, None)
        from service.contract.serialize import summary_json

        result = summary_json(self.pipeline.summarize(req), req)
        return result

    def translate(self, texts: Sequence[str],
                  glossary_entries: Mapping[str, str] | None = None) -> dict[str, Any]:
        from service.glossary import GlossaryPolicy, Terms
        from service.pipeline.requests import TranslateRequest

        glossary = (GlossaryPolicy((Terms("id", "en", tuple(glossary_entries.items())),))
                    if glossary_entries else None)
        req = TranslateRequest(texts=tuple(texts), source="id", target="en", single=False,
                               glossary=glossary)
        from service.contract.serialize import translation_json

        result = translation_json(self.pipeline.translate(req))
        return result


class Http:
    """A running ringkas service (``--service URL``), through :mod:`service.client`."""

    name = "http"

    def __init__(self, base_url: str, timeout: float = 600.0, api_key: str | None = None
                 ) -> None:
        from service.client import RingkasClient

        # Overload answers are retried: an eval run should wait out a busy service.
        self.client = RingkasClient(base_url, api_key=api_key, timeout=timeout, retries=5)

    def summarize(self, doc_id: str, text: str, strategy: str, length: str | int,
                  prompt: str | None = None) -> dict[str, Any]:
        return self.client.summarize(text, strategy=strategy, length=length,
                                     prompt=prompt).to_json()

    def translate(self, texts: Sequence[str],
                  glossary_entries: Mapping[str, str] | None = None) -> dict[str, Any]:
        return self.client.translate(list(texts), source="id", target="en",
                                     glossary_entries=glossary_entries).to_json()

    def strategies(self) -> list[str]:
        served: list[str] = self.client.models()["strategies"]
        return served


class Hypotheses:
    """Given outputs, scored without running any model. JSONL lines of
    {"doc_id": ..., "summary": "...", "strategy"?: "..."}; a missing strategy is "external"."""

    name = "hypotheses"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.by_key: dict[tuple[str, str], str] = {}
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                key = (str(row.get("strategy", "external")), str(row["doc_id"]))
                self.by_key[key] = str(row["summary"])
            except (ValueError, KeyError, AttributeError):
                raise ValueError(f"{path}:{n}: expected {{\"doc_id\", \"summary\"}}") from None

    @property
    def strategies(self) -> list[str]:
        return sorted({s for s, _ in self.by_key})

    def summarize(self, doc_id: str, text: str, strategy: str, length: str | int,
                  prompt: str | None = None) -> dict[str, Any]:
        if (strategy, doc_id) not in self.by_key:
            raise KeyError(f"{self.path} has no summary for {doc_id} ({strategy})")
        return {"summary": {"en": self.by_key[(strategy, doc_id)]}, "models": [],
                "strategy": strategy}

    def translate(self, texts: Sequence[str],
                  glossary_entries: Mapping[str, str] | None = None) -> dict[str, Any]:
        raise NotImplementedError("a hypotheses file holds summaries only")
