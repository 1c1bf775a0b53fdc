"""What a check is: :class:`Check`, :class:`Assignment`, :class:`CheckResult`, and the cache one run shares.

The assignments' modules (:mod:`.users`, :mod:`.mfa`, ...) build on these; :mod:`labkit.checks`
collects them and runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from ..sandbox import Lab

T = TypeVar("T")

__all__ = ["Check", "Assignment", "CheckResult", "once_per_run", "run_cache"]

# What the checks of one run_checks share (e.g. the scorecard); a context variable, so that two
# threads running checks at once never share one.
run_cache: ContextVar[dict[str, Any] | None] = ContextVar("labkit_checks_run_cache", default=None)


def once_per_run(key: str, compute: Callable[[], T]) -> T:
    """``compute()``, computed once per :func:`run_checks` and shared by its checks.

    Several checks read the same scorecard; within one run the account does not change
    (checks that try something put everything back), so they share one reading. Outside a
    run, ``compute()`` is called every time.
    """
    cache = run_cache.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cast(T, cache[key])


@dataclass(frozen=True)
class Check:
    """One graded fact about the sandbox account.

    ``test(lab)`` reads the account through the AWS API and returns ``True``/
    ``False`` or ``(passed, detail)``; ``hint`` is shown when it fails.
    """

    id: str
    points: int
    description: str
    hint: str
    test: Callable[[Lab], bool | tuple[bool, str]]


@dataclass(frozen=True)
class Assignment:
    """An exercise: its starting scenario and its checks."""

    id: str
    title: str
    scenario: str
    checks: tuple[Check, ...]

    @property
    def max_score(self) -> int:
        """The points for passing every check."""
        return sum(c.points for c in self.checks)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check."""

    id: str
    description: str
    points: int
    max_points: int
    passed: bool
    hint: str
    detail: str
