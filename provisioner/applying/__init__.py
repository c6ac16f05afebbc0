"""Writing and checking what was written: preconditions, duplicates, verification, saved plans,
budgets."""
