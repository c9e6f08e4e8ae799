"""Connected-component labelling of binary images with a vectorised union–find."""

from __future__ import annotations

import numpy as np

from vision._checks import check_choice

_NEIGHBOURS = {4: ((0, 1), (1, 0)), 8: ((0, 1), (1, 0), (1, 1), (1, -1))}


def connected_components(binary: np.ndarray, connectivity: int = 8) -> tuple[int, np.ndarray]:
    """Label the connected regions of non-zero pixels, like `cv2.connectedComponents(binary, connectivity)`.

    Returns:
        (count, labels): labels is an int32 array of binary's shape with 0 for the background and
        1..count−1 for the components, numbered in raster order of their first pixel; count includes
        the background label.

    Raises:
        ValueError: if `binary` is not a non-empty 2-D uint8 or bool array, or connectivity is not 4 or 8.
    """
    if not isinstance(binary, np.ndarray) or binary.dtype not in (np.uint8, np.bool_):
        raise ValueError("binary must be a NumPy array of dtype uint8 or bool")
    if binary.ndim != 2 or binary.size == 0:
        raise ValueError(f"binary must be a non-empty 2-D image, got shape {binary.shape}")
    check_choice(connectivity, "connectivity", (4, 8))
    foreground = binary != 0
    h, w = foreground.shape
    # Number the foreground pixels 0..n-1 in raster order.
    n = int(foreground.sum())
    index = np.int32 if n < 2**31 else np.int64
    node = np.full((h, w), -1, dtype=index)
    node[foreground] = np.arange(n, dtype=index)

    # One edge per pair of adjacent foreground pixels (each pair once: right, down and the down diagonals).
    edges_a, edges_b = [], []
    for dr, dc in _NEIGHBOURS[connectivity]:
        c0, c1 = max(0, -dc), w - max(0, dc)
        a = node[: h - dr, c0:c1]
        b = node[dr:, c0 + dc : c1 + dc]
        both = (a >= 0) & (b >= 0)
        edges_a.append(a[both])
        edges_b.append(b[both])
    a, b = np.concatenate(edges_a), np.concatenate(edges_b)

    # Union–find, a whole edge list per round: hook each larger root under the smaller one, then
    # flatten the trees by pointer jumping. Every tree's root ends as the component's first pixel.
    parent = np.arange(n, dtype=index)
    while a.size:
        ra, rb = parent[a], parent[b]
        merge = ra != rb
        a, b, ra, rb = a[merge], b[merge], ra[merge], rb[merge]
        np.minimum.at(parent, np.maximum(ra, rb), np.minimum(ra, rb))
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand

    labels = np.zeros((h, w), dtype=np.int32)
    roots, compact = np.unique(parent, return_inverse=True)
    labels[foreground] = compact + 1
    return len(roots) + 1, labels
