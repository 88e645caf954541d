"""Drafting: prompts and context, the model, the offline composer, the batch runner."""
