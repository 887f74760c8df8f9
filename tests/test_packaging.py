"""A non-editable install must carry the templates, static files, migrations and translations."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_resources(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("stationfinder-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "stationfinder/__init__.py",
        "stationfinder/templates/base.html",
        "stationfinder/templates/rider/index.html",
        "stationfinder/static/css/app.css",
        "stationfinder/migrations/env.py",
        "stationfinder/translations/zh_Hans_CN/LC_MESSAGES/messages.mo",
    ):
        assert required in names, f"{required} missing from the wheel"
    assert any(n.startswith("stationfinder/migrations/versions/") for n in names)
