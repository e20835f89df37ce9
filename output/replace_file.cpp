#include "output/replace_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <system_error>
#include <thread>

#include "sim/core/diagnostics.hpp"

namespace airace {

OutputError::OutputError(const std::filesystem::path& path, const std::string& what)
    : std::runtime_error("cannot write '" + path.string() + "': " + what), path_(path) {}

namespace {

namespace fs = std::filesystem;

constexpr const char* kTemporarySuffix = ".airace-tmp";
constexpr const char* kLockSuffix = ".airace-lock";
// A leftover is removed only once it is this old: its writer locks it a moment after creating
// it, and the cleaner must not take that moment for death.
constexpr auto kLeftoverAge = std::chrono::seconds(60);
// File names are at most 255 bytes (NAME_MAX); the prefix and suffixes take 32 of them.
constexpr std::size_t kNameStemMax = 200;

std::string reason(int error) { return std::error_code(error, std::generic_category()).message(); }

fs::path folder_of(const fs::path& target) {
  return target.parent_path().empty() ? fs::path(".") : target.parent_path();
}

std::string stem_of(const fs::path& target) {
  return target.filename().string().substr(0, kNameStemMax);
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

[[noreturn]] void refuse(const OutputRules& rules, const std::string& message) {
  throw InputError({rules.option, 0, 0}, message);
}

bool unsupported_lock(int error) {
  return error == ENOLCK || error == EOPNOTSUPP || error == ENOSYS || error == EINVAL;
}

// Twelve characters from the kernel's random source: a name no one can guess in advance.
std::string random_name_part() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char bytes[12];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "getrandom");
    got += static_cast<std::size_t>(n);
  }
  std::string part;
  for (unsigned char b : bytes) part += kAlphabet[b % (sizeof kAlphabet - 1)];
  return part;
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Who holds a target's lock, as its lock file says: "pid 4242 on node17, since 2026-12-05
// 14:03:27 UTC". A user who finds a file busy learns which process to wait for, and where.
std::string lock_owner_line() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "?");
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char since[32] = {};
  std::strftime(since, sizeof since, "%Y-%m-%d %H:%M:%S UTC", &utc);
  return "pid " + std::to_string(::getpid()) + " on " + host + ", since " + since + "\n";
}

// Ours now: a dead writer's line, if any, gives way to this process's. Written through a
// descriptor of its own, closed at once, so that the lock's descriptor is never written and its
// close at the very end cannot report a deferred write error (as NFS does on close) after the
// output is in place. Best effort: the lock, not its text, keeps other writers out; on a full
// disk a second writer's refusal names no one.
void write_lock_owner(const fs::path& lock, int lock_fd) {
  const int fd = ::open(lock.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  struct stat held {};
  struct stat opened {};
  if (::fstat(lock_fd, &held) == 0 && ::fstat(fd, &opened) == 0 && same_file(held, opened) &&
      ::ftruncate(fd, 0) == 0) {
    const std::string owner = lock_owner_line();
    [[maybe_unused]] const ssize_t written = ::pwrite(fd, owner.data(), owner.size(), 0);
  }
  ::close(fd);
}

// The holder's line from an open lock file, or "" when there is none (yet: the holder writes it
// just after taking the lock, so an empty file is read again for a moment). Only printable
// characters of the first line, at most 200: the file could hold anything.
std::string read_lock_owner(int fd) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    char buffer[256] = {};
    const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    std::string line;
    for (ssize_t i = 0; i < n && buffer[i] != '\n' && line.size() < 200; ++i)
      if (buffer[i] >= ' ' && buffer[i] <= '~') line += buffer[i];
    if (!line.empty() || n < 0) return line;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return "";
}

// Removes the temporaries and lock files of writers that died, in `folder`: those whose lock
// can be taken and that are old enough. Best effort: anything unexpected is left alone.
void remove_leftovers(const fs::path& folder, const fs::path& own_lock) {
  std::error_code ec;
  fs::directory_iterator it(folder, ec);
  if (ec) return;
  const auto now = std::chrono::system_clock::now();
  for (const fs::directory_entry& entry : it) {
    const std::string name = entry.path().filename().string();
    if (!is_replacement_file_name(name) || entry.path() == own_lock) continue;
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat opened {};
    struct stat named {};
    if (::fstat(fd, &opened) == 0 && S_ISREG(opened.st_mode) &&
        ::flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        ::lstat(entry.path().c_str(), &named) == 0 && same_file(opened, named) &&
        now - std::chrono::system_clock::from_time_t(opened.st_mtime) > kLeftoverAge)
      ::unlink(entry.path().c_str());
    ::close(fd);
  }
}

}  // namespace

bool is_replacement_file_name(std::string_view name) {
  return name.starts_with('.') && (name.ends_with(kTemporarySuffix) || name.ends_with(kLockSuffix));
}

void check_output_path(const fs::path& target, const OutputRules& rules) {
  const fs::path folder = folder_of(target);
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    refuse(rules, "the directory '" + folder.string() + "' does not exist");
  struct stat st {};
  if (::lstat(target.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    refuse(rules, "cannot examine '" + target.string() + "': " + reason(errno));
  }
  if (S_ISLNK(st.st_mode)) {
    std::error_code ignored;
    const fs::path points_to = fs::read_symlink(target, ignored);
    refuse(rules, "'" + target.string() + "' is a symbolic link (to '" + points_to.string() +
                      "'): airace writes a new file and renames it onto the name, which would "
                      "replace the link and leave the file it points to; name that file instead");
  }
  if (!S_ISREG(st.st_mode))
    refuse(rules, "'" + target.string() + "' is " + kind_of(st.st_mode) +
                      ": airace writes results only to a regular file (one that does not exist "
                      "yet, or one it may replace)");
  for (const fs::path& input : rules.inputs) {
    struct stat in {};
    if (::stat(input.c_str(), &in) == 0 && same_file(in, st))
      refuse(rules, "'" + target.string() + "' is " +
                        (input == target ? std::string("a file")
                                         : "'" + input.string() + "' under another name, a file") +
                        " which this command reads: writing there would destroy it; choose "
                        "another output file");
  }
  if (!rules.force && ((st.st_mode & 0222) == 0 || ::access(target.c_str(), W_OK) != 0))
    refuse(rules, "'" + target.string() + "' is read-only (mode " + octal_mode(st.st_mode) +
                      "); add --force to replace it");
}

FileReplacement::FileReplacement(fs::path target, OutputRules rules)
    : target_(std::move(target)), rules_(std::move(rules)) {
  check_output_path(target_, rules_);
  const fs::path folder = folder_of(target_);

  // The target's lock: a file beside it, removed when the lock is let go. A lock file unlinked
  // by its holder between our open and our flock is detected by its name no longer naming it.
  lock_path_ = folder / ("." + stem_of(target_) + kLockSuffix);
  for (int attempt = 0; attempt < 100 && lock_fd_ < 0; ++attempt) {
    const int fd =
        ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) fail("cannot create files in the directory '" + folder.string() + "'", errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      const std::string owner = error == EWOULDBLOCK ? read_lock_owner(fd) : "";
      ::close(fd);
      if (error == EWOULDBLOCK)
        refuse(rules_, "'" + target_.string() + "' is being written by another airace process (" +
                           (owner.empty() ? "" : owner + "; ") +
                           "its lock: " + lock_path_.string() +
                           "); wait for it to end or choose another output file");
      if (unsupported_lock(error)) {  // no locks on this file system: go on without
        ::unlink(lock_path_.c_str());
        lock_path_.clear();
        break;
      }
      fail("cannot lock '" + lock_path_.string() + "'", error);
    }
    struct stat opened {};
    struct stat named {};
    if (::fstat(fd, &opened) == 0 && ::lstat(lock_path_.c_str(), &named) == 0 &&
        same_file(opened, named))
      lock_fd_ = fd;
    else
      ::close(fd);
  }
  if (lock_fd_ >= 0) write_lock_owner(lock_path_, lock_fd_);
  if (lock_fd_ < 0 && !lock_path_.empty())
    fail("cannot lock '" + lock_path_.string() + "': it keeps being replaced", EAGAIN);
  try {
    create_temporary();
  } catch (...) {
    release();
    throw;
  }
}

void FileReplacement::create_temporary() {
  const fs::path folder = folder_of(target_);
  remove_leftovers(folder, lock_path_);
  const mode_t mode = rules_.mode.value_or(0666);  // the umask applies
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    const fs::path name =
        folder / ("." + stem_of(target_) + "." + random_name_part() + kTemporarySuffix);
    fd_ = ::open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd_ >= 0) temporary_ = name;
    else if (errno != EEXIST)
      fail("cannot create a temporary file in the directory '" + folder.string() + "'", errno);
  }
  if (fd_ < 0) fail("cannot create a temporary file with a new name", EEXIST);
  // Locked while this process lives, so that no one takes it for a dead writer's; a second
  // descriptor keeps the lock after the first is closed (closing is where some file systems
  // report a failed write).
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) lock_keeper_ = ::dup(fd_);
}

FileReplacement::~FileReplacement() { release(); }

void FileReplacement::release() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!committed_ && !temporary_.empty()) ::unlink(temporary_.c_str());
  temporary_.clear();
  if (lock_keeper_ >= 0) ::close(lock_keeper_);
  lock_keeper_ = -1;
  if (lock_fd_ >= 0) {
    ::unlink(lock_path_.c_str());
    ::close(lock_fd_);
  }
  lock_fd_ = -1;
}

void FileReplacement::fail(const std::string& what, int error) const {
  throw OutputError(target_, what + ": " + reason(error));
}

void FileReplacement::write(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("writing the temporary file '" + temporary_.string() + "'", errno);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void FileReplacement::commit() {
  // What is there now decides the mode: the file may have changed while we computed.
  struct stat old {};
  const bool replacing = ::lstat(target_.c_str(), &old) == 0;
  if (replacing && !S_ISREG(old.st_mode))
    fail("it became " + std::string(kind_of(old.st_mode)) + " while airace ran", EEXIST);
  if (rules_.mode) {
    if (::fchmod(fd_, *rules_.mode) != 0) fail("setting the mode of the new file", errno);
  } else if (replacing) {
    if (::geteuid() == 0 && ::fchown(fd_, old.st_uid, old.st_gid) != 0)
      fail("giving the new file the owner of the old one", errno);
    if (::fchmod(fd_, old.st_mode & 07777) != 0) fail("giving the new file the old one's mode", errno);
  }
  if (::fsync(fd_) != 0) fail("flushing the new file to disk", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("closing the new file", errno);
  if (::rename(temporary_.c_str(), target_.c_str()) != 0)
    fail("renaming '" + temporary_.string() + "' onto it", errno);
  committed_ = true;
  const fs::path folder = folder_of(target_);
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0 || ::fsync(dir) != 0) {
    const int error = errno;
    if (dir >= 0) ::close(dir);
    OutputError e(target_, "the new file is in place, but flushing its directory to disk failed "
                           "(after a power cut the old file could come back): " + reason(error));
    e.replaced = true;
    throw e;
  }
  ::close(dir);
}

void replace_file(const fs::path& target, std::string_view bytes, const OutputRules& rules) {
  FileReplacement file(target, rules);
  file.write(bytes);
  file.commit();
}

}  // namespace airace
