"""The prepared GPU script (tools/gpu_check.py) and its program step
(tools/program_check.py): the report's arithmetic on hand-made results, and
the whole ``--cpu`` mode end to end (every step and every program runs)."""

import argparse
import json

import pytest

from helpers import REPO, load_script

gpu_check = load_script(REPO / "tools" / "gpu_check.py")
program_check = load_script(REPO / "tools" / "program_check.py")


def _write(folder, name, payload):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(payload))


def _row(method, clips, ratio, suite=None, **extra):
    return {"method": method, "clips_per_s": clips, "ratio": ratio, "suite_ratio": suite, **extra}


def test_precision_table_puts_fp32_and_bf16_side_by_side(tmp_path):
    _write(tmp_path / "benchmark", "benchmark.json", {"rows": [
        _row("classifier forward", 1000.0, 1.0), _row("lmac", 800.0, 1.25, 2.0)]})
    _write(tmp_path / "benchmark_bf16", "benchmark.json", {"rows": [
        _row("classifier forward", 3000.0, 1.0),
        _row("lmac", 2000.0, 1.5, 3.0, mask_delta=0.0123, mask_delta_max=0.05)]})
    lines = gpu_check.precision_table(str(tmp_path))
    lmac = next(line for line in lines if line.startswith("| lmac"))
    # 2000 / 800 = 2.50x faster in bf16; ratios in each precision; the mask distance
    assert lmac == "| lmac | 800 | 2000 | 2.50x | 1.25x | 1.50x | 3.00x | 1.23e-02 / 5.00e-02 |"
    forward = next(line for line in lines if line.startswith("| classifier forward"))
    assert "| 3.00x |" in forward and forward.endswith("| - | - |")
    assert gpu_check.precision_table(str(tmp_path / "nothing")) == []


def test_benchmark_lines_name_the_issue_targets(tmp_path):
    _write(tmp_path, "benchmark.json", {"rows": [
        _row("classifier forward", 15500.0, 1.0), _row("lmac", 13100.0, 1.12, 2.9),
        _row("gradcam", 9000.0, 1.8, 3.5)]})
    lines = {what: (value, target) for what, value, target in gpu_check.benchmark_lines(str(tmp_path))}
    assert lines["classifier forward"] == ("15500 clips/s", ">= 15000 clips/s (bf16)")
    assert lines["lmac: interpret"][0] == "13100 clips/s, 1.12x a forward; suite 2.90x"
    assert lines["lmac: interpret"][1].startswith("<= 1.15x and >= 13000 clips/s")
    assert lines["gradcam: interpret"][1] == "-; suite <= 3.2x"  # a baseline: no interpret target


def test_program_lines_name_what_failed(tmp_path):
    _write(tmp_path, "program_check.json", {"precision": "bf16", "size": "full", "seconds": 61.0,
                                            "rows": [{"step": "esc50_classifier", "ok": True},
                                                     {"step": "esc50_pv", "ok": False}]})
    (what, value, _), = gpu_check.program_lines(str(tmp_path))
    assert what == "programs (bf16, full size)"
    assert value == "1/2 ran in 61 s; FAILED: esc50_pv"


def test_program_check_commands_carry_device_precision_and_size(tmp_path):
    data = {name: str(tmp_path / name) for name in ("esc50", "wham", "speech", "sonyc", "nsynth",
                                                    "long")}
    args = argparse.Namespace(device="cuda:1", precision="bf16", size="full")
    steps = program_check.commands(data, str(tmp_path / "out"), args)
    assert set(steps) == set(program_check.PROGRAMS) | {"cli_long"}
    for name, cmd in steps.items():
        assert cmd[cmd.index("--device") + 1] == "cuda:1", name
        assert cmd[cmd.index("--precision") + 1] == "bf16", name
        if name in program_check.PROGRAMS:
            assert cmd[cmd.index("--eval_precision") + 1] == "bf16", name
            assert not cmd[2].endswith("_small.yaml"), name  # the full-size YAML
    args.size = "small"
    small = program_check.commands(data, str(tmp_path / "out"), args)
    assert all(small[name][2].endswith("_small.yaml") for name in program_check.PROGRAMS)


@pytest.mark.slow
def test_cpu_mode_runs_every_step_and_every_program(tmp_path):
    """``gpu_check.py --cpu``: every step (the compile one is skipped with its reason on
    the CPU) and every program of the program step run; the report says it is CPU-only."""
    summary = gpu_check.main(["--cpu", "--out", str(tmp_path), "--timeout", "400"])
    failed = [row for row in summary if "FAILED" in row[1]]
    assert not failed, failed
    report = (tmp_path / "gpu_check.md").read_text()
    assert report.startswith("# GPU check: CPU ONLY")
    assert "## fp32 and bf16 side by side" in report
    programs = json.loads((tmp_path / "programs" / "program_check.json").read_text())
    assert [row["step"] for row in programs["rows"] if not row["ok"]] == []
    assert len(programs["rows"]) == len(program_check.PROGRAMS) + 1  # + the command line
    bf16 = json.loads((tmp_path / "benchmark_bf16" / "benchmark.json").read_text())
    lmac = next(row for row in bf16["rows"] if row["method"] == "lmac")
    assert 0.0 <= lmac["mask_delta"] <= lmac["mask_delta_max"] < 0.1
    assert any(row[0] == "compile" and "not run on the CPU" in row[1] for row in summary)
