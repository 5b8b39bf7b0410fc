"""Exports tiny interpreter folders with the code of commit a46efb8 (before issue 27's method packages)."""
import sys, torch
REPO = __import__("pathlib").Path(__file__).resolve().parents[3]
sys.path[:0] = [str(REPO / "tests"), str(REPO)]
from helpers import tiny_classifier
from speechbrain.dataio.encoder import CategoricalEncoder
from speechbrain_interp.interpreters import LMAC, PIQ, L2I, PerceptionVisualization, RDE, Saliency, GradCAM, AllOnes
from speechbrain_interp.nmf import NMFDictionary
from speechbrain_interp.pretrained import write_interpreter
out = sys.argv[1]
clf = tiny_classifier(3, n_mels=40, seed=0).eval()
enc = CategoricalEncoder(); enc.update_from_iterable(["a", "b", "c"])
settings = {"window_s": 1.0, "hop_s": 1.0, "batch_size": 2, "top_k": 2, "normalize_windows": True}
torch.manual_seed(1)
W = torch.rand(513, 6)
nmf = NMFDictionary(513, 6, n_iter=5)
with torch.no_grad():
    nmf.W.copy_(W / W.norm(dim=0, keepdim=True))
made = {
    "lmac": LMAC(clf, decoder_width=8),
    "piq": PIQ(clf, n_codes=12, dim=16, decoder_width=8),
    "l2i": L2I(clf, nmf_dictionary=nmf, n_components=6, width=8, attention_dim=8, relevance_threshold=0.0),
    "pv": PerceptionVisualization(clf, channels=(8, 8, 8, 8, 8)),
    "rde": RDE(clf, steps=3, n_samples=2),
    "saliency": Saliency(clf),
    "gradcam": GradCAM(clf),
    "allones": AllOnes(clf),
}
with torch.no_grad():
    for p in made["pv"].reconstructor.decoder.parameters():
        p.abs_()
made["pv"].reconstructor.range.update(torch.tensor([[[0.0, 4.0]]]))
for name, interp in made.items():
    write_interpreter(f"{out}/{name}", interp.eval(), enc, settings)
    print(name)
