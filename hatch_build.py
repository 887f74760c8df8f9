"""Compile the gettext catalogues whenever the package is built, so every install speaks Chinese.

Hatchling runs this hook for wheels, for wheels built from the sdist and for editable installs
(``pip install .``, ``pip install -e .``). ``make install`` and ``python hatch_build.py`` run the
same code, to recompile after a ``messages.po`` edit.
"""

import os
import sys
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface

TRANSLATIONS = Path("stationfinder") / "translations"


class CatalogueError(Exception):
    """A catalogue that would break the translated pages."""


def compile_catalogues(root: Path) -> list[Path]:
    """Compile every messages.po under the package's translations into messages.mo; return the .mo paths."""
    compiled = []
    for po_path in sorted((root / TRANSLATIONS).glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as po:
            catalog = read_po(po, locale=po_path.parent.parent.name)
        # pybabel compile would skip a fuzzy catalogue and still succeed: the site would quietly be English.
        if catalog.fuzzy:
            raise CatalogueError(f"{po_path}: the catalogue header is marked fuzzy")
        # A translation naming a placeholder the source lacks raises KeyError on the page: fail the build.
        problems = [
            f"{po_path}:{message.lineno}: {error}" for message, errors in catalog.check() for error in errors
        ]
        if problems:
            raise CatalogueError("\n".join(problems))
        mo_path = po_path.with_suffix(".mo")
        # Write beside and rename, so a server or a parallel build never reads half a catalogue.
        fd, tmp_name = tempfile.mkstemp(dir=mo_path.parent, prefix=".messages-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as mo:
                write_mo(mo, catalog, use_fuzzy=False)
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, mo_path)
        except BaseException:
            os.unlink(tmp_name)
            raise
        compiled.append(mo_path)
    return compiled


class CatalogueBuildHook(BuildHookInterface):
    """Compile the catalogues in place before hatchling collects the wheel's files."""

    def initialize(self, version: str, build_data: dict) -> None:
        """Compile; the wheel's `artifacts` pattern ships the .mo files although git ignores them."""
        # In place, because an editable install imports the package (and its catalogues) from the tree.
        compile_catalogues(Path(self.root))


if __name__ == "__main__":
    try:
        compiled = compile_catalogues(Path(__file__).resolve().parent)
    except CatalogueError as error:
        sys.exit(f"hatch_build.py: {error}")
    for path in compiled:
        print(f"compiled {path}", file=sys.stderr)
