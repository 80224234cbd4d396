"""Executors: where jobs run. A job reaches an executor only through the store's queue.

- :mod:`.worker`: the worker loop (claim, run, report), as a process of its own;
- :mod:`.local`: the local executor, a pool of warm worker processes on this machine;
- :mod:`.threaded`: the same workers as threads, for tests and benchmarks;
- :mod:`.job`, :mod:`.steps`, :mod:`.session`, :mod:`.context`: running one job;
- :mod:`.logstream`, :mod:`.masking`, :mod:`.logwriter`, :mod:`.vso`, :mod:`.commands`:
  from process output to stored, masked log lines and logging commands.
"""
