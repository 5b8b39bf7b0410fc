"""``sb-interp``: classify and explain audio files from the command line.

    sb-interp classify --source results/demo/classifier/1234/pretrained clips/ --out out/
    sb-interp explain  --source results/demo/lmac/1234/pretrained clips/ dog.wav --out out/
    sb-interp explain  --source <classifier folder> --method smoothgrad dog.wav --out out/
    sb-interp explain  --classifier_source speechbrain/urbansound8k_ecapa --method gradcam dog.wav
    sb-interp export   results/demo/lmac/1234 upload/lmac --repo_id me/lmac-esc10
    python -m speechbrain_interp explain ...            # the same

Inputs are files, folders (searched recursively for audio files) and
``@list.txt`` files (one path per line), of any length, rate and channel
count. Each input gets a folder under ``--out`` named after it:

* ``classify``: ``result.json`` (label, probabilities, top-k, decision per
  window);
* ``explain``: also ``original.wav`` (what the classifier heard),
  ``interpretation.wav`` (the part of the audio that drove the decision),
  ``explanation.png`` (spectrogram, mask, decision over time) and the
  faithfulness figures in ``result.json``.

A file that cannot be used (unreadable, empty, silent, ...) is reported and
skipped; the others go on. ``summary.json`` lists every input with its label
or its error; the exit status is 1 when any input failed.

What a user is told survives faults:

* bad arguments (``--hop_s 0``, ``--device cuda`` without a GPU,
  ``--precision fp16`` on the CPU, a missing
  ``@list``, an ``--out`` that is a file or is not writable) stop the program
  before any work, with exit status 2 and a message naming them;
* an input given more than once (the same file by another path, a list
  repeating a line) is done once; how many were dropped is said;
* every file is written whole or not at all (a temporary file in the same
  folder, then renamed); a full disk stops the run with "no space left on
  <file>", and the outputs of the file it stopped in are removed;
* ``summary.json`` is rewritten (whole) as files finish. A run into an
  ``--out`` that holds an earlier run's summary keeps its entries: this
  run's entries replace those of the same inputs (by absolute path), the
  others stay;
* long recordings show a bar over their windows; Ctrl-C or SIGTERM stop the
  run with exit status 130 or 143 and a summary of the files done and of
  the file interrupted (what it had done; stopped while computing the
  faithfulness figures, its outputs are written without them).

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import math
import os
import sys

from speechbrain_interp.programs.cli_outputs import (
    INTERRUPTED, TERMINATED, NoSpaceError, Outputs, Summary, Terminated, WindowProgress,
    check_out, classify_one, explain_one, handle_signals,
)  # fmt: skip

__all__ = ["AUDIO_EXTENSIONS", "NoSpaceError", "collect_inputs", "find_inputs", "main"]

#: file endings taken from folders (what soundfile reads)
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".aiff", ".aif", ".au", ".mp3", ".opus")


def _listed(item):
    """The paths of an ``@list`` file, or an error naming it."""
    path = item[1:]
    if not os.path.exists(path):
        raise FileNotFoundError(f"list file {path} (given as {item}) does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"list file {path} (given as {item}) is a folder; give the "
                                f"folder itself (without @) to take its audio files")
    try:
        with open(path, encoding="utf-8") as f:
            return [line.strip() for line in f if line.strip() and not line.startswith("#")]
    except UnicodeDecodeError as err:
        raise ValueError(f"list file {path} (given as {item}) is not UTF-8 text: {err}") from err


def collect_inputs(items):
    """Every audio input (files, folders, ``@lists``) once, and how many repeats were dropped.

    An input given more than once (the same file by another path or link,
    a list repeating a line, a file inside a folder also given) is kept at
    its first place only. Output names are the file names (a folder's
    files: their path from the folder's parent), ``_2``, ``_3``... when two
    files share one.

    Arguments
    ---------
    items : list of str
        Files, folders and ``@list.txt`` files (one path per line, ``#``
        comments).

    Returns
    -------
    inputs : list of (str, str)
        ``(path, output name)``.
    duplicates : int
        Inputs dropped as repeats.

    Raises
    ------
    OSError, ValueError
        An ``@list`` file that is missing, a folder or not text, named.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> _ = tmp.mkdir("clips").join("x.wav").write("")
    >>> _ = tmp.join("twice.txt").write(f"{tmp}/clips/x.wav\\n{tmp}/clips/../clips/x.wav\\n")
    >>> inputs, dropped = collect_inputs([f"@{tmp}/twice.txt", str(tmp / "clips")])
    >>> [name for _, name in inputs], dropped
    (['x'], 2)
    """
    found = _gather(items)
    seen, names, unique = set(), {}, []
    for path, name in found:
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        count = names.get(name, 0)
        names[name] = count + 1
        unique.append((path, name if count == 0 else f"{name}_{count + 1}"))
    return unique, len(found) - len(unique)


def _gather(items, lists=()):
    """``(path, name)`` of every input, repeats included (``lists``: the ``@lists`` being read)."""
    found = []
    for item in items:
        if item.startswith("@"):
            real = os.path.realpath(item[1:])
            if real in lists:
                raise ValueError(f"list file {item[1:]} lists itself (given as {item})")
            found.extend(_gather(_listed(item), lists + (real,)))
        elif os.path.isdir(item):
            root = os.path.normpath(item)
            for folder, dirs, files in os.walk(root):
                dirs.sort()
                for name in sorted(files):
                    if name.lower().endswith(AUDIO_EXTENSIONS):
                        path = os.path.join(folder, name)
                        rel = os.path.relpath(path, os.path.dirname(root))
                        found.append((path, os.path.splitext(rel)[0]))
        else:
            found.append((item, os.path.splitext(os.path.basename(item))[0]))
    return found


def find_inputs(items):
    """``(path, output name)`` of every audio input (files, folders, ``@lists``), each once.

    See :func:`collect_inputs`, which also says how many repeats were dropped.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> _ = tmp.mkdir("set").mkdir("a").join("x.wav").write("")
    >>> _ = tmp.join("set").join("notes.txt").write("")
    >>> _ = tmp.join("list.txt").write(str(tmp / "set" / "a" / "x.wav") + "\\n")
    >>> [name for _, name in find_inputs([str(tmp / "set"), "@" + str(tmp / "list.txt")])]
    ['set/a/x']
    """
    return collect_inputs(items)[0]


def _run(args, model, label, inputs, duplicates):
    """Does every input, keeps ``summary.json`` up to date; returns the exit status."""
    from tqdm import tqdm

    if duplicates:
        print(f"sb-interp: {duplicates} repeated input(s) dropped (the same file given more "
              "than once)", file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    summary = Summary(args.out)
    stages = ("classified",) if args.command == "classify" else \
        ("explained", "scored") if not args.no_faithfulness else ("explained",)
    done = failed = 0
    status, stop_note = None, None
    with handle_signals("raise"):
        bar = tqdm(inputs, desc=args.command, unit="file", dynamic_ncols=True)
        try:
            for path, name in bar:
                outputs = Outputs(os.path.join(args.out, name))
                progress = WindowProgress(name, stages)
                key = os.path.abspath(path)
                try:
                    if args.command == "classify":
                        record = classify_one(model, path, outputs, progress)
                    else:
                        record = explain_one(model, path, outputs, label,
                                             not args.no_faithfulness, progress)
                    entry = {"output": outputs.folder, "label": record["label"]}
                    done += 1
                except (KeyboardInterrupt, Terminated):
                    entry = {"interrupted": progress.describe()}
                    if any(p.endswith("result.json") for p in outputs.written):
                        entry.update(output=outputs.folder, label=progress.record["label"])
                    else:
                        outputs.discard()
                    summary.entries[key] = entry
                    raise
                except NoSpaceError as err:
                    failed += 1
                    outputs.discard()
                    summary.entries[key] = {"error": str(err)}
                    stop_note = str(err)
                    break
                except Exception as err:  # one bad file must not stop the others
                    failed += 1
                    entry = {"error": f"{type(err).__name__}: {err}"}
                    tqdm.write(f"sb-interp: {path}: skipped ({type(err).__name__}: {err})",
                               file=sys.stderr)
                    outputs.discard()
                finally:
                    progress.close()
                try:
                    summary.set(key, entry)
                except NoSpaceError as err:
                    stop_note = str(err)
                    break
        except KeyboardInterrupt:
            status, stop_note = INTERRUPTED, "interrupted (Ctrl-C)"
        except Terminated:
            status, stop_note = TERMINATED, "terminated (SIGTERM)"
        finally:
            bar.close()
    with handle_signals("ignore"):
        try:
            summary.save()
        except OSError as err:
            print(f"sb-interp: {summary.path} could not be brought up to date ({err}); it lists "
                  "the files finished before", file=sys.stderr)
    if stop_note is not None:
        print(f"sb-interp {args.command}: {stop_note}; stopped after {done} of {len(inputs)} "
              f"files done, {failed} failed; {summary.path} lists them", file=sys.stderr)
        return status if status is not None else 1
    print(f"sb-interp {args.command}: {done} of {len(inputs)} files done, {failed} failed; "
          f"results in {args.out}")
    return 1 if failed else 0


def _load_model(args):
    from speechbrain_interp.inference import AudioInterpreter, SoundClassifier

    run_opts = {"device": args.device, "precision": args.precision}
    overrides = {key: value for key, value in (("window_s", args.window_s), ("hop_s", args.hop_s),
                                               ("batch_size", args.batch_size))
                 if value is not None} or None
    if args.command == "classify":
        return SoundClassifier.from_hparams(args.source, savedir=args.savedir,
                                            overrides=overrides, run_opts=run_opts,
                                            trust_remote_code=args.trust_remote_code)
    return AudioInterpreter.from_hparams(args.source, method=args.method,
                                         classifier_source=args.classifier_source,
                                         savedir=args.savedir, overrides=overrides,
                                         run_opts=run_opts,
                                         trust_remote_code=args.trust_remote_code)


def _parser():
    parser = argparse.ArgumentParser(prog="sb-interp", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("classify", "classify audio files"),
                       ("explain", "explain a classifier's decisions on audio files")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("inputs", nargs="+", help="audio files, folders or @list.txt files")
        sub.add_argument("--source", required=name == "classify",
                         help="pretrained folder or HuggingFace repo id (owner/name): of this "
                              "project, a SpeechBrain EncoderClassifier or a HuggingFace audio "
                              "classifier")
        sub.add_argument("--out", default="sb-interp-out", help="output folder")
        sub.add_argument("--savedir", default=None, help="where hub files are copied")
        sub.add_argument("--device", default="cpu")
        sub.add_argument("--precision", default="fp32", metavar="{fp32,bf16,fp16}",
                         help="run the models under autocast in bf16 (CPU or GPU) or fp16 (GPU "
                              "only); masks, probabilities and figures stay float32 "
                              "(default: fp32)")
        sub.add_argument("--window_s", type=float, default=None,
                         help="the window of long recordings (default: the folder's; for a "
                              "SpeechBrain or HuggingFace classifier the clip length its "
                              "configuration fixes, else 4 s)")
        sub.add_argument("--hop_s", type=float, default=None,
                         help="hop between the windows of long recordings (default: the folder's)")
        sub.add_argument("--batch_size", type=int, default=None,
                         help="windows of a recording per model call (default: the folder's; "
                              "larger on a GPU: tools/benchmark_long.py --batch_size measures it)")
        sub.add_argument("--trust_remote_code", action="store_true",
                         help="load a folder whose hyperparams.yaml runs code outside the "
                              "allow-list (only one you trust: it could run any command)")
        if name == "explain":
            sub.add_argument("--method", default=None,
                             help="with a classifier --source: a method that needs no training "
                                  "(saliency, smoothgrad, integrated_gradients, gradcam, rde, ...)")
            sub.add_argument("--classifier_source", default=None,
                             help="explain this classifier instead of the interpreter folder's; "
                                  "with --method and no --source, the classifier to explain")
            sub.add_argument("--label", default=None,
                             help="explain this class (name or index) instead of the decision")
            sub.add_argument("--no_faithfulness", action="store_true",
                             help="skip the faithfulness figures (3 classifier calls per window)")
    export = commands.add_parser("export", help="copy a run's pretrained folder, upload-ready")
    export.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def _check_arguments(args):
    """Why the options cannot be used (``None``: they can), before any work."""
    from speechbrain_interp.devices import DeviceError, check_device
    from speechbrain_interp.precision import PrecisionError, check_precision

    if args.command == "explain" and args.source is None:
        if args.method is None or args.classifier_source is None:
            return ("explain needs --source (an interpreter folder, or a classifier with "
                    "--method), or --classifier_source with --method")
        args.source, args.classifier_source = args.classifier_source, None
    elif args.command == "explain" and args.method is not None and args.classifier_source:
        return ("with --method, name the classifier once: --source or --classifier_source, "
                "not both")
    if args.window_s is not None and not (math.isfinite(args.window_s) and args.window_s > 0):
        return (f"--window_s must be a positive number of seconds (the window of a long "
                f"recording), got {args.window_s:g}")
    if args.hop_s is not None and not (math.isfinite(args.hop_s) and args.hop_s > 0):
        return (f"--hop_s must be a positive number of seconds (the time between the windows "
                f"of a long recording), got {args.hop_s:g}")
    if args.batch_size is not None and args.batch_size < 1:
        return (f"--batch_size must be a positive number of windows per model call, got "
                f"{args.batch_size}")
    try:
        check_device(args.device)
        check_precision(args.precision, args.device, option="--precision")
    except (DeviceError, PrecisionError) as err:
        return str(err)
    return None


def main(argv=None):
    """Runs the command line; returns the exit status (0: every input done)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["export"]:
        from speechbrain_interp.programs.export import main as export_main

        return export_main(argv[1:])
    args = _parser().parse_args(argv)
    problem = _check_arguments(args)
    if problem is not None:
        print(f"sb-interp: {problem}", file=sys.stderr)
        return 2
    try:
        inputs, duplicates = collect_inputs(args.inputs)
    except (OSError, ValueError) as err:
        print(f"sb-interp: {err}", file=sys.stderr)
        return 2
    if not inputs:
        print("sb-interp: no audio files in the given inputs", file=sys.stderr)
        return 1
    problem = check_out(args.out)
    if problem is not None:
        print(f"sb-interp: {problem}", file=sys.stderr)
        return 2
    from speechbrain_interp.inference import PretrainedSourceError

    try:
        model = _load_model(args)
    except (PretrainedSourceError, ValueError, RuntimeError) as err:
        print(f"sb-interp: cannot load {args.source}: {err}", file=sys.stderr)
        return 2
    label = None
    if args.command == "explain" and args.label is not None:
        interpreter = model.interpreter
        if not interpreter.explains_any_class:
            print(f"sb-interp: --label {args.label}: {args.source} holds an interpreter that "
                  f"explains the decision only: {interpreter.cannot_explain_message()}",
                  file=sys.stderr)
            return 2
        try:
            label = model.class_index(args.label)
        except ValueError as err:
            print(f"sb-interp: --label: {err}", file=sys.stderr)
            return 2
    return _run(args, model, label, inputs, duplicates)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
