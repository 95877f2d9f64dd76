"""Screenshots of the main pages for the README, taken with Debian's Chromium through Playwright.

    .venv/bin/python scripts/screenshots.py [--data-dir DIR] [--out docs/screenshots]

Serves DIR (default: a fresh temporary directory, initialised with the bundled data on start, which
takes about a minute) on a free port, opens each page and writes a PNG per page. Never part of the
test run.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
QUERY = """PREFIX dh: <https://w3id.org/driehoek/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
# Who supervises UWV?
SELECT ?supervisor ?name WHERE {
  ?supervisor dh:supervises <https://identifier.overheid.nl/tooi/id/zbo/zb000117> ;
              skos:prefLabel ?name .
}
ORDER BY ?name"""
# (file name, path, language, height of the clip or 0 for the whole page, width of the window)
SHOTS = [
    ("home", "/", "nl", 0, 1280),
    ("organisation-uwv", "/org/zb000117", "nl", 1500, 1280),
    ("organisation-bzk-en", "/org/mnre1034", "en", 1300, 1280),
    ("organisation-acm-on-date", "/org/zb000217?on=2013-04-01", "en", 1400, 1280),
    ("organisation-uwv-phone", "/org/zb000117", "nl", 2200, 390),
    ("case-digid", "/doc/case/digid", "en", 1500, 1280),
    ("organisations", "/organisations?corner=toezicht", "nl", 1100, 1280),
    ("sparql-editor", "/sparql", "en", 0, 1280),
]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start `driehoek serve` on the data directory; wait until it answers."""
    port = free_port()
    env = {**os.environ, "DRIEHOEK_DATA_DIR": str(data_dir)}
    process = subprocess.Popen([sys.executable, "-m", "driehoek.cli", "serve", "--port", str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/health", timeout=2).status_code == 200:
                return process, url
        except requests.ConnectionError:
            pass
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode}")
        time.sleep(0.5)
    process.terminate()
    sys.exit("the server did not start in five minutes")


def shoot(url: str, out: Path) -> None:
    """One PNG per page in SHOTS."""
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, path, lang, height, width in SHOTS:
            context = browser.new_context(locale=f"{lang}-NL", viewport={"width": width, "height": 900})
            page = context.new_page()
            page.goto(f"{url}{path}{'&' if '?' in path else '?'}lang={lang}")
            if name == "sparql-editor":
                editor = page.locator(".CodeMirror")
                editor.click()
                page.keyboard.press("Control+a")
                page.keyboard.press("Delete")
                page.keyboard.insert_text(QUERY)
                page.wait_for_function("q => document.querySelector('.CodeMirror').CodeMirror.getValue() === q",
                                       arg=QUERY)
                page.keyboard.press("Control+Enter")
                page.wait_for_selector("#results-body table")
                page.evaluate("window.scrollTo(0, 0)")
            target = out / f"{name}.png"
            if height:
                page.screenshot(path=str(target), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
            else:
                page.screenshot(path=str(target), full_page=True)
            print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
            context.close()
        browser.close()


def main() -> None:
    """Serve, shoot, stop."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="a data directory to serve (default: a fresh one)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        process, url = serve(args.data_dir or Path(scratch) / "var")
        try:
            shoot(url, args.out)
        finally:
            process.terminate()
            process.wait(30)


if __name__ == "__main__":
    main()
