"""Which official HTS a run uses, and applying it to each chunk of a basket.

``estimate``, ``compare`` and ``timeline`` choose the HTS the same way
(:func:`tariffcalc.hts.store.choose`: ``--hts``, else ``$TARIFFCALC_HTS``,
else the imported store when the basket has no ``mfn_rate`` column), and
take the MFN duties of each chunk from it (:func:`tariffcalc.hts.mfn.apply_hts`).
What a person should be told along the way (which HTS is used) goes to
``tell``, a callable taking one line of text; the warnings found go into
the run's notices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from ..errors import InputError, Problem
from ..goods.basket import Basket
from ..notices import Notice, merge
from .store import ENV_HTS, choose, load_hts


def _silent(message: str) -> None:
    """A ``tell`` that tells nobody."""


class OfficialHts:
    """Applies the chosen HTS to each chunk of a basket, and keeps its warnings for the summary."""

    def __init__(self, option: str | None, day: dt.date, tell: Callable[[str], None] | None = None):
        self.option, self.day = option, day
        self.tell = tell or _silent
        #: The HTS in use, once the first chunk has been seen (None: none).
        self.tariff = None
        self.pending: list[Notice] = []

    def chunks(self, chunks: Iterator[Basket]) -> Iterator[Basket]:
        """The chunks with their MFN duties from the HTS (unchanged when there is none to use)."""
        path, why = choose(self.option)
        first = True
        for basket in chunks:
            if first and path is not None:
                # The imported store is used unless every line gives its own mfn_rate: empty cells take the HTS rate.
                text = basket.text("mfn_rate")
                wanted = why != "the imported store" or text is None or (text.astype(str).str.strip() == "").any()
                first = not wanted
                if wanted:
                    self.tariff = load_hts(path)
                    self.tell(f"MFN duties from the {self.tariff.edition} ({why}: {path}; --hts none to leave it out)")
            if self.tariff is not None:
                from .mfn import apply_hts  # here: a run without an HTS does not load the HTS modules

                basket, notices = apply_hts(basket, self.tariff, self.day)
                self.pending += notices
            yield basket

    def chosen(self) -> bool:
        """Whether an HTS is chosen (``--hts``, ``$TARIFFCALC_HTS`` or the imported store), to be applied to the
        chunks where their lines need it."""
        return choose(self.option)[0] is not None

    def refuse_for(self, what: str) -> None:
        """For a way of computing that does not apply the HTS (``--engine dask``): refuse an HTS asked for, say so for the imported one."""
        path, why = choose(self.option)
        if path is None:
            return
        if why != "the imported store":
            raise InputError(Problem(why, f"{what} does not apply the official HTS yet; use --engine pandas, or --hts none"))
        self.tell(f"{what} does not apply the imported HTS ({path}): MFN rates come from the basket's mfn_rate only")

    def take_notices(self) -> list[Notice]:
        """What applying the HTS found since the last call, merged (for commands whose results carry no basket-wide warnings)."""
        notices: dict = {}
        merge(notices, self.pending)
        self.pending = []
        return list(notices.values())

    def merge_notices(self, summary) -> None:
        """Add what applying the HTS found since the last call to ``summary``'s notices."""
        merge(summary.notices, self.pending)
        self.pending = []


def required_hts(option: str | None):
    """The HTS that ``option`` chooses (see :func:`~tariffcalc.hts.store.choose`); InputError when there is none."""
    path, _ = choose(option)
    if path is None:
        raise InputError(
            Problem(
                "--hts",
                "no HTS to use: import one with `tariffcalc hts import PATH` (the CSV from hts.usitc.gov), "
                f"or give --hts PATH or set ${ENV_HTS}",
            )
        )
    return load_hts(path)
