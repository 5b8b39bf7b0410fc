"""The tests mirror the package: a folder of ``tests/`` is a sub-package of
``speechbrain_interp/`` (``tests/interpreters/lmac/`` tests
``speechbrain_interp/interpreters/lmac/``), or one of the folders named
here with what it holds."""

from helpers import REPO

#: folders of tests/ that are not sub-packages, and what they hold
OTHER_FOLDERS = {
    "recipes": "tests of the recipes (recipes/<Dataset>/)",
    "tools": "tests of the tools (tools/)",
    "fixtures": "data the tests read (not collected)",
}


def test_every_test_folder_mirrors_a_sub_package():
    tests, package = REPO / "tests", REPO / "speechbrain_interp"
    strays = []
    for folder in sorted(p for p in tests.rglob("*") if p.is_dir()):
        relative = folder.relative_to(tests)
        if relative.parts[0] in OTHER_FOLDERS or "__pycache__" in relative.parts:
            continue
        if not (package / relative / "__init__.py").is_file():
            strays.append(str(relative))
    assert not strays, f"tests/ folders with no sub-package of the same path: {strays}"


def test_test_files_have_unique_names():
    """pytest imports test files by their name (no __init__.py): two of one name collide."""
    names = [p.name for p in (REPO / "tests").rglob("test_*.py")
             if "fixtures" not in p.relative_to(REPO / "tests").parts]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
