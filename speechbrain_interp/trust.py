"""Which ``hyperparams.yaml`` may be loaded without ``trust_remote_code``.

A pretrained folder's ``hyperparams.yaml`` is HyperPyYAML: loading it builds
the objects it names (``!new:``), calls the functions it names
(``!apply:``) and PyYAML's own ``!!python/...`` tags import and call
anything. A folder from the hub, or one received from someone else, could
therefore run any command on ``from_hparams``, ``sb-interp classify`` or
``sb-interp export``. As with HuggingFace's ``trust_remote_code``, loading a
folder whose file goes beyond what the project's own folders need is
refused, unless the caller says that it trusts the folder
(``trust_remote_code=True``, ``--trust_remote_code`` on the command line);
then it is loaded with a warning that names what it runs.

:func:`check_hyperparams` reads the file without building anything:

1. the text is parsed into YAML nodes (ruamel.yaml's composer, the parser
   HyperPyYAML reads it with) and every tag and reference is checked
   (below); a syntax error is reported with the file, line and column;
2. only when nothing was refused, the references are resolved as
   HyperPyYAML does before building (``!ref``/``!copy`` substitution and
   arithmetic: nothing is imported or called once step 1 has refused
   ``!applyref:`` and ``!include:``), and the resolved text, which is what
   HyperPyYAML then constructs, is parsed by the same loader
   (``ruamel.yaml.Loader``, composing only) and checked again. This
   catches code hidden in strings: a ``!tuple`` (explicit, or a string that
   reads ``(...)``) has its text parsed by PyYAML's full loader, so
   ``"(!!python/object/apply:os.system [...])"``, quoted or put together
   from two ``!ref`` strings, would run; such texts are parsed (PyYAML's
   composer) and checked with the same rules.

The allow-list (what the folders written by training runs and by
``sb-interp export`` use, and little more), tag by tag:

* YAML's own tags (``str``, ``int``, ``float``, ``bool``, ``null``, ``map``,
  ``seq``, ``timestamp``, ``binary``, ``omap``, ``pairs``, ``set``, merge
  keys): allowed;
* ``!ref``, ``!copy``: allowed, but an attribute read (``<model.attr>``)
  must not be private (``_x``, ``__globals__``);
* ``!tuple`` (and any string that reads ``(...)``): its text passes the
  same check; ``!PLACEHOLDER``: allowed (loading stops at it);
* ``!new:X``: a ``torch.nn.Module`` class defined in
  :data:`MODULE_PACKAGES` (models, front ends, interpreters,
  ``torch.nn.Linear``), or one of :data:`OTHER_CLASSES` (label encoders,
  the ``Pretrainer``);
* ``!name:X``: those classes, or a function defined in
  :data:`FUNCTION_PACKAGES` (e.g. the strict load hooks of
  :mod:`speechbrain_interp.pretrained`); ``!name:`` only names it, the
  code that uses it calls it with its own arguments;
* ``!apply:X``: :data:`APPLY_FUNCTIONS` only (loading another pretrained
  folder, itself checked);
* anything else is refused: ``!module:``, ``!applyref:``, ``!include:``,
  ``!!python/...``, unknown tags.

``speechbrain_interp`` counts without :data:`EXCLUDED_PACKAGES` (programs,
dataset preparation and download, training loops: they write files and run
whole programs). ``X`` is a dotted name without private parts; it is looked
up only when its text lies under an allowed package (nothing else is
imported), and what it names must be *defined* there: a path through a
module attribute (``speechbrain_interp.pretrained.os.system``,
``torch.nn.modules.module.torch.hub.load``) names ``os.system`` or
``torch.hub.load`` and is refused.

Authors
 * speechbrain-interp developers 2026
"""

import inspect
import pydoc
import re
from dataclasses import dataclass, field

from speechbrain.utils.logger import get_logger

logger = get_logger(__name__)

__all__ = ["APPLY_FUNCTIONS", "EXCLUDED_PACKAGES", "FUNCTION_PACKAGES", "HyperparamsCheck",
           "HyperparamsError", "MODULE_PACKAGES", "OTHER_CLASSES", "REQUIRED_KEYS",
           "UntrustedCodeError", "check_hyperparams", "parse_hyperparams", "target_problem"]

#: packages whose ``torch.nn.Module`` classes a folder may build (``!new:``) or name
MODULE_PACKAGES = ("speechbrain_interp", "torch.nn", "speechbrain.nnet",
                   "speechbrain.processing", "speechbrain.lobes")
#: other classes a folder may build (canonical ``module.QualName``)
OTHER_CLASSES = frozenset({
    "speechbrain.dataio.encoder.CategoricalEncoder",
    "speechbrain.dataio.encoder.TextEncoder",
    "speechbrain.dataio.encoder.CTCTextEncoder",
    "speechbrain.utils.parameter_transfer.Pretrainer",
})
#: packages whose functions a folder may name (``!name:``)
FUNCTION_PACKAGES = ("speechbrain_interp", "torch.nn.functional", "speechbrain.nnet")
#: the functions a folder may call while it loads (``!apply:``; canonical names)
APPLY_FUNCTIONS = frozenset({
    "speechbrain_interp.inference.classifier.load_classifier",
    "speechbrain_interp.inference.interpreter.load_interpreter",
})
#: parts of ``speechbrain_interp`` left out of the allow-list
EXCLUDED_PACKAGES = ("speechbrain_interp.programs", "speechbrain_interp.data",
                     "speechbrain_interp.synthetic", "speechbrain_interp.brains")
#: the keys SpeechBrain's loading reads from every pretrained ``hyperparams.yaml``
REQUIRED_KEYS = {
    "modules": "the models the folder serves (modules: {classifier: ...} or {interpreter: ...})",
    "pretrainer": "the SpeechBrain Pretrainer naming the folder's checkpoint files "
                  "(pretrainer: !new:speechbrain.utils.parameter_transfer.Pretrainer)",
}

_CORE = "tag:yaml.org,2002:"
_CORE_TAGS = frozenset(_CORE + name for name in (
    "str", "int", "float", "bool", "null", "map", "seq", "timestamp", "binary", "omap", "pairs",
    "set", "merge", "value"))
_DOTTED = re.compile(r"[A-Za-z]\w*(\.[A-Za-z]\w*)*")
_REFERENCE = re.compile(r"<[^>]*>")


class HyperparamsError(ValueError):
    """A ``hyperparams.yaml`` that cannot be loaded (the message names the file)."""


class UntrustedCodeError(HyperparamsError):
    """A ``hyperparams.yaml`` that would run code outside the allow-list."""


@dataclass
class HyperparamsCheck:
    """What :func:`check_hyperparams` found.

    Attributes
    ----------
    path : str
        The file.
    findings : list of str
        What lies outside the allow-list, one line each (``line N, key K:
        ...``); empty for a file that loads without ``trust_remote_code``.
    pretrainer_paths : dict
        ``pretrainer: paths:`` (loadable name -> the path as written, after
        reference resolution when the file passed the check).
    """

    path: str
    findings: list = field(default_factory=list)
    pretrainer_paths: dict = field(default_factory=dict)


def _tag(node):
    tag = getattr(node.tag, "value", node.tag)
    return tag or ""


def _kind(node):
    return type(node).__name__  # ScalarNode, SequenceNode, MappingNode (ruamel or PyYAML)


def _syntax_error(path, err, what="YAML syntax error"):
    mark = getattr(err, "problem_mark", None)
    where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = getattr(err, "problem", None) or str(err).strip().splitlines()[0]
    context = getattr(err, "context", None)
    context_mark = getattr(err, "context_mark", None)
    if context and context_mark is not None:
        problem += f" ({context} at line {context_mark.line + 1}, column {context_mark.column + 1})"
    elif context:
        problem += f" ({context})"
    return HyperparamsError(f"{path}{where}: {what}: {problem}. Fix the file (or fetch it "
                            "again if it was cut), then load the folder again")


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError as err:
        raise HyperparamsError(f"{path} is not UTF-8 text ({err}): it is not a hyperparams.yaml") \
            from err


def parse_hyperparams(path, text=None):
    """The YAML node tree of a ``hyperparams.yaml``, built from nothing but its text.

    Raises
    ------
    HyperparamsError
        A syntax error (file, line and column), an empty file, several
        documents, or a top level that is not a mapping of keys.

    Example
    -------
    >>> path = getfixture("tmpdir") / "hyperparams.yaml"
    >>> _ = path.write("a: 1\\nb: [2, 3\\nc: 4\\n")
    >>> parse_hyperparams(str(path))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    speechbrain_interp.trust.HyperparamsError: .../hyperparams.yaml, line 3, column 2: YAML syntax error: ...
    """
    import ruamel.yaml

    text = _read(path) if text is None else text
    try:
        documents = list(ruamel.yaml.YAML(typ="rt").compose_all(text))
    except ruamel.yaml.YAMLError as err:
        raise _syntax_error(path, err) from None
    documents = [d for d in documents if d is not None]
    if len(documents) != 1:
        raise HyperparamsError(f"{path} holds {len(documents)} YAML documents; a hyperparams.yaml "
                               "holds one mapping of keys")
    root = documents[0]
    if _kind(root) != "MappingNode":
        raise HyperparamsError(f"{path} is not a mapping of keys (its top level is a "
                               f"{_kind(root).replace('Node', '').lower()})")
    return root


def _keys(mapping):
    return {key.value: value for key, value in mapping.value if _kind(key) == "ScalarNode"}


def _within(name, packages):
    return any(name == p or name.startswith(p + ".") for p in packages)


def _locate(target):
    try:
        return pydoc.locate(target), None
    except pydoc.ErrorDuringImport as err:
        return None, f"cannot be imported ({err.exc.__name__}: {err.value})"


def _class_allowed(cls):
    import torch

    name = f"{cls.__module__}.{cls.__qualname__}"
    if _within(cls.__module__, EXCLUDED_PACKAGES):
        return False
    if name in OTHER_CLASSES:
        return True
    return issubclass(cls, torch.nn.Module) and _within(cls.__module__, MODULE_PACKAGES)


#: what a target's text must start with to be looked up at all (nothing else is imported)
_LOOKUP = {
    "!apply:": ("speechbrain_interp",),
    "!new:": MODULE_PACKAGES + tuple(name.rsplit(".", 1)[0] for name in OTHER_CLASSES),
    "!name:": MODULE_PACKAGES + FUNCTION_PACKAGES
    + tuple(name.rsplit(".", 1)[0] for name in OTHER_CLASSES),
}


def target_problem(kind, target):
    """Why ``kind`` + ``target`` (e.g. ``"!new:"``, ``"torch.nn.Linear"``) is refused; ``None``: allowed.

    Example
    -------
    >>> target_problem("!new:", "torch.nn.Linear") is None
    True
    >>> target_problem("!apply:", "os.system")
    'os.system is outside the allow-list'
    >>> target_problem("!name:", "speechbrain_interp.pretrained.os.system")
    'speechbrain_interp.pretrained.os.system (that is posix.system) is outside the allow-list'
    """
    if not _DOTTED.fullmatch(target):
        return f"{target!r} is not a public dotted Python name"
    if not _within(target, _LOOKUP[kind]) or _within(target, EXCLUDED_PACKAGES):
        return f"{target} is outside the allow-list"
    obj, problem = _locate(target)
    if problem:
        return f"{target} {problem}"
    if obj is None:
        return f"{target}: no such class or function (written by another version?)"
    module = getattr(obj, "__module__", None) or "?"
    canonical = f"{module}.{getattr(obj, '__qualname__', '?')}"
    subject = target if canonical == target else f"{target} (that is {canonical})"
    if kind == "!apply:":
        if inspect.isroutine(obj) and canonical in APPLY_FUNCTIONS:
            return None
        return (f"{subject} would be called while loading; only "
                f"{', '.join(sorted(APPLY_FUNCTIONS))} may be")
    if inspect.isclass(obj):
        return None if _class_allowed(obj) else f"{subject} is outside the allow-list"
    if kind == "!new:":
        return f"{subject} is not a class"
    if inspect.isroutine(obj) and _within(module, FUNCTION_PACKAGES) and \
            not _within(module, EXCLUDED_PACKAGES):
        return None
    return f"{subject} is outside the allow-list"


def _reference_problem(text):
    for reference in _REFERENCE.findall(text):
        name = reference.strip("<>")
        if "." in name and name.split(".", 1)[1].startswith("_"):
            return f"{reference} reads a private attribute"
    return None


def _tag_problem(tag, node, resolved):
    """Why a node's tag is refused (``None``: allowed)."""
    if tag in _CORE_TAGS or tag in ("!tuple", "!PLACEHOLDER"):
        return None
    if tag in ("!ref", "!copy"):
        text = node.value if _kind(node) == "ScalarNode" else ""
        return _reference_problem(text)
    if resolved and tag == "!apply:getattr":  # what HyperPyYAML makes of <name.attribute>
        items = node.value if _kind(node) == "SequenceNode" else []
        if len(items) == 2 and _kind(items[1]) == "ScalarNode" and \
                not str(items[1].value).startswith("_"):
            return None
        return "!apply:getattr reads a private attribute"
    for kind in ("!new:", "!name:", "!apply:"):
        if tag.startswith(kind):
            return target_problem(kind, tag[len(kind):])
    if tag.startswith(_CORE + "python/"):
        return "PyYAML's python tags import and call anything"
    if tag.startswith(("!module:", "!applyref:", "!include:")):
        return f"{tag.split(':')[0]}: tags import modules, call functions or read other files"
    return "an unknown tag (it could run code)"


def _tuple_text(node, tag):
    """The text HyperPyYAML would parse as a tuple's items, or ``None``.

    An explicit ``!tuple``, or any scalar that reads ``(...)``: which of
    those HyperPyYAML's implicit resolver turns into a tuple depends on
    quoting after its round trip and on what it loaded before, so all are
    checked.
    """
    value = node.value
    if not isinstance(value, str):
        return None
    if tag == "!tuple" or (value.startswith("(") and value.endswith(")")):
        return "[" + value[1:-1] + "]"
    return None


def _compose_text(text):
    import yaml

    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None  # HyperPyYAML fails on it too, before it builds anything


def _walk(node, key, findings, seen, resolved):
    if id(node) in seen:
        return
    seen.add(id(node))
    tag = _tag(node)
    problem = _tag_problem(tag, node, resolved)
    if problem:
        line = node.start_mark.line + 1
        where = f"key {key}" if key else "the top level"
        shown = "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag
        findings.append(f"{'line ' + str(line) + ', ' if not resolved else ''}{where}: {shown}: "
                        f"{problem}")
    kind = _kind(node)
    if kind == "MappingNode":
        for sub_key, value in node.value:
            name = sub_key.value if _kind(sub_key) == "ScalarNode" else "?"
            path = f"{key}.{name}" if key else str(name)
            _walk(sub_key, path, findings, seen, resolved)
            _walk(value, path, findings, seen, resolved)
    elif kind == "SequenceNode":
        for i, item in enumerate(node.value):
            _walk(item, f"{key}[{i}]", findings, seen, resolved)
    else:
        inner = _tuple_text(node, tag)
        if inner is not None:
            parsed = _compose_text(inner)
            if parsed is not None:
                count = len(findings)
                _walk(parsed, f"{key} (a tuple)", findings, set(), True)
                if not resolved:  # name the line of the string in the file
                    findings[count:] = [f"line {node.start_mark.line + 1}, {f}"
                                        for f in findings[count:]]


def _pretrainer_paths(root):
    pretrainer = _keys(root).get("pretrainer")
    if pretrainer is None or _kind(pretrainer) != "MappingNode":
        return {}
    paths = _keys(pretrainer).get("paths")
    if paths is None or _kind(paths) != "MappingNode":
        return {}
    return {name: (value.value if _kind(value) == "ScalarNode" else f"<a {_tag(value)} value>")
            for name, value in _keys(paths).items()}


def check_hyperparams(path, trust_remote_code=False, overrides=None, required=tuple(REQUIRED_KEYS)):
    """Checks a pretrained folder's ``hyperparams.yaml`` before anything of it runs.

    Arguments
    ---------
    path : str
        The file.
    trust_remote_code : bool
        Load a file that goes beyond the allow-list anyway (with a warning
        naming what it runs). Default: refuse it.
    overrides : dict, optional
        The overrides the file will be loaded with (resolved with it).
    required : sequence of str
        Top-level keys the file must have (default: ``modules``,
        ``pretrainer``, what SpeechBrain's loading reads).

    Returns
    -------
    HyperparamsCheck

    Raises
    ------
    HyperparamsError
        A syntax error (file, line, column), a missing required key, a
        reference that cannot be resolved.
    UntrustedCodeError
        Tags or callables outside the allow-list, without
        ``trust_remote_code``; each is named with its line and key.

    Example
    -------
    >>> path = getfixture("tmpdir") / "hyperparams.yaml"
    >>> _ = path.write("modules: {}\\npretrainer: !new:speechbrain.utils.parameter_transfer.Pretrainer\\n"
    ...                "head: !new:torch.nn.Linear [2, 2]\\n")
    >>> check_hyperparams(str(path)).findings
    []
    >>> _ = path.write("modules: {}\\npretrainer: null\\nx: !apply:os.system ['echo hi']\\n")
    >>> check_hyperparams(str(path))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    speechbrain_interp.trust.UntrustedCodeError: .../hyperparams.yaml would run code ...
      line 3, key x: !apply:os.system: os.system is outside the allow-list
    ...
    """
    path = str(path)
    text = _read(path)
    root = parse_hyperparams(path, text)
    keys = _keys(root)
    for name in required:
        if name not in keys:
            raise HyperparamsError(
                f"{path} lacks the `{name}` key ({REQUIRED_KEYS.get(name, 'needed to load it')}): "
                "it is not a complete pretrained folder; export the training run again "
                "(python -m speechbrain_interp export <run folder> <new folder>)")
    findings = []
    _walk(root, "", findings, set(), False)
    tree = root
    if not findings:
        tree = _resolved_tree(path, text, overrides)
        if tree is not None:
            _walk(tree, "", findings, set(), True)
        tree = tree or root
    check = HyperparamsCheck(path, findings, _pretrainer_paths(tree))
    if findings and not trust_remote_code:
        raise UntrustedCodeError(
            f"{path} would run code outside the allow-list of speechbrain-interp folders:\n  "
            + "\n  ".join(findings)
            + "\nLoading builds what hyperparams.yaml names, so this folder could run any command "
            "on this machine. If you trust where it comes from, load it with "
            "trust_remote_code=True (command line: --trust_remote_code); the allow-list is "
            "described in speechbrain_interp.trust")
    if findings:
        logger.warning("trust_remote_code: loading %s, which runs code outside the allow-list: %s",
                       path, "; ".join(findings))
    return check


def _resolved_tree(path, text, overrides):
    """The node tree HyperPyYAML builds from, after its reference resolution.

    Parsed by the loader HyperPyYAML constructs with (``ruamel.yaml.Loader``
    through ``yaml.load``), without constructing.
    """
    import ruamel.yaml
    from hyperpyyaml import resolve_references

    try:
        resolved = resolve_references(text, overrides, overrides_must_match=False).getvalue()
    except Exception as err:  # a broken reference, a !PLACEHOLDER, ...
        raise HyperparamsError(f"{path} cannot be read as HyperPyYAML (a broken reference, a "
                               f"duplicate key, ...): {type(err).__name__}: {err}") from err
    loader = ruamel.yaml.Loader(resolved)
    try:
        return loader.get_single_node()
    except ruamel.yaml.YAMLError as err:
        raise _syntax_error(path, err, "YAML error after resolving references") from None
    finally:
        loader.dispose()
