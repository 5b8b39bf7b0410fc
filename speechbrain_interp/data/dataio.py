"""From JSON manifests to SpeechBrain datasets with loaded, fixed-length audio.

Manifests (written by a dataset's prepare function, e.g.
:func:`speechbrain_interp.data.esc50.prepare_esc50`) map clip IDs to entries
with at least ``wav`` (path, may hold ``{data_root}``), ``class_string`` and
``classID``. Each split becomes a ``DynamicItemDataset`` providing

- ``sig``: ``[N]`` mono float waveform at the model rate, cropped or
  zero-padded to ``signal_length_s`` and peak-normalised (silence stays
  silent; see :func:`speechbrain_interp.audio.load_audio`);
- ``class_string``, ``class_string_encoded``: the label and its index.

Multi-label manifests (SONYC-UST) give each entry ``labels``, the list of
present class names (possibly empty), and need the ``classes.json`` a
preparation writes beside them; ``class_string_encoded`` is then the
``[C]`` multi-hot float vector (batched ``[B, C]``) and ``class_string``
the names joined by ``;``. Entries may also carry ``sources`` (class name
-> list of wavs, the clean sources of synthetic data); when every entry of a
split has them, its dataset also provides ``class_sources``, ``[C, N]``: the
summed sources of each class, loaded like ``sig`` and scaled by the SAME
peak-normalisation gain, so that ``class_sources[c]`` is class ``c`` as it
sounds in ``sig`` (zeros for an absent class). Fine-level SONYC-UST entries
carry ``incomplete`` (coarse groups tagged only as "X": some fine class of
the group is present, which one is unknown); their datasets provide
``label_mask``, ``[C]``, 0 for the fine classes of those groups (the DCASE
baseline leaves them out of the BCE) and 1 elsewhere, from the ``group`` of
each class in ``classes.json``.

Authors
 * speechbrain-interp developers 2026
"""

import json
import os

import torch

import speechbrain as sb
from speechbrain.dataio.dataset import DynamicItemDataset
from speechbrain.dataio.encoder import CategoricalEncoder

from speechbrain_interp.audio import SILENCE_PEAK, load_audio, seconds_to_samples

__all__ = [
    "build_datasets", "class_list", "class_sources", "is_multilabel", "label_encoder_for",
    "label_mask", "multi_hot", "stored_classes",
]


def label_mask(incomplete, groups):
    """``[C]`` float: 0 for the classes whose group is in ``incomplete``, else 1.

    Example
    -------
    >>> label_mask(["engine"], ["engine", "engine", "dog"])
    tensor([0., 0., 1.])
    """
    return torch.tensor([0.0 if group in set(incomplete) else 1.0 for group in groups])


def _class_groups(manifest_paths, classes):
    """The ``group`` of each class (index order) from ``classes.json``, or None."""
    folders = {os.path.dirname(os.path.abspath(p)) for p in manifest_paths if p is not None}
    path = os.path.join(folders.pop(), "classes.json") if len(folders) == 1 else None
    if path is None or not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        group = {str(e["class_string"]): e.get("group") for e in json.load(f)}
    groups = [group.get(name) for name in classes]
    return None if any(g is None for g in groups) else groups


def class_sources(wav, sources, classes, sample_rate, n_samples, normalize=True):
    """``[C, N]`` clean sources of each class of a clip, as they sound in it.

    Arguments
    ---------
    wav : str
        The clip (its peak gives the normalisation gain).
    sources : dict
        Class name -> list of wav paths (summed), for the present classes.
    classes : list of str
        Class names in index order.
    sample_rate, n_samples : int
        As the clip is loaded (resampled, cropped or zero-padded).
    normalize : bool
        Whether the clip is peak-normalised (the sources get its gain).

    Returns
    -------
    torch.Tensor
        ``[C, n_samples]``.

    Example
    -------
    >>> import soundfile as sf
    >>> folder = getfixture("tmpdir")
    >>> t = torch.arange(800) / 8000
    >>> a, b = 0.2 * torch.sin(2 * 3.1416 * 440 * t), 0.1 * torch.sin(2 * 3.1416 * 900 * t)
    >>> for name, w in {"mix": a + b, "a": a, "b": b}.items():
    ...     sf.write(str(folder / f"{name}.wav"), w.numpy(), 8000, subtype="FLOAT")
    >>> out = class_sources(str(folder / "mix.wav"), {"dog": [str(folder / "a.wav")],
    ...                     "horn": [str(folder / "b.wav")]}, ["dog", "music", "horn"], 8000, 800)
    >>> sig = load_audio(str(folder / "mix.wav"), 8000, length=800)
    >>> out.shape, bool(torch.allclose(out.sum(0), sig, atol=1e-5)), float(out[1].abs().max())
    (torch.Size([3, 800]), True, 0.0)
    """
    index = {name: i for i, name in enumerate(classes)}
    unknown = [name for name in sources if name not in index]
    if unknown:
        raise ValueError(f"{wav}: sources of unknown classes {unknown}")
    out = torch.zeros(len(classes), n_samples)
    for name, paths in sources.items():
        for path in [paths] if isinstance(paths, str) else paths:
            out[index[name]] += load_audio(path, sample_rate, length=n_samples, normalize=False)
    if normalize:
        raw = load_audio(wav, sample_rate, length=n_samples, normalize=False)
        peak = float(raw.abs().max())
        if peak > SILENCE_PEAK:  # the gain of peak_normalize (silence stays as is)
            out = out / peak
    return out


def is_multilabel(manifest_paths):
    """Whether the manifests are multi-label (entries with ``labels``).

    All entries of all manifests must agree; a mix is an error naming a
    manifest and an entry of each kind.

    Example
    -------
    >>> import json
    >>> path = str(getfixture("tmpdir") / "m.json")
    >>> _ = open(path, "w").write(json.dumps({"a": {"labels": ["dog"]}, "b": {"labels": []}}))
    >>> is_multilabel([path, None])
    True
    """
    kinds = {}
    for path in manifest_paths:
        if path is None or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as f:
            for key, entry in json.load(f).items():
                kinds.setdefault("labels" in entry, (path, key))
    if len(kinds) == 2:
        (p1, k1), (p0, k0) = kinds[True], kinds[False]
        raise ValueError(
            f"manifests mix multi-label entries ({p1}: {k1!r} has 'labels') and single-label "
            f"ones ({p0}: {k0!r} has none)"
        )
    return bool(kinds) and next(iter(kinds))


def multi_hot(labels, classes):
    """``[C]`` float multi-hot vector of the class names ``labels``.

    Arguments
    ---------
    labels : list of str
        Present classes (any order; repeats count once).
    classes : list of str
        Class names in index order.

    Returns
    -------
    torch.Tensor
        ``[C]`` float32 in {0, 1}.

    Raises
    ------
    ValueError
        A name not in ``classes`` (named).

    Example
    -------
    >>> multi_hot(["dog", "engine"], ["engine", "music", "dog"])
    tensor([1., 0., 1.])
    """
    index = {name: i for i, name in enumerate(classes)}
    unknown = [name for name in labels if name not in index]
    if unknown:
        raise ValueError(f"labels {unknown} are not among the classes {list(classes)}")
    vector = torch.zeros(len(classes))
    for name in labels:
        vector[index[name]] = 1.0
    return vector


def class_list(manifest_paths):
    """Class names ordered by their ``classID`` over all manifests.

    Arguments
    ---------
    manifest_paths : list of str
        JSON manifests (``None`` entries are ignored).

    Returns
    -------
    list of str
        Class names sorted by ``classID`` (then by name).

    Example
    -------
    >>> import json
    >>> path = str(getfixture("tmpdir") / "m.json")
    >>> entries = {"a": {"class_string": "dog", "classID": 3},
    ...            "b": {"class_string": "cat", "classID": 1}}
    >>> _ = open(path, "w").write(json.dumps(entries))
    >>> class_list([path])
    ['cat', 'dog']
    """
    pairs = {}
    for path in manifest_paths:
        if path is None:
            continue
        with open(path, encoding="utf-8") as f:
            for key, entry in json.load(f).items():
                for field in ("class_string", "classID"):
                    if field not in entry:
                        raise KeyError(f"{path}: entry {key!r} has no {field!r}")
                pairs[entry["class_string"]] = int(entry["classID"])
    return sorted(pairs, key=lambda name: (pairs[name], name))


def stored_classes(manifest_paths, name="classes.json"):
    """The class list a preparation wrote beside its manifests, or None.

    Preparations write ``classes.json`` (``[{"classID", "class_string"}]``
    over the whole dataset, not only the selected splits), so the label
    index is the dataset's own id whatever the splits (UrbanSound8K's
    official ``classID``). Without that file, :func:`class_list` over the
    manifests gives the order.

    Example
    -------
    >>> import json, os
    >>> folder = getfixture("tmpdir")
    >>> _ = (folder / "classes.json").write(json.dumps(
    ...     [{"classID": 1, "class_string": "dog"}, {"classID": 0, "class_string": "cat"}]))
    >>> stored_classes([None, str(folder / "test.json")])
    ['cat', 'dog']
    >>> stored_classes([str(folder / "sub" / "test.json")]) is None
    True
    """
    folders = {os.path.dirname(os.path.abspath(p)) for p in manifest_paths if p is not None}
    if len(folders) != 1:
        return None
    path = os.path.join(folders.pop(), name)
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        entries = json.load(f)
    try:
        pairs = sorted((int(e["classID"]), str(e["class_string"])) for e in entries)
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(
            f"{path}: expected a list of {{classID, class_string}} entries ({err})"
        ) from err
    return [name for _, name in pairs]


def label_encoder_for(classes, path):
    """Creates (or loads) the label encoder and checks it matches ``classes``.

    Arguments
    ---------
    classes : list of str
        Class names in index order.
    path : str
        Where the encoder is stored (``label_encoder.txt``).

    Returns
    -------
    speechbrain.dataio.encoder.CategoricalEncoder

    Raises
    ------
    ValueError
        When an encoder already stored at ``path`` has other classes (e.g. an
        output folder reused for another dataset).

    Example
    -------
    >>> path = str(getfixture("tmpdir") / "label_encoder.txt")
    >>> enc = label_encoder_for(["cat", "dog"], path)
    >>> enc.encode_label("dog")
    1
    """
    if sb.utils.distributed.if_main_process() and not os.path.isfile(path):
        creator = CategoricalEncoder()
        creator.update_from_iterable(list(classes))
        creator.save(path)
    sb.utils.distributed.ddp_barrier()
    encoder = CategoricalEncoder()
    encoder.load(path)
    encoder.expect_len(len(encoder))
    stored = [encoder.ind2lab[i] for i in range(len(encoder))]
    if stored != list(classes):
        raise ValueError(
            f"{path} holds the classes {stored} but the data has {list(classes)}; "
            "use another output_folder or delete the stale label encoder"
        )
    return encoder


def build_datasets(
    manifests,
    data_root,
    sample_rate,
    signal_length_s,
    label_encoder_path=None,
    normalize=True,
    label_encoder=None,
):
    """Builds one dataset per split plus the label encoder.

    Arguments
    ---------
    manifests : dict
        Split name -> JSON manifest path (``None`` = no such split).
    data_root : str
        Replacement for ``{data_root}`` in the manifests.
    sample_rate : int
        Model sample rate in Hz.
    signal_length_s : float
        Clip length in seconds (crop or zero-pad).
    label_encoder_path : str
        Where to store/load ``label_encoder.txt`` (when no encoder is given).
    normalize : bool
        Peak-normalise each clip.
    label_encoder : CategoricalEncoder, optional
        An existing encoder (e.g. a pretrained classifier's); every class of
        the data must be in it.

    Returns
    -------
    datasets : dict
        Split name -> ``DynamicItemDataset`` (or ``None``) with output keys
        ``id, sig, class_string, class_string_encoded`` (and ``sources``
        when every entry of the split has them).
    label_encoder : CategoricalEncoder
    """
    n_samples = seconds_to_samples(signal_length_s, sample_rate)

    @sb.utils.data_pipeline.takes("wav")
    @sb.utils.data_pipeline.provides("sig")
    def audio_pipeline(wav):
        return load_audio(wav, sample_rate, length=n_samples, normalize=normalize)

    paths = list(manifests.values())
    multilabel = is_multilabel(paths)
    if multilabel:
        classes = stored_classes(paths)
        if classes is None:
            raise ValueError(
                f"multi-label manifests {[p for p in paths if p]} need the classes.json that "
                "their preparation writes beside them"
            )
        present = classes
    else:
        present = class_list(paths)
        classes = stored_classes(paths) or present
    missing = [c for c in present if c not in classes]
    if missing:
        raise ValueError(
            f"the manifests have classes that the classes.json beside them lacks: {missing}"
        )
    if label_encoder is None:
        label_encoder = label_encoder_for(classes, label_encoder_path)
    else:
        unknown = [c for c in present if c not in label_encoder.lab2ind]
        if unknown:
            raise ValueError(
                f"the data has classes the classifier does not know: {unknown}"
            )

    if multilabel:
        ordered = [label_encoder.ind2lab[i] for i in range(len(label_encoder))]

        @sb.utils.data_pipeline.takes("wav", "sources")
        @sb.utils.data_pipeline.provides("class_sources")
        def sources_pipeline(wav, sources):
            return class_sources(wav, sources, ordered, sample_rate, n_samples, normalize)

        @sb.utils.data_pipeline.takes("labels")
        @sb.utils.data_pipeline.provides("class_string", "class_string_encoded")
        def label_pipeline(labels):
            yield ";".join(labels)
            yield multi_hot(labels, ordered)

    else:

        @sb.utils.data_pipeline.takes("class_string")
        @sb.utils.data_pipeline.provides("class_string", "class_string_encoded")
        def label_pipeline(class_string):
            yield class_string
            yield label_encoder.encode_label_torch(class_string)

    datasets = {}
    for split, path in manifests.items():
        if path is None:
            datasets[split] = None
            continue
        if not os.path.isfile(path):
            raise FileNotFoundError(f"manifest for split {split!r} not found: {path}")
        keys = ["id", "sig", "class_string", "class_string_encoded"]
        dataset = DynamicItemDataset.from_json(
            json_path=path,
            replacements={"data_root": str(data_root)},
            dynamic_items=[audio_pipeline, label_pipeline],
            output_keys=keys,
        )
        if multilabel and dataset.data and all("sources" in e for e in dataset.data.values()):
            dataset.add_dynamic_item(sources_pipeline)
            keys = keys + ["class_sources"]
        if multilabel and dataset.data and all("incomplete" in e for e in dataset.data.values()):
            groups = _class_groups(paths, ordered)
            if groups is None:
                raise ValueError(f"{path}: entries list incomplete groups but the classes.json "
                                 "beside it gives no group per class")
            dataset.add_dynamic_item(
                lambda incomplete, groups=groups: label_mask(incomplete, groups),
                takes=["incomplete"], provides="label_mask")
            keys = keys + ["label_mask"]
        dataset.set_output_keys(keys)
        datasets[split] = dataset
    return datasets, label_encoder
