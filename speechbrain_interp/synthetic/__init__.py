"""Procedural synthetic sound-event, ambient-noise and speech-like datasets.

Stand-ins for real corpora in tests, smoke runs and experiments that need
known ground truth:

* :func:`make_esc50_like`: ESC-50 layout. A clip is one event of a class of
  :data:`SOUND_CLASSES` (random onset, length, gain and parameters) plus a
  quiet coloured background noise. The event alone goes to ``sources/``
  (same scaling, so ``clip - source`` is the background) and
  ``meta/synthetic.csv`` says where it lies in time and frequency.
* :func:`make_wham_like`: WHAM! layout (``tr/``, ``cv/``, ``tt/``) of
  multichannel ambient noises (:data:`WHAM_KINDS`) of varying lengths.
* :func:`make_ljspeech_like`: LJSpeech-1.1 layout (``metadata.csv``,
  ``wavs/LJ001-0001.wav``...; 16-bit PCM, 22050 Hz) of single-speaker
  speech-like utterances (:func:`synthesize_utterance`: syllables of a
  pitched, formant-filtered pulse train, noise bursts and pauses).
* :func:`make_urbansound8k_like`: UrbanSound8K layout (``audio/fold<k>/``,
  ``metadata/UrbanSound8K.csv``; the 10 official classes, each rendered by
  a class of :data:`SOUND_CLASSES`) in the real format mix: 11 sample
  rates, mono and stereo, 8-bit to 64-bit float, plain and
  WAVE_FORMAT_EXTENSIBLE headers, 4-s and shorter clips.
* :func:`make_sonyc_ust_like`: SONYC-UST v2 layout (``audio/``,
  ``annotations.csv`` with volunteer, SONYC-team and verified rows,
  ``dcase-ust-taxonomy.yaml``) of multi-label urban scenes: 0-3 events of
  distinct coarse classes (one event kind per class) over an urban-like
  background, with every source in ``sources/`` and the truth in
  ``metadata/synthetic.csv``; the taxonomy is :data:`SONYC_UST_TAXONOMY`.

Each clip or noise file has its own generator, seeded from ``(seed, class or
split, index)``: same arguments, same bytes, whatever subset or order. Wavs
are 32-bit float (16-bit PCM in the LJSpeech layout, as the real files; the
real mix of formats in the UrbanSound8K one). All energy stays below 7.5
kHz, so the content is the same at 16, 22.05 or 44.1 kHz.

Modules:

* :mod:`speechbrain_interp.synthetic.signals`: shared DSP helpers,
  :func:`derive_seed` and the float wav writer.
* :mod:`speechbrain_interp.synthetic.events`: the sound-event classes,
  :func:`synthesize_event` and :func:`synthesize_clip`.
* :mod:`speechbrain_interp.synthetic.noise`: the ambient noises and
  :func:`synthesize_noise`.
* :mod:`speechbrain_interp.synthetic.layouts`: the dataset writers, their
  metadata columns and stale-file removal.
* :mod:`speechbrain_interp.synthetic.speech`: :func:`synthesize_utterance`
  and the LJSpeech-layout writer :func:`make_ljspeech_like`.
* :mod:`speechbrain_interp.synthetic.urbansound`: the UrbanSound8K-layout
  writer :func:`make_urbansound8k_like`, its classes, formats and metadata
  columns.
* :mod:`speechbrain_interp.synthetic.sonyc`: the SONYC-UST-layout writer
  :func:`make_sonyc_ust_like`, the taxonomy, the classes' event kinds and
  the annotation columns.

Authors
 * speechbrain-interp developers 2026
"""

from speechbrain_interp.synthetic.events import (
    SOUND_CLASSES,
    synthesize_clip,
    synthesize_event,
)
from speechbrain_interp.synthetic.layouts import (  # noqa: F401 (column lists: not in __all__)
    ESC50_COLUMNS,
    SYNTHETIC_COLUMNS,
    make_esc50_like,
    make_wham_like,
)
from speechbrain_interp.synthetic.noise import WHAM_KINDS, synthesize_noise
from speechbrain_interp.synthetic.signals import derive_seed
from speechbrain_interp.synthetic.sonyc import make_sonyc_ust_like
from speechbrain_interp.synthetic.sonyc_layout import SONYC_UST_TAXONOMY
from speechbrain_interp.synthetic.speech import make_ljspeech_like, synthesize_utterance
from speechbrain_interp.synthetic.urbansound import (
    URBANSOUND8K_CLASSES,
    URBANSOUND8K_FORMATS,
    make_urbansound8k_like,
)

__all__ = [
    "SONYC_UST_TAXONOMY", "SOUND_CLASSES", "URBANSOUND8K_CLASSES", "URBANSOUND8K_FORMATS",
    "WHAM_KINDS", "derive_seed", "make_esc50_like", "make_ljspeech_like", "make_sonyc_ust_like",
    "make_urbansound8k_like", "make_wham_like",
    "synthesize_clip", "synthesize_event", "synthesize_noise", "synthesize_utterance",
]
