"""The sandbox's wire format: frames of a JSON header and an .npz payload, nothing that executes.

Values are encoded as JSON with arrays moved into the .npz (`{"$a": i}`), tuples as `{"$t": [...]}`,
dicts as `{"$d": {...}}` (string keys), numpy dtypes (a model's `dtype=np.float64`) as
`{"$dtype": name}`, and anything else as an opaque `{"$o": type name}`. Decoding
uses `np.load(allow_pickle=False)`: the parent never unpickles what a child sends.
"""

from __future__ import annotations

import io
import json
import os
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_FRAME = 512 * 2**20  # bytes; a larger frame is refused, not read


class WireError(Exception):
    """A frame that is not well formed, too large, or cut short (the other side died)."""


@dataclass(frozen=True)
class Opaque:
    """A value of a type the wire does not carry (a student's object); only its type travels."""

    type_name: str


def _encode(value: Any, arrays: list[np.ndarray]) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            return {"$o": "object array"}
        arrays.append(value)
        return {"$a": len(arrays) - 1}
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return {"$dtype": np.dtype(value).name}
    if isinstance(value, np.generic):
        return _encode(value.item(), arrays) if not isinstance(value, np.void) else {"$o": "numpy.void"}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return {"$f": repr(value)}  # keeps nan and inf, which JSON does not
    if isinstance(value, tuple):
        return {"$t": [_encode(v, arrays) for v in value]}
    if isinstance(value, list):
        return [_encode(v, arrays) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"$d": {k: _encode(v, arrays) for k, v in value.items()}}
    if isinstance(value, Opaque):
        return {"$o": value.type_name}
    return {"$o": type(value).__name__}


def _decode(value: Any, arrays: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if not isinstance(value, dict):
        return value
    if "$a" in value:
        return arrays[f"a{int(value['$a'])}"]
    if "$f" in value:
        return float(value["$f"])
    if "$t" in value:
        return tuple(_decode(v, arrays) for v in value["$t"])
    if "$d" in value:
        return {k: _decode(v, arrays) for k, v in value["$d"].items()}
    if "$dtype" in value:
        return np.dtype(str(value["$dtype"])).type  # a name numpy knows, never code
    if "$o" in value:
        return Opaque(str(value["$o"]))
    raise WireError(f"unknown encoding {sorted(value)}")


def encode(message: dict[str, Any]) -> bytes:
    arrays: list[np.ndarray] = []
    header = json.dumps(_encode(message, arrays)).encode()
    buffer = io.BytesIO()
    np.savez(buffer, **{f"a{i}": a for i, a in enumerate(arrays)})  # type: ignore[arg-type]  # numpy stub quirk
    payload = buffer.getvalue()
    return struct.pack(">QQ", len(header), len(payload)) + header + payload


def decode(header: bytes, payload: bytes) -> dict[str, Any]:
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as arrays:
            loaded = {k: arrays[k] for k in arrays.files}
        message = _decode(json.loads(header), loaded)
    except (ValueError, KeyError, OSError) as exc:
        raise WireError(f"malformed frame: {exc}") from None
    if not isinstance(message, dict):
        raise WireError("a frame must hold a JSON object")
    return message


def _read_exactly(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise WireError("the other side closed the channel")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> dict[str, Any]:
    head, body = struct.unpack(">QQ", _read_exactly(fd, 16))
    if head + body > MAX_FRAME:
        raise WireError(f"a frame of {head + body} bytes is over the {MAX_FRAME} byte limit")
    return decode(_read_exactly(fd, head), _read_exactly(fd, body))


def write_frame(fd: int, message: dict[str, Any]) -> None:
    data = memoryview(encode(message))
    while data:
        written = os.write(fd, data)
        data = data[written:]
