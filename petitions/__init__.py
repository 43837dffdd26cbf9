"""Cases (信访案件) and their handling. The parts: cases (the core), admin, intake, worker, reports,
transfer; docs/architecture.md draws them."""
