"""Fixtures for the plot tests: read a drawn figure back (panels by label, patches by gid, numbers shown)."""

import numpy as np
import pytest


class Drawn:
    """What a figure drew, found the way its docstring promises: labels, gids, image arrays."""

    @staticmethod
    def axes(fig):
        """{label: Axes} of a figure's panels."""
        return {ax.get_label(): ax for ax in fig.axes}

    @staticmethod
    def patches(ax, gid):
        return [p for p in ax.patches if p.get_gid() == gid]

    @classmethod
    def patch(cls, ax, gid):
        """The one patch of ``ax`` with this gid."""
        found = cls.patches(ax, gid)
        assert len(found) == 1, f"expected one patch with gid {gid!r}, found {len(found)}"
        return found[0]

    @staticmethod
    def box(patch):
        """(first row, last row, first col, last col) of a cell-aligned rectangle, insets rounded away."""
        x, y = patch.get_xy()
        c0, r0 = int(round(x + 0.5)), int(round(y + 0.5))
        return r0, r0 + int(round(patch.get_height())) - 1, c0, c0 + int(round(patch.get_width())) - 1

    @classmethod
    def cells(cls, ax, gid):
        """(row, col) of every 1×1 cell box with this gid, sorted."""
        out = []
        for p in cls.patches(ax, gid):
            assert p.get_width() == 1 and p.get_height() == 1
            r0, _, c0, _ = cls.box(p)
            out.append((r0, c0))
        return sorted(out)

    @staticmethod
    def data(ax):
        """The array of the first image drawn on ``ax``, as floats."""
        return np.asarray(ax.images[0].get_array(), dtype=float)


@pytest.fixture
def drawn():
    return Drawn
