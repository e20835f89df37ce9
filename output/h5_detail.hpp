#pragma once
// Shared by the HDF5 writer and reader (private to output/): owned HDF5 handles, HDF5 errors
// turned into exceptions with HDF5's own reason, and silence on HDF5's error stack.

#include <hdf5.h>

#include <string>
#include <utility>
#include <vector>

namespace airace::h5 {

// A failed HDF5 operation; the writer turns it into an OutputError, the reader into an
// InputError, each naming the file.
struct Failure {
  std::string what;
  std::string hint = {};
};

// The most specific line of HDF5's error stack ("truncated file: eof = ...", "Permission
// denied"), so that a message says why and not only which call failed. Clears the stack.
std::string error_detail();

// Throws Failure{what (detail)}.
[[noreturn]] void fail(const std::string& what);

template <class T>
T check(T status, const std::string& what) {
  if (status < 0) fail(what);
  return status;
}

// Owns one HDF5 identifier and closes it with the matching H5?close.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*closer)(hid_t), const std::string& what) : id_(id), close_(closer) {
    if (id_ < 0) fail(what);
  }
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, -1)), close_(o.close_) {}
  Handle& operator=(Handle&& o) noexcept {
    std::swap(id_, o.id_);
    std::swap(close_, o.close_);
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }
  // Closes now and reports failure: closing a file is where buffered data reaches the disk.
  void close(const std::string& what) {
    const herr_t status = close_(std::exchange(id_, -1));
    if (status < 0) fail(what);
  }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

// Keeps HDF5 from printing its error stack to stderr while it lives: failures become
// exceptions instead. Restores the previous setting afterwards.
class QuietErrors {
 public:
  QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// Throws Failure when `count` values of `bytes_each` bytes would take more than 3/4 of the
// machine's physical memory: a damaged or foreign file may declare a dataset of 10^12 values
// in a few kB on disk (chunks never written read as fill values).
void check_fits_in_memory(double count, double bytes_each, const std::string& what);

// Marks a file as the one being read while it lives, for file_being_read() (h5_reader.hpp).
// One at a time: readers do not nest.
class ReadingFile {
 public:
  explicit ReadingFile(const std::string& path);
  ~ReadingFile();
  ReadingFile(const ReadingFile&) = delete;
  ReadingFile& operator=(const ReadingFile&) = delete;
};

// Marks, while it lives, that HDF5 is reading `count` variable-length strings, with a deadline
// for text_read_overdue() (h5_reader.hpp): HDF5 1.10 loops for ever on a damaged global heap
// (where such strings live) whose object size makes the next object start where it began.
class ReadingText {
 public:
  explicit ReadingText(std::size_t count);
  ~ReadingText();
  ReadingText(const ReadingText&) = delete;
  ReadingText& operator=(const ReadingText&) = delete;
};

// File access properties for writing a FileReplacement's temporary file (output/replace_file.hpp):
// closing the file closes anything an exception left open, and HDF5 does not lock the file,
// which the FileReplacement holds locked already (flock locks of one process conflict).
Handle temporary_file_access();
// File access properties for a file built in memory (HDF5's core driver, no backing store), for
// bytes that go elsewhere (a download): nothing touches the disk.
Handle in_memory_access();
// A name for a new in-memory file that no other open file has (HDF5 refuses to create a file
// of a name it has open).
std::string in_memory_name();
// The bytes of an open file, after flushing it.
std::string file_image(hid_t file);

// Variable-length UTF-8: h5py then returns attributes as str, and netCDF readers see NC_STRING.
Handle utf8_string_type();
Handle scalar_space();
Handle simple_space(const std::vector<hsize_t>& dims);

// Attributes written by both writers (run files and sweep files).
void set_string_attr(hid_t obj, const std::string& name, const std::string& value);
void set_string_array_attr(hid_t obj, const std::string& name,
                           const std::vector<std::string>& values);
void set_uint64_attr(hid_t obj, const std::string& name, unsigned long long value);
void set_int32_attr(hid_t obj, const std::string& name, int value);

}  // namespace airace::h5
