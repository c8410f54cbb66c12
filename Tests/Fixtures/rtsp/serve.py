#!/usr/bin/python3
"""A small RTSP server for mexd's tests: a live H.264 test pattern on 127.0.0.1.

    serve.py [--port PORT] [--mount /test] [--fps 30] [--size 320x240] [--lifetime 300]

Serves `videotestsrc is-live=true ! x264enc tune=zerolatency ! rtph264pay` at
rtsp://127.0.0.1:PORT/MOUNT with GStreamer's RTSP server (python3-gi,
gir1.2-gst-rtsp-server-1.0; scripts/test-setup installs them). Port 0 picks a free
port. Once it listens it prints one line to stdout, and flushes it:

    READY rtsp://127.0.0.1:PORT/MOUNT

Signals:
    SIGUSR1  stall: stop sending frames but keep every connection open (RTCP still
             flows), as a hung camera does; clients that connect meanwhile get no
             frames either
    SIGUSR2  resume sending frames
    SIGTERM, SIGINT  quit

It quits by itself after --lifetime seconds, or when its standard input reaches end of
file with --exit-on-eof (so it cannot outlive a test that holds its stdin open).
Run it with Debian's /usr/bin/python3: that is where python3-gi is.
"""

import argparse
import signal
import sys

try:
    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer
except (ImportError, ValueError) as error:
    print(f"serve.py: GStreamer's RTSP server is not available ({error}); "
          "run scripts/test-setup (python3-gi, gir1.2-gst-rtsp-server-1.0, "
          "gstreamer1.0-plugins-base/-good/-ugly)", file=sys.stderr)
    sys.exit(69)


# The signals this server answers. A parent may have them blocked and pass that mask on
# (Foundation's Process started from a Swift concurrency thread does), and a blocked
# signal never reaches GLib's handler: unblock them before any thread starts.
SIGNALS = (signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM, signal.SIGINT)
signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


def main():
    parser = argparse.ArgumentParser(description="RTSP test server (live H.264 test pattern)")
    parser.add_argument("--port", type=int, default=8554, help="TCP port on 127.0.0.1; 0 picks a free one")
    parser.add_argument("--mount", default="/test", help="mount point (default /test)")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--size", default="320x240", help="WIDTHxHEIGHT")
    parser.add_argument("--lifetime", type=float, default=300, help="quit after this many seconds")
    parser.add_argument("--exit-on-eof", action="store_true", help="quit when standard input closes")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))

    Gst.init(None)
    missing = [name for name in ("videotestsrc", "videoconvert", "x264enc", "rtph264pay", "valve")
               if Gst.ElementFactory.find(name) is None]
    if missing:
        print(f"serve.py: missing GStreamer elements {missing}; run scripts/test-setup", file=sys.stderr)
        return 69

    loop = GLib.MainLoop()
    state = {"stalled": False, "valves": []}

    factory = GstRtspServer.RTSPMediaFactory()
    # The valve sits before the encoder: when it drops, nothing more is encoded or
    # sent, but the session and its TCP connection stay up.
    factory.set_launch(
        "( videotestsrc is-live=true pattern=ball "
        f"! video/x-raw,width={width},height={height},framerate={args.fps}/1 "
        "! valve name=gate drop=false ! videoconvert "
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={args.fps} "
        "! rtph264pay name=pay0 pt=96 config-interval=1 )")
    factory.set_shared(False)  # each connection gets its own pipeline, from its own key frame

    def configured(_factory, media):
        valve = media.get_element().get_by_name("gate")
        valve.set_property("drop", state["stalled"])
        state["valves"].append(valve)
        media.connect("unprepared", lambda m: state["valves"].remove(valve) if valve in state["valves"] else None)

    factory.connect("media-configure", configured)

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    server.get_mount_points().add_factory(args.mount, factory)
    if server.attach(None) == 0:
        print(f"serve.py: cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 1

    def set_stalled(stalled):
        state["stalled"] = stalled
        for valve in state["valves"]:
            valve.set_property("drop", stalled)
        print("STALLED" if stalled else "RESUMED", flush=True)
        return GLib.SOURCE_CONTINUE

    def quit_loop(*_):
        loop.quit()
        return GLib.SOURCE_REMOVE

    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGUSR1, set_stalled, True)
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGUSR2, set_stalled, False)
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, quit_loop)
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, quit_loop)
    GLib.timeout_add(int(args.lifetime * 1000), quit_loop)
    if args.exit_on_eof:
        GLib.io_add_watch(GLib.IOChannel.unix_new(sys.stdin.fileno()), GLib.PRIORITY_DEFAULT,
                          GLib.IOCondition.IN | GLib.IOCondition.HUP | GLib.IOCondition.ERR,
                          lambda channel, _condition: quit_loop() if not sys.stdin.buffer.raw.read(4096) else True)

    print(f"READY rtsp://127.0.0.1:{server.get_bound_port()}{args.mount}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
