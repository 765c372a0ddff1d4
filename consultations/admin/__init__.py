"""The consultations admin, one module a model family."""

from consultations.admin import consultation, links, questions, responses

__all__ = ["consultation", "links", "questions", "responses"]
