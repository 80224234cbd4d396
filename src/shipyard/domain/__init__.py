"""Pure values: locations, diagnostics, events, the pipeline model. Imports nothing of ours."""
