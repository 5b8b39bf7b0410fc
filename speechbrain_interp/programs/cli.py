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

What a user is told survives faults:

* bad arguments (``--hop_s 0``, ``--device cuda`` without a GPU, a missing
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
import contextlib
import errno
import io
import json
import math
import os
import signal
import sys
import tempfile
import threading
import time

__all__ = ["AUDIO_EXTENSIONS", "NoSpaceError", "collect_inputs", "find_inputs", "main"]

#: file endings taken from folders (what soundfile reads)
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".aiff", ".aif", ".au", ".mp3", ".opus")

#: a recording of at least this many windows gets a progress bar of its own
MIN_WINDOWS_FOR_BAR = 16

#: exit status of a run stopped by Ctrl-C and by SIGTERM (128 + the signal)
INTERRUPTED, TERMINATED = 130, 143

#: the errors of a full disk or quota
_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


class NoSpaceError(OSError):
    """A file could not be written: no space left (disk or quota). Names the file."""

    def __str__(self):
        return self.strerror


class _Terminated(BaseException):
    """SIGTERM, raised where the program is (as Ctrl-C raises ``KeyboardInterrupt``)."""


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


def _probabilities(labels, values):
    return {label: round(float(v), 6) for label, v in zip(labels, values)}


def _timeline(labels, starts_s, window_probabilities, window_labels=None):
    rows = []
    for i, (start, probs) in enumerate(zip(starts_s, window_probabilities)):
        index = int(probs.argmax()) if window_labels is None else int(window_labels[i])
        rows.append({"start_s": round(float(start), 4), "label": labels[index],
                     "probability": round(float(probs[index]), 6)})
    return rows


def _umask():
    """The process's file-creation mask (read by setting it and setting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_bytes(handle, data):
    """Writes ``data`` into an open binary file (where a full disk fails)."""
    handle.write(data)


def _write_atomic(path, data):
    """Writes ``data`` to ``path`` whole or not at all.

    The bytes go to a temporary file in the same folder, which then
    replaces ``path`` (``os.replace``): a reader, or a run that stops half
    way, sees the old file or the complete new one, never a truncated one.

    Raises
    ------
    NoSpaceError
        ``no space left on <path>`` (``ENOSPC``, ``EDQUOT``); the temporary
        file is removed and ``path`` left as it was.
    """
    folder = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part",
                                       dir=folder)
        with os.fdopen(handle, "wb") as f:
            _write_bytes(f, data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
        tmp = None
    except OSError as err:
        if err.errno in _NO_SPACE:
            raise NoSpaceError(err.errno, f"no space left on {path}", path) from err
        raise
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)


class _Outputs:
    """The files of one input: each written whole; all removed again if the input fails."""

    def __init__(self, folder):
        self.folder, self.written = folder, []

    def write(self, name, data):
        """Writes ``data`` (bytes) as ``<folder>/<name>``."""
        try:
            os.makedirs(self.folder, exist_ok=True)
        except OSError as err:
            if err.errno in _NO_SPACE:
                raise NoSpaceError(err.errno, f"no space left on {self.folder}",
                                   self.folder) from err
            raise
        path = os.path.join(self.folder, name)
        _write_atomic(path, data)
        self.written.append(path)

    def discard(self):
        """Removes what this run wrote for the input (and its folder when left empty)."""
        for path in self.written:
            if os.path.isfile(path):
                os.remove(path)
        self.written = []
        if os.path.isdir(self.folder) and not os.listdir(self.folder):
            os.rmdir(self.folder)


def _json_bytes(record):
    return json.dumps(record, indent=2).encode("utf-8")


def _wav_bytes(wave, rate):
    """A ``[N]`` wave as the bytes of a 16-bit WAV file."""
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, wave.detach().cpu().numpy(), int(rate), format="WAV",
                    subtype="PCM_16")
    return buffer.getvalue()


class _WindowProgress:
    """What one file has done, window by window: a bar for long recordings and,
    for an interrupted file, a line saying how far it got.

    Arguments
    ---------
    name : str
        The input's output name (the bar's label).
    stages : tuple of str
        What each pass over the windows does (``"explained"``,
        ``"scored"``); the bar runs over all of them.
    """

    def __init__(self, name, stages):
        self.name, self.stages = name, stages
        self.done = {}
        self.bar = None
        self.record = None  # the file's result, once it is known

    def hook(self, stage):
        """The ``progress(done, total)`` callable of one stage."""
        offset = self.stages.index(stage)

        def progress(done, total):
            self.done[stage] = (done, total)
            if self.bar is None and total >= MIN_WINDOWS_FOR_BAR:
                from tqdm import tqdm

                self.bar = tqdm(total=total * len(self.stages), desc=self.name, unit="window",
                                leave=False, position=1, dynamic_ncols=True)
            if self.bar is not None:
                self.bar.update(offset * total + done - self.bar.n)

        return progress

    def describe(self, stage=None):
        """``explained 12 of 700 windows, scored 0 of 700 windows`` (one stage or all)."""
        stages = self.stages if stage is None else (stage,)
        parts = [f"{s} {self.done[s][0]} of {self.done[s][1]} windows" if s in self.done
                 else f"{s} no window" for s in stages]
        return ", ".join(parts)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _classify_one(model, path, outputs, progress):
    result = model.classify_file(path, progress=progress.hook("classified"))
    record = {"file": os.path.abspath(path), "label": result.labels[0],
              "probabilities": _probabilities(model.labels, result.probabilities[0]),
              "top_k": [[label, round(p, 6)] for label, p in result.top_k[0]],
              "windows": _timeline(model.labels, result.window_starts,
                                   result.window_probabilities)}
    if result.active is not None:
        record["active"] = result.active[0]
    progress.record = record
    outputs.write("result.json", _json_bytes(record))
    return record


def _explain_one(model, path, outputs, label, faithfulness, progress):
    """Explains one file and writes its outputs.

    Stopped (Ctrl-C, SIGTERM) while computing the faithfulness figures, the
    outputs are written without them (``result.json`` says how far the
    scoring got) and the stop goes on.
    """
    import matplotlib

    from speechbrain_interp.inference.figure import plot_explanation

    wave = model.load_file(path)
    result = model.interpret_long(wave, label=label, progress=progress.hook("explained"))
    rate, hop = model.sample_rate, model.classifier.frontend.hop_samples
    explained = model.labels[int(result.window_labels[0])] if label is not None else \
        model.labels[result.label]
    probabilities = result.probabilities
    top = probabilities.topk(min(int(model.hparams.top_k), probabilities.numel()))
    record = {"file": os.path.abspath(path), "duration_s": round(wave.numel() / rate, 4),
              "method": type(model.interpreter).__name__, "label": model.labels[result.label],
              "explained": explained,
              "probabilities": _probabilities(model.labels, probabilities),
              "top_k": [[model.labels[int(i)], round(float(v), 6)] for v, i in zip(*top)],
              "windows": _timeline(model.labels, result.starts.float() / rate,
                                   result.window_probabilities, result.window_labels)}
    progress.record = record
    stopped = None
    if faithfulness:
        try:
            figures = model.faithfulness(wave, result, progress=progress.hook("scored"))
        except (KeyboardInterrupt, _Terminated) as stop:
            stopped = stop
            record["interrupted"] = (f"stopped while computing the faithfulness figures "
                                     f"({progress.describe('scored')}): they are left out")
        else:
            record["faithfulness"] = {k: round(v, 6) for k, v in figures["mean"].items()}
            for row, i in zip(record["windows"], range(len(record["windows"]))):
                row["faithfulness"] = {k: round(v[i], 6) for k, v in figures["windows"].items()}
    figure = io.BytesIO()
    with matplotlib.rc_context({"savefig.format": "png"}):
        plot_explanation(wave.cpu(), result.mask.cpu(), rate, hop, result.starts,
                         result.window_probabilities.cpu(), model.labels,
                         model.labels.index(explained), figure,
                         title=f"{os.path.basename(path)}: {explained}", window=model.window)
    outputs.write("original.wav", _wav_bytes(wave, rate))
    outputs.write("interpretation.wav", _wav_bytes(result.wave, rate))
    outputs.write("explanation.png", figure.getvalue())
    outputs.write("result.json", _json_bytes(record))
    if stopped is not None:
        raise stopped
    return record


def _write_json(path, record):
    """Writes ``record`` as JSON to ``path``, whole or not at all."""
    _write_atomic(path, _json_bytes(record))


class _Summary:
    """``summary.json`` of an output folder, rewritten (whole) as files finish.

    An earlier run's entries are kept; this run's replace those of the same
    inputs. An earlier summary that cannot be read is kept beside it
    (``summary.json.unreadable``), never overwritten.

    Writing after each file costs a whole summary each time; when that
    grows costly (thousands of inputs), a file's entry waits until writing
    it costs at most a tenth of the time spent on the files, and the last
    entries are always written at the end (or when the run is stopped).
    """

    def __init__(self, out):
        self.path = os.path.join(out, "summary.json")
        self.entries, self.pending = {}, False
        self.last_write, self.cost = -math.inf, 0.0
        if os.path.isfile(self.path):
            try:
                with open(self.path, encoding="utf-8") as f:
                    earlier = json.load(f)
                if not isinstance(earlier, dict):
                    raise ValueError(f"expected an object, got {type(earlier).__name__}")
                self.entries.update(earlier)
            except ValueError as err:
                aside = self.path + ".unreadable"
                os.replace(self.path, aside)
                print(f"sb-interp: the earlier {self.path} could not be read ({err}); it is "
                      f"kept as {aside} and a new summary is written", file=sys.stderr)

    def set(self, key, entry):
        """Records ``entry`` for the input ``key`` and writes the summary (see above)."""
        self.entries[key] = entry
        self.pending = True
        if time.monotonic() - self.last_write >= 10 * self.cost:
            self.save()

    def save(self):
        """Writes the summary now (whole, atomically)."""
        start = time.monotonic()
        _write_json(self.path, self.entries)
        self.last_write = time.monotonic()
        self.cost, self.pending = self.last_write - start, False


@contextlib.contextmanager
def _signals(mode):
    """SIGTERM raising :class:`_Terminated` (``mode="raise"``), or SIGTERM and
    Ctrl-C ignored (``mode="ignore"``, while the summary is written last), in
    the main thread; restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        raise _Terminated()

    kinds = (signal.SIGTERM,) if mode == "raise" else (signal.SIGTERM, signal.SIGINT)
    previous = {kind: signal.getsignal(kind) for kind in kinds}
    for kind in kinds:
        signal.signal(kind, terminate if mode == "raise" else signal.SIG_IGN)
    try:
        yield
    finally:
        for kind, handler in previous.items():
            signal.signal(kind, signal.SIG_DFL if handler is None else handler)


def _check_out(out):
    """Why ``--out`` cannot take the outputs (``None``: it can), creating nothing.

    A file cannot be written in it (or, when it does not exist yet, in
    the folder it would be made in), or a part of its path is a file.
    """
    existing = os.path.abspath(out)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        what = "is a file" if existing == os.path.abspath(out) else f"lies in {existing}, a file"
        return f"--out {out} {what}, not a folder: give a folder for the outputs"
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as err:
        return f"cannot write in the output folder {existing} ({err.strerror or err}): give " \
               "another --out or make it writable"
    return None


def _run(args, model, label, inputs, duplicates):
    """Does every input, keeps ``summary.json`` up to date; returns the exit status."""
    from tqdm import tqdm

    if duplicates:
        print(f"sb-interp: {duplicates} repeated input(s) dropped (the same file given more "
              "than once)", file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    summary = _Summary(args.out)
    stages = ("classified",) if args.command == "classify" else \
        ("explained", "scored") if not args.no_faithfulness else ("explained",)
    done = failed = 0
    status, stop_note = None, None
    with _signals("raise"):
        bar = tqdm(inputs, desc=args.command, unit="file", dynamic_ncols=True)
        try:
            for path, name in bar:
                outputs = _Outputs(os.path.join(args.out, name))
                progress = _WindowProgress(name, stages)
                key = os.path.abspath(path)
                try:
                    if args.command == "classify":
                        record = _classify_one(model, path, outputs, progress)
                    else:
                        record = _explain_one(model, path, outputs, label,
                                              not args.no_faithfulness, progress)
                    entry = {"output": outputs.folder, "label": record["label"]}
                    done += 1
                except (KeyboardInterrupt, _Terminated):
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
        except _Terminated:
            status, stop_note = TERMINATED, "terminated (SIGTERM)"
        finally:
            bar.close()
    with _signals("ignore"):
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


def _check_arguments(args):
    """Why the options cannot be used (``None``: they can), before any work."""
    from speechbrain_interp.programs.harness import DeviceError, check_device

    if args.hop_s is not None and not (math.isfinite(args.hop_s) and args.hop_s > 0):
        return (f"--hop_s must be a positive number of seconds (the time between the windows "
                f"of a long recording), got {args.hop_s:g}")
    try:
        check_device(args.device)
    except DeviceError as err:
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
    problem = _check_out(args.out)
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
