"""Start and stop `python app.py` for the web benchmarks: on loopback, a free port, its output drained.

Shared by startup_web.py, load_web.py and publish_web.py so they all launch the app the same way.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch_app(settings: dict[str, str], timeout: float = 180) -> tuple[subprocess.Popen, str]:
    """Run app.py with these BUDGET_QA_* settings on a free loopback port; return it and its URL.

    Waits at most ``timeout`` seconds for the "running at" line, then keeps draining the output so the
    app never blocks on a full pipe.
    """
    env = os.environ | {
        "BUDGET_QA_PORT": str(free_port()),
        "BUDGET_QA_HOST": "127.0.0.1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
    } | settings
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        if "running at" in line:
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return proc, line.split("running at", 1)[1].strip()
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit("the app did not start (run `python app.py` by hand to see why)")


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
