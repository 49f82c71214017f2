"""Which package may import which: checked in a fresh interpreter, since the test session
itself has imported everything already."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def imported_by(module: str, roots: tuple[str, ...]) -> list[str]:
    """The modules under ``roots`` that importing ``module`` loads."""
    code = (f"import json, sys, {module}\n"
            f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {roots!r})))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, timeout=120, check=True)
    found: list[str] = json.loads(result.stdout)
    return found


def test_the_pipeline_knows_nothing_of_http_or_json_schema() -> None:
    # The CLI, the jobs workers and the evaluation run it without a web framework.
    assert imported_by("service.pipeline", ("jsonschema", "flask", "werkzeug")) == []


@pytest.mark.parametrize("module", ["service", "service.api", "service.cli"])
def test_service_does_not_import_eval(module: str) -> None:
    # eval depends on service, never the other way round (``ringkas eval`` loads it lazily).
    assert imported_by(module, ("eval",)) == []


def test_the_webhook_sender_needs_no_request_validation() -> None:
    # It checks a stored URL's text; the contract (jsonschema) is for parsing requests.
    assert imported_by("service.jobs.webhook", ("jsonschema", "flask")) == []
