"""Where attachment bytes live: a small interface, and a local-directory implementation.

Keys are content addresses (`ab/cd/<sha256>`), so writing the same file twice is harmless and
an object store (S3, OSS, MinIO) slots in by implementing the same three methods.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol


class BlobStore(Protocol):
    def put(self, sha256: str, data: bytes) -> str:
        """Store bytes under their hash; return the storage key. Idempotent."""

    def get(self, key: str) -> bytes:
        """The bytes stored under `key` (FileNotFoundError when missing)."""

    def exists(self, key: str) -> bool:
        """Whether `key` holds bytes."""


def content_key(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class LocalDirStore:
    """Files under a root directory (ATTACHMENT_DIR), written atomically (temp file, rename)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def put(self, sha256: str, data: bytes) -> str:
        key = content_key(sha256)
        path = self.root / key
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return key

    def get(self, key: str) -> bytes:
        return (self.root / key).read_bytes()

    def exists(self, key: str) -> bool:
        return (self.root / key).is_file()


def store_from_config(config) -> BlobStore:
    """The configured store (only the local directory for now)."""
    return LocalDirStore(config["ATTACHMENT_DIR"])
