"""Study schema and loading, the MKBA model, the sampling engine and result assembly."""
