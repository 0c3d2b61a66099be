#!/usr/bin/python3
"""examples/distributed/embed_corpus.py on a distributed.LocalCluster of 2
workers (loopback): its shards of a 5,000-line input equal one single-process
`bertpp embed` run row for row, every input line appears exactly once, a worker
killed mid-run does not stop the job, and a rerun skips the finished shards.

  test_embed_corpus.py BERTPP_TOOL MODEL_DIR
Prints "SKIPPED: ..." (exit 0) without Dask or the model, unless CI=true.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "examples", "distributed", "embed_corpus.py")


def skip(why):
    if os.environ.get("CI") == "true":
        print("FAILED: CI=true but " + why)
        sys.exit(1)
    print("SKIPPED: " + why)
    sys.exit(0)


def check(condition, message):
    if not condition:
        print("FAILED: " + message)
        sys.exit(1)


def main():
    bertpp, model = sys.argv[1], sys.argv[2]
    try:
        import numpy as np
        from distributed import Client, LocalCluster
    except ImportError as e:
        skip("Dask not installed (Debian: python3-dask python3-distributed python3-numpy): %s" % e)
    if not os.path.exists(os.path.join(model, "config.json")):
        skip("golden model %s not found (set BERTPP_SHARED_DIR)" % model)

    work = tempfile.mkdtemp(prefix="bertpp-dask-test-")
    # 5,000 lines in two files: plain text (with empty lines and multi-byte
    # text) and JSON Lines; lengths vary, so batches mix.
    words = ("river stone quiet city über café night light 東京 rain falls slowly over the old "
             "market square while nobody notices").split()
    text_path = os.path.join(work, "part-a.txt")
    jsonl_path = os.path.join(work, "part-b.jsonl")
    lines_a, lines_b = [], []
    for i in range(3000):
        n = 1 + (i * 7) % 40
        lines_a.append("" if i % 500 == 499 else " ".join(words[(i + k * 3) % len(words)] for k in range(n)))
    for i in range(2000):
        n = 1 + (i * 11) % 50
        lines_b.append(json.dumps({"id": i, "text": "%d " % i + " ".join(words[(i * 5 + k) % len(words)] for k in range(n))}))
    with open(text_path, "w") as f:
        f.write("\n".join(lines_a) + "\n")
    with open(jsonl_path, "w") as f:
        f.write("\n".join(lines_b) + "\n")

    # The reference: one process over each file.
    reference = []
    for path, jsonl in ((text_path, False), (jsonl_path, True)):
        out = os.path.join(work, os.path.basename(path) + ".ref.npy")
        command = [bertpp, "embed", "-m", model, "-i", path, "--format", "npy", "-o", out, "-q"]
        if jsonl:
            command.append("--jsonl")
        subprocess.run(command, check=True)
        reference.append(np.load(out))
    check(reference[0].shape[0] == 3000 and reference[1].shape[0] == 2000, "reference row counts")

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                           dashboard_address=None, processes=True)
    client = Client(cluster)
    try:
        def run(out, jsonl, inputs, kill_after_first_shard=False):
            command = [sys.executable, SCRIPT, "--bertpp", bertpp, "-m", model, "-o", out,
                       "--scheduler", cluster.scheduler_address, "--lines-per-shard", "40"]
            if jsonl:
                command.append("--jsonl")
            process = subprocess.Popen(command + inputs, stderr=subprocess.PIPE)
            killed_mid_run = None
            if kill_after_first_shard:
                pids = list(client.run(os.getpid).values())
                deadline = time.time() + 120
                while time.time() < deadline and process.poll() is None:
                    done = [n for n in os.listdir(out) if n.endswith(".json")] if os.path.isdir(out) else []
                    if done:
                        os.kill(pids[0], signal.SIGKILL)  # one Dask worker dies mid-run
                        killed_mid_run = len(done)
                        break
                    time.sleep(0.01)
            _, err = process.communicate(timeout=300)
            check(process.returncode == 0, "embed_corpus.py failed: " + err.decode(errors="replace"))
            return err.decode(errors="replace"), killed_mid_run

        out_a = os.path.join(work, "out-a")
        log, killed = run(out_a, False, [text_path], kill_after_first_shard=True)
        shards_a = (3000 + 39) // 40
        check(killed is not None and killed < shards_a,
              "the worker was not killed mid-run (%s of %d shards done)" % (killed, shards_a))
        out_b = os.path.join(work, "out-b")
        log, _ = run(out_b, True, [jsonl_path])
        # One long-lived bertpp process per worker, not one per partition.
        processes = int(log.split(" bertpp processes")[0].rsplit(" ", 1)[1])
        check(1 <= processes <= 2, "%d bertpp processes for 2 workers" % processes)

        worst = 0.0
        for out, ref, lines in ((out_a, reference[0], lines_a), (out_b, reference[1], lines_b)):
            manifest = json.load(open(os.path.join(out, "manifest.json")))
            check(manifest["rows"] == ref.shape[0], "manifest rows %d != %d" % (manifest["rows"], ref.shape[0]))
            # Every input line exactly once: the shards' line ranges tile the file.
            next_line = 1
            rows = []
            for shard in manifest["shards"]:
                check(shard["input"]["first_line"] == next_line, "gap or overlap at line %d" % next_line)
                next_line = shard["input"]["last_line"] + 1
                data = np.load(os.path.join(out, shard["file"]))
                expected_rows = shard["input"]["last_line"] - shard["input"]["first_line"] + 1
                check(data.shape[0] == expected_rows == shard["rows"], "rows of " + shard["file"])
                rows.append(data)
            check(next_line == len(lines) + 1, "shards end at line %d of %d" % (next_line - 1, len(lines)))
            embeddings = np.concatenate(rows)
            check(embeddings.shape == ref.shape, "shape %s != %s" % (embeddings.shape, ref.shape))
            worst = max(worst, float(np.abs(embeddings - ref).max()))
        check(worst <= 1e-5, "shards differ from the single-process run by %g" % worst)

        # A rerun finds every shard done.
        before = {n: os.path.getmtime(os.path.join(out_b, n)) for n in os.listdir(out_b) if n.endswith(".npy")}
        log, _ = run(out_b, True, [jsonl_path])
        check("(%d already done, skipped)" % len(before) in log, "rerun did not skip: " + log)
        after = {n: os.path.getmtime(os.path.join(out_b, n)) for n in before}
        check(before == after, "rerun rewrote shards")
        print("ok: %d + %d rows, worst difference %g, worker killed after %d of %d shards"
              % (reference[0].shape[0], reference[1].shape[0], worst, killed, shards_a))
    finally:
        client.close()
        cluster.close()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
