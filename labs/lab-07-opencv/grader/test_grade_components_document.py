"""Graders: connected components, document binarization, the command line and input validation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import lab07_support as support
import numpy as np
import pytest
import vision
from vision import (
    adaptive_threshold,
    binarize_document,
    canny,
    connected_components,
    gradient_magnitude,
    histogram,
    non_max_suppression,
    otsu,
    sobel,
    threshold,
    to_gray,
)


def _binary_images(bundled, datasets_dir):
    images = [
        (f"{name}[:192, :192] > median", (gray[:192, :192] > np.median(gray)).astype(np.uint8))
        for name, gray in bundled
    ]
    for name, gray in support.synthetic(
        datasets_dir, 731, 40, ("shapes", "bimodal", "noise", "tiny", "ties")
    ):
        images.append((name, (gray > np.median(gray)).astype(np.uint8) * np.uint8(255)))
    return images


@pytest.mark.points(6)
def test_connected_components_match_opencv(partial_credit, bundled, datasets_dir):
    """connected_components finds OpenCV's component count and the same regions (4- and 8-connectivity)."""
    for name, binary in _binary_images(bundled, datasets_dir):
        for connectivity in (8, 4):
            want_count, want = support.cv_components(binary, connectivity)
            result = connected_components(binary.copy(), connectivity)
            if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], np.ndarray)):
                partial_credit.check(False, f"{name}: return (count, labels) with labels a NumPy array")
                continue
            count, labels = int(result[0]), np.asarray(result[1]).view(np.ndarray)
            if count != want_count:
                partial_credit.check(
                    False, f"{name}, connectivity={connectivity}: count {count}, OpenCV {want_count}"
                )
                continue
            ok = labels.dtype == np.int32 and support.same_partition(labels, count, want)
            partial_credit.check(
                ok,
                f"{name}, connectivity={connectivity}: labels (dtype {labels.dtype}) do not describe the "
                "same regions as OpenCV's: int32, 0 = background, components numbered 1..count-1",
            )


@pytest.mark.points(2)
def test_connected_components_edge_cases(partial_credit):
    """Empty, full, 1×1, diagonal-only and bool images get OpenCV's component counts."""
    checker = (np.indices((6, 6)).sum(axis=0) % 2).astype(np.uint8)
    cases = [
        ("all 0", np.zeros((4, 5), np.uint8)),
        ("all 1", np.ones((3, 3), np.uint8)),
        ("1x1 on", np.array([[1]], np.uint8)),
        ("1x1 off", np.array([[0]], np.uint8)),
        ("checkerboard", checker),
        ("diagonal", np.eye(5, dtype=np.uint8) * 255),
        ("anti-diagonal", np.eye(5, dtype=np.uint8)[::-1].copy()),
    ]
    for name, binary in cases:
        for connectivity in (4, 8):
            want_count, _ = support.cv_components(binary, connectivity)
            got = connected_components(binary.copy(), connectivity)
            partial_credit.check(
                isinstance(got, tuple) and len(got) == 2 and int(got[0]) == want_count,
                f"{name}, connectivity={connectivity}: expected count {want_count} (background included)",
            )
    got = connected_components(checker.astype(bool), 8)
    partial_credit.check(isinstance(got, tuple) and int(got[0]) == 2, "a bool image is accepted like uint8")


def _ink_scores(page: np.ndarray, ink: np.ndarray) -> tuple[float, float]:
    """(precision, recall) of the dark pixels of a binarized page against the true ink mask."""
    found = page == 0
    hits = int((found & ink).sum())
    return hits / max(1, int(found.sum())), hits / max(1, int(ink.sum()))


@pytest.mark.points(5)
def test_binarize_document_recovers_the_text(partial_credit, datasets_dir, tmp_path):
    """binarize_document writes a 0/255 image: the ink of an unevenly lit page black, the paper white."""
    gen = support.generator(datasets_dir)
    rng = np.random.default_rng(741)
    for k in range(3):
        page, ink = gen.document(rng, ((300, 400), (360, 480), (420, 380))[k])
        path_in, path_out = tmp_path / f"page{k}.png", tmp_path / f"page{k}-bw.png"
        cv2.imwrite(str(path_in), page)
        binarize_document(str(path_in), str(path_out))
        out = cv2.imread(str(path_out), cv2.IMREAD_UNCHANGED)
        if out is None or out.shape != page.shape or out.dtype != np.uint8:
            partial_credit.check(
                False, f"page {k}: expected a readable {page.shape} 8-bit grey image at {path_out.name}"
            )
            continue
        partial_credit.check(
            bool(np.isin(out, (0, 255)).all()), f"page {k}: the output must contain only 0 and 255"
        )
        precision, recall = _ink_scores(out, ink)
        partial_credit.check(
            precision >= 0.75 and recall >= 0.75,
            f"page {k}: ink precision {precision:.2f}, recall {recall:.2f} (need 0.75): black should be "
            "text, white paper, despite the shadow; use the adaptive threshold (README has parameters)",
        )
        _, global_out = support.cv_otsu(page)  # a global threshold fails on these pages; yours must not
        partial_credit.check(
            precision + recall > sum(_ink_scores(global_out, ink)),
            f"page {k}: no better than a single global Otsu threshold; the lighting is uneven",
        )


@pytest.mark.points(3)
def test_binarize_command_line(partial_credit, datasets_dir, tmp_path):
    """`python -m vision.binarize IN OUT` writes the binarized page (exit 0); a missing input fails."""
    page, _ = support.generator(datasets_dir).document(np.random.default_rng(742), (200, 260))
    path_in, path_out = tmp_path / "in.png", tmp_path / "out.png"
    cv2.imwrite(str(path_in), page)
    package_root = str(Path(vision.__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "vision.binarize"]
    run = subprocess.run(
        [*command, str(path_in), str(path_out)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    partial_credit.total = 4
    if not partial_credit.check(
        run.returncode == 0, f"exit status {run.returncode}; stderr: {run.stderr[-500:]}"
    ):
        return  # the error-handling checks below only count once the command works
    out = cv2.imread(str(path_out), cv2.IMREAD_UNCHANGED)
    if not partial_credit.check(
        out is not None and out.shape == page.shape and bool(np.isin(out, (0, 255)).all()),
        "the command must write a 0/255 grey image of the input's size to OUT",
    ):
        return
    from vision.binarize import main  # the same command in-process (faster than a second interpreter)

    try:
        status = main([str(tmp_path / "nope.png"), str(tmp_path / "nope-out.png")])
    except Exception as exc:  # an uncaught exception means a traceback for the user
        partial_credit.check(
            False, f"a missing input raised {type(exc).__name__} instead of an error message"
        )
        return
    partial_credit.check(status != 0, "a missing input file must give a non-zero exit status")
    partial_credit.check(
        not (tmp_path / "nope-out.png").exists(), "a missing input must not create an output"
    )
