"""The ``sb-interp`` command line: explain and classify real recordings, skip bad ones,
recordings longer than a clip, and the export program.
"""

import json
import math
import shutil
import subprocess
import sys

import numpy as np
import pytest
import soundfile

from helpers import shared_dataset, write_tiny_folders
from speechbrain_interp.inference import AudioInterpreter
from speechbrain_interp.programs.cli import main
from speechbrain_interp.programs.export import export_folder

EXPLAIN_FILES = {"original.wav", "interpretation.wav", "explanation.png", "result.json"}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A tiny 10-class classifier of 5 s clips and an L-MAC interpreter of it."""
    root = tmp_path_factory.mktemp("cli")
    write_tiny_folders(root, ["dog", "rooster", "rain", "sea_waves", "crackling_fire",
                              "crying_baby", "sneezing", "clock_tick", "helicopter", "chainsaw"],
                       window_s=5.0, hop_s=2.5, top_k=3)
    return root


@pytest.mark.slow  # explains the 83 real ESC-10 recordings (minutes on 2 cores)
def test_explain_writes_every_clip_and_skips_bad_files(folders, tmp_path, capsys):
    """The 83 real ESC-10 recordings (44.1 kHz, 5 s) and bad files beside them."""
    audio = tmp_path / "audio"
    shutil.copytree(shared_dataset("ESC-50-esc10") / "audio", audio)
    clips = sorted(p.stem for p in audio.glob("*.wav"))
    (audio / "corrupt.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt garbage" + bytes(200))
    (audio / "empty.wav").write_bytes(b"")
    (audio / "truncated.wav").write_bytes((audio / f"{clips[0]}.wav").read_bytes()[:20000])
    soundfile.write(str(audio / "silent.wav"), np.zeros(8000, dtype="float32"), 16000)
    rate8k = 0.3 * np.sin(np.linspace(0, 2000, 24000)).astype("float32")
    soundfile.write(str(audio / "stereo_8k.wav"), np.stack([rate8k, -rate8k], 1), 8000)
    out = tmp_path / "out"
    status = main(["explain", "--source", str(folders / "lmac"), str(audio), "--out", str(out)])
    assert status == 1  # some inputs failed
    summary = json.loads((out / "summary.json").read_text())
    failed = sorted(p.split("/")[-1] for p, v in summary.items() if "error" in v)
    assert failed == ["corrupt.wav", "empty.wav", "silent.wav", "truncated.wav"]
    assert "silent" in summary[str(audio / "silent.wav")]["error"]
    assert "truncated WAV file" in summary[str(audio / "truncated.wav")]["error"]
    assert "corrupt.wav" in capsys.readouterr().err
    for stem in clips + ["stereo_8k"]:
        folder = out / "audio" / stem
        assert {p.name for p in folder.iterdir()} == EXPLAIN_FILES, stem
        result = json.loads((folder / "result.json").read_text())
        assert math.isclose(sum(result["probabilities"].values()), 1.0, abs_tol=1e-4)
        assert result["label"] == result["top_k"][0][0] and len(result["top_k"]) == 3
        assert set(result["faithfulness"]) >= {"AI", "AD", "AG", "FF"}
        assert all(math.isfinite(v) for v in result["faithfulness"].values())
    wave, rate = soundfile.read(str(out / "audio" / clips[0] / "interpretation.wav"))
    assert rate == 16000 and wave.shape == (80000,)  # a 5 s clip at the classifier's rate
    assert not (out / "audio" / "corrupt").exists()


def test_long_recording_is_explained_window_by_window(folders, tmp_path):
    rng = np.random.default_rng(0)
    long = tmp_path / "long.wav"
    soundfile.write(str(long), (0.1 * rng.standard_normal(16000 * 12)).astype("float32"), 16000)
    out = tmp_path / "out"
    # (an L-MAC that is not class-conditioned explains decisions only: Grad-CAM takes a class)
    assert main(["explain", "--source", str(folders / "clf"), "--method", "gradcam", str(long),
                 "--out", str(out), "--label", "rain"]) == 0
    result = json.loads((out / "long" / "result.json").read_text())
    assert result["duration_s"] == 12.0 and result["explained"] == "rain"
    assert len(result["windows"]) == 4  # starts 0, 2.5, 5, 7.5 s (rounded to STFT hops)
    assert all(w["label"] == "rain" and "faithfulness" in w for w in result["windows"])
    wave, _ = soundfile.read(str(out / "long" / "interpretation.wav"))
    assert wave.shape == (16000 * 12,)
    interpreter = AudioInterpreter.from_hparams(str(folders / "clf"), method="gradcam")
    direct = interpreter.interpret_file(str(long), label="rain")
    assert np.allclose(wave, direct.wave.numpy(), atol=1e-4)


def test_classify_command_and_module_entry_point(folders, tmp_path):
    clip = tmp_path / "clip.wav"
    soundfile.write(str(clip), (0.1 * np.random.default_rng(1).standard_normal(40000)).astype("float32"),
                    16000)
    listing = tmp_path / "list.txt"
    listing.write_text(f"{clip}\n{tmp_path / 'missing.wav'}\n")
    out = tmp_path / "out"
    assert main(["classify", "--source", str(folders / "clf"), f"@{listing}", "--out", str(out)]) == 1
    result = json.loads((out / "clip" / "result.json").read_text())
    assert result["label"] in result["probabilities"] and len(result["windows"]) == 1
    summary = json.loads((out / "summary.json").read_text())
    assert "no such audio file" in summary[str(tmp_path / "missing.wav")]["error"]
    done = subprocess.run([sys.executable, "-m", "speechbrain_interp", "classify", "--source",
                           str(tmp_path / "nowhere"), str(clip)], capture_output=True, text=True)
    assert done.returncode == 2 and "no such folder" in done.stderr


def test_export_copies_a_folder_that_loads_anywhere(folders, tmp_path):
    source = tmp_path / "run" / "pretrained"
    shutil.copytree(folders / "lmac", source)
    soundfile.write(str(source / "example.wav"), np.zeros(16000, dtype="float32") + 0.1, 16000)
    (source / "README.md").write_text("use <this folder or its hub repo id>\n")
    out = tmp_path / "upload"
    assert main(["export", str(tmp_path / "run"), str(out), "--repo_id", "me/lmac"]) == 0
    assert (out / "README.md").read_text() == "use me/lmac\n"
    assert str(tmp_path) not in (out / "hyperparams.yaml").read_text()
    with pytest.raises(FileExistsError):
        export_folder(tmp_path / "run", out)
    referenced = tmp_path / "upload_ref"
    export_folder(source, referenced, classifier_repo="me/cnn14")
    assert not (referenced / "embedding_model.ckpt").exists()
    assert "me/cnn14/embedding_model.ckpt" in (referenced / "hyperparams.yaml").read_text()


def test_batch_size_sets_the_windows_per_model_call_without_changing_the_result(
        folders, tmp_path, monkeypatch):
    """``--batch_size`` (a GPU wants more windows per call than the folder's 8) reaches the
    windowed path and leaves the explanation as it was; 0 is refused before any work."""
    from speechbrain_interp.inference import windows

    rng = np.random.default_rng(1)
    long = tmp_path / "long.wav"
    soundfile.write(str(long), (0.1 * rng.standard_normal(16000 * 12)).astype("float32"), 16000)
    calls = []
    original = windows._window_batches

    def counted(wave, starts, window, batch_size, normalize):
        for first, batch in original(wave, starts, window, batch_size, normalize):
            calls.append(batch.shape[0])
            yield first, batch

    monkeypatch.setattr(windows, "_window_batches", counted)
    waves = {}
    for size in (None, 1):
        calls.clear()
        out = tmp_path / f"out_{size}"
        extra = [] if size is None else ["--batch_size", str(size)]
        assert main(["explain", "--source", str(folders / "clf"), "--method", "gradcam",
                     str(long), "--out", str(out), "--no_faithfulness", *extra]) == 0
        waves[size] = soundfile.read(str(out / "long" / "interpretation.wav"))[0]
        assert max(calls) == (4 if size is None else 1)  # 4 windows: in one call, or one each
    # the wav is 16-bit PCM: batched convolutions round differently, by one step (2^-15) at most
    assert np.abs(waves[None] - waves[1]).max() <= 2.0 ** -15
    out = tmp_path / "refused"
    assert main(["explain", "--source", str(folders / "clf"), "--method", "gradcam", str(long),
                 "--out", str(out), "--batch_size", "0"]) == 2
    assert not out.exists()
