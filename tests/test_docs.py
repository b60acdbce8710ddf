"""The repository documents itself: every relative link and anchor in README.md, docs/ and the code's
docs/... citations resolves, and nothing points outside the repository."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _anchors(path: Path) -> set[str]:
    s = path.read_text()
    ids = set(re.findall(r'<a id="([^"]+)"></a>', s))
    for h in re.findall(r"^#+\s+(.*)$", s, re.M):
        h = re.sub(r"<[^>]+>", "", h)
        ids.add(re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-"))
    return ids


@pytest.mark.parametrize("doc", DOCS, ids=[p.name for p in DOCS])
def test_markdown_links_resolve(doc):
    text = re.sub(r"```.*?```", "", doc.read_text(), flags=re.S)
    for m in re.finditer(r"\]\(([^)]+)\)", text):
        target = m.group(1)
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, frag = target.partition("#")
        tp = (doc.parent / path).resolve() if path else doc
        assert tp.exists(), f"{doc.name}: link to missing {target}"
        if frag and tp.suffix == ".md":
            assert frag in _anchors(tp), f"{doc.name}: missing anchor {target}"


def test_code_citations_of_docs_resolve():
    """Docstrings, captions and configs cite docs/<page>.md#<anchor>: each must exist."""
    files = subprocess.run(["git", "ls-files", "src", "workflow", "scripts", "config", "tests", "benchmarks", ".ci"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        text = (ROOT / f).read_text(errors="ignore")
        for page, frag in re.findall(r"docs/([a-z_]+\.md)(?:#([a-z0-9\-]+))?", text):
            target = ROOT / "docs" / page
            assert target.exists(), f"{f} cites missing docs/{page}"
            if frag:
                assert frag in _anchors(target), f"{f} cites missing anchor docs/{page}#{frag}"


def test_nothing_points_outside_the_repository():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    pattern = re.compile(r"\.\./shared|shared/SPEC|shared/DESIGN|SPEC §|/work/shared")
    hits = [f for f in files if f != "tests/test_docs.py" and (ROOT / f).is_file() and not f.endswith((".png", ".pdf")) and pattern.search((ROOT / f).read_text(errors="ignore"))]
    assert not hits, f"files citing material outside the repository: {hits}"
