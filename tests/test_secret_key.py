"""Without SECRET_KEY a random key is made once per instance folder; production still refuses to start."""

import logging
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask

import stationfinder
from stationfinder import config, create_app
from stationfinder.config import ConfigError

OLD_CONSTANT = "dev-only-insecure-secret-key-change-me"


@pytest.fixture
def no_secret(monkeypatch, tmp_path):
    """Unset SECRET_KEY and APP_ENV, and put the instance folder in tmp_path; return that folder."""
    for key in ("SECRET_KEY", "APP_ENV", "DATABASE_URL"):
        monkeypatch.delenv(key, raising=False)
    instance = tmp_path / "instance"
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(instance))
    return instance


def make(tmp_path, **extra):
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'k.sqlite'}", **extra})


def test_two_apps_on_one_instance_folder_share_one_random_key(no_secret, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        first = make(tmp_path)
    second = make(tmp_path)
    key = first.config["SECRET_KEY"]
    assert key == second.config["SECRET_KEY"] == (no_secret / "secret_key").read_text()
    assert len(bytes.fromhex(key)) == 32
    assert stat.S_IMODE((no_secret / "secret_key").stat().st_mode) == 0o600
    assert any("SECRET_KEY is not set" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")


def test_each_instance_folder_gets_its_own_key(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert config.instance_secret_key(str(tmp_path / "a")) != config.instance_secret_key(str(tmp_path / "b"))


def test_workers_racing_at_start_up_all_get_the_same_key(tmp_path):
    with ThreadPoolExecutor(max_workers=16) as pool:
        keys = set(pool.map(lambda _: config.instance_secret_key(str(tmp_path)), range(64)))
    assert keys == {(tmp_path / "secret_key").read_text()}


def test_an_unusable_key_file_is_refused(tmp_path):
    (tmp_path / "secret_key").write_text("short")
    with pytest.raises(ConfigError, match="no usable key"):
        config.instance_secret_key(str(tmp_path))


def test_the_old_constant_is_gone_from_the_source():
    package = Path(stationfinder.__file__).parent
    assert not hasattr(config, "DEV_SECRET_KEY")
    assert not [p for p in package.rglob("*.py") if OLD_CONSTANT in p.read_text(encoding="utf-8")]


def test_production_refuses_to_start_without_a_key_and_writes_none(no_secret, tmp_path, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        make(tmp_path)
    assert not (no_secret / "secret_key").exists()


def test_a_configured_key_is_used_and_no_file_is_written(no_secret, tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment-0123456789abcdef")
    assert make(tmp_path).config["SECRET_KEY"] == "from-the-environment-0123456789abcdef"
    assert not (no_secret / "secret_key").exists()
