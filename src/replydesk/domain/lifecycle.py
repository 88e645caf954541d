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


# the verb of a move, for the message that refuses it
_VERB = {DELIVERED: "delivered", WITHDRAWN: "withdrawn", BROKEN: "marked broken", OPEN: "reopened"}


def check(promise_id: int, current: PromiseStatus, target: PromiseStatus) -> None:
    """Raise ``IllegalTransition``: one line saying why, and what to do instead."""
    if target in TRANSITIONS[current]:
        return
    undo = f"`replydesk promise undo {promise_id}` (u on the promises board)"
    if current == target:
        raise IllegalTransition(
            f"promise {promise_id} is already {current}; to take that back, {undo}"
        )
    if current in UNDO:
        raise IllegalTransition(
            f"promise {promise_id} is {current}, so it cannot be {_VERB[target]}: "
            f"undo that first with {undo}"
        )
    raise IllegalTransition(
        f"promise {promise_id} is {current}, so it cannot be {_VERB[target]}: "
        "only an open promise changes"
    )


def undo_target(promise_id: int, current: PromiseStatus) -> PromiseStatus:
    """Where an undo takes a promise (always back to open); refused for an open one."""
    if current not in UNDO:
        raise IllegalTransition(
            f"promise {promise_id} is {current}: there is nothing to undo (only a delivery, "
            "a withdrawal or a break is undone)"
        )
    return UNDO[current]
