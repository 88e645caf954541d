"""The language model: any OpenAI-compatible endpoint, through the openai SDK."""
