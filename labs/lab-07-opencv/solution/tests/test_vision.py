"""Model tests for the reference: OpenCV is the oracle, on real and seeded synthetic images."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest
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
from vision.binarize import main

KINDS = {
    "binary": cv2.THRESH_BINARY,
    "binary_inv": cv2.THRESH_BINARY_INV,
    "trunc": cv2.THRESH_TRUNC,
    "tozero": cv2.THRESH_TOZERO,
    "tozero_inv": cv2.THRESH_TOZERO_INV,
}


@pytest.fixture(scope="module")
def generate(datasets_dir: Path):
    spec = importlib.util.spec_from_file_location("image_generator", datasets_dir / "images" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def images(datasets_dir: Path, generate) -> list[np.ndarray]:
    photos = [
        cv2.imread(str(datasets_dir / "images" / f"{n}.png"), cv2.IMREAD_GRAYSCALE)
        for n in ("camera", "coins")
    ]
    return [p[:128, :160] for p in photos] + [image for _, image in generate.synthetic_images(7, 70)]


def portable_otsu(gray: np.ndarray) -> tuple[float, np.ndarray]:
    """OpenCV's own Otsu code (Intel IPP breaks some exact ties differently)."""
    use_ipp = cv2.ipp.useIPP()
    cv2.ipp.setUseIPP(False)
    try:
        return cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    finally:
        cv2.ipp.setUseIPP(use_ipp)


def test_to_gray_is_exact_and_histogram_counts(images):
    rng = np.random.default_rng(1)
    for shape in [(1, 1, 3), (17, 31, 3), (64, 64, 3)]:
        bgr = rng.integers(0, 256, shape, dtype=np.uint8)
        assert np.array_equal(to_gray(bgr), cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
    for gray in images[:10]:
        want = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel()
        assert np.array_equal(histogram(gray), want) and histogram(gray).dtype == np.int64


@pytest.mark.parametrize("kind", list(KINDS))
def test_threshold_matches_opencv(images, kind):
    cases = [
        (127, 255),
        (127.5, 255),
        (-0.5, 200),
        (-10, 255),
        (254.9, 255),
        (255, 255),
        (300, 128.5),
        (60, 300),
    ]
    cases += [(60, -4), (0.2, 1.5)]
    for gray in images[::4]:
        for t, maxval in cases:
            got_t, got = threshold(gray, t, maxval, kind)
            want_t, want = cv2.threshold(gray, t, maxval, KINDS[kind])
            assert got_t == want_t and np.array_equal(got, want), (t, maxval, kind)


def test_otsu_matches_opencv_including_ties(images, generate):
    ties = [image for _, image in generate.synthetic_images(3, 60, ("ties", "constant", "tiny"))]
    for gray in images + ties + [np.array([[5]], np.uint8), np.array([[50] * 4 + [200] * 4], np.uint8)]:
        got_t, got = otsu(gray)
        want_t, want = portable_otsu(gray)
        assert got_t == want_t and np.array_equal(got, want)


def test_otsu_skips_classes_below_float_epsilon():
    gray = np.zeros((3000, 3000), np.uint8)  # one pixel in 9 million: q1 < FLT_EPSILON for t < 200
    gray[0, 0] = 200
    assert otsu(gray)[0] == portable_otsu(gray)[0]


@pytest.mark.parametrize("method", ["mean", "gaussian"])
def test_adaptive_threshold_matches_opencv(images, method):
    flag = cv2.ADAPTIVE_THRESH_MEAN_C if method == "mean" else cv2.ADAPTIVE_THRESH_GAUSSIAN_C
    rng = np.random.default_rng(2)
    for gray in images:
        block = int(rng.choice([3, 5, 7, 9, 13, 31, 63]))
        c = float(rng.choice([0, 4, -2.5, 7.25]))
        inverse = bool(rng.integers(0, 2))
        maxval = float(rng.choice([255, 300, 99.5]))
        got = adaptive_threshold(gray, block, c, method, maxval, inverse)
        want = cv2.adaptiveThreshold(gray, maxval, flag, int(inverse), block, c)
        wrong = np.mean(got != want)
        assert wrong == 0 if method == "mean" else wrong <= 0.001, (block, c, inverse, maxval)


def test_adaptive_threshold_negative_maxval_gives_zeros(images):
    assert not adaptive_threshold(images[0], 5, 2, maxval=-1).any()


def test_large_window_sums_switch_to_int64():
    gray = np.full((3, 4000), 255, np.uint8)  # 4000 · 3001 · 255 overflows int32
    out = adaptive_threshold(gray, 3001, 0)
    assert np.array_equal(out, cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, 0, 3001, 0))


def test_sobel_and_magnitude_match_opencv(images):
    for gray in images[::3]:
        for ksize in (1, 3, 5, 7):
            for dx, dy in ((1, 0), (0, 1), (1, 1), (2, 0), (0, 2)):
                want = cv2.Sobel(gray, cv2.CV_64F, dx, dy, ksize=ksize)
                assert np.array_equal(sobel(gray, dx, dy, ksize), want), (ksize, dx, dy)
        want = cv2.Sobel(gray, cv2.CV_64F, 1, 0, ksize=3, borderType=cv2.BORDER_REPLICATE)
        assert np.array_equal(sobel(gray, 1, 0, border="replicate"), want)
        gx, gy = sobel(gray, 1, 0), sobel(gray, 0, 1)
        assert np.allclose(gradient_magnitude(gx, gy), cv2.magnitude(gx, gy))
        assert np.array_equal(gradient_magnitude(gx, gy, l2=False), np.abs(gx) + np.abs(gy))


def test_non_max_suppression_tie_rules():
    row = np.array([[0.0, 5, 5, 5, 0]])  # a plateau keeps only its left end (m > left, m >= right)
    assert non_max_suppression(row, np.ones_like(row), np.zeros_like(row)).tolist() == [[0, 5, 0, 0, 0]]
    col = row.T  # vertical gradient: the same rule with up/down
    assert non_max_suppression(col, np.zeros_like(col), np.ones_like(col)).ravel().tolist() == [0, 5, 0, 0, 0]
    diag = np.array([[3.0, 0, 0], [0, 4, 0], [0, 0, 3]])
    ones = np.ones_like(diag)
    assert non_max_suppression(diag, ones, ones)[1, 1] == 4  # same signs: up-left / down-right
    assert non_max_suppression(diag, ones, -ones)[1, 1] == 4  # opposite signs: up-right / down-left
    corner = np.array([[5.0, 0, 0], [0, 4, 0], [0, 0, 0]])
    assert non_max_suppression(corner, ones, ones)[1, 1] == 0
    assert non_max_suppression(corner, -ones, ones)[1, 1] == 4


@pytest.mark.parametrize("l2", [False, True])
def test_canny_matches_opencv(images, l2):
    for gray in images[::2]:
        for low, high in ((50, 150), (120, 40), (-5, 30)):
            assert np.array_equal(canny(gray, low, high, l2), cv2.Canny(gray, low, high, L2gradient=l2))


@pytest.mark.parametrize("connectivity", [4, 8])
def test_connected_components_count_and_regions(images, connectivity):
    for gray in [*images, np.zeros((3, 3), np.uint8)]:
        binary = (gray > np.median(gray)).astype(np.uint8)
        count, labels = connected_components(binary, connectivity)
        want_count, want = cv2.connectedComponents(binary, connectivity=connectivity)
        assert count == want_count and labels.dtype == np.int32
        pairs = {(int(a), int(b)) for a, b in zip(labels.ravel(), want.ravel(), strict=True)}
        assert len(pairs) == count  # a one-to-one map between our labels and OpenCV's
    assert connected_components(np.eye(4, dtype=bool), connectivity)[0] == (2 if connectivity == 8 else 5)


def test_binarize_document_and_command_line(generate, tmp_path, capsys):
    page, ink = generate.document(np.random.default_rng(5), (240, 320))
    cv2.imwrite(str(tmp_path / "page.png"), page)
    out = binarize_document(tmp_path / "page.png", tmp_path / "bw.png")
    assert np.array_equal(cv2.imread(str(tmp_path / "bw.png"), cv2.IMREAD_GRAYSCALE), out)
    assert ((out == 0) & ink).sum() / ink.sum() > 0.8 and ((out == 0) & ink).sum() / (out == 0).sum() > 0.8
    assert main([str(tmp_path / "page.png"), str(tmp_path / "cli.png"), "--method", "mean"]) == 0
    assert main([str(tmp_path / "missing.png"), str(tmp_path / "x.png")]) == 1
    (tmp_path / "not-an-image.png").write_text("hello")
    assert main([str(tmp_path / "not-an-image.png"), str(tmp_path / "x.png")]) == 1
    assert main([str(tmp_path / "page.png"), str(tmp_path / "no-extension")]) == 1
    assert main([str(tmp_path / "page.png"), str(tmp_path / "no-such-folder" / "out.png")]) == 1
    assert "error:" in capsys.readouterr().err


BAD_CALLS = [
    lambda: to_gray(np.zeros((4, 4), np.uint8)),
    lambda: to_gray(np.zeros((4, 4, 3), np.float32)),
    lambda: to_gray([[1, 2, 3]]),
    lambda: to_gray(np.zeros((0, 4, 3), np.uint8)),
    lambda: histogram(np.zeros((4, 4), np.int16)),
    lambda: histogram(np.zeros((0, 4), np.uint8)),
    lambda: histogram("image"),
    lambda: threshold(np.zeros((4, 4, 3), np.uint8), 3),
    lambda: threshold(np.zeros((4, 4), np.uint8), float("inf")),
    lambda: threshold(np.zeros((4, 4), np.uint8), "3"),
    lambda: threshold(np.zeros((4, 4), np.uint8), True),
    lambda: threshold(np.zeros((4, 4), np.uint8), 3, kind="otsu"),
    lambda: adaptive_threshold(np.zeros((4, 4), np.uint8), 4, 0),
    lambda: adaptive_threshold(np.zeros((4, 4), np.uint8), 3.0, 0),
    lambda: adaptive_threshold(np.zeros((4, 4), np.uint8), 3, 0, method="median"),
    lambda: sobel(np.zeros((4, 4), np.uint8), 0, 0),
    lambda: sobel(np.zeros((4, 4), np.uint8), 1, 0, ksize=4),
    lambda: sobel(np.zeros((4, 4), np.uint8), 3, 0),
    lambda: sobel(np.zeros((4, 4), np.uint8), 1, 0, border="wrap"),
    lambda: gradient_magnitude(np.zeros((3, 3)), np.zeros((3, 4))),
    lambda: gradient_magnitude(np.zeros((3, 3), bool), np.zeros((3, 3))),
    lambda: gradient_magnitude(np.zeros(3), np.zeros(3)),
    lambda: canny(np.zeros((4, 4), np.uint8), float("nan"), 3),
    lambda: connected_components(np.zeros((4, 4), np.float32)),
    lambda: connected_components(np.zeros((4,), np.uint8)),
    lambda: connected_components(np.zeros((4, 4), np.uint8), 6),
]


@pytest.mark.parametrize("call", BAD_CALLS)
def test_invalid_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_binarize_document_colour_page_and_errors(generate, tmp_path):
    page, _ = generate.document(np.random.default_rng(6), (80, 100))
    colour = np.dstack([page, page, page])
    cv2.imwrite(str(tmp_path / "colour.png"), colour)
    out = binarize_document(tmp_path / "colour.png", tmp_path / "bw.png", 15, 5.0, "mean")
    assert np.array_equal(out, adaptive_threshold(to_gray(colour), 15, 5.0, "mean"))
    with pytest.raises(FileNotFoundError, match=r"absent\.png"):
        binarize_document(tmp_path / "absent.png", tmp_path / "x.png")
    (tmp_path / "junk.png").write_bytes(b"junk")
    with pytest.raises(ValueError, match="path_in"):
        binarize_document(tmp_path / "junk.png", tmp_path / "x.png")
    for target in (tmp_path / "x.qqq", tmp_path / "missing" / "x.png"):
        with pytest.raises(ValueError, match="path_out"):
            binarize_document(tmp_path / "colour.png", target)
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "x.qqq").exists()


def test_error_messages_name_the_argument():
    gray = np.zeros((4, 4), np.uint8)
    g = np.zeros((3, 3))
    cases = [
        (lambda: threshold(gray, 1, kind="nope"), "kind"),
        (lambda: adaptive_threshold(gray, 5.0, 1), "block_size"),
        (lambda: adaptive_threshold(gray, 3, float("nan")), "C"),
        (lambda: sobel(gray, 1, 0, border="wrap"), "border"),
        (lambda: gradient_magnitude(g, np.zeros((3, 4))), "gx and gy"),
        (lambda: non_max_suppression(np.zeros((4, 3)), g, g), "magnitude"),
        (lambda: canny(gray, float("nan"), 3), "low"),
        (lambda: connected_components(gray, 6), "connectivity"),
    ]
    for call, name in cases:
        with pytest.raises(ValueError, match=name):
            call()
