from __future__ import annotations

import numpy as np

from qa.growing import GrowingRows


def test_appended_rows_read_back_in_order_without_copying_what_was_there() -> None:
    rows = GrowingRows(np.zeros((0, 3), np.float16))
    expected = []
    for i in range(50):
        block = np.full((i % 4, 3), i, np.float16)
        rows.append(block)
        expected.append(block)
        np.testing.assert_array_equal(rows.array, np.concatenate(expected))
    assert len(rows) == sum(len(b) for b in expected)
    copies = 0
    rows = GrowingRows(np.zeros((0, 3), np.float16))
    for _ in range(1000):
        before = rows.array
        rows.append(np.ones((1, 3), np.float16))
        copies += not np.shares_memory(before, rows.array) and len(before) > 0
    assert copies <= 11  # doubling: about log2(1000) copies, not one per append


def test_keeping_some_rows_compacts_in_place_and_keeps_the_room() -> None:
    rows = GrowingRows(np.zeros((0, 2), np.float32))
    values = np.arange(20, dtype=np.float32).reshape(10, 2)
    rows.append(values)
    rows.append(values[:1])  # the buffer doubles: room for 9 more
    buffer = rows._buffer
    kept = np.array([0, 1, 2, 5, 7, 10])
    rows.keep(kept)
    np.testing.assert_array_equal(rows.array, np.vstack([values, values[:1]])[kept])
    rows.append(values[3:5])
    assert rows._buffer is buffer and len(rows) == 8
    np.testing.assert_array_equal(rows.array[-2:], values[3:5])
    rows.keep(np.arange(8))  # nothing dropped
    rows.keep(np.zeros(0, np.int64))
    assert len(rows) == 0 and rows.array.shape == (0, 2)
