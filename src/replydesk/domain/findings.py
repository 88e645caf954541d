"""A house-style finding: which rule a reply breaks, where, and how to fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"  # blocks approval unless a person approves it on purpose
    WARNING = "warning"  # advice


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    start: int
    end: int
    message: str
    fix: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"severity": str(self.severity)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            rule=str(data.get("rule", "")),
            severity=Severity(data.get("severity", "error")),
            start=int(data.get("start", 0)),
            end=int(data.get("end", 0)),
            message=str(data.get("message", "")),
            fix=str(data.get("fix", "")),
        )


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == Severity.ERROR]
