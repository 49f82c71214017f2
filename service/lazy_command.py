"""``ringkas`` subcommands defined in other packages, imported only when they are used.

``ringkas eval`` lives in eval/, which imports service: importing it here at module level
made service and eval import each other, and loaded the evaluation code into every server.
"""

from __future__ import annotations

import importlib
from functools import cached_property
from typing import Any

import click


class LazyCommand(click.Command):
    """A command that stands for ``module:attribute`` and imports it on first use (running
    it, its help, or its line in ``ringkas --help``)."""

    def __init__(self, name: str, target: str) -> None:
        super().__init__(name)
        self.target = target

    @cached_property
    def command(self) -> click.Command:
        module, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.target} is not a click command")
        return command

    # The group parses, runs and describes its subcommands through these.
    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        return self.command.make_context(info_name, args, parent=parent, **extra)

    def get_short_help_str(self, limit: int = 45) -> str:
        return self.command.get_short_help_str(limit)

    def to_info_dict(self, ctx: click.Context) -> dict[str, Any]:
        return self.command.to_info_dict(ctx)


eval_command = LazyCommand("eval", "eval.cli:eval_command")
