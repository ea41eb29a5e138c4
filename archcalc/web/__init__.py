"""``archcalc serve``: archcalc in the browser, a local app over the Python API.

The pages (``static/``: plain HTML, CSS and JavaScript, no build step, nothing fetched from
elsewhere) call the JSON endpoints of ``app``, which parse a request, call ``archcalc.api`` and
the one table renderer, and answer with the result or one message. Needs the ``web`` extra:
``pip install 'archcalc[web]'`` (Starlette and uvicorn).
"""

from __future__ import annotations

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def missing() -> str | None:
    """Why ``serve`` cannot run here, or ``None``."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as e:
        return (f"archcalc serve needs the web extra ({e.name} is not installed): "
                "pip install 'archcalc[web]'")
    return None


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False,
          echo=print) -> None:
    """Run the app until interrupted; its temporary folder is removed when it stops."""
    import socket

    import uvicorn

    from ..core.errors import ArchcalcError
    from .app import create_app

    try:                                     # a port in use: one message, not uvicorn's log
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as e:
        raise ArchcalcError(f"--port {port}: cannot listen on {host}:{port} "
                            f"({e.strerror or e})") from None

    app = create_app(remote=host not in LOOPBACK)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, (url,)).start()
    echo(f"archcalc serve: {url} (Ctrl-C stops it)")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
