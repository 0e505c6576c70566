"""A busy neighbour on the GPU: busy_neighbour.cu compiled with NVRTC and run through libcuda.

    cubin, info = compile_neighbour("sm_90a")          # NVRTC through ctypes, no GPU needed
    with BusyNeighbour(cubin, blocks=24) as neighbour:  # in the current (PyTorch's) context
        neighbour.start()     # launched on its own non-blocking stream; returns once every
        ...                   # block has copied its slice once (so every block holds its SM)
        report = neighbour.stop()   # sets the stop flag, waits for the kernel (bounded)

The kernel (busy_neighbour.cu) holds one SM per block (1024 threads, the opt-in maximum of
dynamic shared memory) and copies its slice of a 256 MiB buffer over and over (HBM traffic, like
a communication kernel's copies) until a flag in mapped host memory becomes 1, or after a safety
bound (600 s by default) of %globaltimer. stop() reports the SM each block ran on, the slice
copies each block made and the copy rate.

The CUDA driver (libcuda.so.1) comes in through ctypes: the neighbour runs in the context
current on the calling thread, which after PyTorch has made a tensor on the device is the
device's primary context, the one PyTorch's kernels run in (so both really run at once).
NVRTC is searched in $CUDA_HOME/lib64, $CUDA_PATH/lib64, /usr/local/cuda/lib64, PyTorch's
nvidia wheels (nvidia/cu13/lib, nvidia/cuda_nvrtc/lib) and the loader's path.
Every failing call raises NeighbourError naming the call and the CUDA error.
"""
import ctypes
import os
import sys
import time

SOURCE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "busy_neighbour.cu")
KERNEL_NAME = b"busy_neighbour"
COPY_BYTES = 256 << 20  # split into one slice per block
THREADS_PER_BLOCK = 1024
EXIT_REASONS = {0: "running", 1: "stop flag", 2: "time bound"}

# Driver API constants (cuda.h).
_CUDA_SUCCESS = 0
_CUDA_ERROR_NOT_READY = 600
_CU_STREAM_NON_BLOCKING = 0x1
_CU_MEMHOSTALLOC_DEVICEMAP = 0x02
_CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16
_CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY = 19
_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75
_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76
_CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97
_CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0
_CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 1
_CU_FUNC_ATTRIBUTE_NUM_REGS = 4
_CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8

_NVRTC_NAMES = ("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so")
_NVRTC_WHEEL_DIRS = ("nvidia/cu13/lib", "nvidia/cuda_nvrtc/lib")


class NeighbourError(RuntimeError):
    """A failed NVRTC or driver call, or a neighbour that does not start or stop in time."""


def arch_for(major, minor):
    """The NVRTC architecture for a compute capability: the arch-specific target (sm_90a) on
    9.0, where the project's kernels run, else the plain one."""
    return "sm_90a" if (major, minor) == (9, 0) else f"sm_{major}{minor}"


# ---------------------------------------------------------------------------------------------
# NVRTC.

def nvrtc_candidates():
    """Paths to try for libnvrtc, in order, then the bare names (the loader's search path)."""
    dirs = [os.path.join(os.environ[v], "lib64") for v in ("CUDA_HOME", "CUDA_PATH")
            if os.environ.get(v)]
    dirs.append("/usr/local/cuda/lib64")
    dirs += [os.path.join(base, sub) for base in sys.path if base
             for sub in _NVRTC_WHEEL_DIRS]
    found = [os.path.join(d, name) for d in dirs for name in _NVRTC_NAMES
             if os.path.isfile(os.path.join(d, name))]
    return found + list(_NVRTC_NAMES)


def load_nvrtc():
    """(ctypes library, the path it came from); NeighbourError naming the places searched."""
    tried = []
    for path in nvrtc_candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append(f"{path} ({e})")
            continue
        lib.nvrtcGetErrorString.restype = ctypes.c_char_p
        return lib, path
    raise NeighbourError("NVRTC not found: tried " + "; ".join(tried) +
                         " (set CUDA_HOME to a CUDA toolkit, or install PyTorch's nvidia wheels)")


def _nvrtc_check(lib, status, call):
    if status != 0:
        raise NeighbourError(f"{call}: {lib.nvrtcGetErrorString(status).decode()} ({status})")


def compile_neighbour(arch, source_path=SOURCE_PATH):
    """Compiles busy_neighbour.cu for `arch` (e.g. sm_90a) into a cubin. Returns (cubin bytes,
    info dict: nvrtc path and version, arch, log). A compile error raises NeighbourError with
    NVRTC's log."""
    with open(source_path, "rb") as f:
        source = f.read()
    lib, path = load_nvrtc()
    major, minor = ctypes.c_int(), ctypes.c_int()
    _nvrtc_check(lib, lib.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor)), "nvrtcVersion")
    program = ctypes.c_void_p()
    _nvrtc_check(lib, lib.nvrtcCreateProgram(ctypes.byref(program), source,
                                             os.path.basename(source_path).encode(), 0, None,
                                             None), "nvrtcCreateProgram")
    try:
        options = [f"--gpu-architecture={arch}".encode(), b"--std=c++17"]
        status = lib.nvrtcCompileProgram(program, len(options),
                                         (ctypes.c_char_p * len(options))(*options))
        log_size = ctypes.c_size_t()
        _nvrtc_check(lib, lib.nvrtcGetProgramLogSize(program, ctypes.byref(log_size)),
                     "nvrtcGetProgramLogSize")
        log = ctypes.create_string_buffer(log_size.value)
        _nvrtc_check(lib, lib.nvrtcGetProgramLog(program, log), "nvrtcGetProgramLog")
        log_text = log.value.decode(errors="replace").strip()
        if status != 0:
            raise NeighbourError(f"NVRTC could not compile {source_path} for {arch} "
                                 f"({lib.nvrtcGetErrorString(status).decode()}):\n{log_text}")
        size = ctypes.c_size_t()
        _nvrtc_check(lib, lib.nvrtcGetCUBINSize(program, ctypes.byref(size)), "nvrtcGetCUBINSize")
        cubin = ctypes.create_string_buffer(size.value)
        _nvrtc_check(lib, lib.nvrtcGetCUBIN(program, cubin), "nvrtcGetCUBIN")
    finally:
        lib.nvrtcDestroyProgram(ctypes.byref(program))
    return cubin.raw, {"nvrtc": path, "nvrtc_version": f"{major.value}.{minor.value}",
                       "arch": arch, "log": log_text}


# ---------------------------------------------------------------------------------------------
# The driver.

def _driver():
    """libcuda with the argument types of the calls used here (pointers stay 64-bit)."""
    try:
        cu = ctypes.CDLL("libcuda.so.1")
    except OSError as e:
        raise NeighbourError(f"the CUDA driver (libcuda.so.1) does not load: {e}")
    p, i, u, vp = ctypes.POINTER, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p
    signatures = {
        "cuCtxGetCurrent": [p(vp)],
        "cuCtxGetDevice": [p(i)],
        "cuDriverGetVersion": [p(i)],
        "cuDeviceGetAttribute": [p(i), i, i],
        "cuModuleLoadData": [p(vp), ctypes.c_char_p],
        "cuModuleGetFunction": [p(vp), vp, ctypes.c_char_p],
        "cuModuleUnload": [vp],
        "cuFuncGetAttribute": [p(i), i, vp],
        "cuFuncSetAttribute": [vp, i, i],
        "cuStreamCreate": [p(vp), u],
        "cuStreamQuery": [vp],
        "cuStreamDestroy_v2": [vp],
        "cuMemAlloc_v2": [p(ctypes.c_uint64), ctypes.c_size_t],
        "cuMemFree_v2": [ctypes.c_uint64],
        "cuMemHostAlloc": [p(vp), ctypes.c_size_t, u],
        "cuMemHostGetDevicePointer_v2": [p(ctypes.c_uint64), vp, u],
        "cuMemFreeHost": [vp],
        "cuLaunchKernel": [vp, u, u, u, u, u, u, u, vp, p(vp), p(vp)],
        "cuGetErrorName": [i, p(ctypes.c_char_p)],
    }
    for name, argtypes in signatures.items():
        fn = getattr(cu, name)
        fn.argtypes, fn.restype = argtypes, ctypes.c_int
    return cu


class BusyNeighbour:
    """busy_neighbour.cu on `blocks` SMs of the current context's device (see the module doc).
    Owns its module, stream, 2 x 256 MiB device buffers and the mapped host words; close()
    (or leaving a `with`) stops a running kernel first."""

    def __init__(self, cubin, blocks, max_s=600.0):
        self._cu = _driver()
        self._freed = []  # (free call, handle), released in reverse order by close()
        self.running = False
        self.blocks, self.max_s = blocks, max_s
        context = ctypes.c_void_p()
        self._check(self._cu.cuCtxGetCurrent(ctypes.byref(context)), "cuCtxGetCurrent")
        if not context.value:
            raise NeighbourError("no current CUDA context on this thread (create a tensor on "
                                 "the GPU with PyTorch first)")
        device = ctypes.c_int()
        self._check(self._cu.cuCtxGetDevice(ctypes.byref(device)), "cuCtxGetDevice")
        self.device = device.value
        version = ctypes.c_int()
        self._check(self._cu.cuDriverGetVersion(ctypes.byref(version)), "cuDriverGetVersion")
        self.driver_version = f"{version.value // 1000}.{version.value % 1000 // 10}"
        self.sm_count = self._attribute(_CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)
        if not 1 <= blocks <= self.sm_count:
            raise NeighbourError(f"--busy-sms {blocks}: the device has {self.sm_count} SMs")
        if not self._attribute(_CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY):
            raise NeighbourError("the device cannot map host memory (the stop flag needs it)")
        try:
            self._load(cubin)
            self._allocate()
        except BaseException:
            self.close()
            raise

    # -- setup --------------------------------------------------------------------------------

    def _check(self, status, call):
        if status != _CUDA_SUCCESS:
            name = ctypes.c_char_p()
            self._cu.cuGetErrorName(status, ctypes.byref(name))
            raise NeighbourError(f"{call}: {(name.value or b'unknown').decode()} ({status})")

    def _attribute(self, attribute):
        value = ctypes.c_int()
        self._check(self._cu.cuDeviceGetAttribute(ctypes.byref(value), attribute, self.device),
                    f"cuDeviceGetAttribute({attribute})")
        return value.value

    def _function_attribute(self, attribute):
        value = ctypes.c_int()
        self._check(self._cu.cuFuncGetAttribute(ctypes.byref(value), attribute, self._function),
                    f"cuFuncGetAttribute({attribute})")
        return value.value

    def _load(self, cubin):
        module = ctypes.c_void_p()
        self._check(self._cu.cuModuleLoadData(ctypes.byref(module), cubin),
                    "cuModuleLoadData(busy_neighbour cubin)")
        self._freed.append((self._cu.cuModuleUnload, module))
        self._function = ctypes.c_void_p()
        self._check(self._cu.cuModuleGetFunction(ctypes.byref(self._function), module,
                                                 KERNEL_NAME), "cuModuleGetFunction")
        max_threads = self._function_attribute(_CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK)
        if max_threads < THREADS_PER_BLOCK:
            raise NeighbourError(f"busy_neighbour runs at most {max_threads} threads per block, "
                                 f"needs {THREADS_PER_BLOCK}")
        static_smem = self._function_attribute(_CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES)
        optin_smem = self._attribute(_CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)
        self.dynamic_smem_bytes = optin_smem - static_smem
        self._check(self._cu.cuFuncSetAttribute(self._function,
                                                _CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                                self.dynamic_smem_bytes),
                    f"cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES, {self.dynamic_smem_bytes})")
        self.registers = self._function_attribute(_CU_FUNC_ATTRIBUTE_NUM_REGS)
        self._stream = ctypes.c_void_p()
        # NOTE: non-blocking: a stream created plain synchronises with the legacy default stream
        # (PyTorch's default), which would serialise every GEMM behind the neighbour.
        self._check(self._cu.cuStreamCreate(ctypes.byref(self._stream), _CU_STREAM_NON_BLOCKING),
                    "cuStreamCreate(CU_STREAM_NON_BLOCKING)")
        self._freed.append((self._cu.cuStreamDestroy_v2, self._stream))

    def _mapped(self, ctype, count):
        """(a ctypes array over mapped host memory, its device address)."""
        host = ctypes.c_void_p()
        nbytes = ctypes.sizeof(ctype) * count
        self._check(self._cu.cuMemHostAlloc(ctypes.byref(host), nbytes,
                                            _CU_MEMHOSTALLOC_DEVICEMAP),
                    f"cuMemHostAlloc({nbytes}, DEVICEMAP)")
        self._freed.append((self._cu.cuMemFreeHost, host))
        device = ctypes.c_uint64()
        self._check(self._cu.cuMemHostGetDevicePointer_v2(ctypes.byref(device), host, 0),
                    "cuMemHostGetDevicePointer")
        return (ctype * count).from_address(host.value), device.value

    def _allocate(self):
        self.slice_bytes = COPY_BYTES // self.blocks // 16 * 16
        self._buffers = []
        nbytes = self.slice_bytes * self.blocks
        for _ in range(2):
            pointer = ctypes.c_uint64()
            self._check(self._cu.cuMemAlloc_v2(ctypes.byref(pointer), nbytes),
                        f"cuMemAlloc({nbytes})")
            self._freed.append((self._cu.cuMemFree_v2, pointer))
            self._buffers.append(pointer.value)
        self._stop_flag, self._stop_flag_device = self._mapped(ctypes.c_int, 1)
        self._progress, self._progress_device = self._mapped(ctypes.c_uint64, self.blocks)
        self._sm_ids, self._sm_ids_device = self._mapped(ctypes.c_uint32, self.blocks)
        self._exit_reasons, self._exit_reasons_device = self._mapped(ctypes.c_int, self.blocks)

    # -- running ------------------------------------------------------------------------------

    def _stream_done(self, call):
        """True once the kernel has finished; False while it runs; raises on a fault."""
        status = self._cu.cuStreamQuery(self._stream)
        if status == _CUDA_ERROR_NOT_READY:
            return False
        self._check(status, call)
        return True

    def start(self, timeout_s=10.0):
        """Launches the kernel and returns once every block has copied its slice once (each holds
        its SM). NeighbourError if it fails to start in timeout_s."""
        if self.running:
            raise NeighbourError("start(): the neighbour is already running")
        self._stop_flag[0] = 0
        for b in range(self.blocks):
            self._progress[b], self._sm_ids[b], self._exit_reasons[b] = 0, 0xFFFFFFFF, 0
        values = [ctypes.c_uint64(v) for v in (
            self._buffers[0], self._buffers[1], self.slice_bytes // 16, self._stop_flag_device,
            self._progress_device, self._sm_ids_device, self._exit_reasons_device,
            int(self.max_s * 1e9))]
        params = (ctypes.c_void_p * len(values))(
            *[ctypes.cast(ctypes.pointer(v), ctypes.c_void_p) for v in values])
        self._check(self._cu.cuLaunchKernel(self._function, self.blocks, 1, 1, THREADS_PER_BLOCK,
                                            1, 1, self.dynamic_smem_bytes, self._stream, params,
                                            None), "cuLaunchKernel(busy_neighbour)")
        self.running = True
        self._started_at = time.perf_counter()
        while min(self._progress) == 0:
            if self._stream_done("busy_neighbour (starting)"):
                self.running = False
                raise NeighbourError("busy_neighbour ended before every block had started")
            if time.perf_counter() - self._started_at > timeout_s:
                started = sum(1 for v in self._progress if v)
                self.stop()
                raise NeighbourError(f"busy_neighbour: {started} of {self.blocks} blocks started "
                                     f"within {timeout_s:.0f} s (SMs held by other work?)")
            time.sleep(1e-4)
        self._running_at = time.perf_counter()

    def progress(self):
        """Slice copies per block so far."""
        return list(self._progress)

    def stop(self, timeout_s=30.0):
        """Sets the stop flag and waits for the kernel (bounded). Returns a report: per block
        its SM, slice copies and exit reason; the seconds it ran; the copy rate (read + write)."""
        if not self.running:
            raise NeighbourError("stop(): the neighbour is not running")
        self._stop_flag[0] = 1
        stop_at = time.perf_counter()
        while not self._stream_done("busy_neighbour (stopping)"):
            if time.perf_counter() - stop_at > timeout_s:
                raise NeighbourError(f"busy_neighbour did not stop within {timeout_s:.0f} s of "
                                     "its stop flag")
            time.sleep(1e-4)
        self.running = False
        seconds = time.perf_counter() - self._started_at
        copies = list(self._progress)
        sm_ids = list(self._sm_ids)
        return {"seconds": seconds, "copies": copies, "sm_ids": sm_ids,
                "distinct_sms": len(set(sm_ids)),
                "exit_reasons": sorted({EXIT_REASONS.get(r, str(r)) for r in self._exit_reasons}),
                "copy_gbps": 2 * self.slice_bytes * sum(copies) / seconds / 1e9}

    def close(self, timeout_s=30.0):
        """Stops a running kernel and frees everything; safe to call twice. A kernel that does
        not stop within timeout_s raises, and nothing is freed under it (the process's exit
        ends it)."""
        if self.running:
            self.stop(timeout_s)
        while self._freed:
            free, handle = self._freed.pop()
            free(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def describe(self):
        """The launch, for the record."""
        return {"blocks": self.blocks, "threads_per_block": THREADS_PER_BLOCK,
                "dynamic_smem_bytes": self.dynamic_smem_bytes, "registers": self.registers,
                "slice_bytes": self.slice_bytes, "sm_count": self.sm_count,
                "max_s": self.max_s, "cuda_driver": self.driver_version}
