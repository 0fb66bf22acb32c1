"""The data scientist's side: a small character-level GPT for Python code.

The service imports only what is re-exported here; the model can be retrained or changed
without touching the service, as long as these names keep their meaning.
"""

from model.chat_template import ChatTemplate
from model.checkpoint import ModelCard, load_checkpoint, save_checkpoint
from model.gpt import GPT, PREFILL_CHUNK, Chunk, GPTConfig
from model.kv_cache import KVCache
from model.sampling import next_token_logits, sample_rows, sample_tokens, token_logprob
from model.tokenizer import CharTokenizer

__all__ = [
    "GPT",
    "PREFILL_CHUNK",
    "CharTokenizer",
    "ChatTemplate",
    "Chunk",
    "GPTConfig",
    "KVCache",
    "ModelCard",
    "load_checkpoint",
    "next_token_logits",
    "sample_rows",
    "sample_tokens",
    "save_checkpoint",
    "token_logprob",
]
