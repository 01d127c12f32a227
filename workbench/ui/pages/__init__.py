"""The pages of the dashboard: one module per URL, each with a ``view()`` function."""
