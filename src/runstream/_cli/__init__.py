"""The ``runstream`` command line."""
