"""Retraining with a quality gate and a live model swap (`make retrain`, `make rollback`)."""
