#   usage: python3 dg_protocol_check.py GEMMTUNE_BIN ROWS_FILE OUT.jsonl
# Does the timing protocol, not the kernel, explain gemmtune's "fixed cost per call" against
# DeepGEMM? Times both under the two call protocols (core/timing_mode.hpp), problem by problem:
#   call:      flush, start event right behind it in stream order, the call, stop event
#              (what the DeepGEMM harness's dg_compare.py does for DeepGEMM);
#   call_sync: flush, host waits for it, then start event, the call, stop event (gemmtune's "call"
#              in early versions: adds the host's launch latency).
# DeepGEMM runs in this process (both protocols interleaved sample by sample); gemmtune runs as
# `gemmtune run --timing MODE` subprocesses, the two modes one after the other.
#   ROWS_FILE: lines "M N K CONFIG" (the config gemmtune times).
import json, subprocess, sys
import torch, deep_gemm
from deep_gemm.utils import per_token_cast_to_fp8, per_block_cast_to_fp8

ITERS = 30
gt_bin, rows_file, out_path = sys.argv[1:4]
flush = torch.empty(512 * 2**20, dtype=torch.uint8, device='cuda')


def sample_ms(fn, i, sync):
    flush.fill_(i & 0xff)
    if sync:
        torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record(); fn(); stop.record(); stop.synchronize()
    return start.elapsed_time(stop)


def median_us(samples):
    samples = sorted(samples)
    return samples[len(samples) // 2] * 1e3


def deepgemm_both(m, n, k):
    a = torch.randn((m, k), device='cuda', dtype=torch.bfloat16)
    b = torch.randn((n, k), device='cuda', dtype=torch.bfloat16)
    d = torch.empty((m, n), device='cuda', dtype=torch.bfloat16)
    af, bf = per_token_cast_to_fp8(a, use_ue8m0=False), per_block_cast_to_fp8(b, use_ue8m0=False)
    fn = lambda: deep_gemm.fp8_gemm_nt(af, bf, d, disable_ue8m0_cast=True)
    for i in range(3):
        sample_ms(fn, i, False)
    call, call_sync = [], []
    for i in range(ITERS):
        call.append(sample_ms(fn, i, False))
        call_sync.append(sample_ms(fn, i, True))
    return median_us(call), median_us(call_sync)


def gemmtune(m, n, k, config, mode):
    p = subprocess.run([gt_bin, '--log-level', 'warn', 'run', '--m', str(m), '--n', str(n), '--k', str(k),
                        '--config', config, '--timing', mode, '--iters', str(ITERS), '--json'],
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        return None
    doc = json.loads(p.stdout)
    return next((x['timing']['median_us'] for x in doc['measurements']
                 if x['kind'] == 'gemmtune' and x.get('timing')), None)


with open(out_path, 'a') as out:
    print('m,n,k,config,dg_call_us,dg_call_sync_us,gt_call_us,gt_call_sync_us', flush=True)
    for line in open(rows_file):
        if not line.strip() or line.startswith('#'):
            continue
        m, n, k, config = line.split()[:4]
        m, n, k = int(m), int(n), int(k)
        row = dict(m=m, n=n, k=k, config=config)
        row['dg_call_us'], row['dg_call_sync_us'] = deepgemm_both(m, n, k)
        row['gt_call_us'] = gemmtune(m, n, k, config, 'call')
        row['gt_call_sync_us'] = gemmtune(m, n, k, config, 'call_sync')
        out.write(json.dumps(row) + '\n'); out.flush()
        print(','.join(str(round(v, 2)) if isinstance(v, float) else str(v) for v in row.values()), flush=True)
