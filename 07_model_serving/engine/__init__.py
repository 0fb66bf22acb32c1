"""The serving engine: sequences, a scheduler, and the step loop that batches them."""

from engine.client import EngineClient, SequenceHandle
from engine.engine import Engine, EngineStats, EngineStopped, StepTimes
from engine.runner import ModelLoadError, ModelRunner
from engine.scheduler import QueueFull
from engine.sequence import (
    Completion,
    Listener,
    SamplingParams,
    Sequence,
    SequenceCancelled,
    TokenLogprob,
)

__all__ = [
    "Completion",
    "Engine",
    "EngineClient",
    "EngineStats",
    "EngineStopped",
    "Listener",
    "ModelLoadError",
    "ModelRunner",
    "QueueFull",
    "SamplingParams",
    "Sequence",
    "SequenceCancelled",
    "SequenceHandle",
    "StepTimes",
    "TokenLogprob",
]
