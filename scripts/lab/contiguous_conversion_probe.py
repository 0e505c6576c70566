# A contiguous grouped call through the bundle module on a GPU: where its time goes with
# DeepGEMM's layouts (sfa copy, sfb copy, offsets) against gemmtune's own (pre-converted), per call.
# Then the offsets conversion per row against per 128-row block.
#   usage (repository root, staged binary in devbuild/): python3 scripts/lab/contiguous_conversion_probe.py
# Exports results/h200-grouped/tuning_table.json as a bundle into /tmp/gb; prints one JSON line per entry.
import json, random, subprocess, sys, time
sys.path.insert(0, "src/report/bundle")
import torch
import gemmtune_bundle as gt

subprocess.run(["devbuild/gemmtune", "--log-level", "warn", "export", "results/h200-grouped/tuning_table.json",
                "--format", "bundle", "--out", "/tmp/gb"], check=True)
b = gt.Bundle("/tmp/gb")
man = json.load(open("/tmp/gb/manifest.json"))
out = {"entries": []}

def per_call(fn, n=300):
    for _ in range(20): fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(n): fn()
    host = (time.perf_counter() - t0) / n * 1e6
    torch.cuda.synchronize()
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record()
    for _ in range(n): fn()
    e.record(); torch.cuda.synchronize()
    return {"host_us": round(host, 1), "stream_us": round(s.elapsed_time(e) / n * 1e3, 1)}

random.seed(3)
for ent in [e for e in man["grouped_entries"] if e["layout"] == "grouped_contiguous"][:4]:
    G, n, k = ent["groups"], ent["n"], ent["k"]
    counts = ent["group_m"]
    idx = []
    for g, c in enumerate(counts):
        idx += [g] * c + [-1] * ((-c) % 128)
    m = len(idx); kb, nb = (k + 127) // 128, (n + 127) // 128
    a = torch.randn(m, k, device="cuda").to(torch.float8_e4m3fn)
    sfa = torch.rand(m, kb, device="cuda") + 0.5
    bw = torch.randn(G, n, k, device="cuda").to(torch.float8_e4m3fn)
    sfb = torch.rand(G, nb, kb, device="cuda") + 0.5
    d = torch.empty(m, n, device="cuda", dtype=torch.bfloat16)
    mi = torch.tensor(idx, dtype=torch.int32, device="cuda")
    sfa_g, off = gt.to_gemmtune_sfa(sfa), gt._group_offsets_device(mi, G)
    sfb_g = gt.to_gemmtune_sfb(sfb).reshape(G * nb, kb)
    r = {"groups": G, "n": n, "k": k, "m": m}
    r["deepgemm_layout_call"] = per_call(lambda: b.m_grouped_fp8_gemm_nt_contiguous((a, sfa), (bw, sfb), d, mi))
    r["gemmtune_layout_call"] = per_call(lambda: b.m_grouped_fp8_gemm_nt_contiguous((a, sfa_g.t()), (bw, sfb_g), d, off, layout="gemmtune"))
    r["sfa_conversion"] = per_call(lambda: gt.to_gemmtune_sfa(sfa))
    r["sfb_conversion"] = per_call(lambda: gt.to_gemmtune_sfb(sfb))
    r["offsets_conversion"] = per_call(lambda: gt._group_offsets_device(mi, G))
    out["entries"].append(r)
    print(json.dumps(r), flush=True)

# The offsets conversion alone, per row (a running maximum over every row, as the module does)
# against per 128-row block (the owners of the blocks' first rows: DeepGEMM's layout starts each
# group at a multiple of 128), on DeepGEMM-padded layouts of the sizes dsv3-moe's contiguous rows
# take; each result checked against the host reference.
# Measured (H200, results/h200-python/contiguous_conversion.md): both are host-bound, per row 36
# us a call, per block 56 us (the strided view costs more launches than the shorter scan saves).
def offsets_by_rows(mi, groups):
    owner = mi.cummax(0).values.clamp_min_(0)
    return torch.searchsorted(owner, torch.arange(groups + 1, dtype=owner.dtype, device=owner.device), out_int32=True)

def offsets_by_block(mi, groups):
    owner = mi[::128].cummax(0).values.clamp_min_(0)
    ids = torch.arange(groups + 1, dtype=owner.dtype, device=owner.device)
    return torch.searchsorted(owner, ids, out_int32=True).mul_(128)

for G, rows in [(4, 432), (8, 3962), (16, 8436), (32, 4141), (32, 16014), (8, 63423)]:
    counts = [rows // G + (1 if g < rows % G else 0) for g in range(G)]
    idx = []
    for g, c in enumerate(counts):
        idx += [g] * c + [-1] * ((-c) % 128)
    mi = torch.tensor(idx, dtype=torch.int32, device="cuda")
    want = gt.group_offsets(idx, G)
    r = {"groups": G, "rows": rows, "padded_rows": len(idx),
         "by_block_equal": offsets_by_block(mi, G).tolist() == want,
         "by_rows_equal": offsets_by_rows(mi, G).tolist() == want,
         "by_rows": per_call(lambda: offsets_by_rows(mi, G)),
         "by_block": per_call(lambda: offsets_by_block(mi, G))}
    print(json.dumps(r), flush=True)
