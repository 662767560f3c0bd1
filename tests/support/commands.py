"""`a2p-wizard` run by the tests: in this process (`in_process`), or as processes of their own (one command runner
for the reliability, crash and many-process tests).

- `cli`: the installed console script, once, in a subprocess (its data in a folder; the sandbox at speed 1).
- `Forker`: run after run, each a real child process (own pid, own store connections, really SIGKILLed by the
  A2P_CRASH_AT hook) forked from a helper process that imported the app once and holds no connection, so a run
  costs ~0.1 s instead of the ~1.3 s of importing pydantic, httpx and phonenumbers. Children run
  `wizard.cli.main(argv)`, exactly what the console script runs. One run (`run`) or a batch, `parallel` at a time
  (`run_all`); `run_forked` is a batch on a Forker of its own.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from tests.support import ROOT

HOOK = "A2P_CRASH_AT"
"""The crash hook's variable: never inherited from the tests' own environment."""


def in_process(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """`a2p-wizard ARGV…` in this process (`wizard.cli.main`): exit code, stdout, stderr (pytest's `capsys`)."""
    from wizard.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def a2p_wizard() -> str:
    """The installed console script of this environment."""
    script = Path(sys.executable).with_name("a2p-wizard")
    return str(script) if script.exists() else shutil.which("a2p-wizard") or "a2p-wizard"


def app_env(home: Path, **extra: str) -> dict[str, str]:
    """The tests' environment (A2P_STORE_URL and the like apply) for the app on the data folder `home`."""
    env = {k: v for k, v in os.environ.items() if k != HOOK}
    return {**env, "A2P_WIZARD_HOME": str(home), "A2P_SANDBOX_SPEED": "1", **extra}


def cli(home: Path, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the real `a2p-wizard` console script with its data in `home` (no terminal on its stdin)."""
    return subprocess.run([a2p_wizard(), *args], env=app_env(home, **env), capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, stdin=subprocess.DEVNULL)


class Forker:
    """A helper process forking `a2p-wizard` runs: each case {"args", "env" (added to the helper's environment,
    which is the tests' without A2P_CRASH_AT), "out" (optional: stdout and stderr kept in `out`.out / .err)}
    gives {"pid", "signal", "code", "out", "err"} (the output's text)."""

    def __init__(self) -> None:
        self._helper = subprocess.Popen([sys.executable, "-m", "tests.support.commands"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, cwd=ROOT,
                                        env={k: v for k, v in os.environ.items() if k != HOOK})

    def run(self, *argv: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """`a2p-wizard ARGV…` in a child; a signal's death is a negative return code."""
        [done] = self.run_all([{"args": list(argv)}], parallel=1, timeout=timeout)
        code = done["code"] if done["code"] is not None else -done["signal"]
        return subprocess.CompletedProcess(list(argv), code, done["out"], done["err"])

    def run_all(self, cases: list[dict[str, Any]], *, parallel: int, timeout: float = 300) -> list[dict[str, Any]]:
        """Every case, at most `parallel` at once; the results in the cases' order."""
        assert self._helper.stdin is not None and self._helper.stdout is not None
        self._helper.stdin.write(json.dumps({"parallel": parallel, "cases": cases}) + "\n")
        self._helper.stdin.flush()
        if not select.select([self._helper.stdout], [], [], timeout)[0]:
            self._helper.kill()
            raise TimeoutError(f"{len(cases)} forked run(s) took more than {timeout} s")
        line = self._helper.stdout.readline()
        assert line, f"the forking helper ended (exit status {self._helper.wait()})"
        return json.loads(line)

    def close(self) -> None:
        if self._helper.stdin is not None:
            self._helper.stdin.close()
        self._helper.wait(timeout=60)

    def __enter__(self) -> Forker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_forked(cases: list[dict[str, Any]], *, parallel: int | None = None, timeout: float = 300) -> list[dict]:
    """Each case {"home", "args", "env", "out"} in a forked child, its data in `home` (the sandbox at speed 1),
    its stdout and stderr in `out`.out / .err; {"pid", "signal", "code", …} each."""
    with Forker() as forker:
        return forker.run_all([{"args": case["args"], "out": case["out"],
                                "env": {"A2P_WIZARD_HOME": case["home"], "A2P_SANDBOX_SPEED": "1",
                                        **case.get("env", {})}} for case in cases],
                              parallel=parallel or max(2, os.cpu_count() or 2), timeout=timeout)


def _serve() -> None:
    """The Forker's helper: one JSON batch a line in, its results as one JSON line out."""
    import wizard.cli
    import wizard.cli.commands  # noqa: F401  (the whole app, imported once before forking)

    for line in sys.stdin:
        batch = json.loads(line)
        with tempfile.TemporaryDirectory() as scratch:
            outs = [case.get("out") or f"{scratch}/{i}" for i, case in enumerate(batch["cases"])]
            results: list[dict[str, Any]] = [{} for _ in outs]
            waiting, running = list(enumerate(batch["cases"])), {}
            while waiting or running:
                while waiting and len(running) < batch["parallel"]:
                    index, case = waiting.pop(0)
                    sys.stdout.flush()
                    pid = os.fork()
                    if pid == 0:
                        _child(wizard.cli.main, case["args"], case.get("env", {}), outs[index])
                    running[pid] = index
                pid, status = os.wait()
                results[running.pop(pid)] = {
                    "pid": pid,
                    "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                    "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                }
            for result, out in zip(results, outs, strict=True):
                for suffix in ("out", "err"):
                    result[suffix] = Path(f"{out}.{suffix}").read_text(errors="replace")
        print(json.dumps(results), flush=True)


def _child(main: Any, argv: list[str], env: dict[str, str], out: str) -> None:
    code = 70
    try:
        os.environ.pop(HOOK, None)
        os.environ.update(env)
        nothing = os.open(os.devnull, os.O_RDONLY)  # not the helper's pipe: a question asked reads end of file
        os.dup2(nothing, 0)
        os.close(nothing)
        for fd, suffix in ((1, ".out"), (2, ".err")):
            target = os.open(out + suffix, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    _serve()
