{
  "targets": [
    {
      "target_name": "batch_udp",
      "sources": ["native/batch-udp.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "defines": ["_GNU_SOURCE"]
    }
  ]
}
