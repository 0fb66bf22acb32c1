"""Which server process owns a job, and whether that process is still alive.

With several replicas on one database, a replica that starts must not fail the jobs that
another replica is running. So each process takes a lease: an exclusive lock on a file of its
own, held for as long as it lives. The operating system releases the lock when the process
ends, however it ends (even SIGKILL), so a process that can take another's lock knows that
the other one is gone, and that its queued and running jobs will never finish.
"""

import os
import tempfile
import uuid
from pathlib import Path
from typing import IO

from sqlalchemy import make_url

if os.name == "nt":
    import msvcrt

    def try_lock(file: IO[str]) -> None:
        msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def try_lock(file: IO[str]) -> None:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)


class Lease:
    def __init__(self, folder: Path, temporary: bool = False) -> None:
        self.folder = folder
        self.temporary = temporary
        self.owner = uuid.uuid4().hex
        folder.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] | None = (folder / f"{self.owner}.lock").open("w")
        try_lock(self._file)

    @classmethod
    def beside(cls, database_url: str) -> "Lease":
        """Leases live next to an SQLite file (`generations.db.owners/`), else in a fresh
        folder of their own: a database in memory has one process anyway."""
        url = make_url(database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return cls(Path(f"{url.database}.owners"))
        return cls(Path(tempfile.mkdtemp(prefix="leases-")), temporary=True)

    def is_alive(self, owner: str | None) -> bool:
        """True while the process `owner` holds its lease (this process always does)."""
        if owner == self.owner:
            return self._file is not None
        if owner is None or not owner.isalnum():
            return False
        path = self.folder / f"{owner}.lock"
        try:
            file = path.open("a")
        except OSError:
            return False
        with file:
            try:
                try_lock(file)
            except OSError:
                return True
        path.unlink(missing_ok=True)
        return False

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            (self.folder / f"{self.owner}.lock").unlink(missing_ok=True)
            if self.temporary:
                self.folder.rmdir()
