"""Declarative request bodies: one description per field that both validates requests (with
``jsonschema``) and becomes the OpenAPI document, so the two cannot drift apart.

A field's JSON Schema may depend on the running configuration (limits, served strategies):
it is then a function of a :class:`SpecContext`. Structural checks live here; what JSON
Schema cannot say with our error codes (empty text, lone surrogates, limits answered with
413) stays in the parse functions of :mod:`service.contract.requests`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from service.config import Limits
from service.errors import InvalidField, MalformedRequest

Schema = Mapping[str, Any]
_STRUCTURAL = frozenset({"type", "minItems", "oneOf"})


@dataclass(frozen=True)
class SpecContext:
    """What a schema may depend on: the configured limits and the strategies served."""

    limits: Limits = field(default_factory=Limits)
    strategies: Collection[str] = ()


@dataclass(frozen=True)
class Field:
    schema: Schema | Callable[[SpecContext], Schema]
    description: str
    required: bool = False
    code: str = "invalid_type"  # the error code when a value breaks the schema...
    type_code: str = "invalid_type"  # ...and when it has the wrong JSON type or is empty
    message: str | Callable[[SpecContext], str] = ""  # what a person reads then
    # Extra error details from the context (e.g. the limit a count broke).
    details: Callable[[SpecContext], dict[str, Any]] | None = None

    def schema_for(self, ctx: SpecContext) -> Schema:
        return self.schema(ctx) if callable(self.schema) else self.schema


@dataclass(frozen=True)
class ObjectSpec:
    """A JSON object request body: its fields, none other allowed (unless ``open``)."""

    name: str
    description: str
    fields: Mapping[str, Field]
    # Other fields are accepted and ignored, as DeepL's API does; ringkas's own are strict.
    open: bool = False

    def json_schema(self, ctx: SpecContext) -> dict[str, Any]:
        props = {}
        for name, f in self.fields.items():
            props[name] = {**f.schema_for(ctx), "description": f.description}
        schema: dict[str, Any] = {"type": "object", "description": self.description,
                                  "properties": props, "additionalProperties": self.open}
        required = [name for name, f in self.fields.items() if f.required]
        if required:
            schema["required"] = required
        return schema

    def validate(self, body: Any, ctx: SpecContext) -> Mapping[str, Any]:
        """The body with each absent field's schema default filled in (the default the
        OpenAPI document states is the one applied), or the first problem as a RingkasError
        with its code."""
        if not isinstance(body, Mapping):
            raise MalformedRequest("the request body must be a JSON object",
                                   code="not_an_object")
        unknown = sorted(set(body) - set(self.fields))
        if unknown and not self.open:
            # Strict on purpose: a typo like "lenght" must not silently use the default.
            raise InvalidField(unknown[0], f"unknown field {unknown[0]!r}; allowed: "
                               f"{', '.join(sorted(self.fields))}", code="unknown_field")
        defaults: dict[str, Any] = {}
        for name, f in self.fields.items():
            schema = f.schema_for(ctx)
            if name not in body:
                if f.required:
                    raise InvalidField(name, f"{name} is required", code="missing_field")
                if "default" in schema:
                    defaults[name] = copy.deepcopy(schema["default"])
                continue
            validator = Draft202012Validator(dict(schema))
            error = next(iter(validator.iter_errors(body[name])), None)
            if error is not None:
                # Never jsonschema's own message: it quotes the value (article text).
                message = ((f.message(ctx) if callable(f.message) else f.message) or
                           f"{name} breaks its schema ({error.validator})")
                structural = error.validator in _STRUCTURAL
                exc = InvalidField(name, message, code=f.type_code if structural else f.code)
                if f.details:
                    exc.details.update(f.details(ctx))
                raise exc
        return {**defaults, **body}
