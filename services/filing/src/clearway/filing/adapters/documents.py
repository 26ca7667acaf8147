"""The document store: content-addressed, so a document's name is its SHA-256 and storing
the same bytes twice is one document.

`DocumentStore` is the interface the service uses. `FolderDocumentStore` (the default)
keeps `<root>/<sha[:2]>/<sha>.<ext>`. An S3-compatible store implements the same methods
with keys `<sha[:2]>/<sha>.<ext>`: `put` is a PutObject, `put_file` a multipart upload of
the local file followed by its deletion, `open` a GetObject body, `exists` a HeadObject,
and `scratch` a local temporary file (large documents are written there first, streamed,
then stored in one step).
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 1 << 16
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_EXT = re.compile(r"^[a-z0-9]{1,8}$")


class DocumentMissing(FileNotFoundError):
    pass


class DocumentStore(Protocol):
    def put(self, data: bytes, ext: str) -> str:
        """Store bytes; returns their SHA-256 (hex)."""
        ...

    def put_file(self, path: Path, ext: str) -> str:
        """Store a finished local file (consuming it); returns its SHA-256."""
        ...

    def open(self, sha256: str, ext: str) -> BinaryIO:
        """Read a stored document; DocumentMissing when there is none."""
        ...

    def exists(self, sha256: str, ext: str) -> bool: ...

    def scratch(self) -> Path:
        """A new empty local file to write a large document into before `put_file`."""
        ...


def key(sha256: str, ext: str) -> str:
    """The store-relative name of a document: `<sha[:2]>/<sha>.<ext>`."""
    if not _SHA256.match(sha256):
        raise ValueError("not a SHA-256 hex digest")
    if not _EXT.match(ext):
        raise ValueError(f"bad document extension {ext!r}")
    return f"{sha256[:2]}/{sha256}.{ext}"


def chunks(store: DocumentStore, sha256: str, ext: str) -> Iterator[bytes]:
    """A stored document in chunks (for a streaming HTTP response); closes the file."""
    with store.open(sha256, ext) as f:
        while chunk := f.read(CHUNK):
            yield chunk


class FolderDocumentStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str, ext: str) -> Path:
        return self.root / key(sha256, ext)

    def put(self, data: bytes, ext: str) -> str:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha, ext)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return sha

    def put_file(self, path: Path, ext: str) -> str:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        sha = digest.hexdigest()
        target = self.path(sha, ext)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)  # same filesystem (see `scratch`): atomic
        return sha

    def open(self, sha256: str, ext: str) -> BinaryIO:
        try:
            return self.path(sha256, ext).open("rb")
        except FileNotFoundError:
            raise DocumentMissing(key(sha256, ext)) from None

    def exists(self, sha256: str, ext: str) -> bool:
        return self.path(sha256, ext).exists()

    def scratch(self) -> Path:
        """A temporary file inside the store's root, so the final move is atomic."""
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
        os.close(fd)
        return Path(tmp)
