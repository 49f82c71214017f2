"""Inference engines behind one narrow, batch-first interface."""

from service.engine.base import Engine, EngineWrapper, GenerationParams, ModelInfo

__all__ = ["Engine", "EngineWrapper", "GenerationParams", "ModelInfo"]
