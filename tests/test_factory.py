import gc

from flask import Flask

import stationfinder
from stationfinder import create_app
from stationfinder.config import ConfigError


def test_config_defaults(monkeypatch, tmp_path):
    for key in ("DATABASE_URL", "SECRET_KEY", "APP_ENV", "TIMEZONE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    # A served app freezes the process's heap (settle_memory): not the test process's.
    monkeypatch.setattr(stationfinder, "settle_memory", lambda app: None)
    app = create_app()
    assert app.config["TIMEZONE"] == "Asia/Shanghai"
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/stationfinder.sqlite")
        or "instance" in (app.config["SQLALCHEMY_DATABASE_URI"])
    )
    assert app.config["SECRET_KEY"] == (tmp_path / "instance" / "secret_key").read_text()
    assert not app.testing


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/x")
    monkeypatch.setenv("TIMEZONE", "Asia/Urumqi")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://sf.example.cn/")
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/x"
    assert app.config["TIMEZONE"] == "Asia/Urumqi"
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Urumqi"
    assert app.config["PUBLIC_BASE_URL"] == "https://sf.example.cn"


def test_production_requires_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    try:
        create_app()
    except ConfigError as exc:
        assert "SECRET_KEY" in str(exc)
    else:
        raise AssertionError("production app started without SECRET_KEY")


def test_test_config_wins(app):
    assert app.testing
    assert app.config["PUBLIC_BASE_URL"] == "http://sf.test"


def test_a_served_app_keeps_its_start_up_objects_out_of_garbage_collection(tmp_path):
    config = {"DATABASE_URL": f"sqlite:///{tmp_path / 'gc.sqlite'}", "SECRET_KEY": "x" * 32}
    gc.unfreeze()
    try:
        create_app(config)
        assert gc.get_freeze_count() > 0
        gc.unfreeze()
        create_app(config | {"TESTING": True})
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
