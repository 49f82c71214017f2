"""GET / : the web page (static HTML, CSS and JS from service/web/, no build step).

The page calls the JSON API from the browser; it holds no server-side state. Its assets are
public (no API key: the page asks for one when the API needs it) and carry a strict
Content-Security-Policy: scripts and styles from this origin only, no inline code.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory

from service.api.routing import route
from service.contract import routes

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
bp = Blueprint("web", __name__, static_folder=str(WEB_DIR),
               static_url_path=routes.WEB_ASSETS.public_prefix.rstrip("/"))

_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


@route(bp, routes.WEB)
def index() -> Response:
    return send_from_directory(WEB_DIR, "index.html", max_age=0)


@bp.after_request  # this blueprint's responses only: other pages set their own policy
def secure_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", _CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
