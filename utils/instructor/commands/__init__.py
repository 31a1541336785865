"""One module per ``python -m utils.instructor`` command: ``HELP``, ``add_arguments(parser)``, ``run(args)``."""
