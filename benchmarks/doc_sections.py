"""Keep one section per benchmark in docs/benchmarks.md, each replaced in place by its own run."""

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(heading: str, section: str, doc: Path = DOC) -> None:
    """Replace (or append) the section that starts with ``heading``, leaving the others alone."""
    doc.parent.mkdir(parents=True, exist_ok=True)
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n\n"
    start = text.find(heading + "\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    doc.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
