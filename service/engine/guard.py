"""The engine contract enforced at its edge: one string per input, or an ``EngineFault``.

A backend that raises, returns too few or too many outputs, or returns something that is
not text (a bug, a bad conversion, a native library in a bad state) must fail only the call
that met it, with an error that names the model's role, and never a mismatched answer
handed to the wrong caller. ``OutputGuard`` sits directly on the backend, below every
other wrapper, so metrics, batching and deadlines only ever see well-formed outputs or
this one error. Empty strings are well-formed: the pipeline reports them to the caller as
``empty_output``, and the guard tells its listeners (kind ``empty_output``) without failing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from service.engine.base import Engine, EngineWrapper, GenerationParams, hypotheses_wanted
from service.errors import EngineError, RingkasError

log = logging.getLogger(__name__)

# (role, kind) -> None: told of every fault, e.g. to count it in /metrics.
FaultListener = Callable[[str, str], None]


class EngineFault(EngineError):
    """The model's engine broke its contract on this call (HTTP 500 ``engine_fault``)."""

    default_code = "engine_fault"

    def __init__(self, role: str, kind: str, message: str) -> None:
        super().__init__(f"the {role} model failed on this request ({message}); the "
                         "service keeps serving, and a retry may succeed",
                         details={"role": role, "fault": kind})
        self.role = role
        self.kind = kind


class OutputGuard(EngineWrapper):
    """Checks every output of ``inner``; ``listeners`` hear of each fault found."""

    def __init__(self, inner: Engine, listeners: Sequence[FaultListener] = ()) -> None:
        super().__init__(inner)
        self.listeners = tuple(listeners)

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        out = self._call(self.inner.generate, texts, params)
        self._check_list(out, len(texts), "outputs")
        for item in out:
            self._check_text(item)
        self._count_empty(texts, out)
        return list(out)

    def generate_hypotheses(self, texts: Sequence[str],
                            params: GenerationParams | None = None) -> list[list[str]]:
        out = self._call(self.inner.generate_hypotheses, texts, params)
        self._check_list(out, len(texts), "hypothesis lists")
        wanted = hypotheses_wanted(params)
        checked: list[list[str]] = []
        for hyps in out:
            if not isinstance(hyps, list | tuple) or len(hyps) != wanted:
                self._fault("bad_hypotheses", f"a hypothesis list of {_shape(hyps)} where "
                            f"{wanted} were asked for")
            for item in hyps:
                self._check_text(item)
            checked.append(list(hyps))
        self._count_empty(texts, [hyps[0] for hyps in checked])
        return checked

    def _count_empty(self, texts: Sequence[str], outputs: Sequence[str]) -> None:
        empty = sum(1 for t, o in zip(texts, outputs, strict=True) if t.strip() and not o.strip())
        for _ in range(empty):
            for listener in self.listeners:
                listener(self.info.role, "empty_output")

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        counts = self._call(lambda t, _: self.inner.count_tokens(t), texts, None)
        self._check_list(counts, len(texts), "token counts")
        if not all(isinstance(n, int) for n in counts):
            self._fault("not_a_count", "a token count that is not a whole number")
        return list(counts)

    def _call(self, fn: Callable[[Sequence[str], GenerationParams | None], Any],
              texts: Sequence[str], params: GenerationParams | None) -> Any:
        try:
            return fn(texts, params)
        except RingkasError:
            raise  # the service's own (deadline, input over the window): not a fault
        except Exception as exc:
            self._fault("exception", type(exc).__name__, cause=exc)

    def _check_list(self, out: Any, expected: int, what: str) -> None:
        if not isinstance(out, list | tuple):
            self._fault("not_a_list", f"{_shape(out)} instead of a list of {what}")
        if len(out) != expected:
            self._fault("wrong_count", f"{len(out)} {what} for {expected} input(s)")

    def _check_text(self, item: Any) -> None:
        if not isinstance(item, str):
            self._fault("not_text", f"an output of type {type(item).__name__}")

    def _fault(self, kind: str, message: str, cause: BaseException | None = None) -> Any:
        role = self.info.role
        # The role and the kind of fault only: inputs and outputs are article text.
        log.error("engine fault in %s: %s (%s)", role, kind, message)
        for listener in self.listeners:
            listener(role, kind)
        raise EngineFault(role, kind, message) from cause


def _shape(value: Any) -> str:
    if isinstance(value, list | tuple):
        return f"{len(value)} item(s)"
    return type(value).__name__
