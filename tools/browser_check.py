"""Open a notebook in JupyterLab in a real (headless) browser, check what it renders, and save a screenshot.

    python tools/browser_check.py [--notebook notebooks/pytorch/dcgan.ipynb] [--out images/jupyterlab.png]

Starts ``jupyter lab`` on a free localhost port (token auth, settings in a temporary folder), opens the notebook in
headless Chromium through Playwright (Debian's ``chromium`` package: ``apt-get install chromium``; Playwright's own
browser download is not needed), waits until the notebook's title (its first heading), one rendered image output and,
if the notebook stores widget state, a widget progress bar drawn from it are on the page, saves a screenshot of the
bar and prints the wall time. Exit 1 with one line naming what was missing.

JupyterLab draws widgets (and other active outputs) only in a trusted notebook and falls back to their plain text
otherwise, so the notebook is signed first in the check's own Jupyter data folder, as ``jupyter trust`` (which
``make lab`` runs on the committed notebooks) does in the user's.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
from nbformat.sign import NotebookNotary

ROOT = Path(__file__).resolve().parent.parent


class CheckError(RuntimeError):
    """The check failed; the message says what was missing."""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    raise CheckError("no Chromium on PATH: install Debian's package (apt-get install chromium) or another Chromium")


def title_of(notebook: Path) -> str:
    """The notebook's first markdown heading, as JupyterLab renders it (without the leading #s)."""
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    raise CheckError(f"{notebook} has no markdown heading to look for")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def has_widgets(notebook: Path) -> bool:
    """Whether the notebook stores widget state (nbclient saves it when a cell displays widgets)."""
    state = nbformat.read(notebook, as_version=4).metadata.get("widgets", {})
    return bool(state.get("application/vnd.jupyter.widget-state+json", {}).get("state"))


def trust(notebook: Path, data_dir: Path) -> None:
    """Sign ``notebook`` in the Jupyter data folder ``data_dir``: what ``jupyter trust`` does."""
    data_dir.mkdir(parents=True, exist_ok=True)
    NotebookNotary(data_dir=str(data_dir)).sign(nbformat.read(notebook, as_version=nbformat.NO_CONVERT))


def start_lab(port: int, token: str, settings: Path) -> subprocess.Popen:
    """JupyterLab on localhost, rooted at the repository, with settings that skip the news pop-up and its own
    Jupyter data folder (the notebook signatures: ``settings/data``)."""
    news = settings / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = os.environ | {"JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(settings / "ws"),
                        "JUPYTER_RUNTIME_DIR": str(settings / "runtime"), "JUPYTER_DATA_DIR": str(settings / "data")}
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--ServerApp.token={token}", f"--ServerApp.root_dir={ROOT}", "--ServerApp.open_browser=False",
           f"--FileCheckpoints.checkpoint_dir={settings / 'checkpoints'}"]  # not beside the notebooks
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI machines often run as root
        cmd.append("--allow-root")
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_until_up(lab: subprocess.Popen, url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lab.poll() is not None:
            raise CheckError(f"jupyter lab exited with {lab.returncode}: {lab.stderr.read().strip()[-300:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise CheckError(f"jupyter lab did not answer {url.split('?')[0]} within {timeout:.0f} s")


def check(notebook: Path, out: Path, timeout_ms: int = 120_000) -> float:
    """Serve, open, check and screenshot ``notebook``; return the wall seconds from server start to screenshot."""
    from playwright.sync_api import Error as PlaywrightError, sync_playwright

    title = title_of(notebook)
    if not notebook.resolve().is_relative_to(ROOT):
        raise CheckError(f"{notebook} is outside the repository {ROOT}, which JupyterLab serves")
    rel, browser_path = notebook.resolve().relative_to(ROOT).as_posix(), chromium()
    port, token, widgets = free_port(), secrets.token_hex(16), has_widgets(notebook)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gans-lab-") as tmp:
        trust(notebook, Path(tmp) / "data")
        lab = start_lab(port, token, Path(tmp))
        try:
            wait_until_up(lab, f"http://127.0.0.1:{port}/api/status?token={token}")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"http://127.0.0.1:{port}/lab/tree/{rel}?token={token}")
                try:
                    page.get_by_role("heading", name=title).first.wait_for(timeout=timeout_ms)
                    image = page.locator(".jp-OutputArea-output img").first
                    image.wait_for(timeout=timeout_ms)
                    image.scroll_into_view_if_needed()
                except PlaywrightError as err:
                    raise CheckError(f"{rel} did not render its title {title!r} and an image output in "
                                     f"{timeout_ms / 1000:.0f} s ({str(err).splitlines()[0]})") from None
                if widgets:  # the training cell's progress bar, drawn from the stored widget state
                    bar = page.locator(".jp-OutputArea-output .widget-hprogress").first
                    try:
                        bar.wait_for(timeout=timeout_ms)
                    except PlaywrightError as err:
                        raise CheckError(f"{rel} stores widget state but JupyterLab drew no widget progress bar "
                                         f"in {timeout_ms / 1000:.0f} s ({str(err).splitlines()[0]})") from None
                    bar.scroll_into_view_if_needed()
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out))
                browser.close()
        finally:
            lab.terminate()
            try:
                lab.wait(timeout=20)
            except subprocess.TimeoutExpired:
                lab.kill()
    return time.perf_counter() - t0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", type=Path, default=ROOT / "notebooks" / "pytorch" / "dcgan.ipynb")
    parser.add_argument("--out", type=Path, default=ROOT / "images" / "jupyterlab.png")
    args = parser.parse_args(argv)
    try:
        seconds = check(args.notebook, args.out)
    except (CheckError, ImportError) as err:
        print(f"browser check failed: {err}", file=sys.stderr)
        return 1
    print(f"JupyterLab rendered {args.notebook} (title, an image output and any stored widget bar) in headless "
          f"Chromium: {seconds:.1f} s from server start to screenshot {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
