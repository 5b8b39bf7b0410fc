"""L-MAC's loss terms: the mask's total variation and the guidance targets.

The objective itself, which combines them with the masked-in and masked-out
terms, is :meth:`~speechbrain_interp.interpreters.lmac.LMAC.loss`
(docs/methods.md section 3).
"""

import torch

__all__ = ["binarized_target", "guidance_target", "normalized_cosine", "total_variation"]


def total_variation(mask):
    """Mean absolute difference between neighbours along time and frequency.

    Arguments
    ---------
    mask : torch.Tensor
        ``[B, T, F]``.

    Returns
    -------
    torch.Tensor
        ``[B]``.

    Example
    -------
    >>> total_variation(torch.tensor([[[0.0, 1.0], [0.0, 1.0]]]))
    tensor([1.])
    """
    dt = (mask[:, 1:] - mask[:, :-1]).abs().mean(dim=(1, 2))
    df = (mask[:, :, 1:] - mask[:, :, :-1]).abs().mean(dim=(1, 2))
    return dt + df


def binarized_target(spectrogram, threshold=0.35):
    """``1[S >= threshold * max S]`` per item (S compressed, ``[B, T, F]``).

    Example
    -------
    >>> binarized_target(torch.tensor([[[1.0, 0.3, 0.5]]]), 0.4)
    tensor([[[1., 0., 1.]]])
    """
    peak = spectrogram.amax(dim=(1, 2), keepdim=True)
    return (spectrogram >= threshold * peak).to(spectrogram.dtype)


def guidance_target(clean, rest=None, threshold=0.35):
    """Fine-tuning target: the binarised clean spectrogram, where it dominates.

    ``1[C >= threshold max C]`` (:func:`binarized_target`, the paper's
    target on a clean clip); when the input also holds a known ``rest`` (a
    contaminant), only the bins where the explained part is louder
    (``C > R``, its ideal binary mask) stay in the target, so that the mask
    learns to leave out what is not the explained sound.

    Arguments
    ---------
    clean : torch.Tensor
        ``[B, T, F]`` compressed magnitude of the explained part.
    rest : torch.Tensor, optional
        ``[B, T, F]`` compressed magnitude of the rest of the input.
    threshold : float
        Binarisation threshold (fraction of each item's maximum).

    Returns
    -------
    torch.Tensor
        ``[B, T, F]`` of 0 and 1.

    Example
    -------
    >>> clean = torch.tensor([[[1.0, 0.3, 0.5, 0.9]]])
    >>> guidance_target(clean, torch.tensor([[[0.0, 0.0, 0.8, 0.1]]]), 0.4)
    tensor([[[1., 0., 0., 1.]]])
    """
    target = binarized_target(clean, threshold)
    if rest is not None:
        target = target * (clean > rest).to(target.dtype)
    return target


def normalized_cosine(a, b, eps=1e-8):
    """Normalised cosine similarity per item of ``[B, T, F]`` tensors."""
    a, b = a.flatten(1), b.flatten(1)
    return (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1) + eps)
