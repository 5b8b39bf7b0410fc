"""A static HTML page to listen to and look at interpretations.

:func:`write_gallery` writes ``folder/index.html``: one self-contained page
(inline CSS, no JavaScript, no external URL) with, per clip, audio players
(typically the original input and each method's listenable interpretation)
and figures (e.g. from :func:`~speechbrain_interp.visualize.plot_mask_overlays`),
optionally grouped by condition, and result tables given as markdown
(``| a | b |`` rows, as :func:`~speechbrain_interp.evaluation.tables.format_table`
prints). Files are referenced by paths relative to ``folder``, so the folder
can be moved or served as a whole; every referenced file must exist.

Open it with any browser (``file://.../index.html``) or serve the folder
(``python -m http.server``).

Authors
 * speechbrain-interp developers 2026
"""

import html
import os
import re
import urllib.parse
from collections.abc import Mapping

__all__ = ["write_gallery", "markdown_table_to_html"]

_CLIP_KEYS = {"id", "caption", "audio", "figures", "condition"}

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       margin: 0 auto; max-width: 1400px; padding: 1em 2em; color: #222; background: #fafafa; }
h1 { margin-bottom: .2em; }
.intro { color: #444; max-width: 60em; line-height: 1.45; }
nav ul { padding-left: 1.2em; margin: .3em 0; }
h2 { border-bottom: 2px solid #ccc; padding-bottom: .2em; margin-top: 1.6em; }
.clip { background: #fff; border: 1px solid #ddd; border-radius: 6px;
        padding: .8em 1.2em; margin: 1em 0; }
.clip h3 { margin: .2em 0; font-family: ui-monospace, monospace; }
.caption { margin: .3em 0 .8em; color: #333; }
.players { display: flex; flex-wrap: wrap; gap: .8em 1.5em; }
.player { margin: 0; padding: .4em .6em; background: #f1f3f6; border-radius: 4px; }
.player figcaption { font-weight: 600; font-size: .9em; margin-bottom: .3em; }
.player audio { width: 260px; display: block; }
.figures img { max-width: 100%; margin-top: .8em; border: 1px solid #eee; }
table.results { border-collapse: collapse; margin: .5em 0 1.2em; font-size: .92em; background: #fff; }
table.results th, table.results td { border: 1px solid #ccc; padding: .25em .7em; }
table.results th { background: #eef1f5; }
table.results td.num { text-align: right; font-variant-numeric: tabular-nums; }
footer { color: #888; font-size: .8em; margin: 2em 0 1em; }
"""

_INTRO = (
    "Each box is one clip. The players are labelled: usually the first plays the "
    "original input and the others play each method's listenable interpretation, "
    "i.e. the input's STFT magnitude multiplied by the method's mask and "
    "resynthesised with the input phase (waves are peak-normalised, so compare "
    "content, not loudness). The figures show the input spectrogram and the "
    "methods' masks (in the mask overlays, red marks what a mask keeps). "
    "In the tables, an arrow after a metric gives the better direction "
    "(\u2191 higher is better, \u2193 lower is better)."
)

_SEPARATOR = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$")
_NUMBER = re.compile(r"^[-+\u2212]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*(%|x)?$")


def _esc(text):
    return html.escape(str(text), quote=True)


def _cells(line):
    """Cells of one ``| a | b |`` row (``\\|`` is a literal bar)."""
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)]


def _align(cell):
    cell = cell.strip()
    if cell.startswith(":") and cell.endswith(":"):
        return "center"
    if cell.endswith(":"):
        return "right"
    if cell.startswith(":"):
        return "left"
    return None


def markdown_table_to_html(text):
    """HTML of markdown text made of pipe tables, headings and plain lines.

    Tables are ``| a | b |`` lines whose second line is a separator
    (``|---|:--:|---:|``, colons give the alignment); cells are shown
    literally (escaped, no inline markup), numeric cells get
    ``class="num"``. ``#`` lines become ``<h3>``, other text paragraphs.

    Arguments
    ---------
    text : str
        Markdown.

    Returns
    -------
    str
        HTML fragment.

    Raises
    ------
    ValueError
        A ``|`` line that is no part of a table (no separator line under a
        header), a separator whose column count differs from the header's,
        or a row with more cells than the header.

    Example
    -------
    >>> print(markdown_table_to_html("Scores\\n\\n| method | AI \u2191 |\\n|---|--:|\\n| <b> | 1.5 |"))
    <p>Scores</p>
    <table class="results">
    <thead><tr><th>method</th><th style="text-align:right">AI \u2191</th></tr></thead>
    <tbody>
    <tr><td>&lt;b&gt;</td><td class="num" style="text-align:right">1.5</td></tr>
    </tbody>
    </table>
    """
    lines = str(text).splitlines()
    out, paragraph = [], []

    def flush():
        if paragraph:
            out.append("<p>" + _esc(" ".join(paragraph)) + "</p>")
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("|"):
            if i + 1 >= len(lines) or not _SEPARATOR.match(lines[i + 1].strip()):
                raise ValueError(f"markdown line {i + 1}: table row without a header and a "
                                 f"separator line (|---|---|) under it: {line!r}")
            flush()
            header = _cells(line)
            aligns = [_align(c) for c in _cells(lines[i + 1])]
            if len(aligns) != len(header):
                raise ValueError(f"markdown line {i + 2}: separator has {len(aligns)} columns, "
                                 f"the header {len(header)}")
            styles = [f' style="text-align:{a}"' if a else "" for a in aligns]
            out.append('<table class="results">')
            out.append("<thead><tr>" + "".join(
                f"<th{s}>{_esc(c)}</th>" for c, s in zip(header, styles)) + "</tr></thead>")
            out.append("<tbody>")
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = _cells(lines[i])
                if len(cells) > len(header):
                    raise ValueError(f"markdown line {i + 1}: {len(cells)} cells, the header "
                                     f"has {len(header)}")
                cells += [""] * (len(header) - len(cells))
                out.append("<tr>" + "".join(
                    '<td{}{}>{}</td>'.format(' class="num"' if _NUMBER.match(c) else "", s, _esc(c))
                    for c, s in zip(cells, styles)) + "</tr>")
                i += 1
            out.append("</tbody>")
            out.append("</table>")
            continue
        heading = re.match(r"^#{1,6}\s+(.*)$", line)
        if heading:
            flush()
            out.append("<h3>" + _esc(heading.group(1)) + "</h3>")
        elif line:
            paragraph.append(line)
        else:
            flush()
        i += 1
    flush()
    return "\n".join(out)


def _anchor(clip_id):
    return "clip-" + re.sub(r"[^A-Za-z0-9_.-]", "-", clip_id)


def _src(path, folder, where):
    """URL of ``path`` relative to ``folder``; ``FileNotFoundError`` if absent."""
    full = os.path.abspath(os.fspath(path))
    if not os.path.isfile(full):
        error = FileNotFoundError(f"gallery: {where} file {os.fspath(path)!r} does not exist "
                                  f"(looked for {full})")
        error.filename = full
        raise error
    relative = os.path.relpath(full, folder).replace(os.sep, "/")
    return _esc(urllib.parse.quote(relative))


def _check_clip(number, clip):
    if not isinstance(clip, Mapping):
        raise TypeError(f"clip {number} must be a dict, got {type(clip).__name__}")
    unknown = set(clip) - _CLIP_KEYS
    if unknown:
        raise ValueError(f"clip {number} has unknown keys {sorted(unknown)} "
                         f"(known: {sorted(_CLIP_KEYS)})")
    if "id" not in clip:
        raise ValueError(f"clip {number} has no 'id'")
    audio = clip.get("audio") or {}
    items = list(audio.items() if isinstance(audio, Mapping) else audio)
    if any(not isinstance(item, (tuple, list)) or len(item) != 2 for item in items):
        raise TypeError(f"clip {clip['id']!r}: 'audio' must map label -> wav path")
    figures = clip.get("figures") or []
    if isinstance(figures, (str, bytes, os.PathLike)):
        raise TypeError(f"clip {clip['id']!r}: 'figures' must be a list of paths, "
                        f"got one path {figures!r}")
    return items, list(figures)


def _clip_html(clip, audio, figures, folder):
    clip_id = str(clip["id"])
    parts = [f'<article class="clip" id="{_esc(_anchor(clip_id))}">',
             f"<h3>{_esc(clip_id)}</h3>"]
    if clip.get("caption"):
        parts.append(f'<p class="caption">{_esc(clip["caption"])}</p>')
    if audio:
        parts.append('<div class="players">')
        for label, path in audio:
            src = _src(path, folder, f"clip {clip_id!r} audio {str(label)!r}:")
            parts.append(f'<figure class="player"><figcaption>{_esc(label)}</figcaption>'
                         f'<audio controls preload="metadata" src="{src}"></audio></figure>')
        parts.append("</div>")
    if figures:
        parts.append('<div class="figures">')
        for number, path in enumerate(figures, 1):
            src = _src(path, folder, f"clip {clip_id!r} figure {number}:")
            parts.append(f'<a href="{src}"><img src="{src}" '
                         f'alt="{_esc(f"figure {number} of clip {clip_id}")}"></a>')
        parts.append("</div>")
    parts.append("</article>")
    return "\n".join(parts)


def write_gallery(folder, clips, title="Interpretation gallery", tables=None):
    """Writes ``folder/index.html``: players, figures and tables of a run.

    Every referenced file is checked before anything is written, so a
    missing file leaves no half-written page.

    Arguments
    ---------
    folder : str
        Output folder (created); the page references files relative to it.
    clips : list of dict
        One per clip, shown in this order: ``"id"`` (str, unique),
        ``"caption"`` (str), ``"audio"`` (dict label -> wav path, one
        labelled ``<audio controls>`` player each, in order), ``"figures"``
        (list of image paths) and optionally ``"condition"`` (str; clips are
        then grouped under one heading per condition, in first-seen order;
        clips without one form a group without heading).
        Paths are absolute or relative to the current directory.
    title : str
        Page title and heading.
    tables : list of (str, str), optional
        (heading, markdown) pairs shown above the clips; markdown as
        :func:`markdown_table_to_html` reads it.

    Returns
    -------
    str
        Path of ``index.html``.

    Raises
    ------
    FileNotFoundError
        A referenced wav or figure does not exist (the message names it).
    ValueError
        Duplicate clip ids, a clip without ``"id"`` or with unknown keys, or
        a malformed markdown table.

    Example
    -------
    >>> import numpy, soundfile
    >>> folder = str(getfixture("tmpdir") / "gallery")
    >>> os.makedirs(folder)
    >>> wav = os.path.join(folder, "clip 1.wav")
    >>> soundfile.write(wav, numpy.zeros(160), 16000)
    >>> page = write_gallery(folder, [{"id": "c1", "caption": "x < y",
    ...                                "audio": {"original": wav}, "figures": []}])
    >>> text = open(page, encoding="utf-8").read()
    >>> 'src="clip%201.wav"' in text, "x &lt; y" in text
    (True, True)
    """
    folder = os.path.abspath(os.fspath(folder))
    checked, seen = [], set()
    for number, clip in enumerate(clips):
        audio, figures = _check_clip(number, clip)
        if str(clip["id"]) in seen:
            raise ValueError(f"duplicate clip id {str(clip['id'])!r}")
        seen.add(str(clip["id"]))
        checked.append((clip, audio, figures))
    tables = list(tables or [])
    for entry in tables:
        if not (isinstance(entry, (tuple, list)) and len(entry) == 2):
            raise TypeError(f"tables must hold (heading, markdown) pairs, got {entry!r}")

    body = []
    if tables:
        body.append('<section id="results"><h2>Results</h2>')
        for heading, markdown in tables:
            body.append(f"<h3>{_esc(heading)}</h3>")
            body.append(markdown_table_to_html(markdown))
        body.append("</section>")
    grouped = any(clip.get("condition") is not None for clip, _, _ in checked)
    groups = {}
    for entry in checked:
        condition = entry[0].get("condition")
        groups.setdefault(None if condition is None else str(condition), []).append(entry)
    nav = []
    for index, (condition, entries) in enumerate(groups.items()):
        section = f"condition-{index}"
        body.append(f'<section class="condition" id="{section}">')
        if grouped:
            if condition is not None:
                body.append(f"<h2>Condition: {_esc(condition)}</h2>")
            nav.append(f'<li><a href="#{section}">'
                       f'{_esc("clips without condition" if condition is None else condition)}'
                       f"</a> ({len(entries)} clip{'s' if len(entries) != 1 else ''})</li>")
        body.extend(_clip_html(clip, audio, figures, folder) for clip, audio, figures in entries)
        body.append("</section>")

    page = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title>",
        f"<style>{_CSS}</style></head>",
        "<body>",
        f"<header><h1>{_esc(title)}</h1>",
        f'<p class="intro">{_esc(_INTRO)}</p>',
        f'<p class="intro">{len(checked)} clip{"s" if len(checked) != 1 else ""}.</p></header>',
    ]
    if nav:
        page.append("<nav><ul>" + "".join(nav) + "</ul></nav>")
    page += body
    page += ["<footer>Static page written by speechbrain_interp.evaluation.gallery.write_gallery.</footer>",
             "</body>", "</html>", ""]
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "index.html")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(page))
    return path
