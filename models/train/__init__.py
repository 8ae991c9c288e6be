"""Model building (torch, training only): the tagger+classifier, its training loop, export
to ONNX, INT8 quantization for ONNX Runtime and OpenVINO. Never imported at run time."""
