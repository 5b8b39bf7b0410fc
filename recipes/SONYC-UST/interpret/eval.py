#!/usr/bin/env python3
"""Evaluates interpreters of a SONYC-UST tagger, one explained (clip, class) pair at a time.

    python eval.py hparams/eval_small.yaml --data_folder data/synthetic/SONYC-UST \
        --sources_folder data/synthetic/SONYC-UST/sources \
        --classifier_source ../classification/results/cnn14_small-sonyc/1234/pretrained \
        --interpreters "{lmac: results/lmac_small-sonyc/1234}"

Each method explains every class the classifier decides on a test clip. The
metrics read the explained class's sigmoid probability (AI, AD, AG, FF,
Fid-In; OffDrop and OffKeep: what the mask does to the other decided
classes); with the sources of synthetic data (``--sources_folder``), each
pair is also scored against its own class's source (AUC, IoU, SI-SDR,
KeepOwn, KeepOther; PairIoU of the two masks of a two-class clip). Tables
are micro (all pairs), macro (per-class means) and per class. Results in
``<output_folder>``: results.{md,csv,json}, per-pair tables, listenable
examples (each explained class side by side) and index.html.

This script holds nothing dataset-specific: the YAML names the dataset's
prepare function (``prepare_data``) and everything else; the program is
:mod:`speechbrain_interp.programs.evaluation`.

Authors
 * speechbrain-interp developers 2026
"""

import sys

from speechbrain_interp.programs.evaluation import main as run


def main(argv=None):
    """Runs the program on ``argv`` (default: the command line); returns the results."""
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
