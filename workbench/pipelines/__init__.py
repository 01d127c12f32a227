"""Notebook → pipeline export (issue #6): analysis of a notebook into steps, package
generation, the cached runner, versioning and the reproduction proof. Exported packages live
in ``pipelines/<name>/`` of the project."""
