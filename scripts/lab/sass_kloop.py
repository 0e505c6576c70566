#!/usr/bin/env python3
"""The K loops of gemmtune kernels in SASS, counted by instruction class, offline (no GPU).

usage: scripts/lab/sass_kloop.py [--gemmtune BIN] [--nvdisasm BIN] [--dump] CONFIG [CONFIG ...]

Each CONFIG is built by `gemmtune compile --config CONFIG --cubin-out`, which writes the cubin
the kernel cache holds, the binary `run` and `sweep` launch (GEMMTUNE_KERNEL_DEFINES applies, so
an experiment hook is counted as it would run). Why not nvcc on the generated source: NVRTC's
build differs (bm128_bn192_s4: 167 instructions per K block from NVRTC, 163 from nvcc), and a
SASS file kept from an earlier experiment once motivated a change that measured 3% slower
(results/PERF_LOG.md, session 10). The cubin is disassembled with nvdisasm (not in every CUDA
toolkit install; `pip download --no-deps nvidia-cuda-nvdisasm` has it); the K loops are the
backward branches whose body holds 1 to 8 wgmma (QGMMA) instructions. Copies of one loop (the
kernel compiles one per weight-scale split of a tile) are printed once with their count.
With --dump, the non-FFMA instructions of each distinct loop are printed in order.
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

CLASSES = [  # first match wins
    ("wgmma", re.compile(r"^QGMMA|^HGMMA|^WARPGROUP")),
    ("ffma", re.compile(r"^FFMA")),
    ("fmul", re.compile(r"^FMUL")),
    ("load_global", re.compile(r"^LDG")),
    ("load_shared", re.compile(r"^LDS|^LDSM")),
    ("r2ur", re.compile(r"^R2UR")),
    ("uniform", re.compile(r"^U")),
    ("barrier", re.compile(r"^SYNCS|^BAR|^WARPSYNC")),
    ("branch", re.compile(r"^BRA|^@.*BRA")),
]


def nvdisasm_path(explicit):
    for candidate in (explicit, os.environ.get("NVDISASM"), shutil.which("nvdisasm"),
                      "/usr/local/cuda/bin/nvdisasm"):
        if candidate and os.path.exists(candidate):
            return candidate
    sys.exit("sass_kloop: nvdisasm not found (--nvdisasm, $NVDISASM or PATH; "
             "`pip download --no-deps nvidia-cuda-nvdisasm` and unzip the wheel)")


def build_cubin(gemmtune, config, out_dir):
    run = subprocess.run([gemmtune, "--log-level", "error", "compile", "--config", config, "--json",
                          "--cubin-out", out_dir], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"sass_kloop: gemmtune compile --config {config} failed ({run.returncode}): "
                 f"{run.stderr.strip()[-400:]}")
    kernel = json.loads(run.stdout)["kernels"][0]
    return kernel["cubin"], kernel


def instructions(sass_text):
    """(address, text) of every instruction, and label -> address."""
    ins, labels, pending = [], {}, []
    for line in sass_text.split("\n"):
        label = re.match(r"\s*(\.L_x_\d+):", line)
        if label:
            pending.append(label.group(1))
            continue
        m = re.match(r"\s+/\*([0-9a-f]{4,})\*/\s+(.*?)\s*;", line)
        if m:
            address = int(m.group(1), 16)
            for name in pending:
                labels[name] = address
            pending = []
            ins.append((address, m.group(2).strip()))
    return ins, labels


def k_loops(ins, labels):
    """Innermost loops holding 1-64 wgmma (a K loop unrolled up to 8 times): the tile loops
    around them are left out, and so are the barrier-wait retry stubs (an unconditional branch
    back from the function's end)."""
    index = {a: i for i, (a, _) in enumerate(ins)}
    spans = []
    for i, (address, text) in enumerate(ins):
        m = re.search(r"BRA\s+`?\(?(\.L_x_\d+)", text)
        if not m or m.group(1) not in labels or labels[m.group(1)] >= address:
            continue
        if not text.startswith("@"):
            continue
        body = ins[index[labels[m.group(1)]]:i + 1]
        if 1 <= qgmma_count(body) <= 64:
            spans.append((index[labels[m.group(1)]], i))
    for begin, end in spans:
        if not any((b, e) != (begin, end) and begin <= b and e <= end for b, e in spans):
            yield ins[begin:end + 1]


def qgmma_count(body):
    return sum(t.startswith("QGMMA") or " QGMMA" in t for _, t in body)


def qgmma_per_k_block(config):
    """4 wgmma (K steps of 32) per 64-row slice; block_m 256 gives each warpgroup two slices."""
    block_m = int(re.match(r"bm(\d+)", config).group(1))
    return 8 if block_m == 256 else 4


def opcode(text):
    return re.sub(r"^@!?U?P\w+\s+", "", text)


def classify(body):
    counts = collections.Counter()
    for _, text in body:
        op = opcode(text)
        counts[next((name for name, rx in CLASSES if rx.search(op)), "other")] += 1
    counts["total"] = len(body)
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("configs", nargs="+")
    ap.add_argument("--gemmtune", default=os.environ.get("GEMMTUNE_BIN", "build/gemmtune"))
    ap.add_argument("--nvdisasm")
    ap.add_argument("--dump", action="store_true")
    a = ap.parse_args()
    nvdisasm = nvdisasm_path(a.nvdisasm)
    with tempfile.TemporaryDirectory() as tmp:
        for config in a.configs:
            cubin, kernel = build_cubin(a.gemmtune, config, tmp)
            sass = subprocess.run([nvdisasm, "-c", cubin], capture_output=True, text=True,
                                  check=True).stdout
            ins, labels = instructions(sass)
            distinct = collections.OrderedDict()
            for body in k_loops(ins, labels):
                key = tuple(sorted(classify(body).items()))
                distinct.setdefault(key, [0, body])[0] += 1
            print(f"{config}: {kernel['registers']} registers, "
                  f"{kernel['spill_bytes']} spill bytes, "
                  f"{len(ins)} instructions, {sum(n for n, _ in distinct.values())} K loop(s)")
            for key, (copies, body) in distinct.items():
                counts = dict(key)
                names = [name for name, _ in CLASSES] + ["other"]
                detail = ", ".join(f"{name} {counts[name]}" for name in names if counts.get(name))
                unroll = qgmma_count(body) / qgmma_per_k_block(config)
                per_block = f", {counts['total'] / unroll:.1f} per K block" if unroll > 1 else ""
                print(f"  {copies} x loop of {counts['total']} instructions ({unroll:g} K "
                      f"block(s){per_block}): {detail}")
                if a.dump:
                    for address, text in body:
                        if not opcode(text).startswith("FFMA"):
                            print(f"    {address:#07x} {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
