"""What a program is: its name and the YAML keys it reads, said once.

Each program module states a :class:`Program`; its ``main(argv)`` hands the
description's :meth:`~Program.required_keys` and name to
:func:`~speechbrain_interp.programs.run_setup.load_experiment` and runs.

Authors
 * speechbrain-interp developers 2026
"""

from dataclasses import dataclass

from speechbrain_interp.programs.configuration import (
    COMMON_KEYS, TRAINING_KEYS, brain_keys, noise_keys,
)  # fmt: skip

__all__ = ["Program"]


@dataclass(frozen=True)
class Program:
    """A program's name and the keys its YAML must hold.

    Every program reads :data:`~speechbrain_interp.programs.configuration.COMMON_KEYS`;
    a trained one (``brain`` given) also reads
    :data:`~speechbrain_interp.programs.configuration.TRAINING_KEYS` and its
    Brain's hyperparameters; one that may add WHAM! noise (``noise``) reads
    ``add_wham_noise`` and, when it is True, the noise keys.

    Arguments
    ---------
    name : str
        How messages name it (``"the classification program"``).
    keys : tuple of str
        The keys it reads itself.
    brain : type, optional
        The :class:`~speechbrain_interp.brains.base.ProjectBrain` it trains.
    noise : bool
        Whether it reads the WHAM! noise keys.

    Example
    -------
    >>> from speechbrain_interp.interpreters.rde.brain import InpainterBrain
    >>> program = Program("the in-painter program", ("inpainter",), InpainterBrain, noise=True)
    >>> keys = program.required_keys({"add_wham_noise": False})
    >>> keys[:2], "epoch_counter" in keys, "inpainter" in keys, keys[-1]
    (('seed', 'data_folder'), True, True, 'add_wham_noise')
    >>> "wham_snr_low" in program.required_keys({"add_wham_noise": True})
    True
    >>> Program("the NMF program", ("nmf_mu",)).keys_read[-1]
    'nmf_mu'
    """

    name: str
    keys: tuple = ()
    brain: type = None
    noise: bool = False

    @property
    def keys_read(self):
        """The keys it reads whatever the values: common, training, the Brain's, its own."""
        trained = TRAINING_KEYS + brain_keys(self.brain) if self.brain is not None else ()
        return COMMON_KEYS + trained + tuple(self.keys)

    def required_keys(self, hparams):
        """:attr:`keys_read` and, for a program that may add noise, the noise keys."""
        return self.keys_read + (noise_keys(hparams) if self.noise else ())
