"""Modules that remember how they were built, and the HyperPyYAML that rebuilds them.

A pretrained folder must rebuild a trained classifier or interpreter from
its ``hyperparams.yaml`` alone. Rather than one hand-written template per
model, every class the folders hold derives from :class:`Recorded`: its
instances keep the arguments their constructor received
(:func:`recorded_arguments`), and :func:`to_hyperpyyaml` writes the
``!new:`` nodes that call the same constructors with the same values.

Authors
 * speechbrain-interp developers 2026
"""

import functools
import inspect
import json
import math

import torch

__all__ = ["Applied", "Recorded", "Ref", "record_argument", "recorded_arguments",
           "to_hyperpyyaml"]

_ARGUMENTS = "_recorded_arguments"


class Recorded:
    """Mixin: each instance remembers its constructor's arguments.

    Every subclass's ``__init__`` is wrapped so that, once it returns, the
    bound arguments (defaults applied, ``**kwargs`` flattened) are stored on
    the instance. The most derived constructor's arguments are kept.

    Example
    -------
    >>> class Gain(Recorded, torch.nn.Module):
    ...     def __init__(self, gain=2.0, name="g"):
    ...         super().__init__()
    ...         self.gain = gain
    >>> recorded_arguments(Gain(3.0))
    {'gain': 3.0, 'name': 'g'}
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _recording(cls.__init__)


class Ref(str):
    """A top-level key of the written file, as an argument of an :class:`Applied` call
    (written ``!ref <key>``, so that overriding the key changes the call)."""


class Applied:
    """An object that a file rebuilds by calling a function (``!apply:``), not a constructor.

    For objects that are not built from recorded arguments but loaded (a
    classifier adapted from another toolkit, loaded from its source):
    :func:`to_hyperpyyaml` writes ``name: !apply:<function>`` with
    ``arguments``, and later objects that hold ``obj`` get ``!ref <name>``.

    Arguments
    ---------
    obj : object
        The object the call gives back.
    function : str
        The dotted name of the function.
    arguments : dict
        Its keyword arguments: plain values, or :class:`Ref` keys.

    Example
    -------
    >>> linear = torch.nn.Linear(2, 2)
    >>> text = to_hyperpyyaml({"size": 2, "layer": Applied(linear, "torch.nn.Identity",
    ...                                                   {"unused": Ref("size")})})
    >>> print(text, end="")
    size: 2
    layer: !apply:torch.nn.Identity
        unused: !ref <size>
    """

    def __init__(self, obj, function, arguments):
        self.obj, self.function, self.arguments = obj, str(function), dict(arguments)

    def lines(self, where):
        """The call's ``!apply:`` line and its argument lines."""
        lines = [f"!apply:{self.function}"]
        for key, value in self.arguments.items():
            text = f"!ref <{value}>" if isinstance(value, Ref) else _scalar(value, f"{where}.{key}")
            lines.append(f"    {key}: {text}")
        return lines


def _recording(init):
    signature = inspect.signature(init)

    @functools.wraps(init)
    def wrapped(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        init(self, *args, **kwargs)
        arguments = {}
        for name, value in list(bound.arguments.items())[1:]:
            kind = signature.parameters[name].kind
            if kind is inspect.Parameter.VAR_KEYWORD:
                arguments.update(value)
            elif kind is inspect.Parameter.VAR_POSITIONAL:
                if value:
                    raise TypeError(f"{type(self).__name__}: *{name} cannot be recorded")
            else:
                arguments[name] = value
        self.__dict__[_ARGUMENTS] = arguments

    return wrapped


def recorded_arguments(obj):
    """The constructor arguments of ``obj`` (name -> value).

    ``torch.nn.Linear`` is read from its attributes; any other object must
    derive from :class:`Recorded`.

    Example
    -------
    >>> recorded_arguments(torch.nn.Linear(4, 2))
    {'in_features': 4, 'out_features': 2, 'bias': True}
    """
    if type(obj) is torch.nn.Linear:
        return {"in_features": obj.in_features, "out_features": obj.out_features,
                "bias": obj.bias is not None}
    if _ARGUMENTS not in obj.__dict__:
        raise TypeError(
            f"{type(obj).__module__}.{type(obj).__qualname__} does not record its constructor "
            "arguments (derive it from speechbrain_interp.recorded.Recorded) and cannot be "
            "written to a hyperparams.yaml")
    return dict(obj.__dict__[_ARGUMENTS])


def record_argument(obj, name, value):
    """Replaces one recorded constructor argument of a :class:`Recorded` object.

    For state that a constructor argument sets and training later changes
    (a multi-label classifier's tuned thresholds), so that the rebuilt
    object starts from the trained value.

    Example
    -------
    >>> class Gain(Recorded, torch.nn.Module):
    ...     def __init__(self, gain=2.0):
    ...         super().__init__()
    >>> g = Gain()
    >>> record_argument(g, "gain", 5.0)
    >>> recorded_arguments(g)
    {'gain': 5.0}
    """
    arguments = obj.__dict__[_ARGUMENTS]
    if name not in arguments:
        raise KeyError(f"{type(obj).__name__} has no recorded argument {name!r}")
    arguments[name] = value


def _scalar(value, where):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: {value} cannot be written to YAML")
        text = repr(value)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v, where) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {_scalar(v, where)}"
                               for k, v in value.items()) + "}"
    raise TypeError(f"{where}: a {type(value).__name__} cannot be written to YAML")


def _node(obj, names, indent, where):
    """``!new:`` node of ``obj`` (lines), nested objects named in ``names`` by ``!ref``."""
    cls = type(obj)
    lines = [f"!new:{cls.__module__}.{cls.__qualname__}"]
    for key, value in recorded_arguments(obj).items():
        pad = " " * (indent + 4)
        if id(value) in names:
            lines.append(f"{pad}{key}: !ref <{names[id(value)]}>")
        elif isinstance(value, torch.nn.Module):
            nested = _node(value, names, indent + 4, f"{where}.{key}")
            lines.append(f"{pad}{key}: {nested[0]}")
            lines.extend(nested[1:])
        else:
            lines.append(f"{pad}{key}: {_scalar(value, f'{where}.{key}')}")
    return lines


def to_hyperpyyaml(objects):
    """HyperPyYAML text that rebuilds ``objects`` (name -> object), in order.

    An object met again as another's argument is written ``!ref <name>``,
    so shared modules stay shared. Plain values (numbers, strings, lists)
    are written as they are; an :class:`Applied` object as its call.

    Example
    -------
    >>> from hyperpyyaml import load_hyperpyyaml
    >>> from speechbrain_interp.classifier import AudioClassifier
    >>> from speechbrain_interp.frontend import SpectralFrontEnd
    >>> from speechbrain_interp.models import CNN14
    >>> head = torch.nn.Linear(128, 2)
    >>> clf = AudioClassifier(SpectralFrontEnd(n_mels=40), CNN14(n_mels=40, base_channels=4), head)
    >>> text = to_hyperpyyaml({"head": head, "classifier": clf})
    >>> print(text.splitlines()[4:6])
    ['classifier: !new:speechbrain_interp.classifier.AudioClassifier', '    frontend: !new:speechbrain_interp.frontend.SpectralFrontEnd']
    >>> "    head: !ref <head>" in text.splitlines()
    True
    >>> rebuilt = load_hyperpyyaml(text)
    >>> rebuilt["classifier"].head is rebuilt["head"], rebuilt["classifier"].frontend.n_mels
    (True, 40)
    """
    names, lines = {}, []
    for name, obj in objects.items():
        if isinstance(obj, Applied):
            node = obj.lines(name)
            lines.append(f"{name}: {node[0]}")
            lines.extend(node[1:])
            names[id(obj.obj)] = name
        elif isinstance(obj, torch.nn.Module) or _ARGUMENTS in getattr(obj, "__dict__", {}):
            node = _node(obj, names, 0, name)
            lines.append(f"{name}: {node[0]}")
            lines.extend(node[1:])
            names[id(obj)] = name
        else:
            lines.append(f"{name}: {_scalar(obj, name)}")
    return "\n".join(lines) + "\n"
