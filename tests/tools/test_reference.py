"""The reference program end to end on a tiny real subset (2 classes, 3 clips per fold,
one epoch, a 1/16-width CNN14), then resumed.

Marked ``reference`` (and ``slow``): the default ``make test`` leaves it out so
that its time stays the same; ``make test-reference`` runs it, and so does CI
(``.ci/run``). It skips when the shared real data is absent.
"""

import json
import os

import pytest

from helpers import REPO, load_script, shared_dataset

pytestmark = [pytest.mark.slow, pytest.mark.reference]


def test_reference_program_on_a_tiny_real_subset_then_resumed(tmp_path, capsys):
    esc50 = shared_dataset("ESC-50-16k-folds1-4")
    speech = shared_dataset("LJSpeech-espeak")
    out = tmp_path / "reference"
    tool = load_script(REPO / "tools" / "reference.py")
    args = ["--data_folder", str(esc50), "--speech_folder", str(speech), "--out", str(out),
            "--classes", "2", "--clips_per_fold", "3", "--base_channels", "4",
            "--classifier_epochs", "1", "--interpreter_epochs", "1", "--eval_clips", "4",
            "--mixture_repeats", "1", "--conditions", "[clean, mixture, speech]",
            "--bootstrap", "100"]
    tool.main(args)
    printed = capsys.readouterr().out
    assert "[reference] step 1/16 classifier" in printed and "[reference] done" in printed

    # the subset: 2 classes x 3 clips x 4 folds, linked to the real recordings
    subset = out / "subset_2x3"
    rows = (subset / "meta" / "esc50.csv").read_text().strip().splitlines()
    assert len(rows) == 1 + 2 * 3 * 4
    assert os.path.islink(subset / "audio" / rows[1].split(",")[0])

    # every interpreter of both seeds, each with its random mask, in one evaluation
    results = json.loads((out / "eval" / "results.json").read_text())
    assert set(results) == {"clean", "mixture", "speech"}
    trained = [f"{m}_s{s}" for s in (1, 2) for m in tool.METHODS]
    for name in trained + [f"random ({n})" for n in trained] + ["saliency", "gradcam",
                                                                "all-ones"]:
        ff = results["clean"]["intervals"][name]["FF"]
        assert ff["n"] == 4 and ff["low"] <= ff["mean"] <= ff["high"], name
    assert results["mixture"]["items"] == 4  # one partner per clip, no pair twice
    assert "gradcam" in results["clean"]["differences"]["lmac_s1"]
    report = (out / "reference.md").read_text()
    for method in tool.METHODS:
        assert f"| clean | {method} | 4 |" in report and f"| {method} | random ({method}) | AD |" in report
    assert "| lmac | gradcam | AI |" in report and "| speech | lmac_s2 |" in report
    summary = json.loads((out / "reference.json").read_text())
    assert summary["verdicts"]["pv"]["saliency"]["FF"]["beats"] in ("yes", "no")

    # resumed: every step is found done, nothing is trained again
    stamps = {p.name: p.stat().st_mtime for p in (out / "steps").iterdir()}
    tool.main(args)
    printed = capsys.readouterr().out
    assert printed.count("done before") == 16
    assert {p.name: p.stat().st_mtime for p in (out / "steps").iterdir()} == stamps
