"""The peer: the same weights in Hugging Face `transformers`' GPT-2 classes, batched statically.

Our model is GPT-2's architecture (learned positions, pre-LayerNorm, exact GELU, tied
embeddings), so the weights map one to one. GPT-2 stores its linear layers as `Conv1D`,
whose weight is the transpose of `nn.Linear`'s.
"""

import torch
from transformers import GPT2Config, GPT2LMHeadModel

from model import GPT


def to_gpt2(model: GPT) -> GPT2LMHeadModel:
    config = model.config
    peer = GPT2LMHeadModel(
        GPT2Config(
            vocab_size=config.vocab_size,
            n_positions=config.block_size,
            n_embd=config.n_embd,
            n_layer=config.n_layer,
            n_head=config.n_head,
            activation_function="gelu",
            resid_pdrop=0.0,
            embd_pdrop=0.0,
            attn_pdrop=0.0,
            layer_norm_epsilon=1e-5,
            tie_word_embeddings=True,
            bos_token_id=None,
            eos_token_id=None,
            pad_token_id=0,
        )
    )
    ours = model.state_dict()
    weights = {
        "transformer.wte.weight": ours["token_embedding.weight"],
        "transformer.wpe.weight": ours["position_embedding.weight"],
        "transformer.ln_f.weight": ours["ln_f.weight"],
        "transformer.ln_f.bias": ours["ln_f.bias"],
    }
    for i in range(config.n_layer):
        ours_at, theirs_at = f"blocks.{i}.", f"transformer.h.{i}."
        pairs = {
            "ln_1": "ln1",
            "ln_2": "ln2",
        }
        for theirs, mine in pairs.items():
            for part in ("weight", "bias"):
                weights[f"{theirs_at}{theirs}.{part}"] = ours[f"{ours_at}{mine}.{part}"]
        linear = {
            "attn.c_attn": "attn.qkv",
            "attn.c_proj": "attn.proj",
            "mlp.c_fc": "mlp.0",
            "mlp.c_proj": "mlp.2",
        }
        for theirs, mine in linear.items():
            weights[f"{theirs_at}{theirs}.weight"] = ours[f"{ours_at}{mine}.weight"].t()
            weights[f"{theirs_at}{theirs}.bias"] = ours[f"{ours_at}{mine}.bias"]
    missing, unexpected = peer.load_state_dict(weights, strict=False)
    assert not unexpected, unexpected
    assert set(missing) <= {"lm_head.weight"}, missing  # tied to wte
    peer.tie_weights()
    return peer.eval()


@torch.inference_mode()
def generate_static(
    peer: GPT2LMHeadModel, prompts: list[list[int]], max_new_tokens: int, greedy: bool
) -> torch.Tensor:
    """One static batch: left-padded prompts, every row runs until the longest is done."""
    width = max(len(p) for p in prompts)
    ids = torch.zeros((len(prompts), width), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, prompt in enumerate(prompts):
        ids[row, width - len(prompt) :] = torch.tensor(prompt)
        mask[row, width - len(prompt) :] = 1
    return peer.generate(
        input_ids=ids,
        attention_mask=mask,
        max_new_tokens=max_new_tokens,
        min_new_tokens=max_new_tokens,
        do_sample=not greedy,
        top_k=0,
        pad_token_id=0,
    )
