#!/usr/bin/env python3
"""Writes the NSynth JSON manifests (command-line wrapper).

Example
-------
python recipes/NSynth/nsynth_prepare.py --data_folder /data/nsynth \\
    --manifest_folder results/manifests [--splits train valid test] \\
    [--task family|source] [--families bass brass ...] [--sources acoustic] \\
    [--pitch_range 21 108] [--velocities 75 100] [--max_per_class 500] \\
    [--skip_missing] [--no_download]

All the work is done by :func:`speechbrain_interp.data.nsynth.prepare_nsynth`;
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

from speechbrain_interp.data.nsynth import (
    NSYNTH_FAMILIES,
    NSYNTH_SOURCES,
    SPLITS,
    TASKS,
    prepare_nsynth,
)


#: the defaults of :func:`prepare_nsynth`, the command line's own (restated nowhere)
DEFAULTS = {name: parameter.default for name, parameter
            in inspect.signature(prepare_nsynth).parameters.items()}


def parse_args(argv=None):
    """Parses the command line (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--data_folder", required=True,
        help="NSynth root holding nsynth-<split>/examples.json and audio/ "
        "(only read)")
    add("--manifest_folder", required=True,
        help="where <split>.json and classes.json are written")
    add("--splits", nargs="+", choices=SPLITS, default=list(DEFAULTS["splits"]),
        help="default: %(default)s")
    add("--task", choices=sorted(TASKS), default=DEFAULTS["task"],
        help="label: instrument family or instrument source")
    add("--sources", nargs="+", choices=NSYNTH_SOURCES, default=DEFAULTS["sources"],
        metavar="SOURCE",
        help=f"instrument sources to keep, among {', '.join(NSYNTH_SOURCES)} "
        "(default: all)")
    add("--families", nargs="+", choices=NSYNTH_FAMILIES, default=DEFAULTS["families"],
        metavar="FAMILY",
        help=f"instrument families to keep, among {', '.join(NSYNTH_FAMILIES)} "
        "(default: all)")
    add("--pitch_range", nargs=2, type=int, default=DEFAULTS["pitch_range"], metavar=("LO", "HI"),
        help="inclusive MIDI pitch range to keep")
    add("--velocities", nargs="+", type=int, default=DEFAULTS["velocities"],
        help="velocities to keep (default: all)")
    add("--max_per_class", type=int, default=DEFAULTS["max_per_class"],
        help="keep at most this many notes per class and split (seeded)")
    add("--seed", type=int, default=DEFAULTS["seed"], help="seed of the --max_per_class draw")
    add("--skip_missing", action="store_true",
        help="skip missing/unreadable/empty files with a warning")
    add("--no_download", action="store_true",
        help="never download the official archives")
    add("--expected_duration", type=float, default=DEFAULTS["expected_duration"],
        help="note duration in seconds (default: %(default)s); <= 0 disables the check")
    return parser.parse_args(argv)


def main(argv=None):
    """Runs the preparation and prints the manifest paths as JSON."""
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    args = parse_args(argv)
    duration = args.expected_duration if args.expected_duration > 0 else None
    paths = prepare_nsynth(
        data_folder=args.data_folder,
        manifest_folder=args.manifest_folder,
        splits=tuple(args.splits),
        task=args.task,
        sources=args.sources,
        families=args.families,
        pitch_range=args.pitch_range,
        velocities=args.velocities,
        max_per_class=args.max_per_class,
        skip_missing=args.skip_missing,
        download=not args.no_download,
        expected_duration=duration,
        seed=args.seed,
    )
    print(json.dumps(paths, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
