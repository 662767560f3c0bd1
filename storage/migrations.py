"""Schema of the customers store, as forward migrations keyed by `PRAGMA user_version`."""

from __future__ import annotations

MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE customers (
            key TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            inputs TEXT NOT NULL,
            state TEXT NOT NULL,
            name TEXT, brand TEXT, email TEXT, phone TEXT, mobile TEXT,
            stage INTEGER, step_status TEXT, next_action TEXT,
            attention INTEGER, otp_sent_at TEXT, otp_resends INTEGER, done INTEGER,
            search TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE journal (
            id INTEGER PRIMARY KEY,
            customer_key TEXT NOT NULL REFERENCES customers(key),
            action TEXT NOT NULL,
            friendly_name TEXT,
            method TEXT NOT NULL,
            path TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'done', 'failed')),
            http_status INTEGER,
            sid TEXT,
            error_code INTEGER,
            error_message TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT
        )""",
        "CREATE INDEX journal_customer ON journal (customer_key, id)",
        "CREATE INDEX customers_stage ON customers (stage)",
        "CREATE INDEX customers_mobile ON customers (mobile)",
        "CREATE INDEX customers_email ON customers (email)",
    ),
    2: (
        "ALTER TABLE customers ADD COLUMN lease_owner TEXT",
        "ALTER TABLE customers ADD COLUMN lease_until TEXT",
        "ALTER TABLE customers ADD COLUMN spend REAL NOT NULL DEFAULT 0",
        "CREATE INDEX customers_attention ON customers (attention, updated_at DESC, key)",
        "CREATE INDEX customers_name ON customers (name, key)",
        "CREATE INDEX customers_updated ON customers (updated_at, key)",
    ),
}

SCHEMA_VERSION = max(MIGRATIONS)
