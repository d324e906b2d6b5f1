"""Re-exports that load their module on first use.

A stage's ``__init__`` names what other stages use from it without importing it: the
dashboard and the command line import a stage's light modules without paying for its heavy
ones (librosa, umap-learn, scikit-learn load only when a name that needs them is used).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(
    package: str, names: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: ``names`` maps an exported name to
    the module (relative to ``package``) that defines it."""

    def __getattr__(name: str) -> Any:  # noqa: N807 — the module protocol's name
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module, package), name)

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(names)

    return __getattr__, __dir__
