"""The repository is self-contained: the library, recipes, tools and README name no file
outside it, and every ``docs/<file>.md <section>`` they cite exists (issue 27, point 7)."""

import pathlib
import re

from helpers import REPO

#: what a user who clones the project has: the places that must not point outside it
SCANNED = ("speechbrain_interp", "recipes", "tools", "README.md")
SUFFIXES = {".py", ".md", ".yaml", ".sh", ".txt", ".cfg", ".toml"}
#: a path that climbs out of the repository, or a machine-specific absolute one
OUTSIDE = re.compile(r"(?<![\w.])\.\./(?:\.\./)*(?:shared|data|papers|docs)\b|/work/|/home/|/tmp/\w")
#: a citation of one of the repository's docs, with an optional section number
CITATION = re.compile(r"docs/(\w+)\.md[`\s,(]*(?:section\s+|§\s*)?(\d+(?:\.\d+)*)?")


def _scanned_files():
    for name in SCANNED:
        path = REPO / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*")
                                                        if p.suffix in SUFFIXES and p.is_file())
        yield from files


def _sections(doc):
    """Section numbers of a docs file: headings such as ``### 4.5 Title``, and numbered
    list items of a numbered section (``11.7`` for item 7 under ``## 11.``)."""
    numbers, current = set(), None
    for line in doc.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"#+\s+(\d+(?:\.\d+)*)\.?\s", line)
        if heading:
            current = heading.group(1)
            numbers.add(current)
            continue
        item = re.match(r"\s*(?:[-*]\s+)?(?:\*\*)?(\d+(?:\.\d+)+)(?:\*\*)?\s", line)
        if item and current is not None and item.group(1).startswith(current + "."):
            numbers.add(item.group(1))
    return numbers


def outside_references(text):
    """The paths in ``text`` that point outside the repository."""
    return [m.group(0) for m in OUTSIDE.finditer(text)]


def test_the_rule_catches_paths_outside_the_repository():
    assert outside_references("papers in `../shared/papers/`") == ["../shared"]
    assert outside_references("default ../../shared/data and /work/shared/x") == \
        ["../../shared", "/work/"]
    assert outside_references("see docs/methods.md 4.5 and recipes/../tools") == []


def test_no_file_names_a_path_outside_the_repository():
    found = []
    for path in _scanned_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [f"{path.relative_to(REPO)}:{number}: {hit}"
                      for hit in outside_references(line)]
    assert not found, "\n".join(found)


def test_every_cited_doc_and_section_exists():
    sections = {doc.stem: _sections(doc) for doc in (REPO / "docs").glob("*.md")}
    assert {"methods", "metrics", "datasets", "design", "references"} <= set(sections)
    missing, cited = [], 0
    for path in _scanned_files():
        for match in CITATION.finditer(path.read_text(encoding="utf-8")):
            name, section = match.groups()
            cited += 1
            if name not in sections:
                missing.append(f"{path.relative_to(REPO)}: docs/{name}.md does not exist")
            elif section is not None and section not in sections[name]:
                missing.append(f"{path.relative_to(REPO)}: docs/{name}.md has no section {section}")
    assert cited > 100  # the code cites the docs (130 citations when this test was written)
    assert not missing, "\n".join(missing)


def test_the_section_reader_finds_headings_and_items(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text("# Title\n## 4. Four\n### 4.5 Five\n## 11. Open points\n- **11.1** one\n"
                   "- **11.7** seven\n- **4.9** not under 4\n")
    assert _sections(pathlib.Path(doc)) == {"4", "4.5", "11", "11.1", "11.7"}
