"""Old dotted names of modules that moved, kept importable.

A pretrained folder's ``hyperparams.yaml`` names the classes it builds by
their dotted path at export time (``!new:speechbrain_interp.nmf.NMFDictionary``).
When a module moves, its old name is listed in :data:`MOVED_MODULES` and
resolves, through :class:`MovedModuleFinder` (installed on ``sys.meta_path``
when the package is imported), to an alias of the new module: attribute
lookups on the alias return the new module's own objects, so classes are
the same objects under either name (``isinstance`` and checkpoints hold).

Nothing is imported until an old name is used. No file stays behind at an
old location; this table is the one record of what moved where.

Example
-------
>>> import importlib
>>> old = importlib.import_module("speechbrain_interp.nmf")
>>> from speechbrain_interp.interpreters.l2i.nmf import NMFDictionary
>>> old.NMFDictionary is NMFDictionary
True
>>> old.__moved_to__
'speechbrain_interp.interpreters.l2i.nmf'
"""

import importlib
import importlib.abc
import importlib.util
import sys
import types

__all__ = ["MOVED_MODULES", "MovedModuleFinder", "install"]

_PKG = "speechbrain_interp"

#: old module name -> new module name (issue 27: one package per method)
MOVED_MODULES = {
    f"{_PKG}.interpreters.decoders": f"{_PKG}.interpreters.lmac.decoder",
    f"{_PKG}.interpreters.gradients": f"{_PKG}.interpreters.baselines.gradients",
    f"{_PKG}.interpreters.grad_cam": f"{_PKG}.interpreters.baselines.grad_cam",
    f"{_PKG}.interpreters.registry": f"{_PKG}.interpreters.baselines.registry",
    f"{_PKG}.nmf": f"{_PKG}.interpreters.l2i.nmf",
    f"{_PKG}.inference.figure": f"{_PKG}.visualize.recording",
    f"{_PKG}.inference.sources": f"{_PKG}.sources",
    f"{_PKG}.models.inpainter": f"{_PKG}.interpreters.rde.inpainter",
    f"{_PKG}.models.pv_decoder": f"{_PKG}.interpreters.pv.decoder",
    f"{_PKG}.brains.inpainting": f"{_PKG}.interpreters.rde.brain",
    f"{_PKG}.pv": f"{_PKG}.interpreters.pv",
    f"{_PKG}.pv.compose": f"{_PKG}.interpreters.pv.compose",
    f"{_PKG}.pv.losses": f"{_PKG}.interpreters.pv.losses",
    f"{_PKG}.pv.plots": f"{_PKG}.interpreters.pv.plots",
    f"{_PKG}.pv.ssim": f"{_PKG}.evaluation.ssim",
    f"{_PKG}.rde": f"{_PKG}.interpreters.rde",
    f"{_PKG}.rde.fourier_rde": f"{_PKG}.interpreters.rde.fourier_rde",
    f"{_PKG}.rde.inpainting": f"{_PKG}.interpreters.rde.inpainting",
    f"{_PKG}.rde.obfuscation": f"{_PKG}.interpreters.rde.obfuscation",
    f"{_PKG}.rde.plots": f"{_PKG}.interpreters.rde.plots",
    f"{_PKG}.rde.report": f"{_PKG}.interpreters.rde.report",
    f"{_PKG}.rde.solver": f"{_PKG}.interpreters.rde.solver",
}


class _Alias(types.ModuleType):
    """A module under an old name whose attributes are those of its new module."""

    def __getattr__(self, name):
        return getattr(importlib.import_module(self.__moved_to__), name)

    def __dir__(self):
        return dir(importlib.import_module(self.__moved_to__))


class MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the names of :data:`MOVED_MODULES` (and nothing else)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED_MODULES:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        module = _Alias(spec.name)
        module.__moved_to__ = MOVED_MODULES[spec.name]
        return module

    def exec_module(self, module):
        new = importlib.import_module(module.__moved_to__)  # an error here names the new module
        module.__doc__ = f"Moved to :mod:`{module.__moved_to__}`."
        if hasattr(new, "__path__"):  # an old package: its old submodules are found here too
            module.__path__ = []


def install():
    """Puts one :class:`MovedModuleFinder` first on ``sys.meta_path`` (idempotent)."""
    if not any(isinstance(f, MovedModuleFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, MovedModuleFinder())
