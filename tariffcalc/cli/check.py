"""``tariffcalc check``: every problem of a basket, without computing anything."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from .app import app, codec, errors_to_exit_codes, note, say
from .options import BASKET, DEBUG, DECIMAL_COMMA, ENCODING, HTS_OPTION, INPUT_FORMAT, InputFormatOption


@app.command()
def check(
    basket: str = BASKET,
    input_format: Optional[InputFormatOption] = INPUT_FORMAT,
    encoding: str = ENCODING,
    decimal_comma: bool = DECIMAL_COMMA,
    hts: Optional[str] = HTS_OPTION,
    debug: bool = DEBUG,
) -> None:
    """Check a basket without computing anything: every problem on stderr, exit 2 if there is any."""
    with errors_to_exit_codes(debug):
        from ..goods.chunks import CheckedChunks, basket_chunks
        from ..hts.official import OfficialHts
        from ..output.text import money

        chunks = basket_chunks(basket, input_format.value if input_format else None, codec(encoding), decimal_comma)
        official = OfficialHts(hts, dt.date.today(), tell=note)
        checked = CheckedChunks(official.chunks(chunks), skip_invalid=False)
        value = sum(int(chunk.value_cents.sum()) for chunk in checked)
        say(f"OK: {checked.lines:,} line(s), USD {money(value)}")
