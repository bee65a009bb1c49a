"""What the project's TOML configuration files share: the error type and the tree helpers."""

from __future__ import annotations

from typing import Any


class ConfigError(ValueError):
    """A configuration file with a missing or unreasonable key; the message names the key."""


def merge(into: dict, new: dict) -> None:
    """Deep-merge `new` into `into` (tables merge key by key, values replace)."""
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            merge(into[k], v)
        else:
            into[k] = v


def need(d: dict, path: str) -> Any:
    """The value at a dotted path, or ConfigError naming the missing key."""
    node: Any = d
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(f"missing key {path}")
        node = node[part]
    return node
