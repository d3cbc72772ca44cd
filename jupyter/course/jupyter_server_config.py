"""The course's JupyterLab (`make lab`, `make lab-instructor`), read through JUPYTER_CONFIG_PATH.

- Settings defaults from jupyter/settings/overrides.json: no news prompt, no update check.
- Notebooks served with the metadata their kernel reports and saved in the course's stored form,
  so a notebook is not marked modified when it opens (jupyter/notebook_format.py says why).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent  # jupyter/course
sys.path.insert(0, str(HERE.parent))
from notebook_format import CourseContentsManager  # jupyter/notebook_format.py

c = get_config()  # noqa: F821  (provided by Jupyter when it loads this file)
c.ServerApp.contents_manager_class = CourseContentsManager
c.LabApp.app_settings_dir = str(HERE.parent / "settings")
