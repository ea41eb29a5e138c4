"""Shared fixtures: one ``archcalc serve`` app on a free loopback port for the whole session
(the web tests and the browser tests use the same server); no test sees the developer's COLUMNS
(the text tables are fitted to it: each test says the width it means, or gets the default)."""

from __future__ import annotations

import socket
import threading
import time

import pytest


@pytest.fixture(autouse=True)
def _no_columns(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture(scope="session")
def web_url():
    """The base URL of a running ``archcalc serve`` app (skips without the web extra)."""
    pytest.importorskip("starlette", reason="the web extra is not installed: "
                                            "pip install 'archcalc[web]'")
    uvicorn = pytest.importorskip("uvicorn", reason="the web extra is not installed: "
                                                    "pip install 'archcalc[web]'")
    from archcalc.web.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(300):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "the app did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()
