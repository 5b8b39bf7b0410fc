"""Adding a dataset as a user would: a prepare function and YAML files, nothing else.

In a folder outside the package, a made-up dataset ("Chirps": one folder
per class and a ``labels.csv`` of ``path,label,split``) gets its recipe:
``chirps_prepare.py`` (its own module) and ``hparams/{classifier,lmac,
eval}.yaml`` (copies of the project's small YAML files whose data section
names that function). The existing programs then train a classifier, an
L-MAC interpreter of it and evaluate it, run as a user runs them: the
recipe scripts from the command line, from the user's folder, with no
PYTHONPATH and no edit to the package or any script.
"""

import csv
import json
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

from helpers import REPO
from speechbrain_interp.synthetic import make_esc50_like

ESC50 = REPO / "recipes" / "ESC50"

PREPARE = textwrap.dedent('''
    """Chirps: <data_folder>/<label>/<name>.wav and <data_folder>/labels.csv (path,label,split)."""

    import csv
    import json
    import os


    def prepare_chirps(data_folder, manifest_folder, splits):
        """Writes one SpeechBrain JSON manifest per split; returns {split: path or None}."""
        table = os.path.join(data_folder, "labels.csv")
        if not os.path.isfile(table):
            raise FileNotFoundError(f"{table} not found: is {data_folder} a Chirps folder?")
        with open(table, newline="") as f:
            rows = list(csv.DictReader(f))
        labels = sorted({row["label"] for row in rows})
        os.makedirs(manifest_folder, exist_ok=True)
        paths = {}
        for split in ("train", "valid", "test"):
            chosen = [row for row in rows if row["split"] in splits.get(split, [])]
            if not chosen:
                paths[split] = None
                continue
            manifest = {os.path.splitext(os.path.basename(row["path"]))[0]: {
                "wav": "{data_root}/" + row["path"], "class_string": row["label"],
                "classID": labels.index(row["label"])} for row in chosen}
            paths[split] = os.path.join(manifest_folder, f"{split}.json")
            with open(paths[split], "w") as f:
                json.dump(manifest, f)
        return paths
''')

#: the data section of every YAML: the prepare function and its arguments
DATA_SECTION = textwrap.dedent('''\
    data_folder: !PLACEHOLDER  # Chirps: <label>/*.wav and labels.csv
    splits: {train: [a, b], valid: [c], test: [d]}
    signal_length_s: 1.0
    prepare_data: !name:chirps_prepare.prepare_chirps
        data_folder: !ref <data_folder>
        manifest_folder: !ref <manifest_folder>
        splits: !ref <splits>
''')

ESC50_DATA_KEYS = ("data_folder", "audio_folder", "download", "train_folds", "valid_folds",
                   "test_folds", "esc10_only", "skip_missing", "signal_length_s")


def user_yaml(source, **values):
    """A copy of a project YAML with the data section replaced (what a user edits)."""
    lines = []
    for line in source.read_text().splitlines():
        key = line.split(":")[0]
        if key in ESC50_DATA_KEYS:
            continue
        lines.append(line)
    text = "\n".join(lines) + "\n"
    # the ESC-50 prepare block (the key and its indented arguments) becomes Chirps'
    text = re.sub(r"^prepare_data: .*\n(?:    .*\n)*", DATA_SECTION, text, flags=re.M)
    for key, value in values.items():
        text = re.sub(rf"^{key}: .*$", f"{key}: {value}", text, flags=re.M)
    assert "chirps_prepare.prepare_chirps" in text and "esc50" not in text.lower()
    return text


@pytest.fixture(scope="module")
def chirps(tmp_path_factory):
    """The dataset in its own layout and its recipe folder (prepare module + YAML)."""
    root = tmp_path_factory.mktemp("user")
    esc = root / "esc-like"
    make_esc50_like(esc, n_classes=3, clips_per_class=8, clip_seconds=1.0, seed=11, n_folds=4)
    data = root / "chirps-data"
    rows = []
    with open(esc / "meta" / "esc50.csv", newline="") as f:
        for row in csv.DictReader(f):
            path = f"{row['category']}/{row['filename']}"
            (data / row["category"]).mkdir(parents=True, exist_ok=True)
            shutil.copy(esc / "audio" / row["filename"], data / path)
            rows.append({"path": path, "label": row["category"], "split": "abcd"[int(row["fold"]) - 1]})
    with open(data / "labels.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["path", "label", "split"])
        writer.writeheader()
        writer.writerows(rows)
    recipe = root / "Chirps"
    (recipe / "hparams").mkdir(parents=True)
    (recipe / "chirps_prepare.py").write_text(PREPARE)
    (recipe / "hparams" / "classifier.yaml").write_text(user_yaml(
        ESC50 / "classification" / "hparams" / "cnn14_small.yaml",
        n_classes=3, base_channels=4, emb_dim=128, number_of_epochs=2, batch_size=4,
        experiment_name="chirps_classifier"))
    (recipe / "hparams" / "lmac.yaml").write_text(user_yaml(
        ESC50 / "interpret" / "hparams" / "lmac_small.yaml",
        number_of_epochs=1, batch_size=4, decoder_width=8, experiment_name="chirps_lmac"))
    (recipe / "hparams" / "eval.yaml").write_text(user_yaml(
        ESC50 / "interpret" / "hparams" / "eval_small.yaml", experiment_name="chirps_eval"))
    return root, data, recipe


def run(script, yaml, *args, cwd):
    """A recipe script from the command line, as a user runs it."""
    result = subprocess.run([sys.executable, str(script), str(yaml), *map(str, args)],
                            cwd=cwd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.mark.slow
def test_a_new_dataset_is_a_prepare_function_and_yaml(chirps):
    root, data, recipe = chirps
    assert sorted(p.name for p in recipe.rglob("*") if p.is_file()) == [
        "chirps_prepare.py", "classifier.yaml", "eval.yaml", "lmac.yaml"]
    hparams = recipe / "hparams"
    run(ESC50 / "classification" / "train.py", hparams / "classifier.yaml",
        "--data_folder", data, "--noprogressbar", cwd=root)
    out = root / "results" / "chirps_classifier" / "1234"
    report = json.loads((out / "test_report.json").read_text())
    assert report["n_items"] == 6 and set(report["per_class_accuracy"]) == {
        "pure_tone", "chirp_up", "chirp_down"}
    classifier = out / "pretrained"
    assert json.loads((out / "manifests" / "train.json").read_text())  # Chirps' own manifests

    run(ESC50 / "interpret" / "train.py", hparams / "lmac.yaml", "--data_folder", data,
        "--classifier_source", classifier, "--noprogressbar", "--contamination",
        "{probabilities: {clean: 0.5, other_class: 0.5, speech: 0.0, noise: 0.0}}", cwd=root)

    lmac = root / "results" / "chirps_lmac" / "1234"
    metrics = json.loads((lmac / "metrics.json").read_text())
    assert {"AI", "AD", "FF", "FidIn"} <= set(metrics)
    assert (lmac / "pretrained" / "interpreter.ckpt").is_file()
    assert any((lmac / "interpretations" / "test").iterdir())

    result = run(ESC50 / "interpret" / "eval.py", hparams / "eval.yaml", "--data_folder", data,
                 "--classifier_source", classifier, "--interpreters", f"{{lmac: {lmac}}}",
                 "--conditions", "[clean, mixture]", "--baselines", "[saliency, all-ones]",
                 cwd=root)
    evaluation = json.loads((root / "results" / "chirps_eval" / "1234" / "results.json").read_text())
    assert set(evaluation) == {"clean", "mixture"}
    assert {"lmac", "random (lmac)", "saliency", "all-ones"} <= set(evaluation["clean"]["methods"])
    assert "AUC" in evaluation["mixture"]["methods"]["lmac"]  # ground truth of the mixtures
    assert "lmac" in result.stdout
