"""Continuous delivery: environments, the release pipeline, approvals, promotion, history.

The CI half ends with an image and a chart in the registry's staging namespace. This
package takes a release from there: it deploys the chart to QA, smoke-tests it on the real
node, waits for approvers (a durable wait of the run engine), promotes the image by digest
into the production namespace, deploys it to the production cluster, and keeps a ledger of
every step. Gates come from Shipyard's own configuration, never from pipeline YAML, so a
pull request cannot remove one. Outside tools are reached only through :mod:`.ports`.
"""
