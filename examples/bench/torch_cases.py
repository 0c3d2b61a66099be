#!/usr/bin/env python3
# PyTorch (CPU, eager, fp32 or quantize_dynamic int8) on the same token ids
# bertpp-bench-encoder times: the cases of its --dump-inputs file, each run
# padded to its longest sequence with its attention mask, as HF feeds a
# batch (ort_cases.js does the same for ONNX Runtime). One JSON object per
# case on stdout, with ort_cases.js's fields (plus the torch version and, for
# int8, the quantized engine); a note on stderr.
#
#   /usr/bin/python3 torch_cases.py PRESET INPUTS.json [threads] [runs] [warmup] [CASES] [--int8]
#   /usr/bin/python3 torch_cases.py --check MODEL_FOLDER
#   /usr/bin/python3 torch_cases.py --info     (torch version, BLAS, quantized engine)
#
# PRESET: bert-base (768/12/12/3072) or minilm-l6 (384/6/12/1536), vocabulary
# 30,522, 512 positions, random weights (the speed does not depend on the
# values). The model is HF transformers 4.31's BertModel written out in
# plain PyTorch, module for module and op for op (the same parameter names,
# eager attention with the additive (1 - mask) * finfo.min mask, exact erf
# GELU, LayerNorm eps 1e-12, the pooler: ONNX Runtime's anchor models output
# last_hidden_state and pooler_output), so no `transformers` package is
# needed. --int8: torch.ao.quantization.quantize_dynamic(model, {nn.Linear},
# dtype=torch.qint8), what HF's docs suggest for CPU int8, on the default
# quantized engine (torch.backends.quantized.engine; TORCH_QENGINE=NAME
# picks another of torch.backends.quantized.supported_engines).
# CASES: comma-separated names (a "-packed" name selects its padded twin).
# Runs under torch.inference_mode() with torch.set_num_threads(threads).
#
# --check MODEL_FOLDER: loads an HF BertModel folder's weights (config.json and
# pytorch_model.bin or float32 model.safetensors, e.g. ../shared/golden/models/
# bert-random) into this model and compares last_hidden_state and
# pooler_output with the folder's expected.json (HF transformers' outputs);
# exit status 1 above 1e-4.
import json
import math
import os
import struct
import sys
import time

# OpenBLAS's pthread build reads its thread count when it loads (the OpenMP build follows
# torch.set_num_threads): the benchmark's thread count, before torch loads it.
if len(sys.argv) > 3 and sys.argv[3].isdigit():
    os.environ.setdefault("OPENBLAS_NUM_THREADS", sys.argv[3])

import torch  # noqa: E402 (after the environment above)
from torch import nn

PRESETS = {"bert-base": (768, 12, 12, 3072), "minilm-l6": (384, 6, 12, 1536)}


class Config:
    def __init__(self, hidden, layers, heads, intermediate, vocab=30522, positions=512, types=2, eps=1e-12):
        self.hidden_size, self.num_hidden_layers, self.num_attention_heads = hidden, layers, heads
        self.intermediate_size, self.vocab_size, self.max_position_embeddings = intermediate, vocab, positions
        self.type_vocab_size, self.layer_norm_eps = types, eps


class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=0)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(0.1)
        self.register_buffer("position_ids", torch.arange(c.max_position_embeddings).expand((1, -1)), persistent=False)

    def forward(self, input_ids, token_type_ids):
        position_ids = self.position_ids[:, : input_ids.shape[1]]
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings += self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(embeddings))


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.num_attention_heads = c.num_attention_heads
        self.attention_head_size = c.hidden_size // c.num_attention_heads
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.query = nn.Linear(c.hidden_size, self.all_head_size)
        self.key = nn.Linear(c.hidden_size, self.all_head_size)
        self.value = nn.Linear(c.hidden_size, self.all_head_size)
        self.dropout = nn.Dropout(0.1)

    def transpose_for_scores(self, x):
        return x.view(x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)).permute(0, 2, 1, 3)

    def forward(self, hidden_states, attention_mask):
        query_layer = self.transpose_for_scores(self.query(hidden_states))
        key_layer = self.transpose_for_scores(self.key(hidden_states))
        value_layer = self.transpose_for_scores(self.value(hidden_states))
        attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2))
        attention_scores = attention_scores / math.sqrt(self.attention_head_size)
        attention_scores = attention_scores + attention_mask
        attention_probs = self.dropout(nn.functional.softmax(attention_scores, dim=-1))
        context_layer = torch.matmul(attention_probs, value_layer).permute(0, 2, 1, 3).contiguous()
        return context_layer.view(context_layer.size()[:-2] + (self.all_head_size,))


class BertSelfOutput(nn.Module):  # also BertOutput, with the intermediate size in
    def __init__(self, c, inner):
        super().__init__()
        self.dense = nn.Linear(inner, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(0.1)

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dropout(self.dense(hidden_states)) + input_tensor)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertSelfOutput(c, c.hidden_size)

    def forward(self, hidden_states, attention_mask):
        return self.output(self.self(hidden_states, attention_mask), hidden_states)


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, hidden_states):
        return nn.functional.gelu(self.dense(hidden_states))  # hidden_act "gelu": exact erf


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertSelfOutput(c, c.intermediate_size)

    def forward(self, hidden_states, attention_mask):
        attention_output = self.attention(hidden_states, attention_mask)
        return self.output(self.intermediate(attention_output), attention_output)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(c) for _ in range(c.num_hidden_layers)])

    def forward(self, hidden_states, attention_mask):
        for layer in self.layer:
            hidden_states = layer(hidden_states, attention_mask)
        return hidden_states


class BertPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states):
        return self.activation(self.dense(hidden_states[:, 0]))


class BertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c)

    def forward(self, input_ids, attention_mask, token_type_ids):
        dtype = self.embeddings.word_embeddings.weight.dtype
        extended = attention_mask[:, None, None, :].to(dtype=dtype)
        extended = (1.0 - extended) * torch.finfo(dtype).min
        sequence_output = self.encoder(self.embeddings(input_ids, token_type_ids), extended)
        return sequence_output, self.pooler(sequence_output)


def random_model(preset):
    model = BertModel(Config(*PRESETS[preset]))
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name:
                p.fill_(1.0 if name.endswith("weight") else 0.0)
            else:  # as bertpp-bench-encoder: uniform in [-0.04, 0.04)
                p.uniform_(-0.04, 0.04, generator=generator)
    return model.eval()


def blas_library():
    """The BLAS behind PyTorch's fp32 matrix products: Debian's torch (BLAS_INFO=generic) uses
    whichever libblas.so.3 the system's alternatives select, by default the unoptimised reference
    one (libblas3), which makes fp32 10-100x slower; pip's torch has MKL built in."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "blas" in line.rsplit("/", 1)[-1]}
    for path in sorted(os.path.realpath(p) for p in paths):
        if "openblas" in path:
            return "openblas (" + os.path.basename(os.path.dirname(path)) + ")"
        if "/blas/libblas.so" in path:  # Debian libblas3: netlib's reference code
            return "reference (libblas3)"
    if paths:
        return ", ".join(sorted(os.path.basename(p) for p in paths))
    show = torch.__config__.show()
    return "mkl" if "BLAS_INFO=mkl" in show else "built in"


def padded(sequences):
    """ids, mask and (zero) token type ids of a batch padded to its longest."""
    length = max(len(s) for s in sequences)
    ids = torch.zeros(len(sequences), length, dtype=torch.long)
    mask = torch.zeros(len(sequences), length, dtype=torch.long)
    for b, s in enumerate(sequences):
        ids[b, : len(s)] = torch.tensor(s, dtype=torch.long)
        mask[b, : len(s)] = 1
    return ids, mask, torch.zeros_like(ids)


def bench(argv):
    int8 = "--int8" in argv
    args = [a for a in argv if a != "--int8"]
    if len(args) < 2 or args[0] not in PRESETS:
        sys.exit("usage: torch_cases.py PRESET INPUTS.json [threads] [runs] [warmup] [CASES] [--int8] "
                 "(PRESET: " + ", ".join(PRESETS) + ")")
    preset, inputs = args[0], args[1]
    threads = int(args[2]) if len(args) > 2 else 2
    runs = int(args[3]) if len(args) > 3 else 5
    warmup = int(args[4]) if len(args) > 4 else 1
    only = [n[: -len("-packed")] if n.endswith("-packed") else n for n in args[5].split(",")] if len(args) > 5 else None
    torch.set_num_threads(threads)
    model = random_model(preset)
    extra = {"torch": torch.__version__, "blas": blas_library()}
    if int8:
        if os.environ.get("TORCH_QENGINE"):
            torch.backends.quantized.engine = os.environ["TORCH_QENGINE"]
        model = torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
        extra["quantized_engine"] = torch.backends.quantized.engine
    print(f"torch_cases.py: torch {torch.__version__}, {preset}, {'int8 (quantize_dynamic, engine ' + extra['quantized_engine'] + ')' if int8 else 'fp32'}, "
          f"{torch.get_num_threads()} threads, BLAS: {extra['blas']}", file=sys.stderr)
    if extra["blas"].startswith("reference"):
        print("torch_cases.py: warning: PyTorch's float32 matrix products run on the reference BLAS, "
              "10-100x slower than an optimised one: on Debian, apt-get install libopenblas0-openmp", file=sys.stderr)
    with open(inputs) as f:
        cases = json.load(f)
    with torch.inference_mode():
        for c in cases:
            if c["packed"] or (only is not None and c["name"] not in only):
                continue  # the padded twin of a packed case is the comparison
            ids, mask, types = padded(c["sequences"])
            tokens = int(mask.sum())
            for _ in range(warmup):
                model(ids, mask, types)
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                out = model(ids, mask, types)
                times.append(time.perf_counter() - start)
                if not math.isfinite(float(out[0][0, 0, 0])):
                    sys.exit("torch_cases.py: non-finite output")
            times.sort()
            median, best = times[len(times) // 2], times[0]
            print(json.dumps({"case": c["name"], "tokens": tokens, "padded_tokens": ids.numel(),
                              "median_ms": median * 1e3, "min_ms": best * 1e3, "tokens_per_s": tokens / median,
                              "best_tokens_per_s": tokens / best, **extra}), flush=True)


def read_weights(folder):
    """An HF folder's state dict: pytorch_model.bin, or a float32 model.safetensors."""
    path = os.path.join(folder, "pytorch_model.bin")
    if os.path.exists(path):
        return torch.load(path, map_location="cpu")
    with open(os.path.join(folder, "model.safetensors"), "rb") as f:
        data = f.read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    weights = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        if t["dtype"] != "F32":
            raise SystemExit(f"torch_cases.py --check: {name} is {t['dtype']} (float32 only)")
        begin, end = t["data_offsets"]
        raw = bytearray(data[8 + size + begin : 8 + size + end])
        weights[name] = torch.frombuffer(raw, dtype=torch.float32).reshape(t["shape"]) if raw else torch.zeros(t["shape"])
    return weights


def check(folder):
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    if config.get("hidden_act", "gelu") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
        sys.exit("torch_cases.py --check: this model is HF BertModel with hidden_act gelu and absolute positions")
    c = Config(config["hidden_size"], config["num_hidden_layers"], config["num_attention_heads"],
               config["intermediate_size"], config["vocab_size"], config["max_position_embeddings"],
               config["type_vocab_size"], config["layer_norm_eps"])
    model = BertModel(c)
    weights = {}
    for name, value in read_weights(folder).items():  # HF's renames of old checkpoints
        name = name[len("bert."):] if name.startswith("bert.") else name
        weights[name.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")] = value
    model.load_state_dict(weights, strict=True)  # every HF parameter name, nothing else
    model.eval()
    with open(os.path.join(folder, "expected.json")) as f:
        expected = json.load(f)
    worst_hidden = worst_pooled = 0.0
    with torch.inference_mode():
        for case in expected["cases"]:
            ids = torch.tensor([case["input_ids"]])
            hidden, pooled = model(ids, torch.ones_like(ids), torch.tensor([case["token_type_ids"]]))
            worst_hidden = max(worst_hidden, float((hidden.flatten() - torch.tensor(case["last_hidden_state"])).abs().max()))
            worst_pooled = max(worst_pooled, float((pooled.flatten() - torch.tensor(case["pooler_output"])).abs().max()))
        batch = expected.get("batch")
        if batch:
            ids, mask = torch.tensor(batch["input_ids"]), torch.tensor(batch["attention_mask"])
            hidden, _ = model(ids, mask, torch.zeros_like(ids))
            want = torch.tensor(batch["last_hidden_state"]).reshape(batch["shape"])
            worst_hidden = max(worst_hidden, float((hidden - want).abs().max()))  # padding rows too
    ok = worst_hidden <= 1e-4 and worst_pooled <= 1e-4
    print(f"torch_cases.py --check {folder}: {len(expected['cases'])} cases" + (" + padded batch" if batch else "") +
          f", worst |diff| last_hidden_state {worst_hidden:.2e}, pooler_output {worst_pooled:.2e}: "
          + ("OK" if ok else "FAILED (> 1e-4)"))
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        sys.exit(check(sys.argv[2]))
    if sys.argv[1:] == ["--info"]:
        print(f"torch {torch.__version__}, BLAS {blas_library()}, quantized engine {torch.backends.quantized.engine}")
        sys.exit(0)
    bench(sys.argv[1:])
