"""The flow: decide what runs (trigger, plan) and, later, run it. Tools only via ports."""
