"""The device reaches every place that creates tensors or modules (issue 26, point 1).

``eval.py`` once called ``evaluate(...)`` without the device it had been
given, so evaluation ran on the CPU whatever ``--device`` said; a CPU-only
test suite cannot see such a slip by running things. This file proves the
device's path by reading the code and the command lines:

1. a static check (the AST, nothing runs) over the library, the tools and
   the recipes:

   * every call of a project function, method or class that takes
     ``device`` or SpeechBrain's ``run_opts`` (and of the ``from_hparams``
     family, which takes ``run_opts`` through ``**kwargs``) passes it, by
     keyword, position or ``**mapping``, or moves what it returns at once
     (``f(...).to(device)``); names are resolved through imports,
     re-exports, ``self.`` and base classes;
   * no function that holds a device (a ``device`` parameter or variable,
     ``args.device``, ``self.device``) creates a tensor (``torch.zeros``,
     ``torch.randn``...) without ``device=``, unless it draws from a
     ``generator=`` (drawn on the generator's device) or moves it at once;

   each exception is in :data:`ALLOWED_CALLS`, :data:`ALLOWED_CREATIONS` or
   :data:`DEVICE_FOLLOWS` with its reason, and a failure lists
   ``file:line call`` for each offence;
2. every entry point takes the device: the tools have ``--device`` (their
   own ``--help``), every program keeps and reads the run options
   ``load_experiment`` parsed and every recipe script runs such a program,
   and the command-line subcommands that run models take ``--device``
   (:data:`NO_DEVICE_TOOLS` and :data:`NO_DEVICE_COMMANDS` name the
   exceptions, with their reasons);
3. where a CPU can tell: the meta device. The loaders and the command
   line's model loading given ``meta``, and the tools that build models run
   with ``--device meta`` up to their first computation, must leave every
   parameter and buffer there.
"""

import ast

import pytest

from helpers import REPO

LIBRARY = "speechbrain_interp"

#: parameter names that carry the device: the device itself, SpeechBrain's run options
DEVICE_PARAMETERS = ("device", "run_opts")

#: functions that take ``run_opts`` through ``**kwargs`` (SpeechBrain's ``from_hparams``
#: and the project's wrappers of it): their calls must pass ``run_opts=`` (or ``**``)
RUN_OPTS_THROUGH_KWARGS = (
    "speechbrain_interp.inference.classifier.SoundClassifier.from_hparams",
    "speechbrain_interp.inference.interpreter.AudioInterpreter.from_hparams",
    "speechbrain_interp.inference.interpreter.AudioInterpreter.from_classifier",
    "speechbrain_interp.inference.loading.load_pretrained",
)

#: ``torch`` functions that create a tensor on the default device unless told otherwise
CREATORS = ("zeros", "ones", "full", "arange", "tensor", "empty", "randn", "rand", "randint",
            "linspace", "eye")

#: callables whose device follows another argument when that one is given: ``name ->
#: (parameter, reason)``
DEVICE_FOLLOWS = {
    "speechbrain_interp.inference.interpreter.load_interpreter": (
        "classifier", "with classifier=, the interpreter goes to that classifier's device"),
}

#: ``(path, callee's last name) -> reason``: calls allowed not to pass the device
ALLOWED_CALLS = {
    ("speechbrain_interp/programs/export.py", "from_hparams"):
        "export loads the copy only to check it against the original: on the CPU, anywhere",
    ("speechbrain_interp/precision.py", "check_precision"):
        "precision_dtype maps a name to a dtype: no device is involved",
    ("speechbrain_interp/interpreters/base.py", "check_precision"):
        "the precision setter checks the name; autocast(precision, device) checks it against "
        "the device the interpreter runs on",
}

#: ``(path, function name) -> reason``: functions holding a device that may create
#: tensors without ``device=``
ALLOWED_CREATIONS = {
    ("speechbrain_interp/augment/contamination.py", "forward"):
        "the partners' labels are kept on the CPU (drawn with the CPU generator), moved on return",
    ("speechbrain_interp/augment/wham.py", "forward"):
        "the valid-length mask is built on the CPU beside the lengths, moved before mixing",
    ("speechbrain_interp/brains/roar.py", "roar"):
        "the accuracy table (Python floats) is summarised on the CPU",
    ("speechbrain_interp/inference/interpreter.py", "interpret_long"):
        "the label tensor is read back as a Python int (windows._check_label)",
    ("tools/benchmark.py", "build_method"):
        "PV's fitted range is set before method.to(args.device) moves the whole method",
}


def module_name(path, root=REPO):
    """The dotted name a source file has in the index.

    Arguments
    ---------
    path : pathlib.Path
        A ``.py`` file under ``root``.
    root : pathlib.Path
        The repository root.

    Returns
    -------
    str
        ``speechbrain_interp.inference.classifier``, ``tools.benchmark``,
        ``recipes.ESC50.interpret.eval``; a package's ``__init__.py`` is the
        package itself.
    """
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def dotted(node):
    """The dotted name of a call's target, or None.

    Arguments
    ---------
    node : ast.expr
        ``f``, ``a.b.f``... (anything else, e.g. ``f()()``, gives None).

    Returns
    -------
    str or None
    """
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    names.append(node.id)
    return ".".join(reversed(names))


class Signature:
    """Where a callable takes its device.

    Arguments
    ---------
    node : ast.FunctionDef
        The function (a class's ``__init__`` for the class).
    bound : bool
        Its first parameter is ``self`` or ``cls`` (a method, not a static method).
    parameter : str
        The parameter that carries the device (:data:`DEVICE_PARAMETERS`).
    """

    def __init__(self, node, bound, parameter):
        arguments = node.args
        positional = [a.arg for a in arguments.posonlyargs + arguments.args]
        self.positional = positional[1:] if bound else positional
        self.parameter = parameter
        self.follows = None  # another parameter whose value carries the device (DEVICE_FOLLOWS)

    def passed_by(self, call):
        """Whether a call passes the device.

        Arguments
        ---------
        call : ast.Call

        Returns
        -------
        bool
            True when it names the parameter (or the one the device
            follows, :data:`DEVICE_FOLLOWS`), gives ``**mapping`` or
            ``*args`` (which may hold it), or gives enough positional
            arguments to reach it.
        """
        return any(self._gives(call, name) for name in (self.parameter, self.follows) if name)

    def _gives(self, call, name):
        """Whether a call gives one parameter.

        Arguments
        ---------
        call : ast.Call
        name : str
            The parameter.

        Returns
        -------
        bool
        """
        if any(k.arg in (name, None) for k in call.keywords):
            return True
        if any(isinstance(a, ast.Starred) for a in call.args):
            return True
        return name in self.positional and len(call.args) > self.positional.index(name)


def _device_parameter(node):
    """The parameter through which a function takes its device.

    Arguments
    ---------
    node : ast.FunctionDef

    Returns
    -------
    str or None
        The first of :data:`DEVICE_PARAMETERS` among its parameters.
    """
    arguments = node.args
    names = [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]
    return next((name for name in DEVICE_PARAMETERS if name in names), None)


def _is_static(node):
    """Whether a method is a ``@staticmethod`` (its first parameter is no ``self``).

    Arguments
    ---------
    node : ast.FunctionDef

    Returns
    -------
    bool
    """
    return any(dotted(d) == "staticmethod" for d in node.decorator_list)


class Index:
    """The project's callables that take a device, and each module's names.

    Arguments
    ---------
    sources : dict
        Module name -> source text.
    """

    def __init__(self, sources):
        self.trees = {name: ast.parse(text) for name, text in sources.items()}
        self.modules = set(self.trees)
        #: qualified name -> Signature
        self.takers = {}
        #: module -> {local name: qualified name} (imports, and what the module defines)
        self.names = {}
        #: qualified class name -> qualified names of its bases
        self.bases = {}
        for module, tree in self.trees.items():
            self.names[module] = self._imports(module, tree)
        for module, tree in self.trees.items():
            self._definitions(module, tree)

    def _imports(self, module, tree):
        """What the names of a module stand for.

        Arguments
        ---------
        module : str
        tree : ast.Module

        Returns
        -------
        dict
            Local name -> qualified name: every import (at the top or inside
            a function; relative ones made absolute) and every top-level
            function and class the module defines.
        """
        names = {}
        package = module if self._is_package(module) else module.rpartition(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names.setdefault(alias.asname, alias.name)
                    else:
                        head = alias.name.split(".")[0]
                        names.setdefault(head, head)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                for alias in node.names:
                    names.setdefault(alias.asname or alias.name, f"{base}.{alias.name}")
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names[node.name] = f"{module}.{node.name}"
        return names

    def _is_package(self, module):
        """Whether a module is a package (others live under its name).

        Arguments
        ---------
        module : str

        Returns
        -------
        bool
        """
        return any(other.startswith(module + ".") for other in self.modules)

    def _definitions(self, module, tree):
        """Records a module's functions, methods and classes that take a device.

        Arguments
        ---------
        module : str
        tree : ast.Module
        """
        functions = (ast.FunctionDef, ast.AsyncFunctionDef)
        for node in tree.body:
            if isinstance(node, functions):
                parameter = _device_parameter(node)
                if parameter:
                    self.takers[f"{module}.{node.name}"] = Signature(node, False, parameter)
            elif isinstance(node, ast.ClassDef):
                qualified = f"{module}.{node.name}"
                self.bases[qualified] = [self.resolve(module, dotted(b)) for b in node.bases]
                for item in node.body:
                    if not isinstance(item, functions):
                        continue
                    bound = not _is_static(item)
                    method = f"{qualified}.{item.name}"
                    parameter = _device_parameter(item)
                    if method in RUN_OPTS_THROUGH_KWARGS:
                        parameter = "run_opts"
                    if parameter:
                        self.takers[method] = Signature(item, bound, parameter)
                        if item.name == "__init__":
                            self.takers[qualified] = self.takers[method]
        for name in RUN_OPTS_THROUGH_KWARGS:
            owner, _, function = name.rpartition(".")
            if owner == module:
                node = next(n for n in tree.body if getattr(n, "name", None) == function)
                self.takers[name] = Signature(node, False, "run_opts")
        for name, (parameter, _) in DEVICE_FOLLOWS.items():
            if name in self.takers:
                self.takers[name].follows = parameter

    def resolve(self, module, name):
        """The qualified name a dotted name stands for in a module.

        Arguments
        ---------
        module : str
            Where the name is used.
        name : str or None
            ``f``, ``alias.f``, ``Class.method``...

        Returns
        -------
        str or None
            Through imports and re-exports (``from .classifier import
            load_classifier`` in a package's ``__init__``); None for a
            name the module neither defines nor imports.
        """
        if name is None:
            return None
        head, _, rest = name.partition(".")
        target = self.names.get(module, {}).get(head)
        if target is None:
            return None
        qualified = f"{target}.{rest}" if rest else target
        return self.canonical(qualified)

    def canonical(self, qualified, depth=0):
        """Follows re-exports to where a name is defined.

        Arguments
        ---------
        qualified : str
            ``package.module.name[.attribute...]``.
        depth : int
            Re-exports followed so far (stops at 10).

        Returns
        -------
        str
        """
        if depth > 10 or qualified in self.takers:
            return qualified
        parts = qualified.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module in self.modules:
                head, rest = parts[cut], parts[cut + 1:]
                target = self.names[module].get(head)
                if target is None or target == f"{module}.{head}":
                    return qualified
                return self.canonical(".".join([target] + rest), depth + 1)
        return qualified

    def method(self, owner, name, depth=0):
        """A method of a class of the index, found in the class or its bases.

        Arguments
        ---------
        owner : str
            Qualified class name.
        name : str
            Method name.
        depth : int
            Bases followed so far.

        Returns
        -------
        str or None
            Qualified name of the method if it takes a device.
        """
        if f"{owner}.{name}" in self.takers:
            return f"{owner}.{name}"
        if depth > 10:
            return None
        for base in self.bases.get(owner, ()):
            if base:
                found = self.method(base, name, depth + 1)
                if found:
                    return found
        return None


class _Scope(ast.NodeVisitor):
    """Walks one module: calls that drop the device, tensors made off the device.

    Arguments
    ---------
    index : Index
        The whole project's.
    module : str
        The module walked.
    path : str
        Its path, for the offences.
    """

    def __init__(self, index, module, path):
        self.index = index
        self.module = module
        self.path = path
        self.classes = []
        self.holders = []  # per enclosing function: does it hold a device
        self.functions = []
        self.offences = []
        self.allowed = set()
        self.moved = set()

    def visit_ClassDef(self, node):
        self.classes.append(f"{self.module}.{node.name}")
        self.generic_visit(node)
        self.classes.pop()

    def visit_FunctionDef(self, node):
        self.holders.append(_holds_device(node) or bool(self.holders and self.holders[-1]))
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()
        self.holders.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node):
        if _moves(node):
            self.moved.add(id(node.func.value))  # f(...).to(device): moved at once
        if id(node) not in self.moved:
            self._check_call(node)
            self._check_creation(node)
        self.generic_visit(node)

    def _target(self, node):
        """The callable of the index that takes a device which a call calls.

        Arguments
        ---------
        node : ast.Call

        Returns
        -------
        str or None
            Its qualified name (a key of ``Index.takers``), None when the
            call is to something else or cannot be resolved.
        """
        name = dotted(node.func)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head in ("self", "cls") and self.classes and rest and "." not in rest:
            return self.index.method(self.classes[-1], rest)
        qualified = self.index.resolve(self.module, name)
        if qualified in self.index.takers:
            return qualified
        if qualified in self.index.bases:  # a class: its (inherited) __init__
            return self.index.method(qualified, "__init__")
        owner, _, method = (qualified or "").rpartition(".")
        if owner in self.index.bases:
            return self.index.method(owner, method)
        return None

    def _check_call(self, node):
        """Records a call that drops the device (rule 1).

        Arguments
        ---------
        node : ast.Call
        """
        target = self._target(node)
        if target is None:
            return
        signature = self.index.takers[target]
        if signature.passed_by(node):
            return
        callee = target.rpartition(".")[2]
        if (self.path, callee) in ALLOWED_CALLS:
            self.allowed.add((self.path, callee))
            return
        self.offences.append(f"{self.path}:{node.lineno} {ast.unparse(node.func)}(...) "
                             f"without {signature.parameter} ({target})")

    def _check_creation(self, node):
        """Records a tensor made without ``device=`` where a device is at hand (rule 2).

        Arguments
        ---------
        node : ast.Call
        """
        if not self.holders or not self.holders[-1]:
            return
        name = dotted(node.func)
        if name is None or not name.startswith("torch.") or name[6:] not in CREATORS:
            return
        if any(k.arg in ("device", "generator", None) for k in node.keywords):
            return
        if (self.path, self.functions[-1]) in ALLOWED_CREATIONS:
            self.allowed.add((self.path, self.functions[-1]))
            return
        self.offences.append(f"{self.path}:{node.lineno} {ast.unparse(node)[:80]} without "
                             f"device= in {self.functions[-1]}(), which holds a device")


def _moves(node):
    """Whether a call is ``<call>.to(<device or tensor>)``: what it makes is moved at once.

    Arguments
    ---------
    node : ast.Call

    Returns
    -------
    bool
        False for ``.to("cpu")`` (a constant) and ``.to(torch.float64)`` (a dtype).
    """
    if not (isinstance(node.func, ast.Attribute) and node.func.attr == "to"
            and isinstance(node.func.value, ast.Call) and node.args):
        return False
    first = node.args[0]
    return not isinstance(first, ast.Constant) and not (dotted(first) or "").startswith("torch.")


def _holds_device(node):
    """Whether a function has a device at hand.

    Arguments
    ---------
    node : ast.FunctionDef

    Returns
    -------
    bool
        A parameter or a local variable named ``device``, or a read of
        ``args.device`` (the tools' parsed command line) or ``self.device``
        (a Brain's, a ``Pretrained``'s).
    """
    arguments = node.args
    names = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
    if "device" in names:
        return True
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and child.id == "device" \
                and isinstance(child.ctx, ast.Store):
            return True
        if dotted(child) in ("args.device", "self.device"):
            return True
    return False


def check_sources(sources, paths=None):
    """Every offence of a set of modules against the device rules.

    Arguments
    ---------
    sources : dict
        Module name -> source text (the index is built from all of them).
    paths : dict, optional
        Module name -> the path printed for it (default: the module name).

    Returns
    -------
    offences : list of str
        ``path:line what``, one per offence.
    allowed : set
        The keys of :data:`ALLOWED_CALLS` and :data:`ALLOWED_CREATIONS`
        that excused something.
    """
    index = Index(sources)
    offences, allowed = [], set()
    for module, tree in index.trees.items():
        walker = _Scope(index, module, (paths or {}).get(module, module))
        walker.visit(tree)
        offences += walker.offences
        allowed |= walker.allowed
    return offences, allowed


def project_sources():
    """The library's, the tools' and the recipes' sources.

    Returns
    -------
    sources : dict
        Module name -> text.
    paths : dict
        Module name -> path relative to the repository (what offences print).
    """
    files = sorted((REPO / LIBRARY).rglob("*.py")) + sorted((REPO / "tools").glob("*.py")) \
        + sorted((REPO / "recipes").rglob("*.py"))
    sources = {module_name(p): p.read_text(encoding="utf-8") for p in files}
    paths = {module_name(p): str(p.relative_to(REPO)) for p in files}
    return sources, paths


# ----- 1. the static check ------------------------------------------------------------

SUITE = """
def evaluate(methods, dataset, conditions=None, batch_size=16, device="cpu"):
    return methods
"""


def _offences(**sources):
    """The offences of a few synthetic modules.

    Arguments
    ---------
    **sources
        Module name with ``_`` for ``.`` (``pkg_suite``) -> source text.

    Returns
    -------
    list of str
    """
    return check_sources({name.replace("_", "."): text for name, text in sources.items()})[0]


def test_the_checker_catches_the_eval_slip():
    """The slip of issue 26: ``run(device)`` calls ``evaluate(methods, data)``."""
    program = """
from pkg.suite import evaluate

def run(methods, data, device):
    return evaluate(methods, data)
"""
    offences = _offences(pkg_suite=SUITE, pkg_evaluation=program)
    assert offences == ["pkg.evaluation:5 evaluate(...) without device (pkg.suite.evaluate)"]


@pytest.mark.parametrize("call", [
    "evaluate(methods, data, device=device)",
    "evaluate(methods, data, None, 8, device)",  # positionally
    "evaluate(methods, data, **options)",  # may hold it
    "evaluate(methods, data).to(device)",  # moved at once
])
def test_the_checker_accepts_the_device_passed(call):
    program = f"from pkg.suite import evaluate\n\ndef run(methods, data, device, options):\n" \
              f"    return {call}\n"
    assert _offences(pkg_suite=SUITE, pkg_evaluation=program) == []


def test_the_checker_follows_aliases_reexports_and_methods():
    """``module.f``, a package's re-export, ``self.method`` and a class's ``__init__``."""
    package = "from .suite import evaluate\n"
    models = """
class Base:
    def __init__(self, run_opts=None):
        self.run_opts = run_opts

    def put(self, x, device="cpu"):
        return x

class Child(Base):
    def go(self, x):
        return self.put(x)
"""
    program = """
import pkg.suite as suite
from pkg import evaluate
from pkg.models import Child

def run(methods, data, device):
    suite.evaluate(methods, data)
    evaluate(methods, data)
    Child()
    Child(run_opts={"device": device}).go(data)
"""
    offences = _offences(pkg=package, pkg_suite=SUITE, pkg_models=models, pkg_program=program)
    assert [o.split(" (")[0] for o in offences] == [
        "pkg.models:11 self.put(...) without device",
        "pkg.program:7 suite.evaluate(...) without device",
        "pkg.program:8 evaluate(...) without device",
        "pkg.program:9 Child(...) without run_opts",
    ]


def test_the_checker_flags_tensors_made_off_the_device():
    program = """
import torch

def run(x, device):
    a = torch.zeros(3)
    b = torch.zeros(3, device=device)
    c = torch.rand(3, generator=torch.Generator())  # on the generator's device
    d = torch.ones(3).to(device)
    e = torch.ones(3).to(torch.float64)  # a dtype: still on the default device
    def inner():
        return torch.arange(4)
    return a, b, c, d, e, inner

def elsewhere():
    return torch.zeros(3)  # no device at hand
"""
    offences = _offences(pkg_program=program)
    assert [o.split(" without")[0] for o in offences] == [
        "pkg.program:5 torch.zeros(3)", "pkg.program:9 torch.ones(3)",
        "pkg.program:11 torch.arange(4)"]


def test_the_device_reaches_every_call_and_tensor():
    """Every call of a project function taking ``device``/``run_opts`` passes it, and
    no function holding a device makes a tensor elsewhere (exceptions: the allow-lists)."""
    offences, allowed = check_sources(*project_sources())
    assert not offences, "the device is dropped at (pass it, or allow-list with a reason):\n" \
        + "\n".join(offences)
    stale = (set(ALLOWED_CALLS) | set(ALLOWED_CREATIONS)) - allowed
    assert not stale, f"allow-list entries that excuse nothing any more (remove them): {stale}"


# ----- 2. every entry point takes the device ------------------------------------------

#: tools without ``--device``, each with why
NO_DEVICE_TOOLS = {
    "make_synthetic_data.py": "writes audio files and tables: builds no model",
    "code_size.py": "reads the source of git revisions: runs no model",
    "tradeoff.py": "plots the results.json of evaluations: builds no model",
    "gpu_check.py": "chooses the device itself (CUDA, or --cpu to check the script) and passes "
                    "--device to every check it runs",
}

#: command-line subcommands that take no ``--device``, each with why
NO_DEVICE_COMMANDS = {
    "export": "copies a pretrained folder; it loads the copy only to check it, on the CPU",
}

TOOLS = sorted(p.name for p in (REPO / "tools").glob("*.py"))


def _help(script, capsys):
    """What ``script --help`` prints (the tool's own argparse parser, run in-process).

    Arguments
    ---------
    script : pathlib.Path
        A tool whose ``main(argv)`` parses ``argv``.
    capsys : pytest.CaptureFixture

    Returns
    -------
    str
    """
    from helpers import load_script

    tool = load_script(script)
    with pytest.raises(SystemExit) as exit_:
        tool.main(["--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("name", [t for t in TOOLS if t not in NO_DEVICE_TOOLS])
def test_every_tool_takes_the_device(name, capsys):
    """Each tool that builds or runs models has ``--device``."""
    assert "--device" in _help(REPO / "tools" / name, capsys), \
        f"tools/{name} has no --device: add it (or to NO_DEVICE_TOOLS with the reason)"


def test_the_tools_without_a_device_exist_and_really_lack_it(capsys):
    for name in NO_DEVICE_TOOLS:
        assert "--device" not in _help(REPO / "tools" / name, capsys), \
            f"tools/{name} takes --device now: remove it from NO_DEVICE_TOOLS"


def test_the_command_line_takes_the_device():
    """``sb-interp classify`` and ``explain`` take ``--device`` (``export`` runs no model)."""
    from speechbrain_interp.programs.cli import _parser

    commands = next(a for a in _parser()._actions if a.dest == "command").choices
    assert set(NO_DEVICE_COMMANDS) <= set(commands)
    for name, sub in commands.items():
        if name not in NO_DEVICE_COMMANDS:
            assert any("--device" in a.option_strings for a in sub._actions), name


def _run_options_reads(tree):
    """How a program module uses SpeechBrain's run options.

    Arguments
    ---------
    tree : ast.Module

    Returns
    -------
    list of (int, bool)
        Per call of ``load_experiment``: its line, and whether the run
        options it returns (its second result) are bound to a name that the
        function reads afterwards.
    """
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                    and dotted(node.value.func) == "load_experiment"):
                continue
            target = node.targets[0]
            name = target.elts[1].id if isinstance(target, ast.Tuple) \
                and isinstance(target.elts[1], ast.Name) else None
            read = name not in (None, "_") and any(
                isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
                and n.lineno > node.lineno for n in ast.walk(function))
            found.append((node.lineno, read))
    return found


def test_the_run_options_rule_catches_a_dropped_device():
    """``eval.py``'s slip at its source: ``hparams, _, _ = load_experiment(...)``."""
    dropped = "def main(argv):\n    hparams, _, _ = load_experiment(argv)\n" \
              "    return run(hparams)\n"
    unread = "def main(argv):\n    hparams, run_opts, _ = load_experiment(argv)\n    return 1\n"
    kept = "def main(argv):\n    hparams, run_opts, _ = load_experiment(argv)\n" \
           "    return run(hparams, run_opts['device'])\n"
    assert [_run_options_reads(ast.parse(text)) for text in (dropped, unread, kept)] == [
        [(2, False)], [(2, False)], [(2, True)]]


def test_every_program_reads_the_device_from_the_run_options():
    """Every program keeps the run options ``load_experiment`` parsed (``--device`` among
    them) and uses them, and every recipe script runs one of those programs."""
    programs = {}
    for path in sorted((REPO / LIBRARY / "programs").glob("*.py")):
        reads = _run_options_reads(ast.parse(path.read_text(encoding="utf-8")))
        dropped = [f"{path.relative_to(REPO)}:{line}" for line, read in reads if not read]
        assert not dropped, f"the run options (--device) are dropped at {dropped}"
        if reads:
            programs[module_name(path)] = path
    assert len(programs) >= 7
    scripts = [p for p in (REPO / "recipes").rglob("*.py") if not p.stem.endswith("_prepare")]
    assert scripts
    for script in scripts:
        imported = {f"{n.module}.{a.name}" for n in ast.walk(ast.parse(script.read_text()))
                    if isinstance(n, ast.ImportFrom) and n.module for a in n.names}
        assert any(f"{program}.main" in imported for program in programs), \
            f"{script.relative_to(REPO)} runs no program that reads the run options"


# ----- 3. where CPU can tell: the meta device -----------------------------------------

def _devices(*modules):
    """The device types of every parameter and buffer of some modules.

    Arguments
    ---------
    *modules : torch.nn.Module

    Returns
    -------
    set of str
        ``{"meta"}`` when all of them are on the meta device.
    """
    return {t.device.type for m in modules for t in list(m.parameters()) + list(m.buffers())}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A tiny classifier folder (``clf``) and an L-MAC of it (``lmac``)."""
    from helpers import write_tiny_folders

    root = tmp_path_factory.mktemp("device_reach")
    write_tiny_folders(root, ["dog", "rain", "siren"], window_s=1.0, hop_s=0.5)
    return root


def test_loaders_put_every_module_on_the_device(folders):
    """``--device meta`` (a device a CPU has too) reaches every loaded module."""
    from speechbrain_interp.inference import load_classifier, load_interpreter
    from speechbrain_interp.programs.cli import _load_model, _parser

    classifier = load_classifier(str(folders / "clf"), device="meta")
    assert _devices(classifier) == {"meta"}
    assert _devices(load_interpreter(str(folders / "lmac"), device="meta")) == {"meta"}
    for argv in (["classify", "x.wav", "--source", str(folders / "clf")],
                 ["explain", "x.wav", "--source", str(folders / "lmac")],
                 ["explain", "x.wav", "--source", str(folders / "clf"), "--method", "saliency"]):
        model = _load_model(_parser().parse_args(argv + ["--device", "meta"]))
        assert _devices(model.mods) == {"meta"}, argv


class _Reached(Exception):
    """Raised by a stand-in for the first step that computes: the device reached it."""


def test_tools_build_their_models_on_the_device(folders, monkeypatch):
    """compare_interpreters, diagnose_localization and label_check with ``--device meta``:
    every model they build is on it when the first computation starts."""
    from helpers import load_script
    import speechbrain_interp.data.dataio as dataio
    import speechbrain_interp.data.esc50 as esc50
    import speechbrain_interp.evaluation.conditions as conditions
    import speechbrain_interp.evaluation.suite as suite
    import speechbrain_interp.inference.interpreter as interpreter

    seen = {}
    # a meta tensor has no bytes to hash: the interpreter's check of its classifier's weights
    monkeypatch.setattr(interpreter, "classifier_fingerprint", lambda classifier: "meta")

    def reached(name):
        """A stand-in for ``name``'s first computation: records the device it is given
        and where the models are, then stops the tool."""

        def stand_in(methods, *args, device=None, **kwargs):
            modules = methods.values() if isinstance(methods, dict) else [methods.mods]
            seen[name] = (device, _devices(*modules))
            raise _Reached
        return stand_in

    no_data = dict(prepare_esc50=lambda *a, **k: {"test": "test.json"},
                   build_datasets=lambda *a, **k: ({"test": []}, None))
    compare = load_script(REPO / "tools" / "compare_interpreters.py")
    for name, value in {**no_data, "evaluate_interpreters": reached("compare")}.items():
        monkeypatch.setattr(compare, name, value)
    diagnose = load_script(REPO / "tools" / "diagnose_localization.py")
    monkeypatch.setattr(diagnose, "diagnose", reached("diagnose"))
    monkeypatch.setattr(esc50, "prepare_esc50", no_data["prepare_esc50"])
    monkeypatch.setattr(dataio, "build_datasets", no_data["build_datasets"])
    monkeypatch.setattr(suite, "EvenlySpaced", lambda dataset, n: dataset)
    monkeypatch.setattr(conditions, "build_conditions", lambda *a, **k: {})
    label = load_script(REPO / "tools" / "label_check.py")
    monkeypatch.setattr(label, "_clips", lambda *a: [])
    monkeypatch.setattr(label, "measure", reached("label"))

    clf, lmac, out = str(folders / "clf"), str(folders / "lmac"), str(folders / "out")
    runs = [(compare, ["--data_folder", out, "--classifier", clf, "--run", f"lmac={lmac}",
                       "--out", out]),
            (diagnose, ["--data_folder", out, "--classifier", clf, "--run", f"lmac={lmac}",
                        "--out", out]),
            (label, ["--interpreter", lmac, "--manifest", "m.json", "--data_root", out])]
    for tool, argv in runs:
        with pytest.raises(_Reached):
            tool.main(argv + ["--device", "meta"])
    assert seen == {"compare": ("meta", {"meta"}), "diagnose": ("meta", {"meta"}),
                    "label": (None, {"meta"})}
