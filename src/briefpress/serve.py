"""``briefpress serve``: preview the site on 127.0.0.1 with live reload.

It serves the out folder with Python's ``http.server`` and runs the ``watch`` loop: a
saved file rebuilds the outputs it touches, then the listings (``distribute``), then
every open page reloads. The pages on disk carry no script for this: the server adds
a few lines to each HTML page it sends, which wait on ``/__reload`` (server-sent
events) for the next build.
"""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from . import project
from .errors import BriefpressError, ErrorList, ToolError
from .logs import PROGRESS
from .watch import affected, rebuild, snapshot
from .distribute import distribute

RELOAD = b"""<script>new EventSource("/__reload").addEventListener("reload",
() => location.reload());</script>"""


class Builds:
    """A counter of finished builds that request threads can wait on."""

    def __init__(self):
        self.number = 0
        self.changed = threading.Condition()
        self.closing = False

    def done(self) -> None:
        with self.changed:
            self.number += 1
            self.changed.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.number != seen or self.closing, timeout)
            return self.number


class Handler(SimpleHTTPRequestHandler):
    builds: Builds

    def log_message(self, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self):
        if self.path == "/__reload":
            return self.events()
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            data = path.read_bytes()
            at = data.rfind(b"</body>")
            data = data[:at] + RELOAD + data[at:] if at >= 0 else data + RELOAD
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return None
        return super().do_GET()

    def events(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        seen = self.builds.number
        try:
            while not self.builds.closing:
                now = self.builds.wait(seen, timeout=15)
                if self.builds.closing:
                    break
                self.wfile.write(b"event: reload\ndata: \n\n" if now != seen else b": idle\n\n")
                self.wfile.flush()
                seen = now
        except (BrokenPipeError, ConnectionResetError):
            pass


def make_server(out: Path, port: int, builds: Builds) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"builds": builds})
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(out)))
    server.daemon_threads = True
    return server


def serve(root: Path, out: Path, formats: tuple[str, ...] = ("pdf", "epub", "html"), *,
          port: int = 8000, interval: float = 0.2, stop=lambda: False,
          ready=None) -> None:
    """Build what is missing, serve *out* and rebuild on every change until *stop()*
    is true or Ctrl-C. *ready(url)* is called once the server listens. What it does
    goes to the ``briefpress.progress`` logger."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        if not (out / "index.html").exists():
            project.build(root, out, formats=formats)
        distribute(root, out)
    except ErrorList as exc:
        PROGRESS.error("%s", "\n".join(str(e) for e in exc.errors))
    except (BriefpressError, ToolError) as exc:
        PROGRESS.error("%s", exc)
    builds = Builds()
    server = make_server(out, port, builds)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    PROGRESS.info("serving %s at %s (Ctrl-C to stop)", out, url)
    if ready:
        ready(url)
    before = snapshot(root)
    try:
        while not stop():
            builds.changed.acquire()
            builds.changed.wait(interval)  # a sleep that a closing server can cut short
            builds.changed.release()
            now = snapshot(root)
            changed = [p for p in now if before.get(p) != now[p]]
            before = now
            if changed:
                rebuild(root, out, affected(root, changed), formats)
                try:
                    distribute(root, out)
                except (BriefpressError, ToolError) as exc:
                    PROGRESS.error("%s", exc)
                builds.done()
    finally:
        with builds.changed:
            builds.closing = True
            builds.changed.notify_all()
        server.shutdown()
        server.server_close()
        PROGRESS.info("stopped serving")
