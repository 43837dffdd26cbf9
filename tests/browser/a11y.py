"""Accessibility checks for the browser tests (WCAG 2.1 AA).

- `Audit` runs axe-core on a page, at each viewport: any violation of the WCAG 2.0/2.1 A and AA
  rules of impact serious or critical fails the test; moderate and minor ones are printed and
  written with the rest to tests/artifacts/axe-<name>.json.
- `focus_ring` measures the focused element's outline in the browser (WCAG 1.4.11), and
  `untagged_chinese` finds Chinese text on an English page with no `lang` saying so (WCAG 3.1.2):
  two things axe does not check.

axe-core is the npm package's `axe.min.js`, vendored under tests/browser/axe/ and pinned by
version and checksum (never fetched at run time). It is run with `page.evaluate`, which a strict
Content-Security-Policy does not block, so the pages are audited under their real headers.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

AXE_DIR = Path(__file__).resolve().parent / "axe"
AXE_VERSION = "4.14.1"
#: sha256 of axe-core 4.14.1's axe.min.js (its sri-history.json: sha256-KTSJmUUM3yhJqOcL…).
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
VIEWPORTS = (PHONE, DESKTOP)


@functools.cache
def axe_source() -> str:
    data = (AXE_DIR / "axe.min.js").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert digest == AXE_SHA256, f"tests/browser/axe/axe.min.js is not axe-core {AXE_VERSION}"
    return data.decode()


# Colours are measured mid-fade otherwise: Wagtail's messages fade in, and a white-on-blue
# message half way through measured 2.12:1 on the dashboard at 390 px.
_RUN_AXE = """async (tags) => {
  const finite = document.getAnimations().filter(
    (a) => a.effect && a.effect.getComputedTiming().iterations !== Infinity);
  await Promise.race([
    Promise.all(finite.map((a) => a.finished.catch(() => null))),
    new Promise((resolve) => setTimeout(resolve, 5000)),
  ]);
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return {
    version: axe.version,
    violations: result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
    })),
  };
}"""


class Audit:
    """audit.check(page, "home") runs axe on the page at each viewport; audit.assert_clean()
    fails on the serious and critical violations found on any page checked."""

    def __init__(self, name: str, viewports=VIEWPORTS):
        self.name = name
        self.viewports = viewports
        self.pages: list[dict] = []

    def check(self, page, label: str, viewports=None) -> None:
        original = page.viewport_size
        try:
            for viewport in viewports or self.viewports:
                page.set_viewport_size(viewport)
                self._run(page, f"{label} @{viewport['width']}")
        finally:
            page.set_viewport_size(original)

    def _run(self, page, label: str) -> None:
        # Our own axe, even where the page has one (Wagtail's admin bundles an older axe-core for
        # its accessibility checker).
        if page.evaluate("() => window.axe && window.axe.version") != AXE_VERSION:
            page.evaluate(axe_source())
        result = page.evaluate(_RUN_AXE, WCAG_21_AA)
        assert result["version"] == AXE_VERSION, result["version"]
        entry = {"page": label, "url": page.url, "serious": [], "lesser": []}
        for violation in result["violations"]:
            failing = violation["impact"] in FAILING_IMPACTS
            entry["serious" if failing else "lesser"].append(violation)
            if not failing:
                print(
                    f"axe {violation['impact']}: {label}: {violation['id']} ({violation['help']}) "
                    f"on {', '.join(n['target'] for n in violation['nodes'][:5])}"
                )
        if entry["serious"]:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / f"axe-{self.name}-{_slug(label)}.png"
            page.screenshot(path=str(shot), full_page=True)
            entry["screenshot"] = str(shot)
        self.pages.append(entry)

    def assert_clean(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        report = ARTIFACTS / f"axe-{self.name}.json"
        report.write_text(json.dumps(self.pages, ensure_ascii=False, indent=1))
        failures = [
            f"{entry['page']} ({entry['url']}): [{v['impact']}] {v['id']}: {v['help']}\n"
            + "\n".join(f"    {n['target']}: {n['summary']}" for n in v["nodes"][:5])
            for entry in self.pages
            for v in entry["serious"]
        ]
        assert not failures, (
            f"axe-core {AXE_VERSION}, WCAG 2.1 A/AA, serious or critical (details in {report}):\n"
            + "\n".join(failures)
        )


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")


# --- what axe does not measure ---------------------------------------------------------------

# The contrast ratio of two CSS colours (WCAG 2.1 relative luminance), as the browser computes
# them; a translucent colour is laid over the one behind it.
_COLOUR_JS = """
const parse = (css) => { const m = css.match(/[\\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
const over = (top, below) => ({r: top.r * top.a + below.r * (1 - top.a), g: top.g * top.a + below.g * (1 - top.a), b: top.b * top.a + below.b * (1 - top.a), a: 1});
const luminance = (c) => { const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
const contrast = (x, y) => { const [a, b] = [luminance(x), luminance(y)].sort((p, q) => q - p); return (a + 0.05) / (b + 0.05); };
const backgroundBehind = (el) => {
  const layers = [];
  for (let node = el; node; node = node.parentElement) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c.a > 0) { layers.push(c); if (c.a === 1) break; }
  }
  return layers.reverse().reduce((below, top) => over(top, below), {r: 255, g: 255, b: 255, a: 1});
};
const hex = (c) => "#" + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
"""

_FOCUS_RING = (
    """() => {"""
    + _COLOUR_JS
    + """
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const ring = parse(style.outlineColor);
  // The ring is drawn outside the element (outline-offset >= 0): over its parent's background.
  const behind = backgroundBehind(el.parentElement || el);
  const border = parse(style.borderTopColor);
  // A second colour round the element, between it and the ring (box-shadow): a gap that keeps
  // the ring apart from a border it does not contrast with (a two-colour indicator, WCAG C40).
  const shadow = style.boxShadow.match(/rgba?\\([^)]*\\)/);
  const gap = shadow ? parse(shadow[0]) : null;
  const hasBorder = style.borderTopStyle !== "none" && parseFloat(style.borderTopWidth) > 0 && border.a > 0;
  const box = el.getBoundingClientRect();
  const reach = Math.max(0, parseFloat(style.outlineOffset)) + parseFloat(style.outlineWidth);
  return {
    element: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.type ? "[" + el.type + "]" : ""),
    focusVisible: el.matches(":focus-visible"),
    style: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    offset: parseFloat(style.outlineOffset),
    colour: hex(ring),
    background: hex(behind),
    againstBackground: contrast(ring, behind),
    border: hasBorder ? hex(border) : null,
    againstBorder: hasBorder ? contrast(ring, border) : null,
    gap: gap ? hex(gap) : null,
    gapAgainstRing: gap ? contrast(gap, ring) : null,
    gapAgainstBorder: gap && hasBorder ? contrast(gap, border) : null,
    ringBox: {top: box.top - reach, bottom: box.bottom + reach, left: box.left - reach, right: box.right + reach},
    viewport: {width: window.innerWidth, height: window.innerHeight},
  };
}"""
)


def focus_ring(page) -> dict | None:
    """The focused element's ring: colour, width, and its contrast against the background
    behind it and against the element's own border (both need 3:1, WCAG 1.4.11)."""
    return page.evaluate(_FOCUS_RING)


def assert_focus_visible(page, where: str) -> dict:
    """The focused element shows a solid ring at least 2 px wide, 3:1 against the background
    and against the element's border (or kept apart from a border it does not contrast with,
    such as a field's red error border, by a gap that contrasts with both), on screen."""
    ring = focus_ring(page)
    assert ring is not None, f"{where}: nothing has focus"
    assert ring["focusVisible"], (where, ring)
    assert ring["style"] == "solid" and ring["width"] >= 2, (where, ring)
    assert ring["againstBackground"] >= 3, (where, ring)
    if ring["againstBorder"] is not None and ring["againstBorder"] < 3:
        separated = ring["gap"] and ring["gapAgainstRing"] >= 3 and ring["gapAgainstBorder"] >= 3
        assert separated, (where, "ring too close to the border's colour", ring)
    # On screen, not cut off at the top or the sides (a tall field may run on below the fold).
    box, view = ring["ringBox"], ring["viewport"]
    assert box["top"] >= 0 and box["left"] >= 0, (where, "ring cut off", ring)
    assert box["right"] <= view["width"], (where, "ring cut off", ring)
    assert box["top"] + ring["width"] <= view["height"], (where, "ring below the fold", ring)
    return ring


_UNTAGGED_CHINESE = """() => {
  const chinese = /[\\u3400-\\u9fff\\uf900-\\ufaff]/;
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!chinese.test(node.data) || el.closest("script, style, [hidden], [aria-hidden=true]")) continue;
    if (!el.checkVisibility()) continue;
    const lang = (el.closest("[lang]") || document.documentElement).getAttribute("lang") || "";
    if (!lang.toLowerCase().startsWith("zh")) found.push(el.tagName.toLowerCase() + ": " + node.data.trim().slice(0, 30));
  }
  return found;
}"""


def untagged_chinese(page) -> list[str]:
    """Visible Chinese text on the page whose language, by its nearest `lang`, is not Chinese."""
    return page.evaluate(_UNTAGGED_CHINESE)


_CONTRAST_OF = (
    """(el) => {"""
    + _COLOUR_JS
    + """
  const style = getComputedStyle(el);
  const fg = parse(style.color), bg = backgroundBehind(el);
  return {colour: hex(fg), background: hex(bg), ratio: contrast(fg, bg)};
}"""
)


def text_contrast(locator) -> dict:
    """The contrast of an element's text against the background behind it."""
    return locator.evaluate(_CONTRAST_OF)
