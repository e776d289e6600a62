# SPDX-License-Identifier: Apache-2.0
"""Compact telemetry columns, shared by the wire format and the laptop's store.

A column of floats is sent as float32 when that changes no value by more than a
ten-thousandth of the column's spread (a chart cannot show it; mantissa bits below that are
cleared), else as float64.  Each
value's bits are XORed with the previous value's, the bytes regrouped by position and
the result deflated: slowly moving sensor values share sign, exponent and high mantissa
bits, which become runs of zeros.  Timestamps are whole milliseconds, delta-encoded the
same way (a regular series deflates to almost nothing); timestamps that are not whole
milliseconds travel as float64 instead.

numpy is imported by the functions that use it (the board's first paint does not wait).

Wire format (``MEDIA_TYPE``, version 1): ``MAGIC``, a 4-byte little-endian header
length, a UTF-8 JSON header, then the column buffers in the order the header names them.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

MEDIA_TYPE = "application/vnd.concierge.telemetry-columns.v1"
MAGIC = b"CTC1"
FORMAT_VERSION = 1
# float32 is used when no value moves by more than this share of the column's spread.
FLOAT32_TOLERANCE = 1e-4

# Column codecs: what the bytes of an encoded column are.
F4 = "f4"  # float32 bits, XOR-delta, byte-shuffled, deflated
F8 = "f8"  # float64 bits, the same
MS = "ms"  # int64 milliseconds, delta, byte-shuffled, deflated
CODECS = (F4, F8, MS)


class ColumnsError(ValueError):
    """Bytes that are not a valid compact column or message."""


@dataclass(frozen=True)
class SeriesColumns:
    """One series as arrays; for raw readings min = mean = max."""

    asset_id: str
    metric: str
    bucket_seconds: int
    t: FloatArray
    mean: FloatArray
    min: FloatArray
    max: FloatArray


@dataclass(frozen=True)
class WindowColumns:
    series: list[SeriesColumns]
    unavailable: list[str]


# --- one column ----------------------------------------------------------------------


def _shuffle(raw: Any, width: int) -> bytes:
    return bytes(raw.view("u1").reshape(-1, width).T.tobytes())


def _unshuffle(data: bytes, width: int) -> Any:
    import numpy as np

    if len(data) % width:
        raise ColumnsError("column length is not a whole number of values")
    planes = np.frombuffer(data, dtype="u1").reshape(width, -1)
    return np.ascontiguousarray(planes.T).reshape(-1)


def _float32_bits(values: FloatArray) -> Any:
    """float32 bits of ``values`` with the low mantissa bits that stay below the tolerance
    (a ten-thousandth of the column's spread) cleared: noise a chart cannot show, which
    would otherwise not compress."""
    import numpy as np

    bits = values.astype("<f4").view("<u4")
    spread = float(values.max() - values.min()) if values.size else 0.0
    largest = float(np.max(np.abs(values))) if values.size else 0.0
    if spread <= 0.0 or largest <= 0.0:
        return bits
    ulp = 2.0 ** (np.floor(np.log2(largest)) - 23)  # float32 step at the largest value
    room = FLOAT32_TOLERANCE * spread / ulp - 0.5  # truncation error < 2**k ulp, rounding ulp/2
    drop = int(min(23, np.floor(np.log2(room)))) if room >= 2.0 else 0
    return bits & np.uint32((0xFFFFFFFF << drop) & 0xFFFFFFFF)


def float_codec(values: FloatArray, *, allow_float32: bool = True) -> str:
    """F4 if float32 (trimmed) keeps every value within the tolerance, else F8.  A counter
    whose steps are small beside its total fails the test (its spread is small)."""
    if values.size == 0:
        return F4
    return F4 if allow_float32 and narrowed(values) is not None else F8


def narrowed(values: FloatArray) -> Any | None:
    """The trimmed float32 bits of ``values`` if they keep every value within the tolerance
    (codec F4; ``pack`` takes them as they are), else None (F8)."""
    import numpy as np

    if values.size == 0:
        return _float32_bits(values)
    if not np.all(np.isfinite(values)):
        return None
    bits = _float32_bits(values)
    spread = float(values.max() - values.min())
    error = float(np.max(np.abs(bits.view("<f4").astype(np.float64) - values)))
    return bits if error <= FLOAT32_TOLERANCE * spread or error == 0.0 else None


def time_codec(t: FloatArray) -> str:
    import numpy as np

    if t.size == 0:
        return MS
    ms = np.round(t * 1000.0)
    return MS if np.all(np.isfinite(t)) and np.array_equal(ms / 1000.0, t) else F8


def pack(values: FloatArray | Sequence[float], codec: str, *, bits: Any = None) -> bytes:
    """The column's bytes before deflating (delta or XOR, byte-shuffled).  ``bits``: F4's
    bits of ``values`` if already at hand (from ``narrowed``)."""
    import numpy as np

    array = np.asarray(values, dtype=np.float64)
    if codec == MS:
        ms = np.round(array * 1000.0).astype("<i8")
        return _shuffle(np.diff(ms, prepend=np.int64(0)).astype("<i8"), 8)
    if codec == F4:
        bits = _float32_bits(array) if bits is None else bits
    elif codec == F8:
        bits = array.astype("<f8").view("<u8")
    else:
        raise ColumnsError(f"unknown column codec {codec!r}")
    xored = bits ^ np.concatenate((bits[:1] * 0, bits[:-1])) if bits.size else bits
    return _shuffle(xored, bits.itemsize)


def unpack(raw: bytes, codec: str) -> FloatArray:
    import numpy as np

    if codec == MS:
        return np.cumsum(_unshuffle(raw, 8).view("<i8")).astype(np.float64) / 1000.0
    if codec not in (F4, F8):
        raise ColumnsError(f"unknown column codec {codec!r}")
    width = 4 if codec == F4 else 8
    bits = _unshuffle(raw, width).view("<u4" if codec == F4 else "<u8")
    restored = np.bitwise_xor.accumulate(bits) if bits.size else bits
    return restored.view("<" + codec).astype(np.float64)


def width(codec: str) -> int:
    """Bytes per value of a packed column."""
    if codec not in CODECS:
        raise ColumnsError(f"unknown column codec {codec!r}")
    return 4 if codec == F4 else 8


def encode(values: FloatArray | Sequence[float], codec: str, level: int = 6) -> bytes:
    return zlib.compress(pack(values, codec), level)


def decode(data: bytes, codec: str) -> FloatArray:
    try:
        raw = zlib.decompress(data)
    except zlib.error as exc:
        raise ColumnsError(f"damaged column: {exc}") from exc
    return unpack(raw, codec)


# --- a windows message -----------------------------------------------------------------


def encode_message(series: Sequence[dict[str, Any]], unavailable: Sequence[str]) -> bytes:
    """``series``: dicts with asset_id, metric, start, end, bucket_seconds and the columns
    t, mean, min, max (lists or arrays)."""
    import numpy as np

    header: list[dict[str, Any]] = []
    buffers: list[bytes] = []

    def add(values: Any, codec: str, bits: Any = None) -> list[Any]:
        data = zlib.compress(pack(values, codec, bits=bits), 6)
        buffers.append(data)
        return [codec, len(data)]

    def add_values(values: Any) -> list[Any]:
        bits = narrowed(values)  # computed once: for the codec and for packing
        return add(values, F8) if bits is None else add(values, F4, bits)

    for s in series:
        t = np.asarray(s["t"], dtype=np.float64)
        mean = np.asarray(s["mean"], dtype=np.float64)
        low = np.asarray(s["min"], dtype=np.float64)
        high = np.asarray(s["max"], dtype=np.float64)
        entry: dict[str, Any] = {
            k: s[k] for k in ("asset_id", "metric", "start", "end", "bucket_seconds")
        }
        entry["n"] = int(t.size)
        entry["t"] = add(t, time_codec(t))
        entry["mean"] = add_values(mean)
        if np.array_equal(low, mean) and np.array_equal(high, mean):
            entry["min"] = entry["max"] = None  # raw readings: the same as mean
        else:
            entry["min"] = add_values(low)
            entry["max"] = add_values(high)
        header.append(entry)
    head = json.dumps(
        {"version": FORMAT_VERSION, "series": header, "unavailable": list(unavailable)},
        separators=(",", ":"),
    ).encode()
    return MAGIC + struct.pack("<I", len(head)) + head + b"".join(buffers)


def decode_message(body: bytes) -> WindowColumns:
    if body[:4] != MAGIC or len(body) < 8:
        raise ColumnsError("not a compact telemetry message")
    (size,) = struct.unpack("<I", body[4:8])
    try:
        head = json.loads(body[8 : 8 + size])
        if head["version"] != FORMAT_VERSION:
            raise ColumnsError(f"compact telemetry version {head['version']} is not supported")
        offset = 8 + size
        out: list[SeriesColumns] = []

        def take(spec: list[Any], n: int) -> FloatArray:
            nonlocal offset
            codec, length = str(spec[0]), int(spec[1])
            if length < 0 or offset + length > len(body):
                raise ColumnsError("column runs past the end of the message")
            values = decode(body[offset : offset + length], codec)
            offset += length
            if values.size != n:
                raise ColumnsError("column length differs from the series' point count")
            return values

        for entry in head["series"]:
            n = int(entry["n"])
            t = take(entry["t"], n)
            mean = take(entry["mean"], n)
            low = mean if entry["min"] is None else take(entry["min"], n)
            high = mean if entry["max"] is None else take(entry["max"], n)
            out.append(
                SeriesColumns(str(entry["asset_id"]), str(entry["metric"]),
                              int(entry["bucket_seconds"]), t, mean, low, high)
            )
        if offset != len(body):
            raise ColumnsError("bytes left over after the last column")
        return WindowColumns(out, [str(a) for a in head["unavailable"]])
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        if isinstance(exc, ColumnsError):
            raise
        raise ColumnsError(f"malformed compact telemetry header: {exc}") from exc
