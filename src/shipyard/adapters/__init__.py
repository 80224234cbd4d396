"""Adapters: the only code that touches processes, HTTP or Kubernetes clients."""
