"""The benchmark tools run, report as they go, and measure what the recipes build.

Speed itself is never asserted (figures depend on the machine); these tests
check that the tools work on a small CNN14 on the CPU, and that what they
time is the interpreter a user trains (its full-size YAML's settings).
"""

import json

import pytest
import torch

from helpers import REPO, load_script, tiny_classifier

TOOLS = REPO / "tools"


@pytest.fixture(scope="module")
def benchmark():
    return load_script(TOOLS / "benchmark.py")


def test_interpreters_are_built_with_their_yaml_settings(benchmark):
    from speechbrain_interp.interpreters import PerceptionVisualization
    from speechbrain_interp.programs.overrides import read_plain

    plain = read_plain(str(REPO / "recipes/ESC50/interpret/hparams/pv.yaml"),
                       {"data_folder": "-", "classifier_source": "-"})
    settings = benchmark.yaml_settings(PerceptionVisualization, "pv")
    assert list(settings["channels"]) == plain["decoder_channels"]
    assert settings["output_grid"] == plain["output_grid"]
    args = benchmark.argparse.Namespace(base_channels=4, n_classes=3, device="cpu", paper_dim=None)
    pv = benchmark.build_method("pv", benchmark.build_classifier(args), args)
    assert pv.reconstructor.decoder.channels == plain["decoder_channels"]


def test_benchmark_reports_each_method_as_it_finishes(benchmark, tmp_path, capsys):
    rows = benchmark.main(["--base_channels", "4", "--n_classes", "3", "--seconds", "1",
                           "--batch", "2", "--repeats", "1", "--no_memory",
                           "--methods", "lmac", "gradcam", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("[benchmark")]
    assert len(lines) == 3  # the forward, then one line per method
    assert "lmac: interpret" in lines[1] and "gradcam: interpret" in lines[2]
    assert [r["method"] for r in rows] == ["classifier forward", "lmac", "gradcam"]
    for row in rows[1:]:
        assert row["ratio"] > 0 and row["suite_ratio"] > 0 and row["clips_per_s"] > 0
    saved = json.loads((tmp_path / "benchmark.json").read_text())
    assert len(saved["rows"]) == 3 and "clips/s" in (tmp_path / "benchmark.md").read_text()


def test_benchmarks_refuse_cuda_without_a_gpu(benchmark):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(SystemExit):
        benchmark.main(["--device", "cuda", "--no_memory"])


def test_long_benchmark_builds_its_interpreter_on_the_classifiers_device():
    """benchmark_long's explain probe failed on CUDA: its decoder stayed on the CPU (issue 26).
    The meta device stands for a GPU here."""
    tool = load_script(REPO / "tools" / "benchmark_long.py")
    clf = tiny_classifier(3).freeze().to("meta")
    interpreter = tool.build_interpreter(clf)
    assert {p.device.type for p in interpreter.decoder.parameters()} == {"meta"}


def test_adapted_benchmark_times_every_family_and_method(tmp_path):
    """tools/benchmark_adapted.py builds each family as its hub holds it, loads it through
    the adapters and reports every method's time as a ratio to the model's forward."""
    pytest.importorskip("transformers", reason="the [hf] extra is not installed")
    bench = load_script(REPO / "tools" / "benchmark_adapted.py")
    found = bench.main(["--size", "small", "--batch", "2", "--repeats", "1", "--methods",
                        "saliency", "lmac", "--out", str(tmp_path)])
    assert [(r["family"], r["method"]) for r in found] == [
        (f, m) for f in ("ecapa", "wav2vec2", "ast") for m in ("forward", "saliency", "lmac")]
    assert all(r["seconds"] > 0 for r in found)
    for r in found:  # each ratio is the method's time over its own family's forward
        forward = next(x["seconds"] for x in found if x["family"] == r["family"]
                       and x["method"] == "forward")
        assert r["ratio"] == pytest.approx(r["seconds"] / forward)
    table = (tmp_path / "benchmark_adapted.md").read_text()
    assert "| ast | lmac |" in table and "x forward" in table
