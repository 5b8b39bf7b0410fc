#!/usr/bin/env python3
"""Writes the ESC-50 JSON manifests (command-line wrapper).

Example
-------
python recipes/ESC50/esc50_prepare.py --data_folder /data/ESC-50 \\
    --manifest_folder results/manifests --train_folds 1 2 3 --valid_folds 4 \\
    --test_folds 5 [--esc10_only] [--skip_missing] [--no_download]

All the work is done by :func:`speechbrain_interp.data.esc50.prepare_esc50`;
the training programs call it from their YAML's ``prepare_data`` key (with its
arguments there), on the main process (``run_on_main``).

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import inspect
import json
import logging
import sys

from speechbrain_interp.data.esc50 import prepare_esc50


#: the defaults of :func:`prepare_esc50`, the command line's own (restated nowhere)
DEFAULTS = {name: parameter.default for name, parameter
            in inspect.signature(prepare_esc50).parameters.items()}


def parse_args(argv=None):
    """Parses the command line (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--data_folder", required=True,
        help="ESC-50 root holding audio/ and meta/esc50.csv (only read)")
    add("--manifest_folder", required=True,
        help="where train/valid/test/classes.json are written")
    add("--train_folds", type=int, nargs="*", default=list(DEFAULTS["train_folds"]),
        help="default: %(default)s")
    add("--valid_folds", type=int, nargs="*", default=list(DEFAULTS["valid_folds"]),
        help="give the flag with no value for no valid split (default: %(default)s)")
    add("--test_folds", type=int, nargs="*", default=list(DEFAULTS["test_folds"]),
        help="give the flag with no value for no test split (default: %(default)s)")
    add("--esc10_only", action="store_true", help="keep the ESC-10 subset")
    add("--audio_folder", default=DEFAULTS["audio_folder"],
        help="folder of the wav files (default <data_folder>/audio)")
    add("--skip_missing", action="store_true",
        help="skip missing/unreadable/empty files with a warning")
    add("--no_download", action="store_true",
        help="never download the official archive")
    add("--expected_duration", type=float, default=DEFAULTS["expected_duration"],
        help="clip duration in seconds (default: %(default)s); <= 0 disables the check")
    return parser.parse_args(argv)


def main(argv=None):
    """Runs the preparation and prints the manifest paths as JSON."""
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    args = parse_args(argv)
    duration = args.expected_duration if args.expected_duration > 0 else None
    paths = prepare_esc50(
        data_folder=args.data_folder,
        manifest_folder=args.manifest_folder,
        train_folds=tuple(args.train_folds),
        valid_folds=tuple(args.valid_folds),
        test_folds=tuple(args.test_folds),
        esc10_only=args.esc10_only,
        audio_folder=args.audio_folder,
        skip_missing=args.skip_missing,
        download=not args.no_download,
        expected_duration=duration,
    )
    print(json.dumps(paths, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
