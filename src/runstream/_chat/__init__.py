"""The Chat Completions dialect: ``chat.completion.chunk`` streams into ``chat.completion``."""
