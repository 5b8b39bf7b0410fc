"""The four preparations write the same bytes as before they shared one skeleton.

Every case of ``tests/data/prepare_cases.py`` (each fixture and argument set the
prepare tests use, the synthetic generators, the real subsets) runs again
and the SHA-256 of every file it writes is compared with the digest recorded
from the code before the refactor (``tests/fixtures/prepare_manifests.json``).
"""

import json

import pytest

from prepare_cases import CASES, DIGESTS, folder_digests, run_case

with open(DIGESTS, encoding="utf-8") as _handle:
    RECORDED = json.load(_handle)


def test_every_case_was_recorded():
    assert sorted(CASES) == sorted(RECORDED)


@pytest.mark.parametrize("name", sorted(CASES))
def test_manifests_byte_identical(name, tmp_path):
    root = tmp_path.resolve()
    found = run_case(name, root)
    expected = RECORDED[name]
    if found["inputs"] != expected["inputs"]:
        _, volatile = CASES[name]
        message = (f"the fixture of {name} is not the one recorded (re-record with "
                   "`python tests/data/prepare_cases.py --record` if that is deliberate)")
        if volatile:
            pytest.skip(message)
        pytest.fail(message)
    assert sorted(found["outputs"]) == sorted(expected["outputs"])
    changed = [
        f"{folder}/{file}"
        for folder, files in expected["outputs"].items()
        for file in sorted(set(files) | set(found["outputs"][folder]))
        if files.get(file) != found["outputs"][folder].get(file)
    ]
    assert not changed, f"{name}: written differently than before: {', '.join(changed)}"


def test_digests_see_one_byte(tmp_path):
    """A manifest one byte off has another digest; the temporary root does not count."""
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "train.json").write_text('{"a": {"wav": "' + str(tmp_path) + '/a.wav"}}')
    before = folder_digests(folder, tmp_path)
    (folder / "train.json").write_text('{"a": {"wav": "' + str(tmp_path) + '/b.wav"}}')
    assert folder_digests(folder, tmp_path) != before
    other = tmp_path / "other"
    other.mkdir()
    (other / "train.json").write_text('{"a": {"wav": "' + str(other) + '/a.wav"}}')
    assert folder_digests(other, other) == before
