"""OpenBLAS at its best kernel for the peers, and the facts that make their figures comparable.

Import this module before numpy or torch and call undo_forced_core(): OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, when
set, make OpenBLAS run a kernel and blocking someone chose (a Haswell kernel on an AVX-512 CPU runs at about half
speed); OpenBLAS reads them once, when the library loads, so they must go before the import. After the import,
openblas_line() names the core OpenBLAS actually runs. cpu_key() is the CPU model string NeuroLite.Bench prints and
matches a results file against (MachineInfo.CpuKey in NeuroLite.Bench/Report/MachineInfo.cs).
"""
import ctypes
import os
import platform

FORCING = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def undo_forced_core():
    """Removes the forcing variables from the environment (os.environ.pop calls unsetenv); returns "NAME=value" of each."""
    return ["%s=%s" % (name, os.environ.pop(name)) for name in FORCING if name in os.environ]


def openblas_core():
    """(core, version) of the OpenBLAS loaded in this process, or (None, None) when none is loaded."""
    try:
        from threadpoolctl import threadpool_info  # Debian: python3-threadpoolctl
        for info in threadpool_info():
            if info.get("internal_api") == "openblas":
                return info.get("architecture"), info.get("version")
    except ImportError:
        pass
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "libopenblas" in line and line.split()[-1].startswith("/")})
    except OSError:
        paths = []
    for path in paths:
        lib = ctypes.CDLL(path)
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        config = lib.openblas_get_config().decode().split()
        return lib.openblas_get_corename().decode(), (config[1] if len(config) > 1 else None)
    return None, None


def openblas_line(undone):
    """One line: the OpenBLAS core in use and whether it is OpenBLAS's own choice."""
    core, version = openblas_core()
    if core is None:
        return "OpenBLAS: not loaded (NumPy/PyTorch use another BLAS here; Debian: apt-get install libopenblas0-pthread)"
    forced = [name for name in FORCING if name in os.environ]
    if forced:
        why = "FORCED by " + " ".join("%s=%s" % (n, os.environ[n]) for n in forced)
    elif undone:
        why = "OpenBLAS's own choice for this CPU; %s unset before loading" % " ".join(undone)
    else:
        why = "OpenBLAS's own choice for this CPU"
    return "OpenBLAS %s, core %s (%s)" % (version or "?", core, why)


def cpu_key():
    """The CPU model as NeuroLite.Bench's header names it: "model name (family F, model M, stepping S)"."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    if fields:
                        break  # the first processor's block ends at a blank line
                    continue
                if ":" in line:
                    key, value = line.split(":", 1)
                    fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    get = lambda k: fields.get(k) or None  # noqa: E731
    if get("cpu family"):
        ident = "family %s, model %s" % (get("cpu family"), get("model") or "?")
        if get("stepping"):
            ident += ", stepping %s" % get("stepping")
    elif get("CPU implementer"):
        ident = "implementer %s, part %s" % (get("CPU implementer"), get("CPU part") or "?")
        if get("CPU variant"):
            ident += ", variant %s" % get("CPU variant")
    else:
        ident = ""
    arch = {"x86_64": "X64", "amd64": "X64", "aarch64": "Arm64", "arm64": "Arm64"}.get(platform.machine().lower(), platform.machine())
    model = get("model name") or get("Hardware") or ("%s %s" % (arch.lower(), ident.replace(",", "")) if ident else arch)
    return "%s (%s)" % (model, ident) if ident else model
