"""Tests for cnncourse.plot.architectures: ILSVRC chart, stacked 3x3, per-layer costs, bubbles, depth curves."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnncourse import plot


def _heights(ax, gids):
    by_gid = {p.get_gid(): p.get_height() for p in ax.patches}
    return [by_gid[g] for g in gids]


def test_ilsvrc_table_holds_the_published_winners():
    top5 = {(row["year"], row["name"]): row["top5"] for row in plot.ILSVRC_TOP5}
    assert top5[(2010, "NEC-UIUC")] == 28.2 and top5[(2011, "XRCE")] == 25.8
    assert top5[(2012, "AlexNet")] == 16.4 and top5[(2013, "ZFNet")] == 11.7
    assert top5[(2014, "GoogLeNet")] == 6.7 and top5[(2014, "VGG (2nd)")] == 7.3
    assert top5[(2015, "ResNet")] == 3.57 < plot.HUMAN_TOP5 == 5.1 and top5[(2017, "SENet")] == 2.25
    assert [row["cnn"] for row in plot.ILSVRC_TOP5][:3] == [False, False, True]
    years = [row["year"] for row in plot.ILSVRC_TOP5]
    assert years == sorted(years)


def test_ilsvrc_top5_draws_one_bar_per_entry_and_the_human_line(drawn):
    fig = plot.ilsvrc_top5()
    ax = drawn.axes(fig)["ilsvrc"]
    names = [row["name"] for row in plot.ILSVRC_TOP5]
    np.testing.assert_allclose(_heights(ax, names), [row["top5"] for row in plot.ILSVRC_TOP5])
    assert ax.patches[0].get_facecolor() != ax.patches[2].get_facecolor()  # shallow grey, CNN blue
    human = [ln for ln in ax.get_lines() if ln.get_label().startswith("human")]
    assert len(human) == 1 and human[0].get_ydata()[0] == 5.1
    assert [t.get_text() for t in ax.get_xticklabels()][2] == "2012\nAlexNet"
    plt.close(fig)


def test_ilsvrc_top5_errors():
    with pytest.raises(ValueError, match=r"`results\[0\]\['top5'\]` must be an error in percent, in \(0, 100\]; "
                                         r"got 164.0\. Pass 16.4 for 16.4 %\."):
        plot.ilsvrc_top5([{"year": 2012, "name": "AlexNet", "top5": 164, "cnn": True}])
    with pytest.raises(ValueError, match=r"`results\[0\]` must be a dict with keys 'year', 'name', 'top5', 'cnn'"):
        plot.ilsvrc_top5([{"year": 2012, "name": "AlexNet"}])


def test_stacked_vs_single_bars_and_ratios(drawn):
    counts = [(3, 36928, 36928), (5, 73856, 102464), (7, 110784, 200768)]  # stacked_3x3(n, 64), n = 1, 2, 3
    fig = plot.stacked_vs_single(counts, channels=64)
    ax = drawn.axes(fig)["params"]
    assert _heights(ax, ["stacked 5x5", "single 5x5", "single 7x7"]) == [73856, 102464, 200768]
    assert [t.get_text() for t in ax.texts] == ["1.0×", "1.4×", "1.8×"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["n = 1\n3×3", "n = 2\n5×5", "n = 3\n7×7"]
    plt.close(fig)
    with pytest.raises(ValueError, match=r"`counts\[0\]` must be a triple"):
        plot.stacked_vs_single([(3, 10)], channels=1)


ROWS = [
    {"name": "conv1", "kind": "conv", "activations": 3_000_000, "im2col": 27_000_000, "params": 2_000},
    {"name": "pool1", "kind": "pool", "activations": 750_000, "im2col": 0, "params": 0},
    {"name": "conv2", "kind": "conv", "activations": 1_000_000, "im2col": 9_000_000, "params": 98_000},
    {"name": "fc1", "kind": "fc", "activations": 4_000, "im2col": 0, "params": 900_000},
]


def test_layer_costs_panels_bars_and_shares(drawn):
    fig = plot.layer_costs(ROWS, title="toy")
    axes = drawn.axes(fig)
    assert list(axes) == ["activations", "im2col", "params"]
    names = [r["name"] for r in ROWS]
    np.testing.assert_allclose(_heights(axes["params"], names), [0.002, 0, 0.098, 0.9])  # millions
    np.testing.assert_allclose(_heights(axes["im2col"], names), [27, 0, 9, 0])
    assert axes["params"].get_title() == "parameters: 1 M in total; conv 10 %, fc 90 %"
    act = axes["activations"].get_title()
    assert act == "output values per image (activations): 4.75 M values = 18 MiB in float32; conv 84.1 %, fc < 0.1 %"
    assert axes["im2col"].texts[0].get_text() == "conv1: 27 M"  # the largest bar is named
    colors = {p.get_gid(): p.get_facecolor() for p in axes["params"].patches}
    assert colors["conv1"] == colors["conv2"] != colors["fc1"]
    plt.close(fig)


def test_layer_costs_errors():
    bad = [dict(ROWS[0], kind="dense")]
    with pytest.raises(ValueError, match=r"`rows\[0\]\['kind'\]` must be one of 'conv', 'pool', 'fc'; got 'dense'"):
        plot.layer_costs(bad)
    with pytest.raises(ValueError, match=r"`rows\[0\]\['params'\]` must be an integer >= 0; got -1"):
        plot.layer_costs([dict(ROWS[0], params=-1)])
    with pytest.raises(TypeError, match=r"`rows` must be a non-empty list of dicts; got an empty list"):
        plot.layer_costs([])


ZOO = [
    {"name": "alexnet", "family": "AlexNet", "params": 61_100_840, "gmacs": 0.71, "top1": 56.5},
    {"name": "vgg16", "family": "VGG", "params": 138_357_544, "gmacs": 15.5, "top1": 71.6},
    {"name": "resnet18", "family": "ResNet", "params": 11_689_512, "gmacs": 1.81, "top1": 69.8},
    {"name": "resnet50", "family": "ResNet", "params": 25_557_032, "gmacs": 4.09, "top1": 76.1},
    {"name": "mobilenet_v2", "family": "MobileNet", "params": 3_504_872, "gmacs": 0.30, "top1": 71.9},
]


def test_pareto_front_keeps_the_models_nothing_cheaper_beats():
    assert plot.pareto_front(ZOO) == ["mobilenet_v2", "resnet50"]
    assert plot.pareto_front(ZOO, cost="params") == ["mobilenet_v2", "resnet50"]
    tie = [{"name": "a", "gmacs": 1, "top1": 70}, {"name": "b", "gmacs": 1, "top1": 71}]
    assert plot.pareto_front(tie) == ["b"]


def test_accuracy_vs_cost_bubbles_by_family_with_areas_by_parameters(drawn):
    fig = plot.accuracy_vs_cost(ZOO)
    ax = drawn.axes(fig)["bubbles"]
    collections = {c.get_label(): c for c in ax.collections if c.get_label() in {r["family"] for r in ZOO}}
    assert list(collections) == ["AlexNet", "VGG", "ResNet", "MobileNet"]
    np.testing.assert_allclose(collections["ResNet"].get_offsets(), [[1.81, 69.8], [4.09, 76.1]])
    sizes = collections["ResNet"].get_sizes()
    assert sizes[1] / sizes[0] == pytest.approx(25_557_032 / 11_689_512)  # area proportional to parameters
    assert sorted(t.get_text() for t in ax.texts) == sorted(r["name"] for r in ZOO)
    front = [ln for ln in ax.get_lines() if ln.get_label() == "best accuracy for its cost"][0]
    np.testing.assert_allclose(front.get_xdata(), [0.30, 4.09])
    assert ax.get_xscale() == "log"
    plt.close(fig)


def test_accuracy_vs_cost_errors():
    with pytest.raises(ValueError, match=r"`rows\[0\]\['gmacs'\]` must be a positive number; got 0.0"):
        plot.accuracy_vs_cost([dict(ZOO[0], gmacs=0)])


def test_smooth_is_a_trailing_moving_average():
    np.testing.assert_allclose(plot.smooth([1, 3, 5, 7, 9], 3), [1, 2, 3, 5, 7])
    np.testing.assert_allclose(plot.smooth([4.0, 2.0], 1), [4, 2])
    with pytest.raises(ValueError, match=r"`window` must be an integer >= 1; got 0"):
        plot.smooth([1.0], 0)


def test_depth_curves_styles_labels_and_final_losses(drawn):
    runs = {"plain-20": {"losses": [2.3, 1.0, 0.8, 0.6], "params": 1000, "seconds": 3.0},
            "plain-56": {"losses": [2.3, 2.0, 1.8, 1.6]},
            "res-56": {"train_loss": [2.3, 0.9, 0.5, 0.4], "params": 2500, "wall_seconds": 7.5}}
    fig = plot.depth_curves(runs, window=2)
    ax = drawn.axes(fig)["loss"]
    lines = {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}
    assert list(lines) == ["plain-20", "plain-56", "res-56"]
    assert lines["plain-56"].get_linestyle() == "--" and lines["res-56"].get_linestyle() == "-"
    np.testing.assert_allclose(lines["res-56"].get_ydata(), [2.3, 1.6, 0.7, 0.45])
    assert ax.get_title() == "final training loss: plain-20 0.70, plain-56 1.70, res-56 0.45"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["plain-20 (1,000 parameters, 3.0 s)", "plain-56", "res-56 (2,500 parameters, 7.5 s)"]
    plt.close(fig)
    with pytest.raises(ValueError, match=r"`results\['x'\]` must be a dict with the per-step training losses"):
        plot.depth_curves({"x": {"acc": [1.0]}})


def test_predictions_one_column_per_photo(drawn):
    photos = [np.zeros((8, 8, 3), dtype=np.uint8), np.ones((6, 9))]
    results = [[("Egyptian cat", 0.72), ("tiger cat", 0.15)], [("espresso", 0.99), ("cup", 0.001)]]
    fig = plot.predictions(photos, results, titles=["chelsea", "coffee"])
    axes = drawn.axes(fig)
    assert list(axes) == ["image 0", "image 1", "top 0", "top 1"]
    assert [t.get_text() for t in axes["top 1"].texts] == ["0.99", "0.00"]
    assert [t.get_text() for t in axes["top 0"].get_yticklabels()] == ["Egyptian cat", "tiger cat"]
    assert axes["image 0"].get_title() == "chelsea"
    plt.close(fig)
    with pytest.raises(ValueError, match=r"must be two non-empty lists of the same length"):
        plot.predictions(photos, results[:1])


def test_ilsvrc_legend_tells_shallow_from_cnn_by_colour():
    fig = plot.ilsvrc_top5()
    legend = fig.axes[0].get_legend()
    colors = {t.get_text(): h.get_facecolor() for t, h in zip(legend.get_texts(), legend.legend_handles)
              if not t.get_text().startswith("human")}
    bars = {p.get_gid(): p.get_facecolor() for p in fig.axes[0].patches}
    assert colors["shallow methods (hand-made features + SVMs)"] == bars["XRCE"]
    assert colors["convolutional networks"] == bars["ResNet"] != bars["XRCE"]
    plt.close(fig)


def test_block_diagram_draws_every_layer_the_merge_and_the_shortcut(drawn):
    fig = plot.block_diagram([["conv 3×3", "BN", "ReLU", "conv 3×3", "BN"], []], merge="add", after=["ReLU"])
    ax = drawn.axes(fig)["block"]
    gids = [p.get_gid() for p in ax.patches]
    assert gids == ["input", "branch 0: conv 3×3", "branch 0: BN", "branch 0: ReLU", "branch 0: conv 3×3",
                    "branch 0: BN", "merge", "after: ReLU", "output"]
    texts = [t.get_text() for t in ax.texts]
    assert "+" in texts and "identity" in texts
    plt.close(fig)
    fig = plot.block_diagram([["1×1 conv"], ["3×3 max-pool", "1×1 conv"]], merge="concat", stem=["1×1 squeeze"],
                             branch_names=["a", "b"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "concat" in texts and {"a", "b"} <= set(texts) and "identity" not in texts
    assert "stem: 1×1 squeeze" in [p.get_gid() for p in fig.axes[0].patches]
    plt.close(fig)


def test_block_diagram_errors():
    with pytest.raises(ValueError, match=r"`merge` must be one of 'add', 'concat', 'multiply'; got 'sum'"):
        plot.block_diagram([["conv"]], merge="sum")
    with pytest.raises(TypeError, match=r"`branches` must be a non-empty list of lists of layer labels"):
        plot.block_diagram(["conv", "BN"])
    with pytest.raises(ValueError, match=r"`branch_names` must hold one name per branch \(2\); got 1 names"):
        plot.block_diagram([["a"], ["b"]], branch_names=["x"])


def test_gradient_norms_log_lines_and_ratios(drawn):
    fig = plot.gradient_norms({"plain-56": [64.0, 4.0, 0.32], "res-56": [1.4, 1.0, 0.9]})
    ax = drawn.axes(fig)["norms"]
    assert ax.get_yscale() == "log"
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    np.testing.assert_allclose(lines["plain-56"].get_ydata(), [64.0, 4.0, 0.32])
    assert lines["plain-56"].get_linestyle() == "--" and lines["res-56"].get_linestyle() == "-"
    assert ax.get_title() == "gradient norm, first layer / last layer: plain-56 200, res-56 1.56"
    plt.close(fig)
    with pytest.raises(ValueError, match=r"`norms\['x'\]` must hold positive, finite norms; got minimum 0"):
        plot.gradient_norms({"x": [1.0, 0.0]})


def test_accuracy_vs_cost_gives_every_family_its_own_colour():
    rows = [dict(ZOO[0], name=f"m{k}", family=f"F{k}") for k in range(13)]
    fig = plot.accuracy_vs_cost(rows)
    colors = [tuple(c.get_facecolor()[0][:3]) for c in fig.axes[0].collections if c.get_label().startswith("F")]
    assert len(colors) == 13 == len(set(colors))
    plt.close(fig)
