"""Module 05's blocks as the grader knows them: layers, functional forward passes, oracles and mistakes.

Each :class:`~cnncourse.checks._blocks.BlockSpec` here lists a block's weighted layers in the
order its forward pass calls them, computes the block (and every known-wrong variant, by flags)
with ``torch.nn.functional`` on the grader's weights, and names torchvision's own block as the
oracle: ``torchvision.models.resnet.BasicBlock`` / ``Bottleneck``, ``googlenet.Inception`` (with
the paper's 5x5 conv put back into its "5x5" branch, which torchvision builds with a 3x3),
``torchvision.ops.SqueezeExcitation`` (1x1 convs for the two FC layers), ``squeezenet.Fire``,
``densenet._DenseLayer`` / ``_DenseBlock``.  tests/checks/test_architectures.py checks that each
functional forward equals its oracle.  torch is imported on first use.
"""

from __future__ import annotations

from itertools import permutations

from ._blocks import BlockMistake, BlockSpec, Unit


def _F():
    import torch.nn.functional as F

    return F


def _torch():
    import torch

    return torch


def conv(p, key, x, stride=1, padding=0):
    return _F().conv2d(x, p[key]["weight"], p[key].get("bias"), stride=stride, padding=padding)


def bn(p, key, x, train, eps=1e-5):
    u = p[key]
    return _F().batch_norm(x, u["running_mean"], u["running_var"], u.get("weight"), u.get("bias"), training=train,
                           momentum=0.1, eps=eps)


def relu(x, on=True):
    return _F().relu(x) if on else x


def _cv(key, c_in, c_out, k, bias=False):
    return Unit(key, "conv", (c_out, c_in, k, k), bias)


def _bn(key, c):
    return Unit(key, "bn", (c,), True)


def _shape_hint(exc, pairs):
    """(message, hint) for a RuntimeError of the student's forward whose text contains a key of ``pairs``."""
    text = str(exc)
    for needle, hint in pairs:
        if needle in text:
            return f"forward raised {type(exc).__name__}: {text.splitlines()[0]}", hint
    return None


_PROJECTION_HINT = ("when stride != 1 or c_in != c_out, x itself cannot be added to F(x): the shortcut is a 1x1 conv "
                    "(stride, bias=False) then BatchNorm2d(c_out).")
_CHANNELS = ("channels, but got", "a layer's in_channels must be the channels its input has: check each conv "
             "against the exercise's table.")


#: Hints for shape errors of the residual blocks that their layers explain (not listed mistakes: no variant to run).
NO_PADDING = "3x3 conv without padding: padding=1 keeps H x W (with the stride: OH = (H - 1) // stride + 1)."
PROJECTION_STRIDE = ("projection without the stride: the 1x1 projection must subsample as the main path does, "
                     "nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False).")
C_OUT_IGNORED = ("c_out ignored: the last 1x1 conv maps c_mid to c_out channels (torchvision's 4 * planes is only "
                 "its default), nn.Conv2d(c_mid, c_out, 1, bias=False).")


def _residual_explain(spec, exc, attempt):
    """Name the shape errors of ResidualBlock and Bottleneck from the student's layers, where they tell."""
    text = str(exc)
    if "must match the size of tensor" not in text:
        return _shape_hint(exc, [_CHANNELS])
    message = f"forward raised {type(exc).__name__}: {text.splitlines()[0]}"
    units = getattr(attempt, "all_units", None) or []
    args = attempt.case.args if attempt is not None else (0, 0, 0)
    if spec.name == "Bottleneck":
        c_in, _, c_out, stride = (*args, 1)[:4]
    else:
        c_in, c_out, stride = (*args, 1)[:3]
    convs = [u for u in units if u["kind"] == "conv"]
    if any(u["shape"][2:] == [3, 3] and u["padding"] == [0, 0] for u in convs):
        return message, NO_PADDING
    projections = [u for u in convs if u["shape"] == [c_out, c_in, 1, 1]]
    if projections and stride != 1 and all(u["stride"] == [1, 1] for u in projections):
        return message, PROJECTION_STRIDE
    if spec.name == "Bottleneck" and convs and not any(u["shape"][0] == c_out and u["shape"][1] != c_in
                                                       for u in convs):
        return message, C_OUT_IGNORED
    return message, spec.named("projection missing when the shape changes")


def _downsample(c_in, c_out, stride):
    """The projection torchvision's ResNet gives a block whose shape changes (1x1 conv, BN), else None."""
    from torch import nn

    if stride == 1 and c_in == c_out:
        return None
    return nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))


# ---------------------------------------------------------------- ResNet's basic block

class ResidualBlockSpec(BlockSpec):
    name = "ResidualBlock"

    def units(self, args, projection="auto", bn_layers=("bn1", "bn2", "proj_bn"), conv_bias=False, **_):
        c_in, c_out, stride = (*args, 1)[:3]
        units = [_cv("conv1", c_in, c_out, 3, conv_bias), _bn("bn1", c_out), _cv("conv2", c_out, c_out, 3, conv_bias),
                 _bn("bn2", c_out)]
        needs = stride != 1 or c_in != c_out
        if projection == "always" or (projection in ("auto", "3x3") and needs):
            units += [_cv("proj", c_in, c_out, 3 if projection == "3x3" else 1, conv_bias), _bn("proj_bn", c_out)]
        return [u for u in units if u.kind != "bn" or u.key in bn_layers]

    def forward(self, p, x, train, args, shortcut="add", relu_mid=True, relu_out=True, stride_on=1, bn_after_add=False,
                projection="auto", relu_first=False, **_):
        c_in, c_out, stride = (*args, 1)[:3]
        norm = lambda key, h: bn(p, key, h, train) if key in p else h  # noqa: E731 - a missing BN is the identity
        unit = lambda key, h, on: norm(key, relu(h, on)) if relu_first else relu(norm(key, h), on)  # noqa: E731
        h = unit("bn1", conv(p, "conv1", x, stride if stride_on == 1 else 1, 1), relu_mid)
        h = conv(p, "conv2", h, stride if stride_on == 2 else 1, 1)
        if not bn_after_add:
            h = norm("bn2", h)
        source = h if shortcut == "shadowed" else x
        if "proj" in p:
            sc = norm("proj_bn", conv(p, "proj", source, stride, 1 if p["proj"]["weight"].shape[-1] == 3 else 0))
        elif shortcut == "option_a":
            sc = _F().pad(x[:, :, ::stride, ::stride], (0, 0, 0, 0, 0, c_out - c_in))
        else:
            sc = source
        if shortcut == "none":
            return relu(h, relu_out)
        if shortcut == "after_relu":
            return relu(h, relu_out) + sc
        if shortcut == "relu_both":
            return relu(relu(h) + sc)
        out = h + sc
        return relu(norm("bn2", out) if bn_after_add else out, relu_out)

    def oracle(self, args):
        from torchvision.models.resnet import BasicBlock

        c_in, c_out, stride = (*args, 1)[:3]
        down = _downsample(c_in, c_out, stride)
        paths = {"conv1": "conv1", "bn1": "bn1", "conv2": "conv2", "bn2": "bn2"}
        if down is not None:
            paths.update(proj="downsample.0", proj_bn="downsample.1")
        return BasicBlock(c_in, c_out, stride, downsample=down), paths

    def explain(self, exc, attempt=None):
        return _residual_explain(self, exc, attempt)

    def call(self, args):
        return f"ResidualBlock({args[0]}, {args[1]}, stride={(*args, 1)[2]})"

    mistakes = (
        BlockMistake("shortcut missing", "add the shortcut: out = relu(bn2(conv2(...)) + shortcut(x)); without it "
                     "this is a plain block.", {"shortcut": "none"}),
        BlockMistake("shortcut added after the ReLU", "add the shortcut *before* the final ReLU: relu(F(x) + "
                     "shortcut(x)), not relu(F(x)) + shortcut(x).", {"shortcut": "after_relu"}),
        BlockMistake("extra ReLU before the addition", "bn2's output goes to the addition as it is: relu(bn2(conv2(h)) "
                     "+ shortcut(x)); a ReLU before the addition too keeps F(x) >= 0.", {"shortcut": "relu_both"}),
        BlockMistake("projection missing when the shape changes", _PROJECTION_HINT, {"projection": "never"},
                     ({"projection": "never", "shortcut": "option_a"},)),
        BlockMistake("shortcut taken from the overwritten x", "keep the block's input for the shortcut: out = "
                     "...(x); return relu(out + shortcut(x)); reassigning x = relu(bn1(conv1(x))) makes the shortcut "
                     "add F(x) to itself.", {"shortcut": "shadowed"}),
        BlockMistake("ReLU before batch norm", "conv -> BatchNorm2d -> ReLU, in that order.", {"relu_first": True}),
        BlockMistake("projection where the identity fits", "use the identity shortcut (x itself) when stride == 1 "
                     "and c_in == c_out; the 1x1 projection only where the shape changes.", {"projection": "always"}),
        BlockMistake("batch norm forgotten", "put nn.BatchNorm2d(c_out) after each conv, the projection's included.",
                     {"bn_layers": ()}, ({"bn_layers": ("bn1", "proj_bn")}, {"bn_layers": ("bn2", "proj_bn")},
                                         {"bn_layers": ("bn1",)}, {"bn_layers": ("bn2",)})),
        BlockMistake("projection without batch norm", "the projection shortcut is a 1x1 conv (stride, bias=False) "
                     "*then* nn.BatchNorm2d(c_out).", {"bn_layers": ("bn1", "bn2")}),
        BlockMistake("ReLU missing between the convolutions", "conv1 -> bn1 -> ReLU -> conv2 -> bn2: the ReLU after "
                     "bn1 makes the residual F nonlinear.", {"relu_mid": False}),
        BlockMistake("final ReLU missing", "end with relu(F(x) + shortcut(x)): the ReLU comes after the addition.",
                     {"relu_out": False}),
        BlockMistake("stride on the second convolution", "the first 3x3 conv (and the projection) has the stride; "
                     "the second keeps stride 1.", {"stride_on": 2}),
        BlockMistake("batch norm after the addition", "bn2 normalizes conv2's output before the shortcut is added: "
                     "relu(bn2(conv2(h)) + shortcut(x)).", {"bn_after_add": True}),
        BlockMistake("convolutions with bias", "conv layers followed by batch norm have bias=False (the BN's own "
                     "shift replaces the bias), as torchvision's BasicBlock.", {"conv_bias": True}),
        BlockMistake("3x3 projection", "the projection is a 1x1 conv: nn.Conv2d(c_in, c_out, 1, stride=stride, "
                     "bias=False).", {"projection": "3x3"}),
    )


class BottleneckSpec(BlockSpec):
    name = "Bottleneck"

    def units(self, args, projection="auto", bn_layers=("bn1", "bn2", "bn3", "proj_bn"), conv_bias=False,
              expansion4=False, **_):
        c_in, c_mid, c_out, stride = (*args, 1)[:4]
        c_out = 4 * c_mid if expansion4 else c_out
        units = [_cv("conv1", c_in, c_mid, 1, conv_bias), _bn("bn1", c_mid), _cv("conv2", c_mid, c_mid, 3, conv_bias),
                 _bn("bn2", c_mid), _cv("conv3", c_mid, c_out, 1, conv_bias), _bn("bn3", c_out)]
        if projection == "always" or (projection == "auto" and (stride != 1 or c_in != c_out)):
            units += [_cv("proj", c_in, c_out, 1, conv_bias), _bn("proj_bn", c_out)]
        return [u for u in units if u.kind != "bn" or u.key in bn_layers]

    def forward(self, p, x, train, args, shortcut="add", relu_mid=True, relu_out=True, stride_on=2, relu_first=False,
                **_):
        c_in, c_mid, c_out, stride = (*args, 1)[:4]
        norm = lambda key, h: bn(p, key, h, train) if key in p else h  # noqa: E731
        unit = lambda key, h, on: norm(key, relu(h, on)) if relu_first else relu(norm(key, h), on)  # noqa: E731
        h = unit("bn1", conv(p, "conv1", x, stride if stride_on == 1 else 1), relu_mid)
        h = unit("bn2", conv(p, "conv2", h, stride if stride_on == 2 else 1, 1), relu_mid)
        h = norm("bn3", conv(p, "conv3", h))
        source = h if shortcut == "shadowed" else x
        sc = norm("proj_bn", conv(p, "proj", source, stride)) if "proj" in p else source
        if shortcut == "none":
            return relu(h, relu_out)
        if shortcut == "after_relu":
            return relu(h, relu_out) + sc
        if shortcut == "relu_both":
            return relu(relu(h) + sc)
        return relu(h + sc, relu_out)

    def oracle(self, args):
        from torchvision.models.resnet import Bottleneck

        c_in, c_mid, c_out, stride = (*args, 1)[:4]
        if c_out % 4 or (64 * c_mid) % (c_out // 4):
            return None  # torchvision's Bottleneck has c_out = 4 * planes and c_mid = planes * base_width / 64
        planes = c_out // 4
        down = _downsample(c_in, c_out, stride)
        block = Bottleneck(c_in, planes, stride, downsample=down, base_width=64 * c_mid // planes)
        paths = {f"{k}{i}": f"{k}{i}" for i in (1, 2, 3) for k in ("conv", "bn")}
        if down is not None:
            paths.update(proj="downsample.0", proj_bn="downsample.1")
        return block, paths

    def explain(self, exc, attempt=None):
        return _residual_explain(self, exc, attempt)

    def call(self, args):
        return f"Bottleneck({args[0]}, {args[1]}, {args[2]}, stride={(*args, 1)[3]})"

    mistakes = (
        BlockMistake("shortcut missing", "add the shortcut before the last ReLU: relu(bn3(conv3(...)) + "
                     "shortcut(x)).", {"shortcut": "none"}),
        BlockMistake("shortcut added after the ReLU", "relu(F(x) + shortcut(x)), not relu(F(x)) + shortcut(x).",
                     {"shortcut": "after_relu"}),
        BlockMistake("extra ReLU before the addition", "bn3's output goes to the addition as it is: relu(bn3(conv3(h)) "
                     "+ shortcut(x)); a ReLU before the addition too keeps F(x) >= 0.", {"shortcut": "relu_both"}),
        BlockMistake("stride on the first 1x1 convolution", "put the stride on the 3x3 conv (\"ResNet v1.5\", as "
                     "torchvision); a strided 1x1 conv skips three quarters of the pixels.", {"stride_on": 1}),
        BlockMistake("projection missing when the shape changes", _PROJECTION_HINT, {"projection": "never"}),
        BlockMistake("shortcut taken from the overwritten x", "keep the block's input for the shortcut: reassigning "
                     "x = relu(bn1(conv1(x))) and so on makes the shortcut add F(x) to itself.", {"shortcut": "shadowed"}),
        BlockMistake("ReLU before batch norm", "conv -> BatchNorm2d -> ReLU, in that order.", {"relu_first": True}),
        BlockMistake("projection where the identity fits", "use x itself as the shortcut when stride == 1 and "
                     "c_in == c_out.", {"projection": "always"}),
        BlockMistake("batch norm forgotten", "nn.BatchNorm2d after every conv: bn1, bn2 (c_mid), bn3 and the "
                     "projection's (c_out).", {"bn_layers": ()},
                     tuple({"bn_layers": tuple(k for k in ("bn1", "bn2", "bn3", "proj_bn") if k != drop)}
                           for drop in ("bn1", "bn2", "bn3", "proj_bn"))),
        BlockMistake("ReLU missing inside the block", "ReLU after bn1 and after bn2; only bn3's output goes to "
                     "the addition without one.", {"relu_mid": False}),
        BlockMistake("final ReLU missing", "end with relu(F(x) + shortcut(x)).", {"relu_out": False}),
        BlockMistake("convolutions with bias", "every conv is followed by batch norm, so bias=False, as "
                     "torchvision's Bottleneck.", {"conv_bias": True}),
        BlockMistake("c_out ignored", C_OUT_IGNORED.partition(": ")[2], {"expansion4": True}),
    )


# ---------------------------------------------------------------- GoogLeNet's Inception module

_BRANCHES = ("b1", "b3", "b5", "bp")


class InceptionSpec(BlockSpec):
    name = "Inception"

    def units(self, args, k5=5, norm=True, pool_proj=True, conv_bias=False, **_):
        c_in, c1, c3r, c3, c5r, c5, pp = args
        convs = [("b1", c_in, c1, 1), ("b3r", c_in, c3r, 1), ("b3", c3r, c3, 3), ("b5r", c_in, c5r, 1),
                 ("b5", c5r, c5, k5), ("bp", c_in, pp, 1)]
        units = []
        for key, ci, co, k in convs:
            if key == "bp" and not pool_proj:
                continue
            units.append(_cv(key, ci, co, k, bias=conv_bias or not norm))
            if norm:
                units.append(_bn(key + "_bn", co))
        return units

    def forward(self, p, x, train, args, k5=5, norm=True, relu_on=True, eps=1e-3, order=_BRANCHES, dim=1,
                pool_first=True, pool_stride=1, relu_off=(), pool="max", **_):
        F = _F()

        def unit(key, h, padding=0):
            h = conv(p, key, h, padding=padding)
            return relu(bn(p, key + "_bn", h, train, eps) if norm else h, relu_on and key not in relu_off)

        def pool_(h):
            if pool == "avg":
                return F.avg_pool2d(h, 3, stride=pool_stride, padding=1)
            return F.max_pool2d(h, 3, stride=pool_stride, padding=1)

        branches = {"b1": unit("b1", x), "b3": unit("b3", unit("b3r", x), 1), "b5": unit("b5", unit("b5r", x), k5 // 2)}
        if "bp" not in p:
            branches["bp"] = pool_(x)
        else:
            branches["bp"] = unit("bp", pool_(x)) if pool_first else pool_(unit("bp", x))
        return _torch().cat([branches[b] for b in order], dim=dim)

    def oracle(self, args):
        from torchvision.models.googlenet import BasicConv2d, Inception

        block = Inception(*args)
        block.branch3[1] = BasicConv2d(args[4], args[5], kernel_size=5, padding=2)  # the paper's 5x5
        paths = {"b1": "branch1", "b3r": "branch2.0", "b3": "branch2.1", "b5r": "branch3.0", "b5": "branch3.1",
                 "bp": "branch4.1"}
        paths = {k: v for key, path in paths.items() for k, v in ((key, path + ".conv"), (key + "_bn", path + ".bn"))}
        return block, paths

    def explain(self, exc, attempt=None):
        return _shape_hint(exc, [
            ("Sizes of tensors must match except in dimension 1",
             "every branch must keep H x W: padding 1 for the 3x3 conv, 2 for the 5x5, and the max pool with "
             "kernel 3, stride 1, padding 1."),
            ("Sizes of tensors must match except in dimension 0", self.named("branches concatenated on the wrong axis")),
            _CHANNELS])

    mistakes = (
        BlockMistake("branches concatenated on the wrong axis", "torch.cat([b1, b3, b5, bp], dim=1): the branches "
                     "are stacked along the channel axis (dim 0 is the batch).", {"dim": 0}),
        BlockMistake("branches concatenated in another order", "concatenate in the order 1x1, 3x3, 5x5, pool, as "
                     "the exercise (and GoogLeNet's weights) expect.", {"order": ("b1", "b5", "b3", "bp")},
                     tuple({"order": o} for o in permutations(_BRANCHES) if o not in (_BRANCHES, ("b1", "b5", "b3",
                                                                                                   "bp")))),
        BlockMistake("5x5 branch built with a 3x3 conv", "the paper's 5x5 branch has a 5x5 conv (padding 2); "
                     "torchvision's 3x3 there is a bug it keeps for its weights.", {"k5": 3}),
        BlockMistake("ReLU missing", "each conv unit is conv -> BatchNorm2d(eps=0.001) -> ReLU.", {"relu_on": False},
                     ({"relu_off": ("b3r", "b5r")}, {"relu_off": ("b1", "b3", "b5", "bp")}, {"relu_off": ("bp",)})),
        BlockMistake("average pooling in the pool branch", "GoogLeNet's pool branch max-pools: nn.MaxPool2d(3, "
                     "stride=1, padding=1).", {"pool": "avg"}),
        BlockMistake("convolutions with bias", "each conv is followed by batch norm, so bias=False, as torchvision's "
                     "BasicConv2d.", {"conv_bias": True}),
        BlockMistake("batch norm eps left at 1e-5", "as torchvision's BasicConv2d: nn.BatchNorm2d(c, eps=0.001).",
                     {"eps": 1e-5}),
        BlockMistake("batch norm forgotten", "each conv unit is conv (bias=False) -> BatchNorm2d(eps=0.001) -> "
                     "ReLU, as torchvision's GoogLeNet (the 2014 paper had no batch norm).", {"norm": False}),
        BlockMistake("1x1 projection before the pool", "the pool branch max-pools first (3x3, stride 1, "
                     "padding 1), then its 1x1 conv reduces the channels.", {"pool_first": False}),
        BlockMistake("pool branch without its 1x1 conv", "after the max pool, a 1x1 conv unit maps c_in to "
                     "pool_proj channels.", {"pool_proj": False}),
    )


# ---------------------------------------------------------------- Squeeze-and-Excitation

class SqueezeExcitationSpec(BlockSpec):
    name = "SqueezeExcitation"

    def units(self, args, squeeze=None, fc_bias=True, **_):
        channels, reduction = (*args, 16)[:2]
        s = {None: max(1, channels // reduction), "channels": channels, "reduction": reduction,
             "floor": channels // reduction, "ceil": -(-channels // reduction)}[squeeze]
        return [Unit("fc1", "linear", (s, channels), fc_bias), Unit("fc2", "linear", (channels, s), fc_bias)]

    def forward(self, p, x, train, args, pool="mean", gate="sigmoid", per_pixel=False, relu_on=True, apply="multiply",
                **_):
        torch, F = _torch(), _F()

        def excite(s):
            s = F.linear(relu(F.linear(s, p["fc1"]["weight"], p["fc1"].get("bias")), relu_on), p["fc2"]["weight"],
                         p["fc2"].get("bias"))
            return {"sigmoid": torch.sigmoid, "none": lambda t: t, "softmax": lambda t: torch.softmax(t, -1)}[gate](s)

        if per_pixel:
            w = excite(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)  # (N, C, H, W): one weight per pixel
        else:
            s = {"mean": lambda: x.mean(dim=(2, 3)), "max": lambda: x.amax(dim=(2, 3)),
                 "sum": lambda: x.sum(dim=(2, 3))}[pool]()
            w = excite(s)[:, :, None, None]
        return {"multiply": lambda: x * w, "add": lambda: x + w, "weights": lambda: w,
                "weights_full": lambda: w.expand_as(x)}[apply]()

    def oracle(self, args):
        from torchvision.ops import SqueezeExcitation

        channels, reduction = (*args, 16)[:2]
        return SqueezeExcitation(channels, max(1, channels // reduction)), {"fc1": "fc1", "fc2": "fc2"}

    def call(self, args):
        return f"SqueezeExcitation({args[0]}, reduction={(*args, 16)[1]})"

    def explain(self, exc, attempt=None):
        return _shape_hint(exc, [
            ("mat1 and mat2 shapes cannot be multiplied", "squeeze shape wrong for the FC layers: nn.Linear needs "
             "(N, C), so squeeze with x.mean(dim=(2, 3)) (no keepdim; x.flatten() would mix the images)."),
            ("must match the size of tensor", "channel weights not reshaped: s has shape (N, C); multiply by "
             "s[:, :, None, None] (or s.view(N, C, 1, 1)) so it broadcasts over H and W.")])

    mistakes = (
        BlockMistake("excitation not passed through a sigmoid", "s = torch.sigmoid(fc2(relu(fc1(z)))): each channel "
                     "weight must lie in (0, 1).", {"gate": "none"}),
        BlockMistake("softmax instead of sigmoid", "each channel gets its own weight in (0, 1) from a sigmoid; a "
                     "softmax makes the channels compete and sum to 1.", {"gate": "softmax"}),
        BlockMistake("SE weights applied per pixel", "squeeze first: z = x.mean(dim=(2, 3)), shape (N, C); the "
                     "FC layers give one weight per channel and image, the same at every pixel.", {"per_pixel": True}),
        BlockMistake("squeeze by max, not mean", "the squeeze is global *average* pooling: x.mean(dim=(2, 3)).",
                     {"pool": "max"}),
        BlockMistake("squeeze by sum, not mean", "average over H and W: x.mean(dim=(2, 3)), not .sum().",
                     {"pool": "sum"}),
        BlockMistake("ReLU missing between the FC layers", "fc1 -> ReLU -> fc2 -> sigmoid.", {"relu_on": False}),
        BlockMistake("weights added, not multiplied", "rescale the channels: x * s[:, :, None, None].",
                     {"apply": "add"}),
        BlockMistake("returned the channel weights", "return the rescaled input x * s[:, :, None, None], shape "
                     "(N, C, H, W), not the weights themselves.", {"apply": "weights"}, ({"apply": "weights_full"},)),
        BlockMistake("reduction ignored", "the bottleneck has channels // reduction units: nn.Linear(channels, "
                     "channels // reduction) then back to channels.", {"squeeze": "channels"}),
        BlockMistake("reduction used as the bottleneck width", "the bottleneck has channels // reduction units, "
                     "not `reduction` of them.", {"squeeze": "reduction"}),
        BlockMistake("bottleneck width 0", "with channels < reduction, channels // reduction is 0: use "
                     "max(1, channels // reduction) units.", {"squeeze": "floor"}),
        BlockMistake("bottleneck width rounded up", "the bottleneck has channels // reduction units (rounded down, "
                     "at least 1), as torchvision: max(1, channels // reduction).", {"squeeze": "ceil"}),
        BlockMistake("FC layers without bias", "both nn.Linear layers have biases (the default bias=True).",
                     {"fc_bias": False}),
    )


# ---------------------------------------------------------------- SqueezeNet's Fire module

class FireSpec(BlockSpec):
    name = "Fire"

    def units(self, args, expand_from="squeeze", bias=True, norm=False, **_):
        c_in, s, e1, e3 = args
        source = s if expand_from == "squeeze" else c_in
        convs = [_cv("squeeze", c_in, s, 1, bias), _cv("expand1x1", source, e1, 1, bias),
                 _cv("expand3x3", source, e3, 3, bias)]
        return [u for c in convs for u in ((c, _bn(c.key + "_bn", c.shape[0])) if norm else (c,))]

    def forward(self, p, x, train, args, combine="cat", first="1x1", relu_squeeze=True, relu_expand=True,
                expand_from="squeeze", **_):
        torch = _torch()
        norm = lambda key, h: bn(p, key + "_bn", h, train) if key + "_bn" in p else h  # noqa: E731
        s = relu(norm("squeeze", conv(p, "squeeze", x)), relu_squeeze)
        src = s if expand_from == "squeeze" else x
        a = relu(norm("expand1x1", conv(p, "expand1x1", src)), relu_expand)
        b = relu(norm("expand3x3", conv(p, "expand3x3", src, padding=1)), relu_expand)
        if combine == "sum":
            return a + b
        pair = [a, b] if first == "1x1" else [b, a]
        return torch.cat(pair, dim=0 if combine == "cat0" else 1)

    def oracle(self, args):
        from torchvision.models.squeezenet import Fire

        return Fire(*args), {"squeeze": "squeeze", "expand1x1": "expand1x1", "expand3x3": "expand3x3"}

    def explain(self, exc, attempt=None):
        return _shape_hint(exc, [
            ("must match the size of tensor", self.named("expand outputs summed instead of concatenated")),
            ("Sizes of tensors must match except in dimension 1", "pad the 3x3 expand conv by 1 so that both expand "
             "outputs keep H x W."),
            ("Sizes of tensors must match except in dimension 0", self.named("concatenated on the wrong axis")),
            _CHANNELS])

    mistakes = (
        BlockMistake("expand outputs summed instead of concatenated", "torch.cat([relu(e1), relu(e3)], dim=1): the "
                     "1x1 and 3x3 maps sit side by side, expand1x1 + expand3x3 channels.", {"combine": "sum"}),
        BlockMistake("expand outputs in the other order", "concatenate the 1x1 expand's maps first, then the 3x3's.",
                     {"first": "3x3"}),
        BlockMistake("concatenated on the wrong axis", "torch.cat([...], dim=1) joins along the channels.",
                     {"combine": "cat0"}),
        BlockMistake("expand convs fed the input, not the squeeze output", "both expand convs take the squeeze "
                     "layer's output s = relu(squeeze(x)).", {"expand_from": "input"}),
        BlockMistake("ReLU missing after the squeeze", "s = relu(squeeze(x)) before the expand convs.",
                     {"relu_squeeze": False}),
        BlockMistake("ReLU missing after the expand convs", "apply a ReLU to each expand output before "
                     "concatenating.", {"relu_expand": False}),
        BlockMistake("biases forgotten", "SqueezeNet's convs have biases (no batch norm): nn.Conv2d's default "
                     "bias=True.", {"bias": False}),
        BlockMistake("batch norm added", "SqueezeNet's Fire has no batch norm: conv (with bias) -> ReLU.",
                     {"norm": True}, ({"norm": True, "bias": False},)),
    )


# ---------------------------------------------------------------- DenseNet

BN_SIZE = 4


def _dense_units(prefix, c_in, k, width=None, post=False, norm=True, conv_bias=False, drop_bn=()):
    width = BN_SIZE * k if width is None else width
    convs = [_cv(prefix + "conv1", c_in, width, 1, conv_bias), _cv(prefix + "conv2", width, k, 3, conv_bias)]
    if not norm:
        return convs
    if post:
        units = [convs[0], _bn(prefix + "bn1", width), convs[1], _bn(prefix + "bn2", k)]
    else:
        units = [_bn(prefix + "bn1", c_in), convs[0], _bn(prefix + "bn2", width), convs[1]]
    return [u for u in units if u.key not in {prefix + d for d in drop_bn}]


def _dense_forward(p, prefix, x, train, relu_on=True, post=False, padding=1, relu_off=()):
    norm = lambda key, h: bn(p, prefix + key, h, train) if prefix + key in p else h  # noqa: E731
    on = lambda i: relu_on and i not in relu_off  # noqa: E731
    if post:
        h = relu(norm("bn1", conv(p, prefix + "conv1", x)), on(1))
        return relu(norm("bn2", conv(p, prefix + "conv2", h, padding=padding)), on(2))
    h = conv(p, prefix + "conv1", relu(norm("bn1", x), on(1)))
    return conv(p, prefix + "conv2", relu(norm("bn2", h), on(2)), padding=padding)


class DenseLayerSpec(BlockSpec):
    name = "DenseLayer"

    def units(self, args, width=None, post=False, norm=True, out_channels=None, conv_bias=False, drop_bn=(), **_):
        c_in, k = args
        units = _dense_units("", c_in, k, {None: None, "k": k}[width], post, norm, conv_bias, drop_bn)
        if out_channels == "c_in":
            units = [Unit(u.key, u.kind, ((c_in, *u.shape[1:]) if u.key == "conv2" else u.shape), u.bias)
                     for u in units]
        return units

    def forward(self, p, x, train, args, relu_on=True, post=False, padding=1, concat=False, relu_off=(), **_):
        new = _dense_forward(p, "", x, train, relu_on, post, padding, relu_off)
        return _torch().cat([x, new], dim=1) if concat else new

    def oracle(self, args):
        from torchvision.models.densenet import _DenseLayer

        paths = {"bn1": "norm1", "conv1": "conv1", "bn2": "norm2", "conv2": "conv2"}
        return _DenseLayer(args[0], args[1], BN_SIZE, 0.0), paths

    def call(self, args):
        return f"DenseLayer({args[0]}, growth_rate={args[1]})"

    def explain(self, exc, attempt=None):
        return _shape_hint(exc, [_CHANNELS])

    mistakes = (
        BlockMistake("growth rate ignored", "the 3x3 conv makes growth_rate new maps: nn.Conv2d(4 * growth_rate, "
                     "growth_rate, 3, padding=1, bias=False).", {"out_channels": "c_in"}),
        BlockMistake("bottleneck width is k, not 4k", "the 1x1 conv has 4 * growth_rate filters (DenseNet-B's "
                     "bn_size = 4).", {"width": "k"}),
        BlockMistake("conv-BN-ReLU order", "DenseNet pre-activates: BN -> ReLU -> conv (twice); the batch norms see "
                     "c_in and 4k channels.", {"post": True}),
        BlockMistake("ReLU missing", "BN -> ReLU -> 1x1 conv -> BN -> ReLU -> 3x3 conv.", {"relu_on": False},
                     ({"relu_off": (1,)}, {"relu_off": (2,)})),
        BlockMistake("convolutions with bias", "each conv comes after a batch norm and has bias=False, as "
                     "torchvision's _DenseLayer.", {"conv_bias": True}),
        BlockMistake("returned the concatenation", "a DenseLayer returns only its growth_rate new maps; the block "
                     "concatenates them to its input.", {"concat": True}),
        BlockMistake("batch norm forgotten", "BN -> ReLU -> 1x1 conv -> BN -> ReLU -> 3x3 conv: two "
                     "nn.BatchNorm2d layers, of c_in and 4k channels.", {"norm": False},
                     ({"drop_bn": ("bn1",)}, {"drop_bn": ("bn2",)})),
        BlockMistake("3x3 conv without padding", "padding=1 keeps H x W, so the new maps can be concatenated.",
                     {"padding": 0}),
    )


class DenseBlockSpec(BlockSpec):
    name = "DenseBlock"

    def units(self, args, feed="all", fewer=0, **_):
        n, c_in, k = args
        units = []
        for i in range(n - fewer):
            width_in = {"all": c_in + i * k, "previous": c_in if i == 0 else k, "input": c_in,
                        "x_prev": c_in if i == 0 else c_in + k}[feed]
            units += _dense_units(f"l{i}.", width_in, k)
        return units

    def forward(self, p, x, train, args, feed="all", keep_input=True, order="forward", last_only=False, fewer=0,
                prepend=False, **_):
        torch = _torch()
        n = args[0] - fewer
        features, h = [x], x
        for i in range(n):
            source = {"all": lambda: torch.cat(features[::-1] if prepend else features, dim=1),
                      "previous": lambda: h, "input": lambda: x,
                      "x_prev": lambda: x if i == 0 else torch.cat([x, h], dim=1)}[feed]()
            h = _dense_forward(p, f"l{i}.", source, train)
            features.append(h)
        if last_only:
            return h
        kept = features if keep_input else features[1:]
        return torch.cat(kept if order == "forward" else kept[::-1], dim=1)

    def oracle(self, args):
        from torchvision.models.densenet import _DenseBlock

        n, c_in, k = args
        names = {"bn1": "norm1", "conv1": "conv1", "bn2": "norm2", "conv2": "conv2"}
        paths = {f"l{i}.{key}": f"denselayer{i + 1}.{path}" for i in range(n) for key, path in names.items()}
        return _DenseBlock(n, c_in, BN_SIZE, k, 0.0), paths

    def call(self, args):
        return f"DenseBlock({args[0]}, {args[1]}, growth_rate={args[2]})"

    def explain(self, exc, attempt=None):
        return _shape_hint(exc, [_CHANNELS])

    mistakes = (
        BlockMistake("each layer fed only the previous layer's output", "layer i takes the concatenation of the "
                     "block's input and every earlier layer's maps: c_in + i * growth_rate channels.",
                     {"feed": "previous"}),
        BlockMistake("each layer fed only the block's input", "layer i takes torch.cat([x, new_0, ..., new_(i-1)], "
                     "dim=1), c_in + i * growth_rate channels.", {"feed": "input"}),
        BlockMistake("input left out of the output", "return torch.cat([x, new_0, ..., new_(n-1)], dim=1): the "
                     "block's input is part of its output.", {"keep_input": False}),
        BlockMistake("returned only the last layer's maps", "return the concatenation of the input and every "
                     "layer's new maps, c_in + n_layers * growth_rate channels.", {"last_only": True}),
        BlockMistake("concatenated in reverse order", "keep the order: the input first, then each layer's maps as "
                     "they are made.", {"order": "reverse"}, ({"order": "reverse", "prepend": True},)),
        BlockMistake("each layer fed the input and the previous layer's maps only", "layer i takes the input and "
                     "*every* earlier layer's maps: torch.cat([x, new_0, ..., new_(i-1)], dim=1).", {"feed": "x_prev"}),
        BlockMistake("one layer too few", "build n_layers dense layers: range(n_layers), layer i with c_in + i * "
                     "growth_rate input channels.", {"fewer": 1}),
    )


SPECS = {spec.name: spec for spec in (ResidualBlockSpec(), BottleneckSpec(), InceptionSpec(), SqueezeExcitationSpec(),
                                       FireSpec(), DenseLayerSpec(), DenseBlockSpec())}
