"""Values in, values out: diff, safety, which scopes a run selects, causes (--base)."""
