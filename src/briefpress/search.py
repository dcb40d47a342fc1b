"""Part of stage 7, distribute: the search index of the web editions, made by Pagefind.

Pagefind runs as its own service process (``pagefind --service``: base64 JSON messages,
each ended by a comma, on its stdin and stdout), started as soon as a build that
distributes begins. Its Japanese word segmenter loads a dictionary the first time it
meets Japanese text: about 1 s of CPU, whatever the size of the site. A warm-up page in
an index of its own makes it load then, while this process is still importing and
parsing, on the core that is otherwise idle, instead of beside the PDF layouts.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import ResourceError

# A sentence per language whose segmenter is slow to load (others load in milliseconds).
WARM_UP = {"ja": "日本語の文章を検索の索引に入れる。"}


def pagefind_binary() -> str:
    """The extended Pagefind binary (it segments Japanese and Chinese words)."""
    from pagefind_bin_extended import get_executable

    return str(get_executable())


class SearchIndex:
    """Pagefind indexing the web editions in *out*: ``start()`` once they are written
    (a build calls it while the PDFs are laid out), ``finish()`` puts the index in
    ``out/pagefind``, ``cancel()`` drops it. *langs*: the site's languages, to warm up.

    Only pages with ``data-pagefind-body`` are indexed (the web editions, not the
    listings); Pagefind keeps one index per page language (``<html lang>``)."""

    def __init__(self, out: Path, langs=()):
        self.out, self.folder, self.work = out, out / "pagefind", out / ".pagefind.tmp"
        shutil.rmtree(self.work, ignore_errors=True)
        self.log = tempfile.TemporaryFile()
        self.sent, self.replies, self.pending, self.adding = 0, {}, b"", None
        try:
            self.process = subprocess.Popen([pagefind_binary(), "--service"],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=self.log)
        except (OSError, ImportError) as exc:  # not installed: pip install -e . adds it
            self.log.close()
            raise ResourceError(f"pagefind failed: {exc}", self.folder) from None
        try:
            warm = [lang for lang in dict.fromkeys(l.split("-")[0].lower() for l in langs)
                    if lang in WARM_UP]
            ids = [self.send({"type": "NewIndex", "config": None})
                   for _ in range(1 + len(warm))]
            self.index_id = self.reply(ids[0])["index_id"]
            for lang, warm_id in zip(warm, ids[1:]):  # its reply is never waited for
                self.send({"type": "AddFile", "index_id": self.reply(warm_id)["index_id"],
                           "url": f"/warm-up/{lang}/", "file_path": None, "file_contents":
                           f"<html lang={lang}><body data-pagefind-body><p>{WARM_UP[lang]}"
                           "</p></body></html>"})
        except BaseException:
            self.cancel()
            raise

    def start(self) -> None:
        """Index the web editions now in *out* (in the service, while this goes on)."""
        if self.adding is None:
            self.adding = self.send({"type": "AddDir", "index_id": self.index_id,
                                     "path": str(self.out)})

    def finish(self) -> Path:
        try:
            self.start()
            self.reply(self.adding)  # the pages are all in: the index can be read
            # its files come back in the reply, written here: WriteFiles may reply
            # before its files are all written
            files = self.reply(self.send({"type": "GetFiles",
                                          "index_id": self.index_id}))["files"]
        except BaseException:
            self.cancel()
            raise
        self.stop()
        try:
            for file in files:
                self.write(file["path"], base64.b64decode(file["content"]))
        except BaseException:
            self.cancel()
            raise
        # The new index replaces the old whole (its files have hashed names).
        shutil.rmtree(self.folder, ignore_errors=True)
        self.work.rename(self.folder)
        return self.folder

    def write(self, name: str, data: bytes) -> None:
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise ResourceError(f"pagefind failed: it named a file outside its index: "
                                f"{name!r}", self.folder)
        if name == "pagefind-entry.json":
            # Pagefind lists the languages in no fixed order: sorted, the same index
            # gives the same bytes
            entry = json.loads(data)
            entry["languages"] = dict(sorted(entry["languages"].items()))
            data = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()
        path = self.work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def cancel(self) -> None:
        self.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout, self.log):
            pipe.close()

    # --- the service's protocol --------------------------------------------------------

    def send(self, payload: dict) -> int:
        self.sent += 1
        message = {"message_id": self.sent, "payload": payload}
        try:
            self.process.stdin.write(base64.b64encode(json.dumps(message).encode()) + b",")
            self.process.stdin.flush()
        except OSError:  # it has ended: reply() says why
            pass
        return self.sent

    def reply(self, message_id: int) -> dict:
        """The service's answer to message *message_id* (an error as a ResourceError)."""
        while message_id not in self.replies:
            while b"," not in self.pending:
                chunk = os.read(self.process.stdout.fileno(), 1 << 16)
                if not chunk:
                    self.process.wait()
                    self.log.seek(0)
                    said = self.log.read().decode("utf-8", "replace").strip()
                    raise ResourceError(f"pagefind failed: it ended (status "
                                        f"{self.process.returncode}) {said}".strip(),
                                        self.folder)
                self.pending += chunk
            data, self.pending = self.pending.split(b",", 1)
            answer = json.loads(base64.b64decode(data))
            if answer.get("message_id") is None:  # a message it could not read
                raise ResourceError(f"pagefind failed: {answer['payload']}", self.folder)
            self.replies[answer["message_id"]] = answer["payload"]
        payload = self.replies.pop(message_id)
        if payload.get("type") == "Error":
            raise ResourceError(f"pagefind failed: {payload.get('message')}", self.folder)
        return payload
