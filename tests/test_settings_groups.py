"""Settings come in groups (server, auth, jobs, engines, features, limits), while every
setting keeps the one name the environment, a config file and a flag give it."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from service.config import ConfigError, Settings
from service.config.settings import GROUPS, env_table


def test_every_setting_belongs_to_one_group_under_one_name() -> None:
    names = [f.name for cls in GROUPS.values() for f in fields(cls)]
    assert len(names) == len(set(names))
    top = {f.name for f in fields(Settings)}
    assert set(GROUPS) <= top and not set(names) & top
    # 65 environment variables, each read into the group that holds its field
    assert len(env_table()) == 65
    assert len({var for _, var, _ in env_table()}) == 65


def test_an_environment_variable_lands_in_its_group() -> None:
    s = Settings.from_env({"RINGKAS_PORT": "9123", "RINGKAS_REDIS_URL": "redis://127.0.0.1:1",
                           "RINGKAS_BATCHING": "0", "RINGKAS_MAX_TEXTS": "3",
                           "RINGKAS_STRATEGIES": "extractive"})
    assert s.server.port == 9123
    assert s.jobs.redis_url == "redis://127.0.0.1:1"
    assert s.engines.batching is False and s.inflight_limit == 1
    assert s.limits.max_texts == 3
    assert s.features.strategies == ("extractive",)


def test_changed_routes_each_name_to_its_group_and_keeps_the_rest() -> None:
    base = Settings.from_env({})
    s = base.changed(port=9001, max_text_chars=10, require_api_keys=True)
    assert (s.server.port, s.limits.max_text_chars, s.auth.require_api_keys) == (9001, 10, True)
    assert s.server.host == base.server.host and s.limits.max_texts == base.limits.max_texts
    assert base.server.port == 8000  # frozen: the original is untouched
    with pytest.raises(TypeError, match="no setting named 'prot'"):
        base.changed(prot=1)


def test_a_config_file_may_group_its_settings(tmp_path: Path) -> None:
    path = tmp_path / "ringkas.toml"
    path.write_text('port = 9200\n[server]\ndrain_timeout_s = 5\n[jobs]\njob_workers = 3\n'
                    '[auth]\nrate_limit = "5/second"\n[limits]\nmax_texts = 7\n')
    s = Settings.from_env({}, config_file=path)
    assert (s.server.port, s.server.drain_timeout_s) == (9200, 5)
    assert (s.jobs.job_workers, s.auth.rate_limit, s.limits.max_texts) == (3, "5/second", 7)


def test_a_setting_in_another_groups_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ringkas.toml"
    path.write_text("[server]\njob_workers = 3\n")
    with pytest.raises(ConfigError, match=r"\[server\] has no setting 'job_workers'"):
        Settings.from_env({}, config_file=path)
