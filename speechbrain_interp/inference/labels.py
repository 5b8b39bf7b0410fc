"""Label lists: how two differ, and a folder's label encoder checked against its classifier.

Authors
 * speechbrain-interp developers 2026
"""

from speechbrain_interp.pretrained import PretrainedFileError

__all__ = ["check_labels", "label_difference"]


def _some(labels, shown=6):
    text = ", ".join(repr(label) for label in labels[:shown])
    return text + (f" and {len(labels) - shown} more" if len(labels) > shown else "")


def label_difference(first, second, first_name="the first", second_name="the second"):
    """How two label lists differ, in one sentence: labels only in one, first differing position.

    Example
    -------
    >>> label_difference(["dog", "rain", "sea"], ["dog", "rian", "sea"], "label_encoder.ckpt",
    ...                  "hyperparams.yaml")
    "only in label_encoder.ckpt: 'rain'; only in hyperparams.yaml: 'rian'; first difference at position 1: 'rain' in label_encoder.ckpt, 'rian' in hyperparams.yaml"
    >>> label_difference(["a", "b"], ["b", "a"])
    "the same 2 labels in another order; first difference at position 0: 'a' in the first, 'b' in the second"
    """
    first, second = list(first), list(second)
    only_first = [label for label in first if label not in set(second)]
    only_second = [label for label in second if label not in set(first)]
    parts = []
    if len(first) != len(second):
        parts.append(f"{len(first)} labels in {first_name}, {len(second)} in {second_name}")
    if only_first:
        parts.append(f"only in {first_name}: {_some(only_first)}")
    if only_second:
        parts.append(f"only in {second_name}: {_some(only_second)}")
    if not only_first and not only_second and len(first) == len(second):
        parts.append(f"the same {len(first)} labels in another order")
    position = next((i for i, (a, b) in enumerate(zip(first, second)) if a != b),
                    min(len(first), len(second)))
    if position < max(len(first), len(second)):
        a = repr(first[position]) if position < len(first) else "nothing"
        b = repr(second[position]) if position < len(second) else "nothing"
        parts.append(f"first difference at position {position}: {a} in {first_name}, "
                     f"{b} in {second_name}")
    return "; ".join(parts)


def check_labels(label_encoder, n_classes, labels, source):
    """Refuses a label encoder that does not match the classifier or the YAML's labels.

    The message says how the labels differ (:func:`label_difference`).
    """
    found = [label_encoder.ind2lab[i] for i in range(len(label_encoder))]
    if len(found) != n_classes:
        raise PretrainedFileError(
            f"{source}: label_encoder.ckpt holds {len(found)} labels but the classifier has "
            f"{n_classes} outputs")
    if labels is not None and list(labels) != found:
        raise PretrainedFileError(
            f"{source}: label_encoder.ckpt does not match the labels of hyperparams.yaml ("
            + label_difference(found, labels, "label_encoder.ckpt", "hyperparams.yaml") + ")")
    label_encoder.expect_len(n_classes)  # checked: SpeechBrain need not warn
    return found
