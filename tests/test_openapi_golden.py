"""The served /openapi.json is held against a committed copy: moving code between packages
must not change a route, a field or an error shape that clients rely on.

When the contract changes on purpose, write the new copy with
``RINGKAS_WRITE_GOLDEN=1 python -m pytest tests/test_openapi_golden.py`` and review its diff
like any other change."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from service.api import create_app
from service.config import Settings
from service.engine import Engine

GOLDEN = Path(__file__).resolve().parent / "golden" / "openapi.json"


def served_document(settings: Settings, engines: Mapping[str, Engine]) -> dict[str, Any]:
    app = create_app(settings, engines=engines)
    doc: dict[str, Any] = app.test_client().get("/openapi.json").get_json()
    doc["info"].pop("version", None)  # the release number moves on its own
    return doc


def test_the_served_contract_matches_the_committed_copy(
        settings: Settings, engines: Mapping[str, Engine]) -> None:
    if os.environ.get("RINGKAS_WRITE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(served_document(settings, engines), indent=1,
                                     sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert served_document(settings, engines) == expected
