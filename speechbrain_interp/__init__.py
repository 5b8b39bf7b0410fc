"""speechbrain-interp: listenable post-hoc interpretation of audio classifiers."""

from speechbrain_interp.version import __version__

__all__ = ["__version__"]
