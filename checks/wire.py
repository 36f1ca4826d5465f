"""The sandbox's wire format: frames of a JSON header and raw array bytes, nothing that executes.

Values are encoded as JSON with arrays moved into the payload (`{"$a": i}`), tuples as `{"$t": [...]}`,
dicts as `{"$d": {...}}` (string keys), numpy dtypes (a model's `dtype=np.float64`) as
`{"$dtype": name}`, torch's (an EECS 498 model's `dtype=torch.float64`) as `{"$torch": name}`,
and anything else as an opaque `{"$o": type name}`. The header lists each array's dtype and shape;
the payload is their C-order bytes, one after the other. Only plain dtypes (numbers, booleans,
strings, dates) travel, so decoding is `np.frombuffer`: the parent never unpickles what a
child sends. (An .npz per frame cost about a millisecond, most of a small call's round trip.)
"""

from __future__ import annotations

import json
import math
import os
import struct
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_FRAME = 512 * 2**20  # bytes; a larger frame is refused, not read
_KINDS = "biufcSUmM"  # dtype kinds whose bytes are the values: no objects, no structured records


class WireError(Exception):
    """A frame that is not well formed, too large, or cut short (the other side died)."""


@dataclass(frozen=True)
class Opaque:
    """A value of a type the wire does not carry (a student's object); only its type travels."""

    type_name: str


def _encode(value: Any, arrays: list[np.ndarray]) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _KINDS or value.dtype.names is not None:
            return {"$o": "object array" if value.dtype.hasobject else f"array of {value.dtype}"}
        arrays.append(value)
        return {"$a": len(arrays) - 1}
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return {"$dtype": np.dtype(value).name}
    if isinstance(value, np.generic):
        return _encode(value.item(), arrays) if not isinstance(value, np.void) else {"$o": "numpy.void"}
    if type(value).__module__ == "torch" and type(value).__name__ == "dtype":
        return {"$torch": str(value).removeprefix("torch.")}
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


def _decode(value: Any, arrays: list[np.ndarray]) -> Any:
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if not isinstance(value, dict):
        return value
    if "$a" in value:
        index = value["$a"]
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(arrays):
            raise WireError(f"no array {index!r} in the frame")
        return arrays[index]
    if "$f" in value:
        return float(value["$f"])
    if "$t" in value:
        return tuple(_decode(v, arrays) for v in value["$t"])
    if "$d" in value:
        return {k: _decode(v, arrays) for k, v in value["$d"].items()}
    if "$dtype" in value:
        return np.dtype(str(value["$dtype"])).type  # a name numpy knows, never code
    if "$torch" in value:
        return _torch_dtype(str(value["$torch"]))
    if "$o" in value:
        return Opaque(str(value["$o"]))
    raise WireError(f"unknown encoding {sorted(value)}")


def _torch_dtype(name: str) -> Any:
    """torch.<name> where that is a dtype. Only a tensor convention's side sends one, and torch is
    loaded there; a child without it (torch forbidden) gets an opaque value, never an import."""
    torch = sys.modules.get("torch")
    if torch is None:
        return Opaque("torch.dtype")
    dtype = getattr(torch, name, None)
    if not isinstance(dtype, torch.dtype):
        raise WireError(f"{name!r} is not a torch dtype")
    return dtype


def encode(message: dict[str, Any]) -> bytes:
    arrays: list[np.ndarray] = []
    encoded = _encode(message, arrays)
    header = json.dumps({"m": encoded, "a": [[a.dtype.str, list(a.shape)] for a in arrays]}).encode()
    payload = b"".join(a.tobytes(order="C") for a in arrays)
    return struct.pack(">QQ", len(header), len(payload)) + header + payload


def _arrays(listed: Any, payload: bytes) -> list[np.ndarray]:
    """The payload's arrays as the header lists them; anything that does not add up is refused."""
    if not isinstance(listed, list):
        raise WireError("the header's array list is missing")
    arrays, offset = [], 0
    for entry in listed:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str) and isinstance(entry[1], list)):
            raise WireError(f"an array entry is not [dtype, shape]: {entry!r}")
        dtype = np.dtype(entry[0])
        shape = entry[1]
        if dtype.kind not in _KINDS or dtype.names is not None:
            raise WireError(f"dtype {dtype} does not travel")
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
            raise WireError(f"not a shape: {shape!r}")
        count = math.prod(shape)
        size = dtype.itemsize * count
        if offset + size > len(payload):
            raise WireError("the payload is shorter than its arrays")
        # a copy: writable and owning its memory, as an array the parent made itself
        arrays.append(np.frombuffer(payload, dtype, count, offset).reshape(shape).copy())
        offset += size
    if offset != len(payload):
        raise WireError(f"{len(payload) - offset} bytes of the payload belong to no array")
    return arrays


def decode(header: bytes, payload: bytes) -> dict[str, Any]:
    try:
        frame = json.loads(header)
        if not isinstance(frame, dict):
            raise WireError("a frame's header must be a JSON object")
        message = _decode(frame.get("m"), _arrays(frame.get("a"), payload))
    except (ValueError, KeyError, TypeError, IndexError, OverflowError) as exc:
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
