// disk-proof: re-read files from the medium, not from the page cache, and print their SHA-256.
// evidock's proof stage (src/store/disk-proof.ts) runs one of these and feeds it object paths,
// one per line on stdin; for each it prints one line on stdout:
//   ok <sha256> <bytes> <pages-still-cached-before-read>
//   err <errno-name> <message>
// (answers come in the order the paths were given).
// Per file: posix_fadvise(DONTNEED) (fdatasync first only when pages stayed: dirty ones cannot be
// dropped), count with mincore what stayed cached (0 means every byte hashed came from the disk),
// read + hash, and DONTNEED again so proving does not push the cameras' data out of the cache.
// The process runs at the lowest best-effort I/O priority (or idle with --idle) and nice 10:
// it never slows a dock.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_CLASS_BE 2
#define IOPRIO_CLASS_IDLE 3
#define IOPRIO_WHO_PROCESS 1
#define BUF (4u << 20)

static long cached_pages(int fd, off_t size) {
  if (size == 0) return 0;
  void *map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return -1;
  long page = sysconf(_SC_PAGESIZE);
  size_t pages = ((size_t)size + (size_t)page - 1) / (size_t)page;
  unsigned char *vec = malloc(pages);
  long n = -1;
  if (vec && mincore(map, (size_t)size, vec) == 0) {
    n = 0;
    for (size_t i = 0; i < pages; i++) n += vec[i] & 1;
  }
  free(vec);
  munmap(map, (size_t)size);
  return n;
}

static void fail(const char *path, const char *what) {
  int e = errno;
  (void)path;
  printf("err %s %s: %s\n", strerrorname_np(e) ? strerrorname_np(e) : "EUNKNOWN", what, strerror(e));
}

static void prove(const char *path, unsigned char *buf) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) { fail(path, "open"); return; }
  struct stat st;
  if (fstat(fd, &st) != 0) { fail(path, "fstat"); close(fd); return; }
  // Already durable (the store syncs each batch before its commit): its clean pages drop at once.
  // A page still cached may be dirty: then sync and drop again (a device flush only when needed).
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  long cached = cached_pages(fd, st.st_size);
  if (cached != 0) {
    if (fdatasync(fd) != 0) { fail(path, "fdatasync"); close(fd); return; }
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    cached = cached_pages(fd, st.st_size);
  }
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
  off_t pos = 0;
  for (;;) {
    ssize_t n = pread(fd, buf, BUF, pos);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "read");
      EVP_MD_CTX_free(ctx);
      close(fd);
      return;
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx, buf, (size_t)n);
    pos += n;
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  unsigned char md[32];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  close(fd);
  char hex[65];
  for (int i = 0; i < 32; i++) sprintf(hex + 2 * i, "%02x", md[i]);
  printf("ok %s %lld %ld\n", hex, (long long)pos, cached);
}

int main(int argc, char **argv) {
  int idle = argc > 1 && strcmp(argv[1], "--idle") == 0;
  int prio = idle ? (IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT) : ((IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT) | 7);
  if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, prio) != 0) perror("disk-proof: ioprio_set");
  if (nice(10) == -1 && errno != 0) perror("disk-proof: nice");
  unsigned char *buf = malloc(BUF);
  if (!buf) return 2;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) > 0) {
    if (line[n - 1] == '\n') line[n - 1] = '\0';
    if (line[0] == '\0') continue;
    prove(line, buf);
    fflush(stdout);
  }
  free(line);
  free(buf);
  return 0;
}
