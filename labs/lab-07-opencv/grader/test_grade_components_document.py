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
    binarize_document,
    connected_components,
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
@pytest.mark.part("F")
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Count the background too, and number the components 1..count-1 without gaps in an int32 array.",
    "8-connectivity links both diagonals; repeat the union step until no adjacent pair spans two trees.",
)
def test_connected_components_match_opencv(partial_credit, bundled, datasets_dir):
    """connected_components finds OpenCV's component count and the same regions (4- and 8-connectivity)."""
    for name, binary in _binary_images(bundled, datasets_dir):
        for connectivity in (8, 4):
            result = connected_components(binary.copy(), connectivity)
            want_count, want = support.cv_components(binary, connectivity)  # the oracle only after the call
            if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], np.ndarray)):
                partial_credit.check(False, f"{name}: return (count, labels) with labels a NumPy array")
                continue
            count, labels = support.plain_int(result[0]), np.asarray(result[1]).view(np.ndarray)
            if count is None or count != want_count:
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
@pytest.mark.part("F")
@pytest.mark.hints(
    "Try an all-zero image, a 1×1 image and a checkerboard with both connectivities.",
    "A checkerboard is one component with 8-connectivity and many with 4; bool images are accepted.",
)
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
            got = connected_components(binary.copy(), connectivity)
            want_count, _ = support.cv_components(binary, connectivity)
            partial_credit.check(
                isinstance(got, tuple) and len(got) == 2 and support.plain_int(got[0]) == want_count,
                f"{name}, connectivity={connectivity}: expected count {want_count} (background included)",
            )
    got = connected_components(checker.astype(bool), 8)
    partial_credit.check(
        isinstance(got, tuple) and support.plain_int(got[0]) == 2, "a bool image is accepted like uint8"
    )
    got = connected_components(checker.copy())
    partial_credit.check(
        isinstance(got, tuple) and len(got) == 2 and support.plain_int(got[0]) == 2,
        "connected_components(6x6 checkerboard) with the default connectivity must count 2 (one "
        "8-connected component plus the background): the default is 8, as in cv2.connectedComponents; "
        f"got count {got[0] if isinstance(got, tuple) and got else got!r}",
    )


@pytest.mark.points(1)
@pytest.mark.part("F")
@pytest.mark.hints(
    "Refuse what you cannot label, with a ValueError naming the argument.",
    "`binary` must be a non-empty 2-D uint8 or bool array; `connectivity` 4 or 8.",
)
def test_components_reject_invalid_input(partial_credit):
    """connected_components refuses other dtypes, shapes and connectivities, naming the argument."""
    gray = np.zeros((8, 8), np.uint8)
    support.check_refusals(
        partial_credit,
        [
            (
                "connected_components(connectivity=6)",
                lambda: connected_components(gray, 6),
                ("connectivity",),
            ),
            (
                "connected_components(connectivity=True)",
                lambda: connected_components(gray, True),
                ("connectivity",),
            ),
            (
                "connected_components(float image)",
                lambda: connected_components(gray.astype(np.float32)),
                ("binary",),
            ),
            (
                "connected_components(3-D image)",
                lambda: connected_components(np.zeros((3, 3, 3), np.uint8)),
                ("binary",),
            ),
            (
                "connected_components(empty image)",
                lambda: connected_components(np.zeros((0, 3), np.uint8)),
                ("binary",),
            ),
            ("connected_components(a list)", lambda: connected_components([[1, 0]]), ("binary",)),
        ],
    )


def _ink_scores(page: np.ndarray, ink: np.ndarray) -> tuple[float, float]:
    """(precision, recall) of the dark pixels of a binarized page against the true ink mask."""
    found = page == 0
    hits = int((found & ink).sum())
    return hits / max(1, int(found.sum())), hits / max(1, int(ink.sum()))


@pytest.mark.points(5)
@pytest.mark.part("H")
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Read the page as grey, threshold it with your adaptive_threshold, write it, return what you wrote.",
    "Pass block_size, C and method through unchanged: the graders compare with OpenCV's adaptive "
    "threshold of the same page.",
)
def test_binarize_document_recovers_the_text(partial_credit, datasets_dir, tmp_path):
    """binarize_document writes a 0/255 image: the ink of an unevenly lit page black, the paper white."""
    gen = support.generator(datasets_dir)
    rng = np.random.default_rng(741)
    for k in range(3):
        page, ink = gen.document(rng, ((300, 400), (360, 480), (420, 380))[k])
        path_in, path_out = tmp_path / f"page{k}.png", tmp_path / f"page{k}-bw.png"
        cv2.imwrite(str(path_in), page)
        method, block, c = (("gaussian", 25, 10.0), ("mean", 31, 8.0), ("gaussian", 15, 6.5))[k]
        returned = binarize_document(str(path_in), str(path_out), block, c, method)
        out = cv2.imread(str(path_out), cv2.IMREAD_UNCHANGED)
        if out is not None and out.shape == page.shape:
            want = support.cv_adaptive(page, block, c, method, 255, False)
            wrong = float(np.mean(out != want))
            partial_credit.check(
                (wrong == 0.0 if method == "mean" else wrong <= 0.001)
                and isinstance(returned, np.ndarray)
                and np.array_equal(np.asarray(returned).view(np.ndarray), out),
                f"page {k}: the file must hold adaptive_threshold(page, {block}, {c}, {method!r}) "
                f"({wrong:.2%} of pixels differ from OpenCV's) and the function must return that image",
            )
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
    # A colour page (channels differ): read as RGB, converted with to_gray in B, G, R order.
    page, _ = gen.document(rng, (240, 320))
    bgr = np.dstack([page, np.clip(page.astype(np.int16) + 60, 0, 255), page // 2]).astype(np.uint8)
    path_in, path_out = tmp_path / "colour.png", tmp_path / "colour-bw.png"
    cv2.imwrite(str(path_in), bgr)
    binarize_document(str(path_in), str(path_out), 21, 7.0, "mean")
    out = cv2.imread(str(path_out), cv2.IMREAD_UNCHANGED)
    want = support.cv_adaptive(support.cv_gray(bgr), 21, 7.0, "mean", 255, False)
    partial_credit.check(
        out is not None and out.shape == want.shape and bool(np.array_equal(out, want)),
        "a colour page (PNG, its blue, green and red channels differ): the file must hold "
        "adaptive_threshold(to_gray(page in B, G, R order), 21, 7.0, 'mean'); "
        + (
            "no readable image of the page's size was written"
            if out is None or out.shape != want.shape
            else f"{float(np.mean(out != want)):.2%} of the pixels differ (Pillow gives R, G, B)"
        ),
    )
    # The defaults: block_size=25, C=10.0, method="gaussian".
    page, _ = gen.document(rng, (240, 320))
    path_in, path_out = tmp_path / "defaults.png", tmp_path / "defaults-bw.png"
    cv2.imwrite(str(path_in), page)
    binarize_document(str(path_in), str(path_out))
    out = cv2.imread(str(path_out), cv2.IMREAD_UNCHANGED)
    want = support.cv_adaptive(page, 25, 10.0, "gaussian", 255, False)
    wrong = 1.0 if out is None or out.shape != want.shape else float(np.mean(out != want))
    partial_credit.check(
        wrong <= 0.001,
        "binarize_document(path_in, path_out) with its defaults must equal adaptive_threshold(page, 25, "
        f"10.0, 'gaussian'); {wrong:.2%} of the pixels differ",
    )


@pytest.mark.points(3)
@pytest.mark.part("H")
@pytest.mark.hints(
    "Run `python -m vision.binarize IN OUT` yourself on a page and on a missing file.",
    "binarize_document raises FileNotFoundError for a missing input and ValueError naming path_in or "
    "path_out for an unreadable image or an unwritable output.",
)
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
    partial_credit.total = 9
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"this is not an image")
    for label, call, kind, names in (
        ("a missing input", lambda: binarize_document(tmp_path / "absent.png", tmp_path / "o1.png"),
         FileNotFoundError, ("absent.png",)),
        ("an input that is not an image", lambda: binarize_document(junk, tmp_path / "o2.png"), ValueError,
         ("path_in", "junk.png")),
        ("an output with an unknown extension", lambda: binarize_document(path_in, tmp_path / "o3.qqq"),
         ValueError, ("path_out", "o3.qqq")),
        ("an output in a missing folder", lambda: binarize_document(path_in, tmp_path / "no" / "o4.png"),
         ValueError, ("path_out", "o4.png")),
    ):  # fmt: skip
        outcome = support.refusal(call, names, kind)
        partial_credit.check(
            outcome is None,
            f"binarize_document with {label} must raise {kind.__name__} naming the path; it {outcome}",
        )
    partial_credit.check(
        sorted(p.name for p in tmp_path.iterdir()) == ["in.png", "junk.png", "out.png"],
        f"a failed binarize_document must not leave files behind: {sorted(p.name for p in tmp_path.iterdir())}",
    )
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
