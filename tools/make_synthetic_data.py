#!/usr/bin/env python3
"""Writes the procedural synthetic datasets (ESC-50, WHAM!, LJSpeech, UrbanSound8K, SONYC-UST).

Usage::

    python tools/make_synthetic_data.py --out data/synthetic \\
        [--n_classes 10 --clips_per_class 40 --clip_seconds 5 \\
         --sample_rate 16000 --seed 1234 --wham_files 20 \\
         --ljspeech_utterances 20 --urbansound8k_clips_per_class 20 \\
         --sonyc_ust_clips 100]

writes ``<out>/ESC-50/`` (``audio/``, ``sources/``, ``meta/esc50.csv``,
``meta/synthetic.csv``), ``<out>/wham_noise/`` (``tr/``, ``cv/``,
``tt/``, ``metadata/``), ``<out>/LJSpeech-1.1/`` (``metadata.csv``,
``wavs/LJ001-0001.wav``..., 16-bit PCM at ``--ljspeech_sample_rate``,
``synthetic.csv``) and, with ``--urbansound8k_clips_per_class N`` (N > 0),
``<out>/UrbanSound8K/`` (``audio/fold1/`` ... ``audio/fold10/``,
``metadata/UrbanSound8K.csv``, ``metadata/synthetic.csv``; clips of
``--urbansound8k_seconds`` and shorter ones, in UrbanSound8K's mix of
sample rates, channel counts, sample formats and headers; seed
``--seed``) and, with ``--sonyc_ust_clips N`` (N > 0), ``<out>/SONYC-UST/``
(``audio/``, ``sources/``, ``annotations.csv``, ``dcase-ust-taxonomy.yaml``,
``metadata/synthetic.csv``; N clips of ``--sonyc_ust_seconds`` at
``--sonyc_ust_sample_rate``: N // 5 validate, N // 10 test, the rest train;
seed ``--seed``). Same arguments, same bytes. See
:mod:`speechbrain_interp.synthetic`.

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import os
import time

from speechbrain_interp import synthetic


def parse_args(argv=None):
    """Command-line options (``argv=None`` reads ``sys.argv``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="output root folder")
    parser.add_argument(
        "--n_classes", type=int, default=10,
        help=f"first N of {len(synthetic.SOUND_CLASSES)} classes: "
        + ", ".join(synthetic.SOUND_CLASSES),
    )
    parser.add_argument("--clips_per_class", type=int, default=40)
    parser.add_argument("--n_clips", type=int, default=None,
                        help="total clip count (overrides --clips_per_class)")
    parser.add_argument("--clip_seconds", type=float, default=5.0)
    parser.add_argument("--sample_rate", type=int, default=16000)
    parser.add_argument("--n_folds", type=int, default=5)
    parser.add_argument("--background_db", type=float, nargs=2, default=(20.0, 35.0),
                        metavar=("LOW", "HIGH"),
                        help="background level range, dB below the event")
    parser.add_argument("--no_background", action="store_true",
                        help="clips hold the event only")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--wham_files", type=int, default=20,
                        help="noise files in tr/ (cv/ and tt/ get a quarter); 0: none")
    parser.add_argument("--wham_seconds", type=float, nargs=2, default=(3.0, 12.0),
                        metavar=("MIN", "MAX"))
    parser.add_argument("--wham_channels", type=int, default=2)
    parser.add_argument("--wham_seed", type=int, default=4321)
    parser.add_argument("--ljspeech_utterances", type=int, default=20,
                        help="speech-like utterances in LJSpeech-1.1/; 0: none")
    parser.add_argument("--ljspeech_seconds", type=float, nargs=2, default=(1.5, 6.0),
                        metavar=("MIN", "MAX"))
    parser.add_argument("--ljspeech_sample_rate", type=int, default=22050,
                        help="LJSpeech's own rate by default (not --sample_rate)")
    parser.add_argument("--ljspeech_seed", type=int, default=0)
    parser.add_argument("--urbansound8k_clips_per_class", type=int, default=0,
                        help="clips per class in UrbanSound8K/ (10 classes, 10 folds); 0: none")
    parser.add_argument("--urbansound8k_seconds", type=float, default=4.0,
                        help="length of the full UrbanSound8K clips (some are shorter)")
    parser.add_argument("--sonyc_ust_clips", type=int, default=0,
                        help="multi-label clips in SONYC-UST/ (N // 5 validate, N // 10 test, "
                        "the rest train); 0: none")
    parser.add_argument("--sonyc_ust_seconds", type=float, default=10.0,
                        help="length of the SONYC-UST clips")
    parser.add_argument("--sonyc_ust_sample_rate", type=int, default=44100,
                        help="SONYC-UST's own rate by default (not --sample_rate)")
    return parser.parse_args(argv)


def main(argv=None):
    """Generates the datasets and prints what was written."""
    args = parse_args(argv)
    start = time.perf_counter()
    esc_dir = os.path.join(args.out, "ESC-50")
    table = synthetic.make_esc50_like(
        esc_dir,
        n_classes=args.n_classes,
        clips_per_class=args.clips_per_class,
        clip_seconds=args.clip_seconds,
        sample_rate=args.sample_rate,
        n_folds=args.n_folds,
        background_db=None if args.no_background else tuple(args.background_db),
        seed=args.seed,
        n_clips=args.n_clips,
    )
    esc_time = time.perf_counter() - start
    print(
        f"{esc_dir}: {len(table)} clips of {args.clip_seconds:g} s at "
        f"{args.sample_rate} Hz, {table['target'].nunique()} classes, "
        f"{table['fold'].nunique()} folds (audio/, sources/, meta/esc50.csv, "
        f"meta/synthetic.csv) in {esc_time:.1f} s"
    )
    if args.wham_files > 0:
        wham_dir = os.path.join(args.out, "wham_noise")
        paths = synthetic.make_wham_like(
            wham_dir,
            n_files=args.wham_files,
            seconds=tuple(args.wham_seconds),
            sample_rate=args.sample_rate,
            channels=args.wham_channels,
            seed=args.wham_seed,
        )
        counts = {s: sum(os.sep + s + os.sep in p for p in paths) for s in ("tr", "cv", "tt")}
        print(
            f"{wham_dir}: {len(paths)} {args.wham_channels}-channel noise files "
            f"({', '.join(f'{s} {c}' for s, c in counts.items())}) in "
            f"{time.perf_counter() - start - esc_time:.1f} s"
        )
    if args.ljspeech_utterances > 0:
        lj_start = time.perf_counter()
        table = synthetic.make_ljspeech_like(
            args.out,
            n_utterances=args.ljspeech_utterances,
            sample_rate=args.ljspeech_sample_rate,
            seed=args.ljspeech_seed,
            seconds=tuple(args.ljspeech_seconds),
        )
        print(
            f"{os.path.join(args.out, 'LJSpeech-1.1')}: {len(table)} speech-like "
            f"utterances ({table['seconds'].sum():.1f} s) at {args.ljspeech_sample_rate} Hz "
            f"(metadata.csv, wavs/, synthetic.csv) in {time.perf_counter() - lj_start:.1f} s"
        )
    if args.urbansound8k_clips_per_class > 0:
        us_start, us_dir = time.perf_counter(), os.path.join(args.out, "UrbanSound8K")
        table = synthetic.make_urbansound8k_like(
            us_dir,
            clips_per_class=args.urbansound8k_clips_per_class,
            clip_seconds=args.urbansound8k_seconds,
            seed=args.seed,
        )
        short = int((table["duration_s"] < args.urbansound8k_seconds).sum())
        print(
            f"{us_dir}: {len(table)} clips ({short} shorter than "
            f"{args.urbansound8k_seconds:g} s), {table['fold'].nunique()} folds, "
            f"{table['sample_rate'].nunique()} sample rates, {table['subtype'].nunique()} sample "
            f"formats (audio/fold*/, metadata/UrbanSound8K.csv, metadata/synthetic.csv) in "
            f"{time.perf_counter() - us_start:.1f} s"
        )
    if args.sonyc_ust_clips > 0:
        su_start, su_dir = time.perf_counter(), os.path.join(args.out, "SONYC-UST")
        n_validate, n_test = args.sonyc_ust_clips // 5, args.sonyc_ust_clips // 10
        summary = synthetic.make_sonyc_ust_like(
            su_dir,
            n_train=args.sonyc_ust_clips - n_validate - n_test,
            n_validate=n_validate,
            n_test=n_test,
            clip_seconds=args.sonyc_ust_seconds,
            sample_rate=args.sonyc_ust_sample_rate,
            seed=args.seed,
        )
        print(
            f"{su_dir}: {sum(summary['counts'].values())} clips of {args.sonyc_ust_seconds:g} s "
            f"at {args.sonyc_ust_sample_rate} Hz ("
            + ", ".join(f"{k} {v}" for k, v in summary["counts"].items())
            + f"), {summary['n_events']} events, {summary['n_annotation_rows']} annotation rows "
            f"(audio/, sources/, annotations.csv, dcase-ust-taxonomy.yaml, "
            f"metadata/synthetic.csv) in {time.perf_counter() - su_start:.1f} s"
        )
    print(f"total time {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
