"""Whole-file writes for the scripts' reports: a temporary file beside the target, then a rename,
so a reader never sees half a file and an interrupted run leaves the previous one; a target that
is a symbolic link is refused (the write would land wherever the link points)."""
import os
import tempfile


def write_text_atomic(path, text):
    """Writes `text` to `path` whole; ValueError when `path` is a symbolic link."""
    if os.path.islink(path):
        raise ValueError(f"{path}: is a symbolic link; refusing to write through it")
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=folder)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class JsonLinesReport:
    """A JSON-lines report written whole (write_text_atomic) after each record: an interrupted run
    keeps every record written so far, and a reader never sees half a line. Replaces the file it
    is given (refused when that is a symbolic link)."""

    def __init__(self, path):
        self.path = path
        self.lines = []
        write_text_atomic(path, "")

    def write(self, line):
        """Adds `line` (one JSON object and its newline) and rewrites the file."""
        self.lines.append(line)
        write_text_atomic(self.path, "".join(self.lines))
