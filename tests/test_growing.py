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
