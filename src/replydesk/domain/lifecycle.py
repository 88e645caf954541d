"""The promise life cycle, in one table.

A promise is born open. From open it is delivered (the fix shipped, the refund went out),
withdrawn (it was not a promise after all) or broken (we will not keep it, and say so).
Nothing leaves those three but an undo, which puts the promise back to open: a delivery
recorded by mistake must not stay on the books, nor tell the customer it is done.
"""

from __future__ import annotations

from replydesk.domain.errors import IllegalTransition
from replydesk.domain.models import PromiseStatus

OPEN, DELIVERED, WITHDRAWN, BROKEN = (
    PromiseStatus.OPEN,
    PromiseStatus.DELIVERED,
    PromiseStatus.WITHDRAWN,
    PromiseStatus.BROKEN,
)

TRANSITIONS: dict[PromiseStatus, frozenset[PromiseStatus]] = {
    OPEN: frozenset({DELIVERED, WITHDRAWN, BROKEN}),
    DELIVERED: frozenset(),
    WITHDRAWN: frozenset(),
    BROKEN: frozenset(),
}
UNDO: dict[PromiseStatus, PromiseStatus] = {DELIVERED: OPEN, WITHDRAWN: OPEN, BROKEN: OPEN}


def check(promise_id: int, current: PromiseStatus, target: PromiseStatus) -> None:
    """Raise ``IllegalTransition`` naming what is possible instead."""
    if target in TRANSITIONS[current]:
        return
    if current == target:
        raise IllegalTransition(f"promise {promise_id} is already {current}")
    hint = "undo that first" if current in UNDO else "only an open promise changes"
    raise IllegalTransition(f"promise {promise_id} is {current}, so it cannot be {target}: {hint}")


def undo_target(promise_id: int, current: PromiseStatus) -> PromiseStatus:
    if current not in UNDO:
        raise IllegalTransition(f"promise {promise_id} is {current}: there is nothing to undo")
    return UNDO[current]
