"""The course's stored notebook form, and the contents manager that keeps notebooks clean on open.

Why a notebook was marked modified as soon as it opened: when its kernel connects, JupyterLab
writes the kernel's ``kernelspec`` (name, display name, language) and the kernel's
``language_info`` (name, version, mimetype, codemirror_mode, pygments_lexer,
nbconvert_exporter, file_extension) into the notebook's metadata. The committed notebooks had
``"display_name": "Python 3"`` and ``"language_info": {"name": "python"}``, so both writes
changed the model and the tab showed the modified dot before the student typed anything. Only
an exact match of both leaves the notebook clean, and ``language_info.version`` is the
kernel's Python version (3.11.7 here), which differs from one student's machine to the next.

So:

- the stored form (:func:`normalize`, ``make normalize``) has the python3 kernel's
  ``kernelspec`` and ``language_info`` without the machine-dependent ``version``, cell ids,
  nbformat 4.5, and nbformat's own JSON layout (what JupyterLab writes);
- the course's lab (``make lab``, ``make lab-instructor``, via ``jupyter/course/``) serves each
  notebook with the ``version`` of the Python that runs its kernel
  (:class:`CourseContentsManager`), so the kernel's write changes nothing, and saves notebooks
  in the stored form again.

Run ``python jupyter/notebook_format.py PATH...`` (files or folders) to normalise in place; it
is idempotent and prints the files it changed. ``--check`` changes nothing and exits 1 if a
file is not in the stored form.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

#: The python3 kernel's ``kernelspec`` as JupyterLab writes it (ipykernel's kernel.json).
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

#: ipykernel's ``IPythonKernel.language_info`` without ``version``.
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}


def _is_python3(nb) -> bool:
    spec = nb.get("metadata", {}).get("kernelspec") or {}
    return spec.get("name", "python3") == "python3"


def normalize(nb: dict) -> dict:
    """Return a copy of notebook ``nb`` (nbformat 4 JSON as a dict) in the course's stored form.

    Notebooks for another kernel keep their kernelspec and language_info; everything else
    (other metadata, cells, outputs) is kept as it is.
    """
    import nbformat

    nb = nbformat.from_dict(copy.deepcopy(nb))
    if nb.get("nbformat") != 4:
        raise ValueError(f"nb must be an nbformat 4 notebook; got nbformat {nb.get('nbformat')!r}. "
                         "Convert it with `jupyter nbconvert --to notebook`.")
    if nb.get("nbformat_minor", 0) < 5:
        nb = nbformat.v4.upgrade(nb, from_version=4, from_minor=nb.get("nbformat_minor", 0))
    nb.nbformat_minor = max(nb.nbformat_minor, 5)
    for cell in nb.cells:
        if "id" not in cell:
            cell["id"] = nbformat.corpus.words.generate_corpus_id()
        cell.get("metadata", {}).pop("trusted", None)  # JupyterLab never saves it
    if _is_python3(nb):
        nb.metadata["kernelspec"] = dict(KERNELSPEC)
        nb.metadata["language_info"] = copy.deepcopy(LANGUAGE_INFO)
    return nb


def stored_text(nb: dict) -> str:
    """The text of ``normalize(nb)`` as the course stores it (nbformat's layout, final newline)."""
    import nbformat

    text = nbformat.writes(normalize(nb))
    return text if text.endswith("\n") else text + "\n"


def running_language_info() -> dict:
    """``language_info`` as the python3 kernel on this Python reports it (ipykernel's formula)."""
    info = copy.deepcopy(LANGUAGE_INFO)
    info["version"] = sys.version.split()[0]
    info["codemirror_mode"]["version"] = sys.version_info[0]
    return info


def as_served(nb: dict) -> dict:
    """Notebook ``nb`` with the metadata its python3 kernel will report on connect (in place)."""
    if _is_python3(nb):
        meta = nb.setdefault("metadata", {})
        meta["kernelspec"] = dict(KERNELSPEC)
        meta["language_info"] = running_language_info()
    return nb


def _contents_manager_class():
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

    class CourseContentsManager(AsyncLargeFileManager):
        """jupyter_server's default contents manager; notebooks are served as the kernel reports
        them (:func:`as_served`) and saved in the course's stored form (:func:`normalize`)."""

        async def get(self, path, content=True, type=None, format=None, **kwargs):
            model = await super().get(path, content=content, type=type, format=format, **kwargs)
            if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
                as_served(model["content"])
            return model

        async def save(self, model, path=""):
            if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
                try:
                    model = dict(model, content=normalize(model["content"]))
                except ValueError:
                    pass  # not nbformat 4: saved as it came
            return await super().save(model, path)

    return CourseContentsManager


def __getattr__(name):
    if name == "CourseContentsManager":  # jupyter_server imported only when a lab asks for it
        return _contents_manager_class()
    raise AttributeError(name)


def _notebooks(paths):
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        elif path.suffix == ".ipynb":
            yield path
        else:
            raise SystemExit(f"path must be a notebook or a folder; got {str(path)!r}. Pass .ipynb files or folders.")


def main(argv=None) -> int:
    import json

    parser = argparse.ArgumentParser(description="Store notebooks in the course's form (see the module docstring).")
    parser.add_argument("paths", nargs="+", help="notebooks or folders holding notebooks")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook is not normalised")
    args = parser.parse_args(argv)
    unnormalized = []
    for path in _notebooks(args.paths):
        text = path.read_text(encoding="utf-8")
        new = stored_text(json.loads(text))
        if new != text:
            unnormalized.append(path)
            if not args.check:
                path.write_text(new, encoding="utf-8")
            print(f"{'not normalised' if args.check else 'normalised'}: {path}")
    return 1 if args.check and unnormalized else 0


if __name__ == "__main__":
    sys.exit(main())
