"""Visit detail: who and where, why (insights), evidence (charts), history."""
