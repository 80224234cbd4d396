"""Shipyard: self-hosted CI/CD for microservice monorepos on Kubernetes.

The package reads as data flows: ``domain`` holds pure values, ``config`` turns YAML into
them, ``flow`` decides and runs, ``adapters`` are the only code that touches processes,
HTTP or Kubernetes, ``platform`` starts the embedded registry and clusters, and ``cli`` is
the composition root that wires adapters into the flow.
"""

__version__ = "0.1.0"
