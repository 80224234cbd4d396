"""The command line: the composition root that wires adapters into the flow."""
