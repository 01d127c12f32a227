"""The exported package: its files generated from a notebook plan (``generate``, with the
fixed texts of ``_templates`` and the README of ``_readme``) and its versions
(``versioning``). :func:`workbench.pipelines.export.export_notebook` drives them."""
