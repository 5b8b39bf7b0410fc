"""Helpers shared by the test files: paths, recipe loading, shared data, torchrun,
an offline hub, and the tiny classifier and pretrained folders most tests build.

Test files import these (``from helpers import REPO, load_script``); the
fixtures that use them stay in ``conftest.py``, where pytest finds them.

Real-audio tests find the shared data through one setting: the environment
variable ``SB_INTERP_DATA`` (default: ``../shared/data`` next to the
repository). When it is absent they skip with the reason.
"""

import os
import pathlib

import pytest
import torch

from speechbrain_interp.examples import small_classifier

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED_DATA = pathlib.Path(
    os.environ.get("SB_INTERP_DATA", str(REPO.parent / "shared" / "data"))
)

#: command-line override that trains an ESC-50 interpreter recipe on clean clips (its default
#: contamination needs speech and WHAM! folders; tests that are not about it turn it off)
CLEAN_TRAINING = ["--contamination",
                  "{probabilities: {clean: 1.0, other_class: 0.0, speech: 0.0, noise: 0.0}}"]


def load_script(path):
    """A recipe or tool script loaded as a module (its ``main`` is then callable)."""
    import importlib.util

    path = pathlib.Path(path)
    spec = importlib.util.spec_from_file_location(f"{path.parent.name}_{path.stem}_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shared_dataset(name):
    """Path of a dataset under the shared data folder, or skip the test."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(
            f"shared data {path} not found (set SB_INTERP_DATA to the folder "
            f"holding {name}/)"
        )
    return path


def free_port():
    """A TCP port nobody listens on now (for torchrun's rendezvous)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(args, cwd, nproc=2, timeout=300):
    """``torchrun --nproc_per_node=<nproc>`` on a free port; returns the CompletedProcess.

    The processes run in their own session. On timeout torchrun gets
    SIGTERM first (its agent stops the workers, which run in sessions of
    their own and would otherwise keep the output pipes open), then the
    whole group SIGKILL: no worker outlives the test (and keeps a port or a
    lock).
    """
    import signal
    import subprocess
    import sys

    runner = os.path.join(os.path.dirname(sys.executable), "torchrun")
    cmd = [runner, f"--nproc_per_node={nproc}", f"--master_port={free_port()}", *map(str, args)]
    process = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            stdout, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
        raise AssertionError(f"torchrun timed out after {timeout} s:\n{stdout[-3000:]}\n{stderr[-3000:]}")
    return subprocess.CompletedProcess(cmd, process.returncode, stdout, stderr)


def serve_as_hub(folder, repo_id, cache_dir, revision="0123456789abcdef0123456789abcdef01234567"):
    """Lays ``folder``'s files out as the HuggingFace cache holds a downloaded repo.

    ``huggingface_hub.hf_hub_download(repo_id, name)`` (which SpeechBrain's
    fetching calls) then finds them without network when the hub is offline:
    ``<cache>/models--<owner>--<name>/refs/main`` names a snapshot whose
    folder holds the files (here copies, where a download makes links to
    ``blobs/``).
    """
    import shutil

    owner, name = repo_id.split("/")
    repo = pathlib.Path(cache_dir) / f"models--{owner}--{name}"
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True, exist_ok=True)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(revision)
    for path in pathlib.Path(folder).iterdir():
        if path.is_file():
            shutil.copy(path, snapshot / path.name)
    return snapshot


def check_round_trip(folder, reference, tmp_path, serve, wave, atol=1e-6):
    """A pretrained folder, moved elsewhere and served as a hub repo, loads
    with ``from_hparams`` and reproduces ``reference`` (the run's own model).

    ``reference`` is an interpreter (masks and logits compared) or a
    classifier (logits compared). The files fetched from the "hub" are the
    folder's, byte for byte.
    """
    import shutil

    from speechbrain_interp.inference import AudioInterpreter, SoundClassifier

    interpreter = hasattr(reference, "interpret")
    cls = AudioInterpreter if interpreter else SoundClassifier
    moved = pathlib.Path(tmp_path) / "moved" / "pretrained"
    shutil.copytree(folder, moved)
    repo = f"sbinterp-test/{'interpreter' if interpreter else 'classifier'}"
    serve(moved, repo)
    savedir = pathlib.Path(tmp_path) / "from_hub"
    loaded = [cls.from_hparams(str(moved)), cls.from_hparams(repo, savedir=str(savedir))]
    for path in savedir.iterdir():
        if path.name != "source.txt":
            assert path.read_bytes() == (moved / path.name).read_bytes(), path.name
    assert {p.name for p in savedir.iterdir()} >= {"hyperparams.yaml", "embedding_model.ckpt",
                                                   "classifier.ckpt", "label_encoder.ckpt"}
    reference = reference.eval()
    with torch.no_grad():
        if interpreter:
            expected = reference.interpret(wave)
            for model in loaded:
                out = model.interpret_batch(wave)
                assert torch.allclose(out.mask, expected.mask, atol=atol)
                assert torch.allclose(out.logits, expected.logits, atol=atol)
        else:
            expected = reference(wave=wave).logits
            for model in loaded:
                assert torch.allclose(model.classify_batch(wave).logits, expected, atol=atol)
    return loaded


#: the package's one small-classifier factory (a narrow CNN14), under the tests' name
tiny_classifier = small_classifier


def write_tiny_folders(root, classes, window_s, hop_s, top_k=3, batch_size=4):
    """A tiny classifier (seeded CNN14, 40 Mel bands, base width 4) of ``classes`` and an
    L-MAC of it, written as pretrained folders ``root/clf`` and ``root/lmac``.

    Returns
    -------
    classifier, label_encoder, settings
        For tests that write more folders of the same classifier.
    """
    from speechbrain.dataio.encoder import CategoricalEncoder

    from speechbrain_interp.interpreters import LMAC
    from speechbrain_interp.pretrained import write_classifier, write_interpreter

    clf = tiny_classifier(len(classes), n_mels=40, seed=0).eval()
    encoder = CategoricalEncoder()
    encoder.update_from_iterable(list(classes))
    settings = {"window_s": window_s, "hop_s": hop_s, "batch_size": batch_size, "top_k": top_k,
                "normalize_windows": True}
    write_classifier(str(root / "clf"), clf, encoder, settings)
    write_interpreter(str(root / "lmac"), LMAC(clf, decoder_width=8).eval(), encoder, settings)
    return clf, encoder, settings


def write_tiny_esc50(root):
    """The tiny ESC-50-layout set the recipe tests train on: 4 classes x 10 one-second clips
    (2 per fold, seed 7) in ``root/ESC-50``, whose path it returns."""
    from speechbrain_interp.synthetic import make_esc50_like

    folder = pathlib.Path(root) / "ESC-50"
    make_esc50_like(folder, n_classes=4, clips_per_class=10, clip_seconds=1.0, seed=7)
    return folder


def write_tiny_speechbrain_ecapa(folder, labels, repo="sbinterp-test/tiny-ecapa", seed=0):
    """A small ECAPA-TDNN in SpeechBrain's ``EncoderClassifier`` layout
    (:func:`speechbrain_interp.examples.write_speechbrain_ecapa`)."""
    from speechbrain_interp.examples import write_speechbrain_ecapa

    return write_speechbrain_ecapa(folder, labels, repo=repo, seed=seed)


def two_tone_clips(n, seed, rate=16000):
    """``n`` one-second clips, class 0 a 500 Hz tone and class 1 a 4 kHz tone (random
    phase), each in noise; returns ``(waves [n, rate], labels [n])``."""
    import math

    g = torch.Generator().manual_seed(seed)
    t = torch.arange(rate) / rate
    labels = torch.arange(n) % 2
    freq = torch.where(labels == 0, 500.0, 4000.0)[:, None]
    phase = 2 * math.pi * torch.rand(n, 1, generator=g)
    waves = 0.3 * torch.sin(2 * math.pi * freq * t + phase) + 0.05 * torch.randn(n, rate,
                                                                                 generator=g)
    return waves, labels


def lmac_against_random(classifier, waves, steps=25, **lmac_options):
    """An L-MAC of ``classifier`` trained ``steps`` Adam steps on ``waves`` (seed 0), and
    a random mask of its mean: ``{"lmac" | "random": {"AD", "FF", "mask"}}`` on ``waves``."""
    from speechbrain_interp.evaluation.suite import score_batch
    from speechbrain_interp.interpreters import LMAC, RandomMask

    torch.manual_seed(0)
    lmac = LMAC(classifier, decoder_width=8, **lmac_options)
    optimizer = torch.optim.Adam([p for p in lmac.parameters() if p.requires_grad], lr=1e-2)
    lmac.train()
    for _ in range(steps):
        loss = lmac.loss(lmac.interpret(waves, with_wave=False))["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    lmac.eval()
    figures = {}
    for name, method in (("lmac", lmac), ("random", RandomMask(classifier, reference=lmac))):
        interpretation, metrics = score_batch(method, waves)
        figures[name] = {k: float(metrics[k].mean()) for k in ("AD", "FF")}
        figures[name]["mask"] = float(interpretation.mask.mean())
    return figures
