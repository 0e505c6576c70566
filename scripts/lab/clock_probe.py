"""The SM clock right after a call, for Python-timed sides (DeepGEMM): the same probe as
gemmtune's `run --clock-per-sample` (kernels/support_timing.cuh support_timing_clock_probe), here
as PTX loaded through the driver API, queued on torch's current stream behind the stop event.
One thread spins 20 µs by %globaltimer; cycles / ns is the clock the call ended at.
  probe = ClockProbe(slots); probe.after(i) per sample; probe.read() -> [(mhz, end_ns), ...]
"""
import ctypes
import torch

_PTX = rb"""
.version 8.0
.target sm_90
.address_size 64
.visible .entry clock_probe(.param .u64 out, .param .u64 spin_ns)
{
  .reg .u64 %rd<12>;
  .reg .pred %p;
  ld.param.u64 %rd1, [out];
  ld.param.u64 %rd2, [spin_ns];
  cvta.to.global.u64 %rd1, %rd1;
  mov.u64 %rd3, %globaltimer;
  mov.u64 %rd4, %clock64;
SPIN:
  mov.u64 %rd5, %globaltimer;
  sub.u64 %rd6, %rd5, %rd3;
  setp.lt.u64 %p, %rd6, %rd2;
  @%p bra SPIN;
  mov.u64 %rd7, %clock64;
  sub.u64 %rd8, %rd7, %rd4;
  st.global.u64 [%rd1], %rd8;
  st.global.u64 [%rd1+8], %rd6;
  st.global.u64 [%rd1+16], %rd3;
  ret;
}
"""


class ClockProbe:
    SPIN_NS = 20000

    def __init__(self, slots):
        # NOTE: allocating first makes torch create the primary context and make it current on
        # this thread; the driver calls below need a current context.
        self.out = torch.zeros((slots, 3), dtype=torch.int64, device='cuda')
        torch.cuda.synchronize()
        self.cuda = ctypes.CDLL('libcuda.so.1')
        self.module, self.fn = ctypes.c_void_p(), ctypes.c_void_p()
        self._check(self.cuda.cuModuleLoadData(ctypes.byref(self.module), ctypes.c_char_p(_PTX + b'\0')))
        self._check(self.cuda.cuModuleGetFunction(ctypes.byref(self.fn), self.module, b'clock_probe'))

    def _check(self, rc):
        if rc != 0: raise RuntimeError(f'CUDA driver error {rc}')

    def after(self, slot):
        out = ctypes.c_uint64(self.out.data_ptr() + 24 * slot)
        spin = ctypes.c_uint64(self.SPIN_NS)
        params = (ctypes.c_void_p * 2)(ctypes.cast(ctypes.byref(out), ctypes.c_void_p),
                                       ctypes.cast(ctypes.byref(spin), ctypes.c_void_p))
        stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)
        self._check(self.cuda.cuLaunchKernel(self.fn, 1, 1, 1, 1, 1, 1, 0, stream, params, None))

    def read(self):
        rows = self.out.cpu().tolist()
        return [(1000.0 * c / ns if ns else 0.0, start) for c, ns, start in rows]
