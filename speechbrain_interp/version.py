"""Version of the speechbrain-interp package."""

__version__ = "0.1.0"
