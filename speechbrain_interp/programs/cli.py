"""``sb-interp``: classify and explain audio files from the command line.

    sb-interp classify --source results/demo/classifier/1234/pretrained clips/ --out out/
    sb-interp explain  --source results/demo/lmac/1234/pretrained clips/ dog.wav --out out/
    sb-interp explain  --source <classifier folder> --method smoothgrad dog.wav --out out/
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

Authors
 * speechbrain-interp developers 2026
"""

import argparse
import json
import os
import sys

__all__ = ["AUDIO_EXTENSIONS", "find_inputs", "main"]

#: file endings taken from folders (what soundfile reads)
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".aiff", ".aif", ".au", ".mp3", ".opus")


def find_inputs(items):
    """``(path, output name)`` of every audio input (files, folders, ``@lists``).

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> _ = tmp.mkdir("set").mkdir("a").join("x.wav").write("")
    >>> _ = tmp.join("set").join("notes.txt").write("")
    >>> _ = tmp.join("list.txt").write(str(tmp / "set" / "a" / "x.wav") + "\\n")
    >>> [name for _, name in find_inputs([str(tmp / "set"), "@" + str(tmp / "list.txt")])]
    ['set/a/x', 'x']
    """
    found = []
    for item in items:
        if item.startswith("@"):
            with open(item[1:], encoding="utf-8") as f:
                listed = [line.strip() for line in f if line.strip() and not line.startswith("#")]
            found.extend(find_inputs(listed))
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
    names, unique = {}, []
    for path, name in found:
        count = names.get(name, 0)
        names[name] = count + 1
        unique.append((path, name if count == 0 else f"{name}_{count + 1}"))
    return unique


def _probabilities(labels, values):
    return {label: round(float(v), 6) for label, v in zip(labels, values)}


def _timeline(labels, starts_s, window_probabilities, window_labels=None):
    rows = []
    for i, (start, probs) in enumerate(zip(starts_s, window_probabilities)):
        index = int(probs.argmax()) if window_labels is None else int(window_labels[i])
        rows.append({"start_s": round(float(start), 4), "label": labels[index],
                     "probability": round(float(probs[index]), 6)})
    return rows


def _classify_one(model, path, folder):
    result = model.classify_file(path)
    record = {"file": os.path.abspath(path), "label": result.labels[0],
              "probabilities": _probabilities(model.labels, result.probabilities[0]),
              "top_k": [[label, round(p, 6)] for label, p in result.top_k[0]],
              "windows": _timeline(model.labels, result.window_starts,
                                   result.window_probabilities)}
    if result.active is not None:
        record["active"] = result.active[0]
    _write_json(os.path.join(folder, "result.json"), record)
    return record


def _explain_one(model, path, folder, label, faithfulness):
    from speechbrain.dataio import audio_io

    from speechbrain_interp.inference.figure import plot_explanation

    wave = model.load_file(path)
    result = model.interpret_long(wave, label=label)
    rate, hop = model.sample_rate, model.classifier.frontend.hop_samples
    audio_io.save(os.path.join(folder, "original.wav"), wave.cpu().unsqueeze(0), rate)
    audio_io.save(os.path.join(folder, "interpretation.wav"), result.wave.cpu().unsqueeze(0), rate)
    explained = model.labels[int(result.window_labels[0])] if label is not None else \
        model.labels[result.label]
    plot_explanation(wave.cpu(), result.mask.cpu(), rate, hop, result.starts,
                     result.window_probabilities.cpu(), model.labels, model.labels.index(explained),
                     os.path.join(folder, "explanation.png"),
                     title=f"{os.path.basename(path)}: {explained}", window=model.window)
    probabilities = result.probabilities
    top = probabilities.topk(min(int(model.hparams.top_k), probabilities.numel()))
    record = {"file": os.path.abspath(path), "duration_s": round(wave.numel() / rate, 4),
              "method": type(model.interpreter).__name__, "label": model.labels[result.label],
              "explained": explained,
              "probabilities": _probabilities(model.labels, probabilities),
              "top_k": [[model.labels[int(i)], round(float(v), 6)] for v, i in zip(*top)],
              "windows": _timeline(model.labels, result.starts.float() / rate,
                                   result.window_probabilities, result.window_labels)}
    if faithfulness:
        figures = model.faithfulness(wave, result)
        record["faithfulness"] = {k: round(v, 6) for k, v in figures["mean"].items()}
        for row, i in zip(record["windows"], range(len(record["windows"]))):
            row["faithfulness"] = {k: round(v[i], 6) for k, v in figures["windows"].items()}
    _write_json(os.path.join(folder, "result.json"), record)
    return record


def _write_json(path, record):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2)


def _load_model(args):
    from speechbrain_interp.inference import AudioInterpreter, SoundClassifier

    run_opts = {"device": args.device}
    overrides = {"hop_s": args.hop_s} if args.hop_s is not None else None
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
        sub.add_argument("--source", required=True,
                         help="pretrained folder or HuggingFace repo id (owner/name)")
        sub.add_argument("--out", default="sb-interp-out", help="output folder")
        sub.add_argument("--savedir", default=None, help="where hub files are copied")
        sub.add_argument("--device", default="cpu")
        sub.add_argument("--hop_s", type=float, default=None,
                         help="hop between the windows of long recordings (default: the folder's)")
        sub.add_argument("--trust_remote_code", action="store_true",
                         help="load a folder whose hyperparams.yaml runs code outside the "
                              "allow-list (only one you trust: it could run any command)")
        if name == "explain":
            sub.add_argument("--method", default=None,
                             help="with a classifier --source: a method that needs no training "
                                  "(saliency, smoothgrad, integrated_gradients, gradcam, rde, ...)")
            sub.add_argument("--classifier_source", default=None,
                             help="explain this classifier instead of the interpreter folder's")
            sub.add_argument("--label", default=None,
                             help="explain this class (name or index) instead of the decision")
            sub.add_argument("--no_faithfulness", action="store_true",
                             help="skip the faithfulness figures (3 classifier calls per window)")
    export = commands.add_parser("export", help="copy a run's pretrained folder, upload-ready")
    export.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv=None):
    """Runs the command line; returns the exit status (0: every input done)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["export"]:
        from speechbrain_interp.programs.export import main as export_main

        return export_main(argv[1:])
    args = _parser().parse_args(argv)
    from tqdm import tqdm

    from speechbrain_interp.inference import PretrainedSourceError

    try:
        model = _load_model(args)
    except (PretrainedSourceError, ValueError, RuntimeError) as err:
        print(f"sb-interp: cannot load {args.source}: {err}", file=sys.stderr)
        return 2
    label = None
    if args.command == "explain" and args.label is not None:
        label = int(args.label) if args.label.isdigit() else args.label
    inputs = find_inputs(args.inputs)
    if not inputs:
        print("sb-interp: no audio files in the given inputs", file=sys.stderr)
        return 1
    summary, failed = {}, 0
    for path, name in tqdm(inputs, desc=args.command, unit="file", dynamic_ncols=True):
        folder = os.path.join(args.out, name)
        try:
            os.makedirs(folder, exist_ok=True)
            if args.command == "classify":
                record = _classify_one(model, path, folder)
            else:
                record = _explain_one(model, path, folder, label, not args.no_faithfulness)
            summary[path] = {"output": folder, "label": record["label"]}
        except Exception as err:  # one bad file must not stop the others
            failed += 1
            summary[path] = {"error": f"{type(err).__name__}: {err}"}
            tqdm.write(f"sb-interp: {path}: skipped ({type(err).__name__}: {err})", file=sys.stderr)
            if os.path.isdir(folder) and not os.listdir(folder):
                os.rmdir(folder)
    os.makedirs(args.out, exist_ok=True)
    _write_json(os.path.join(args.out, "summary.json"), summary)
    done = len(inputs) - failed
    print(f"sb-interp {args.command}: {done} of {len(inputs)} files done, {failed} failed; "
          f"results in {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
