"""Small objects for examples, tests and smoke runs.

:func:`small_classifier` is the one place a narrow CNN14 classifier is
built for the docstrings' examples and the tests: a full-size CNN14 costs
about a second per forward on a CPU, a base width of 4 a few milliseconds.

Authors
 * speechbrain-interp developers 2026
"""

import torch

from speechbrain_interp.classifier import AudioClassifier
from speechbrain_interp.frontend import SpectralFrontEnd
from speechbrain_interp.models import CNN14

__all__ = ["small_classifier"]


def small_classifier(n_classes=3, *, n_mels=80, base_channels=4, multilabel=False, frontend=None,
                     seed=None, **encoder_options):
    """A narrow CNN14 classifier: ``AudioClassifier(frontend, CNN14, Linear)``.

    The encoder is built before the head, from the current random state
    (``seed``, when given, seeds it first); the default front end
    (``SpectralFrontEnd(n_mels=n_mels)``) has no parameters and draws
    nothing. The model is returned in training mode: ``.eval()`` or
    ``.freeze()`` it to explain it.

    Arguments
    ---------
    n_classes : int
        Outputs of the head.
    n_mels : int
        Mel bands of the default front end and input size of the encoder.
    base_channels : int
        CNN14's first width (64 in the paper's model).
    multilabel : bool
        Sigmoid outputs (a tagger) instead of a softmax.
    frontend : speechbrain_interp.frontend.SpectralFrontEnd, optional
        Another front end (its ``n_features`` must be ``n_mels``).
    seed : int, optional
        Seeds the global RNG first.
    **encoder_options
        Given to :class:`~speechbrain_interp.models.CNN14` (``n_blocks``,
        ``dropout``, ...).

    Returns
    -------
    speechbrain_interp.classifier.AudioClassifier

    Example
    -------
    >>> clf = small_classifier(3, seed=0).eval()
    >>> clf(wave=torch.randn(2, 16000)).logits.shape
    torch.Size([2, 3])
    >>> small_classifier(5, n_blocks=2, multilabel=True).multilabel
    True
    """
    if seed is not None:
        torch.manual_seed(seed)
    encoder = CNN14(n_mels=n_mels, base_channels=base_channels, **encoder_options)
    head = torch.nn.Linear(encoder.emb_dim, n_classes)
    if frontend is None:
        frontend = SpectralFrontEnd(n_mels=n_mels)
    return AudioClassifier(frontend, encoder, head, multilabel=multilabel)
