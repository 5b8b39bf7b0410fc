"""Report figures and the static HTML gallery, checked in a headless browser.

The browser test needs Chromium (or Chrome) on the PATH; ``.ci/run``
installs Debian's ``chromium`` when none is present. Without one it skips.
"""

import html.parser
import os
import shutil
import subprocess
import urllib.parse

import matplotlib.image
import numpy as np
import pytest
import soundfile
import torch

from speechbrain_interp.evaluation.gallery import markdown_table_to_html, write_gallery
from speechbrain_interp.visualize import (
    plot_mask_overlays,
    plot_metric_bars,
    plot_similarity_curves,
)

SAMPLE_RATE, HOP = 16000, 160
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
TABLE = """Faithfulness (mean over clips)

| method | AI ↑ | AD ↓ |
|---|--:|--:|
| L-MAC | 41.20 | 12.50 |
| <saliency> | 33.00 | - |"""


class _PageParser(html.parser.HTMLParser):
    """Collects tags with their attributes and the visible text."""

    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(path):
    parser = _PageParser()
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    return parser


def _assert_png(path, min_bytes=5000):
    assert os.path.isfile(path), path
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n", f"{path} is no PNG"
    assert os.path.getsize(path) > min_bytes, f"{path} is suspiciously small"


def _wav(path, freq):
    t = np.arange(SAMPLE_RATE // 4) / SAMPLE_RATE
    soundfile.write(path, 0.5 * np.sin(2 * np.pi * freq * t), SAMPLE_RATE)
    return str(path)


def _masks(frames=40, bins=65):
    magnitude = torch.rand(frames, bins) * 0.01
    magnitude[:, 10] = 1.0
    kept = torch.zeros(frames, bins)
    kept[5:30, 5:40] = 1.0
    return magnitude, {"L-MAC": kept, "saliency": torch.rand(frames, bins)}


@pytest.fixture
def run_dir(tmp_path):
    """Two clips' wavs and figures under ``tmp_path/run``; gallery in ``run/gallery``."""
    run = tmp_path / "run"
    clips = []
    for index, condition in enumerate(["clean", "noisy <WHAM!>"]):
        clip_dir = run / f"clip {index}"
        clip_dir.mkdir(parents=True)
        magnitude, masks = _masks()
        figure = plot_mask_overlays(magnitude, masks, str(clip_dir / "overlays.png"),
                                    SAMPLE_RATE, HOP, title=f"clip {index}",
                                    class_names={"L-MAC": "dog"})
        clips.append({
            "id": f"clip-{index}",
            "caption": f"explained class: dog & cat <{index}>",
            "audio": {"original": _wav(clip_dir / "original.wav", 440),
                      "L-MAC interpretation": _wav(clip_dir / "L-MAC interp.wav", 880)},
            "figures": [figure],
            "condition": condition,
        })
    table = {"clean": {"L-MAC": {"AI": 41.2, "AD": 12.5}, "saliency": {"AI": 33.0}},
             "noisy": {"L-MAC": {"AI": float("nan"), "AD": 20.0}}}
    bars = plot_metric_bars(table, ["AI", "AD"], str(run / "bars.png"),
                            directions={"AI": "up", "AD": "down"})
    clips.append({"id": "overview", "caption": "metrics per condition", "audio": {},
                  "figures": [bars]})
    return run, clips


def test_plot_functions_write_pngs(tmp_path):
    magnitude, masks = _masks()
    _assert_png(plot_mask_overlays(magnitude, masks, str(tmp_path / "o.png"), SAMPLE_RATE, HOP))
    _assert_png(plot_mask_overlays(magnitude, {}, str(tmp_path / "o1.png"), SAMPLE_RATE, HOP))
    table = {"a": {"m1": {"AI": float("nan"), "FF": None}, "m2": {"AI": torch.tensor(3.0)}},
             "b": {"m2": {"AI": 1.0, "FF": float("inf")}}}
    _assert_png(plot_metric_bars(table, ["AI", "FF", "absent"], str(tmp_path / "b.png"),
                                 title="NaN, None, inf and missing are skipped",
                                 directions={"AI": "up", "FF": None}))
    _assert_png(plot_similarity_curves({"m1": [1.0, 0.5, float("nan")], "m2": [1.0, 0.9, 0.8]},
                                       str(tmp_path / "c.png"), ["none", "head", "all"]))
    image = matplotlib.image.imread(str(tmp_path / "o.png"))
    assert image.std() > 0.05


def test_plot_functions_reject_bad_input(tmp_path):
    magnitude, masks = _masks()
    with pytest.raises(ValueError, match="saliency"):
        plot_mask_overlays(magnitude, {"saliency": masks["saliency"] * 3},
                           str(tmp_path / "o.png"), SAMPLE_RATE, HOP)
    with pytest.raises(ValueError, match="shape"):
        plot_mask_overlays(magnitude, {"m": masks["saliency"][:-1]},
                           str(tmp_path / "o.png"), SAMPLE_RATE, HOP)
    with pytest.raises(ValueError, match="direction"):
        plot_metric_bars({"a": {"m": {"AI": 1.0}}}, ["AI"], str(tmp_path / "b.png"),
                         directions={"AI": "higher"})
    with pytest.raises(ValueError, match="m1"):
        plot_similarity_curves({"m1": [1.0]}, str(tmp_path / "c.png"), ["a", "b"])


def test_gallery_sources_resolve(run_dir):
    run, clips = run_dir
    page = write_gallery(str(run / "gallery"), clips, title="Demo <gallery>",
                         tables=[("Faithfulness", TABLE)])
    assert page == str(run / "gallery" / "index.html")
    parsed = _parse(page)
    base = os.path.dirname(page)
    audio = [a["src"] for t, a in parsed.tags if t == "audio"]
    images = [a["src"] for t, a in parsed.tags if t == "img"]
    assert len(audio) == sum(len(c["audio"]) for c in clips)
    assert len(images) == sum(len(c["figures"]) for c in clips)
    for tag, attrs in parsed.tags:
        if tag == "audio":
            assert "controls" in attrs
        for key in ("src", "href"):
            value = attrs.get(key)
            if value is None or value.startswith("#"):
                continue
            assert "://" not in value and not value.startswith("/"), value
            assert os.path.isfile(os.path.join(base, urllib.parse.unquote(value))), value
    assert all(src.startswith("../") for src in audio + images)
    assert "script" not in {t for t, _ in parsed.tags}
    text = "".join(parsed.text)
    for clip in clips:
        assert clip["caption"] in text
        for label in clip["audio"]:
            assert label in text
    assert "Condition: noisy <WHAM!>" in text and "Demo <gallery>" in text
    assert "Condition: None" not in text and "clips without condition" in text
    # the markdown table became an HTML table with escaped cells
    rows = [t for t, _ in parsed.tags if t == "tr"]
    assert len(rows) == 3 and "<saliency>" in text


def test_gallery_escapes_text(tmp_path):
    wav = _wav(tmp_path / "a.wav", 440)
    clips = [{"id": 'x" onload="alert(1)', "caption": "<script>alert('x')</script>",
              "audio": {"<b>label</b>": wav}, "figures": []}]
    page = write_gallery(str(tmp_path / "g"), clips, title="<i>t</i>")
    raw = open(page, encoding="utf-8").read()
    assert "<script>" not in raw and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in raw
    assert "<b>label" not in raw and "&lt;b&gt;label&lt;/b&gt;" in raw
    parsed = _parse(page)
    assert {t for t, _ in parsed.tags}.isdisjoint({"script", "b", "i"})
    assert not any("onload" in attrs for _, attrs in parsed.tags)


def test_gallery_missing_file_is_named(run_dir):
    run, clips = run_dir
    missing = str(run / "clip 1" / "gone.wav")
    clips[1]["audio"]["gone"] = missing
    with pytest.raises(FileNotFoundError, match="gone.wav"):
        write_gallery(str(run / "gallery"), clips)
    assert not (run / "gallery" / "index.html").exists()
    del clips[1]["audio"]["gone"]
    clips[0]["figures"].append("no/such/figure.png")
    with pytest.raises(FileNotFoundError, match="figure.png"):
        write_gallery(str(run / "gallery"), clips)


def test_gallery_rejects_bad_clips(tmp_path):
    wav = _wav(tmp_path / "a.wav", 440)
    with pytest.raises(ValueError, match="duplicate"):
        write_gallery(str(tmp_path), [{"id": "a", "audio": {"x": wav}}, {"id": "a"}])
    with pytest.raises(ValueError, match="figure"):
        write_gallery(str(tmp_path), [{"id": "a", "figure": []}])
    with pytest.raises(TypeError, match="list of paths"):
        write_gallery(str(tmp_path), [{"id": "a", "figures": wav}])


def test_markdown_tables():
    fragment = markdown_table_to_html(TABLE)
    assert fragment.count("<table") == 1 and fragment.count("<tr>") == 3
    assert "&lt;saliency&gt;" in fragment and 'class="num" style="text-align:right">41.20' in fragment
    assert "<p>Faithfulness (mean over clips)</p>" in fragment
    with pytest.raises(ValueError, match="separator"):
        markdown_table_to_html("| a | b |\n| 1 | 2 |")
    with pytest.raises(ValueError, match="cells"):
        markdown_table_to_html("| a |\n|---|\n| 1 | 2 |")
    assert markdown_table_to_html(r"| a |" "\n|---|\n| x \\| y |").count("x | y") == 1


def _browser():
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def _screenshot(browser, page, png, profile):
    """Headless screenshot of ``page``; tries ``--headless`` then ``--headless=new``."""
    logs = []
    for mode in ("--headless", "--headless=new"):
        command = [browser, mode, "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                   "--no-first-run", "--mute-audio", f"--user-data-dir={profile}",
                   "--window-size=1200,1600", f"--screenshot={png}", "file://" + page]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            logs.append(f"{mode}: timed out after 60 s")
            continue
        if os.path.isfile(png) and os.path.getsize(png) > 0:
            return
        logs.append(f"{mode}: exit {done.returncode}\n{done.stderr[-2000:]}")
    pytest.fail(f"{browser} wrote no screenshot:\n" + "\n".join(logs))


def test_gallery_renders_in_headless_browser(run_dir, tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip(f"no headless browser on the PATH (looked for {', '.join(BROWSERS)}); "
                    "install Debian's chromium (.ci/run does) to run this test")

    run, clips = run_dir
    page = write_gallery(str(run / "gallery"), clips, title="Headless check",
                         tables=[("Faithfulness", TABLE)])
    png = str(tmp_path / "screenshot.png")
    _screenshot(browser, page, png, str(tmp_path / "profile"))
    image = matplotlib.image.imread(png)[..., :3]
    assert image.shape[:2] == (1600, 1200), image.shape
    colours = np.unique((image * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert image.std() > 0.05 and len(colours) > 50, (image.std(), len(colours))
    # the mask overlays (red) were loaded through their relative paths
    red = (image[..., 0] > 0.6) & (image[..., 1] < 0.4) & (image[..., 2] < 0.4)
    assert red.sum() > 500, f"no mask overlay visible in the screenshot ({red.sum()} red pixels)"
