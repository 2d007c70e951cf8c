"""Offline question answering over articles: the passage that answers, its sentence, and where it comes from."""

from .conversation import Conversation
from .errors import QAError
from .knowledge import KnowledgeBase
from .types import Answer, Article, Citation, Hit, Passage

__all__ = ["Answer", "Article", "Citation", "Conversation", "Hit", "KnowledgeBase", "Passage", "QAError"]
