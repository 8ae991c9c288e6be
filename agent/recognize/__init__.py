"""Pattern recognizers with checksums, context words and normalisation.

``PatternEngine.default().entities(text)`` returns the entities the recognizers of
``default_recognizers.yaml`` find, sorted, at offsets into the original ``text``
(``Entity.source`` names the recognizer). ``PatternEngine.from_config(path_or_mapping)``
builds another selection, including recognizers written entirely in configuration.

Where things are, in reading order:

- ``base.py``: the ``Recognizer`` protocol;
- ``pattern.py``: ``PatternRecognizer`` (patterns + context words + one ``validate`` hook);
- ``checksums.py``: Luhn, IBAN mod 97, NHS mod 11, SSN and NINO rules;
- ``financial.py``, ``government.py``, ``contact.py``, ``dates.py``, ``secrets.py``,
  ``hints.py``: the built-in recognizers, mostly data;
- ``normalize.py``: the de-obfuscated view of a text and its map back to the original;
- ``tables.py``: column headers as the context of table cells;
- ``scan.py``: what is computed once per text to keep the scan fast;
- ``engine.py`` and ``resolve.py``: one pass over a text, and who wins on overlaps;
- ``registry.py``: built-in recognizers by configuration name.
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
