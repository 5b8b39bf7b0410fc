"""``torchrun --nproc_per_node=2`` (gloo, CPU) on the interpreter and NMF programs.

The interpreter program trains ONE interpreter on two processes: the
training forward goes through the DDP wrapper, so the gradients of the two
data shards are averaged and both processes end with the same decoder
(compared from each process's own saved state). A negative control runs the
same with the forward bypassing the wrapper (the old behaviour): the two
decoders then differ, silently. Logs, checkpoints and exports are written
once. (The classification program's torchrun test is in
test_classification_recipe.py.)
"""

import json
import textwrap

import pytest
import torch

from helpers import CLEAN_TRAINING, REPO, torchrun, write_tiny_esc50
from speechbrain_interp.programs import nmf_dictionary

INTERPRET = REPO / "recipes" / "ESC50" / "interpret"
CLASSIFICATION = REPO / "recipes" / "ESC50" / "classification"

pytestmark = pytest.mark.slow  # every test launches torchrun

#: runs the interpreter program, then saves this process's trained parts
WRAPPER = textwrap.dedent('''
    import sys, torch
    import torch.distributed as dist
    import speechbrain as sb
    from speechbrain_interp.brains.interpretation import InterpreterBrain
    from speechbrain_interp.programs.interpretation import main

    out, bypass, argv = sys.argv[1], sys.argv[2] == "bypass", sys.argv[3:]
    if bypass:  # the old behaviour: the training forward of the unwrapped interpreter
        original = InterpreterBrain.compute_forward

        def compute_forward(self, batch, stage):
            if stage != sb.Stage.TRAIN:
                return original(self, batch, stage)
            wavs = batch.to(self.device).sig[0]
            return self.interpreter.interpret(wavs, with_wave=False), wavs, None  # clean batch

        InterpreterBrain.compute_forward = compute_forward
    brain = main(argv)
    state = {name: {k: v.detach().clone() for k, v in part.state_dict().items()}
             for name, part in brain.interpreter.trained_parts().items()}
    torch.save(state, f"{out}/rank{dist.get_rank()}.pt")
''')


def run_torchrun(*args, cwd):
    result = torchrun([*args, "--distributed_backend", "gloo"], cwd=cwd)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """4 classes x 10 one-second clips and a narrow one-epoch classifier of them."""
    from speechbrain_interp.programs.classification import main

    root = tmp_path_factory.mktemp("ddp")
    write_tiny_esc50(root)
    main([str(CLASSIFICATION / "hparams" / "cnn14_small.yaml"), "--data_folder",
          str(root / "ESC-50"), "--output_folder", str(root / "classifier"), "--n_classes", "4",
          "--signal_length_s", "1.0", "--base_channels", "4", "--emb_dim", "128",
          "--batch_size", "4", "--number_of_epochs", "1", "--noprogressbar"])
    (root / "wrapper.py").write_text(WRAPPER)
    return root


def _interpreter_run(setup, tmp_path, yaml, mode, *extra):
    out = tmp_path / "run"
    run_torchrun(setup / "wrapper.py", out, mode, INTERPRET / "hparams" / yaml,
             "--data_folder", setup / "ESC-50", "--classifier_source",
             setup / "classifier" / "pretrained", "--output_folder", out,
             "--signal_length_s", "1.0", "--number_of_epochs", "1", "--batch_size", "4",
             "--noprogressbar", "--test_folds", "[]", *CLEAN_TRAINING, *extra, cwd=tmp_path)
    states = [torch.load(out / f"rank{r}.pt") for r in (0, 1)]
    return out, states


def _differing(states):
    a, b = states
    return [f"{part}.{key}" for part in a for key in a[part]
            if not torch.equal(a[part][key], b[part][key])]


def test_interpreter_program_trains_one_interpreter_on_two_processes(setup, tmp_path):
    """L-MAC here; PIQ, L2I and PV take the same path (one program, one Brain)."""
    parts = ["decoder"]
    out, states = _interpreter_run(setup, tmp_path, "lmac_small.yaml", "ddp")
    assert sorted(states[0]) == parts
    assert _differing(states) == []  # parameters and buffers: one interpreter
    log = (out / "train_log.txt").read_text().splitlines()
    assert [line.split(",")[0] for line in log] == ["epoch: 1"]  # logged once
    checkpoints = [p.name for p in (out / "save").iterdir() if p.name.startswith("CKPT")]
    assert len(checkpoints) == 1 and not (out / "save" / ".partial").exists()
    exported = torch.load(out / "pretrained" / "interpreter.ckpt")  # written once, by rank 0
    prefix = f"{parts[0]}."
    assert sorted(k[len(prefix):] for k in exported if k.startswith(prefix)) == sorted(states[0][parts[0]])


def test_bypassing_the_ddp_wrapper_trains_two_different_interpreters(setup, tmp_path):
    """Negative control: the comparison above detects the bug the wrapper fixes."""
    _, states = _interpreter_run(setup, tmp_path, "lmac_small.yaml", "bypass")
    assert len(_differing(states)) > 10


def test_nmf_program_runs_once_under_torchrun(setup, tmp_path):
    """The dictionary is learned and written by the main process only; the same as one process."""
    args = [INTERPRET / "hparams" / "nmf_small.yaml", "--data_folder", setup / "ESC-50",
            "--classifier_source", setup / "classifier" / "pretrained",
            "--signal_length_s", "1.0", "--n_components", "8", "--nmf_iterations", "5"]
    result = run_torchrun(INTERPRET / "train_nmf.py", *args, "--output_folder", tmp_path / "ddp",
                      cwd=tmp_path)
    assert (result.stdout + result.stderr).count("sparse NMF:") == 1  # one process did the work
    report = json.loads((tmp_path / "ddp" / "nmf_report.json").read_text())
    nmf_dictionary.main([*map(str, args), "--output_folder", str(tmp_path / "single")])
    # the same figures up to rounding (torchrun runs one thread per process)
    one_report = json.loads((tmp_path / "single" / "nmf_report.json").read_text())
    assert one_report["objective_history"] == pytest.approx(report["objective_history"], rel=1e-9)
    assert one_report["relative_error"] == pytest.approx(report["relative_error"], rel=1e-9)
    ddp = torch.load(tmp_path / "ddp" / "pretrained" / "nmf_dictionary.ckpt")
    one = torch.load(tmp_path / "single" / "pretrained" / "nmf_dictionary.ckpt")
    assert all(torch.allclose(ddp[k], one[k], rtol=1e-6, atol=1e-9) for k in one)


#: saves and prunes checkpoints on two processes; the main process is slow to
#: move each new checkpoint into place (as on a loaded machine)
CHECKPOINTS = textwrap.dedent('''
    import os, sys, time, torch
    import torch.distributed as dist
    from speechbrain_interp.brains import checkpoints

    dist.init_process_group("gloo")
    rank = dist.get_rank()
    replace = os.replace

    def slow_replace(src, dst):
        time.sleep(0.3)
        replace(src, dst)

    checkpoints.os.replace = slow_replace
    model = torch.nn.Linear(2, 2)
    ckpt = checkpoints.AtomicCheckpointer(sys.argv[1], {"model": model})
    for epoch in range(4):
        with torch.no_grad():
            model.weight.fill_(epoch)
        ckpt.save_and_keep_only(meta={"epoch": epoch}, num_to_keep=1)
    found = sorted(p.name for p in ckpt.checkpoints_dir.iterdir() if p.name.startswith("CKPT"))
    print(f"rank {rank}: {len(found)} checkpoint(s), epoch {ckpt.find_checkpoint().meta['epoch']}")
    dist.destroy_process_group()
''')


def test_checkpoints_saved_and_pruned_in_step_on_two_processes(tmp_path):
    """Every process lists the checkpoints only once the new one is in place:
    upstream's pruning broadcasts once per deletion, so a process that listed
    the folder before the main process's rename deadlocked the other one
    (seen as a hang or a SIGABRT of the 2-process classification run)."""
    script = tmp_path / "checkpoints_ddp.py"
    script.write_text(CHECKPOINTS)
    result = torchrun([script, tmp_path / "save"], cwd=tmp_path, timeout=90)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for rank in (0, 1):
        assert f"rank {rank}: 1 checkpoint(s), epoch 3" in result.stdout
