"""Interprets one fixed clip with each exported folder; writes the figures the after-move test compares."""
import json, sys, torch
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[3]))
from speechbrain_interp.inference import AudioInterpreter
root, out = sys.argv[1], sys.argv[2]
g = torch.Generator().manual_seed(3)
wave = 0.1 * torch.randn(1, 16000, generator=g)
figures = {}
for name in ["allones", "gradcam", "l2i", "lmac", "piq", "pv", "rde", "saliency"]:
    interp = AudioInterpreter.from_hparams(f"{root}/{name}")
    res = interp.interpret_batch(wave)
    m = res.mask.float()
    figures[name] = {"class": type(interp.interpreter).__module__ + "." + type(interp.interpreter).__qualname__,
                     "label": int(res.label[0]), "probabilities": [round(float(p), 6) for p in res.probabilities[0]],
                     "mask_shape": list(m.shape), "mask_mean": round(float(m.mean()), 6),
                     "base_magnitude_mean": None if res.base_magnitude is None else round(float(res.base_magnitude.mean()), 5),
                     "mask_sum_over_frames": [round(float(v), 5) for v in m[0].sum(1)[::10]]}
    print(name, figures[name]["class"], figures[name]["mask_mean"])
json.dump(figures, open(out, "w"), indent=1)
