#!/usr/bin/env python3
"""Trains and tests an interpreter of a pretrained classifier; the YAML chooses the method.

    python train.py hparams/lmac.yaml --data_folder /path/to/ESC-50 \
        --classifier_source ../classification/results/cnn14-esc50/1234/pretrained \
        --add_wham_noise True --wham_folder /path/to/wham_noise
    # L-MAC's fine-tuning stage, from the first stage's decoder:
    python train.py hparams/lmac.yaml ... --finetune True --lambda_g 4 \
        --pretrained_interpreter results/lmac-esc50/1234/pretrained \
        --experiment_name lmac-ft-esc50
    python train.py hparams/piq.yaml --data_folder ... --classifier_source ...
    python train_nmf.py hparams/nmf.yaml ... && \
        python train.py hparams/l2i.yaml ... --nmf_source results/nmf-esc50/1234/pretrained
    python train.py hparams/pv.yaml --data_folder ... --classifier_source ...
    # the PV mel target (the classifier's own features; Griffin-Lim to listen):
    python train.py hparams/pv.yaml ... --target mel --experiment_name pv-mel-esc50
    torchrun --nproc_per_node=2 train.py hparams/lmac.yaml ...

Results in ``<output_folder>``: train_log.txt (objective parts and every
faithfulness metric per epoch), interpretations/ (original.wav,
interpretation.wav and figures per clip), metrics.{json,md} and
metrics_per_clip.csv for the test set, and pretrained/: the best interpreter
with its classifier as a self-contained folder (hyperparams.yaml,
interpreter.ckpt, the classifier's files, a model card and example.wav) that
``speechbrain_interp.inference.AudioInterpreter.from_hparams`` loads from anywhere.

This script holds nothing dataset-specific: the YAML names the dataset's
prepare function (``prepare_data``) and everything else; the program is
:mod:`speechbrain_interp.programs.interpretation`.

Authors
 * speechbrain-interp developers 2026
"""

import sys

from speechbrain_interp.programs.interpretation import main as run


def main(argv=None):
    """Runs the program on ``argv`` (default: the command line); returns the brain (``test_stats``: the test metrics)."""
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
