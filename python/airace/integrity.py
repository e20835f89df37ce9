"""Checks that a file airace wrote is intact before it is read: HDF5 1.10 crashes or loops on
some damaged files instead of raising an error, and /meta carries a SHA-256 of itself
(docs/scenarios.md, "Checksum of the metadata"). Used by airace.open and by the scripts in
scripts/ (plot.py, report.py, plot_sobol.py, calibration.py).

Needs only the standard library at import time; h5py and numpy are imported where used."""

import os

# Seconds a child may spend on one object of a file before it is taken for stuck: the objects it
# reads are at most 64 MiB of numbers, or text, which an intact file gives in well under this.
STUCK_SECONDS = 10


def hdf5_failure(path):
    """How HDF5 fails on `path` when a child process reads every attribute and dataset of it
    with h5py: "the HDF5 library crashed reading it (SIGSEGV)", "the HDF5 library did not
    finish reading it (...)", or "" when the child got through.

    HDF5 1.10 crashes on some damaged files instead of raising an error (a global heap whose
    object sizes point past its end; h5dump crashes on them too), and loops for ever on others
    (an object size that makes the next object start where it began). In this process either
    would end it, or hang it, with no word about the file. Reading the file first in a child,
    which reports each object it finishes, turns both into a message. Errors in the child are
    left for this process to meet and report."""
    import select
    import signal

    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(done_r)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import h5py

            def read(name, obj):
                try:
                    for key in obj.attrs:
                        obj.attrs[key]
                    # Text lives in the global heap, where the crashes are; numbers are read
                    # too, unless large (this read comes on top of the real one).
                    if isinstance(obj, h5py.Dataset) and (
                            obj.dtype.kind in "OSU" or obj.size * obj.dtype.itemsize <= 2**26):
                        obj[()]
                except Exception:  # noqa: BLE001 (reported by the parent's own reading)
                    pass
                os.write(done_w, b".")

            with h5py.File(path, "r") as f:
                read("/", f)
                f.visititems(read)
        except BaseException:  # noqa: BLE001
            pass
        os._exit(0)
    os.close(done_w)
    stuck = False
    with os.fdopen(done_r, "rb", buffering=0) as progress:
        while True:
            ready, _, _ = select.select([progress], [], [], STUCK_SECONDS)
            if not ready:
                stuck = True
                os.kill(pid, signal.SIGKILL)
                break
            if not progress.read(4096):
                break  # the child has ended
    _, status = os.waitpid(pid, 0)
    if stuck:
        return ("the HDF5 library did not finish reading it (one object took over %d s: "
                "a damaged global heap)" % STUCK_SECONDS)
    if not os.WIFSIGNALED(status):
        return ""
    number = os.WTERMSIG(status)
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = "signal %d" % number
    return "the HDF5 library crashed reading it (%s)" % name


def text(value):
    """An attribute as str, whether stored as a variable-length or a fixed-length string; an
    array's items joined by newlines."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if getattr(value, "ndim", 0) > 0:  # a string array, such as /meta checksum_covers
        return "\n".join(text(v) for v in value)
    if hasattr(value, "item") and not isinstance(value, str):
        return text(value.item())
    return "" if value is None else str(value)


# What a message calls the text datasets that /meta checksum_sha256 covers.
CHECKSUM_TEXTS = {"scenario_yaml": "the scenario text", "base_scenario_yaml":
                  "the base scenario text", "sweep_yaml": "the sweep text",
                  "decisions": "the teams' decisions"}


def meta_digest(meta):
    """Recomputes /meta checksum_sha256 of a run or sweep file (an h5py Group): for each item
    of checksum_covers, in order, its name, "\n", the byte length of its value, "\n", the
    value, "\n" (docs/scenarios.md, "Output"). Raises KeyError for an item /meta lacks."""
    import hashlib

    import numpy as np

    digest = hashlib.sha256()
    for item in meta.attrs["checksum_covers"]:
        item = text(item)
        kind, _, name = item.partition(":")
        if kind not in ("attr", "dataset") or not name or "/" in name:
            raise KeyError(item)
        value = meta.attrs[name] if kind == "attr" else meta[name][()]
        if isinstance(value, np.ndarray) and value.ndim > 0:  # a string array
            value = "\n".join(v.decode("utf-8", "surrogateescape") if isinstance(v, bytes)
                              else str(v) for v in value)
        if not isinstance(value, bytes):  # text, or an integer as its decimal digits
            value = (value if isinstance(value, str) else str(value.item()
                     if hasattr(value, "item") else value)).encode("utf-8", "surrogateescape")
        digest.update(b"%s\n%d\n%s\n" % (item.encode("utf-8"), len(value), value))
    return digest.hexdigest()


def meta_checksum_failure(meta):
    """"" when /meta of a run or sweep file matches its checksum_sha256, or carries no checksum
    (a file written before airace wrote one); else what does not match, to follow "the file
    is damaged: "."""
    has_covers, has_digest = "checksum_covers" in meta.attrs, "checksum_sha256" in meta.attrs
    if not has_covers and not has_digest:
        return ""
    if not has_covers or not has_digest:
        return "/meta has %s but not %s" % (("checksum_covers", "checksum_sha256")
                                              if has_covers else
                                              ("checksum_sha256", "checksum_covers"))
    try:
        digest = meta_digest(meta)
    except KeyError as e:
        return ("/meta checksum_covers lists %s, which /meta does not hold, so the metadata "
                "cannot be checked against checksum_sha256" % e)
    if digest == text(meta.attrs["checksum_sha256"]):
        return ""
    covers = [text(c) for c in meta.attrs["checksum_covers"]]
    texts = ["%s (/meta/%s)" % (CHECKSUM_TEXTS.get(c[8:], "/meta/" + c[8:]), c[8:])
             for c in covers if c.startswith("dataset:")]
    attributes = sum(c.startswith("attr:") for c in covers)
    named = ", ".join(texts[:-1]) + (" or " if len(texts) > 1 else "") + "".join(texts[-1:])
    return ("%sthe metadata (%d /meta attributes) no longer match their SHA-256 (/meta "
            "checksum_sha256): changed after airace wrote it, by a disk, copy or transfer "
            "error or an edit" % (named + " or " if named else "", attributes))
