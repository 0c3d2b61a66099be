// ONNX Runtime (CPU, fp32, graph optimisation "all", as a user gets by
// default) on the same token ids bertpp-bench-encoder times: the cases of
// its --dump-inputs file, each run padded to its longest sequence (ONNX
// Runtime has no packed layout). One JSON object per case on stdout.
//
//   ORT_NODE=<folder>/node_modules/onnxruntime-node \
//     node ort_cases.js MODEL.onnx INPUTS.json [threads] [runs] [warmup] [CASES]
// CASES: comma-separated names (a "-packed" name selects its padded twin).
const ort = require(process.env.ORT_NODE || "onnxruntime-node");
const fs = require("fs");

(async () => {
  const [model, inputs] = process.argv.slice(2, 4);
  const threads = parseInt(process.argv[4] || "2"), runs = parseInt(process.argv[5] || "5");
  const warmup = parseInt(process.argv[6] || "1");
  const only = process.argv[7] ? process.argv[7].split(",").map((n) => n.replace(/-packed$/, "")) : null;
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: "all" });
  for (const c of JSON.parse(fs.readFileSync(inputs, "utf8"))) {
    if (c.packed) continue;  // the padded twin of the case is the comparison
    if (only && !only.includes(c.name)) continue;
    const batch = c.sequences.length, len = Math.max(...c.sequences.map((s) => s.length));
    const ids = new BigInt64Array(batch * len), mask = new BigInt64Array(batch * len);
    let tokens = 0;
    c.sequences.forEach((s, b) => s.forEach((id, i) => {
      ids[b * len + i] = BigInt(id); mask[b * len + i] = 1n; tokens++;
    }));
    const feeds = {
      input_ids: new ort.Tensor("int64", ids, [batch, len]),
      attention_mask: new ort.Tensor("int64", mask, [batch, len]),
      token_type_ids: new ort.Tensor("int64", new BigInt64Array(batch * len), [batch, len]) };
    for (let i = 0; i < warmup; i++) await session.run(feeds);
    const times = [];
    for (let r = 0; r < runs; r++) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)], best = times[0];
    console.log(JSON.stringify({ case: c.name, tokens, padded_tokens: batch * len,
      median_ms: median * 1e3, min_ms: best * 1e3, tokens_per_s: tokens / median,
      best_tokens_per_s: tokens / best }));
  }
})().catch((e) => { console.error(`ort_cases.js: ${e.message}`); process.exit(1); });
