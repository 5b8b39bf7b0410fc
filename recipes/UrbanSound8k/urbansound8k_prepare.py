#!/usr/bin/env python3
"""Writes the UrbanSound8K JSON manifests (command-line wrapper).

Example
-------
python recipes/UrbanSound8k/urbansound8k_prepare.py \\
    --data_folder /data/UrbanSound8K --manifest_folder results/manifests \\
    --train_folds 1 2 3 4 5 6 7 8 --valid_folds 9 --test_folds 10 \\
    [--skip_missing] [--download]

All the work is done by
:func:`speechbrain_interp.data.urbansound8k.prepare_urbansound8k`, which
never writes into the data folder and does nothing when the manifests are
up to date. The official protocol is 10-fold cross-validation: run it once
per test fold, with another fold for validation.

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import inspect
import json
import logging
import sys

from speechbrain_interp.data.urbansound8k import prepare_urbansound8k


#: the defaults of :func:`prepare_urbansound8k`, the command line's own (restated nowhere)
DEFAULTS = {name: parameter.default for name, parameter
            in inspect.signature(prepare_urbansound8k).parameters.items()}


def parse_args(argv=None):
    """Parses the command line (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--data_folder", required=True,
        help="UrbanSound8K root holding audio/fold<k>/ and "
             "metadata/UrbanSound8K.csv (only read)")
    add("--manifest_folder", required=True,
        help="where train/valid/test/classes.json are written")
    add("--train_folds", type=int, nargs="*", default=list(DEFAULTS["train_folds"]),
        help="folds 1-10; give the flag with no value for no train split "
             "(default: %(default)s)")
    add("--valid_folds", type=int, nargs="*", default=list(DEFAULTS["valid_folds"]),
        help="give the flag with no value for no valid split (default: %(default)s)")
    add("--test_folds", type=int, nargs="*", default=list(DEFAULTS["test_folds"]),
        help="give the flag with no value for no test split (default: %(default)s)")
    add("--audio_folder", default=DEFAULTS["audio_folder"],
        help="folder holding fold1/ ... fold10/ (default <data_folder>/audio)")
    add("--skip_missing", action="store_true",
        help="skip missing/unreadable/empty files with a warning")
    add("--download", action="store_true",
        help="download the archive (Zenodo mirror, MD5-checked) when the csv "
             "is missing")
    add("--signal_length_s", type=float, default=DEFAULTS["signal_length_s"],
        help="model input length in seconds (default: %(default)s), to count the clips padded or "
             "cropped when loaded; <= 0 disables the count")
    return parser.parse_args(argv)


def main(argv=None):
    """Runs the preparation and prints the manifest paths as JSON."""
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    args = parse_args(argv)
    length = args.signal_length_s if args.signal_length_s > 0 else None
    paths = prepare_urbansound8k(
        data_folder=args.data_folder,
        manifest_folder=args.manifest_folder,
        train_folds=tuple(args.train_folds),
        valid_folds=tuple(args.valid_folds),
        test_folds=tuple(args.test_folds),
        audio_folder=args.audio_folder,
        skip_missing=args.skip_missing,
        download=args.download,
        signal_length_s=length,
    )
    print(json.dumps(paths, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
