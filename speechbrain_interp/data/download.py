"""Downloading and unpacking dataset archives.

All network access of :mod:`speechbrain_interp.data` lives here:
:func:`fetch_url` is the only function that opens a URL (tests replace it),
:func:`extract_archive` unpacks a zip/tar archive and moves one of its
top-level folders up, and :func:`download_and_extract` chains the two and
turns network failures into a clear :class:`RuntimeError` that says how to
get the data by hand.

Authors
 * speechbrain-interp developers 2026
"""

import hashlib
import http.client
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

from speechbrain.utils.logger import get_logger

__all__ = [
    "ArchiveError",
    "check_md5",
    "download_and_extract",
    "extract_archive",
    "fetch_url",
    "file_md5",
]

logger = get_logger(__name__)

#: errors that mean "the download did not work" (network down, HTTP error,
#: truncated transfer, timeout, disk problem while writing the archive)
DOWNLOAD_ERRORS = (urllib.error.URLError, http.client.HTTPException, OSError)


class ArchiveError(RuntimeError):
    """A file is not a usable archive (not zip/tar, corrupt, unsafe paths,
    or lacking the expected top-level folder)."""


def fetch_url(url, destination, timeout=60.0, chunk_size=1 << 20):
    """Streams ``url`` into the file ``destination``.

    The data goes to ``destination + ".part"`` first and is renamed when
    complete, so an existing ``destination`` is always a whole download.

    Arguments
    ---------
    url : str
        What to download (``http(s)://`` or ``file://``).
    destination : str
        Output file; its folder is created if needed.
    timeout : float
        Socket timeout in seconds.
    chunk_size : int
        Bytes read at a time.

    Raises
    ------
    urllib.error.URLError, http.client.HTTPException, OSError
        When the transfer fails (the partial file is removed).

    Example
    -------
    >>> import pathlib
    >>> src = pathlib.Path(getfixture("tmpdir")) / "src.txt"
    >>> _ = src.write_text("hello", "utf-8")
    >>> dst = str(src.parent / "copy.txt")
    >>> fetch_url(src.as_uri(), dst)
    >>> open(dst).read()
    'hello'
    """
    folder = os.path.dirname(os.path.abspath(destination))
    os.makedirs(folder, exist_ok=True)
    part = destination + ".part"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0)
            done, next_report = 0, 0.0
            with open(part, "wb") as out:
                for chunk in iter(lambda: response.read(chunk_size), b""):
                    out.write(chunk)
                    done += len(chunk)
                    if total and done / total >= next_report:
                        logger.info(
                            "downloading %s: %d / %d MB",
                            url,
                            done >> 20,
                            total >> 20,
                        )
                        next_report += 0.1
            if total and done != total:
                raise http.client.IncompleteRead(b"", total - done)
        os.replace(part, destination)
    finally:
        if os.path.exists(part):
            os.remove(part)


def _safe_members_zip(archive, folder):
    """Raises if a zip member would be written outside ``folder``."""
    root = os.path.realpath(folder)
    for name in archive.namelist():
        target = os.path.realpath(os.path.join(root, name))
        if target != root and not target.startswith(root + os.sep):
            raise ArchiveError(
                f"unsafe path {name!r} in the archive, refusing to unpack it"
            )


def _move_into(source, destination):
    """Moves the content of folder ``source`` into ``destination``.

    Existing sub-folders are merged; existing files are replaced by the
    unpacked ones. Nothing already in ``destination`` but absent from
    ``source`` is touched.
    """
    os.makedirs(destination, exist_ok=True)
    for name in sorted(os.listdir(source)):
        src = os.path.join(source, name)
        dst = os.path.join(destination, name)
        if os.path.isdir(src) and not os.path.islink(src) and os.path.isdir(dst):
            _move_into(src, dst)
        elif os.path.isdir(dst) and not os.path.islink(dst):
            raise RuntimeError(
                f"cannot replace the folder {dst} by the file {name} of the "
                "archive"
            )
        else:
            if os.path.isdir(src) and os.path.lexists(dst):
                os.remove(dst)
            os.replace(src, dst)


def extract_archive(archive, destination, member=None):
    """Unpacks a zip/tar archive into ``destination``.

    The archive is unpacked into a temporary folder inside ``destination``
    and then moved in place, so ``destination`` never holds half of an
    archive member tree under its final name.

    Arguments
    ---------
    archive : str
        A ``.zip``, ``.tar``, ``.tar.gz``... file.
    destination : str
        Output folder (created if needed).
    member : str, optional
        Top-level folder of the archive whose *content* goes into
        ``destination`` (e.g. ``"ESC-50-master"``); ``None`` moves the whole
        archive content.

    Raises
    ------
    ArchiveError
        When the file is not an archive, is corrupt, has unsafe paths, or
        lacks ``member`` (the message lists what it holds).
    RuntimeError
        When an unpacked file would replace an existing folder.

    Example
    -------
    >>> import os, zipfile
    >>> tmp = str(getfixture("tmpdir"))
    >>> path = os.path.join(tmp, "a.zip")
    >>> with zipfile.ZipFile(path, "w") as z:
    ...     z.writestr("top/meta/x.csv", "a,b\\n")
    >>> extract_archive(path, os.path.join(tmp, "out"), member="top")
    >>> os.listdir(os.path.join(tmp, "out", "meta"))
    ['x.csv']
    """
    archive, destination = str(archive), str(destination)
    os.makedirs(destination, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix=".unpack-", dir=destination)
    try:
        try:
            if zipfile.is_zipfile(archive):
                with zipfile.ZipFile(archive) as handle:
                    _safe_members_zip(handle, scratch)
                    handle.extractall(scratch)
            elif tarfile.is_tarfile(archive):
                with tarfile.open(archive) as handle:
                    handle.extractall(scratch, filter="data")
            else:
                raise ArchiveError(f"{archive} is not a zip or tar archive")
        except (zipfile.BadZipFile, tarfile.TarError, EOFError) as err:
            raise ArchiveError(
                f"{archive}: corrupt or unsafe archive ({err})"
            ) from err
        source = scratch
        if member:
            source = os.path.join(scratch, member)
            if not os.path.isdir(source):
                found = ", ".join(sorted(os.listdir(scratch))) or "nothing"
                raise ArchiveError(
                    f"{archive} has no top-level folder {member!r} "
                    f"(it holds: {found})"
                )
        _move_into(source, destination)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def file_md5(path, chunk_size=1 << 20):
    """MD5 hex digest of a file's content (read in chunks).

    Example
    -------
    >>> path = getfixture("tmpdir") / "a.txt"
    >>> _ = path.write_text("hello", "utf-8")
    >>> file_md5(str(path))
    '5d41402abc4b2a76b9719d911017c592'
    """
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_md5(archive, url, expected, what, manual_hint):
    """Deletes ``archive`` and raises when its MD5 is not ``expected``."""
    actual = file_md5(archive)
    if actual.lower() != expected.strip().lower():
        os.remove(archive)
        message = (
            f"{what}: the archive downloaded from {url} has MD5 {actual}, "
            f"expected {expected} (a corrupt download or another file); it "
            "was deleted, run again to download it again."
        )
        if manual_hint:
            message += " " + manual_hint
        raise ArchiveError(message)
    logger.info("MD5 of %s checked (%s)", archive, actual)


def download_and_extract(
    url,
    destination,
    member=None,
    what="the dataset",
    manual_hint="",
    keep_archive=False,
    timeout=60.0,
    md5=None,
):
    """Downloads an archive, unpacks it and moves ``member`` up.

    A complete archive left by an earlier run in ``destination`` is reused
    instead of being downloaded again. With ``md5``, the archive (new or
    reused) is checked before it is unpacked; one with another digest is
    deleted and an :class:`ArchiveError` names both digests.

    Arguments
    ---------
    url : str
        Archive URL.
    destination : str
        Folder that receives the unpacked content.
    member : str, optional
        Top-level folder of the archive whose content goes into
        ``destination``.
    what : str
        Name of the data, for messages.
    manual_hint : str
        Appended to the error message: how to get the data by hand.
    keep_archive : bool
        Keep the downloaded archive (default: delete it once unpacked).
    timeout : float
        Socket timeout in seconds.
    md5 : str, optional
        Expected MD5 hex digest of the archive; ``None`` skips the check.

    Raises
    ------
    RuntimeError
        ``"could not download <what> from <url> (<reason>)"`` plus
        ``manual_hint`` when the transfer fails, or an unpacking error.
    ArchiveError
        (a ``RuntimeError``) When the archive's MD5 differs from ``md5``
        (the message gives both digests; the archive is deleted), or when
        it cannot be unpacked.

    Example
    -------
    >>> import os, pathlib, zipfile
    >>> tmp = pathlib.Path(getfixture("tmpdir"))
    >>> with zipfile.ZipFile(tmp / "d.zip", "w") as z:
    ...     z.writestr("d-master/meta/m.csv", "x\\n")
    >>> download_and_extract((tmp / "d.zip").as_uri(), str(tmp / "d"), "d-master")
    >>> sorted(os.listdir(tmp / "d"))
    ['meta']
    >>> download_and_extract((tmp / "d.zip").as_uri(), str(tmp / "e"), "d-master",
    ...                      md5="0" * 32)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    speechbrain_interp.data.download.ArchiveError: the dataset: the archive
    downloaded from file:///...d.zip has MD5 ..., expected 000...000 ...
    >>> os.path.exists(tmp / "e")  # no archive, no empty folder left
    False
    """
    destination = str(destination)
    name = os.path.basename(urllib.parse.urlparse(url).path) or "download"
    archive = os.path.join(destination, ".download-" + name)
    created = not os.path.isdir(destination)
    if os.path.isfile(archive):
        logger.info("reusing the archive %s already downloaded", archive)
    else:
        logger.info("downloading %s from %s into %s", what, url, destination)
        os.makedirs(destination, exist_ok=True)
        try:
            fetch_url(url, archive, timeout=timeout)
        except DOWNLOAD_ERRORS as err:
            if created and not os.listdir(destination):
                os.rmdir(destination)  # leave no empty folder behind
            reason = getattr(err, "reason", None) or err
            message = f"could not download {what} from {url} ({reason})."
            if manual_hint:
                message += " " + manual_hint
            raise RuntimeError(message) from err
    if md5:
        try:
            check_md5(archive, url, md5, what, manual_hint)
        except ArchiveError:
            if created and not os.listdir(destination):
                os.rmdir(destination)  # leave no empty folder behind
            raise
    try:
        extract_archive(archive, destination, member=member)
    except ArchiveError:
        # a corrupt or wrong download must not be reused next time
        os.remove(archive)
        raise
    if not keep_archive:
        os.remove(archive)
    logger.info("%s unpacked into %s", what, destination)
