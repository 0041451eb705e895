"""The HTML on screens, measured in a real browser (headless Chromium) at desktop and phone widths:
a readable measure, nothing wider than the window, notes gathered at the end, charts at their drawn size,
the contents in view. The live preview serves the same page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import BrowserUnavailable, Chromium, Page

#: What a page reports about itself, measured by the browser.
MEASURE = """(() => {
  const lines = [];
  for (const p of document.querySelectorAll('.section > p, .section-summary > p')) {
    const range = document.createRange();
    range.selectNodeContents(p);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    const text = p.innerText.replace(/\\s+/g, ' ').trim();
    if (tops.size >= 3) lines.push(Math.round(text.length / tops.size));
  }
  const notes = [...document.querySelectorAll('.footnote')];
  const charts = [...document.querySelectorAll('img.chart-svg')];
  const toc = document.querySelector('nav.toc');
  return {
    width: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    charsPerLine: lines,
    notesShown: notes.filter(n => getComputedStyle(n).display !== 'none').length,
    notes: notes.length,
    endnotes: document.querySelectorAll('.endnotes li').length,
    endnotesShown: !!document.querySelector('.endnotes') &&
      getComputedStyle(document.querySelector('.endnotes')).display !== 'none',
    calls: [...document.querySelectorAll('.note-call')].filter(c => c.offsetWidth > 0).length,
    charts: charts.map(c => [c.getBoundingClientRect().width, c.naturalWidth]),
    viewport: !!document.querySelector('meta[name=viewport]'),
    tocPosition: toc ? getComputedStyle(toc).position : null,
    fontSize: parseFloat(getComputedStyle(document.querySelector('.section > p')).fontSize),
    measure: document.querySelector('.section > p').clientWidth /
      parseFloat(getComputedStyle(document.querySelector('.section > p')).fontSize),
  };
})()"""


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    try:
        browser = Chromium(tmp_path_factory.mktemp("chromium"))
    except BrowserUnavailable as exc:
        pytest.skip(f"no browser test: {exc}")
    try:
        yield browser
    finally:
        browser.close()


def open_at(chromium: Chromium, path: Path, width: int, height: int = 900) -> Page:
    page = chromium.open("about:blank")
    chromium.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        page.session,
    )
    chromium.send("Page.navigate", {"url": path.as_uri()}, page.session)
    page.wait_for(
        "document.readyState === 'complete' && [...document.images].every(i => i.complete) "
        "&& document.title.length > 0",
        bool,
        timeout=20,
    )
    return page


def measure(chromium: Chromium, path: Path, width: int) -> dict[str, Any]:
    page = open_at(chromium, path, width)
    result: dict[str, Any] = page.evaluate(MEASURE)
    return result


#: The longest average line, in characters, of a paragraph: a column about 40 em wide holds about 40
#: Hangul or kanji (spaces and Latin letters are narrower) and about 80 Latin letters. Without the
#: screen stylesheet a Korean line at 1280 px held about 90 characters of 10 pt text.
LONGEST = {"ko": 65, "ja": 50, "en": 95}


@pytest.mark.parametrize("lang", ["ko", "en", "ja"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_html_reads_well_on_a_screen(
    lang: str, width: int, chromium: Chromium, all_outputs: dict[str, Path]
) -> None:
    seen = measure(chromium, all_outputs[f"deepseek-briefing.{lang}.html"], width)
    assert seen["viewport"]
    assert seen["scrollWidth"] <= seen["width"], "the page scrolls sideways"
    assert seen["charsPerLine"] and max(seen["charsPerLine"]) <= LONGEST[lang], seen["charsPerLine"]
    assert seen["fontSize"] >= 15  # text sized for a screen, not 10 pt paper text
    assert seen["measure"] <= 40.5  # the text column, in em
    # notes: none inline in the text; each a visible numbered call, gathered at the end
    assert seen["notes"] >= 3 and seen["notesShown"] == 0
    assert seen["calls"] == seen["notes"] == seen["endnotes"] and seen["endnotesShown"]
    # charts at most as wide as drawn (labels keep their drawn size), and within the window
    assert seen["charts"] and all(
        shown <= natural + 1 and shown <= width for shown, natural in seen["charts"]
    )
    if width == 1280:
        assert seen["tocPosition"] == "sticky"
        assert max(seen["charsPerLine"]) >= LONGEST[lang] * 0.6  # a full measure, not a narrow strip


def test_the_contents_stay_in_view_while_reading(chromium: Chromium, all_outputs: dict[str, Path]) -> None:
    page = open_at(chromium, all_outputs["deepseek-briefing.en.html"], 1280)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    top = page.wait_for(
        "document.querySelector('nav.toc').getBoundingClientRect().top", lambda v: v is not None, 5
    )
    assert 0 <= top < 100


def test_a_note_shows_as_a_popover_on_focus(chromium: Chromium, all_outputs: dict[str, Path]) -> None:
    page = open_at(chromium, all_outputs["deepseek-briefing.ko.html"], 390)
    shown = page.evaluate(
        "(() => { const call = document.querySelector('.note-call'); call.focus();"
        " const note = call.nextElementSibling; const box = note.getBoundingClientRect();"
        " return [getComputedStyle(note).display, box.left >= 0, box.right <= window.innerWidth]; })()"
    )
    assert shown == ["block", True, True]


def test_the_html_scrolled_sideways_before(
    chromium: Chromium, all_outputs: dict[str, Path], tmp_path: Path
) -> None:
    # The check can fail: without the screen stylesheet the text runs the full width of the window and the
    # notes sit inline, mid-sentence.
    html = all_outputs["deepseek-briefing.ko.html"].read_text(encoding="utf-8")
    start = html.index('<style media="screen">')
    bare = tmp_path / "bare.html"
    bare.write_text(html[:start] + html[html.index("</style>", start) + len("</style>") :], encoding="utf-8")
    seen = measure(chromium, bare, 1280)
    assert max(seen["charsPerLine"]) > LONGEST["ko"] * 1.3
    assert seen["notesShown"] == seen["notes"]


def test_the_live_preview_uses_the_screen_stylesheet(minimal: Path) -> None:
    from briefgen.serve.preview import Preview

    edition = Preview(minimal, "en").rebuild()
    assert edition.html is not None
    assert '<style media="screen">' in edition.html and 'name="viewport"' in edition.html
    assert '<section class="endnotes"' in edition.html
