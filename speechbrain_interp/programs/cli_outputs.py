"""What ``sb-interp`` writes, and how a fault or a stop leaves it.

The command line (:mod:`speechbrain_interp.programs.cli`) finds the inputs
and runs the model; this module turns each input's result into its files
and keeps the run's record:

* :func:`classify_one`, :func:`explain_one`: one input's ``result.json``
  (and, explained, ``original.wav``, ``interpretation.wav``,
  ``explanation.png``), through :class:`Outputs`, which writes every file
  whole (:func:`write_atomic`) and removes them all again if the input
  fails; a full disk raises :class:`NoSpaceError` naming the file;
* :class:`Summary`: ``summary.json``, rewritten as files finish and merged
  with an earlier run's;
* :class:`WindowProgress`: a bar over a long recording's windows and, for
  a file interrupted, how far it got;
* :func:`handle_signals`: SIGTERM raised as :class:`Terminated` (as Ctrl-C
  raises ``KeyboardInterrupt``), then both ignored while the summary is
  written last; :data:`INTERRUPTED`, :data:`TERMINATED`: the exit statuses;
* :func:`check_out`: whether ``--out`` can take the outputs, before any work.

Authors
 * speechbrain-interp developers 2026
"""

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

__all__ = [
    "INTERRUPTED", "MIN_WINDOWS_FOR_BAR", "TERMINATED", "NoSpaceError", "Outputs", "Summary",
    "Terminated", "WindowProgress", "check_out", "classify_one", "explain_one",
    "handle_signals", "write_atomic",
]  # fmt: skip

#: a recording of at least this many windows gets a progress bar of its own
MIN_WINDOWS_FOR_BAR = 16

#: exit status of a run stopped by Ctrl-C and by SIGTERM (128 + the signal)
INTERRUPTED, TERMINATED = 130, 143

#: the errors of a full disk or quota
_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


class NoSpaceError(OSError):
    """A file could not be written: no space left (disk or quota). Names the file.

    Example
    -------
    >>> print(NoSpaceError(errno.ENOSPC, "no space left on out/a/result.json", "out/a/result.json"))
    no space left on out/a/result.json
    """

    def __str__(self):
        return self.strerror


class Terminated(BaseException):
    """SIGTERM, raised where the program is (as Ctrl-C raises ``KeyboardInterrupt``)."""


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


def write_atomic(path, data):
    """Writes ``data`` to ``path`` whole or not at all.

    The bytes go to a temporary file in the same folder, which then
    replaces ``path`` (``os.replace``): a reader, or a run that stops half
    way, sees the old file or the complete new one, never a truncated one.

    Raises
    ------
    NoSpaceError
        ``no space left on <path>`` (``ENOSPC``, ``EDQUOT``); the temporary
        file is removed and ``path`` left as it was.

    Example
    -------
    >>> path = getfixture("tmpdir") / "result.json"
    >>> write_atomic(str(path), b"{}")
    >>> path.read(), [p.basename for p in path.dirpath().listdir()]
    ('{}', ['result.json'])
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


class Outputs:
    """The files of one input: each written whole; all removed again if the input fails.

    Arguments
    ---------
    folder : str
        The input's output folder (made at the first write).

    Example
    -------
    >>> folder = getfixture("tmpdir") / "a"
    >>> outputs = Outputs(str(folder))
    >>> outputs.write("result.json", b"{}")
    >>> [p.basename for p in folder.listdir()]
    ['result.json']
    >>> outputs.discard()
    >>> folder.exists()
    False
    """

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
        write_atomic(path, data)
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


class WindowProgress:
    """What one file has done, window by window: a bar for long recordings and,
    for an interrupted file, a line saying how far it got.

    Arguments
    ---------
    name : str
        The input's output name (the bar's label).
    stages : tuple of str
        What each pass over the windows does (``"explained"``,
        ``"scored"``); the bar runs over all of them.

    Example
    -------
    >>> progress = WindowProgress("dog", ("explained", "scored"))
    >>> progress.hook("explained")(4, 8)
    >>> progress.describe()
    'explained 4 of 8 windows, scored no window'
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


def classify_one(model, path, outputs, progress):
    """Classifies one file and writes its ``result.json``; returns the record.

    Arguments
    ---------
    model : speechbrain_interp.inference.SoundClassifier
    path : str
        The audio file.
    outputs : Outputs
        Where its files go.
    progress : WindowProgress
        With the stage ``"classified"``.
    """
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


def explain_one(model, path, outputs, label, faithfulness, progress):
    """Explains one file and writes its outputs.

    Stopped (Ctrl-C, SIGTERM) while computing the faithfulness figures, the
    outputs are written without them (``result.json`` says how far the
    scoring got) and the stop goes on.
    """
    import matplotlib

    from speechbrain_interp.visualize.recording import plot_explanation

    wave = model.load_file(path)
    result = model.interpret_long(wave, label=label, progress=progress.hook("explained"))
    rate = model.sample_rate
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
        except (KeyboardInterrupt, Terminated) as stop:
            stopped = stop
            record["interrupted"] = (f"stopped while computing the faithfulness figures "
                                     f"({progress.describe('scored')}): they are left out")
        else:
            record["faithfulness"] = {k: round(v, 6) for k, v in figures["mean"].items()}
            for row, i in zip(record["windows"], range(len(record["windows"]))):
                row["faithfulness"] = {k: round(v[i], 6) for k, v in figures["windows"].items()}
    figure = io.BytesIO()
    with matplotlib.rc_context({"savefig.format": "png"}):
        plot_explanation(wave.cpu(), result.mask.cpu(), model.classifier.frontend, result.starts,
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
    write_atomic(path, _json_bytes(record))


class Summary:
    """``summary.json`` of an output folder, rewritten (whole) as files finish.

    An earlier run's entries are kept; this run's replace those of the same
    inputs. An earlier summary that cannot be read is kept beside it
    (``summary.json.unreadable``), never overwritten.

    Writing after each file costs a whole summary each time; when that
    grows costly (thousands of inputs), a file's entry waits until writing
    it costs at most a tenth of the time spent on the files, and the last
    entries are always written at the end (or when the run is stopped).

    Arguments
    ---------
    out : str
        The output folder (which exists).

    Example
    -------
    >>> out = getfixture("tmpdir")
    >>> _ = (out / "summary.json").write('{"earlier.wav": {"label": "dog"}}')
    >>> summary = Summary(str(out))
    >>> summary.set("now.wav", {"error": "AudioError: silent"})
    >>> sorted(json.loads((out / "summary.json").read()))
    ['earlier.wav', 'now.wav']
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
def handle_signals(mode):
    """SIGTERM raising :class:`Terminated` (``mode="raise"``), or SIGTERM and
    Ctrl-C ignored (``mode="ignore"``, while the summary is written last), in
    the main thread; restored afterwards.

    Example
    -------
    >>> before = signal.getsignal(signal.SIGTERM)
    >>> with handle_signals("ignore"):
    ...     signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    True
    >>> signal.getsignal(signal.SIGTERM) == before
    True
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        raise Terminated()

    kinds = (signal.SIGTERM,) if mode == "raise" else (signal.SIGTERM, signal.SIGINT)
    previous = {kind: signal.getsignal(kind) for kind in kinds}
    for kind in kinds:
        signal.signal(kind, terminate if mode == "raise" else signal.SIG_IGN)
    try:
        yield
    finally:
        for kind, handler in previous.items():
            signal.signal(kind, signal.SIG_DFL if handler is None else handler)


def check_out(out):
    """Why ``--out`` cannot take the outputs (``None``: it can), creating nothing.

    A file cannot be written in it (or, when it does not exist yet, in
    the folder it would be made in), or a part of its path is a file.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> check_out(str(tmp / "new" / "out")) is None
    True
    >>> _ = (tmp / "taken.txt").write("")
    >>> check_out(str(tmp / "taken.txt"))
    '--out ... is a file, not a folder: give a folder for the outputs'
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

