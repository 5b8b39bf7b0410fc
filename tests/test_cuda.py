"""Tests that need a GPU (marker ``cuda``): skipped here, run where CUDA is present
(e.g. by tools/gpu_check.py's machine). Each compares the CUDA result with the CPU one."""

import pytest
import torch

from helpers import tiny_classifier
from speechbrain_interp.interpreters import GradCAM, LMAC

pytestmark = pytest.mark.cuda


def _classifier():
    return tiny_classifier(5, seed=0).freeze()


@pytest.mark.parametrize("method", [GradCAM, LMAC])
def test_masks_on_cuda_match_the_cpu(method):
    clf = _classifier()
    interpreter = method(clf).eval()
    wave = torch.randn(2, 16000)
    # Grad-CAM is asked for fixed classes (a near tie may decide differently on the GPU);
    # this L-MAC explains decisions only, and its mask does not depend on the class
    label = torch.tensor([0, 1]) if interpreter.explains_any_class else None
    grad = torch.enable_grad if interpreter.needs_input_grad else torch.no_grad
    with grad():
        on_cpu = interpreter.interpret(wave, label=label)
        on_gpu = interpreter.to("cuda").interpret(
            wave.cuda(), label=None if label is None else label.cuda())
    assert on_gpu.mask.device.type == "cuda" and on_gpu.wave.device.type == "cuda"
    # TF32 convolutions on the GPU: agreement to 1e-2 on masks in [0, 1]
    assert (on_gpu.mask.cpu() - on_cpu.mask).abs().max() < 1e-2
