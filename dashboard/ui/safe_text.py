"""Untrusted text (upstream messages, database values, URL values, user input) as plain text.

Streamlit interprets Markdown in ``st.markdown``, ``st.caption``, ``st.error`` and friends,
and in widget labels: an upstream error message ``![x](http://host/beacon.png)`` would load
an image, ``[Session expired](http://evil.example)`` would show a link, and a bare URL is
auto-linked. :func:`escape` backslash-escapes every character Markdown (and Streamlit's own
``:color[...]``, ``:material/...:`` and ``$...$`` extensions) gives meaning to, so the text
shows exactly as it came, and ``<``/``>``/``&`` can never form HTML or an entity either.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character can be backslash-escaped in CommonMark; escaping all of
# them is simpler to trust than choosing. ':' and '/' stop GFM autolinks (http://...) and
# Streamlit's directives; '@' stops e-mail autolinks.
_PUNCTUATION = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
_WWW = re.compile(r"(?i)\b(www)\\\.")


def escape(text: object) -> str:
    """``text`` made inert for any Streamlit Markdown context, one line, shown verbatim."""
    flat = " ".join(str(text).split())
    escaped = _PUNCTUATION.sub(r"\\\1", flat)
    # "www.example.com" is auto-linked even without a scheme; a zero-width joiner breaks it.
    return _WWW.sub("\\1\u2060\\\\.", escaped)


def code(text: object) -> str:
    """``text`` as inline code (no Markdown inside), with backticks in it neutralised."""
    flat = " ".join(str(text).split()).replace("`", "\u02cb")
    return f"`{flat}`"
