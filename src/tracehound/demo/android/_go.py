"""JSON written the way androidqf's Go code writes it (``json.MarshalIndent(v, "", "    ")``).

Facts: androidqf ``modules/modules.go`` ``saveCommandOutputJson`` indents with four spaces and
adds no final newline; Go's encoder keeps non-ASCII text as UTF-8 and escapes ``<``, ``>`` and
``&`` as ``\\u003c``, ``\\u003e`` and ``\\u0026`` (encoding/json, HTML-safe by default).
"""

from __future__ import annotations

import json
from typing import Any

_HTML = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def _escape(text: str) -> str:
    for char, code in _HTML.items():
        text = text.replace(char, code)
    return text


def go_json(value: Any) -> bytes:
    """``value`` as androidqf saves it: indented JSON, UTF-8, no trailing newline."""
    return _escape(json.dumps(value, indent=4, ensure_ascii=False)).encode("utf-8")


def go_json_line(value: Any) -> str:
    """``value`` as one compact line (Go ``json.Marshal``, the collector's JSON lines)."""
    return _escape(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
