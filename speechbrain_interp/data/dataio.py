"""From JSON manifests to SpeechBrain datasets with loaded, fixed-length audio.

Manifests (written by a dataset's prepare function, e.g.
:func:`speechbrain_interp.data.esc50.prepare_esc50`) map clip IDs to entries
with at least ``wav`` (path, may hold ``{data_root}``), ``class_string`` and
``classID``. Each split becomes a ``DynamicItemDataset`` providing

- ``sig``: ``[N]`` mono float waveform at the model rate, cropped or
  zero-padded to ``signal_length_s`` and peak-normalised (silence stays
  silent; see :func:`speechbrain_interp.audio.load_audio`);
- ``class_string``, ``class_string_encoded``: the label and its index.

Authors
 * speechbrain-interp developers 2026
"""

import json
import os

import speechbrain as sb
from speechbrain.dataio.dataset import DynamicItemDataset
from speechbrain.dataio.encoder import CategoricalEncoder

from speechbrain_interp.audio import load_audio, seconds_to_samples

__all__ = ["build_datasets", "class_list", "label_encoder_for", "stored_classes"]


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
        ``id, sig, class_string, class_string_encoded``.
    label_encoder : CategoricalEncoder
    """
    n_samples = seconds_to_samples(signal_length_s, sample_rate)

    @sb.utils.data_pipeline.takes("wav")
    @sb.utils.data_pipeline.provides("sig")
    def audio_pipeline(wav):
        return load_audio(wav, sample_rate, length=n_samples, normalize=normalize)

    present = class_list(list(manifests.values()))
    classes = stored_classes(list(manifests.values())) or present
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
        datasets[split] = DynamicItemDataset.from_json(
            json_path=path,
            replacements={"data_root": str(data_root)},
            dynamic_items=[audio_pipeline, label_pipeline],
            output_keys=["id", "sig", "class_string", "class_string_encoded"],
        )
    return datasets, label_encoder
