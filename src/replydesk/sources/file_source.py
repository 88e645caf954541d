"""A CSV or JSONL file re-read on each sync (same fields as ``replydesk import``).

A bad line is reported as malformed (with its line number and reason) and the good ones
land; the cursor (the file's digest) moves on all the same, so one bad line never blocks
the syncs after it. Only a file that could not be read to the end is read again next time.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from replydesk.domain.errors import InputError, SourceError
from replydesk.ingest import LineError, read_file
from replydesk.sources.base import FetchResult, Source


class FileSource(Source):
    kind = "file"

    def fetch(self, cursor: dict[str, str]) -> FetchResult:
        path = Path(self.options["path"]).expanduser()
        if not path.is_file():
            raise SourceError(f"{path}: no such file")
        try:
            digest = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        except OSError as exc:
            raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from None
        result = FetchResult(cursor={"digest": digest})
        if cursor.get("digest") == digest:
            return result  # unchanged since the last sync: nothing to read
        try:
            items = read_file(path, self.name)
        except InputError as exc:
            raise SourceError(str(exc)) from None
        line = 0
        while True:
            try:
                line, item = next(items)
            except StopIteration:
                break
            except Exception as exc:  # the reading stopped here: keep what was read
                reason = f"could not be read ({type(exc).__name__}: {exc})"[:200]
                result.malformed.append(str(LineError(line + 1, reason)))
                result.cursor = {}  # read the whole file again next time
                break
            if isinstance(item, LineError):
                result.malformed.append(str(item))
                if item.stopped:
                    result.cursor = {}  # the file failed part-way: read it again next time
            else:
                result.reviews.append(item)
        return result
