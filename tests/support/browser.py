"""A real headless Chromium reading the served terminal: where it is, and the page scripts that read xterm's buffer."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("A2P_CHROMIUM", "/usr/bin/chromium"))

TERMINAL_HOOK = """
// textual.js keeps its xterm.js Terminal in a `terminal` field of its session object, out of the page's reach;
// catch that assignment so the test reads the screen cell by cell through xterm's public buffer API (its WebGL
// and canvas renderers draw no text into the DOM).
Object.defineProperty(Object.prototype, "terminal", {configurable: true, set(value) {
  Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
  window.servedTerminal = value;
}});
"""

SCREEN_TEXT = """() => {
  const terminal = window.servedTerminal;
  if (!terminal) return "";
  const lines = [];
  for (let y = 0; y < terminal.rows; y++) lines.push(terminal.buffer.active.getLine(y)?.translateToString(true) ?? "");
  return lines.join("\\n");
}"""
