"""Drafting logic: what the model is told (``context``) and the offline composer; the batch
runner is ``services/drafting.py``."""
