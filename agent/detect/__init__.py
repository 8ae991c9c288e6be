"""Local detection: section category and entities (model + pattern recognizers, merged).

engine = load_engine(backend="onnx")
analyses = engine.analyze(["section text", ...])   # list[SectionAnalysis]
"""

from __future__ import annotations

from agent.detect.engine import DetectionEngine, PatternAnalyzer, load_engine
from agent.detect.merge import merge, redact_text

__all__ = ["DetectionEngine", "PatternAnalyzer", "load_engine", "merge", "redact_text"]
