"""One module per network, each with a module-level `contract_harness` (see ../harness.py)."""
