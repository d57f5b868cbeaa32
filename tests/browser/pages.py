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


def screenshot(page, folder: Path, name: str) -> Path:
    """Write a full-page screenshot and check it is not blank (many colours, not one flat fill)."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
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
