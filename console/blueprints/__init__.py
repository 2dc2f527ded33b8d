"""The console's route groups, one Flask blueprint (`bp`) per area."""
