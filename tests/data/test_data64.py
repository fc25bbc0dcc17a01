"""The 64x64 suites' data: CelebA's crop-160-resize-64 on real photographs, the ore template, Fashion-MNIST64."""

from __future__ import annotations

import importlib.resources

import matplotlib.cbook
import numpy as np
import pytest
import torch
from PIL import Image

from ganbench.core.errors import GanbenchError
from ganbench.data import load_data
from ganbench.results.leaderboard import suite_published
from ganbench.results.published import load_published
from ganbench.suites import expand_suites, get_suite, suite_data
from tests.helpers import assert_one_line_error, needs_full_fashion_mnist, run_cli, write_pngs

CELEBA_W, CELEBA_H = 178, 218  # the aligned CelebA images


@pytest.fixture
def celeba_root(tmp_path, monkeypatch):
    """A CelebA layout (img_align_celeba + list_eval_partition.txt) of six real 178x218 photographs: windows of
    the Grace Hopper portrait matplotlib ships, saved as JPEG as CelebA is."""
    photo = Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).convert("RGB")
    folder = tmp_path / "celeba" / "img_align_celeba"
    folder.mkdir(parents=True)
    partition = []
    for i, split in enumerate([0, 0, 0, 0, 1, 2]):
        left, top = 150 + 20 * i, 60 + 10 * i
        photo.crop((left, top, left + CELEBA_W, top + CELEBA_H)).save(folder / f"{i + 1:06d}.jpg", quality=95)
        partition.append(f"{i + 1:06d}.jpg {split}")
    (tmp_path / "celeba" / "list_eval_partition.txt").write_text("\n".join(partition) + "\n")
    monkeypatch.setenv("GANBENCH_DATA", str(tmp_path))
    return folder


def test_celeba64_crops_the_central_160_and_resizes_to_64(celeba_root):
    train, test = load_data("celeba64", "train"), load_data("celeba64", "test")
    assert train.images.shape == (4, 3, 64, 64) and test.images.shape == (1, 3, 64, 64)  # the official split
    # Bury (2024): "Each photo is cropped to 160 x 160 pixels", "then ... scaled to 64 x 64 pixels"
    for image, name in [(train.images[0], "000001.jpg"), (test.images[0], "000006.jpg")]:
        pixels = np.asarray(Image.open(celeba_root / name).convert("RGB"))
        top, left = (CELEBA_H - 160) // 2, (CELEBA_W - 160) // 2
        centre = Image.fromarray(pixels[top:top + 160, left:left + 160])
        expected = np.asarray(centre.resize((64, 64), Image.Resampling.BILINEAR)).transpose(2, 0, 1)
        assert torch.equal(image, torch.from_numpy(expected.copy()))
    suite = get_suite("celeba64")
    assert suite_data(suite, "train").images.shape == (4, 3, 64, 64)


def test_celeba64_run_without_celeba_says_where_it_looked_and_how_to_get_it(tmp_path):
    proc = run_cli("run", "--suite", "celeba64", "--out", str(tmp_path / "out"),
                   env={"GANBENCH_DATA": str(tmp_path / "data")})
    last = assert_one_line_error(proc, "CelebA not found", str(tmp_path / "data" / "celeba" / "img_align_celeba"),
                                 "list_eval_partition.txt")
    assert "datasets.CelebA" in last
    assert not (tmp_path / "out").exists()


def test_ore_template_scores_each_class_on_its_own(tmp_path, quick_test, monkeypatch):
    write_pngs(tmp_path / "mine" / "concentrate", quick_test.images[:5].numpy())
    write_pngs(tmp_path / "mine" / "waste", quick_test.images[5:8].numpy())
    concentrate, waste = expand_suites(f"ore:{tmp_path / 'mine'}")
    assert (concentrate.name, waste.name) == ("ore-concentrate", "ore-waste")
    assert (concentrate.published_dataset, waste.published_dataset) == ("ore concentrate", "ore waste")
    c, w = suite_data(concentrate, "train"), suite_data(waste, "train")
    assert c.images.shape == (5, 3, 64, 64) and w.images.shape == (3, 3, 64, 64)  # RGB 64x64, as the paper
    assert get_suite(f"ore-waste:{tmp_path / 'mine'}") == waste
    monkeypatch.chdir(tmp_path)  # the folder as typed does not name another run: relative, ./ and absolute alike
    assert get_suite("ore-waste:mine") == get_suite("ore-waste:./mine") == waste
    # published per class (Wang et al., Table 1)
    published = load_published()
    rows = suite_published(published, waste)
    assert dict(zip(rows[rows["metric"] == "fid"]["model"], rows[rows["metric"] == "fid"]["value"])) == {
        "dcgan64": 183, "wgan": 202, "wgan-improved": 102}
    # without a folder: $GANBENCH_DATA/ore/<class>, and a one-line error naming it
    monkeypatch.setenv("GANBENCH_DATA", str(tmp_path / "mine"))
    with pytest.raises(GanbenchError, match="ore concentrate images not found"):
        load_data("ore-concentrate")
    proc = run_cli("run", "--suite", "ore", "--out", str(tmp_path / "out"))
    assert_one_line_error(proc, "ore concentrate images not found", str(tmp_path / "mine" / "ore" / "concentrate"))
    (tmp_path / "mine" / "ore").mkdir()
    (tmp_path / "mine" / "concentrate").rename(tmp_path / "mine" / "ore" / "concentrate")
    assert len(suite_data(get_suite("ore-concentrate"), "test")) == 5


def test_suite_names_with_folders_and_groups_are_checked():
    with pytest.raises(GanbenchError, match="suite fashion-mnist reads no folder"):
        get_suite("fashion-mnist:/tmp")
    with pytest.raises(GanbenchError, match=r"unknown suite 'ores'.*ore \(runs ore-concentrate, ore-waste\)"):
        get_suite("ores")


def test_fashion_mnist64_published_rows_are_those_at_64x64():
    published = load_published()
    at64 = suite_published(published, get_suite("fashion-mnist64"))
    at28 = suite_published(published, get_suite("fashion-mnist"))
    assert len(at64) and set(at64["resolution"]) == {"64x64x1"}  # the BEGAN thesis's run
    assert len(at28) and set(at28["resolution"]) == {"28x28x1"}  # McGinney et al.'s poster


@needs_full_fashion_mnist
def test_fashion_mnist64_smoke_is_the_full_set_resized_alike(quick_test):
    """The smoke suite's images are the full set's rows (recorded in the subset), resized the same way."""
    small = suite_data(get_suite("fashion-mnist64-smoke"), "test")
    full = suite_data(get_suite("fashion-mnist64"), "test")
    rows = np.load(importlib.resources.files("ganbench.assets") / "fashion_mnist_quick.npz")["test_source_index"]
    assert full.images.shape == (10000, 1, 64, 64)
    assert torch.equal(small.images[:50], full.images[torch.from_numpy(rows[:50].astype(np.int64))])
