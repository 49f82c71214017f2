"""Stand-alone checks against a running ringkas (loopback only): ``python -m tests.tools.fuzz``
(generated hostile and valid requests) and ``python -m tests.tools.load`` (concurrent clients
beyond capacity, recovery, server RSS). Both stop by themselves: bounded in count and time."""
