"""The public website (X.1): guidance, filing without an account, receipt and status lookup."""
