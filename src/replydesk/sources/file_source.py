"""A CSV or JSONL file re-read on each sync (same fields as ``replydesk import``)."""

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
        digest = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        result = FetchResult(cursor={"digest": digest})
        if cursor.get("digest") == digest:
            return result  # unchanged since the last sync: nothing to read
        try:
            for _line, item in read_file(path, self.name):
                if isinstance(item, LineError):
                    result.malformed.append(str(item))
                else:
                    result.reviews.append(item)
        except InputError as exc:
            raise SourceError(str(exc)) from None
        return result
