"""Local detection: section category and entities (model + pattern recognizers, merged).

engine = load_engine(backend="onnx")
analyses = engine.analyze(["section text", ...])   # list[SectionAnalysis]

with ParallelDetectionEngine("openvino", workers=2) as engine:   # worker processes
    analyses = engine.analyze(["section text", ...])
"""

from __future__ import annotations

from agent.detect.engine import DetectionEngine, PatternFinder, load_engine
from agent.detect.merge import merge, redact_text
from agent.detect.parallel import ParallelDetectionEngine

__all__ = [
    "DetectionEngine",
    "ParallelDetectionEngine",
    "PatternFinder",
    "load_engine",
    "merge",
    "redact_text",
]
