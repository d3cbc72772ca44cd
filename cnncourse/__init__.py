"""cnncourse: the helper package of a Jupyter course on convolutional neural networks.

Importing ``cnncourse`` is cheap on purpose: it imports neither torch nor ipywidgets.
Import the submodule you need (``from cnncourse import checks, plot, widgets``).
"""

__version__ = "0.1.0"
