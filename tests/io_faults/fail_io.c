// An LD_PRELOAD shim that makes the Nth file-writing call of a program fail, as a full disk or a
// failing device would: the write-failure injection test (tests/replace_file_test.cpp) runs
// `airace` once to count the calls, then once for every N.
//
//   AIRACE_FAULT_AT=N        fail the Nth counted call (1-based) and every one after it, as a
//                            disk that has filled up stays full; 0 or unset: fail none
//   AIRACE_FAULT_COUNT=FILE  write the number of counted calls to FILE when the program exits
//
// Counted, on regular files other than standard input, output and error: creating or opening
// for writing (ENOSPC), every write (ENOSPC), fchmod and fchown (EIO), fsync and fdatasync
// (EIO), closing a file that was written to (EIO: where NFS reports a failed write), and every
// rename (EIO). A failed close still closes the descriptor, as Linux does.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_TRACKED_FD 65536

static atomic_long g_calls = 0;
static long g_fail_at = -1;  // -1: not read yet
static atomic_uchar g_written[MAX_TRACKED_FD];  // descriptors written to since opened

static long fail_at(void) {
  if (g_fail_at < 0) {
    const char* at = getenv("AIRACE_FAULT_AT");
    g_fail_at = at != NULL ? atol(at) : 0;
  }
  return g_fail_at;
}

// Counts one call; nonzero when it is the one to fail. AIRACE_FAULT_TRACE=1 lists the calls on
// standard error, for finding which call a number stands for.
static int counted_call(const char* name) {
  const long n = atomic_fetch_add(&g_calls, 1) + 1;
  if (getenv("AIRACE_FAULT_TRACE") != NULL) {
    char line[96];
    const int len = snprintf(line, sizeof line, "fail_io: call %ld: %s\n", n, name);
    if (len > 0) syscall(SYS_write, 2, line, (size_t)len);
  }
  return fail_at() > 0 && n >= fail_at();
}
#define counted_call_fails() counted_call(__func__)

static int is_regular(int fd) {
  struct stat st;
  return fd > 2 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

static int opens_for_writing(int flags) {
  return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0;
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static int opened(int fd) {
  if (fd >= 0 && fd < MAX_TRACKED_FD) atomic_store(&g_written[fd], 0);
  return fd;
}

static int open_common(int dirfd, const char* path, int flags, mode_t mode, int at) {
  if (opens_for_writing(flags) && (flags & O_DIRECTORY) == 0) {
    struct stat st;
    const int exists = (at ? fstatat(dirfd, path, &st, 0) : stat(path, &st)) == 0;
    // An open that would find nothing to open fails anyway: not counted.
    const int counted = exists ? S_ISREG(st.st_mode) : (flags & O_CREAT) != 0;
    if (counted && counted_call(path)) {
      errno = ENOSPC;
      return -1;
    }
  }
  static int (*real_openat)(int, const char*, int, ...);
  if (real_openat == NULL) real_openat = (int (*)(int, const char*, int, ...))dlsym(RTLD_NEXT, "openat");
  return opened(real_openat(at ? dirfd : AT_FDCWD, path, flags, mode));
}

// The mode argument, present only when a file may be created.
#define MODE_ARGUMENT(flags)                    \
  mode_t mode = 0;                              \
  if ((flags) & (O_CREAT | O_TMPFILE)) {        \
    va_list ap;                                 \
    va_start(ap, flags);                        \
    mode = va_arg(ap, mode_t);                  \
    va_end(ap);                                 \
  }

int open(const char* path, int flags, ...) {
  MODE_ARGUMENT(flags)
  return open_common(AT_FDCWD, path, flags, mode, 0);
}

int open64(const char* path, int flags, ...) {
  MODE_ARGUMENT(flags)
  return open_common(AT_FDCWD, path, flags, mode, 0);
}

int openat(int dirfd, const char* path, int flags, ...) {
  MODE_ARGUMENT(flags)
  return open_common(dirfd, path, flags, mode, 1);
}

int openat64(int dirfd, const char* path, int flags, ...) {
  MODE_ARGUMENT(flags)
  return open_common(dirfd, path, flags, mode, 1);
}

#define FAIL_ON_REGULAR(fd, error)                 \
  do {                                             \
    if (is_regular(fd) && counted_call_fails()) {  \
      errno = (error);                             \
      return -1;                                   \
    }                                              \
  } while (0)

static void mark_written(int fd) {
  if (fd >= 0 && fd < MAX_TRACKED_FD) atomic_store(&g_written[fd], 1);
}

ssize_t write(int fd, const void* buf, size_t n) {
  FAIL_ON_REGULAR(fd, ENOSPC);
  mark_written(fd);
  return NEXT(write)(fd, buf, n);
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t at) {
  FAIL_ON_REGULAR(fd, ENOSPC);
  mark_written(fd);
  return NEXT(pwrite)(fd, buf, n, at);
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t at) {
  FAIL_ON_REGULAR(fd, ENOSPC);
  mark_written(fd);
  return NEXT(pwrite64)(fd, buf, n, at);
}

ssize_t writev(int fd, const struct iovec* iov, int count) {
  FAIL_ON_REGULAR(fd, ENOSPC);
  mark_written(fd);
  return NEXT(writev)(fd, iov, count);
}

int fsync(int fd) {
  FAIL_ON_REGULAR(fd, EIO);
  return NEXT(fsync)(fd);
}

int fdatasync(int fd) {
  FAIL_ON_REGULAR(fd, EIO);
  return NEXT(fdatasync)(fd);
}

int fchmod(int fd, mode_t mode) {
  FAIL_ON_REGULAR(fd, EIO);
  return NEXT(fchmod)(fd, mode);
}

int fchown(int fd, uid_t owner, gid_t group) {
  FAIL_ON_REGULAR(fd, EIO);
  return NEXT(fchown)(fd, owner, group);
}

int close(int fd) {
  const int tracked = fd >= 0 && fd < MAX_TRACKED_FD;
  const int written = tracked && atomic_exchange(&g_written[fd], 0) && is_regular(fd);
  const int status = NEXT(close)(fd);
  if (written && status == 0 && counted_call_fails()) {
    errno = EIO;
    return -1;
  }
  return status;
}

#define FAIL_ALWAYS_COUNTED(error)  \
  do {                              \
    if (counted_call_fails()) {     \
      errno = (error);              \
      return -1;                    \
    }                               \
  } while (0)

int rename(const char* from, const char* to) {
  FAIL_ALWAYS_COUNTED(EIO);
  return NEXT(rename)(from, to);
}

int renameat(int from_dir, const char* from, int to_dir, const char* to) {
  FAIL_ALWAYS_COUNTED(EIO);
  return NEXT(renameat)(from_dir, from, to_dir, to);
}

int renameat2(int from_dir, const char* from, int to_dir, const char* to, unsigned flags) {
  FAIL_ALWAYS_COUNTED(EIO);
  return NEXT(renameat2)(from_dir, from, to_dir, to, flags);
}

__attribute__((destructor)) static void report_count(void) {
  const char* file = getenv("AIRACE_FAULT_COUNT");
  if (file == NULL) return;
  FILE* f = fopen(file, "w");
  if (f == NULL) return;
  fprintf(f, "%ld\n", atomic_load(&g_calls));
  fclose(f);
}
