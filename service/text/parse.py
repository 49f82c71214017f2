"""The one reader of markup: HTML or XML text into a BeautifulSoup tree, or InvalidMarkup
(HTTP 400) saying why not. Every parse of a client's markup goes through :func:`parse_markup`
(the compatible APIs, HTML documents, /v1's ``html: true`` articles), so that no parser
failure is a 500 and no route reads markup more leniently than another.

HTML is read as browsers read it (html.parser is lenient: only a few constructs, such as an
unknown marked section ``<![x``, make it give up). XML is read strictly, as DeepL's tag
handling does: lxml's recovery, which bs4's XML builder always uses, silently drops what it
cannot place (a stray end tag takes the rest of the text with it, a bare ``&`` or ``<``
vanishes), so the text is checked well-formed first and refused with the place of the
fault otherwise. No DTD is read and no entity but XML's five is known: a DOCTYPE is kept as
written outside the tree, never parsed, so neither external entities nor a DTD are ever
fetched."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.exceptions import ParserRejectedMarkup
from lxml import etree

from service.errors import InvalidMarkup
from service.languages import Markup

# BeautifulSoup's names: html.parser is stdlib; "xml" is lxml's XML parser (keeps case and
# namespaces, which html.parser would lowercase or drop). html.parser writes whitespace
# between tags as the one space or newline a browser shows (``pre`` keeps its own).
_PARSER = {"html": "html.parser", "xml": "xml"}
# A fragment (several elements, or text around them) has no single root: it is read inside
# this element, which the caller takes off again (:data:`FRAGMENT_ROOT`).
FRAGMENT_ROOT = "ringkas-fragment"

# An element or attribute name with a namespace prefix: "<x:y", "</x:y", ' x:attr='.
_PREFIX = re.compile(r"(?:</?|\s)([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*(?=[\s/>=])")
# The prolog's pieces, each with one way to match (so a text that does not close them
# costs linear time): a quoted literal (a DOCTYPE's system id, an entity's value, where "]"
# and ">" may stand), a comment, a processing instruction (the XML declaration is one).
_LITERAL = r"\"[^\"]*\"|'[^']*'"
_COMMENT = r"<!--(?:[^-]|-(?!->))*-->"
_PI = r"<\?(?:[^?]|\?(?!>))*\?>"
# What may stand before an XML document's root: a byte-order mark, the declaration, a
# DOCTYPE (with its internal subset of declarations, comments and literals), comments and
# processing instructions. Kept as written, never parsed: inside the fragment wrapper lxml
# would drop the document around them, and a DOCTYPE parsed could name external entities.
_SUBSET = rf"\[(?:{_COMMENT}|{_PI}|{_LITERAL}|[^\]\"'<]|<(?!!--|\?))*\]"
_PROLOG = re.compile(
    rf"\A\ufeff?(?:\s+|{_PI}|{_COMMENT}|<!DOCTYPE(?:[^\[>\"']|{_LITERAL}|{_SUBSET})*>)*")
# A character XML 1.0 does not allow (its Char production), written as itself.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Strict, and closed to the outside: no DTD loaded, no entity substituted, no network.
_STRICT = dict(resolve_entities=False, load_dtd=False, no_network=True, recover=False)


def split_prolog(text: str) -> tuple[str, str]:
    """An XML document's prolog (byte-order mark, declaration, DOCTYPE, leading comments
    and processing instructions, as written) and the rest."""
    end = _PROLOG.match(text)
    at = end.end() if end else 0
    return text[:at], text[at:]


def parse_markup(text: str, markup: Markup) -> BeautifulSoup:
    """``text`` as a tree; an XML text's prolog is left out (:func:`split_prolog`) and the
    rest is inside a :data:`FRAGMENT_ROOT` element."""
    if markup == "xml":
        prolog, body = split_prolog(text)
        # The prefixes the fragment uses are declared on the wrapper, so that none is lost
        # (an element's own xmlns: declaration still wins).
        spaces = "".join(f' xmlns:{p}="urn:ringkas:prefix:{p}"'
                         for p in sorted(set(_PREFIX.findall(body)) - {"xml", "xmlns"}))
        opening = f"<{FRAGMENT_ROOT}{spaces}>"
        wrapped = f"{opening}{body}</{FRAGMENT_ROOT}>"
        _check_well_formed(text, prolog, wrapped, len(opening))
        return BeautifulSoup(wrapped, _PARSER["xml"])
    try:
        return BeautifulSoup(text, _PARSER["html"])
    except ParserRejectedMarkup:
        raise InvalidMarkup("the HTML cannot be parsed (for instance an unterminated "
                            "declaration or an unknown marked section such as '<![x')"
                            ) from None


def _check_well_formed(text: str, prolog: str, wrapped: str, opening: int) -> None:
    bad = _NOT_XML_CHAR.search(text)
    if bad:
        raise _not_well_formed(f"U+{ord(bad.group()):04X} is a character XML does not allow",
                               *_place(text, bad.start()))
    try:
        etree.fromstring(wrapped, etree.XMLParser(**_STRICT))
    except etree.XMLSyntaxError as exc:
        # lxml's position is in the wrapped fragment (1-based, in characters): the same
        # place in the client's text, or its end for a fault found at the closing wrapper.
        line, column = exc.position
        starts = [0] + [i + 1 for i, c in enumerate(wrapped) if c == "\n"]
        at = starts[min(line, len(starts)) - 1] + column - 1 - opening
        at = len(prolog) + min(max(at, 0), len(wrapped) - opening - len(f"</{FRAGMENT_ROOT}>"))
        raise _not_well_formed(_reason(exc), *_place(text, at)) from None


def _reason(exc: etree.XMLSyntaxError) -> str:
    """lxml's message, without its own position and in terms of the client's text (the
    wrapper element is ours)."""
    message = re.sub(r", line \d+, column \d+$", "", str(exc.msg))
    if FRAGMENT_ROOT in message:
        mismatch = re.match(rf"Opening and ending tag mismatch: (\S+) line \d+ and "
                            rf"{FRAGMENT_ROOT}$", message)
        if mismatch:
            return f"<{mismatch.group(1)}> is not closed"
        stray = re.match(rf"Opening and ending tag mismatch: {FRAGMENT_ROOT} line \d+ and "
                         r"(\S+)$", message)
        if stray:
            return f"</{stray.group(1)}> closes an element that is not open"
        message = message.replace(FRAGMENT_ROOT, "the text")
    if message.startswith("Excessive depth in document"):
        return "elements are nested deeper than 256, the XML parser's limit"
    if message.startswith("Entity '"):
        message += " (only &amp; &lt; &gt; &quot; &apos; and character references are read; " \
                   "no DTD is)"
    return message


def _place(text: str, at: int) -> tuple[int, int]:
    """The 1-based line and column of ``text[at]``."""
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def _not_well_formed(reason: str, line: int, column: int) -> InvalidMarkup:
    return InvalidMarkup(f"the XML cannot be parsed: it is not well-formed ({reason}; at "
                         f"line {line}, column {column})")
