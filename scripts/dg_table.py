# Summarises side-by-side rows (dg_compare.py JSONL, optionally tagged with "set" and "dg_scales" by
# scripts/device_vs_deepgemm.sh) as markdown: one table per shape set (and per what DeepGEMM was
# given), with its geometric means and HBM throughput.
#   usage: python3 dg_table.py CMP.jsonl [CMP.jsonl...]  > table.md
# Ratio = DeepGEMM time / gemmtune time (above 1: gemmtune is faster); the cuBLASLt ratio is its
# heuristic's time in the same run (`lt_heur_us`) over gemmtune's, where the rows carry it. HBM bytes count A, B, D and
# both scale tensors once (core/gemm_shape.hpp's formula): M*K + N*K + 2*M*N + 4*ceil(K/128)*(M +
# ceil(N/128)).
# A row where DeepGEMM took more than SUSPECT_OVER_LT times cuBLASLt's heuristic is listed as
# suspect and the geometric mean is also given without it: DeepGEMM is never that far behind
# cuBLASLt's default, so such a median is a disturbed sample (seen: 16 x 32768 x 512 and
# 1 x 7168 x 18432 at 4.4x and 4.0x cuBLASLt, their neighbours at 1.1x), to be re-timed
# (scripts/lab/dg_recheck_rows.py), not a win to count.
import json, math, sys
from collections import OrderedDict

from dg_scales import described

SUSPECT_OVER_LT = 2.0


def geomean(values):
    return math.exp(sum(map(math.log, values)) / len(values)) if values else float('nan')


def suspect(row):
    lt = row.get('lt_heur_us')
    return bool(lt and row.get('dg_us') and row['dg_us'] > SUSPECT_OVER_LT * lt)


def hbm_bytes(m, n, k):
    kb = -(-k // 128)
    return m * k + n * k + 2 * m * n + 4 * kb * (m + -(-n // 128))


def table_name(row, path):
    """The table a row goes to: its set, and what DeepGEMM was given where the row says."""
    name = row.get('set', path)
    return f"{name}: DeepGEMM given {described(row['dg_scales'])}" if 'dg_scales' in row else name


def main(paths):
    sets = OrderedDict()
    for path in paths:
        for line in open(path):
            if line.strip():
                row = json.loads(line)
                sets.setdefault(table_name(row, path), []).append(row)

    for name, rows in sets.items():
        ok = [r for r in rows if r.get('dg_over_gt')]
        ratios = [r['dg_over_gt'] for r in ok]
        print(f'### {name}\n')
        print(f'{len(ok)} of {len(rows)} rows timed on both sides; geometric mean **{geomean(ratios):.3f}**; '
              f'rows >= 1.00: {sum(x >= 1 for x in ratios)}; rows >= 0.97: {sum(x >= 0.97 for x in ratios)}; '
              f'lowest {min(ratios):.3f}\n')
        odd = [r for r in ok if suspect(r)]
        if odd:
            rest = [r['dg_over_gt'] for r in ok if not suspect(r)]
            names = ', '.join(f"{r['m']} x {r['n']} x {r['k']} ({r['dg_us']:.1f} µs, cuBLASLt heuristic "
                              f"{r['lt_heur_us']:.1f})" for r in odd)
            print(f'Suspect DeepGEMM samples (over {SUSPECT_OVER_LT:g}x cuBLASLt\'s heuristic; re-time them): '
                  f'{names}. Without them: geometric mean **{geomean(rest):.3f}** over {len(rest)} rows\n')
        lt_ratios = [r['lt_heur_us'] / r['gt_us'] for r in ok if r.get('lt_heur_us') and r.get('gt_us')]
        if lt_ratios:
            print(f'cuBLASLt heuristic / gemmtune (same run): geometric mean **{geomean(lt_ratios):.3f}** over '
                  f'{len(lt_ratios)} rows; lowest {min(lt_ratios):.3f}\n')
        small = [r for r in ok if r['m'] <= 128]
        if small:
            tbs = [hbm_bytes(r['m'], r['n'], r['k']) / (r['gt_us'] * 1e-6) / 1e12 for r in small]
            dg_tbs = [hbm_bytes(r['m'], r['n'], r['k']) / (r['dg_us'] * 1e-6) / 1e12 for r in small]
            print(f'M <= 128: effective HBM throughput geometric mean gemmtune {geomean(tbs):.3f} TB/s, '
                  f'DeepGEMM {geomean(dg_tbs):.3f} TB/s ({len(small)} rows)\n')
        print('| M | N | K | gemmtune config | gemmtune µs | DeepGEMM µs | ratio | cuBLASLt µs | cuBLASLt ratio | TFLOPS | TB/s |')
        print('|--:|--:|--:|:--|--:|--:|--:|--:|--:|--:|--:|')
        for r in rows:
            m, n, k = r['m'], r['n'], r['k']
            gt, dg = r.get('gt_us'), r.get('dg_us')
            tflops = 2 * m * n * k / (gt * 1e-6) / 1e12 if gt else float('nan')
            tbs = hbm_bytes(m, n, k) / (gt * 1e-6) / 1e12 if gt else float('nan')
            ratio = f"{r['dg_over_gt']:.3f}" if r.get('dg_over_gt') else r.get('gt_error', r.get('error', '-'))[:40]
            gt_cell = f'{gt:.2f}' if gt else '-'
            dg_cell = f'{dg:.2f}' if dg else '-'
            lt = r.get('lt_heur_us')
            lt_cell = f'{lt:.2f}' if lt else '-'
            lt_ratio = f'{lt / gt:.3f}' if lt and gt else '-'
            print(f"| {m} | {n} | {k} | `{r['config']}` | {gt_cell} | {dg_cell} | {ratio} | {lt_cell} | {lt_ratio} "
                  f"| {tflops:.0f} | {tbs:.2f} |")
        print()

    everything = [r['dg_over_gt'] for rows in sets.values() for r in rows if r.get('dg_over_gt')]
    if len(sets) > 1:
        print(f'All sets: {len(everything)} rows, geometric mean {geomean(everything):.3f}, '
              f'lowest {min(everything):.3f}')


if __name__ == '__main__':
    main(sys.argv[1:])
