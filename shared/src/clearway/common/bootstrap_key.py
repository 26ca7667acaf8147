"""The first admin API key, kept in a file instead of shipped as a default (docker compose).

`python -m clearway.common.bootstrap_key init <file> [--owner UID:GID]` runs once before
the services: it writes a new random key `cw_<id>_<secret>` to the file (mode 0600), or
`CLEARWAY_BOOTSTRAP_API_KEY` when the operator set one, and keeps the file on later runs.
Each service reads it at start through `CLEARWAY_BOOTSTRAP_API_KEY_FILE` (settings.py)
and registers it like `CLEARWAY_BOOTSTRAP_API_KEY`. The secret is never printed or logged;
only the key's id (the public part, which `keys list` and `keys revoke` use) is.
"""
from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

KEY_ENV = "CLEARWAY_BOOTSTRAP_API_KEY"
FILE_ENV = "CLEARWAY_BOOTSTRAP_API_KEY_FILE"
MIN_SECRET_CHARS = 32  # an operator's own key: no short, guessable secret


def new_key() -> str:
    """A random admin key: 48-bit id, 256-bit secret (as `KeyStore.create` makes them)."""
    return f"cw_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"


def key_id(key: str) -> str | None:
    """The id of a well-formed key `cw_<id>_<secret>`, else None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "cw" or not parts[1].isalnum() or not parts[2]:
        return None
    return parts[1]


def read_key(path: Path) -> str:
    """The key in `path`; a clear error when it is missing, unreadable or malformed."""
    try:
        key = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"{FILE_ENV}: cannot read {path}: {exc.strerror or exc}") from None
    if key_id(key) is None:
        raise ValueError(f"{FILE_ENV}: {path} does not hold a key cw_<id>_<secret>")
    return key


def init(path: Path, given: str | None = None,
         owner: tuple[int, int] | None = None) -> tuple[str, str]:
    """Write the key file once: `given` (the operator's key) or a new random one. A file
    already there is kept, unless `given` differs from it (then `given` replaces it).
    Returns (what happened: created | kept | replaced, the id of the key now in the file)."""
    if given is not None and (key_id(given) is None
                              or len(given.split("_", 2)[2]) < MIN_SECRET_CHARS):
        raise ValueError(f"{KEY_ENV} must look like cw_<id>_<secret>, with a random secret "
                         f"of {MIN_SECRET_CHARS} characters or more (python -c 'import "
                         "secrets; print(secrets.token_urlsafe(32))')")
    existing = read_key(path) if path.exists() else None
    if existing is not None and (given is None or given == existing):
        _restrict(path, owner)
        return "kept", str(key_id(existing))
    key = given or new_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (key + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    _restrict(partial, owner)
    os.replace(partial, path)
    return ("created" if existing is None else "replaced"), str(key_id(key))


def _restrict(path: Path, owner: tuple[int, int] | None) -> None:
    if owner is not None:
        os.chown(path, *owner)
    os.chmod(path, 0o600)


def _owner(text: str) -> tuple[int, int]:
    uid, _, gid = text.partition(":")
    return int(uid), int(gid or uid)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m clearway.common.bootstrap_key",
        description="Write the first admin API key to a file, once (never printed).")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("init", help="create the key file unless it is there")
    start.add_argument("file", type=Path)
    start.add_argument("--owner", type=_owner, default=None,
                       help="UID:GID that gets the file (the services' user)")
    args = parser.parse_args(argv)
    given = os.environ.get(KEY_ENV) or None
    try:
        outcome, kid = init(args.file, given, args.owner)
    except (ValueError, OSError) as exc:
        print(f"bootstrap key: {exc}", file=sys.stderr)
        return 1
    source = "the one in " + KEY_ENV if given else "a new random key"
    said = {
        "created": f"wrote {source} (id {kid}) to {args.file}",
        "kept": f"kept the key (id {kid}) in {args.file}",
        "replaced": f"replaced the key in {args.file} by {source} (id {kid}); the previous "
                    "key stays valid in each service's store until revoked "
                    "(clearway-<service> keys list, keys revoke <id>)",
    }
    print(f"bootstrap key: {said[outcome]}; read it with: cat {args.file} (as its owner)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
