"""The bundle's C library (gemmtune_bundle_capi.h) for gemmtune_bundle: the errors the module
raises, the ctypes declarations of the library's functions, building libgemmtune_bundle.so with
the bundle's build.sh, loading it and checking it against the manifest, and loading the kernels
on a device (a handle), with what a failure there means.
"""

import ctypes
import fcntl
import os
import subprocess

ABI_VERSION = 3
LIBRARY_NAME = "libgemmtune_bundle.so"

# CUresult values this module names (cuda.h).
_CUDA_ERROR_NOT_FOUND = 500
_CUDA_ERROR_STUB_LIBRARY = 34
# Load failures that mean "these cubins are not for this GPU or driver".
_CUDA_IMAGE_ERRORS = {200, 209, 218, 221, 222}  # INVALID_IMAGE, NO_BINARY_FOR_GPU, INVALID_PTX,
#                                                 JIT_COMPILER_NOT_FOUND, UNSUPPORTED_PTX_VERSION
_LAYOUT_CONTIGUOUS = 1
_LAYOUT_MASKED = 2
# DeepGEMM's contiguous layout pads every group to a multiple of this many rows; the selection
# allows for it (gemmtune_bundle_gemm_grouped_contiguous_padded).
_DEEPGEMM_GROUP_ROW_ALIGN = 128


class BundleError(RuntimeError):
    """Any failure of the bundle (the base of the errors below)."""


class BundleLoadError(BundleError):
    """The library or the cubins do not load: missing files, another GPU model or driver."""


class ShapeNotCoveredError(BundleError):
    """The bundle has no kernel that runs this shape, and no fallback is registered."""


class CudaError(BundleError):
    """A CUDA driver call failed; `status` is the CUresult, `name` its name."""

    def __init__(self, message, status, name):
        super().__init__(message)
        self.status = status
        self.name = name


def _selection_rows(groups, m, row_align):
    """The rows argument of a contiguous call's selection: m less the most padding of `groups`
    groups padded to `row_align` rows (padded_selection_rows in the dispatcher header), its key
    where the entries record no padded rows or row_align is not DeepGEMM's 128 (which selects by
    m against the entries' padded rows)."""
    return max(0, m - groups * (row_align - 1))


def _declare(lib):
    """Sets argtypes/restype of every function of gemmtune_bundle_capi.h."""
    i64, p, c_int, size_t = ctypes.c_int64, ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t
    signatures = {
        "gemmtune_bundle_abi_version": (c_int, []),
        "gemmtune_bundle_error_name": (ctypes.c_char_p, [c_int]),
        "gemmtune_bundle_device_info": (c_int, [c_int, ctypes.POINTER(c_int), ctypes.POINTER(c_int),
                                                ctypes.POINTER(c_int)]),
        "gemmtune_bundle_num_kernels": (c_int, []),
        "gemmtune_bundle_kernel_config": (ctypes.c_char_p, [c_int]),
        "gemmtune_bundle_create": (c_int, [ctypes.c_char_p, c_int, ctypes.POINTER(p)]),
        "gemmtune_bundle_destroy": (None, [p]),
        "gemmtune_bundle_set_fallback": (c_int, [p, ctypes.c_char_p]),
        "gemmtune_bundle_select": (c_int, [p, i64, i64, i64]),
        "gemmtune_bundle_select_grouped": (c_int, [p, c_int, i64, i64, i64, i64, i64, i64, i64]),
        "gemmtune_bundle_workspace_bytes": (size_t, [p, i64, i64, i64]),
        "gemmtune_bundle_gemm": (c_int, [p, i64, i64, i64, p, p, p, p, p, p, size_t, p]),
        "gemmtune_bundle_gemm_grouped_contiguous": (c_int, [p, i64, i64, i64, i64, p, p, p, p, p,
                                                            p, p]),
        "gemmtune_bundle_gemm_grouped_contiguous_padded": (c_int, [p, i64, i64, i64, i64, i64, p,
                                                                   p, p, p, p, p, p, p]),
        "gemmtune_bundle_gemm_grouped_masked": (c_int, [p, i64, i64, i64, i64, i64, p, p, p, p,
                                                        p, p, p]),
        "gemmtune_bundle_has_deepgemm_layout": (c_int, [p]),
        "gemmtune_bundle_deepgemm_contiguous_scratch_bytes": (size_t, [i64, i64, i64]),
        "gemmtune_bundle_deepgemm_scratch_bytes": (size_t, [i64, i64]),
        "gemmtune_bundle_gemm_deepgemm": (c_int, [p, i64, i64, i64, p, p, i64, p, p, p, p, size_t,
                                                  p, size_t, p]),
        "gemmtune_bundle_gemm_grouped_masked_deepgemm": (c_int, [p, i64, i64, i64, i64, i64, p,
                                                                 p, p, i64, p, p, p, p, size_t,
                                                                 p]),
        "gemmtune_bundle_deepgemm_contiguous_layout": (c_int, [p, i64, i64, i64, p, p, i64, p,
                                                                size_t, p]),
        "gemmtune_bundle_gemm_grouped_contiguous_deepgemm": (c_int, [p, i64, i64, i64, i64, p, p,
                                                                     p, i64, p, p, p, p, size_t,
                                                                     p]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


def _build_library(directory):
    """Runs the bundle's build.sh under a lock, so concurrent processes build it once."""
    script = os.path.join(directory, "build.sh")
    if not os.path.isfile(script):
        raise BundleLoadError(f"{directory}: no {LIBRARY_NAME} and no build.sh to build it")
    try:
        lock = open(os.path.join(directory, ".build.lock"), "w")
    except OSError as e:
        raise BundleLoadError(f"{directory}: cannot build {LIBRARY_NAME} there ({e.strerror}); "
                              f"run sh {script} OUTPUT elsewhere and copy it in")
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.isfile(os.path.join(directory, LIBRARY_NAME)):
            return
        result = subprocess.run(["sh", script], capture_output=True, text=True)
        if result.returncode != 0:
            raise BundleLoadError(f"{script} failed (exit {result.returncode}):\n"
                                  f"{result.stdout}{result.stderr}".rstrip())


def _open_library(directory, build):
    """The library of the bundle in `directory` through ctypes, every function declared; built
    first with the folder's build.sh when it is missing and `build` is true."""
    library = os.path.join(directory, LIBRARY_NAME)
    if not os.path.isfile(library) and build:
        _build_library(directory)
    try:
        lib = ctypes.CDLL(library)
    except OSError as e:
        # The library exists but a library it needs does not load (libcuda.so.1: no NVIDIA
        # driver here), or the library itself is missing.
        hint = (f"build it with sh {directory}/build.sh" if not os.path.isfile(library) else
                "it needs the NVIDIA driver's libcuda.so.1 on the loader's path"
                if "libcuda" in str(e) else "rebuild it with sh " + directory + "/build.sh")
        raise BundleLoadError(f"{library}: {e} ({hint})")
    _declare(lib)
    return lib


def _check_library(lib, library, manifest, manifest_path):
    """BundleLoadError unless `lib` (loaded from the file `library`) speaks this module's ABI and
    was built from the export that wrote `manifest` (the same kernels, in the same order)."""
    if lib.gemmtune_bundle_abi_version() != ABI_VERSION:
        raise BundleLoadError(f"{library}: ABI {lib.gemmtune_bundle_abi_version()}, "
                              f"this module speaks {ABI_VERSION}: rebuild with build.sh")
    built = [lib.gemmtune_bundle_kernel_config(i).decode()
             for i in range(lib.gemmtune_bundle_num_kernels())]
    exported = [k["config"] for k in manifest.get("kernels", [])]
    if built != exported:
        raise BundleLoadError(f"{library} was built from another export than {manifest_path} "
                              f"({len(built)} kernels, manifest {len(exported)}): delete it and "
                              "load again, or rerun build.sh")


def _error_name(lib, status):
    """The name of the CUresult `status` (CUDA_ERROR_...), as the library spells it."""
    return lib.gemmtune_bundle_error_name(status).decode()


def _create_handle(lib, directory, manifest, device):
    """Loads the kernels of the bundle in `directory` on CUDA device `device` and returns the
    library's handle to them; BundleLoadError saying why when they cannot run there (no driver,
    another GPU model, cubins this driver cannot load)."""
    major, minor, driver = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    status = lib.gemmtune_bundle_device_info(device, major, minor, driver)
    if status == _CUDA_ERROR_STUB_LIBRARY:
        raise BundleLoadError(f"cuda:{device}: no NVIDIA driver (libcuda.so.1 is the CUDA "
                              "toolkit's stub library)")
    if status != 0:
        raise BundleLoadError(f"cuda:{device}: {_error_name(lib, status)} ({status}) asking "
                              "for its compute capability")
    arch = manifest.get("arch", "sm_90a")
    if arch.startswith("sm_90") and (major.value, minor.value) != (9, 0):
        raise BundleLoadError(f"cuda:{device} has compute capability {major.value}."
                              f"{minor.value}; the bundle's kernels are {arch} (Hopper, 9.0) "
                              "only")
    handle = ctypes.c_void_p()
    status = lib.gemmtune_bundle_create(directory.encode(), device, handle)
    if status != 0:
        name = _error_name(lib, status)
        if status in _CUDA_IMAGE_ERRORS:
            raise BundleLoadError(
                f"{directory}: the cubins do not load on cuda:{device} ({name}): built "
                f"for {arch} by NVRTC {manifest.get('nvrtc_version', '?')}, driver "
                f"supports CUDA {driver.value // 1000}.{driver.value % 1000 // 10}; export the "
                "bundle again with a toolkit this driver supports")
        raise BundleLoadError(f"{directory}: loading on cuda:{device} failed: {name} "
                              f"({status})")
    return handle
