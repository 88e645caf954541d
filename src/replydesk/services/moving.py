"""Moving a team in: a whole store copied to another engine (``replydesk store copy``)."""

from __future__ import annotations

from replydesk.domain.errors import UsageError
from replydesk.domain.location import Location, StoreUrl
from replydesk.store import Store
from replydesk.store.copying import Progress, TableCount, copy_store


def copy(src: Location, dst: Location, progress: Progress) -> list[TableCount]:
    """Copy the store at ``src`` into ``dst`` (created if need be; a copy that stopped is
    resumed). Returns each table's count in both, for the check at the end."""
    same = (
        src.url == dst.url
        if isinstance(src, StoreUrl) and isinstance(dst, StoreUrl)
        else src == dst
    )
    if same:
        raise UsageError("SRC and DST are the same store; name another destination")
    with Store(src, create=False) as source, Store(dst) as target:
        return copy_store(source.db, target.db, progress)
