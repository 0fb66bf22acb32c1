"""The serving engine: sequences, a scheduler, and the step loop that batches them."""

from engine.engine import Engine, EngineStats, EngineStopped
from engine.runner import ModelLoadError, ModelRunner
from engine.scheduler import QueueFull
from engine.sequence import Completion, SamplingParams, Sequence, SequenceCancelled

__all__ = [
    "Completion",
    "Engine",
    "EngineStats",
    "EngineStopped",
    "ModelLoadError",
    "ModelRunner",
    "QueueFull",
    "SamplingParams",
    "Sequence",
    "SequenceCancelled",
]
