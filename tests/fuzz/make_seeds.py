#!/usr/bin/env python3
"""Writes the small synthetic seed corpora in tests/fuzz/corpus/ (committed;
re-run only to change them). Every seed is made up here, nothing is copied
from real models."""
import io
import json
import os
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def safetensors(tensors, metadata=None):
    header, data = {}, b""
    for name, dtype, shape, payload in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def seeds_safetensors():
    f32 = struct.pack("<6f", 0.5, -1.0, 2.0, 0.0, 3.25, -0.125)
    put("safetensors", "f32", safetensors([("w", "F32", [2, 3], f32)]))
    put("safetensors", "mixed", safetensors([
        ("a.weight", "F32", [2, 3], f32),
        ("a.bias", "F16", [4], struct.pack("<4H", 0x3C00, 0xC000, 0x7C00, 0x0001)),
        ("b", "BF16", [2, 2], struct.pack("<4H", 0x3F80, 0xBF80, 0x7FC0, 0x0000)),
        ("ids", "I64", [3], struct.pack("<3q", 0, 1, 2)),
        ("d", "F64", [1], struct.pack("<d", 1e300)),
    ], {"format": "pt"}))
    put("safetensors", "empty_tensor", safetensors([("e", "F32", [0, 4], b"")]))
    put("safetensors", "empty_header", safetensors([]))
    put("safetensors", "scalar", safetensors([("s", "F32", [], struct.pack("<f", 1.5))]))


def pickle_str(text):
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def pickle_int(value):
    if 0 <= value < 256:
        return b"K" + bytes([value])
    if 0 <= value < 65536:
        return b"M" + struct.pack("<H", value)
    return b"J" + struct.pack("<i", value)


def state_dict_pickle(tensors, legacy):
    """The opcodes torch.save emits for {name: tensor} (protocol 2)."""
    out = b"\x80\x02}("
    for name, storage, key, numel, offset, shape, stride in tensors:
        out += pickle_str(name) + b"ctorch._utils\n_rebuild_tensor_v2\n(("
        out += pickle_str("storage") + b"ctorch\n" + storage.encode() + b"\n"
        out += pickle_str(key) + pickle_str("cpu") + pickle_int(numel) + (b"N" if legacy else b"") + b"tQ"
        out += pickle_int(offset) + b"(" + b"".join(pickle_int(d) for d in shape) + b"t"
        out += b"(" + b"".join(pickle_int(s) for s in stride) + b"t"
        out += b"\x89ccollections\nOrderedDict\n)RtR"
    return out + b"u."


def pytorch_zip(stem, pickle, storages):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(stem + "/data.pkl", pickle)
        for key, data in storages:
            archive.writestr(stem + "/data/" + key, data)
        archive.writestr(stem + "/version", "3\n")
    return buffer.getvalue()


def pytorch_legacy(pickle, storages, element_size):
    out = b"\x80\x02\x8a\x0a" + (0x1950a86a20f9469cfc6c).to_bytes(10, "little") + b"."
    out += b"\x80\x02M\xe9\x03."
    out += b"\x80\x02}(" + pickle_str("protocol_version") + pickle_int(1001)
    out += pickle_str("little_endian") + b"\x88u."
    out += pickle
    out += b"\x80\x02](" + b"".join(pickle_str(key) for key, _ in storages) + b"e."
    for key, data in storages:
        out += struct.pack("<q", len(data) // element_size[key]) + data
    return out


def seeds_pytorch():
    f32 = struct.pack("<6f", 0.5, -1.0, 2.0, 0.0, 3.25, -0.125)
    f16 = struct.pack("<4H", 0x3C00, 0xC000, 0x7BFF, 0x0001)
    bf16 = struct.pack("<4H", 0x3F80, 0xBF80, 0x3F00, 0x0000)
    tensors = [("w", "FloatStorage", "0", 6, 0, [2, 3], [3, 1]),
               ("t", "FloatStorage", "0", 6, 0, [3, 2], [1, 3]),
               ("b", "FloatStorage", "0", 6, 4, [2], [1]),
               ("h", "HalfStorage", "1", 4, 0, [4], [1]),
               ("g", "BFloat16Storage", "2", 4, 1, [3], [1])]
    storages = [("0", f32), ("1", f16), ("2", bf16)]
    put("pytorch", "zip", pytorch_zip("archive", state_dict_pickle(tensors, False), storages))
    put("pytorch", "zip_one", pytorch_zip("pytorch_model", state_dict_pickle(tensors[:1], False), storages[:1]))
    put("pytorch", "legacy", pytorch_legacy(state_dict_pickle(tensors, True), storages,
                                            {"0": 4, "1": 2, "2": 2}))


def seeds_config():
    bert = {"architectures": ["BertForSequenceClassification"], "model_type": "bert",
            "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
            "intermediate_size": 64, "hidden_act": "gelu", "max_position_embeddings": 128,
            "type_vocab_size": 2, "vocab_size": 100, "layer_norm_eps": 1e-12,
            "pad_token_id": 0, "id2label": {"0": "NEGATIVE", "1": "POSITIVE"},
            "label2id": {"NEGATIVE": 0, "POSITIVE": 1}, "problem_type": "single_label_classification",
            "position_embedding_type": "absolute"}
    put("config", "bert.json", json.dumps(bert, indent=2))
    distil = {"architectures": ["DistilBertForQuestionAnswering"], "model_type": "distilbert",
              "dim": 32, "n_layers": 2, "n_heads": 4, "hidden_dim": 64, "activation": "gelu",
              "max_position_embeddings": 64, "vocab_size": 100, "sinusoidal_pos_embds": False}
    put("config", "distilbert.json", json.dumps(distil))
    put("config", "inferred.json", json.dumps({"hidden_size": 8, "num_hidden_layers": 1,
                                               "num_attention_heads": 2, "num_labels": 3,
                                               "hidden_act": "gelu_new"}))


def tokenizer_json(post, normalizer=True):
    vocab = {t: i for i, t in enumerate(
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "!", ",", "un",
         "##aff", "##able", "a", "##a", "\u4f60", "caf", "##e", "##\u00e9"])}
    specials = [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False,
                 "rstrip": False, "normalized": False, "special": True}
                for t in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]]
    return json.dumps({
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": specials,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True} if normalizer else None,
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": post,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab}})


def seeds_tokenizer_json():
    template = {"type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                           {"Sequence": {"id": "A", "type_id": 0}},
                           {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                         {"Sequence": {"id": "A", "type_id": 0}},
                         {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                         {"Sequence": {"id": "B", "type_id": 1}},
                         {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                                   "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}}
    put("tokenizer_json", "template.json", tokenizer_json(template))
    put("tokenizer_json", "bert_processing.json",
        tokenizer_json({"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]}))
    put("tokenizer_json", "bare.json", tokenizer_json(None, normalizer=False))
    put("tokenizer_json", "byte_level_bpe.json", byte_level_bpe_json())


def byte_level_bpe_json():
    g = "\u0120"  # the byte-level character of a space
    tokens = ["<s>", "<pad>", "</s>", "<unk>", "a", "b", "c", "h", "i", g, "!", "ab", "bc", "abc",
              g + "a", g + "ab", "hi", g + "hi", "<mask>", "\u00c3", "\u00a9", "\u00c3\u00a9"]
    vocab = {t: i for i, t in enumerate(tokens)}
    specials = [{"id": vocab[t], "content": t, "single_word": False, "lstrip": t == "<mask>",
                 "rstrip": False, "normalized": True, "special": True}
                for t in ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]]
    merges = [[g, "a"], "a b", "b c", "ab c", g + "a b", "h i", g + " hi", "\u00c3 \u00a9"]
    return json.dumps({
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": specials,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                          "use_regex": True},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                           "trim_offsets": True, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": merges}}, ensure_ascii=False)


def seeds_encode():
    # byte 0 flags, 1 max_length, 2 stride, 3 split point; see fuzz_encode.cpp.
    texts = [
        (0x00, 0, 0, 0, "Hello, world! unaffable"),
        (0x14, 12, 3, 128, "what is a question?the context is much longer than the question here."),
        (0x34, 10, 2, 60, "first text here|second text"),
        (0x54, 8, 0, 200, "a b c d e f g h i j|k"),
        (0x11, 6, 1, 0, "Caf\u00e9 CAF\u00c9 na\u00efve \u0130stanbul"),
        (0x82, 0, 8, 0, "\u4f60\u597d\u4e16\u754c \u3053\u3093\u306b\u3061\u306f \ud55c\uad6d\uc5b4"),
        (0x03, 0, 0, 0, "[CLS] [MASK] [SEP][PAD]x[UNK]"),
        (0x00, 0, 0, 0, "tab\there\u00a0nbsp\u200bzw\u0000nul\ufffdrepl \U0001F600 emoji"),
    ]
    for i, (flags, max_len, stride, split, text) in enumerate(texts):
        put("encode", "seed%d" % i, bytes([flags, max_len, stride, split]) + text.encode("utf-8"))
    # byte 2 bit 0x10: byte-level BPE; 0x20: overflowing windows.
    bpe = [
        (0x00, 0, 0x10, 0, "Hello, world! I'm here  \n\n and\tthere 123 4.5% <mask>"),
        (0x14, 12, 0x33, 128, "what is a question?the context is much longer than the question here."),
        (0x80, 0, 0x14, 0, "\u4f60\u597d\u4e16\u754c caf\u00e9 \U0001F600 \u3000x \u0663"),
    ]
    for i, (flags, max_len, stride, split, text) in enumerate(bpe):
        put("encode", "bpe%d" % i, bytes([flags, max_len, stride, split]) + text.encode("utf-8"))
    put("encode", "invalid_utf8", bytes([0, 0, 0, 0]) + b"ok \xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80")


def seeds_pipeline_json():
    # byte 0 picks the task (see fuzz_pipeline_json.cpp), the rest is the arguments.
    tasks = ["text-classification", "token-classification", "question-answering",
             "zero-shot-classification", "fill-mask", "sentence-embeddings",
             "feature-extraction", "cross-encoder"]
    calls = [
        ("text-classification", {"inputs": ["I love it", {"text": "a", "text_pair": "b"}],
                                 "top_k": None, "function_to_apply": "sigmoid"}),
        ("text-classification", {"inputs": "long " * 200, "truncation": True, "max_length": 16}),
        ("token-classification", {"inputs": "Angela Merkel met Emmanuel Macron in Paris. " * 20,
                                  "stride": 16, "aggregation_strategy": "first"}),
        ("token-classification", {"inputs": ["Paris", "Berlin"], "ignore_labels": [],
                                  "batch_size": 1}),
        ("question-answering", {"question": "Where?", "context": "In Paris, the capital. " * 20,
                                "doc_stride": 8, "max_seq_len": 48, "top_k": 3,
                                "max_answer_len": 4, "handle_impossible_answer": True}),
        ("question-answering", {"question": "Who?", "context": "Me.", "doc_stride": 1e300}),
        ("zero-shot-classification", {"sequences": "a text", "candidate_labels": ["x", "y"],
                                      "multi_label": True, "hypothesis_template": "It is {}."}),
        ("fill-mask", {"inputs": "Paris is the [MASK] of France.", "top_k": 3,
                       "targets": ["capital", "city"]}),
        ("sentence-embeddings", {"inputs": ["one", "two " * 100], "long_text": "windows",
                                 "window_stride": 8, "normalize_embeddings": True}),
        ("feature-extraction", {"inputs": "a b c", "truncation": "only_first", "max_length": 4}),
        ("cross-encoder", {"query": "where?", "documents": ["here", "there", "here"],
                           "top_k": 2, "return_documents": True, "max_length": 32}),
        ("cross-encoder", {"inputs": [["q", "p"], ["q2", "p2"]], "activation": "none"}),
    ]
    for i, (task, args) in enumerate(calls):
        put("pipeline_json", "seed%d" % i, bytes([tasks.index(task)]) + json.dumps(args).encode())


if __name__ == "__main__":
    seeds_safetensors()
    seeds_pytorch()
    seeds_config()
    seeds_tokenizer_json()
    seeds_encode()
    seeds_pipeline_json()
