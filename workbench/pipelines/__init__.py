"""Notebook → pipeline export. Exported packages live in ``pipelines/<name>/`` of the project.

- ``analysis/``: the static analysis of a notebook into steps (``analyze_notebook``).
- ``package/``: the package generated from that plan, its README and its versions.
- ``runtime/``: the cached, tracked runner — the only part an exported package imports.
- ``verify/``: the proof of reproduction (golden values from the notebook, comparison).
- ``retrain/``: retraining an exported package on new data behind its evaluation gate.
- ``export.py`` and ``catalog.py`` drive them and list the packages of a project.

``runner.py``, ``inputs.py`` and ``versioning.py`` only re-export from their new places, for
packages exported (and code written) before the subpackages.
"""
