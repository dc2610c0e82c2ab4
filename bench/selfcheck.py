"""Check the harness's own parsers on known input before any figure depends on them.

Run alone with `python -m bench.selfcheck`; `python -m bench` runs it first.
"""

from __future__ import annotations

from bench.loadgen.fleet import Scanner, one_chunk
from bench.loadgen.sse import ChunkedDecoder
from bench.nginx import fill
from bench.stats import percentile
from bench.wrk import parse_output

WRK_SAMPLE = """\
Running 4s test @ http://127.0.0.1:8080/api/2015/12
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.01ms    1.20ms  20.00ms   80.00%
    Req/Sec     6.40k   300.00     7.00k    70.00%
  Latency Distribution
     50%  912.00us
     75%    5.50ms
     90%    6.20ms
     99%    1.03s
  51200 requests in 4.00s, 250.00MB read
  Socket errors: connect 1, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 12
Requests/sec:  12800.50
Transfer/sec:     62.50MB
"""


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(f"bench self-check failed: {what}")


def check_wrk() -> None:
    """wrk's figures, units and error counts are read right."""
    figures = parse_output(WRK_SAMPLE)
    _check(figures["rps"] == 12800.5, "Requests/sec")
    _check(abs(figures["p50"] - 0.000912) < 1e-9, "p50 in microseconds")
    _check(figures["p99"] == 1.03, "p99 in seconds")
    _check(figures["socket_errors"] == 6 and figures["non_2xx_3xx"] == 12, "error counts")


def check_sse() -> None:
    """Chunked coding split anywhere still yields every event id, in order, exactly once."""
    events = b'retry: 3000\r\n\r\n: ping\n\nid: 1-0\nevent: update\ndata: {"a":1}\n\n'
    events += b"id: 1-1\r\nevent: update\r\ndata: " + b"x" * 5000 + b"\r\n\r\nid: 2-0\ndata: y\n\n"
    body = b""
    for start in range(0, len(events), 1000):
        piece = events[start : start + 1000]
        body += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    body += b"0\r\n\r\n"
    for step in (1, 7, 4096, len(body)):
        chunks, ids = ChunkedDecoder(), Scanner()
        seen: list[bytes] = []
        for start in range(0, len(body), step):
            seen += ids.feed(chunks.feed(body[start : start + step]))
        _check(seen == [b"1-0", b"1-1", b"2-0"], f"event ids with {step}-byte slices: {seen}")
        _check(ids.pings == 1, f"heartbeats with {step}-byte slices: {ids.pings}")
        _check(chunks.finished, "the last chunk ends the body")
    frame = b"id: 3-0\nevent: game\ndata: {}\n\n"
    _check(one_chunk(f"{len(frame):x}\r\n".encode() + frame + b"\r\n") == frame, "one chunk")
    _check(one_chunk(b"5\r\nhel") is None, "a partial chunk is not one chunk")


def check_stats() -> None:
    """Nearest-rank percentiles."""
    values = [float(v) for v in range(1, 101)]
    _check(percentile(values, 0.99) == 99.0 and percentile(values, 0.5) == 50.0, "percentiles")
    _check(percentile([], 0.5) is None, "empty percentile")


def check_nginx_fill() -> None:
    """Template variables are filled and nginx's own $variables kept."""
    filled = fill("listen ${NGINX_LISTEN}; set $x $host;", {"NGINX_LISTEN": "127.0.0.1:1"})
    _check(filled == "listen 127.0.0.1:1; set $x $host;", "nginx template")


def run() -> None:
    """Run every check; raise AssertionError on the first failure."""
    check_wrk()
    check_sse()
    check_stats()
    check_nginx_fill()


if __name__ == "__main__":
    run()
    print("bench self-check: ok")
