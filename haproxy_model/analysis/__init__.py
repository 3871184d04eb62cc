"""Analysis over the typed model: validation, semantic diff, the reference parser."""
