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
    3: (
        # The list screen pages through every sort order with an index, so no sort ever reads every row.
        "CREATE INDEX customers_brand ON customers (brand, key)",
        "CREATE INDEX customers_stage_order ON customers (stage, attention, updated_at DESC, key)",
        "CREATE INDEX customers_status ON customers (step_status, key)",
        "CREATE INDEX customers_next ON customers (next_action, key)",
        # The passcode's send time while the brand's identity is UNVERIFIED, else '~' (after every timestamp).
        """ALTER TABLE customers ADD COLUMN otp_due TEXT GENERATED ALWAYS AS (
            COALESCE(CASE WHEN step_status LIKE '%/UNVERIFIED' THEN otp_sent_at END, '~')) VIRTUAL""",
        "CREATE INDEX customers_otp ON customers (otp_due, attention, key)",
        # Just the customers owing their YES, with what a filter reads: the list puts those running out first.
        "CREATE INDEX customers_due ON customers (otp_due, attention, key, search) WHERE otp_due < '~'",
        # Filters too common for the trigram index scan this instead of rows that carry kilobytes of JSON.
        "CREATE INDEX customers_search ON customers (search)",
        # Substring search over `search`: a trigram index kept in step by triggers. It follows the table's
        # rowid, which only VACUUM renumbers; after one: INSERT INTO customers_fts(customers_fts) VALUES('rebuild').
        "CREATE VIRTUAL TABLE customers_fts USING fts5(search, content='customers', tokenize='trigram', detail='none')",
        "INSERT INTO customers_fts(customers_fts) VALUES ('rebuild')",
        """CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
            INSERT INTO customers_fts (rowid, search) VALUES (new.rowid, new.search);
        END""",
        """CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
            INSERT INTO customers_fts (customers_fts, rowid, search) VALUES ('delete', old.rowid, old.search);
        END""",
        """CREATE TRIGGER customers_fts_update AFTER UPDATE OF search ON customers
        WHEN old.search IS NOT new.search BEGIN
            INSERT INTO customers_fts (customers_fts, rowid, search) VALUES ('delete', old.rowid, old.search);
            INSERT INTO customers_fts (rowid, search) VALUES (new.rowid, new.search);
        END""",
    ),
    4: (
        # Fees per stage for the list's header, read from the index alone (no row of JSON is touched).
        "CREATE INDEX customers_spend ON customers (stage, attention, spend)",
    ),
    5: (
        # Keys the domain derives on every write, so that its lookups never read inside the JSON. Rows of an
        # earlier schema get derived = 0: the domain derives them again when it connects.
        "ALTER TABLE customers ADD COLUMN address_key TEXT",
        "ALTER TABLE customers ADD COLUMN campaign_number TEXT",
        "ALTER TABLE customers ADD COLUMN number_sid TEXT",
        "ALTER TABLE customers ADD COLUMN registered INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE customers ADD COLUMN derived INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX customers_address ON customers (address_key)",
        """CREATE INDEX customers_numbers ON customers (campaign_number, number_sid, key)
            WHERE campaign_number IS NOT NULL OR number_sid IS NOT NULL""",
        "CREATE INDEX customers_derived ON customers (derived)",
    ),
    6: (
        # Offboarded customers are kept but leave the active ones; what Twilio bills monthly per active customer
        # (its campaign, its number: 0/1 each) is summed from this index alone.
        "ALTER TABLE customers ADD COLUMN offboarded INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE customers ADD COLUMN billed_campaign INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE customers ADD COLUMN billed_number INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX customers_active ON customers (offboarded, billed_campaign, billed_number)",
    ),
    7: (
        # The list shows the active customers or the offboarded ones: every index it pages, filters or counts
        # through starts with `offboarded`, so either listing is one range of it (customers_attention and
        # customers_name stay for the store's own reads).
        "ALTER TABLE customers ADD COLUMN name_key TEXT",
        "CREATE INDEX customers_listed ON customers (offboarded, attention, updated_at DESC, key)",
        "CREATE INDEX customers_key ON customers (offboarded, key)",
        "CREATE INDEX customers_name_key ON customers (offboarded, name_key, key)",
        "DROP INDEX customers_brand",
        "CREATE INDEX customers_brand ON customers (offboarded, brand, key)",
        "DROP INDEX customers_stage_order",
        "CREATE INDEX customers_stage_order ON customers (offboarded, stage, attention, updated_at DESC, key)",
        "DROP INDEX customers_status",
        "CREATE INDEX customers_status ON customers (offboarded, step_status, key)",
        "DROP INDEX customers_next",
        "CREATE INDEX customers_next ON customers (offboarded, next_action, key)",
        "DROP INDEX customers_otp",
        "CREATE INDEX customers_otp ON customers (offboarded, otp_due, attention, key)",
        "DROP INDEX customers_updated",
        "CREATE INDEX customers_updated ON customers (offboarded, updated_at, key)",
        "DROP INDEX customers_due",
        "CREATE INDEX customers_due ON customers (offboarded, otp_due, attention, key, search) WHERE otp_due < '~'",
        "DROP INDEX customers_search",
        "CREATE INDEX customers_search ON customers (offboarded, search)",
        # Fees paid, and what active customers are billed monthly, per stage: from the index alone.
        "DROP INDEX customers_spend",
        """CREATE INDEX customers_spend ON customers (
            offboarded, stage, attention, spend, billed_campaign, billed_number)""",
        # The trigram index's terms with how many rows hold each: which rows hold one or two characters.
        "CREATE VIRTUAL TABLE customers_fts_vocab USING fts5vocab(customers_fts, 'row')",
    ),
    8: (
        # The name order's filter never reads a customer's row (kilobytes of JSON, `name_key` past them): a walk
        # along the name index checks the search text the index holds, and the rows the trigram index finds are
        # sorted by their keys in customers_names, kept in step by triggers. It follows the table's rowid, as
        # customers_fts does; after a VACUUM: DELETE FROM customers_names, then the INSERT below again.
        "DROP INDEX customers_name_key",
        "CREATE INDEX customers_name_key ON customers (offboarded, name_key, key, search)",
        """CREATE TABLE customers_names (
            id INTEGER PRIMARY KEY, offboarded INTEGER NOT NULL, name_key TEXT, key TEXT NOT NULL)""",
        "INSERT INTO customers_names SELECT rowid, offboarded, name_key, key FROM customers",
        """CREATE TRIGGER customers_names_insert AFTER INSERT ON customers BEGIN
            INSERT INTO customers_names VALUES (new.rowid, new.offboarded, new.name_key, new.key);
        END""",
        """CREATE TRIGGER customers_names_delete AFTER DELETE ON customers BEGIN
            DELETE FROM customers_names WHERE id = old.rowid;
        END""",
        """CREATE TRIGGER customers_names_update AFTER UPDATE OF offboarded, name_key, key ON customers
        WHEN old.offboarded IS NOT new.offboarded OR old.name_key IS NOT new.name_key OR old.key IS NOT new.key BEGIN
            UPDATE customers_names SET offboarded = new.offboarded, name_key = new.name_key, key = new.key
            WHERE id = new.rowid;
        END""",
    ),
    9: (
        # The customer's phone number (E.164) for the list, and the numbers active customers hold.
        "ALTER TABLE customers ADD COLUMN number TEXT",
        "CREATE INDEX customers_held ON customers (offboarded, key, campaign_number, number_sid, number)",
    ),
}

SCHEMA_VERSION = max(MIGRATIONS)
