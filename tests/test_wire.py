"""The sandbox's wire: what a child sends comes back as the same values, and nothing else is accepted."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from gradgate.checks import wire


def _roundtrip(message: dict) -> dict:
    frame = wire.encode(message)
    head, body = struct.unpack(">QQ", frame[:16])
    assert len(frame) == 16 + head + body
    return wire.decode(frame[16 : 16 + head], frame[16 + head :])


def test_values_cross_unchanged() -> None:
    strided = np.arange(20.0).reshape(4, 5)[:, ::2]  # not contiguous: sent in C order
    message = {
        "x": np.arange(12.0).reshape(3, 4), "f32": np.ones(3, np.float32), "i": np.arange(4, dtype=np.int32),
        "b": np.array([True, False]), "s": np.array(["ab", "c"]), "empty": np.zeros((0, 3)), "scalar": np.array(2.5),
        "strided": strided, "big_endian": np.arange(3, dtype=">f8"), "nan": float("nan"), "t": (1, np.float32(1.5)),
        "d": {"k": [np.int64(3), None, "s"]}, "dtype": np.float64,
    }  # fmt: skip
    back = _roundtrip(message)
    for key in ("x", "f32", "i", "b", "s", "empty", "scalar", "strided", "big_endian"):
        assert back[key].dtype == message[key].dtype and back[key].shape == message[key].shape
        np.testing.assert_array_equal(back[key], message[key])
        assert back[key].flags.writeable and back[key].flags.owndata  # the parent may write back into it
    assert np.isnan(back["nan"]) and back["t"] == (1, 1.5) and back["d"] == {"k": [3, None, "s"]}
    assert back["dtype"] is np.float64


def test_objects_travel_as_their_type_name_only() -> None:
    back = _roundtrip({"o": np.array([object()], dtype=object), "r": np.zeros(2, dtype=[("a", "f8")]), "c": object()})
    assert back["o"] == wire.Opaque("object array")
    assert isinstance(back["r"], wire.Opaque) and back["c"] == wire.Opaque("object")


@pytest.mark.parametrize(
    ("header", "payload"),
    [
        (b'{"m": {"x": {"$a": 0}}, "a": [["<f8", [2]]]}', b"\0" * 8),  # shorter than its arrays
        (b'{"m": {"x": {"$a": 0}}, "a": [["<f8", [1]]]}', b"\0" * 16),  # bytes left over
        (b'{"m": {"x": {"$a": 1}}, "a": [["<f8", [1]]]}', b"\0" * 8),  # no such array
        (b'{"m": {"x": {"$a": true}}, "a": [["<f8", [1]]]}', b"\0" * 8),
        (b'{"m": {}, "a": [["|O", [1]]]}', b"\0" * 8),  # object pointers
        (b'{"m": {}, "a": [["<f8", [-1]]]}', b""),
        (b'{"m": {}, "a": [["<f8", [1.5]]]}', b"\0" * 8),
        (b'{"m": {}, "a": [["no dtype", [1]]]}', b"\0" * 8),
        (b'{"m": {}, "a": [["<f8"]]}', b""),
        (b'{"m": {}}', b""),
        (b'{"m": [], "a": []}', b""),
        (b'[1]', b""),
        (b'{"m": {"x": {"$zz": 1}}, "a": []}', b""),
        (b"not json", b""),
    ],
)  # fmt: skip
def test_malformed_frames_are_refused(header: bytes, payload: bytes) -> None:
    with pytest.raises(wire.WireError):
        wire.decode(header, payload)
