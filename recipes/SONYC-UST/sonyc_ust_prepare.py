#!/usr/bin/env python3
"""Writes the SONYC-UST v2 JSON manifests (command-line wrapper).

Example
-------
python recipes/SONYC-UST/sonyc_ust_prepare.py \\
    --data_folder /data/SONYC-UST --manifest_folder results/manifests \\
    --level coarse --aggregation dcase --splits train validate test \\
    [--sources_folder DIR] [--skip_missing] [--download]

All the work is done by
:func:`speechbrain_interp.data.sonyc_ust.prepare_sonyc_ust`, which never
writes into the data folder and does nothing when the manifests are up to
date. The official split ``validate`` is written as ``valid.json``.

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import inspect
import json
import logging
import sys

from speechbrain_interp.data.sonyc_ust import (
    AGGREGATIONS,
    LEVELS,
    OFFICIAL_SPLITS,
    prepare_sonyc_ust,
)


#: the defaults of :func:`prepare_sonyc_ust`, the command line's own (restated nowhere)
DEFAULTS = {name: parameter.default for name, parameter
            in inspect.signature(prepare_sonyc_ust).parameters.items()}


def parse_args(argv=None):
    """Parses the command line (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--data_folder", required=True,
        help="folder holding annotations.csv, dcase-ust-taxonomy.yaml and the "
             "unpacked audio-*.tar.gz (only read)")
    add("--manifest_folder", required=True,
        help="where train/valid/test/classes.json are written")
    add("--level", choices=LEVELS, default=DEFAULTS["level"],
        help="coarse (8 classes) or fine (23 classes + incomplete X tags)")
    add("--aggregation", choices=AGGREGATIONS, default=DEFAULTS["aggregation"],
        help="dcase: DCASE 2020 baseline labels; l2i: L2I's train labels")
    add("--splits", nargs="+", choices=OFFICIAL_SPLITS, default=list(DEFAULTS["splits"]),
        help="official splits to prepare (default: %(default)s)")
    add("--audio_folder", default=DEFAULTS["audio_folder"],
        help="searched recursively for the wav files (default: the data folder)")
    add("--sources_folder", default=DEFAULTS["sources_folder"],
        help="synthetic data: <dir>/<clip id>/<code>.wav ground-truth sources")
    add("--skip_missing", action="store_true",
        help="skip missing/unreadable/empty files with a warning")
    add("--download", action="store_true",
        help="download Zenodo record 3966543 (MD5-checked) when annotations.csv "
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
    paths = prepare_sonyc_ust(
        data_folder=args.data_folder,
        manifest_folder=args.manifest_folder,
        level=args.level,
        aggregation=args.aggregation,
        splits=tuple(args.splits),
        audio_folder=args.audio_folder,
        sources_folder=args.sources_folder,
        skip_missing=args.skip_missing,
        download=args.download,
        signal_length_s=length,
    )
    print(json.dumps(paths, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
