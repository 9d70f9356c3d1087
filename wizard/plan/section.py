"""What a decision module returns: its part of the plan, its controls and its checkov skips."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from wizard.plan.model import Control, Skip

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class Section(Generic[T]):
    value: T
    controls: tuple[Control, ...] = ()
    skips: tuple[Skip, ...] = ()


@dataclass(kw_only=True)
class Ledger:
    """Controls and skips a decision module collects, in the order the README tables list them."""

    controls: list[Control] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)

    def control(
        self, cid: str, title: str, *, on: bool, reason: str, module: str, checks: tuple[str, ...] = ()
    ) -> None:
        self.controls.append(Control(id=cid, title=title, enabled=on, reason=reason, module=module, checks=checks))

    def skip(self, check_id: str, *, module: str, resource: str, reason: str) -> None:
        self.skips.append(Skip(check_id=check_id, module=module, resource=resource, reason=reason))

    def section(self, value: T) -> Section[T]:
        return Section(value=value, controls=tuple(self.controls), skips=tuple(self.skips))
