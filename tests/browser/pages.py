"""Small page helpers shared by the browser tests."""

from __future__ import annotations

from pathlib import Path

from tests.factories import TEST_PASSWORD


def log_in(page, email: str, password: str = TEST_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill('input[name="username"]', email)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    page.wait_for_url("**/")


def row(page, session):
    return page.locator(f'[data-session-id="{session.id}"]')


def badge(page, session):
    return row(page, session).locator("[data-status]")


def sessions_left(page, session) -> int:
    return int(row(page, session).locator("[data-sessions-left]").inner_text())


def background_rgb(page, locator) -> list[int]:
    """The element's computed background painted on a 1x1 canvas, read back as sRGB (Tailwind v4 uses oklch)."""
    colour = locator.evaluate("el => getComputedStyle(el).backgroundColor")
    return paint(page, colour)


def paint(page, colour: str) -> list[int]:
    return page.evaluate(
        """colour => {
            const canvas = document.createElement('canvas');
            canvas.width = canvas.height = 1;
            const ctx = canvas.getContext('2d');
            ctx.fillStyle = colour;
            ctx.fillRect(0, 0, 1, 1);
            return Array.from(ctx.getImageData(0, 0, 1, 1).data.slice(0, 3));
        }""",
        colour,
    )


def tailwind_rgb(page, cls: str) -> list[int]:
    """What Tailwind's own class paints: a reference element with `cls`, measured the same way."""
    colour = page.evaluate(
        """cls => {
            const el = document.createElement('div');
            el.className = cls;
            document.body.appendChild(el);
            const value = getComputedStyle(el).backgroundColor;
            el.remove();
            return value;
        }""",
        cls,
    )
    return paint(page, colour)


def screenshot(page, folder: Path, name: str, *, full_page: bool = True) -> Path:
    """Write a screenshot (the whole page, or what the window shows) and check it is not blank
    (many colours, not one flat fill)."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    data_url = "data:image/png;base64," + __import__("base64").b64encode(path.read_bytes()).decode()
    distinct = page.evaluate(
        """async url => {
            const img = new Image();
            img.src = url;
            await img.decode();
            const canvas = document.createElement('canvas');
            canvas.width = img.width; canvas.height = img.height;
            const ctx = canvas.getContext('2d');
            ctx.drawImage(img, 0, 0);
            const data = ctx.getImageData(0, 0, img.width, img.height).data;
            const seen = new Set();
            for (let i = 0; i < data.length; i += 4 * 97) seen.add(data[i] << 16 | data[i + 1] << 8 | data[i + 2]);
            return seen.size;
        }""",
        data_url,
    )
    assert path.stat().st_size > 10_000, f"{path} is suspiciously small"
    assert distinct > 20, f"{path} looks blank ({distinct} colours)"
    return path


AXE = Path(__file__).resolve().parents[2] / "tutordesk/web/static/web/axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


def axe_violations(page) -> list[str]:
    """axe-core (vendored from npm) run inside the page: its serious and critical violations, in words."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
            }));
        }"""
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in found
        if v["impact"] in BLOCKING_IMPACTS
    ]


def assert_accessible(page, where: str) -> None:
    problems = axe_violations(page)
    assert not problems, f"axe found on {where}:\n" + "\n".join(problems)


def fits_width(page) -> bool:
    """Nothing wider than the window: no sideways scrolling of the whole page."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
