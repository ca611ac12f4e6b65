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

# The characters that open Markdown or HTML syntax anywhere in a line (CommonMark lets any
# ASCII punctuation be backslash-escaped; escaping only these keeps messages readable, e.g.
# "pue='abc'", "vastai (rental)"). With '[' and ']' escaped no link or image can form;
# '<' '>' stop HTML and <http://...> autolinks; ':' stops GFM autolinks (http://, mailto:)
# and Streamlit's :color[...] and :material/...: directives; '$' its LaTeX; '@' e-mail links.
_INLINE = re.compile(r"([\\`*_\[\]<>&:$~@])")
# Line-start syntax: headings, quotes, lists; the text is flattened to one line first.
_LINE_START = re.compile(r"^(\d+)\.|^([-+#])")
# Escapes alone do not stop GFM's autolink literals (the browser test showed
# "http\://host" still linked): a word joiner (U+2060, invisible) inside the scheme, after
# "www" and after "@" breaks the pattern while the text reads the same.
_WWW = re.compile(r"(?i)\b(www)\.")
_SCHEME = re.compile(r"(?i)\b(https?|ftps?|mailto|xmpp)\\:")


def escape(text: object) -> str:
    """``text`` made inert for any Streamlit Markdown context, one line, shown verbatim."""
    flat = " ".join(str(text).split())
    escaped = _INLINE.sub(r"\\\1", flat)
    escaped = _LINE_START.sub(
        lambda m: f"{m.group(1)}\\." if m.group(1) else f"\\{m.group(2)}", escaped
    )
    escaped = _SCHEME.sub("\\1\u2060\\\\:", escaped).replace("\\@", "\\@\u2060")
    return _WWW.sub("\\1\u2060.", escaped)
