"""Text a writer built as UTF-8 bytes, written to a text stream without decoding it where the stream allows."""

from __future__ import annotations

import codecs
import os
from typing import TextIO


def write_utf8(out: TextIO, data: bytes | memoryview) -> None:
    """UTF-8 text written to ``out``: as bytes to the file under it when it writes UTF-8 with ``\\n`` line ends.

    Decoding a chunk's text into a Python string only for ``out`` to encode it back costs as much as building it.
    """
    binary = getattr(out, "buffer", None)
    try:
        utf8 = codecs.lookup(out.encoding).name == "utf-8"
    except (AttributeError, LookupError, TypeError):
        utf8 = False
    if binary is None or not utf8 or os.linesep != "\n":
        out.write(bytes(data).decode("utf-8"))
        return
    out.flush()
    binary.write(data)
