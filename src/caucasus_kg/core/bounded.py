"""Reading input files within bounds, and telling a failing disk from a bad file.

Every reader of user input (fact files, RDF files, dataset files) opens its file here. A path
naming a pipe, a device such as ``/dev/zero`` or a folder is refused at once: the file is opened
without blocking (a pipe with no writer would otherwise hang the open) and checked before a byte
is read, and a regular file is read up to its limit and no further, even if it grows meanwhile.

:func:`disk_error` recognises a full, read-only or forbidden file system behind an OSError, so
that a write that fails is never reported as a problem of the file being read.
"""

from __future__ import annotations

import errno
import os
import stat

TYPE_CHECKING = False  # not typing's: the command line loads this module for --help too
if TYPE_CHECKING:
    from typing import BinaryIO


class FileRefused(Exception):
    """A file the program will not read; the message says why."""


class NotRegularFile(FileRefused):
    def __init__(self) -> None:
        super().__init__("not a regular file (a device, a pipe or a folder)")


class TooLarge(FileRefused):
    def __init__(self, size: int, limit: int, what: str):
        self.size = size
        self.limit = limit
        super().__init__(f"the file is {size / 1e6:.1f} MB; {what} are limited to "
                         f"{mb(limit)}")


def mb(limit: int) -> str:
    """A limit in bytes as people write it (256 MB, 2 GB)."""
    if limit >= 1024 ** 3 and limit % 1024 ** 3 == 0:
        return f"{limit // 1024 ** 3} GB"
    return f"{limit // 1024 ** 2} MB"


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """``path`` opened for reading in binary, if it is a regular file (symbolic links are
    followed); anything else raises :class:`NotRegularFile` without waiting for it. OSError
    as usual for a missing or unreadable file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile()
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: str | os.PathLike[str], limit: int, what: str) -> bytes:
    """The bytes of the regular file ``path``, refused with :class:`TooLarge` (naming ``what``,
    such as "fact files") when it is larger than ``limit`` bytes."""
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise TooLarge(size, limit, what)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(len(data), limit, what)
    return data


DISK_ERRORS = {
    errno.ENOSPC: "no space is left on the device",
    errno.EDQUOT: "the disk quota is exhausted",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "the operation is not permitted",
}
"""The errors of a file system that cannot take a write, and how messages say them."""


def disk_error(exc: BaseException) -> int | None:
    """The errno of a full, read-only or forbidden file system behind ``exc``, if it is one:
    from the exception, or from its text (the store engine and ``shutil.copytree`` report such
    errors without an errno of their own)."""
    if not isinstance(exc, OSError):
        return None
    if exc.errno in DISK_ERRORS:
        return exc.errno
    text = str(exc)
    return next((code for code in DISK_ERRORS if os.strerror(code) in text), None)
