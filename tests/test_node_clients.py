"""Node clients nobody at ringkas wrote, unchanged, against a live ringkas: DeepL's
deepl-node and the npm ``libretranslate`` client, keys off and on. Their pinned versions
are in tests/clients/node/package.json (installed by ``make node-clients``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from tests.conftest import REPO, KeyedServer

NODE_DIR = REPO / "tests" / "clients" / "node"

if shutil.which("node") is None or not (NODE_DIR / "node_modules").is_dir():
    pytest.skip("needs node and `make node-clients` (tests/clients/node/node_modules)",
                allow_module_level=True)


def node(script: str, *args: str) -> dict[str, Any]:
    out = subprocess.run(["node", str(NODE_DIR / script), *args], capture_output=True,
                         text=True, timeout=240, cwd=NODE_DIR)
    assert out.returncode == 0, out.stderr
    found: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


@pytest.fixture(scope="module")
def desk_key(keyed_server: KeyedServer) -> str:
    return keyed_server.add_key("node clients")[1]


def test_the_npm_libretranslate_client_translates_keys_off(server: str) -> None:
    assert isinstance(node("libretranslate_client.mjs", server).get("translated"), str)


def test_the_npm_libretranslate_client_translates_with_a_key(keyed_server: KeyedServer,
                                                            desk_key: str) -> None:
    """It lists the languages without its key, then sends the key as apiKey."""
    good = node("libretranslate_client.mjs", keyed_server.base, desk_key)
    assert isinstance(good.get("translated"), str), good
    wrong = node("libretranslate_client.mjs", keyed_server.base, "rk_not-a-key")
    # a refused key: the client returns the 403 body's missing translatedText (undefined)
    assert wrong == {}


def _check_deepl(found: dict[str, Any], limit: int) -> None:
    assert isinstance(found["translate"]["text"], str), found
    assert found["translate"]["detected"] == "id"
    assert found["usage"]["limit"] == limit and "Unknown" not in found["usage"]["text"]
    assert set(found["sources"]) == {"en", "id"}
    assert found["glossary"]["listed"] is True, found
    assert found["glossary"]["entries"] == {"Presiden": "President"}
    assert found["v3"] == {"listed": True, "pairs": 2, "back": "string",
                           "entries": {"Presiden": "President", "Desa": "Village"}}, found
    assert "no rephrasing model" in found["rephrase"]["error"], found


def test_deepl_node_keys_off(server: str) -> None:
    _check_deepl(node("deepl_client.mjs", server, "any-key"), 1_000_000_000_000)


def test_deepl_node_with_a_key(keyed_server: KeyedServer) -> None:
    _, metered = keyed_server.add_key("node metered", char_limit=5000)
    _check_deepl(node("deepl_client.mjs", keyed_server.base, metered), 5000)
    refused = node("deepl_client.mjs", keyed_server.base, "rk_not-a-key")
    assert refused["translate"]["error"].startswith("AuthorizationError"), refused
