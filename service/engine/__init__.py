"""Inference engines behind one narrow, batch-first interface."""

from service.engine.base import Engine, GenerationParams, ModelInfo

__all__ = ["Engine", "GenerationParams", "ModelInfo"]
