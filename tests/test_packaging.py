"""Every install carries the templates, static files, migrations and compiled Chinese catalogues.

The builds start from the sdist: like a fresh clone, it has the .po files and no .mo, so any
catalogue in the result was compiled by the build itself (hatch_build.py), not left by `make`.
"""

import gettext
import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from hatch_build import CatalogueError, compile_catalogues

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = "stationfinder/translations/zh_Hans_CN/LC_MESSAGES/messages"
# Environment that would change what the installed app serves.
APP_ENVIRONMENT = ("APP_ENV", "DATABASE_URL", "SECRET_KEY", "REDIS_URL", "PUBLIC_BASE_URL", "PYTHONPATH")

# Run inside the installed copy: the first station's poster page and the rider page, as served.
SERVE = """
import json, sys
import sqlalchemy as sa
import stationfinder
from stationfinder import create_app
from stationfinder.extensions import db
from stationfinder.models import Station
from stationfinder.services.posters import tokens as posters

app = create_app()
with app.app_context():
    station = db.session.scalars(sa.select(Station).order_by(Station.id).limit(1)).one()
    token = posters.current_poster(station).token
    db.session.commit()
client = app.test_client()
pages = {name: client.get(path) for name, path in (("rider", "/"), ("checkin", f"/c/{token}"))}
json.dump(
    {
        "package": stationfinder.__file__,
        "pages": {name: [r.status_code, r.get_data(as_text=True)] for name, r in pages.items()},
    },
    sys.stdout,
)
"""


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    """Run a command; on failure show its output, which check=True alone would hide."""
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def sdist(tmp_path_factory) -> Path:
    """Build the sdist of the checkout: like a fresh clone, it holds the .po files and no .mo."""
    out = tmp_path_factory.mktemp("sdist")
    run(sys.executable, "-c", "import sys, hatchling.build as b; b.build_sdist(sys.argv[1])", out, cwd=ROOT)
    (path,) = out.glob("stationfinder-*.tar.gz")
    return path


@pytest.fixture(scope="module")
def source(sdist, tmp_path_factory) -> Path:
    """Unpack the sdist and return its project folder."""
    out = tmp_path_factory.mktemp("source")
    with tarfile.open(sdist) as tar:
        tar.extractall(out, filter="data")
    (folder,) = out.iterdir()
    return folder


@pytest.fixture(scope="module")
def wheel(sdist, tmp_path_factory) -> Path:
    """Build the wheel from the sdist, offline, with the test venv's hatchling and Babel."""
    out = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", out, sdist)
    (path,) = out.glob("stationfinder-*.whl")
    return path


def make_venv(path: Path) -> Path:
    """Create an empty venv that borrows the test venv's packages (no network); return its python."""
    run(sys.executable, "-m", "venv", "--without-pip", path)
    python = path / "bin" / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    # Appended after the venv's own site-packages, so the copy under test wins over the checkout's.
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "zz_test_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return python


def pip_install(python: Path, *args) -> None:
    """Install into another venv with this venv's pip, offline and without dependencies."""
    # --ignore-installed: the checkout's own editable stationfinder is visible through the .pth.
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "-q",
        "--no-deps",
        "--no-index",
        "--ignore-installed",
        *args,
    )


def serve_pages(python: Path, workdir: Path) -> dict:
    """Follow the README on a SQLite file (db upgrade, demo stations) and fetch `/` and `/c/<token>`."""
    env = {k: v for k, v in os.environ.items() if k not in APP_ENVIRONMENT}
    env.update(
        DATABASE_URL=f"sqlite:///{workdir / 'sf.sqlite'}", SECRET_KEY="packaging-test-key-0123456789abcdef"
    )
    for command in (("db", "upgrade"), ("demo",)):
        run(python, "-m", "flask", "--app", "stationfinder", *command, cwd=workdir, env=env)
    return json.loads(run(python, "-c", SERVE, cwd=workdir, env=env).stdout)


def assert_chinese(served: dict) -> None:
    """Both pages answer in Chinese although nothing asked for a language."""
    status, rider = served["pages"]["rider"]
    assert status == 200
    assert '<html lang="zh-CN">' in rider
    assert "查找附近驿站" in rider and "Find stations near me" not in rider
    status, checkin = served["pages"]["checkin"]
    assert status == 200
    assert ">签到<" in checkin and ">Check in<" not in checkin


def test_sdist_ships_sources_not_compiled_catalogues(sdist):
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert f"{CATALOGUE}.po" in names
    assert "hatch_build.py" in names
    assert f"{CATALOGUE}.mo" not in names


def test_wheel_contains_resources(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for required in (
        "stationfinder/__init__.py",
        "stationfinder/templates/base.html",
        "stationfinder/templates/rider/index.html",
        "stationfinder/static/css/app.css",
        "stationfinder/migrations/env.py",
        f"{CATALOGUE}.mo",
    ):
        assert required in names, f"{required} missing from the wheel"
    assert any(n.startswith("stationfinder/migrations/versions/") for n in names)
    assert not [n for n in names if n.endswith(".tmp")]


def test_wheel_ships_no_benchmark_code(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = [n for n in names if n.endswith("entry_points.txt")]
        assert all("benchmarks" not in archive.read(n).decode() for n in entry_points)
    # The seeding (benchmarks/seeding/) stays in the checkout; so do the benchmarks themselves.
    assert not [n for n in names if n.startswith("benchmarks/") or "bench" in n.rsplit("/", 1)[-1]]
    assert not [n for n in names if n.endswith(("rollups_bulk.py", "bench_data.py"))]


def test_wheel_catalogue_translates(wheel, tmp_path):
    mo = tmp_path / "messages.mo"
    with zipfile.ZipFile(wheel) as archive:
        mo.write_bytes(archive.read(f"{CATALOGUE}.mo"))
    with mo.open("rb") as f:
        assert gettext.GNUTranslations(f).gettext("Check in") == "签到"


def test_installed_wheel_serves_chinese_by_default(wheel, tmp_path):
    python = make_venv(tmp_path / "venv")
    pip_install(python, wheel)
    served = serve_pages(python, tmp_path)
    assert Path(served["package"]).is_relative_to(tmp_path / "venv")
    assert_chinese(served)


def test_editable_install_serves_chinese_by_default(source, tmp_path):
    assert not (source / f"{CATALOGUE}.mo").exists()
    python = make_venv(tmp_path / "venv")
    pip_install(python, "--no-build-isolation", "-e", source)
    assert (source / f"{CATALOGUE}.mo").is_file()
    served = serve_pages(python, tmp_path)
    assert Path(served["package"]).is_relative_to(source)
    assert_chinese(served)


def write_po(root: Path, body: str, header_flags: str = "") -> Path:
    """Write a one-entry catalogue where the build looks for them; return its path."""
    po = root / f"{CATALOGUE}.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        f'{header_flags}msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n{body}'
    )
    return po


def test_build_compiles_a_good_catalogue(tmp_path):
    po = write_po(tmp_path, 'msgid "%(time)s: checked in"\nmsgstr "%(time)s 签到成功"\n')
    assert compile_catalogues(tmp_path) == [po.with_suffix(".mo")]
    with po.with_suffix(".mo").open("rb") as f:
        assert gettext.GNUTranslations(f).gettext("%(time)s: checked in") == "%(time)s 签到成功"
    assert sorted(p.name for p in po.parent.iterdir()) == ["messages.mo", "messages.po"]


@pytest.mark.parametrize(
    "body, header_flags, why",
    [
        # The page would raise KeyError: 'tme' in Chinese only.
        ('msgid "%(time)s: checked in"\nmsgstr "%(tme)s 签到成功"\n', "", "tme"),
        # pybabel compile skips such a catalogue with an info line, and the site is English.
        ('msgid "Check in"\nmsgstr "签到"\n', "#, fuzzy\n", "fuzzy"),
    ],
    ids=["unknown-placeholder", "fuzzy-header"],
)
def test_build_refuses_a_catalogue_that_would_break_the_chinese_site(tmp_path, body, header_flags, why):
    po = write_po(tmp_path, body, header_flags)
    with pytest.raises(CatalogueError, match=why):
        compile_catalogues(tmp_path)
    assert sorted(p.name for p in po.parent.iterdir()) == ["messages.po"]
