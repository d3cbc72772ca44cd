"""Fashion-MNIST loading: IDX parsing, damaged files, every source in order, the shipped subset."""

import gzip
import hashlib

import numpy as np
import pytest

from cnncourse import data

SUBSET = data._SUBSET_DIR
FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


# ------------------------------------------------------------------ IDX format

@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_round_trip(tmp_path, dtype, suffix):
    array = (np.arange(2 * 3 * 4) % 120 - (0 if dtype == np.uint8 else 60)).astype(dtype).reshape(2, 3, 4)
    path = tmp_path / f"a-idx3{suffix}"
    data.write_idx(path, array)
    back = data.read_idx(path)
    assert back.dtype == array.dtype and back.shape == (2, 3, 4)
    np.testing.assert_array_equal(back, array)


def test_idx_header_is_the_mnist_one(tmp_path):
    """Parse a hand-written file: magic 00 00 08 03, then big-endian dimensions, then bytes."""
    raw = bytes([0, 0, 8, 3]) + (2).to_bytes(4, "big") + (2).to_bytes(4, "big") + (3).to_bytes(4, "big") + bytes(range(12))
    (tmp_path / "x-idx3-ubyte").write_bytes(raw)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "x-idx3-ubyte"), np.arange(12, dtype=np.uint8).reshape(2, 2, 3))
    data.write_idx(tmp_path / "y-idx3-ubyte", np.arange(12, dtype=np.uint8).reshape(2, 2, 3))
    assert (tmp_path / "y-idx3-ubyte").read_bytes() == raw


def test_idx_gzip_is_reproducible(tmp_path):
    data.write_idx(tmp_path / "a.gz", np.ones(5, np.uint8))
    data.write_idx(tmp_path / "b.gz", np.ones(5, np.uint8))
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()


def _idx_bytes(array):
    return bytes([0, 0, 8, array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape) + array.tobytes()


@pytest.mark.parametrize("raw, match", [
    (b"\x00\x00\x08\x01" + (10).to_bytes(4, "big") + bytes(9), r"truncated: shape \(10,\) needs 10 data bytes, found 9"),
    (b"\x00\x00\x08\x01" + (10).to_bytes(4, "big") + bytes(11), "longer than its header says"),
    (b"\x00\x00\x08\x03" + (10).to_bytes(4, "big"), "truncated: its header needs 16 bytes"),
    (b"\x08\x03\x00\x00" + bytes(20), "not an IDX file: magic number 08030000"),
    (b"\x00\x00\x07\x01" + bytes(8), "not an IDX file"),
    (b"", "magic number missing"),
])
def test_idx_damaged_files_raise(tmp_path, raw, match):
    (tmp_path / "bad-idx").write_bytes(raw)
    with pytest.raises(ValueError, match=match):
        data.read_idx(tmp_path / "bad-idx")


def test_idx_truncated_and_corrupt_gzip(tmp_path):
    whole = gzip.compress(_idx_bytes(np.arange(200, dtype=np.uint8)))
    (tmp_path / "cut.gz").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        data.read_idx(tmp_path / "cut.gz")
    (tmp_path / "noise.gz").write_bytes(b"this is not gzip at all")
    with pytest.raises(ValueError, match="truncated or corrupt"):
        data.read_idx(tmp_path / "noise.gz")
    # A complete gzip stream of a truncated IDX file: still caught, by the size check.
    (tmp_path / "short.gz").write_bytes(gzip.compress(_idx_bytes(np.arange(200, dtype=np.uint8))[:-7]))
    with pytest.raises(ValueError, match="truncated"):
        data.read_idx(tmp_path / "short.gz")


def test_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No IDX file"):
        data.read_idx(tmp_path / "nope")


def test_write_idx_rejects_unknown_dtype(tmp_path):
    with pytest.raises(TypeError, match="`array` must have dtype"):
        data.write_idx(tmp_path / "x", np.zeros(3, dtype=np.complex64))


# ------------------------------------------------------------------ the shipped subset (real data)

@pytest.mark.parametrize("split, per_class", [("train", 500), ("test", 100)])
def test_shipped_subset_is_stratified_and_indexed(split, per_class):
    images, labels, indices = data._shipped_subset(split)
    assert images.shape == (10 * per_class, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels, minlength=10).tolist() == [per_class] * 10
    assert indices.shape == labels.shape and np.all(np.diff(indices) > 0)
    assert indices.max() < {"train": 60_000, "test": 10_000}[split]
    assert 0.2 < images.mean() / 255 < 0.4  # clothing on black: Fashion-MNIST's mean is 0.286


def test_shipped_subset_has_provenance_and_licence():
    text = (SUBSET / "README.md").read_text(encoding="utf-8")
    assert "Zalando" in text and "Permission is hereby granted" in text and "default_rng(20261122)" in text
    for name in ("t10k-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        assert name in text


def test_class_names():
    assert len(data.FASHION_MNIST_CLASSES) == 10 and data.FASHION_MNIST_CLASSES[9] == "Ankle boot"


# ------------------------------------------------------------------ sources, in order (fake full sets)

@pytest.fixture
def fake_sources(tmp_path, monkeypatch):
    """Tiny "full" sets (30 train / 20 test images) and a matching shipped subset, nothing real."""
    monkeypatch.setenv("CNNCOURSE_DATA", str(tmp_path / "cache"))
    monkeypatch.setattr(data, "_FASHION_FILES", {"train": (*FILES["train"], 30), "test": (*FILES["test"], 20)})
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST", tmp_path / "debian")
    monkeypatch.setattr(data, "_SUBSET_DIR", tmp_path / "subset")
    monkeypatch.setattr(data, "_WARNED_FALLBACK", set())
    rng = np.random.default_rng(0)
    full = {split: (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), (np.arange(n) % 10).astype(np.uint8))
            for split, n in (("train", 30), ("test", 20))}
    (tmp_path / "subset").mkdir()
    picked = {"train": np.array([1, 4, 9, 20], np.int32), "test": np.array([0, 3, 17], np.int32)}
    for split, (images, labels) in full.items():
        data.write_idx(tmp_path / "subset" / f"{FILES[split][0]}.gz", images[picked[split]])
        data.write_idx(tmp_path / "subset" / f"{FILES[split][1]}.gz", labels[picked[split]])
        data.write_idx(tmp_path / "subset" / f"{split}-indices-idx1-int.gz", picked[split])

    def install(folder, marker=0, gz=True):
        folder.mkdir(parents=True, exist_ok=True)
        for split, (images, labels) in full.items():
            suffix = ".gz" if gz else ""
            data.write_idx(folder / (FILES[split][0] + suffix), images ^ np.uint8(marker))  # marker tells copies apart
            data.write_idx(folder / (FILES[split][1] + suffix), labels)

    return {"full": full, "picked": picked, "install": install, "cache": tmp_path / "cache" / "fashion-mnist",
            "debian": tmp_path / "debian"}


def test_debian_package_is_used(fake_sources):
    fake_sources["install"](fake_sources["debian"])
    images, labels = data.load_fashion_mnist("train")
    np.testing.assert_array_equal(images, fake_sources["full"]["train"][0])
    assert labels.dtype == np.int64 and images.dtype == np.uint8
    assert data.fashion_mnist_source("train") == str(fake_sources["debian"])


def test_cache_wins_over_debian(fake_sources):
    fake_sources["install"](fake_sources["debian"])
    fake_sources["install"](fake_sources["cache"], marker=255, gz=False)  # uncompressed copies are read too
    images, _ = data.load_fashion_mnist("test")
    np.testing.assert_array_equal(images, fake_sources["full"]["test"][0] ^ np.uint8(255))
    assert data.fashion_mnist_source("test") == str(fake_sources["cache"])


def test_subset_is_the_same_images_from_every_source(fake_sources, capsys):
    from_package = data.load_fashion_mnist("train", subset=True)  # nothing installed: the shipped copy
    fake_sources["install"](fake_sources["debian"])
    from_debian = data.load_fashion_mnist("train", subset=True)
    for a, b in zip(from_package, from_debian):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(from_debian[0], fake_sources["full"]["train"][0][fake_sources["picked"]["train"]])
    assert capsys.readouterr().err == ""  # asking for the subset is not a fallback


class _FakeTorchvisionFashionMNIST:
    calls = []

    def __init__(self, root, train=True, download=False):
        import pathlib

        type(self).calls.append((root, train, download))
        raw = pathlib.Path(root) / "FashionMNIST" / "raw"
        self.install(raw)


def test_torchvision_download_lands_in_the_cache(fake_sources, monkeypatch):
    torchvision_datasets = pytest.importorskip("torchvision.datasets")
    _FakeTorchvisionFashionMNIST.calls = []
    _FakeTorchvisionFashionMNIST.install = staticmethod(lambda raw: fake_sources["install"](raw, marker=7))
    monkeypatch.setattr(torchvision_datasets, "FashionMNIST", _FakeTorchvisionFashionMNIST)
    monkeypatch.delenv("CNNCOURSE_OFFLINE")
    assert data.fashion_mnist_source("train") == "torchvision download"
    images, _ = data.load_fashion_mnist("train")
    np.testing.assert_array_equal(images, fake_sources["full"]["train"][0] ^ np.uint8(7))
    assert _FakeTorchvisionFashionMNIST.calls == [(str(fake_sources["cache"]), True, True)]
    data.load_fashion_mnist("test")  # now read from the cache: no second download
    assert len(_FakeTorchvisionFashionMNIST.calls) == 1
    assert data.fashion_mnist_source("train") == str(fake_sources["cache"] / "FashionMNIST" / "raw")


def test_offline_skips_the_download_and_falls_back_once(fake_sources, monkeypatch, capsys):
    torchvision_datasets = pytest.importorskip("torchvision.datasets")

    def boom(*args, **kwargs):
        raise AssertionError("must not download when CNNCOURSE_OFFLINE is set")

    monkeypatch.setattr(torchvision_datasets, "FashionMNIST", boom)
    assert data.fashion_mnist_source("test") == "shipped subset"
    images, labels = data.load_fashion_mnist("test")
    assert len(images) == 3 and labels.tolist() == [0, 3, 7]
    data.load_fashion_mnist("test")
    err = capsys.readouterr().err
    assert err.count("no full Fashion-MNIST found; using the 3-image test subset") == 1
    assert "dataset-fashion-mnist" in err


def test_failed_download_falls_back_with_the_reason(fake_sources, monkeypatch, capsys):
    torchvision_datasets = pytest.importorskip("torchvision.datasets")

    def no_network(*args, **kwargs):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz")

    monkeypatch.setattr(torchvision_datasets, "FashionMNIST", no_network)
    monkeypatch.delenv("CNNCOURSE_OFFLINE")
    images, _ = data.load_fashion_mnist("train")
    assert len(images) == 4
    err = capsys.readouterr().err
    assert "torchvision could not download Fashion-MNIST (RuntimeError" in err and "4-image train subset" in err


def test_corrupt_cache_is_an_error_not_a_fallback(fake_sources):
    fake_sources["install"](fake_sources["cache"])
    path = fake_sources["cache"] / (FILES["train"][0] + ".gz")
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        data.load_fashion_mnist("train")


def test_partial_set_is_refused(fake_sources):
    fake_sources["install"](fake_sources["debian"])
    images, labels = fake_sources["full"]["test"]
    data.write_idx(fake_sources["debian"] / (FILES["test"][0] + ".gz"), images[:5])
    data.write_idx(fake_sources["debian"] / (FILES["test"][1] + ".gz"), labels[:5])
    with pytest.raises(ValueError, match="has 5 images; the full test set has 20"):
        data.load_fashion_mnist("test")


def test_mismatched_labels_are_refused(fake_sources):
    fake_sources["install"](fake_sources["debian"])
    data.write_idx(fake_sources["debian"] / (FILES["train"][1] + ".gz"), np.full(30, 12, np.uint8))
    with pytest.raises(ValueError, match="Fashion-MNIST labels are 0-9"):
        data.load_fashion_mnist("train")


@pytest.mark.parametrize("kwargs, error, match", [
    ({"split": "val"}, ValueError, "`split` must be one of 'train', 'test'"),
    ({"subset": "yes"}, TypeError, "`subset` must be True or False"),
])
def test_load_fashion_mnist_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        data.load_fashion_mnist(**kwargs)


# ------------------------------------------------------------------ against the real full set (Debian package)

needs_debian = pytest.mark.skipif(not (data.DEBIAN_FASHION_MNIST / "t10k-images-idx3-ubyte.gz").is_file(),
                                  reason="dataset-fashion-mnist not installed (.ci/run installs it)")


@needs_debian
def test_full_set_from_debian(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNCOURSE_DATA", str(tmp_path))
    images, labels = data.load_fashion_mnist("test")
    assert images.shape == (10_000, 28, 28) and np.bincount(labels).tolist() == [1000] * 10


@needs_debian
def test_shipped_subset_is_reproduced_from_the_originals(tmp_path):
    data._write_fashion_subset(data.DEBIAN_FASHION_MNIST, tmp_path)
    for path in sorted(SUBSET.glob("*.gz")):
        assert hashlib.sha256((tmp_path / path.name).read_bytes()).hexdigest() == \
            hashlib.sha256(path.read_bytes()).hexdigest(), path.name
    readme = (SUBSET / "README.md").read_text(encoding="utf-8")
    for path in sorted(data.DEBIAN_FASHION_MNIST.glob("*.gz")):
        assert hashlib.sha256(path.read_bytes()).hexdigest() in readme  # the provenance note names the originals


