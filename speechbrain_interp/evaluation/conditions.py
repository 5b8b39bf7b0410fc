"""Evaluation conditions: what the classifier hears, and what it is made of.

Every condition turns a batch of clean test clips into a
:class:`ConditionBatch`: the ``mixture`` the classifier and the
interpreters see, and its two parts as they sound in it, ``source`` (the
test clip, scaled) and ``contaminant`` (noise, speech or another clip), with
``mixture == source + contaminant``. Knowing the parts gives the ground truth
of :mod:`speechbrain_interp.evaluation.localization`.

==================  =========================================================
condition           construction (docs/methods.md section 8.3)
==================  =========================================================
``clean``           the clip itself (no contaminant)
``wham``            + WHAM! noise at an SNR drawn in ``[snr_low, snr_high]``
                    (the training augmentation, :class:`WhamAugment`)
``mixture``         + a clip of ANOTHER class, upstream rule: both at unit
                    L2 norm, ``0.8 s1 + 0.2 s2``, peak-normalised
                    (:func:`mix_unit_norm`); ``repeats`` partners per clip
``mixture_snr``     + a clip of another class at an exact SNR
``cross_dataset``   + a clip of ANOTHER dataset (e.g. ESC-50 clips in an
                    UrbanSound8K test set), mixed by the same unit-norm rule
                    (cross-dataset contamination)
``speech``          + LJSpeech-layout speech at 3 dB SNR
``white``           + white Gaussian noise at 3 dB SNR
==================  =========================================================

SNR convention: ``10 log10(sum s^2 / sum (g n)^2) = SNR``, the sum divided by
its peak only when it would clip (:func:`mix_at_snr`).

Determinism: each condition owns a generator seeded from ``seed`` and its
name (:func:`build_conditions`: the order of the list does not matter); clips are
visited in dataset order, so the same dataset, seed and batch size give the
same mixtures. Mixture partners are drawn per clip from a generator seeded by
``(seed, clip index, repeat)``: they do not depend on the batch size.

Authors
 * speechbrain-interp developers 2026
"""

import zlib
from dataclasses import dataclass
from typing import List, Optional

import torch
from speechbrain.utils.logger import get_logger

from speechbrain_interp.augment.mixing import mix_at_snr, mix_unit_norm
from speechbrain_interp.augment.wham import WhamAugment

logger = get_logger(__name__)

__all__ = [
    "CleanCondition", "ConditionBatch", "CrossDatasetCondition", "MixtureCondition",
    "NoiseCondition", "WhiteNoise", "build_conditions",
]  # fmt: skip


@dataclass
class ConditionBatch:
    """A batch of one condition.

    Attributes
    ----------
    ids : list of str
        One id per item (``<clip>`` or ``<clip>+<partner>``).
    mixture : torch.Tensor
        ``[B, N]`` what the classifier hears.
    source : torch.Tensor
        ``[B, N]`` the test clip as it sounds in the mixture.
    contaminant : torch.Tensor or None
        ``[B, N]`` the rest (``mixture - source``); ``None`` for ``clean``.
    label : torch.Tensor
        ``[B]`` true class of the source clip (``[B, C]`` multi-hot for
        multi-label data).
    contaminant_label : torch.Tensor or None
        ``[B]`` true class of the contaminating clip (mixtures only).
    class_sources : torch.Tensor or None
        ``[B, C, N]`` multi-label data with known sources: each class's
        clean source as it sounds in :attr:`mixture` (zeros for an absent
        class); ``source - class_sources.sum(1)`` is the clip's background.
    """

    ids: List[str]
    mixture: torch.Tensor
    source: torch.Tensor
    contaminant: Optional[torch.Tensor]
    label: torch.Tensor
    contaminant_label: Optional[torch.Tensor] = None
    class_sources: Optional[torch.Tensor] = None

    def with_source(self, mixture, source, contaminant):
        """This batch's labels and class sources for a new mix of its clips.

        ``source`` is the clip as it sounds in the new ``mixture`` (a scaled
        copy of :attr:`source`); the class sources get the same per-clip gain.
        """
        class_sources = self.class_sources
        if class_sources is not None:
            gain = (source * self.source).sum(-1) / self.source.pow(2).sum(-1).clamp_min(1e-12)
            class_sources = class_sources * gain[:, None, None]
        return ConditionBatch(self.ids, mixture, source, contaminant, self.label, None,
                              class_sources)


class WhiteNoise:
    """A noise "bank" of seeded white Gaussian noise (``sample`` like :class:`NoiseBank`).

    Arguments
    ---------
    seed : int
        Seed of :attr:`generator`.

    Example
    -------
    >>> bank = WhiteNoise(seed=3)
    >>> bank.sample(2, 100).shape
    torch.Size([2, 100])
    >>> torch.equal(WhiteNoise(3).sample(1, 10), WhiteNoise(3).sample(1, 10))
    True
    """

    def __init__(self, seed=0):
        self.generator = torch.Generator().manual_seed(int(seed))

    def sample(self, batch_size, num_samples):
        """``[batch_size, num_samples]`` standard normal samples."""
        return torch.randn(int(batch_size), int(num_samples), generator=self.generator)

    def __repr__(self):
        return "WhiteNoise()"


def _batches(n_items, batch_size):
    for start in range(0, n_items, batch_size):
        yield range(start, min(start + batch_size, n_items))


LABEL_KEY = "class_string_encoded"


SOURCES_KEY = "class_sources"


def _label(value):
    """An int class, or the ``[C]`` multi-hot tensor of multi-label data."""
    value = torch.as_tensor(value)
    return value.float() if value.dim() == 1 and value.numel() > 1 else int(value)


def _load(dataset, index):
    """``(id, wave, class, class sources or None)`` of item ``index``; class -1
    when the data has no labels."""
    item = dataset[index]
    label = _label(item[LABEL_KEY]) if LABEL_KEY in item else -1
    return item["id"], item["sig"], label, item.get(SOURCES_KEY)


def _classes(dataset):
    """True class of every item, without loading the audio."""
    if len(dataset) and LABEL_KEY not in dataset[0]:
        raise ValueError(f"mixtures need labelled data: the dataset has no {LABEL_KEY!r} key")
    with dataset.output_keys_as([LABEL_KEY]):
        classes = [_label(dataset[i][LABEL_KEY]) for i in range(len(dataset))]
    if classes and torch.is_tensor(classes[0]):
        raise ValueError(
            "mixture conditions pair clips of different classes: multi-label data takes "
            "clean, wham, speech, white or cross_dataset"
        )
    return classes


class CleanCondition:
    """The test clips as they are.

    Arguments
    ---------
    name : str
        Name used in tables and folders.
    """

    def __init__(self, name="clean"):
        self.name = name

    def n_items(self, dataset):
        """How many items :meth:`batches` yields over ``dataset`` (for progress)."""
        return len(dataset)

    def batches(self, dataset, batch_size):
        """Yields :class:`ConditionBatch` over ``dataset`` (keys ``id``, ``sig``,
        ``class_string_encoded``), in order."""
        for rows in _batches(len(dataset), batch_size):
            ids, waves, labels, sources = zip(*(_load(dataset, i) for i in rows))
            wave = torch.stack(waves)
            labels = torch.stack(labels) if torch.is_tensor(labels[0]) else torch.tensor(labels)
            sources = None if any(x is None for x in sources) else torch.stack(sources)
            yield ConditionBatch(list(ids), wave, wave, None, labels, None, sources)


class NoiseCondition(CleanCondition):
    """Clips plus noise from a bank (WHAM!, LJSpeech speech, white noise).

    Arguments
    ---------
    name : str
        Name used in tables and folders.
    bank : object
        Has ``sample(batch, num_samples)`` and a ``generator``
        (:class:`~speechbrain_interp.data.wham.NoiseBank`,
        :class:`WhiteNoise`).
    snr_low, snr_high : float
        SNR range in dB (equal for a fixed SNR, e.g. 3 dB).

    Example
    -------
    >>> from speechbrain_interp.augment.mixing import measured_snr
    >>> cond = NoiseCondition("white", WhiteNoise(0), 3.0, 3.0)
    >>> data = [{"id": "a", "sig": torch.sin(torch.arange(4000.0) / 5), "class_string_encoded": 1}]
    >>> batch = next(cond.batches(_ListDataset(data), 4))
    >>> round(float(measured_snr(batch.source, batch.contaminant)), 3)
    3.0
    >>> bool(torch.allclose(batch.source + batch.contaminant, batch.mixture, atol=1e-6))
    True
    """

    def __init__(self, name, bank, snr_low, snr_high):
        super().__init__(name)
        self.mixer = WhamAugment(bank, snr_low=snr_low, snr_high=snr_high, mode="snr", prob=1.0)

    def batches(self, dataset, batch_size):
        """As :meth:`CleanCondition.batches`, with the noise added."""
        for batch in super().batches(dataset, batch_size):
            mixture, noise = self.mixer(batch.source, return_noise=True)
            yield batch.with_source(mixture, mixture - noise, noise)


class MixtureCondition(CleanCondition):
    """Each clip mixed with clips of other classes from the same set.

    Arguments
    ---------
    name : str
        Name used in tables and folders.
    rule : str
        ``"unit_norm"``: upstream's ``weights[0] s1/||s1|| + weights[1]
        s2/||s2||``, peak-normalised; ``"snr"``: ``s2`` scaled to ``snr_db``
        below ``s1``.
    weights : tuple of float
        Gains of the unit-norm rule ([H] 0.8, 0.2).
    snr_db : float
        SNR of the ``"snr"`` rule.
    repeats : int
        Mixtures per clip ([H] 2), each with its own random partner.
    seed : int
        Seed of the partner draws.

    Example
    -------
    >>> generator = torch.Generator().manual_seed(0)
    >>> data = [{"id": str(i), "sig": torch.randn(800, generator=generator),
    ...          "class_string_encoded": i % 4} for i in range(8)]
    >>> cond = MixtureCondition("mixture", repeats=2, seed=1)
    >>> batch = next(cond.batches(_ListDataset(data), 32))
    >>> len(batch.ids), bool((batch.label != batch.contaminant_label).all())
    (16, True)
    >>> bool(torch.allclose(batch.source + batch.contaminant, batch.mixture, atol=1e-6))
    True
    """

    def __init__(self, name="mixture", rule="unit_norm", weights=(0.8, 0.2), snr_db=0.0,
                 repeats=2, seed=0):
        super().__init__(name)
        if rule not in ("unit_norm", "snr"):
            raise ValueError(f"rule must be 'unit_norm' or 'snr', got {rule!r}")
        self.rule, self.weights, self.snr_db = rule, tuple(weights), float(snr_db)
        self.repeats, self.seed = int(repeats), int(seed)

    def mix(self, s1, s2):
        """``(mixture, source, contaminant)`` of ``[B, N]`` clips by this condition's rule."""
        if self.rule == "unit_norm":
            return mix_unit_norm(s1, s2, self.weights, return_parts=True)
        return mix_at_snr(s1, s2, self.snr_db, return_parts=True)

    def n_items(self, dataset):
        """``repeats`` mixtures per clip (fewer when the set has too few pairs)."""
        return len(self.partners(dataset))

    def partners(self, dataset):
        """``[(clip index, partner index)]`` for every mixture, in order.

        Every pair of clips is mixed once at most: once ``A + B`` is drawn,
        neither ``A + B`` again nor ``B + A`` is (two draws of one pair would
        count one mixture twice in the means). Each draw is uniform among the
        free partners that cost the clips still to come nothing (clips whose
        own mixtures are drawn), else among those in the fewest pairs so far.
        A dead end (possible when pairs are scarce) redraws everything from
        the next seed, up to :attr:`ATTEMPTS` times; a set with too few pairs
        for ``repeats`` mixtures per clip gets fewer, with a warning that
        says how many.

        Example
        -------
        >>> data = [{"id": str(i), "sig": torch.zeros(8), "class_string_encoded": i % 3} for i in range(7)]
        >>> pairs = MixtureCondition(repeats=2, seed=0).partners(_ListDataset(data))
        >>> len(pairs), len({frozenset(p) for p in pairs})
        (14, 14)
        >>> MixtureCondition(repeats=2).partners(_ListDataset(data[:2]))
        [(0, 1)]
        """
        classes = _classes(dataset)
        best = None
        for attempt in range(self.ATTEMPTS):
            pairs = self._draw_partners(classes, attempt)
            if best is None or len(pairs) > len(best):
                best = pairs
            if len(best) == len(classes) * self.repeats:
                return best
        logger.warning(
            "%s: %d of %d mixtures drawn (%d clips x %d): the set has too few pairs of clips "
            "of different classes, and every pair is mixed once at most", self.name, len(best),
            len(classes) * self.repeats, len(classes), self.repeats)
        return best

    #: full redraws tried before a set is taken to have too few pairs
    ATTEMPTS = 20

    def _draw_partners(self, classes, attempt):
        """One draw of :meth:`partners` (dead ends skipped)."""
        pairs, used, degree = [], set(), [0] * len(classes)
        for i, label in enumerate(classes):
            others = [j for j, c in enumerate(classes) if c != label]
            if not others:
                raise ValueError(
                    f"clip {i} has no partner of another class: the mixture condition "
                    "needs at least two classes in the evaluation set"
                )
            for r in range(self.repeats):
                free = [j for j in others if frozenset((i, j)) not in used]
                if not free:
                    continue
                done = [j for j in free if j < i]
                if done:
                    free = done
                else:
                    fewest = min(degree[j] for j in free)
                    free = [j for j in free if degree[j] == fewest]
                seed = self.seed * 1_000_003 + i * 101 + r + attempt * 7_919
                gen = torch.Generator().manual_seed(seed)
                j = free[int(torch.randint(len(free), (1,), generator=gen))]
                used.add(frozenset((i, j)))
                degree[i], degree[j] = degree[i] + 1, degree[j] + 1
                pairs.append((i, j))
        return pairs

    def batches(self, dataset, batch_size):
        """Yields the mixtures of every clip with its partners, in order."""
        pairs = self.partners(dataset)
        for rows in _batches(len(pairs), batch_size):
            first = [_load(dataset, pairs[k][0]) for k in rows]
            second = [_load(dataset, pairs[k][1]) for k in rows]
            s1 = torch.stack([w for _, w, _, _ in first])
            s2 = torch.stack([w for _, w, _, _ in second])
            mixture, source, other = self.mix(s1, s2)
            yield ConditionBatch(
                [f"{a[0]}+{b[0]}" for a, b in zip(first, second)],
                mixture, source, other,
                torch.tensor([c for _, _, c, _ in first]),
                torch.tensor([c for _, _, c, _ in second]),
            )


class CrossDatasetCondition(MixtureCondition):
    """Each clip mixed with a clip of another dataset (cross-dataset contamination).

    The contaminant is a crop of a file drawn from ``bank`` (e.g. the audio
    folder of ESC-50 when the test clips are UrbanSound8K's, or the other way
    round; :func:`build_conditions` places a file shorter than the clip once,
    in silence); it is mixed by the rule of :class:`MixtureCondition`. Its class
    is not one of the classifier's, so ``contaminant_label`` is None, as for
    noise.

    Arguments
    ---------
    name : str
        Name used in tables and folders.
    bank : object
        Has ``sample(batch, num_samples)`` and a seeded ``generator``
        (:class:`~speechbrain_interp.data.wham.NoiseBank` over the other
        dataset's files).
    rule, weights, snr_db
        As in :class:`MixtureCondition`.

    Example
    -------
    >>> data = [{"id": str(i), "sig": torch.randn(800), "class_string_encoded": 0} for i in range(3)]
    >>> cond = CrossDatasetCondition("cross_dataset", WhiteNoise(0))
    >>> batch = next(cond.batches(_ListDataset(data), 16))
    >>> len(batch.ids), batch.contaminant_label is None
    (3, True)
    >>> bool(torch.allclose(batch.source + batch.contaminant, batch.mixture, atol=1e-6))
    True
    """

    def __init__(self, name, bank, rule="unit_norm", weights=(0.8, 0.2), snr_db=0.0):
        super().__init__(name, rule, weights, snr_db, repeats=1)
        self.bank = bank

    def batches(self, dataset, batch_size):
        """Yields every clip mixed with a fresh draw from the bank, in order."""
        for batch in CleanCondition.batches(self, dataset, batch_size):
            other = self.bank.sample(batch.source.shape[0], batch.source.shape[-1])
            mixture, source, contaminant = self.mix(batch.source, other)
            yield batch.with_source(mixture, source, contaminant)


class _ListDataset(list):
    """A list of item dicts with the dataset calls the conditions use (tests, doctests)."""

    def output_keys_as(self, keys):
        import contextlib

        return contextlib.nullcontext()


def build_conditions(names, sample_rate, segment_samples, seed=0, wham_folder=None,
                     wham_subset="tt", wham_snr=(0.0, 15.0), speech_folder=None, speech_snr=3.0,
                     white_snr=3.0, mixture_weights=(0.8, 0.2), mixture_snr=0.0,
                     mixture_repeats=2, cross_dataset_folder=None, speech_part="test",
                     speech_held_out=0.2):
    """The named conditions, configured (name -> condition object, in order).

    Arguments
    ---------
    names : sequence of str
        Among ``clean, wham, mixture, mixture_snr, cross_dataset, speech, white``.
    sample_rate : int
        Classifier sample rate (noise banks resample to it).
    segment_samples : int
        Clip length in samples.
    seed : int
        Base seed; each condition derives its own.
    wham_folder, wham_subset : str
        WHAM! root and subset (needed by ``wham``).
    wham_snr : tuple of float
        SNR range of ``wham`` in dB.
    speech_folder : str
        LJSpeech-layout root (needed by ``speech``).
    speech_part, speech_held_out
        Which of its utterances are mixed in
        (:func:`~speechbrain_interp.data.ljspeech.split_utterances`):
        ``"test"``, the held-out last ``speech_held_out`` fraction that
        training-time contamination never uses, or ``"all"``.
    speech_snr, white_snr, mixture_snr : float
        Fixed SNRs in dB ([P] 3 dB for speech and white noise).
    mixture_weights : tuple of float
        Gains of the unit-norm mixture rule.
    mixture_repeats : int
        Mixtures per clip.
    cross_dataset_folder : str
        Folder of another dataset's audio files, listed recursively (needed
        by ``cross_dataset``; e.g. ESC-50's ``audio/``); mixed by the
        unit-norm rule with ``mixture_weights``.

    Returns
    -------
    dict

    Example
    -------
    >>> conds = build_conditions(["clean", "white", "mixture"], 16000, 16000)
    >>> {k: type(v).__name__ for k, v in conds.items()}
    {'clean': 'CleanCondition', 'white': 'NoiseCondition', 'mixture': 'MixtureCondition'}
    >>> build_conditions(["speech"], 16000, 16000)
    Traceback (most recent call last):
    ...
    ValueError: condition 'speech' needs speech_folder (an LJSpeech-layout folder)
    """
    from speechbrain_interp.data.wham import NoiseBank

    out = {}
    for name in names:
        # seeded by name, so a condition gives the same mixtures whatever the list order
        cond_seed = int(seed) * 1_000_003 + zlib.crc32(name.encode()) % 1_000_003
        if name == "clean":
            out[name] = CleanCondition(name)
        elif name == "wham":
            if not wham_folder:
                raise ValueError("condition 'wham' needs wham_folder (a WHAM! noise folder)")
            bank = NoiseBank(wham_folder, sample_rate, segment_samples, subset=wham_subset,
                             seed=cond_seed)
            out[name] = NoiseCondition(name, bank, *wham_snr)
        elif name == "cross_dataset":
            if not cross_dataset_folder:
                raise ValueError(
                    "condition 'cross_dataset' needs cross_dataset_folder (the audio folder "
                    "of another dataset)"
                )
            bank = NoiseBank(cross_dataset_folder, sample_rate, segment_samples, subset=None,
                             seed=cond_seed, short="pad")  # a short event is not repeated
            out[name] = CrossDatasetCondition(name, bank, "unit_norm", mixture_weights)
        elif name == "speech":
            if not speech_folder:
                raise ValueError(
                    "condition 'speech' needs speech_folder (an LJSpeech-layout folder)"
                )
            from speechbrain_interp.data.ljspeech import speech_bank

            bank = speech_bank(speech_folder, sample_rate, segment_samples, seed=cond_seed,
                               part=speech_part, held_out=speech_held_out)
            out[name] = NoiseCondition(name, bank, speech_snr, speech_snr)
        elif name == "white":
            out[name] = NoiseCondition(name, WhiteNoise(cond_seed), white_snr, white_snr)
        elif name == "mixture":
            out[name] = MixtureCondition(name, "unit_norm", mixture_weights,
                                         repeats=mixture_repeats, seed=cond_seed)
        elif name == "mixture_snr":
            out[name] = MixtureCondition(name, "snr", snr_db=mixture_snr,
                                         repeats=mixture_repeats, seed=cond_seed)
        else:
            raise ValueError(
                f"unknown condition {name!r}; known: clean, wham, mixture, mixture_snr, "
                "cross_dataset, speech, white"
            )
    return out
