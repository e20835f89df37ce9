#pragma once
// The one way airace writes a file that a user named (run and sweep files, CSV tables, the
// seminar's codes): the target is checked before anything runs, the new content goes to a
// temporary file of its own in the target's folder, and only once every byte is on disk is it
// renamed onto the target. So a failure (a full disk, an I/O error, a kill) leaves the file that
// was there before, and two writers of one file cannot interleave.
//
// Rules for a target (check_output_path, docs/scenarios.md "Where results are written"):
// - it is absent or a regular file: a directory, a device (/dev/null), a FIFO, a socket or a
//   symbolic link is refused;
// - it is none of the files the command reads (the scenario and each file its extends: chain
//   names, a sweep file and its base, the files compared or merged), by identity (device and
//   inode), so another name for the same file is refused too;
// - a read-only file (no write bit, or not writable by this user) is replaced only with force;
// - its folder exists.
// A replaced file keeps its mode (and, for root, its owner and group).
//
// Temporaries are named ".<target name>.<12 random characters>.airace-tmp", created with
// O_EXCL|O_NOFOLLOW (a planted file or link makes the creation fail instead of being written
// through) and locked (flock) while their writer lives; the lock of a target is the file
// ".<target name>.airace-lock" beside it, which names its holder ("pid 4242 on node17, since
// 2026-12-05 14:03:27 UTC") for the refusal of a second writer. A writer that dies (SIGKILL,
// power cut) leaves both behind unlocked: the next FileReplacement in the same folder removes
// every such leftover whose lock it can take. On file systems without flock (some cluster file
// systems) nothing is locked and leftovers are not removed.

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace airace {

// Writing an output failed; the message names the file and what failed. Nothing is left at the
// target path that was not there before.
class OutputError : public std::runtime_error {
 public:
  OutputError(const std::filesystem::path& path, const std::string& what);
  const std::filesystem::path& path() const { return path_; }
  // The one exception to "nothing was written": the new file is complete and in place, but its
  // folder could not be flushed to disk.
  bool replaced = false;

 private:
  std::filesystem::path path_;
};

struct OutputRules {
  std::string option = "--output";            // where the path came from, for messages
  std::vector<std::filesystem::path> inputs;  // files the command reads: never a target
  bool force = false;                         // replace a read-only file
  std::optional<mode_t> mode;                 // the file's mode whatever was there (secrets)

  OutputRules() = default;
  explicit OutputRules(std::string option_name, std::vector<std::filesystem::path> read = {},
                       bool replace_read_only = false, std::optional<mode_t> file_mode = {})
      : option(std::move(option_name)),
        inputs(std::move(read)),
        force(replace_read_only),
        mode(file_mode) {}
};

// Refuses a target that breaks the rules above with an InputError located at rules.option,
// saying what it is and what to do instead.
void check_output_path(const std::filesystem::path& target, const OutputRules& rules);

// A new version of `target`, written to a temporary file and renamed onto it by commit().
// Construction checks the rules, takes the target's lock (an InputError naming the holder when
// another process holds it), removes dead writers' leftovers and creates the temporary file;
// destruction without commit removes the temporary. Every failure of a write, a flush, a sync
// or a rename is an OutputError naming the target and the reason.
class FileReplacement {
 public:
  FileReplacement(std::filesystem::path target, OutputRules rules);
  ~FileReplacement();
  FileReplacement(const FileReplacement&) = delete;
  FileReplacement& operator=(const FileReplacement&) = delete;

  void write(std::string_view bytes);
  // Flushes the content to disk, gives it the target's mode, renames it onto the target and
  // flushes the folder, so that after a power cut the target is the old or the new file.
  void commit();
  const std::filesystem::path& target() const { return target_; }
  // The temporary file, for a library that must open it by name (HDF5). It must have closed
  // the file, and checked that close, before commit().
  const std::filesystem::path& temporary() const { return temporary_; }

 private:
  [[noreturn]] void fail(const std::string& what, int error) const;
  void create_temporary();
  void release() noexcept;

  std::filesystem::path target_;
  OutputRules rules_;
  std::filesystem::path lock_path_;
  std::filesystem::path temporary_;
  int lock_fd_ = -1;      // holds the target's lock
  int fd_ = -1;           // the temporary file, written
  int lock_keeper_ = -1;  // the temporary file's lock, kept past closing fd_
  bool committed_ = false;
};

// Whether `file_name` is that of a FileReplacement's temporary file or lock file.
bool is_replacement_file_name(std::string_view file_name);

// The whole of `bytes` as the new `target`, by a FileReplacement.
void replace_file(const std::filesystem::path& target, std::string_view bytes,
                  const OutputRules& rules);

}  // namespace airace
