"""Start JupyterLab for this collection: loopback only, token on, a free port.

Used by ``make lab`` and by the browser tests (tests/browser/conftest.py), so
the server the tests drive is started the way a learner starts it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
from pathlib import Path

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parent.parent
FIRST_NOTEBOOK = "notebooks/00_start_here.ipynb"


def port_is_free(port: int, host: str = HOST) -> bool:
    """True when nothing listens on ``host:port`` (we can bind it ourselves)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def find_free_port(start: int = 8888, tries: int = 50, host: str = HOST) -> int:
    """The first free port in ``[start, start + tries)``; ``OSError`` if none is."""
    for port in range(start, start + tries):
        if port_is_free(port, host):
            return port
    raise OSError(
        f"no free port on {host} in {start}-{start + tries - 1}; "
        f"stop another Jupyter server or run 'make lab PORT=<port>'"
    )


def lab_command(
    port: int,
    token: str,
    notebook: str | None = FIRST_NOTEBOOK,
    *,
    open_browser: bool = True,
    root_dir: Path = REPO,
    extra: list[str] | None = None,
) -> list[str]:
    """The argv that starts JupyterLab bound to 127.0.0.1 with ``token``."""
    if not token:
        raise ValueError("refusing to start JupyterLab without a token (got an empty token)")
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
    ]
    if not open_browser:
        argv.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")
    argv += extra or []
    if notebook:
        argv.append(notebook)
    return argv


def lab_url(port: int, token: str, notebook: str | None = FIRST_NOTEBOOK) -> str:
    path = f"lab/tree/{notebook}" if notebook else "lab"
    return f"http://{HOST}:{port}/{path}?token={token}"


def main(args: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8888, help="first port to try (8888)")
    parser.add_argument("--notebook", default=FIRST_NOTEBOOK, help="notebook to open")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    opts = parser.parse_args(args)

    port = find_free_port(opts.port)
    if port != opts.port:
        print(f"Port {opts.port} is in use (another Jupyter?); using port {port} instead.")
    token = secrets.token_hex(24)
    print("\nJupyterLab is starting. Open this address in your browser:\n")
    print(f"    {lab_url(port, token, opts.notebook)}\n")
    print("Stop it with Ctrl-C (twice).\n", flush=True)
    argv = lab_command(port, token, opts.notebook, open_browser=not opts.no_browser)
    os.chdir(REPO)
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
