"""N subscribers to one mexd socket, all served by one epoll loop in this process.

Each subscriber sends WATCH with events and frames on and keeps, per record, the wall
time its chunk was read. The loop timestamps a whole recv() at once: lines that came
in one read arrived together. Used by bench/fanout/run; also runnable by hand:

    python3 bench/fanout/client.py SOCKET N SECONDS
"""

import json
import resource
import selectors
import socket
import sys
import time
from datetime import datetime

WATCH = b'{"class":"WATCH","enable":true,"events":true,"frames":true}\n'


def parse_time(stamp):
    """mexd's ISO 8601 UTC milliseconds, e.g. 2026-05-04T10:31:00.289Z, as epoch seconds."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


class Subscriber:
    def __init__(self, index, path):
        self.index = index
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.sock.setblocking(False)
        self.pending = b""
        self.watching = False   # the server echoed our WATCH
        self.closed = False     # the server closed the connection
        self.eof = False        # an EOF record came
        self.frames = {}        # frame index -> (pts (s), arrival (s))
        self.events = []        # (seq, emitted by the daemon (s), arrival (s))
        self.dropped = {}       # DROPPED totals by class
        self.errors = 0

    def feed(self, data, now):
        lines = (self.pending + data).split(b"\n")
        self.pending = lines.pop()
        for line in lines:
            # FRAME is nearly all the traffic: take its index without a full parse.
            if line.startswith(b'{"class":"FRAME"'):
                start = line.index(b'"frame":') + 8
                end = line.index(b",", start)
                p = line.index(b'"pts":', end) + 6
                q = p
                while line[q] in b"0123456789.-e":
                    q += 1
                self.frames[int(line[start:end])] = (float(line[p:q]), now)
                continue
            record = json.loads(line)
            kind = record.get("class")
            if kind == "EVENT":
                self.events.append((record.get("seq"), parse_time(record["time"]), now))
            elif kind == "WATCH":
                self.watching = True
            elif kind == "EOF":
                self.eof = True
            elif kind == "DROPPED":
                for name, count in record.items():
                    if isinstance(count, int):
                        self.dropped[name] = self.dropped.get(name, 0) + count
            elif kind == "ERROR":
                self.errors += 1


class Fanout:
    """The subscribers and the loop that reads them."""

    def __init__(self, path, count):
        self.selector = selectors.EpollSelector()
        self.subscribers = []
        for i in range(count):
            s = Subscriber(i, path)
            self.subscribers.append(s)
            self.selector.register(s.sock, selectors.EVENT_READ, s)
        for s in self.subscribers:
            s.sock.sendall(WATCH)
        self.read_delays = []  # seconds from epoll's answer to each recv()

    def pump(self, timeout):
        """Reads whatever is ready within `timeout` seconds."""
        ready = self.selector.select(timeout)
        now = time.time()
        for key, _ in ready:
            s = key.data
            try:
                data = s.sock.recv(1 << 20)
            except BlockingIOError:
                continue
            except ConnectionError:
                data = b""
            if not data:
                s.closed = True
                self.selector.unregister(s.sock)
                s.sock.close()
                continue
            self.read_delays.append(time.time() - now)
            s.feed(data, now)

    def pump_until(self, done, deadline):
        while not done() and time.time() < deadline:
            self.pump(0.05)
        return done()

    def all_watching(self):
        return all(s.watching or s.closed for s in self.subscribers)

    def all_eof(self):
        return all(s.eof or s.closed for s in self.subscribers)

    def close(self):
        for s in self.subscribers:
            if not s.closed:
                self.selector.unregister(s.sock)
                s.sock.close()
        self.selector.close()


def cpu_self():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


if __name__ == "__main__":
    path, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    fan = Fanout(path, count)
    c0, t0 = cpu_self(), time.time()
    fan.pump_until(lambda: False, t0 + seconds)
    c1, t1 = cpu_self(), time.time()
    frames = sum(len(s.frames) for s in fan.subscribers)
    events = sum(len(s.events) for s in fan.subscribers)
    print(f"{count} subscribers, {t1 - t0:.1f} s: {frames} FRAME, {events} EVENT, "
          f"client CPU {100 * (c1 - c0) / (t1 - t0):.1f} %")
    fan.close()
