"""A program's YAML and its command-line overrides, read without building anything.

* :func:`read_plain`, :func:`read_plain_overrides`, :func:`written_values`:
  the keys and plain values of a YAML file or of SpeechBrain's override
  text, every tagged node (``!new:``, ``!ref``...) read as ``None``;
* :func:`check_override_types`: ``--key value`` overrides whose type does
  not fit the YAML value they replace, refused with
  :class:`OverrideTypeError` before any work.

:func:`~speechbrain_interp.programs.configuration.check_start_up` runs
them at start-up.

Authors
 * speechbrain-interp developers 2026
"""

import yaml

__all__ = [
    "OverrideTypeError", "check_override_types", "read_plain", "read_plain_overrides",
    "written_values",
]  # fmt: skip


class _Plain(yaml.SafeLoader):
    """A YAML loader that reads every tagged node (``!new:``, ``!ref``...) as null."""


_Plain.add_multi_constructor("!", lambda loader, suffix, node: None)


def read_plain_overrides(overrides):
    """The keys and plain values of SpeechBrain's override text (tags read as None).

    Example
    -------
    >>> read_plain_overrides("seed: 3\\nmodel: !new:torch.nn.ReLU")
    {'seed': 3, 'model': None}
    >>> read_plain_overrides("")
    {}
    """
    plain = yaml.load(overrides or "", Loader=_Plain) if isinstance(overrides, str) else overrides
    return dict(plain) if isinstance(plain, dict) else {}


def read_plain(hparams_file, overrides=None):
    """The YAML's keys and plain values, without building any object.

    References are resolved; every tagged node (``!new:``, ``!apply:``,
    ``!name:``, ``!PLACEHOLDER``...) reads as ``None``.

    Example
    -------
    >>> path = getfixture("tmpdir") / "x.yaml"
    >>> _ = path.write("a: 1\\nb: !ref <a>\\nc: !new:torch.nn.Linear [2, 2]\\n")
    >>> read_plain(str(path), {"a": 2})
    {'a': 2, 'b': 2, 'c': None}
    """
    from hyperpyyaml import resolve_references

    with open(hparams_file, encoding="utf-8") as fin:
        plain = yaml.load(resolve_references(fin, overrides or {}), Loader=_Plain)
    return plain if isinstance(plain, dict) else {}


class OverrideTypeError(ValueError):
    """A command-line override whose type does not fit the YAML value it replaces.

    Example
    -------
    >>> print(OverrideTypeError("number_of_epochs", "abc", 15, "a number", "x.yaml"))
    --number_of_epochs abc: number_of_epochs must be a number (x.yaml has 15), got the text 'abc'
    """

    def __init__(self, key, value, expected, kind, source):
        super().__init__(key)
        self.key, self.value, self.expected, self.kind, self.source = (
            key, value, expected, kind, source)

    def __str__(self):
        got = f"the text {self.value!r}" if isinstance(self.value, str) else \
            f"{self.value!r} ({type(self.value).__name__})"
        return (f"--{self.key} {self.value}: {self.key} must be {self.kind} ({self.source} has "
                f"{self.expected!r}), got {got}")


def _override_values(overrides):
    """The top-level keys and values of the override text, read as HyperPyYAML reads
    them (YAML 1.2: ``1e-3`` is a number); tagged values are left out."""
    import ruamel.yaml

    if not isinstance(overrides, str):
        return dict(overrides or {})
    loaded = ruamel.yaml.YAML().load(overrides) if overrides.strip() else None
    if not isinstance(loaded, dict):
        return {}
    return {key: value for key, value in loaded.items()
            if value is None or type(value).__module__ == "builtins"
            or isinstance(value, (bool, int, float, str))}


def check_override_types(hparams_file, overrides):
    """Refuses ``--key value`` overrides of the wrong type, naming the key and the value.

    A number of the YAML (``number_of_epochs: 15``) must stay a number and
    a ``true``/``false`` must stay one; otherwise ``--number_of_epochs abc``
    is only found out deep in training, by an error that names neither.
    ``null`` is always accepted; other values (text, lists, objects, and
    keys whose YAML value is a reference or an object) are not checked.

    Arguments
    ---------
    hparams_file : str
        The YAML file.
    overrides : str or dict
        SpeechBrain's override text (or a dict).

    Raises
    ------
    OverrideTypeError

    Example
    -------
    >>> path = getfixture("tmpdir") / "x.yaml"
    >>> _ = path.write("epochs: 15\\nlr: 0.001\\nshuffle: true\\nname: a\\n")
    >>> check_override_types(str(path), "epochs: 3\\nlr: 1e-4\\nname: 7\\nshuffle: false")
    >>> check_override_types(str(path), "epochs: abc")
    Traceback (most recent call last):
    ...
    speechbrain_interp.programs.overrides.OverrideTypeError: --epochs abc: epochs must be a number...
    """
    given = _override_values(overrides)
    if not given:
        return
    plain = written_values(hparams_file)
    for key, value in given.items():
        expected = plain.get(key)
        if expected is None or value is None:
            continue
        if isinstance(expected, bool):
            if not isinstance(value, bool):
                raise OverrideTypeError(key, value, expected, "true or false", hparams_file)
        elif isinstance(expected, (int, float)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise OverrideTypeError(key, value, expected, "a number", hparams_file)


def written_values(hparams_file):
    """The YAML file's top-level values as written (references and objects read as None).

    Unlike :func:`read_plain`, references are not resolved.

    Example
    -------
    >>> path = getfixture("tmpdir") / "x.yaml"
    >>> _ = path.write("a: 1\\nb: !ref <a>\\n")
    >>> written_values(str(path))
    {'a': 1, 'b': None}
    """
    with open(hparams_file, encoding="utf-8") as fin:
        plain = yaml.load(fin, Loader=_Plain)
    return plain if isinstance(plain, dict) else {}
