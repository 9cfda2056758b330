// store-sync: make everything written to one file system durable with one syncfs(2) per request.
// evidock's store (src/store/store-sync.ts) runs one of these for the store directory and asks
// it, before each group commit, to make the batch's objects durable: one syncfs writes back every
// dirty file and directory entry of the file system and flushes the device cache, where a
// per-object fdatasync and per-directory fsync cost a device flush each (issue 8).
//   store-sync DIR     then, per line on stdin, one line on stdout: "ok" or "err <errno-name> <message>"
// The directory is opened for each request and closed after it, so the helper never keeps the
// store's file system busy (an unmount of it would fail). A writeback error not yet reported to
// anyone is reported by the next syncfs (Linux 5.8+); the disk proof re-reads every object anyway.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: store-sync DIR\n"); return 2; }
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, stdin) > 0) {
    int fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0 && syncfs(fd) == 0) {
      fputs("ok\n", stdout);
    } else {
      int e = errno;
      printf("err %s %s: %s\n", strerrorname_np(e) ? strerrorname_np(e) : "EUNKNOWN", fd < 0 ? "open" : "syncfs", strerror(e));
    }
    if (fd >= 0) close(fd);
    fflush(stdout);
  }
  free(line);
  return 0;
}
