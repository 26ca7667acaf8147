"""The document store: content-addressed, so a document's name is its SHA-256. The
folder implementation is the default; an S3-compatible store implements the same
four methods (keys `<sha[:2]>/<sha>.<ext>`)."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol


class DocumentStore(Protocol):
    def put(self, data: bytes, ext: str) -> str: ...
    def put_file(self, path: Path, ext: str) -> str: ...
    def open(self, sha256: str, ext: str) -> BinaryIO: ...
    def exists(self, sha256: str, ext: str) -> bool: ...


class FolderDocumentStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str, ext: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / f"{sha256}.{ext}"

    def put(self, data: bytes, ext: str) -> str:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha, ext)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        return sha

    def put_file(self, path: Path, ext: str) -> str:
        """Move a finished file (a bulk motion written in streaming) into the store."""
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        sha = digest.hexdigest()
        target = self.path(sha, ext)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        return sha

    def open(self, sha256: str, ext: str) -> BinaryIO:
        return self.path(sha256, ext).open("rb")

    def exists(self, sha256: str, ext: str) -> bool:
        return self.path(sha256, ext).exists()

    def scratch(self) -> Path:
        """A temporary file inside the store's filesystem (so the final move is atomic)."""
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
        os.close(fd)
        return Path(tmp)
