"""One module per task plugin; each ends with ``register(...)``. Every module here is
imported by :func:`shipyard.tasks.load_plugins`."""
