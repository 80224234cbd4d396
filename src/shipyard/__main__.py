"""``python -m shipyard`` runs the CLI."""

from shipyard.cli.app import main

main()
