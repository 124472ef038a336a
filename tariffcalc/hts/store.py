"""A compact local copy of the official HTS: ``tariffcalc hts import`` writes it, ``estimate`` and ``hts lookup`` read it.

The store is a folder holding ``hts.csv.gz`` (the tidy frame of
:mod:`tariffcalc.hts.usitc`) and ``meta.json`` (edition, source file name and
SHA-256, row count, the rate parse report), and ``.tariffcalc-hts-store``, the
mark that tariffcalc made the folder.  It lives in the user's data directory
(platformdirs), or under ``$TARIFFCALC_DATA_DIR`` when that is set.

``hts import --store DIR`` never deletes what tariffcalc did not write: DIR
must be new, empty, or a store (with the mark, or an older store's two files
and nothing else).  The new store is built in a temporary folder beside DIR;
then the old store is renamed aside, the new one renamed into place, and only
the old store's own files are removed.

Which HTS a command uses: ``--hts PATH`` (a store folder or a raw USITC CSV),
else ``$TARIFFCALC_HTS`` (the same), else the imported store if there is one.
``--hts none`` (or ``TARIFFCALC_HTS=none``) uses no HTS.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path

from ..errors import InputError, Problem

ENV_HTS = "TARIFFCALC_HTS"
ENV_DATA_DIR = "TARIFFCALC_DATA_DIR"
TABLE = "hts.csv.gz"
META = "meta.json"
#: The file that marks a folder as a store tariffcalc wrote (and may therefore replace).
MARKER = ".tariffcalc-hts-store"
_MARKER_TEXT = "This folder is an HTS store written by `tariffcalc hts import`; the next import replaces it.\n"
#: Every name a store holds: the only files an import removes.
_STORE_FILES = (TABLE, META, MARKER)
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
    store = store or default_store()
    _check_replaceable(store)  # before the (long) read
    frame = read_usitc_csv(source)
    meta = {
        "edition": edition or edition_from_name(source),
        "source": source.name,
        "sha256": sha256_of(source),
        "rows": int(len(frame)),
        "imported": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "report": rate_report(frame),
    }
    _check_replaceable(store)  # again: the folder may have changed during the read
    target = Path(os.path.realpath(store))  # a link to a store: the store it points to is replaced, the link kept
    staging = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".hts-import-", dir=target.parent))
        os.chmod(staging, 0o777 & ~_umask())
        frame[list(FIELDS)].to_csv(staging / TABLE, index=False, compression={"method": "gzip", "mtime": 0})
        (staging / META).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (staging / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
        _swap_in(staging, target)
        staging = None
    except OSError as exc:
        raise InputError(Problem(str(store), f"cannot write the HTS store here ({exc.strerror or exc})")) from None
    finally:
        if staging is not None:
            _remove_store(staging)
    return HtsTariff(frame, {**meta, "store": str(store)})


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_replaceable(store: Path) -> None:
    """Refuse a ``--store`` that holds anything but a store: an import must not delete a user's files."""
    if not os.path.lexists(store):
        return
    if not store.is_dir():
        raise InputError(Problem(str(store), "is a file, not a folder: give a new or empty folder, or an HTS store, for --store"))
    try:
        names = {entry.name for entry in os.scandir(store)}
    except OSError as exc:
        raise InputError(Problem(str(store), f"cannot read the folder ({exc.strerror or exc})")) from None
    others = sorted(names - set(_STORE_FILES))
    if MARKER in names and others:
        raise InputError(
            Problem(
                str(store),
                f"is an HTS store with other files in it ({', '.join(others[:3])}{', ...' if len(others) > 3 else ''}): "
                "an import would not keep them; move them out, or give another folder for --store",
            )
        )
    if names and not (MARKER in names or names == {TABLE, META}):
        shown = ", ".join(sorted(names)[:3]) + (", ..." if len(names) > 3 else "")
        raise InputError(
            Problem(
                str(store),
                f"is not an HTS store and not empty (it holds {shown}): tariffcalc replaces only a store it wrote; "
                "give a new or empty folder for --store",
            )
        )


def _swap_in(staging: Path, target: Path) -> None:
    """Put the folder ``staging`` where ``target`` is, by renames; then remove the old store's own files."""
    if not target.exists():
        os.rename(staging, target)
        return
    aside = Path(tempfile.mkdtemp(prefix=".hts-old-", dir=target.parent))
    os.rmdir(aside)  # only its (free) name is wanted
    os.rename(target, aside)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(aside, target)
        raise
    _remove_store(aside)


def _remove_store(folder: Path) -> None:
    """Remove a store's own files and then the folder, if nothing else is in it (never anything else)."""
    for name in _STORE_FILES:
        try:
            (folder / name).unlink(missing_ok=True)
        except OSError:
            pass
    try:
        folder.rmdir()
    except OSError:
        pass


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
