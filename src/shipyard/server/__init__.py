"""``shipyard serve``: Shipyard's HTTP side, the inbound adapter of the architecture.

Git providers post webhooks here; scripts and the web UI read runs, approvals and releases
through a REST API with an OpenAPI document. Everything behind the routes is the same
engine, store and delivery code the CLI uses: the server adds verification, a durable
inbox and a dispatcher, never a second way of deciding what runs.
"""
