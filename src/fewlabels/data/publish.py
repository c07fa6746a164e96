"""All outputs of one run, or none: a run's files are published together, atomically.

A run writes its files (model, predictions, report) into a staging folder beside the
output folder, then a ``run.json`` manifest naming each file with its SHA-256, and only
then publishes the whole set in one step: on Linux the staging folder and the output
folder are swapped with ``renameat2(RENAME_EXCHANGE)``; elsewhere the old folder is moved
aside, the new one renamed in, and the old one deleted (a run killed between those two
renames is recovered by the next run into that folder). A process killed at any moment
leaves the previous complete set or the new complete set in the output folder, never a
mixture. A lock file makes a second run into the same folder refuse at once, and the
folder is checked for writability before any work starts.

The output folder must be new, empty, or hold only a previous run's files: publishing
replaces the folder, so it refuses to touch one that holds anything else.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..exceptions import InputError

__all__ = ["MANIFEST", "Run", "read_manifest", "verify_manifest"]

logger = logging.getLogger(__name__)

#: The manifest a published run folder holds, written last.
MANIFEST = "run.json"
_STAGING = ".fewlabels-staging-"
_OLD = ".fewlabels-old-"
_LOCK = ".fewlabels-lock"
#: Test hook: when $FEWLABELS_PAUSE_AT names a step, the run writes ``<out>.paused`` and
#: waits there (so a test can kill it at that exact moment, without timing).
_PAUSE_ENV = "FEWLABELS_PAUSE_AT"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner(name: str) -> int | None:
    """The pid a staging/old/lock name was made by (``…-<pid>-<hex>``)."""
    parts = name.rsplit("-", 2)
    try:
        return int(parts[-2])
    except (IndexError, ValueError):
        return None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where it is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def read_manifest(folder: str | os.PathLike[str]) -> dict | None:
    """The manifest of a published run folder, or None if it has none."""
    path = Path(folder) / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def verify_manifest(path: str | os.PathLike[str]) -> None:
    """Check that the file ``path`` is the one its folder's manifest names (when the folder
    has a manifest); an ``InputError`` says which run it belongs to otherwise."""
    p = Path(path)
    manifest = read_manifest(p.parent)
    if manifest is None:
        return
    entry = manifest.get("files", {}).get(p.name)
    if entry is None:
        return
    if _sha256(p) != entry["sha256"]:
        raise InputError(
            f"{p} does not match the run recorded in {p.parent / MANIFEST}; the folder mixes "
            "runs: re-run 'fewlabels fit' into it"
        )


class Run:
    """One run's output folder, from the checks before any work to the publication.

    Use :meth:`open` as a context manager: it checks and locks the folder, yields the
    run (whose :meth:`path` gives where to write each file), and on a clean exit
    publishes every written file at once; on an error it discards them and keeps the
    previous run's files.
    """

    def __init__(self, out: Path, staging: Path, lock: Path) -> None:
        self.out = out
        self.staging = staging
        self.lock = lock
        self.id = staging.name.rsplit("-", 1)[-1]

    # ------------------------------------------------------------------ setup
    @classmethod
    @contextmanager
    def open(cls, out: str | os.PathLike[str], expected: set[str]) -> Iterator[Run]:
        """Check, lock and stage ``out`` (which may hold only the names in ``expected``
        and a previous run's manifest); publish on a clean exit."""
        out = Path(out).absolute()
        parent = out.parent
        if out.exists() and not out.is_dir():
            raise InputError(f"--out {out} is a file; give a folder")
        if not parent.is_dir():
            raise InputError(f"--out {out}: the folder {parent} does not exist; create it first")
        lock = cls._acquire(out)
        try:
            cls._recover(out)
            if out.is_dir():
                foreign = sorted(
                    p.name for p in out.iterdir() if p.name not in expected | {MANIFEST}
                )
                foreign = [f for f in foreign if not f.endswith(".part")]
                if foreign:
                    shown = ", ".join(foreign[:5])
                    raise InputError(
                        f"--out {out} holds other files ({shown}); fewlabels replaces the whole "
                        "folder with each run, so give a new or empty folder"
                    )
            staging = parent / f".{out.name}{_STAGING}{os.getpid()}-{uuid.uuid4().hex[:8]}"
            try:
                staging.mkdir()
            except OSError as exc:
                raise InputError(
                    f"--out {out} cannot be written ({exc.strerror}); choose a folder you can "
                    "write to"
                ) from None
            run = cls(out, staging, lock)
            try:
                yield run
                run._publish()
            finally:
                if staging.exists():
                    shutil.rmtree(staging, ignore_errors=True)
        finally:
            lock.unlink(missing_ok=True)

    @staticmethod
    def _acquire(out: Path) -> Path:
        lock = out.parent / f".{out.name}{_LOCK}"
        for _ in range(2):
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                try:
                    pid = int(lock.read_text().strip() or 0)
                except (OSError, ValueError):
                    pid = 0
                if pid and _pid_alive(pid):
                    raise InputError(
                        f"another fewlabels run (pid {pid}) is writing to {out}; wait for it "
                        "to finish or choose another --out"
                    ) from None
                lock.unlink(missing_ok=True)  # left by a killed run
                continue
            except OSError as exc:
                raise InputError(
                    f"--out {out} cannot be written ({exc.strerror}); choose a folder you can "
                    "write to"
                ) from None
            with os.fdopen(fd, "w") as fh:
                fh.write(str(os.getpid()))
            return lock
        raise InputError(f"cannot lock {out}; remove {lock} if no fewlabels run is using it")

    @staticmethod
    def _recover(out: Path) -> None:
        """Undo what killed runs left: a previous set moved aside, staging folders, parts."""
        for p in out.parent.glob(f".{out.name}{_OLD}*"):
            if not out.exists():
                os.rename(p, out)  # a run was killed between its two renames
                logger.info("restored the previous run's outputs in %s", out)
            else:
                shutil.rmtree(p, ignore_errors=True)
        for p in out.parent.glob(f".{out.name}{_STAGING}*"):
            pid = _owner(p.name)
            if pid is None or not _pid_alive(pid):
                shutil.rmtree(p, ignore_errors=True)
        if out.is_dir():
            for p in out.glob(".*.part"):
                p.unlink(missing_ok=True)

    # ------------------------------------------------------------------ writing
    def path(self, name: str) -> Path:
        """Where to write the output file ``name`` of this run."""
        return self.staging / name

    def checkpoint(self, step: str) -> None:
        """The test hook between steps (see ``$FEWLABELS_PAUSE_AT``)."""
        if os.environ.get(_PAUSE_ENV) == step:
            Path(f"{self.out}.paused").write_text(step)
            while True:  # a test kills the process here
                time.sleep(0.05)

    def _publish(self) -> None:
        # every file, those of an output folder too (a Parquet folder of predictions),
        # named by its path in the run folder
        files = sorted(p for p in self.staging.rglob("*") if p.is_file())
        manifest = {
            "run": self.id,
            "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "files": {
                p.relative_to(self.staging).as_posix(): {
                    "sha256": _sha256(p),
                    "bytes": p.stat().st_size,
                }
                for p in files
            },
        }
        (self.staging / MANIFEST).write_text(json.dumps(manifest, indent=1))
        for p in [*files, self.staging / MANIFEST]:  # on disk before the switch
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())
        self.checkpoint("before-publish")
        if not self.out.exists():
            os.rename(self.staging, self.out)
        elif _exchange(self.staging, self.out):
            self.checkpoint("after-exchange")
            shutil.rmtree(self.staging, ignore_errors=True)  # now the previous run's set
        else:
            old = self.out.parent / f".{self.out.name}{_OLD}{os.getpid()}-{self.id}"
            os.rename(self.out, old)
            self.checkpoint("between-renames")
            os.rename(self.staging, self.out)
            shutil.rmtree(old, ignore_errors=True)
        logger.info("published run %s in %s", self.id, self.out)
