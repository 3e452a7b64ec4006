"""Local MESH: mesh-sandbox on loopback, started and stopped by the workbench.

:class:`LocalMesh` runs ``uvicorn mesh_sandbox.api:app`` in a subprocess on 127.0.0.1 and a free
port (or the one asked for), with its shared key, full authentication and an in-memory store
(or a folder, which keeps messages across restarts). :meth:`LocalMesh.start` waits until
``/health`` answers 200; :meth:`LocalMesh.stop` ends the process (SIGTERM, then SIGKILL), and
the process is also stopped when Python exits. :attr:`LocalMesh.mailboxes` lists the sandbox's
mailboxes (all with the password ``password``) and :meth:`LocalMesh.connection` gives a
:class:`~workbench.core.transport.mesh.MeshConnection` for one of them.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from workbench.core.transport.base import TransportError
from workbench.core.transport.mesh import MeshConnection, Secret

DEFAULT_SHARED_KEY = "TestKey"
HOST = "127.0.0.1"


class SandboxError(TransportError):
    """The local MESH could not be started (not installed, port taken, did not come up)."""


@dataclass(frozen=True, slots=True)
class SandboxMailbox:
    """A mailbox the sandbox knows.

    Attributes:
        mailbox: its id (``X26ABC1``).
        name: its name (``TESTMB1``).
        ods_code: the organisation's ODS code.
        password: its password.
    """

    mailbox: str
    name: str
    ods_code: str
    password: str


def sandbox_mailboxes() -> tuple[SandboxMailbox, ...]:
    """The mailboxes mesh-sandbox ships (from its package data)."""
    try:
        text = resources.files("mesh_sandbox").joinpath("store/data/mailboxes.jsonl").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise SandboxError("mesh-sandbox is not installed (pip install mesh-sandbox)") from exc
    found = []
    for line in text.splitlines():
        if line.strip():
            row = json.loads(line)
            found.append(
                SandboxMailbox(row["mailbox_id"], row.get("mailbox_name", ""), row.get("ods_code", ""), row["password"])
            )
    return tuple(found)


def free_port(host: str = HOST) -> int:
    """A TCP port nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class LocalMesh:
    """mesh-sandbox running in a subprocess on loopback.

    Args:
        port: the port (None: a free one).
        shared_key: the HMAC shared key both sides use.
        data_dir: keep messages in this folder (they survive a restart); None: in memory.
    """

    def __init__(
        self, port: int | None = None, shared_key: str = DEFAULT_SHARED_KEY, data_dir: str | Path | None = None
    ):
        if port is not None and not 0 < port < 65536:
            raise SandboxError(f"{port} is not a usable port")
        if not shared_key:
            raise SandboxError("the shared key cannot be empty")
        self.port = port or 0
        self.shared_key = Secret(shared_key)
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: Path | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        """True while the sandbox process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The sandbox process id, while it runs."""
        return self._process.pid if self.running and self._process is not None else None

    @property
    def mailboxes(self) -> tuple[SandboxMailbox, ...]:
        """The sandbox's mailboxes."""
        return sandbox_mailboxes()

    def connection(self, mailbox: str) -> MeshConnection:
        """Connection settings for one of the sandbox's mailboxes."""
        for box in self.mailboxes:
            if box.mailbox == mailbox:
                return MeshConnection(self.url, mailbox, Secret(box.password), self.shared_key)
        known = ", ".join(b.mailbox for b in self.mailboxes)
        raise SandboxError(f"the local MESH has no mailbox {mailbox} (it has {known})")

    def __enter__(self) -> LocalMesh:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 30.0) -> LocalMesh:
        """Start the sandbox and wait until /health answers 200 (or raise SandboxError)."""
        if self.running:
            return self
        sandbox_mailboxes()  # fails clearly when mesh-sandbox is not installed
        fixed = self.port != 0
        for _attempt in range(1 if fixed else 3):
            if not fixed:
                self.port = free_port()
            self._spawn()
            if self._wait_healthy(timeout):
                atexit.register(self.stop)
                return self
            self.stop()
        raise SandboxError(f"the local MESH did not start on {self.url}: {self._log_tail()}")

    def _spawn(self) -> None:
        env = {
            **os.environ,
            "SHARED_KEY": self.shared_key.reveal(),
            "AUTH_MODE": "full",
            "STORE_MODE": "file" if self.data_dir is not None else "memory",
            "ENV": "local",
        }
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            env["MAILBOXES_DATA_DIR"] = str(self.data_dir)
            env["FILE_STORE_DIR"] = str(self.data_dir)
        handle, name = tempfile.mkstemp(prefix="itk-workbench-mesh-", suffix=".log")
        self._log = Path(name)
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "mesh_sandbox.api:app",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            "1",
            "--log-level",
            "warning",
        ]
        with os.fdopen(handle, "wb") as log:
            self._process = subprocess.Popen(  # the command is fixed; only the port varies
                command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )

    def _wait_healthy(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                with opener.open(f"{self.url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        return False

    def healthy(self) -> bool:
        """True when /health answers 200 now."""
        return self.running and self._wait_healthy(2.0)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the sandbox (SIGTERM, then SIGKILL after ``timeout``); nothing if not running."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        atexit.unregister(self.stop)
        if self._log is not None and process is not None and process.returncode in (0, -signal.SIGTERM):
            self._log.unlink(missing_ok=True)

    def _log_tail(self) -> str:
        if self._log is None or not self._log.exists():
            return "no output"
        lines = self._log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        return " | ".join(lines[-3:]) if lines else "no output"
