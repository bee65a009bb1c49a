"""Column-wise building blocks for the bulk generator: credit codes, names and dates for millions
of rows without a Python loop per row."""

from __future__ import annotations

import numpy as np
import polars as pl

from schemas.identifiers import ORG_CODE_WEIGHTS, USCC_CHARSET, USCC_WEIGHTS

EPOCH = np.datetime64("1970-01-01", "D")
_ORG_VALUE = np.full(128, -1, dtype=np.int64)
for _i, _c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
    _ORG_VALUE[ord(_c)] = _i
_USCC_VALUE = np.full(128, -1, dtype=np.int64)
for _i, _c in enumerate(USCC_CHARSET):
    _USCC_VALUE[ord(_c)] = _i
_CHARSET_BYTES = np.frombuffer(USCC_CHARSET.encode(), dtype=np.uint8)


def _bytes(values, width: int) -> np.ndarray:
    """(n, width) ASCII matrix of fixed-width strings."""
    return np.asarray(values).astype(f"S{width}").view(np.uint8).reshape(-1, width)


def uscc(prefix, region, body) -> np.ndarray:
    """Valid credit codes (both check characters) from 2-char prefixes, 6-digit regions and 8-char
    bodies: the column-wise twin of schemas.identifiers.make_uscc."""
    n = len(body)
    prefix = np.broadcast_to(np.asarray(prefix), (n,))
    head = np.concatenate([_bytes(prefix, 2), _bytes(region, 6), _bytes(body, 8)], axis=1)
    r = 11 - (_ORG_VALUE[head[:, 8:16]] @ np.array(ORG_CODE_WEIGHTS)) % 11
    org_check = np.where(r == 10, ord("X"), np.where(r == 11, ord("0"), ord("0") + r)).astype(np.uint8)
    code17 = np.concatenate([head, org_check[:, None]], axis=1)
    check = (31 - (_USCC_VALUE[code17] @ np.array(USCC_WEIGHTS)) % 31) % 31
    code = np.concatenate([code17, _CHARSET_BYTES[check][:, None]], axis=1)
    return np.ascontiguousarray(code).view("S18").ravel().astype("U18")


def random_bodies(rng: np.random.Generator, n: int, lead: str = "MA") -> np.ndarray:
    """Post-2015 style bodies: `lead` + characters of the credit-code set."""
    tail = _CHARSET_BYTES[rng.integers(0, 31, size=(n, 8 - len(lead)))]
    lead_bytes = np.broadcast_to(np.frombuffer(lead.encode(), dtype=np.uint8), (n, len(lead)))
    return np.ascontiguousarray(np.concatenate([lead_bytes, tail], axis=1)).view(f"S8").ravel().astype("U8")


def serial_bodies(n: int, offset: int) -> np.ndarray:
    """Distinct 8-digit bodies '00dddddd' for up to a million organs (7919 is prime to 10**6)."""
    return np.char.add("00", np.char.zfill(((np.arange(n) * 7919 + offset) % 10**6).astype("U6"), 6))


def pick(values, index) -> pl.Series:
    """values[index] as a polars Series of strings (values a short list, index a big int array)."""
    return pl.Series(list(values), dtype=pl.String).gather(pl.Series(np.asarray(index), dtype=pl.UInt32))


def person_names(rng: np.random.Generator, n: int) -> pl.Series:
    from etl.sample.names import GIVEN, SURNAMES
    surname = pick(SURNAMES, rng.integers(0, len(SURNAMES), n))
    first = pick(GIVEN, rng.integers(0, len(GIVEN), n))
    second = pick(GIVEN, rng.integers(0, len(GIVEN), n))
    two = pl.Series(rng.random(n) < 0.65)
    return pl.select(pl.when(two).then(surname + first + second).otherwise(surname + first)).to_series()


def days(d) -> np.ndarray:
    """Dates (numpy datetime64 or python date) as int days since 1970-01-01."""
    return (np.asarray(d, dtype="datetime64[D]") - EPOCH).astype(np.int64)


def as_date(values: np.ndarray, null=None) -> pl.Series:
    s = pl.Series(values.astype(np.int32)).cast(pl.Date)
    return s if null is None else pl.select(pl.when(pl.Series(null)).then(None).otherwise(s)).to_series()


def as_datetime(minutes: np.ndarray, null=None) -> pl.Series:
    """Minutes since the epoch -> Datetime."""
    s = pl.Series(minutes.astype(np.int64) * 60_000_000).cast(pl.Datetime("us"))
    return s if null is None else pl.select(pl.when(pl.Series(null)).then(None).otherwise(s)).to_series()
