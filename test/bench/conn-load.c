// Short TCP connections at a steady rate, for bench/billing's row from the
// wire; the same protocol as conn-load.cjs, at a cost per connection that lets
// two cores make 10,000 a second with the platform running beside it. Built
// by the bench with `cc -O2` and run inside a VM's namespace:
//   conn-load client <ip> <port> <per second> <seconds> <concurrency> [ports]
//   conn-load server <ip> <port> [ports]
// A client connection sends 64 bytes, reads the server's 256-byte answer and
// closes first (the TIME_WAIT is the client's, so no tuple is reused while the
// kernel still tracks its last connection). Prints {"done","failed","seconds"}.
// The server listens on `ports` consecutive ports (1 unless given) and the
// client takes them in turn: a client holds each connection's four-tuple for
// TCP's TIME_WAIT (60 s), so one address to one port cannot sustain more than
// its ephemeral ports a minute (28,232 by default, 64,512 at the widest: 470
// to 1,075 connections a second; past that its connect() spends the CPU
// searching for a free port).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ASK 64
#define ANSWER 256
#define MAX_FD 65536
#define MAX_PORTS 64

static char buffer[ANSWER];
static int received[MAX_FD];

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static struct sockaddr_in address(const char *ip, int port) {
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
    fprintf(stderr, "not an IPv4 address: %s\n", ip);
    exit(2);
  }
  return a;
}

static int server(const char *ip, int port, int ports) {
  int ep = epoll_create1(0), listening[MAX_PORTS] = {0};
  struct epoll_event events[256];
  for (int p = 0; p < ports; p++) {
    struct sockaddr_in a = address(ip, port + p);
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (listener < 0 || listener >= MAX_FD || bind(listener, (struct sockaddr *)&a, sizeof a) || listen(listener, 4096)) {
      perror("listen");
      return 1;
    }
    listening[p] = listener;
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  }
  memset(buffer, 'a', sizeof buffer);
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd, listener = -1;
      for (int p = 0; p < ports; p++)
        if (listening[p] == fd) listener = fd;
      if (listener >= 0) {
        int c;
        while ((c = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
        }
        continue;
      }
      char in[ASK];
      ssize_t r = read(fd, in, sizeof in);
      if (r > 0) {
        if (write(fd, buffer, ANSWER) != ANSWER) close(fd);
      } else if (r == 0 || errno != EAGAIN) {
        close(fd); // the client's FIN (or an error): ours follows
      }
    }
  }
}

static int client(const char *ip, int port, double rate, double seconds, int concurrency, int ports) {
  long total = (long)(rate * seconds), launched = 0, done = 0, failed = 0;
  int open_ = 0, ep = epoll_create1(0);
  struct epoll_event events[256];
  char ask[ASK];
  memset(ask, 'q', sizeof ask);
  double started = now();
  while (done + failed < total) {
    long due = (long)((now() - started) * rate) + 1;
    if (due > total) due = total;
    while (launched < due && open_ < concurrency) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      launched++;
      if (fd < 0 || fd >= MAX_FD) {
        if (fd >= 0) close(fd);
        failed++;
        continue;
      }
      struct sockaddr_in a = address(ip, port + (int)(launched % ports));
      if (connect(fd, (struct sockaddr *)&a, sizeof a) && errno != EINPROGRESS) {
        close(fd);
        failed++;
        continue;
      }
      received[fd] = -1; // connecting
      struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
      epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
      open_++;
    }
    int n = epoll_wait(ep, events, 256, 1);
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd, error = 0;
      socklen_t len = sizeof error;
      if (received[fd] < 0) {
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
        if (error || write(fd, ask, ASK) != ASK) {
          close(fd), open_--, failed++;
          continue;
        }
        received[fd] = 0;
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
        continue;
      }
      ssize_t r = read(fd, buffer, sizeof buffer);
      if (r > 0) received[fd] += r;
      if (received[fd] >= ANSWER) {
        close(fd), open_--, done++;
      } else if (r == 0 || (r < 0 && errno != EAGAIN)) {
        close(fd), open_--, failed++;
      }
    }
  }
  printf("{\"done\":%ld,\"failed\":%ld,\"seconds\":%.3f}\n", done, failed, now() - started);
  return 0;
}

static int ports_of(const char *arg) {
  int ports = arg ? atoi(arg) : 1;
  if (ports < 1 || ports > MAX_PORTS) {
    fprintf(stderr, "ports: 1 to %d\n", MAX_PORTS);
    exit(2);
  }
  return ports;
}

int main(int argc, char **argv) {
  if ((argc == 4 || argc == 5) && !strcmp(argv[1], "server")) return server(argv[2], atoi(argv[3]), ports_of(argv[4]));
  if ((argc == 7 || argc == 8) && !strcmp(argv[1], "client"))
    return client(argv[2], atoi(argv[3]), atof(argv[4]), atof(argv[5]), atoi(argv[6]), ports_of(argv[7]));
  fprintf(stderr, "usage: conn-load client <ip> <port> <per second> <seconds> <concurrency> [ports] | server <ip> <port> [ports]\n");
  return 2;
}
