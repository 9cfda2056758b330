// store-sync: make everything written to one file system durable with one syncfs(2) per request.
// evidock's store (src/store/store-sync.ts) runs one of these for the store directory and asks
// it, before each group commit, to make the batch's objects durable: one syncfs writes back every
// dirty file and directory entry of the file system and flushes the device cache, where a
// per-object fdatasync and per-directory fsync cost a device flush each (issue 8).
//   store-sync DIR     then, per line on stdin, one line on stdout: "ok" or "err <errno-name> <message>"
// The file system is opened once: since Linux 5.8 syncfs reports a writeback error that happened
// on it since the previous call on the same descriptor, so no failed write goes unseen.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: store-sync DIR\n"); return 2; }
  int fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) { fprintf(stderr, "store-sync: %s: %s\n", argv[1], strerror(errno)); return 1; }
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, stdin) > 0) {
    if (syncfs(fd) == 0) {
      fputs("ok\n", stdout);
    } else {
      int e = errno;
      printf("err %s syncfs: %s\n", strerrorname_np(e) ? strerrorname_np(e) : "EUNKNOWN", strerror(e));
    }
    fflush(stdout);
  }
  free(line);
  close(fd);
  return 0;
}
