"""Base: the error family, values, diagnostics and safe file writes."""
