"""Training-time contamination: each clip mixed with what evaluation mixes in.

An interpreter that only ever sees clean (or WHAM!-noisy) clips learns
nothing about masking out a sound of another kind: in evaluation mixtures it
keeps the loud bins whatever their source. :class:`Contamination` mixes every
training clip, on the fly, with one contaminant of a kind drawn per clip:

==============  ============================================================
kind            contaminant
==============  ============================================================
``clean``       none (the clip as it is)
``other_class`` another clip of the batch whose class differs (its class is
                returned, so that the caller knows which part a decision
                is about); a clip with no such partner stays clean
``speech``      a crop of the training part of an LJSpeech-layout folder
                (:func:`~speechbrain_interp.data.ljspeech.speech_bank` with
                ``part="train"``)
``noise``       a crop of WHAM! noise (its ``tr`` subset)
==============  ============================================================

at an SNR drawn uniformly in ``[snr_low, snr_high]`` dB
(:func:`~speechbrain_interp.augment.mixing.mix_at_snr`). The parts are kept:
``mixture == source + contaminant``, as in the evaluation conditions, so an
objective can be told what the explained part sounds like (L-MAC's guidance,
:class:`~speechbrain_interp.interpreters.LMAC`). Evaluation draws its
contaminants from held-out data (test folds, held-out utterances, WHAM!
``tt``): nothing mixed in at test time was heard in training.

Every draw comes from one generator (:attr:`Contamination.generator`, shared
with the banks), in this order per call: ``B`` kinds, ``B`` SNRs, ``B``
partner positions, then the banks' draws; a checkpoint that saves its state
resumes the same mixtures.

Authors
 * speechbrain-interp developers 2026
"""

from dataclasses import dataclass
import torch

from speechbrain_interp.augment.mixing import mix_at_snr

__all__ = ["Contaminated", "Contamination", "KINDS"]

#: the kinds of contaminant, in the order their probabilities are read
KINDS = ("clean", "other_class", "speech", "noise")


@dataclass
class Contaminated:
    """A contaminated batch.

    Attributes
    ----------
    mixture : torch.Tensor
        ``[B, N]`` what the classifier hears.
    source : torch.Tensor
        ``[B, N]`` the clip as it sounds in the mixture.
    contaminant : torch.Tensor
        ``[B, N]`` the rest (zeros for clean items).
    contaminant_label : torch.Tensor
        ``[B]`` class of the contaminant (a partner clip's class), -1 when
        it has none (noise, speech, clean items).
    kind : list of str
        The kind of contaminant of each item (:data:`KINDS`).
    """

    mixture: torch.Tensor
    source: torch.Tensor
    contaminant: torch.Tensor
    contaminant_label: torch.Tensor
    kind: list


class Contamination(torch.nn.Module):
    """Mixes each clip of a batch with a contaminant of a randomly drawn kind.

    Arguments
    ---------
    probabilities : dict
        Kind (:data:`KINDS`) -> probability; missing kinds have 0; they must
        sum to 1.
    snr_low, snr_high : float
        SNR range in dB of the clip over its contaminant.
    speech_bank, noise_bank : object, optional
        Have ``sample(batch, num_samples)`` (e.g.
        :class:`~speechbrain_interp.data.wham.NoiseBank`); needed when the
        kind has a non-zero probability.
    generator : torch.Generator, optional
        The generator of every draw (pass the banks' own, so that one state
        resumes them all); default: a new one seeded with ``seed``.
    seed : int
        Seed of the default generator.

    Example
    -------
    >>> from speechbrain_interp.evaluation.conditions import WhiteNoise
    >>> gen = torch.Generator().manual_seed(0)
    >>> contaminate = Contamination({"other_class": 0.5, "noise": 0.5}, 5.0, 5.0,
    ...                             noise_bank=WhiteNoise(1), generator=gen)
    >>> clips = torch.sin(torch.arange(4 * 800.0).reshape(4, 800) / torch.tensor([[3.], [5.], [7.], [9.]]))
    >>> out = contaminate(clips, labels=torch.tensor([0, 0, 1, 2]))
    >>> out.kind
    ['noise', 'noise', 'other_class', 'noise']
    >>> out.contaminant_label.tolist()
    [-1, -1, 0, -1]
    >>> bool(torch.allclose(out.source + out.contaminant, out.mixture, atol=1e-6))
    True
    >>> from speechbrain_interp.augment.mixing import measured_snr
    >>> measured_snr(out.source, out.contaminant).round(decimals=3).tolist()
    [5.0, 5.0, 5.0, 5.0]
    """

    def __init__(self, probabilities, snr_low=0.0, snr_high=15.0, speech_bank=None,
                 noise_bank=None, generator=None, seed=0):
        super().__init__()
        unknown = set(probabilities) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown contamination kinds {sorted(unknown)}; known: {KINDS}")
        probs = torch.tensor([float(probabilities.get(k, 0.0)) for k in KINDS], dtype=torch.float64)
        if (probs < 0).any() or abs(float(probs.sum()) - 1.0) > 1e-6:
            raise ValueError(f"contamination probabilities must be >= 0 and sum to 1, got "
                             f"{dict(probabilities)}")
        for kind, bank in (("speech", speech_bank), ("noise", noise_bank)):
            if bank is None and float(probabilities.get(kind, 0.0)) > 0:
                raise ValueError(f"contamination kind {kind!r} has a probability but no bank "
                                 f"(give {kind}_bank)")
        if snr_low > snr_high:
            raise ValueError(f"snr_low ({snr_low}) > snr_high ({snr_high})")
        self.probabilities = probs
        self.snr_low, self.snr_high = float(snr_low), float(snr_high)
        self.banks = {"speech": speech_bank, "noise": noise_bank}
        self.generator = generator if generator is not None else torch.Generator().manual_seed(
            int(seed))

    def forward(self, wave, labels=None):
        """Contaminates a batch.

        Arguments
        ---------
        wave : torch.Tensor
            ``[B, N]`` clean clips.
        labels : torch.Tensor, optional
            ``[B]`` their classes (needed by ``other_class``; without labels
            those items stay clean).

        Returns
        -------
        Contaminated
        """
        batch, length = wave.shape
        gen, device = self.generator, wave.device
        kinds = torch.multinomial(self.probabilities, batch, replacement=True, generator=gen)
        snr = self.snr_low + (self.snr_high - self.snr_low) * torch.rand(
            batch, generator=gen, dtype=torch.float64)
        pick = torch.rand(batch, generator=gen, dtype=torch.float64)
        kind = [KINDS[int(k)] for k in kinds]
        other = torch.zeros_like(wave)
        other_label = torch.full((batch,), -1, dtype=torch.long)
        labels = None if labels is None else labels.detach().to("cpu").long().reshape(-1)
        for i in range(batch):
            if kind[i] != "other_class":
                continue
            partners = [] if labels is None else (labels != labels[i]).nonzero().flatten()
            if len(partners) == 0:
                kind[i] = "clean"
                continue
            j = int(partners[min(int(pick[i] * len(partners)), len(partners) - 1)])
            other[i], other_label[i] = wave[j], labels[j]
        for name, bank in self.banks.items():
            rows = [i for i in range(batch) if kind[i] == name]
            if rows:
                other[rows] = bank.sample(len(rows), length).to(device, wave.dtype)
        mixed = torch.tensor([k != "clean" for k in kind], device=device)
        mixture, source, contaminant = wave.clone(), wave.clone(), torch.zeros_like(wave)
        if mixed.any():
            parts = mix_at_snr(wave[mixed], other[mixed], snr[mixed.cpu()], return_parts=True)
            mixture[mixed], source[mixed], contaminant[mixed] = parts
        return Contaminated(mixture, source, contaminant, other_label.to(device), kind)

    def extra_repr(self):
        probs = {k: float(p) for k, p in zip(KINDS, self.probabilities) if p > 0}
        return f"probabilities={probs}, snr=[{self.snr_low}, {self.snr_high}] dB"
