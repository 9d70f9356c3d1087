"""Where guardform keeps what it caches for the user: one folder, shared by every stage that caches."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """``${XDG_CACHE_HOME:-~/.cache}/guardform`` (a relative XDG_CACHE_HOME is ignored, per the spec)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "guardform"
