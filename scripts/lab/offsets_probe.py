# The contiguous layout's m_indices -> offsets conversion on a GPU: the module's against the
# previous one (twelve small ops, kept here for the comparison) and the host reference on random
# DeepGEMM layouts; host and stream time per call; CUDA-graph capture and replay.
#   usage (repository root): python3 scripts/lab/offsets_probe.py
import json, random, sys, time
sys.path.insert(0, "src/report/bundle")
import torch
import gemmtune_bundle as gt

def previous(m_indices, groups):
    rows = m_indices.shape[0]
    index = m_indices.long().masked_fill(m_indices < 0, groups)
    starts = torch.full((groups + 1,), rows, dtype=torch.long, device=m_indices.device)
    starts.scatter_reduce_(0, index, torch.arange(rows, device=m_indices.device), reduce="amin")
    starts.narrow(0, groups, 1).fill_(rows)
    starts.narrow(0, 0, 1).fill_(0)
    return starts.flip(0).cummin(0).values.flip(0).to(torch.int32)

def dg_layout(counts, align=128):
    idx = []
    for g, n in enumerate(counts):
        idx += [g] * n + [-1] * ((-n) % align)
    return idx

out = {}
random.seed(7)
bad = {"new": 0, "previous": 0}
cases = 0
for t in range(300):
    G = random.choice([1, 4, 8, 32, 128])
    counts = [random.choice([0, 1, 7, 128, 200, 700]) for _ in range(G)]
    idx = dg_layout(counts)
    if random.random() < 0.2: idx = [-1] * 3 + idx
    ref = gt.group_offsets(idx, G)
    d = torch.tensor(idx, dtype=torch.int32, device="cuda")
    cases += 1
    bad["new"] += gt._group_offsets_device(d, G).tolist() != ref
    bad["previous"] += previous(d, G).tolist() != ref
out["cases"], out["mismatches"] = cases, bad
# host time per call and GPU time, 32 groups of ~1000 rows
idx = dg_layout([random.randint(500, 1500) for _ in range(32)])
d = torch.tensor(idx, dtype=torch.int32, device="cuda")
for name, fn in (("previous", previous), ("new", gt._group_offsets_device)) * 2:
    for _ in range(50): fn(d, 32)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(2000): fn(d, 32)
    host = (time.perf_counter() - t0) / 2000 * 1e6
    torch.cuda.synchronize()
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record()
    for _ in range(200): fn(d, 32)
    e.record(); torch.cuda.synchronize()
    out.setdefault(name, []).append({"host_us_per_call": round(host, 2), "stream_us_per_call": round(s.elapsed_time(e) / 200 * 1e3, 2)})
# graph capture and replay of the new conversion
g = torch.cuda.CUDAGraph()
static = torch.tensor(idx, dtype=torch.int32, device="cuda")
torch.cuda.synchronize()
with torch.cuda.graph(g):
    res = gt._group_offsets_device(static, 32)
g.replay(); torch.cuda.synchronize()
out["graph_replay_matches"] = res.tolist() == gt.group_offsets(idx, 32)
out["torch"] = torch.__version__
print(json.dumps(out, indent=1))
