"""vision: classic image-processing operations rebuilt with NumPy and graded against OpenCV."""

from vision.color import histogram, to_gray
from vision.components import connected_components
from vision.document import binarize_document
from vision.edges import canny, gradient_magnitude, non_max_suppression, sobel
from vision.threshold import adaptive_threshold, otsu, threshold

__all__ = [
    "adaptive_threshold",
    "binarize_document",
    "canny",
    "connected_components",
    "gradient_magnitude",
    "histogram",
    "non_max_suppression",
    "otsu",
    "sobel",
    "threshold",
    "to_gray",
]
