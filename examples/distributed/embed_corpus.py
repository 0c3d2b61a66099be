#!/usr/bin/python3
"""Embeds a corpus larger than one machine with Dask and the `bertpp` tool.

Inputs are text files (one input per line) or JSON Lines (--jsonl, the text in
--field). The lines are cut into partitions of --lines-per-shard lines; a Dask
bag maps each partition onto one long-lived `bertpp embed` process per Dask
worker (the model is loaded once per worker, not per partition), and each
partition becomes one shard: OUT/shard-FFFFF-PPPPP.npy (float32 [rows, dim])
with a sidecar .json naming its input range. A manifest (OUT/manifest.json)
lists the shards in input order. Every line is one input and one row, empty
lines included, as `bertpp embed` reads its input.

Failed partitions are retried by Dask (a lost worker's tasks run elsewhere);
a rerun skips every shard already written with the same model and options.

  /usr/bin/python3 examples/distributed/embed_corpus.py \\
      --bertpp build/release/examples/bertpp -m MODEL_DIR -o OUT corpus/*.txt \\
      [--scheduler tcp://host:8786 | --local-workers 2] [--jsonl --field text]

Needs Debian's python3-dask, python3-distributed and python3-numpy.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time

import numpy as np


# ---- the worker side ---------------------------------------------------------

class Embedder:
    """One `bertpp embed` process fed through pipes: JSON Lines in, one
    embedding per line out. The tool reads --batch-size records before it
    answers, so each partition is topped up to a whole batch with a filler
    whose rows are dropped (each input's embedding is computed on its own)."""

    FILLER = '{"text": "."}\n'

    def __init__(self, bertpp, model, batch_size, threads, max_length):
        command = [bertpp, "embed", "-m", model, "--jsonl", "--field", "text", "--quiet",
                   "--batch-size", str(batch_size), "--threads", str(threads)]
        if max_length:
            command += ["--max-length", str(max_length)]
        stdbuf = shutil.which("stdbuf")
        if stdbuf is None:
            raise RuntimeError("stdbuf (coreutils) not found: needed to read bertpp's answers line by line")
        # Line-buffered stdout: each answer arrives as soon as it is written.
        self.process = subprocess.Popen([stdbuf, "-oL"] + command, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.batch_size = batch_size
        self.lock = threading.Lock()
        self.calls = 0

    def embed(self, texts):
        with self.lock:
            if self.process.poll() is not None:
                raise RuntimeError("bertpp embed exited: " + self.process.stderr.read().decode(errors="replace"))
            fill = (-len(texts)) % self.batch_size
            # A writer thread: the tool answers while we still send.
            def send():
                try:
                    for text in texts:
                        self.process.stdin.write((json.dumps({"text": text}) + "\n").encode())
                    self.process.stdin.write(self.FILLER.encode() * fill)
                    self.process.stdin.flush()
                except BrokenPipeError:
                    pass
            writer = threading.Thread(target=send)
            writer.start()
            rows = []
            for _ in range(len(texts) + fill):
                line = self.process.stdout.readline()
                if not line:
                    writer.join()
                    raise RuntimeError("bertpp embed stopped: " +
                                       self.process.stderr.read().decode(errors="replace"))
                rows.append(line)
            writer.join()
            self.calls += 1
            if not texts:
                return None
            return np.array([json.loads(r) for r in rows[:len(texts)]], dtype=np.float32)


def worker_embedder(settings):
    """The Dask worker's long-lived Embedder (started on its first partition)."""
    from distributed import get_worker
    worker = get_worker()
    lock = worker.__dict__.setdefault("_bertpp_lock", threading.Lock())
    with lock:
        embedder = getattr(worker, "_bertpp_embedder", None)
        if embedder is None or embedder.process.poll() is not None:
            embedder = Embedder(settings["bertpp"], settings["model"], settings["batch_size"],
                                settings["threads"], settings["max_length"])
            worker._bertpp_embedder = embedder
    return embedder


def read_partition(part, jsonl, field):
    """The texts of the partition's lines (one per line, empty lines included)."""
    texts = []
    with open(part["file"], "rb") as f:
        for number, raw in enumerate(f, start=1):
            if number < part["first_line"]:
                continue
            if number > part["last_line"]:
                break
            line = raw.rstrip(b"\n")
            if line.endswith(b"\r"):
                line = line[:-1]
            text = line.decode("utf-8")
            if jsonl:
                value = json.loads(text)
                if isinstance(value, dict):
                    if not isinstance(value.get(field), str):
                        raise ValueError("%s:%d: no string field '%s'" % (part["file"], number, field))
                    text = value[field]
                elif isinstance(value, str):
                    text = value
                else:
                    raise ValueError("%s:%d: expected a JSON object or string" % (part["file"], number))
            texts.append(text)
    return texts


def embed_partition(part, settings):
    """Writes one shard (atomically: a killed worker leaves no half shard)."""
    out = settings["output"]
    npy = os.path.join(out, part["shard"] + ".npy")
    sidecar = os.path.join(out, part["shard"] + ".json")
    expected = {"input": part, "model": settings["model"], "options": settings["options"]}
    if os.path.exists(npy) and os.path.exists(sidecar):
        with open(sidecar) as f:
            done = json.load(f)
        if {k: done.get(k) for k in expected} == expected:
            return dict(done, skipped=True)
    texts = read_partition(part, settings["jsonl"], settings["field"])
    embedder = worker_embedder(settings)
    rows = embedder.embed(texts)
    if rows is None:
        rows = np.zeros((0, 0), dtype=np.float32)
    temp = npy + ".tmp-%d" % os.getpid()
    with open(temp, "wb") as f:
        np.save(f, rows)
    os.replace(temp, npy)
    record = dict(expected, shard=part["shard"], rows=int(rows.shape[0]),
                  dimension=int(rows.shape[1]) if rows.ndim == 2 else 0,
                  worker_process=embedder.process.pid, skipped=False)
    with open(sidecar + ".tmp", "w") as f:
        json.dump(record, f)
    os.replace(sidecar + ".tmp", sidecar)
    return record


def count_lines(path):
    count = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            count += block.count(b"\n")
        f.seek(0, os.SEEK_END)
        if f.tell() > 0:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                count += 1
    return count


# ---- the client side ---------------------------------------------------------

def plan_partitions(files, line_counts, lines_per_shard):
    parts = []
    for index, (path, lines) in enumerate(zip(files, line_counts)):
        for first in range(1, lines + 1, lines_per_shard):
            parts.append({"file": path, "first_line": first,
                          "last_line": min(lines, first + lines_per_shard - 1),
                          "shard": "shard-%05d-%05d" % (index, (first - 1) // lines_per_shard)})
    return parts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+", help="text or JSON Lines files")
    parser.add_argument("-m", "--model", required=True, help="model folder (on every worker)")
    parser.add_argument("-o", "--output", required=True, help="shard folder (shared by every worker)")
    parser.add_argument("--bertpp", default=shutil.which("bertpp") or "bertpp",
                        help="path of the bertpp tool on the workers")
    parser.add_argument("--jsonl", action="store_true", help="inputs are JSON Lines")
    parser.add_argument("--field", default="text", help="JSON Lines: the text's field")
    parser.add_argument("--lines-per-shard", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=0, help="truncate to N tokens")
    parser.add_argument("--threads", type=int, default=1, help="compute threads per bertpp process")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    parser.add_argument("--local-workers", type=int, default=2,
                        help="without --scheduler: a LocalCluster of this many workers")
    parser.add_argument("--retries", type=int, default=3, help="Dask retries of a failed partition")
    args = parser.parse_args(argv)

    import dask.bag as db
    from distributed import Client, LocalCluster

    files = [os.path.abspath(p) for p in args.inputs]
    output = os.path.abspath(args.output)
    os.makedirs(output, exist_ok=True)
    settings = {
        "bertpp": os.path.abspath(args.bertpp) if os.path.exists(args.bertpp) else args.bertpp,
        "model": os.path.abspath(args.model), "output": output, "jsonl": args.jsonl,
        "field": args.field, "batch_size": args.batch_size, "threads": args.threads,
        "max_length": args.max_length,
        "options": {"jsonl": args.jsonl, "field": args.field, "max_length": args.max_length},
    }
    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.local_workers, threads_per_worker=1,
                               host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
    try:
        started = time.time()
        line_counts = db.from_sequence(files, npartitions=max(1, len(files))).map(count_lines).compute()
        parts = plan_partitions(files, line_counts, args.lines_per_shard)
        bag = db.from_sequence(parts, npartitions=max(1, len(parts))).map(embed_partition, settings)
        records = bag.compute(retries=args.retries)
        offset = 0
        for record in records:  # the bag keeps input order
            record["first_row"] = offset
            offset += record["rows"]
        manifest = {"model": settings["model"], "options": settings["options"], "inputs": files,
                    "rows": offset, "dimension": max((r["dimension"] for r in records), default=0),
                    "shards": [{"file": r["shard"] + ".npy", "input": r["input"], "rows": r["rows"],
                                "first_row": r["first_row"]} for r in records]}
        with open(os.path.join(output, "manifest.json.tmp"), "w") as f:
            json.dump(manifest, f, indent=1)
        os.replace(os.path.join(output, "manifest.json.tmp"), os.path.join(output, "manifest.json"))
        skipped = sum(1 for r in records if r.get("skipped"))
        processes = len({r["worker_process"] for r in records if not r.get("skipped")})
        print("embedded %d rows in %d shards (%d already done, skipped) with %d bertpp processes "
              "in %.1f s -> %s" % (offset, len(records), skipped, processes, time.time() - started,
                                   os.path.join(output, "manifest.json")), file=sys.stderr)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
