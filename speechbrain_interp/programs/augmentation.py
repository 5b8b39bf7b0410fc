"""Training-time augmentation built from a recipe's hyperparameters.

:func:`build_noise_augment` is what the training programs give
:func:`~speechbrain_interp.programs.training.prepare_run`: contamination
(:class:`~speechbrain_interp.augment.contamination.Contamination`) when the
``contamination`` dict gives a contaminant a probability, else WHAM! noise
(:class:`~speechbrain_interp.augment.wham.WhamAugment`) when
``add_wham_noise`` is True, else None.

Authors
 * speechbrain-interp developers 2026
"""

import torch

from speechbrain.utils.distributed import run_on_main
from speechbrain.utils.logger import get_logger

from speechbrain_interp.audio import seconds_to_samples
from speechbrain_interp.programs.configuration import require_hparams

__all__ = ["build_contamination", "build_noise_augment"]

logger = get_logger(__name__)


def build_noise_augment(hparams):
    """Contamination (:func:`build_contamination`) when the ``contamination``
    dict gives a contaminant a probability; else WHAM! noise augmentation from
    the ``wham_*`` hyperparameters, or None.

    Keys (:func:`~speechbrain_interp.programs.configuration.noise_keys`): ``add_wham_noise`` (bool) and, when True, ``wham_folder``,
    ``wham_download``, ``wham_subset``, ``wham_snr_low``/``wham_snr_high``
    (dB), ``wham_mode`` (``"snr"`` or upstream's ``"unit_norm_sum"``),
    ``wham_prob`` (probability that a training clip gets noise),
    ``wham_seed``; also ``sample_rate`` and ``signal_length_s``.

    Returns
    -------
    speechbrain_interp.augment.contamination.Contamination or
    speechbrain_interp.augment.wham.WhamAugment or None
    """
    contamination = hparams.get("contamination") or {}
    if any(float(p) > 0 for kind, p in (contamination.get("probabilities") or {}).items()
           if kind != "clean"):
        return build_contamination(hparams)
    if not hparams["add_wham_noise"]:
        return None
    from speechbrain_interp.augment.wham import WhamAugment
    from speechbrain_interp.data.wham import NoiseBank, prepare_wham

    folder = hparams["wham_folder"]
    if not folder:
        raise ValueError(
            "add_wham_noise is True but wham_folder is not set: pass "
            "--wham_folder /path/to/wham_noise (the folder holding tr/)"
        )
    run_on_main(prepare_wham, kwargs={"wham_folder": folder, "download": hparams["wham_download"]})
    bank = NoiseBank(
        folder,
        sample_rate=hparams["sample_rate"],
        segment_samples=seconds_to_samples(hparams["signal_length_s"], hparams["sample_rate"]),
        subset=hparams["wham_subset"],
        seed=hparams["wham_seed"],
    )
    logger.info("WHAM! noise for training from %s", folder)
    return WhamAugment(bank, snr_low=hparams["wham_snr_low"], snr_high=hparams["wham_snr_high"],
                       mode=hparams["wham_mode"], prob=hparams["wham_prob"])


def build_contamination(hparams):
    """Training-time contamination from the ``contamination`` hyperparameter.

    ``contamination`` is a dict: ``probabilities`` (kind -> probability,
    :data:`~speechbrain_interp.augment.contamination.KINDS`), ``snr_low`` and
    ``snr_high`` (dB), ``speech_folder`` (an LJSpeech-layout folder whose
    training part, all but the last ``speech_held_out`` fraction, is mixed
    in) and ``seed``. The ``noise`` kind draws from WHAM! (``wham_folder``,
    ``wham_subset``, ``wham_download``). One generator drives every draw.

    Returns
    -------
    speechbrain_interp.augment.contamination.Contamination
    """
    from speechbrain_interp.augment.contamination import Contamination
    from speechbrain_interp.data.ljspeech import speech_bank
    from speechbrain_interp.data.wham import NoiseBank, prepare_wham

    config = dict(hparams["contamination"])
    require_hparams(config, ("probabilities", "snr_low", "snr_high", "speech_folder",
                             "speech_held_out", "seed"), "the contamination dict",
                    "build_contamination")
    probabilities = dict(config["probabilities"])
    rate = hparams["sample_rate"]
    segment = seconds_to_samples(hparams["signal_length_s"], rate)
    generator = torch.Generator().manual_seed(int(config["seed"]))
    banks = {}
    if float(probabilities.get("speech", 0.0)) > 0:
        if not config["speech_folder"]:
            raise ValueError(
                "contamination mixes in speech but its speech_folder is not set: pass "
                "--speech_folder /path/to/LJSpeech-1.1 (or give speech probability 0)")
        banks["speech_bank"] = speech_bank(
            config["speech_folder"], rate, segment, part="train",
            held_out=config["speech_held_out"], generator=generator)
    if float(probabilities.get("noise", 0.0)) > 0:
        folder = hparams["wham_folder"]
        if not folder:
            raise ValueError(
                "contamination mixes in WHAM! noise but wham_folder is not set: pass "
                "--wham_folder /path/to/wham_noise (or give noise probability 0)")
        run_on_main(prepare_wham, kwargs={"wham_folder": folder,
                                          "download": hparams["wham_download"]})
        banks["noise_bank"] = NoiseBank(folder, sample_rate=rate, segment_samples=segment,
                                        subset=hparams["wham_subset"], generator=generator)
    logger.info("training clips contaminated: %s", probabilities)
    return Contamination(probabilities, config["snr_low"], config["snr_high"],
                         generator=generator, **banks)
