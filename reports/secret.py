"""`Secret`: a credential that never shows itself.

It imports nothing of the package's, so anything may hold one (settings, the HTTP layer's
token renewal, the sandbox) without importing what reads the settings.
"""

from __future__ import annotations


class Secret:
    """A string that never shows itself in `repr`, `str`, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
