"""Look at the report: headless Chromium loads it with no console message and draws every plot.

Skipped when no Chromium is installed (``.ci/run`` installs the Debian package ``chromium``).
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from risk_models.reports import write_audit_report
from tests.reports.fake_run import HOSTILE
from tests.reports.test_render import expected_charts

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium not installed (Debian package `chromium`; .ci/run installs it)",
)
DRAWN = {"path", "rect", "circle", "line", "text"}


def chromium(page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on ``page`` with console messages logged to stderr."""
    cmd = [
        CHROMIUM,
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        *args,
        page.as_uri(),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


class _Dom(HTMLParser):
    """Counts the drawing elements inside every ``<svg>`` of a dumped DOM."""

    def __init__(self) -> None:
        super().__init__()
        self.svgs: list[dict[str, object]] = []
        self.depth = 0
        self.scripts = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1
        if tag == "svg":
            if self.depth == 0:
                self.svgs.append({"viewBox": dict(attrs).get("viewbox"), "drawn": 0})
            self.depth += 1
        elif self.depth and tag in DRAWN:
            self.svgs[-1]["drawn"] += 1  # type: ignore[operator]

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_console_check_sees_an_error(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text("<html><body><script>console.error('boom'); nope();</script></body></html>")
    messages = console_messages(chromium(page, "--dump-dom").stderr)
    assert any("boom" in m for m in messages)
    assert any("nope is not defined" in m for m in messages)


def test_report_loads_clean_and_every_plot_is_drawn(report_dict: dict, tmp_path: Path) -> None:
    html_path, _ = write_audit_report(report_dict, tmp_path)
    proc = chromium(html_path, "--dump-dom")
    assert console_messages(proc.stderr) == []
    dom = _Dom()
    dom.feed(proc.stdout)
    assert dom.scripts == 0
    assert len(dom.svgs) == expected_charts(report_dict)
    empty = [i for i, s in enumerate(dom.svgs) if not s["viewBox"] or s["drawn"] < 4]
    assert empty == []
    assert HOSTILE in "".join(dom.text)  # shown as text, not run


def test_first_screen_screenshot_is_not_blank(report_dict: dict, tmp_path: Path) -> None:
    image = pytest.importorskip("PIL.Image")
    html_path, _ = write_audit_report(report_dict, tmp_path)
    shot = tmp_path / "first_screen.png"
    chromium(html_path, f"--screenshot={shot}", "--window-size=1400,1000")
    with image.open(shot) as im:
        assert im.size == (1400, 1000)
        colours = im.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 50  # text, charts and colours, not one flat fill
