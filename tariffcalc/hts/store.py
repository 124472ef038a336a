"""A compact local copy of the official HTS: ``tariffcalc hts import`` writes it, ``estimate`` and ``hts lookup`` read it.

The store is a folder holding ``hts.csv.gz`` (the tidy frame of
:mod:`tariffcalc.hts.usitc`) and ``meta.json`` (edition, source file name and
SHA-256, row count, the rate parse report).  It lives in the user's data
directory (platformdirs), or under ``$TARIFFCALC_DATA_DIR`` when that is set.

Which HTS a command uses: ``--hts PATH`` (a store folder or a raw USITC CSV),
else ``$TARIFFCALC_HTS`` (the same), else the imported store if there is one.
``--hts none`` (or ``TARIFFCALC_HTS=none``) uses no HTS.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import InputError, Problem

ENV_HTS = "TARIFFCALC_HTS"
ENV_DATA_DIR = "TARIFFCALC_DATA_DIR"
TABLE = "hts.csv.gz"
META = "meta.json"
#: Values of --hts / $TARIFFCALC_HTS that mean "no HTS".
NONE = {"none", "off", "no"}


def data_home() -> Path:
    """Where tariffcalc keeps user data: ``$TARIFFCALC_DATA_DIR``, else the platform's user data directory."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("tariffcalc", appauthor=False))


def default_store() -> Path:
    return data_home() / "hts"


def import_hts(source: str | Path, store: Path | None = None, edition: str | None = None):
    """Read a USITC HTS CSV and write the store (replacing any previous one); return the loaded HtsTariff."""
    # Imported here, like below: choosing the HTS (every estimate does) must not load the HTS modules.
    from .tariff import HtsTariff, rate_report
    from .usitc import FIELDS, edition_from_name, read_usitc_csv, sha256_of

    source = Path(source)
    frame = read_usitc_csv(source)
    meta = {
        "edition": edition or edition_from_name(source),
        "source": source.name,
        "sha256": sha256_of(source),
        "rows": int(len(frame)),
        "imported": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "report": rate_report(frame),
    }
    store = store or default_store()
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".hts-import-", dir=store.parent))
        frame[list(FIELDS)].to_csv(staging / TABLE, index=False, compression={"method": "gzip", "mtime": 0})
        (staging / META).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if store.exists():
            shutil.rmtree(store)
        staging.rename(store)
    except OSError as exc:
        raise InputError(Problem(str(store), f"cannot write the HTS store here ({exc.strerror})")) from None
    return HtsTariff(frame, {**meta, "store": str(store)})


def load_store(store: Path):
    """Load an imported store folder."""
    import pandas as pd

    from .tariff import HtsTariff

    try:
        meta = json.loads((store / META).read_text(encoding="utf-8"))
        frame = pd.read_csv(store / TABLE, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise InputError(
            Problem(str(store), "is not an HTS store (expected a folder written by `tariffcalc hts import`, or a USITC HTS CSV)")
        ) from None
    except (OSError, ValueError) as exc:
        raise InputError(Problem(str(store), f"the HTS store cannot be read ({exc}); import the HTS again")) from None
    frame["indent"] = frame["indent"].astype(int)
    frame["parent"] = frame["parent"].astype(int)
    frame["line"] = frame["line"].astype(int)
    return HtsTariff(frame, {**meta, "store": str(store)})


def load_hts(path: str | Path):
    """An HtsTariff from a store folder, or straight from a USITC CSV (not stored)."""
    from .tariff import HtsTariff
    from .usitc import edition_from_name, read_usitc_csv, sha256_of

    path = Path(path)
    if path.is_dir():
        return load_store(path)
    if not path.exists():
        raise InputError(Problem(str(path), "no such file or folder (expected an HTS store or a USITC HTS CSV)"))
    frame = read_usitc_csv(path)
    return HtsTariff(frame, {"edition": edition_from_name(path), "source": path.name, "sha256": sha256_of(path)})


def choose(option: str | None) -> tuple[Path | None, str]:
    """The HTS to use and why (``--hts``, the environment, or the imported store); None for none."""
    for value, why in ((option, "--hts"), (os.environ.get(ENV_HTS), f"${ENV_HTS}")):
        if value:
            return (None, why) if value.strip().lower() in NONE else (Path(value), why)
    store = default_store()
    if (store / META).is_file():
        return store, "the imported store"
    return None, "none imported"


def resolve(option: str | None):
    """Load the HTS that :func:`choose` picks, or None."""
    path, _ = choose(option)
    return load_hts(path) if path is not None else None
