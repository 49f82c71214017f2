"""What every command line shares (``ringkas`` and its subcommands, ``ringkas eval``):
--models, --model ROLE=ID[@REV], --config into settings; --service and --api-key into a
client; a RingkasError printed for a person; a subcommand imported on first use."""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any, TypeVar

import click
from ringkas_client import RingkasClientError

from service.config import Settings
from service.errors import RingkasError

F = TypeVar("F", bound=Callable[..., Any])


def invoked_as(argv0: str | None = None) -> str:
    """How the person ran ringkas, for the commands a message tells them to run: ``ringkas``
    when that is what their PATH finds, else the path they typed (``.venv/bin/ringkas``),
    or ``python -m service``."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    name = os.path.basename(argv0)
    if name == "__main__.py" and os.path.basename(os.path.dirname(argv0)) == "service":
        return f"{sys.executable} -m service"
    if not name.startswith("ringkas"):  # run from other code: the command's own name
        return "ringkas"
    found = shutil.which(name)
    if found is not None and os.path.realpath(found) == os.path.realpath(argv0):
        return name
    return argv0


def for_a_person(message: str) -> str:
    """``message`` with the commands it names (`ringkas …`) as this person runs them."""
    prog = invoked_as()
    return message if prog == "ringkas" else message.replace("`ringkas ", f"`{prog} ")


def friendly_errors(fn: F) -> F:
    """A RingkasError (or a service's error, through the client) is a message for a person:
    print it, no stack trace, exit 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (RingkasError, RingkasClientError) as exc:  # the service's own, or a service's
            click.echo(f"error [{exc.code}]: {for_a_person(exc.message)}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def service_options(fn: F) -> F:
    """``--service URL`` / ``--api-key``: send the work to a running ringkas instead of
    loading models here. Passes ``client`` (None without --service)."""

    @click.option("--service", "service_url", envvar="RINGKAS_SERVICE_URL", default=None,
                  metavar="URL", help="Use the ringkas service at URL instead of local models. "
                  "[env RINGKAS_SERVICE_URL]")
    @click.option("--api-key", envvar="RINGKAS_API_KEY", default=None,
                  help="API key for --service. [env RINGKAS_API_KEY]")
    @wraps(fn)
    def wrapper(*args: Any, service_url: str | None, api_key: str | None, **kwargs: Any) -> Any:
        client = None
        if service_url:
            from service.client import RingkasClient

            client = RingkasClient(service_url, api_key=api_key, retries=3)
        return fn(*args, client=client, **kwargs)

    return wrapper  # type: ignore[return-value]


def _model_overrides(values: tuple[str, ...]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for value in values:
        role, sep, ref = value.partition("=")
        if not sep or not role or not ref:
            raise click.BadParameter(f"{value!r}: use ROLE=MODEL_ID[@REVISION] or ROLE=DIR",
                                     param_hint="--model")
        overrides[role.strip()] = ref.strip()
    return overrides


def settings_options(fn: F) -> F:
    """Adds the options and passes ``settings`` (built from them and the environment)."""

    @click.option("--config", "config_file", envvar="RINGKAS_CONFIG",
                  type=click.Path(dir_okay=False), help="A TOML settings file.")
    @click.option("--model", "model_refs", multiple=True, metavar="ROLE=ID[@REV]",
                  help="Use this hub model (at this revision) or directory for ROLE.")
    @click.option("--models", "models_dir", envvar="RINGKAS_MODELS_DIR",
                  type=click.Path(file_okay=False),
                  help="Directory with one model directory per role (make-tiny's layout).")
    @wraps(fn)
    def wrapper(*args: Any, config_file: str | None, model_refs: tuple[str, ...],
                models_dir: str | None, **kwargs: Any) -> Any:
        settings = Settings.from_env(models_dir=models_dir, config_file=config_file,
                                     model_overrides=_model_overrides(model_refs))
        return fn(*args, settings=settings, **kwargs)

    return wrapper  # type: ignore[return-value]


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
