"""Where a2p-wizard keeps its files: one folder with A2P_WIZARD_HOME (or --data-dir), else platformdirs."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from storage.files import private_dir

APP_NAME = "a2p-wizard"


@dataclass(frozen=True)
class Locations:
    """The folders and files of one installation."""

    data_dir: Path
    config_dir: Path
    log_dir: Path

    @classmethod
    def resolve(cls, home: str | Path | None = None) -> Locations:
        """Use `home` (or A2P_WIZARD_HOME) for everything, else the platform's usual folders."""
        home = home or os.environ.get("A2P_WIZARD_HOME")
        if home:
            root = Path(home).expanduser()
            return cls(root, root, root / "logs")
        return cls(
            Path(platformdirs.user_data_dir(APP_NAME)),
            Path(platformdirs.user_config_dir(APP_NAME)),
            Path(platformdirs.user_log_dir(APP_NAME)),
        )

    @property
    def store(self) -> Path:
        return self.data_dir / "a2p-wizard.db"

    @property
    def store_marker(self) -> Path:
        """Written once the store exists: a data folder holding it is not new (an empty store is then refused)."""
        return self.data_dir / "a2p-wizard.store-created"

    @property
    def journal_mark(self) -> Path:
        """The highest journal entry the store has started, kept outside it (see wizard.flow.doubt)."""
        return self.data_dir / "a2p-wizard.journal-mark"

    def journal_mark_of(self, identity: str) -> Path:
        """The watermark of a store elsewhere (a team's database), by its identity: switching stores never checks
        one store's journal against another's mark."""
        return self.data_dir / f"a2p-wizard.journal-mark.{hashlib.sha256(identity.encode()).hexdigest()[:16]}"

    @property
    def sandbox(self) -> Path:
        return self.data_dir / "sandbox.db"

    @property
    def sqlite_files(self) -> tuple[Path, ...]:
        """The folder's SQLite files with their companions: only SQLite may open them (storage's docstring)."""
        return tuple(main.with_name(main.name + tail) for main in (self.store, self.sandbox)
                     for tail in ("", "-wal", "-shm", "-journal"))

    @property
    def new_customer_draft(self) -> Path:
        """What was typed for a customer not created yet (nothing is stored before step 1 is valid), 0600."""
        return self.data_dir / "new-customer.draft.json"

    @property
    def welcomed(self) -> Path:
        """Present once the welcome (load the examples?) was answered in this data folder: it is offered once."""
        return self.data_dir / "welcomed"

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "a2p-wizard.log"

    def ensure(self) -> None:
        """Create the folders, readable by the owner only."""
        for folder in (self.data_dir, self.config_dir, self.log_dir):
            private_dir(folder)
