"""Pattern recognizers with checksums, context words and normalisation.

``PatternEngine.default().analyze(text)`` returns the entities the configured
recognizers find, at offsets into the original ``text`` (see ``engine.py``).
"""

from agent.recognize.base import Recognizer
from agent.recognize.engine import PatternEngine
from agent.recognize.normalize import NormalizedText, normalize
from agent.recognize.pattern import Pattern, PatternRecognizer

__all__ = [
    "NormalizedText",
    "Pattern",
    "PatternEngine",
    "PatternRecognizer",
    "Recognizer",
    "normalize",
]
