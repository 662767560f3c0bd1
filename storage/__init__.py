"""The customers stores (SQLite file or PostgreSQL) and the sandbox's state file.

Only SQLite touches SQLite files. SQLite's locks are POSIX advisory locks, and a process loses all of its locks on
a file the moment it closes *any* descriptor of that file — one Python's `open()`, `read_bytes()`, `os.open()` or a
copy made — whichever connection took them (https://www.sqlite.org/howtocorrupt.html, section 2.2). The next
process to close its last connection then believes itself the last user, checkpoints, and deletes the `-wal` and
`-shm` the first process still writes to: from then on that process's writes are seen by no one and lost when it
quits. So a store or sandbox file is looked at only through an SQLite connection of its own (`storage.sqlite.probe`:
SQLite shares one process's locks between its connections and keeps a closed one's descriptor until they are
released), created only when absent (`O_EXCL`), and never read, copied or opened otherwise by a process that may
hold a connection — tests/test_file_access.py fails on any other file access in code that is not on its list.
"""
