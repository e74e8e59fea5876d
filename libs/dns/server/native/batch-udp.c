// Batched UDP for the DNS server: recvmmsg/sendmmsg on a non-blocking socket
// watched by uv_poll, one JS call per batch of up to BATCH datagrams. Queries
// land in a preallocated slab (one slot per datagram) that JS owns; JS encodes
// the answers in place into a second slab and writes their lengths; this side
// sends them to the addresses they came from. Nothing is allocated per query.
// Answers are packed one after the other in their slab (JS writes each one's
// offset and length), so a batch of small answers touches a few cache lines,
// not a page each.
//
// A full send buffer (EAGAIN) keeps the unsent answers and waits for POLLOUT,
// reading nothing meanwhile (the answer slab is still in use): queries wait in
// the kernel's receive buffer, and the loop sleeps rather than spins.
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
// Batches read per wake-up before the loop gets a turn (NATS, timers, TCP).
#define BATCHES_PER_WAKE 8

// Indices into the stats array handed to JS.
enum { ST_RECEIVED, ST_SENT, ST_TRUNCATED, ST_SEND_ERRORS, ST_SEND_WAITS, ST_RECV_ERRORS, ST_BATCHES, ST_COUNT };

typedef struct {
  napi_env env;
  int fd;
  int family;
  uv_poll_t poll;
  int closing;
  int waiting_out; // answers wait for POLLOUT
  int handle_open;  // the uv_poll handle exists and is not closed yet
  int finalized;    // JS let go of the socket: free once the handle is closed
  napi_ref callback;
  napi_ref refs[3]; // the slabs and meta, kept alive while the native side points into them
  napi_async_context context;
  uint8_t *in;
  size_t in_slot;
  uint8_t *out;
  size_t out_len;
  // [0,BATCH) query lengths, [BATCH,2*BATCH) truncated flags, [2*BATCH,3*BATCH) answer lengths (0: none),
  // [3*BATCH,4*BATCH) answer offsets in the answer slab
  int32_t *meta;
  int send_pos;
  int send_count;
  double stats[ST_COUNT];
  struct sockaddr_storage from[BATCH];
  struct iovec riov[BATCH];
  struct mmsghdr rmsg[BATCH];
  struct iovec siov[BATCH];
  struct mmsghdr smsg[BATCH];
} listener_t;

#define CHECK(env, call)                                  \
  do {                                                    \
    if ((call) != napi_ok) {                              \
      napi_throw_error((env), NULL, "napi call failed: " #call); \
      return NULL;                                        \
    }                                                     \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  char code[32];
  const char *name = err == EADDRINUSE ? "EADDRINUSE" : err == EACCES ? "EACCES" : err == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : "ESYSCALL";
  snprintf(code, sizeof code, "%s", name);
  napi_throw_error(env, code, message);
  return NULL;
}

static void on_poll(uv_poll_t *handle, int status, int events);

static void set_poll(listener_t *l, int events) {
  if (l->closing) return;
  uv_poll_start(&l->poll, events, on_poll);
}

// Sends what is left of the answers; 1 when all went, 0 when the rest waits for POLLOUT.
static int flush(listener_t *l) {
  while (l->send_pos < l->send_count) {
    int n = sendmmsg(l->fd, &l->smsg[l->send_pos], (unsigned)(l->send_count - l->send_pos), MSG_DONTWAIT);
    if (n > 0) {
      l->send_pos += n;
      l->stats[ST_SENT] += n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      l->stats[ST_SEND_WAITS] += 1;
      return 0;
    }
    // This answer cannot go (an address the kernel refuses, ENOBUFS under pressure):
    // drop it, never retry it in a loop.
    l->stats[ST_SEND_ERRORS] += 1;
    l->send_pos++;
  }
  return 1;
}

static int receive_batch(listener_t *l) {
  for (int i = 0; i < BATCH; i++) {
    l->rmsg[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
    l->rmsg[i].msg_hdr.msg_flags = 0;
    l->rmsg[i].msg_len = 0;
  }
  int n;
  do {
    n = recvmmsg(l->fd, l->rmsg, BATCH, MSG_DONTWAIT, NULL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) l->stats[ST_RECV_ERRORS] += 1;
    return 0;
  }
  for (int i = 0; i < n; i++) {
    l->meta[i] = (int32_t)l->rmsg[i].msg_len;
    l->meta[BATCH + i] = (l->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) ? 1 : 0;
    l->meta[2 * BATCH + i] = 0;
    if (l->meta[BATCH + i]) l->stats[ST_TRUNCATED] += 1;
  }
  l->stats[ST_RECEIVED] += n;
  l->stats[ST_BATCHES] += 1;
  return n;
}

// One JS call for the batch: it fills the answer slots and their lengths.
static int call_js(listener_t *l, int count) {
  napi_env env = l->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return 0;
  napi_value fn, recv, arg, result;
  int ok = napi_get_reference_value(env, l->callback, &fn) == napi_ok && napi_get_global(env, &recv) == napi_ok &&
           napi_create_int32(env, count, &arg) == napi_ok;
  if (ok) {
    // make_callback: microtasks and process.nextTick run after the batch, as after any I/O callback;
    // a throw becomes an uncaught exception of the process, as from any I/O callback.
    napi_status status = napi_make_callback(env, l->context, recv, fn, 1, &arg, &result);
    ok = status == napi_ok;
  }
  napi_close_handle_scope(env, scope);
  return ok;
}

static void answer_batch(listener_t *l, int count) {
  int m = 0;
  for (int i = 0; i < count; i++) {
    int32_t len = l->meta[2 * BATCH + i];
    int32_t at = l->meta[3 * BATCH + i];
    if (len <= 0 || at < 0 || (size_t)at + (size_t)len > l->out_len) continue;
    l->siov[m].iov_base = l->out + at;
    l->siov[m].iov_len = (size_t)len;
    struct msghdr *h = &l->smsg[m].msg_hdr;
    memset(h, 0, sizeof *h);
    h->msg_name = &l->from[i];
    h->msg_namelen = l->rmsg[i].msg_hdr.msg_namelen;
    h->msg_iov = &l->siov[m];
    h->msg_iovlen = 1;
    m++;
  }
  l->send_pos = 0;
  l->send_count = m;
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  listener_t *l = (listener_t *)handle->data;
  if (l->closing) return;
  if (status < 0) {
    // libuv stops the handle on a socket error: read the error (which clears it) and poll again,
    // so one bad datagram never leaves the server deaf.
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    l->stats[ST_RECV_ERRORS] += 1;
    set_poll(l, l->waiting_out ? UV_WRITABLE : UV_READABLE);
    return;
  }
  if (l->waiting_out) {
    if (!(events & UV_WRITABLE)) return;
    if (!flush(l)) return; // still full: keep waiting
    l->waiting_out = 0;
    set_poll(l, UV_READABLE);
    return; // read again on the next readable wake-up
  }
  if (!(events & UV_READABLE)) return;
  for (int b = 0; b < BATCHES_PER_WAKE && !l->closing; b++) {
    int n = receive_batch(l);
    if (n == 0) return;
    if (!call_js(l, n) || l->closing) return;
    answer_batch(l, n);
    if (!flush(l)) {
      l->waiting_out = 1;
      set_poll(l, UV_WRITABLE);
      return;
    }
    if (n < BATCH) return;
  }
}

static void release_refs(listener_t *l) {
  napi_env env = l->env;
  for (int i = 0; i < 3; i++)
    if (l->refs[i]) napi_delete_reference(env, l->refs[i]), l->refs[i] = NULL;
  if (l->callback) napi_delete_reference(env, l->callback), l->callback = NULL;
  if (l->context) napi_async_destroy(env, l->context), l->context = NULL;
}

static void on_closed(uv_handle_t *handle) {
  listener_t *l = (listener_t *)handle->data;
  l->handle_open = 0;
  if (l->fd >= 0) close(l->fd), l->fd = -1;
  if (l->finalized) free(l);
}

// Stops reading and closes the socket (at once, or once libuv lets go of the handle).
static void shut(listener_t *l) {
  if (l->closing) return;
  l->closing = 1;
  release_refs(l);
  if (l->handle_open) {
    uv_poll_stop(&l->poll);
    uv_close((uv_handle_t *)&l->poll, on_closed);
  } else if (l->fd >= 0) {
    close(l->fd);
    l->fd = -1;
  }
}

static void finalize_listener(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  listener_t *l = (listener_t *)data;
  shut(l);
  l->finalized = 1;
  if (!l->handle_open) free(l);
}

static listener_t *unwrap(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "not a batch-udp socket");
    return NULL;
  }
  return (listener_t *)data;
}

// The socket a one-argument call (close, stats) is about, or NULL with an exception pending.
static listener_t *socket_argument(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, NULL, "batch-udp: a socket is expected");
    return NULL;
  }
  return unwrap(env, argv[0]);
}

// open(host, port, recvBufferSize, sendBufferSize) -> [socket, port]
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char host[64];
  size_t host_len = 0;
  int32_t port = 0, rcvbuf = 0, sndbuf = 0;
  CHECK(env, napi_get_value_string_utf8(env, argv[0], host, sizeof host, &host_len));
  CHECK(env, napi_get_value_int32(env, argv[1], &port));
  CHECK(env, napi_get_value_int32(env, argv[2], &rcvbuf));
  CHECK(env, napi_get_value_int32(env, argv[3], &sndbuf));

  struct sockaddr_storage addr;
  memset(&addr, 0, sizeof addr);
  socklen_t addr_len;
  int family;
  if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&addr)->sin_addr) == 1) {
    family = AF_INET;
    ((struct sockaddr_in *)&addr)->sin_family = AF_INET;
    ((struct sockaddr_in *)&addr)->sin_port = htons((uint16_t)port);
    addr_len = sizeof(struct sockaddr_in);
  } else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&addr)->sin6_addr) == 1) {
    family = AF_INET6;
    ((struct sockaddr_in6 *)&addr)->sin6_family = AF_INET6;
    ((struct sockaddr_in6 *)&addr)->sin6_port = htons((uint16_t)port);
    addr_len = sizeof(struct sockaddr_in6);
  } else {
    napi_throw_type_error(env, "EINVAL", "batch-udp: host must be an IPv4 or IPv6 address");
    return NULL;
  }
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int one = 1;
  // Several dns instances share the port; the kernel spreads datagrams over their sockets.
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "setsockopt(SO_REUSEPORT)", err);
  }
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (sndbuf > 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  if (bind(fd, (struct sockaddr *)&addr, addr_len) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  struct sockaddr_storage bound;
  socklen_t bound_len = sizeof bound;
  getsockname(fd, (struct sockaddr *)&bound, &bound_len);
  int bound_port = family == AF_INET ? ntohs(((struct sockaddr_in *)&bound)->sin_port) : ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);

  listener_t *l = calloc(1, sizeof *l);
  if (l == NULL) {
    close(fd);
    napi_throw_error(env, "ENOMEM", "batch-udp: out of memory");
    return NULL;
  }
  l->env = env;
  l->fd = fd;
  l->family = family;
  napi_value external, port_value, result;
  CHECK(env, napi_create_external(env, l, finalize_listener, NULL, &external));
  CHECK(env, napi_create_int32(env, bound_port, &port_value));
  CHECK(env, napi_create_array_with_length(env, 2, &result));
  CHECK(env, napi_set_element(env, result, 0, external));
  CHECK(env, napi_set_element(env, result, 1, port_value));
  return result;
}

static int buffer_of(napi_env env, napi_value value, void **data, size_t *len) {
  bool is_buffer = false;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer) return 0;
  return napi_get_buffer_info(env, value, data, len) == napi_ok;
}

// start(socket, inSlab, inSlot, outSlab, meta: Int32Array(4 * BATCH), onBatch(count))
static napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  listener_t *l = unwrap(env, argv[0]);
  if (l == NULL) return NULL;
  if (l->handle_open || l->closing) {
    napi_throw_error(env, NULL, "batch-udp: already started or closed");
    return NULL;
  }
  void *in, *out;
  size_t in_len, out_len;
  uint32_t in_slot;
  CHECK(env, napi_get_value_uint32(env, argv[2], &in_slot));
  if (!buffer_of(env, argv[1], &in, &in_len) || !buffer_of(env, argv[3], &out, &out_len) || in_len < (size_t)in_slot * BATCH ||
      in_slot == 0 || out_len == 0) {
    napi_throw_type_error(env, NULL, "batch-udp: the query slab must be a Buffer of BATCH slots, the answer slab a Buffer");
    return NULL;
  }
  bool is_typed = false;
  napi_typedarray_type type;
  size_t meta_len;
  void *meta;
  CHECK(env, napi_is_typedarray(env, argv[4], &is_typed));
  if (!is_typed) {
    napi_throw_type_error(env, NULL, "batch-udp: meta must be an Int32Array");
    return NULL;
  }
  CHECK(env, napi_get_typedarray_info(env, argv[4], &type, &meta_len, &meta, NULL, NULL));
  if (type != napi_int32_array || meta_len < 4 * BATCH) {
    napi_throw_type_error(env, NULL, "batch-udp: meta must be an Int32Array of 4 * BATCH");
    return NULL;
  }
  l->in = in;
  l->in_slot = in_slot;
  l->out = out;
  l->out_len = out_len;
  l->meta = meta;
  for (int i = 0; i < BATCH; i++) {
    l->riov[i].iov_base = l->in + (size_t)i * in_slot;
    l->riov[i].iov_len = in_slot;
    struct msghdr *h = &l->rmsg[i].msg_hdr;
    memset(h, 0, sizeof *h);
    h->msg_name = &l->from[i];
    h->msg_iov = &l->riov[i];
    h->msg_iovlen = 1;
  }
  CHECK(env, napi_create_reference(env, argv[1], 1, &l->refs[0]));
  CHECK(env, napi_create_reference(env, argv[3], 1, &l->refs[1]));
  CHECK(env, napi_create_reference(env, argv[4], 1, &l->refs[2]));
  CHECK(env, napi_create_reference(env, argv[5], 1, &l->callback));
  napi_value resource, name;
  CHECK(env, napi_create_object(env, &resource));
  CHECK(env, napi_create_string_utf8(env, "BatchUdp", NAPI_AUTO_LENGTH, &name));
  CHECK(env, napi_async_init(env, resource, name, &l->context));
  uv_loop_t *loop;
  CHECK(env, napi_get_uv_event_loop(env, &loop));
  if (uv_poll_init(loop, &l->poll, l->fd) != 0) {
    napi_throw_error(env, NULL, "batch-udp: uv_poll_init failed");
    return NULL;
  }
  l->poll.data = l;
  l->handle_open = 1;
  set_poll(l, UV_READABLE);
  return NULL;
}

// close(socket): stops reading and closes the socket once libuv lets go of it.
static napi_value js_close(napi_env env, napi_callback_info info) {
  listener_t *l = socket_argument(env, info);
  if (l != NULL) shut(l);
  return NULL;
}

// stats(socket) -> [received, sent, truncated, sendErrors, sendWaits, recvErrors, batches, waitingForPollout]
static napi_value js_stats(napi_env env, napi_callback_info info) {
  listener_t *l = socket_argument(env, info);
  if (l == NULL) return NULL;
  napi_value result, v;
  CHECK(env, napi_create_array_with_length(env, ST_COUNT + 1, &result));
  for (int i = 0; i < ST_COUNT; i++) {
    CHECK(env, napi_create_double(env, l->stats[i], &v));
    CHECK(env, napi_set_element(env, result, (uint32_t)i, v));
  }
  CHECK(env, napi_create_double(env, l->waiting_out, &v));
  CHECK(env, napi_set_element(env, result, ST_COUNT, v));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"start", NULL, js_start, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value batch;
  if (napi_create_int32(env, BATCH, &batch) != napi_ok) return NULL;
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_set_named_property(env, exports, "BATCH", batch);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
