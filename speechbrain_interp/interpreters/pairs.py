"""Which (clip, class) pairs an interpretation explains: the decision, a
given class, or every class a multi-label classifier decides
(:func:`explanation_pairs`; docs/methods.md section 7).

Authors
 * speechbrain-interp developers 2026
"""

import torch
import torch.nn.functional as F

__all__ = ["DECISION", "decided_classes", "explanation_pairs"]


#: in a ``[B]`` label tensor: explain this clip's decision
DECISION = -1


def decided_classes(classifier, logits):
    """What the classifier decided: ``[B]`` classes (single-label) or
    ``[B, C]`` booleans (multi-label; the most probable class where none
    passes the threshold).

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> tagger = small_classifier(3, multilabel=True)
    >>> decided_classes(tagger, torch.tensor([[2.0, -1.0, 3.0], [-2.0, -1.0, -3.0]])).tolist()
    [[True, False, True], [False, True, False]]
    """
    logits = logits.detach()
    decided = classifier.decide(logits)
    if decided.dim() == 1:
        return decided.long()
    none = ~decided.any(dim=1)
    return decided | (none[:, None] & F.one_hot(logits.argmax(-1), logits.shape[-1]).bool())


def _label_tensor(label, device):
    """``label`` as a tensor, refused unless it holds class indices.

    Integers (Python, numpy or integer tensors) and, for a ``[B, C]``
    selection, booleans are accepted; floats (``3.7``) and a lone ``True``
    are not, so that a mistaken value never silently explains some class.
    """
    if isinstance(label, bool) or (isinstance(label, float)):
        raise ValueError(f"label must be a class index (int), got {label!r}")
    try:
        tensor = torch.as_tensor(label, device=device)
    except (TypeError, ValueError, RuntimeError) as err:
        raise ValueError(f"label must be a class index or a tensor of them, got {label!r}") from err
    if tensor.is_floating_point() or tensor.is_complex():
        raise ValueError(f"labels must be integer class indices, got a {tensor.dtype} tensor")
    if tensor.dtype == torch.bool and tensor.dim() != 2:
        raise ValueError("boolean labels are a [B, C] class selection; give class indices "
                         f"for one class per clip (got a {tuple(tensor.shape)} boolean tensor)")
    return tensor


def explanation_pairs(classifier, logits, label=None, sample=False, generator=None):
    """Which (clip, class) pairs an interpretation explains.

    Arguments
    ---------
    classifier : speechbrain_interp.classifier.AudioClassifier
        Gives the decision (``decide``) and whether it is multi-label.
    logits : torch.Tensor
        ``[B, C]`` the classifier's logits on the batch.
    label : int, torch.Tensor or None
        ``None``: the decision (single-label), every decided class
        (multi-label; the most probable class where none is decided). An int
        or a ``[B]`` tensor: that class for each clip (single-label: ``-1``,
        :data:`DECISION`, for the clip's decision). A ``[B, C]`` boolean
        (or 0/1) tensor: every selected class of each clip.
    sample : bool
        Multi-label with ``label=None``: one decided class per clip, drawn
        uniformly (training, where each step explains one class per clip).
    generator : torch.Generator, optional
        For the draw.

    Returns
    -------
    clip : torch.Tensor
        ``[P]`` long, batch index of each pair.
    label : torch.Tensor
        ``[P]`` long, class of each pair.

    Example
    -------
    >>> from speechbrain_interp.examples import small_classifier
    >>> tagger = small_classifier(3, multilabel=True)
    >>> logits = torch.tensor([[2.0, -1.0, 3.0], [-2.0, -1.0, -3.0]])
    >>> [t.tolist() for t in explanation_pairs(tagger, logits)]
    [[0, 0, 1], [0, 2, 1]]
    >>> [t.tolist() for t in explanation_pairs(tagger, logits, label=1)]
    [[0, 1], [1, 1]]
    >>> picked = torch.tensor([[False, True, True], [True, False, False]])
    >>> [t.tolist() for t in explanation_pairs(tagger, logits, label=picked)]
    [[0, 0, 1], [1, 2, 0]]
    """
    logits = logits.detach()
    n_clips, n_classes = logits.shape
    device = logits.device
    every = torch.arange(n_clips, device=device)
    if label is None:
        decided = decided_classes(classifier, logits)
        if decided.dim() == 1:
            return every, decided
        if sample:
            weights = decided.float()
            chosen = torch.multinomial(weights.cpu(), 1, generator=generator).reshape(-1)
            return every, chosen.to(device)
        label = decided
    label = _label_tensor(label, device)
    if label.dim() == 0:
        label = label.expand(n_clips)
    if label.dim() == 2:
        if tuple(label.shape) != (n_clips, n_classes):
            raise ValueError(f"a [B, C] label selection must be {(n_clips, n_classes)}, got "
                             f"{tuple(label.shape)}")
        clip, label = torch.nonzero(label.bool(), as_tuple=True)
        if clip.numel() == 0:
            raise ValueError("the label selection selects no class to explain")
        return clip, label
    if label.dim() != 1 or label.shape[0] != n_clips:
        raise ValueError(f"label must be an int, [B] or [B, C] for a batch of {n_clips}, "
                         f"got shape {tuple(label.shape)}")
    label = label.long()
    if bool((label == DECISION).any()):
        decided = decided_classes(classifier, logits)
        if decided.dim() != 1:
            raise ValueError("-1 (the decision) is for single-label classifiers")
        label = torch.where(label == DECISION, decided, label)
    if bool(((label < 0) | (label >= n_classes)).any()):
        raise ValueError(f"labels {label.tolist()} out of range for {n_classes} classes")
    return every, label
