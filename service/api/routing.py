"""Views registered at the routes of the contract's table (service/contract/routes.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint
from flask.typing import RouteCallable

from service.contract.routes import Route

View = TypeVar("View", bound=RouteCallable)


def route(bp: Blueprint, declared: Route, *methods: str) -> Callable[[View], View]:
    """Register the decorated view on ``bp`` at ``declared``'s path, for ``methods`` (default:
    every method the table documents for it)."""
    unknown = {m.upper() for m in methods} - set(declared.methods)
    if unknown:  # a method the document would not list
        raise ValueError(f"{declared.path} documents no {sorted(unknown)}")

    def register(view: View) -> View:
        bp.add_url_rule(declared.rule, view_func=view,
                        methods=[m.upper() for m in methods] or list(declared.methods))
        return view

    return register
