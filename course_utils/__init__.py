"""course_utils: the shared package of the RNN course.

Modules are named after the concept they hold: `session` (setup), `checks` (verification),
`text`, `markov`, `series`, `batching` (data), `plots`, `notebooks` (run and check notebooks).
"""
from .session import setup

__all__ = ["setup"]
__version__ = "0.1.0"
