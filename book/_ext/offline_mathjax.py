"""Sphinx extension of the course site: MathJax from the site itself, so equations render offline.

Sphinx loads MathJax from a CDN by default; offline (a self-study learner, this machine) the
lectures' equations then show as raw TeX.  This copies the MathJax 2.7 that the PyPI package
``jupyter-server-mathjax`` ships (the ``book`` extra) into the site's ``_static/mathjax`` and
points Sphinx at it, with the TeX delimiters Sphinx writes (``\\(...\\)`` and ``\\[...\\]``) and the
classes MyST-NB marks math with (its own MathJax settings are for MathJax 3 only).
"""

import shutil
from pathlib import Path

MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full"


def _mathjax_dir() -> Path:
    try:
        import jupyter_server_mathjax
    except ImportError as exc:
        raise RuntimeError("the course site needs jupyter-server-mathjax for offline equations: "
                           "pip install -e '.[book]'") from exc
    return Path(jupyter_server_mathjax.__file__).parent / "static"


def _use_local_mathjax(app):
    app.config.mathjax_path = f"mathjax/MathJax.js?config={MATHJAX_CONFIG}"
    app.config.mathjax2_config = {
        # MyST-NB marks pages tex2jax_ignore and the math in them "math": process only that
        "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                    "processRefs": False, "processEnvironments": False,
                    "processClass": "tex2jax_process|mathjax_process|math|output_area",
                    "ignoreClass": "tex2jax_ignore|mathjax_ignore"},
        "messageStyle": "none",
        # the package ships the STIX-Web fonts only (MathJax would look for its TeX fonts first)
        "HTML-CSS": {"availableFonts": ["STIX-Web"], "preferredFont": "STIX-Web", "webFont": "STIX-Web",
                     "imageFont": None},
        "SVG": {"font": "STIX-Web"},
    }
    app.config.mathjax3_config = None


def _copy_mathjax(app, exception):
    if exception is None and app.builder.format == "html":
        shutil.copytree(_mathjax_dir(), Path(app.outdir) / "_static" / "mathjax", dirs_exist_ok=True)


def setup(app):
    _mathjax_dir()  # fail early, saying what to install
    app.connect("builder-inited", _use_local_mathjax)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
