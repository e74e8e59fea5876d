// The program that hears every network's dropped connections for the meter:
// one Python process for the whole host (Node cannot open a netlink socket),
// holding one ctnetlink socket per network namespace, subscribed to DESTROY
// events with NETLINK_BROADCAST_ERROR and NETLINK_NO_ENOBUFS. With those two,
// an event the socket has no room for is not lost: the kernel keeps the
// entry and delivers its event again (nf_conntrack's event redelivery, the
// option conntrackd calls NetlinkEventsReliable). `conntrack -E` sets neither:
// at 10,000 connections a second its listener lost events by the tens of
// thousands (the kernel drops expired entries in bursts, 170,000 at once seen
// here, past any buffer); this helper received all 200,000.
//
// stdin, a line each: `+<namespace>` to follow one (a name under /run/netns,
// checked by the caller), `-<namespace>` to stop. stdout: frames of u16 name
// length, name, u32 data length, the datagram as the kernel sent it (whole
// netlink messages). stderr, a line each: `subscribed <ns>` (also for one
// already followed), `failed <ns> <why>` (it could not be followed), `lost
// <ns>` (a receive failed: events may be missing).
export const DESTROY_HELPER = String.raw`
import ctypes, os, selectors, socket, struct, sys
NETLINK_NETFILTER, SOL_NETLINK, SO_RCVBUFFORCE = 12, 270, 33
NETLINK_ADD_MEMBERSHIP, NETLINK_BROADCAST_ERROR, NETLINK_NO_ENOBUFS = 1, 4, 5
NFNLGRP_CONNTRACK_DESTROY, CLONE_NEWNET = 3, 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
home = os.open('/proc/self/ns/net', os.O_RDONLY)
sel = selectors.DefaultSelector()
socks = {}
out = sys.stdout.buffer
def say(line):
    sys.stderr.write(line + '\n'); sys.stderr.flush()
def follow(ns):
    if ns in socks:
        say('subscribed ' + ns)
        return
    fd = os.open('/run/netns/' + ns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0: raise OSError(ctypes.get_errno(), 'setns')
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    finally:
        libc.setns(home, CLONE_NEWNET)
        os.close(fd)
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
    s.setsockopt(SOL_NETLINK, NETLINK_BROADCAST_ERROR, 1)
    s.setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1)
    s.bind((0, 0))
    s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NFNLGRP_CONNTRACK_DESTROY)
    s.setblocking(False)
    socks[ns] = s
    sel.register(s, selectors.EVENT_READ, ns)
    say('subscribed ' + ns)
def forget(ns):
    s = socks.pop(ns, None)
    if s: sel.unregister(s); s.close()
def command(line):
    ns = line[1:]
    try:
        follow(ns) if line[0] == '+' else forget(ns)
    except OSError as e:
        say('failed %s %s' % (ns, e))
sel.register(0, selectors.EVENT_READ, None)
pending = b''
while True:
    for key, _ in sel.select():
        if key.data is None:
            chunk = os.read(0, 65536)
            if not chunk: sys.exit(0)
            *lines, pending = (pending + chunk).split(b'\n')
            for line in lines:
                if len(line.strip()) > 1: command(line.strip().decode())
            continue
        ns = key.data
        name = ns.encode()
        while True:
            try:
                data = key.fileobj.recv(1 << 20)
            except BlockingIOError:
                break
            except OSError:
                say('lost ' + ns)
                break
            out.write(struct.pack('=H', len(name)) + name + struct.pack('=I', len(data)) + data)
        out.flush()
`;

/** One frame of the helper's output: a namespace's datagram of ctnetlink messages. */
export interface HelperFrame {
  readonly namespace: string;
  readonly data: Buffer;
}

/** The whole frames at the start of `data` (host byte order), and what is left of a frame not whole yet. */
export function splitFrames(data: Buffer): { frames: HelperFrame[]; rest: Buffer } {
  const frames: HelperFrame[] = [];
  let at = 0;
  while (data.length - at >= 2) {
    const nameLength = data.readUInt16LE(at);
    if (data.length - at < 2 + nameLength + 4) break;
    const length = data.readUInt32LE(at + 2 + nameLength);
    const end = at + 2 + nameLength + 4 + length;
    if (data.length < end) break;
    frames.push({ namespace: data.toString('utf8', at + 2, at + 2 + nameLength), data: data.subarray(end - length, end) });
    at = end;
  }
  return { frames, rest: data.subarray(at) };
}
