"""The ``ringkas`` command (``main``): one module per group of subcommands.

``main`` lives in ``service.cli.root`` and is imported on first use, so that importing one
group (a test of ``service.cli.keys``) does not import every command and what they need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import click

    main: click.Group


def __getattr__(name: str) -> Any:
    if name == "main":
        from service.cli.root import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
