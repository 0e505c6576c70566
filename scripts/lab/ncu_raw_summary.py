# Summarises an ncu.txt written by scripts/lab/device_grouped_decompose.sh or
# scripts/lab/device_ncu_vs_deepgemm.sh: blocks "===== TITLE" followed by `ncu --csv --page raw`
# output (after any lines the profiled command printed), one line of metrics per block.
#   usage: python3 scripts/lab/ncu_raw_summary.py NCU_TXT [METRIC,METRIC,...]
#   (default: the metrics of device_grouped_decompose.sh; the raw page also holds every device
#   attribute, so only the listed metrics are printed)
import csv, io, sys

DEFAULT_METRICS = ['gpu__time_duration.sum', 'sm__cycles_elapsed.avg.per_second', 'smsp__inst_executed.sum',
        'sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_active', 'lts__t_bytes.sum',
        'lts__t_sector_hit_rate.pct', 'dram__bytes_read.sum', 'dram__bytes_write.sum',
        'launch__registers_per_thread', 'launch__shared_mem_per_block_dynamic']
WANT = sys.argv[2].split(',') if len(sys.argv) > 2 else DEFAULT_METRICS

for block in open(sys.argv[1]).read().split('===== ')[1:]:
    title, body = block.split('\n', 1)
    rows = [r for r in csv.reader(io.StringIO(body)) if r]
    header = next((i for i, r in enumerate(rows) if r[0] == 'ID'), None)
    if header is None or len(rows) < header + 3:
        print(title, 'no data')
        continue
    values = dict(zip(rows[header], rows[-1]))
    print(title[:110])
    print('   ' + '; '.join(f"{w.split('__')[1].split('.')[0]}={values.get(w)}" for w in WANT))
