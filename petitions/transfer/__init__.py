"""Import of superior-assigned tickets and export of the ledger (X.3)."""
