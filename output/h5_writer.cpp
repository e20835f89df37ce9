#include "output/h5_writer.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "output/chunk_codec.hpp"
#include "output/h5_detail.hpp"
#include "output/meta_checksum.hpp"

namespace airace {

namespace {

constexpr int kLayoutVersion = 1;
constexpr std::size_t kChunkBytesMax = 512 * 1024;
// Level 1: at level 4 zlib took 83% of a 200-replicate baseline run, for files only 4% smaller.
constexpr unsigned kDeflateLevel = 1;

using h5::check;
using h5::fail;
using h5::Handle;
using h5::scalar_space;
using h5::set_int32_attr;
using h5::set_string_array_attr;
using h5::set_string_attr;
using h5::set_uint64_attr;
using h5::simple_space;
using h5::utf8_string_type;

// Tracking creation order keeps h5dump and h5py listings in the order written, and netCDF-C
// wants it indexed when it is tracked.
constexpr unsigned kCreationOrder = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;

// Objects carry no creation or modification times: the same run writes the same bytes, whenever
// and however fast it is written (h5py does the same).
void no_times(hid_t object_creation, const std::string& what) {
  check(H5Pset_obj_track_times(object_creation, false), what);
}

Handle create_group(hid_t parent, const std::string& name) {
  Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "creating group properties");
  check(H5Pset_link_creation_order(gcpl.get(), kCreationOrder), "creating group properties");
  check(H5Pset_attr_creation_order(gcpl.get(), kCreationOrder), "creating group properties");
  no_times(gcpl.get(), "creating group properties");
  return Handle(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
                "creating group " + name);
}

Handle dataset_properties() {
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "creating dataset properties");
  check(H5Pset_attr_creation_order(dcpl.get(), kCreationOrder), "creating dataset properties");
  no_times(dcpl.get(), "creating dataset properties");
  return dcpl;
}

Handle write_strings(hid_t parent, const std::string& name,
                     const std::vector<std::string>& values) {
  const Handle type = utf8_string_type();
  const Handle space = simple_space({values.size()});
  const Handle dcpl = dataset_properties();
  Handle ds(H5Dcreate2(parent, name.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(),
                       H5P_DEFAULT),
            H5Dclose, "creating dataset " + name);
  std::vector<const char*> texts;
  texts.reserve(values.size());
  for (const std::string& v : values) texts.push_back(v.c_str());
  // HDF5 converts variable-length strings through a conversion and a background buffer that it
  // clears on every write, 1 MiB each by default: sized to the pointers written instead, the
  // hundreds of short axis and column writes of a run no longer clear gigabytes.
  const Handle xfer(H5Pcreate(H5P_DATASET_XFER), H5Pclose, "creating transfer properties");
  check(H5Pset_buffer(xfer.get(), std::max<std::size_t>(texts.size(), 64) * sizeof(hvl_t),
                      nullptr, nullptr),
        "setting the conversion buffer of " + name);
  if (!texts.empty())
    check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, xfer.get(), texts.data()),
          "writing dataset " + name);
  return ds;
}

Handle write_numbers(hid_t parent, const std::string& name, hid_t file_type, hid_t memory_type,
                     const void* data, std::size_t count) {
  const Handle space = simple_space({count});
  const Handle dcpl = dataset_properties();
  Handle ds(H5Dcreate2(parent, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(),
                       H5P_DEFAULT),
            H5Dclose, "creating dataset " + name);
  if (count > 0)
    check(H5Dwrite(ds.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
          "writing dataset " + name);
  return ds;
}

Handle write_int64s(hid_t parent, const std::string& name, const std::vector<int64_t>& values) {
  return write_numbers(parent, name, H5T_STD_I64LE, H5T_NATIVE_INT64, values.data(), values.size());
}

Handle write_doubles(hid_t parent, const std::string& name, const std::vector<double>& values) {
  return write_numbers(parent, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.data(),
                       values.size());
}

// Dates as CF conventions want them, so that xarray decodes them to datetime64.
Handle write_days(hid_t parent, const std::string& name, const std::vector<int64_t>& days) {
  Handle ds = write_int64s(parent, name, days);
  set_string_attr(ds.get(), "units", "days since 1970-01-01");
  set_string_attr(ds.get(), "calendar", "proleptic_gregorian");
  return ds;
}

Handle write_int8s(hid_t parent, const std::string& name, const std::vector<int8_t>& values) {
  return write_numbers(parent, name, H5T_STD_I8LE, H5T_NATIVE_INT8, values.data(), values.size());
}

void make_scale(hid_t ds, const std::string& name) {
  check(H5DSset_scale(ds, name.c_str()), "making " + name + " a dimension scale");
}

void attach(hid_t ds, hid_t scale, unsigned dim, const std::string& what) {
  check(H5DSattach_scale(ds, scale, dim), "attaching a dimension scale to " + what);
}

void label(hid_t ds, unsigned dim, const std::string& text, const std::string& what) {
  check(H5DSset_label(ds, dim, text.c_str()), "labelling the dimensions of " + what);
}

std::string time_coordinate_name(Cadence c) { return "time_" + std::string(cadence_name(c)); }

// Chunks of at most kChunkBytesMax holding whole time series (and whole entity rows) where they
// fit: readers usually want a series over all of time, for several replicates at once.
// Whole entity rows, then whole time series, then replicates, as far as the budget allows:
// each dimension from the last one back takes what is left of it.
std::vector<hsize_t> chunk_shape(const std::vector<hsize_t>& shape) {
  const hsize_t budget = kChunkBytesMax / sizeof(double);
  std::vector<hsize_t> chunk(shape.size(), 1);
  hsize_t used = 1;
  for (std::size_t d = shape.size(); d-- > 0;) {
    chunk[d] = std::min(shape[d], std::max<hsize_t>(1, budget / used));
    used *= chunk[d];
  }
  return chunk;
}

// Chunks compressed ahead of the thread that hands them to HDF5, in the order it will want
// them. Helper threads claim chunks in that order, at most `window` ahead of the last one
// written (so the compressed bytes held stay bounded), and the HDF5 thread compresses the next
// unclaimed chunk itself rather than wait. Each chunk's bytes are a function of its values
// alone, so the file is the same whichever thread compressed what, and with no helpers at all.
// Compression thus runs while HDF5 creates datasets, attaches scales and writes: with a barrier
// per batch of chunks, one core waited for the other at every batch and every dataset.
class ChunkPipeline {
 public:
  // compress(j, out) writes chunk j's compressed bytes to the front of `out` and returns their
  // number; it runs on any thread, several at once.
  using Compress = std::function<std::size_t(std::size_t, std::vector<unsigned char>&)>;

  ChunkPipeline(std::size_t count, std::size_t helpers, Compress compress)
      : count_(count),
        compress_(std::move(compress)),
        ready_(count, 0),
        slots_(kWindow),
        sizes_(kWindow, 0) {
    helpers = std::min(helpers, count);
    try {
      for (std::size_t h = 0; h < helpers; ++h) threads_.emplace_back([this] { help(); });
    } catch (...) {
      stop();
      throw;
    }
  }
  ChunkPipeline(const ChunkPipeline&) = delete;
  ChunkPipeline& operator=(const ChunkPipeline&) = delete;
  ~ChunkPipeline() { stop(); }

  // Chunk j's bytes, which stay valid until release(j). Chunks are taken in order: j is the
  // one after the last released.
  std::span<const unsigned char> take(std::size_t j) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!ready_[j]) {
      if (failure_) std::rethrow_exception(failure_);
      if (claimable()) {
        run(next_++, lock);
      } else {
        changed_.wait(lock);
      }
    }
    return {slots_[j % kWindow].data(), sizes_[j % kWindow]};
  }

  void release(std::size_t j) {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      written_ = j + 1;
    }
    changed_.notify_all();
  }

 private:
  // Chunks compressed but not yet written, at most: 64 x 512 KiB.
  static constexpr std::size_t kWindow = 64;

  bool claimable() const { return next_ < count_ && next_ < written_ + kWindow; }

  // Compresses chunk j into its slot, the lock released meanwhile.
  void run(std::size_t j, std::unique_lock<std::mutex>& lock) {
    lock.unlock();
    std::size_t size = 0;
    std::exception_ptr failure;
    try {
      size = compress_(j, slots_[j % kWindow]);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    if (failure) {
      if (!failure_) failure_ = failure;
    } else {
      sizes_[j % kWindow] = size;
      ready_[j] = 1;
    }
    changed_.notify_all();
  }

  void help() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      changed_.wait(lock,
                    [this] { return stopping_ || failure_ || next_ >= count_ || claimable(); });
      if (stopping_ || failure_ || next_ >= count_) return;
      run(next_++, lock);
    }
  }

  void stop() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

  const std::size_t count_;
  const Compress compress_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<char> ready_;                        // chunk j compressed and not yet overwritten
  std::vector<std::vector<unsigned char>> slots_;  // chunk j in slot j % kWindow
  std::vector<std::size_t> sizes_;
  std::size_t next_ = 0;     // chunks claimed so far
  std::size_t written_ = 0;  // chunks released so far
  bool stopping_ = false;
  std::exception_ptr failure_;
  std::vector<std::thread> threads_;
};

// Everything a group of series needs to be read as one netCDF group: its coordinate copies.
struct GroupCoordinates {
  std::set<Cadence> cadences;
  std::set<AxisId> foreign_axes;  // entity axes defined in another group
};

class RunFileWriter {
 public:
  RunFileWriter(hid_t file, const RunResult& result) : file_(file), result_(result) {}

  void write() {
    write_meta();
    write_canonical_axes();
    // Every entity axis before any series: a series may use the axis of a later group.
    for (const std::string& group : group_order()) {
      const Handle g = create_group(file_, group);
      for (AxisId a = 0; a < result_.catalog.axes().size(); ++a)
        if (result_.catalog.axes()[a].group == group) write_entity_axis(g.get(), a);
    }
    plan_chunks();
    // The HDF5 thread is one of the threads the command may use; the others help compress.
    const std::size_t threads = oneapi::tbb::global_control::active_value(
        oneapi::tbb::global_control::max_allowed_parallelism);
    ChunkPipeline pipeline(chunk_jobs_.size(), threads > 1 ? threads - 1 : 0,
                           [this](std::size_t j, std::vector<unsigned char>& out) {
                             const ChunkJob& job = chunk_jobs_[j];
                             thread_local std::vector<double> raw;
                             gather_chunk(job.id, grids_.at(job.id), job.k, raw);
                             return shuffle_deflate_into(raw, kDeflateLevel, out);
                           });
    // The event tables' columns are worked out meanwhile on a thread of their own, so that
    // only HDF5's part of them is left once the series are written. Tables in order: the
    // first bad value found is the one the serial order would find.
    const std::size_t tables = result_.catalog.event_tables().size();
    std::vector<PreparedEvents> prepared(tables);
    std::size_t prepared_count = 0;
    std::exception_ptr prepare_failure;
    auto prepare = [&] {
      try {
        for (; prepared_count < tables; ++prepared_count)
          prepared[prepared_count] = prepare_event_table(prepared_count);
      } catch (...) {
        prepare_failure = std::current_exception();
      }
    };
    struct Joined {  // joined however write() ends
      std::thread thread;
      ~Joined() {
        if (thread.joinable()) thread.join();
      }
    } preparer;
    if (threads > 1) preparer.thread = std::thread(prepare);
    pipeline_ = &pipeline;
    for (const std::string& group : group_order()) write_series_group(group);
    pipeline_ = nullptr;
    if (preparer.thread.joinable()) {
      preparer.thread.join();
    } else {
      prepare();
    }
    for (EventTableId t = 0; t < tables; ++t) {
      if (t >= prepared_count) std::rethrow_exception(prepare_failure);
      write_event_table(t, prepared[t]);
      prepared[t] = PreparedEvents();  // its memory back as soon as it is written
    }
    if (!result_.draws.empty()) write_draws();
  }

 private:
  // The dataset shape of series id: replicate, time, entities.
  std::vector<hsize_t> series_shape(SeriesId id) const {
    const SeriesCatalog& cat = result_.catalog;
    const SeriesSpec& spec = cat.series()[id];
    std::vector<hsize_t> shape = {result_.replicates.size(), cat.time_count(spec)};
    for (AxisId a : spec.entity_axes) shape.push_back(cat.axes()[a].ids.size());
    return shape;
  }

  static bool is_empty(const std::vector<hsize_t>& shape) {
    return std::find(shape.begin(), shape.end(), hsize_t{0}) != shape.end();
  }

  // Every replicate holds the values its catalog lays out, checked before any chunk is
  // gathered.
  void check_series_sizes() const {
    const SeriesCatalog& cat = result_.catalog;
    for (SeriesId id = 0; id < cat.series().size(); ++id) {
      const SeriesSpec& spec = cat.series()[id];
      const std::size_t times = cat.time_count(spec);
      const std::size_t entities = cat.entity_count(spec);
      for (std::size_t r = 0; r < result_.replicates.size(); ++r)
        if (result_.replicates[r].values(id).size() != times * entities)
          throw h5::Failure{"replicate " + std::to_string(r) + " holds " +
                            std::to_string(result_.replicates[r].values(id).size()) +
                            " values of " + spec.group + "/" + spec.name +
                            " where its catalog says " + std::to_string(times) + " times x " +
                            std::to_string(entities) + " entities"};
    }
  }

  // Every chunk of every series, in the order write_series hands them to HDF5.
  void plan_chunks() {
    check_series_sizes();
    const SeriesCatalog& cat = result_.catalog;
    for (const std::string& group : group_order())
      for (SeriesId s = 0; s < cat.series().size(); ++s) {
        if (cat.series()[s].group != group) continue;
        const std::vector<hsize_t> shape = series_shape(s);
        if (is_empty(shape)) continue;
        const std::vector<hsize_t> chunk = chunk_shape(shape);
        const auto [it, added] =
            grids_.emplace(s, ChunkGrid(std::vector<std::uint64_t>(shape.begin(), shape.end()),
                                        std::vector<std::uint64_t>(chunk.begin(), chunk.end())));
        if (!added) continue;
        first_job_.emplace(s, chunk_jobs_.size());
        for (std::size_t k = 0; k < it->second.chunk_count(); ++k) chunk_jobs_.push_back({s, k});
      }
  }

  void write_meta() {
    const RunMetadata& m = result_.meta;
    const Handle meta = create_group(file_, "meta");
    // Everything written here is covered by checksum_sha256 (output/meta_checksum.hpp).
    h5::CoveredMeta covered(meta.get());
    covered.text("program_version", m.program_version);
    covered.text("git_revision", m.git_revision);
    covered.text("scenario_name", m.scenario_name);
    covered.text("scenario_file", m.scenario_file);
    covered.text("command_line", m.command_line);
    covered.text("created_utc", m.created_utc);
    covered.count("seed", m.seed);
    covered.count("replicates", result_.replicates.size());
    covered.int32("layout_version", kLayoutVersion);

    const Handle type = utf8_string_type();
    const Handle space = scalar_space();
    const Handle dcpl = dataset_properties();
    const Handle yaml(H5Dcreate2(meta.get(), "scenario_yaml", type.get(), space.get(), H5P_DEFAULT,
                                 dcpl.get(), H5P_DEFAULT),
                      H5Dclose, "creating /meta/scenario_yaml");
    const char* text = m.resolved_scenario_yaml.c_str();
    check(H5Dwrite(yaml.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text),
          "writing /meta/scenario_yaml");
    set_string_attr(yaml.get(), "description", "the resolved scenario, as YAML");
    covered.dataset("scenario_yaml", text);
    if (!m.decisions_csv.empty()) {
      const Handle log(H5Dcreate2(meta.get(), "decisions", type.get(), space.get(), H5P_DEFAULT,
                                  dcpl.get(), H5P_DEFAULT),
                       H5Dclose, "creating /meta/decisions");
      const char* csv = m.decisions_csv.c_str();
      check(H5Dwrite(log.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &csv),
            "writing /meta/decisions");
      set_string_attr(log.get(), "description",
                      "seminar teams' decisions (policy events with a team), as CSV text: "
                      "date,team,id,set,value");
      covered.dataset("decisions", csv);
    }
    covered.finish();
  }

  // /uncertainty: the values drawn per replicate for the uncertain parameters, and which
  // replicates failed and why (docs/scenarios.md §"Uncertain parameters").
  void write_draws() {
    const ReplicateDraws& d = result_.draws;
    const std::size_t n = result_.replicates.size();
    const std::size_t k = d.parameters.size();
    if (d.values.size() != n * k || d.failures.size() != n || d.units.size() != k ||
        d.distributions.size() != k)
      fail("the uncertain parameters' draws do not match the replicates");
    const Handle g = create_group(file_, "uncertainty");
    const Handle parameter = write_strings(g.get(), "parameter", d.parameters);
    make_scale(parameter.get(), "parameter");
    set_string_attr(parameter.get(), "description", "key path of each uncertain parameter");
    set_string_array_attr(parameter.get(), "units", d.units);
    set_string_array_attr(parameter.get(), "distribution", d.distributions);

    const Handle space = simple_space({n, k});
    const Handle dcpl = dataset_properties();
    const Handle values(H5Dcreate2(g.get(), "values", H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                                   dcpl.get(), H5P_DEFAULT),
                        H5Dclose, "creating dataset /uncertainty/values");
    if (n * k > 0)
      check(
          H5Dwrite(values.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.values.data()),
          "writing dataset /uncertainty/values");
    set_string_attr(values.get(), "description", "the value each replicate drew, per parameter");
    set_string_array_attr(values.get(), "units", d.units);
    attach(values.get(), replicate_scale_.get(), 0, "/uncertainty/values");
    attach(values.get(), parameter.get(), 1, "/uncertainty/values");
    label(values.get(), 0, "replicate", "/uncertainty/values");
    label(values.get(), 1, "parameter", "/uncertainty/values");

    std::vector<int8_t> status(n);
    for (std::size_t r = 0; r < n; ++r) status[r] = d.failures[r].empty() ? 0 : 1;
    const Handle st = write_int8s(g.get(), "status", status);
    set_string_attr(st.get(), "description",
                    "0: the replicate ran; 1: it failed (a draw outside its parameter's range), "
                    "its series are NaN");
    const Handle reason = write_strings(g.get(), "reason", d.failures);
    set_string_attr(reason.get(), "description", "why the replicate failed, else empty");
    set_string_attr(st.get(), "units", "-");  // a code, not a quantity
    set_string_attr(reason.get(), "units", "");  // text
    for (const Handle* ds : {&st, &reason}) {
      attach(ds->get(), replicate_scale_.get(), 0, "/uncertainty");
      label(ds->get(), 0, "replicate", "/uncertainty");
    }
  }

  void write_canonical_axes() {
    replicate_scale_ = write_replicate_axis(file_, "replicate");
    set_string_attr(replicate_scale_.get(), "description", "replicate number");

    const Handle time = create_group(file_, "time");
    for (const TimeAxis& axis : result_.catalog.time_axes()) {
      const std::string name(cadence_name(axis.cadence));
      std::vector<std::string> iso;
      iso.reserve(axis.dates.size());
      for (Date d : axis.dates) iso.push_back(d.iso());
      Handle scale = write_strings(time.get(), name, iso);
      make_scale(scale.get(), name);
      set_string_attr(scale.get(), "description",
                      "dates on which the " + name + " cadence ticks, ISO 8601");
      time_scales_.emplace(axis.cadence, std::move(scale));
    }
  }

  Handle write_replicate_axis(hid_t parent, const std::string& name) {
    std::vector<int64_t> numbers(result_.replicates.size());
    for (std::size_t r = 0; r < numbers.size(); ++r) numbers[r] = static_cast<int64_t>(r);
    Handle scale = write_int64s(parent, name, numbers);
    make_scale(scale.get(), name);
    return scale;
  }

  // Groups in the order the catalog first names them.
  std::vector<std::string> group_order() const {
    std::vector<std::string> order;
    auto note = [&](const std::string& g) {
      if (std::find(order.begin(), order.end(), g) == order.end()) order.push_back(g);
    };
    for (const EntityAxis& a : result_.catalog.axes()) note(a.group);
    for (const SeriesSpec& s : result_.catalog.series()) note(s.group);
    for (const EventTableSpec& t : result_.catalog.event_tables()) note(t.group);
    return order;
  }

  void write_series_group(const std::string& group) {
    const SeriesCatalog& cat = result_.catalog;
    GroupCoordinates needs;
    for (const SeriesSpec& s : cat.series()) {
      if (s.group != group) continue;
      needs.cadences.insert(s.cadence);
      for (AxisId a : s.entity_axes)
        if (cat.axes()[a].group != group) needs.foreign_axes.insert(a);
    }
    if (needs.cadences.empty()) return;  // entity axes only: no series, no coordinates
    const Handle g(H5Gopen2(file_, group.c_str(), H5P_DEFAULT), H5Gclose, "opening group " + group);

    Handle replicate = write_replicate_axis(g.get(), "replicate");
    set_string_attr(replicate.get(), "description", "replicate number");
    set_string_attr(replicate.get(), "canonical_axis", "/replicate");

    std::map<Cadence, Handle> times;
    for (Cadence c : needs.cadences) {
      const std::string name = time_coordinate_name(c);
      std::vector<int64_t> days;
      for (Date d : cat.time_axis(c).dates) days.push_back(d.days_since_epoch());
      Handle t = write_days(g.get(), name, days);
      make_scale(t.get(), name);
      set_string_attr(t.get(), "standard_name", "time");
      set_string_attr(t.get(), "description",
                      "dates on which the " + std::string(cadence_name(c)) + " cadence ticks");
      set_string_attr(t.get(), "canonical_axis", "/time/" + std::string(cadence_name(c)));
      times.emplace(c, std::move(t));
    }
    for (AxisId a : needs.foreign_axes) {
      const EntityAxis& axis = cat.axes()[a];
      Handle copy = write_strings(g.get(), axis.name, axis.ids);
      make_scale(copy.get(), axis.name);
      set_string_attr(copy.get(), "description", axis.description);
      set_string_attr(copy.get(), "canonical_axis", "/" + axis.group + "/" + axis.name);
      foreign_scales_.emplace(a, std::move(copy));
    }

    for (SeriesId s = 0; s < cat.series().size(); ++s)
      if (cat.series()[s].group == group)
        write_series(g.get(), s, replicate.get(), times.at(cat.series()[s].cadence).get());
    foreign_scales_.clear();
  }

  void write_entity_axis(hid_t group, AxisId a) {
    const EntityAxis& axis = result_.catalog.axes()[a];
    const std::string where = axis.group + "/" + axis.name;
    Handle ids = write_strings(group, axis.name, axis.ids);
    make_scale(ids.get(), axis.name);
    set_string_attr(ids.get(), "description", axis.description);

    for (const EntityAttribute& attr : axis.attributes) {
      const std::string attr_where = axis.group + "/" + attr.name;
      const Handle ds = std::visit(
          [&](const auto& values) {
            if constexpr (std::is_same_v<std::decay_t<decltype(values)>, std::vector<double>>)
              return write_doubles(group, attr.name, values);
            else
              return write_strings(group, attr.name, values);
          },
          attr.values);
      set_string_attr(ds.get(), "units", attr.units);
      set_string_attr(ds.get(), "description", attr.description);
      attach(ds.get(), ids.get(), 0, attr_where);
      label(ds.get(), 0, axis.name, attr_where);
    }
    own_scales_.emplace(a, std::move(ids));
  }

  // The values of chunk k of series id, [replicate, time, entity...] row-major, padded with
  // NaN (the fill value) where the chunk reaches past the edge of the dataset.
  // Chunk k of series `id` into `out` (NaN where the chunk overhangs the dataset); `out` is a
  // buffer the calling thread keeps, so no chunk-sized allocation is made per chunk.
  void gather_chunk(SeriesId id, const ChunkGrid& grid, std::size_t k,
                    std::vector<double>& out) const {
    const std::vector<std::uint64_t>& shape = grid.shape();
    const std::vector<std::uint64_t>& chunk = grid.chunk();
    const std::size_t rank = shape.size();  // >= 2: replicate, time, entities
    const std::vector<std::uint64_t> at = grid.offset(k);
    std::vector<std::uint64_t> in_stride(rank, 1);   // within one replicate's values
    std::vector<std::uint64_t> out_stride(rank, 1);  // within the chunk
    for (std::size_t d = rank - 1; d-- > 0;) {
      in_stride[d] = in_stride[d + 1] * shape[d + 1];
      out_stride[d] = out_stride[d + 1] * chunk[d + 1];
    }
    bool whole = true;
    for (std::size_t d = 0; d < rank; ++d) whole = whole && at[d] + chunk[d] <= shape[d];
    out.resize(grid.chunk_elements());
    if (!whole) std::fill(out.begin(), out.end(), std::nan(""));
    const std::uint64_t run = std::min(chunk[rank - 1], shape[rank - 1] - at[rank - 1]);
    // Every row of the chunk along the last dimension, odometer-style over the others.
    std::vector<std::uint64_t> local(rank - 1, 0);
    while (true) {
      bool inside = true;
      std::uint64_t from = at[rank - 1];
      std::uint64_t to = 0;
      for (std::size_t d = 0; d + 1 < rank; ++d) {
        const std::uint64_t g = at[d] + local[d];
        inside = inside && g < shape[d];
        if (d > 0) from += g * in_stride[d];
        to += local[d] * out_stride[d];
      }
      if (inside) {
        const std::span<const double> v = result_.replicates[at[0] + local[0]].values(id);
        std::copy_n(v.begin() + static_cast<std::ptrdiff_t>(from), run,
                    out.begin() + static_cast<std::ptrdiff_t>(to));
      }
      std::size_t d = rank - 1;
      while (d-- > 0 && ++local[d] == chunk[d]) local[d] = 0;
      if (d == static_cast<std::size_t>(-1)) break;
    }
  }

  void write_series(hid_t group, SeriesId id, hid_t local_replicate, hid_t local_time) {
    const SeriesCatalog& cat = result_.catalog;
    const SeriesSpec& spec = cat.series()[id];
    const std::string where = spec.group + "/" + spec.name;
    const std::vector<hsize_t> shape = series_shape(id);
    const Handle space = simple_space(shape);
    const Handle dcpl = dataset_properties();
    const double nan = std::nan("");
    check(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &nan), "setting the fill value");
    // A chunk may not be larger than a fixed dimension, so empty datasets stay contiguous.
    const bool empty = is_empty(shape);
    const std::vector<hsize_t> chunk = empty ? shape : chunk_shape(shape);
    if (!empty) {
      check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()),
            "setting the chunks of " + where);
      check(H5Pset_shuffle(dcpl.get()), "setting the shuffle filter of " + where);
      check(H5Pset_deflate(dcpl.get(), kDeflateLevel), "setting compression of " + where);
    }
    const Handle ds(H5Dcreate2(group, spec.name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                               dcpl.get(), H5P_DEFAULT),
                    H5Dclose, "creating dataset " + where);

    // The chunks were gathered and compressed ahead, on every core (ChunkPipeline), and go to
    // HDF5 as they are (H5Dwrite_chunk) from this thread.
    if (!empty) {
      const ChunkGrid& grid = grids_.at(id);
      const std::size_t first = first_job_.at(id);
      for (std::size_t k = 0; k < grid.chunk_count(); ++k) {
        const std::span<const unsigned char> bytes = pipeline_->take(first + k);
        const std::vector<std::uint64_t> at = grid.offset(k);
        const std::vector<hsize_t> offset(at.begin(), at.end());
        check(H5Dwrite_chunk(ds.get(), H5P_DEFAULT, 0, offset.data(), bytes.size(), bytes.data()),
              "writing dataset " + where);
        pipeline_->release(first + k);
      }
    }

    set_string_attr(ds.get(), "units", spec.units);
    set_string_attr(ds.get(), "description", spec.description);
    set_string_attr(ds.get(), "long_name", spec.description);  // xarray's plots label with it
    set_string_attr(ds.get(), "cadence", std::string(cadence_name(spec.cadence)));

    // Canonical scales first: netCDF readers take the last one attached to a dimension.
    attach(ds.get(), replicate_scale_.get(), 0, where);
    attach(ds.get(), local_replicate, 0, where);
    attach(ds.get(), time_scales_.at(spec.cadence).get(), 1, where);
    attach(ds.get(), local_time, 1, where);
    label(ds.get(), 0, "replicate", where);
    label(ds.get(), 1, "time", where);
    for (std::size_t k = 0; k < spec.entity_axes.size(); ++k) {
      const AxisId a = spec.entity_axes[k];
      const auto dim = static_cast<unsigned>(2 + k);
      attach(ds.get(), own_scales_.at(a).get(), dim, where);
      if (const auto copy = foreign_scales_.find(a); copy != foreign_scales_.end())
        attach(ds.get(), copy->second.get(), dim, where);
      label(ds.get(), dim, cat.axes()[a].name, where);
    }
  }

  // The rows of every replicate, replicate by replicate, as one table: what the file stores.
  struct EventRows {
    std::vector<int64_t> replicate;
    std::vector<double> values;  // [row][column]
  };

  EventRows gather_events(EventTableId t) const {
    const EventTableSpec& spec = result_.catalog.event_tables()[t];
    const std::size_t width = spec.columns.size();
    EventRows rows;
    for (std::size_t r = 0; r < result_.replicates.size(); ++r) {
      const SeriesBuffer& b = result_.replicates[r];
      if (t >= b.event_table_count() || b.event_columns(t) != width)
        throw h5::Failure{"replicate " + std::to_string(r) + " holds no event table " + spec.group +
                          "/" + spec.name + " of " + std::to_string(width) +
                          " columns: its buffer was built from another catalog"};
      const std::span<const double> v = b.events(t);
      rows.values.insert(rows.values.end(), v.begin(), v.end());
      rows.replicate.insert(rows.replicate.end(), b.event_count(t), static_cast<int64_t>(r));
    }
    return rows;
  }

  // An event table's columns as the file stores them, worked out before any of it is written
  // (on another thread while the series are written: none of it calls HDF5).
  struct PreparedColumn {
    std::vector<double> numbers;     // number
    std::vector<int8_t> flags;       // flag
    std::vector<int64_t> days;       // date
    std::vector<std::string> texts;  // date: ISO dates; entity: ids
  };
  struct PreparedEvents {
    std::vector<int64_t> replicate;  // per row
    std::vector<PreparedColumn> columns;
  };

  PreparedEvents prepare_event_table(EventTableId t) const {
    const SeriesCatalog& cat = result_.catalog;
    const EventTableSpec& spec = cat.event_tables()[t];
    const std::string where = spec.group + "/" + spec.name;
    EventRows rows = gather_events(t);
    const std::size_t n = rows.replicate.size();
    const std::size_t width = spec.columns.size();
    PreparedEvents out;
    out.columns.resize(width);
    for (std::size_t k = 0; k < width; ++k) {
      const EventColumn& c = spec.columns[k];
      PreparedColumn& col = out.columns[k];
      std::vector<double> v(n);
      for (std::size_t i = 0; i < n; ++i) v[i] = rows.values[i * width + k];
      // Names the row of the first bad value, so that a model author finds the event.
      auto bad = [&](std::size_t i, const std::string& what) {
        return h5::Failure{"event table " + where + " column " + c.name + " holds " +
                           std::to_string(v[i]) + " in row " + std::to_string(i) + " (replicate " +
                           std::to_string(rows.replicate[i]) + "), " + what};
      };
      switch (c.kind) {
        case EventColumn::Kind::number: col.numbers = std::move(v); break;
        case EventColumn::Kind::flag: {
          col.flags.resize(n);
          for (std::size_t i = 0; i < n; ++i) {
            if (v[i] != 0.0 && v[i] != 1.0) throw bad(i, "not a flag (0 or 1)");
            col.flags[i] = static_cast<int8_t>(v[i]);
          }
          break;
        }
        case EventColumn::Kind::date: {
          col.days.resize(n);
          col.texts.resize(n);
          // ISO dates have four-digit years.
          const auto first = static_cast<double>(Date::from_ymd(1, 1, 1).days_since_epoch());
          const auto last = static_cast<double>(Date::from_ymd(9999, 12, 31).days_since_epoch());
          for (std::size_t i = 0; i < n; ++i) {
            if (!(v[i] >= first && v[i] <= last) || v[i] != std::floor(v[i]))
              throw bad(i, "not a whole number of days since 1970-01-01 in years 1 to 9999");
            col.days[i] = static_cast<int64_t>(v[i]);
            col.texts[i] = Date::from_days(col.days[i]).iso();
          }
          break;
        }
        case EventColumn::Kind::entity: {
          const EntityAxis& axis = cat.axes()[c.axis];
          col.texts.resize(n);
          for (std::size_t i = 0; i < n; ++i) {
            if (!(v[i] >= 0.0 && v[i] < static_cast<double>(axis.ids.size())) ||
                v[i] != std::floor(v[i]))
              throw bad(i, "not an index into the " + std::to_string(axis.ids.size()) +
                               " ids of entity axis " + axis.group + "/" + axis.name);
            col.texts[i] = axis.ids[static_cast<std::size_t>(v[i])];
          }
          break;
        }
      }
    }
    out.replicate = std::move(rows.replicate);
    return out;
  }

  void write_event_table(EventTableId t, const PreparedEvents& rows) {
    const SeriesCatalog& cat = result_.catalog;
    const EventTableSpec& spec = cat.event_tables()[t];
    const std::size_t n = rows.replicate.size();
    const std::size_t width = spec.columns.size();
    const Handle g(H5Gopen2(file_, spec.group.c_str(), H5P_DEFAULT), H5Gclose,
                   "opening group " + spec.group);

    std::vector<int64_t> numbers(n);
    for (std::size_t i = 0; i < n; ++i) numbers[i] = static_cast<int64_t>(i);
    const Handle row = write_int64s(g.get(), spec.name, numbers);
    make_scale(row.get(), spec.name);
    set_string_attr(row.get(), "description", spec.description);
    set_string_attr(row.get(), "long_name", spec.description);
    std::vector<std::string> column_names;
    for (const EventColumn& c : spec.columns) column_names.push_back(c.name);
    set_string_array_attr(row.get(), "event_columns", column_names);

    // Units come first, set by the caller: write_days sets those of dates.
    auto describe = [&](hid_t ds, const std::string& name, const std::string& description,
                        const std::string& kind) {
      set_string_attr(ds, "description", description);
      set_string_attr(ds, "long_name", description);
      set_string_attr(ds, "event_kind", kind);
      attach(ds, row.get(), 0, spec.group + "/" + name);
      label(ds, 0, spec.name, spec.group + "/" + name);
    };

    const Handle replicate = write_int64s(g.get(), spec.name + "_replicate", rows.replicate);
    set_string_attr(replicate.get(), "units", "");
    describe(replicate.get(), spec.name + "_replicate",
             "the replicate in which each " + spec.name + " happened", "replicate");

    for (std::size_t k = 0; k < width; ++k) {
      const EventColumn& c = spec.columns[k];
      const PreparedColumn& col = rows.columns[k];
      const std::string kind(event_kind_name(c.kind));
      switch (c.kind) {
        case EventColumn::Kind::number: {
          const Handle ds = write_doubles(g.get(), c.name, col.numbers);
          set_string_attr(ds.get(), "units", c.units);
          describe(ds.get(), c.name, c.description, kind);
          break;
        }
        case EventColumn::Kind::flag: {
          const Handle ds = write_int8s(g.get(), c.name, col.flags);
          set_string_attr(ds.get(), "units", c.units);
          describe(ds.get(), c.name, c.description, kind);
          break;
        }
        case EventColumn::Kind::date: {
          const Handle ds = write_days(g.get(), c.name, col.days);
          describe(ds.get(), c.name, c.description, kind);
          const Handle text = write_strings(g.get(), c.name + "_iso", col.texts);
          set_string_attr(text.get(), "units", "");
          describe(text.get(), c.name + "_iso", c.description + ", ISO 8601 (YYYY-MM-DD)",
                   "iso_date");
          break;
        }
        case EventColumn::Kind::entity: {
          const EntityAxis& axis = cat.axes()[c.axis];
          const Handle ds = write_strings(g.get(), c.name, col.texts);
          set_string_attr(ds.get(), "units", "");
          describe(ds.get(), c.name, c.description, kind);
          set_string_attr(ds.get(), "entity_axis", "/" + axis.group + "/" + axis.name);
          break;
        }
      }
    }
  }

  hid_t file_;
  const RunResult& result_;
  Handle replicate_scale_;
  std::map<Cadence, Handle> time_scales_;
  std::map<AxisId, Handle> own_scales_;      // /<axis group>/<axis name>, kept open for series
  std::map<AxisId, Handle> foreign_scales_;  // copies in the group being written
  // Every chunk of every series in the order written, where each series' chunks begin, their
  // grids, and the pipeline that compresses them while the series are written.
  struct ChunkJob {
    SeriesId id;
    std::size_t k;
  };
  std::vector<ChunkJob> chunk_jobs_;
  std::map<SeriesId, std::size_t> first_job_;
  std::map<SeriesId, ChunkGrid> grids_;
  ChunkPipeline* pipeline_ = nullptr;
};

// Names HDF5 would misread (a path) or that the layout above already uses.
void check_layout(const RunResult& result) {
  const SeriesCatalog& cat = result.catalog;
  auto check_name = [](const std::string& name, const std::string& kind) {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
      throw h5::Failure{kind + " name '" + name + "' is not a valid HDF5 name"};
  };
  std::map<std::string, std::set<std::string>> names;  // group -> names of its datasets
  for (const EntityAxis& a : cat.axes()) {
    check_name(a.group, "group");
    check_name(a.name, "entity axis");
    names[a.group].insert(a.name);
    for (const EntityAttribute& attr : a.attributes) {
      check_name(attr.name, "entity attribute");
      names[a.group].insert(attr.name);
      const std::size_t n = std::visit([](const auto& v) { return v.size(); }, attr.values);
      if (n != a.ids.size())
        throw h5::Failure{"entity attribute " + a.group + "/" + attr.name + " has " +
                          std::to_string(n) + " values for " + std::to_string(a.ids.size()) +
                          " entities"};
    }
  }
  for (const SeriesSpec& s : cat.series()) {
    check_name(s.group, "group");
    check_name(s.name, "series");
    names[s.group].insert(s.name);
    if (!cat.has_time_axis(s.cadence))
      throw h5::Failure{"series " + s.group + "/" + s.name + " has cadence " +
                        std::string(cadence_name(s.cadence)) +
                        " but the catalog has no time axis for it"};
  }
  for (const EventTableSpec& t : cat.event_tables()) {
    check_name(t.group, "group");
    for (const std::string& name : event_table_dataset_names(t)) {
      check_name(name, "event table " + t.group + "/" + t.name + " dataset");
      // Rows carry their replicate in <name>_replicate; a dataset named replicate would read
      // as the replicate dimension of the group.
      if (name == "replicate")
        throw h5::Failure{"event table " + t.group + "/" + t.name +
                          " may not use the name 'replicate': the file layout reserves it"};
      if (!names[t.group].insert(name).second)
        throw h5::Failure{"event table " + t.group + "/" + t.name + " uses the name '" + name +
                          "' that another dataset of the group already has"};
    }
    for (const EventColumn& c : t.columns)
      if (c.kind == EventColumn::Kind::entity && c.axis >= cat.axes().size())
        throw h5::Failure{"event table " + t.group + "/" + t.name + " column " + c.name +
                          " names an unknown entity axis"};
  }
  for (const auto& [group, taken] : names) {
    if (group == "meta" || group == "time" || group == "replicate" || group == "uncertainty")
      throw h5::Failure{"group name '" + group + "' is reserved by the file layout"};
    // The coordinates write_series_group adds to a group of series must not shadow its own
    // datasets.
    std::map<std::string, std::string> added;  // name -> what it is
    for (const SeriesSpec& s : cat.series()) {
      if (s.group != group) continue;
      added.emplace("replicate", "the replicate coordinate");
      added.emplace(time_coordinate_name(s.cadence), "a time coordinate");
      for (AxisId a : s.entity_axes) {
        if (cat.axes()[a].group == group) continue;
        const EntityAxis& axis = cat.axes()[a];
        const std::string what = "a copy of entity axis " + axis.group + "/" + axis.name;
        const auto [it, inserted] = added.emplace(axis.name, what);
        if (!inserted && it->second != what)
          throw h5::Failure{"group " + group + " needs both " + it->second + " and " + what +
                            " under the name '" + axis.name + "'"};
      }
    }
    for (const auto& [name, what] : added)
      if (taken.count(name) != 0)
        throw h5::Failure{"dataset " + group + "/" + name + " clashes with " + what +
                          " that the file layout puts there"};
  }
}

// Creates the file `name` with `fapl` and writes `result` into it; the file is left open.
Handle create_run_file(const std::string& name, hid_t fapl, const RunResult& result) {
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "creating file properties");
  check(H5Pset_link_creation_order(fcpl.get(), kCreationOrder), "creating file properties");
  check(H5Pset_attr_creation_order(fcpl.get(), kCreationOrder), "creating file properties");
  no_times(fcpl.get(), "creating file properties");
  Handle file(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl), H5Fclose,
              "creating the file");
  RunFileWriter writer(file.get(), result);
  writer.write();
  return file;
}

}  // namespace

std::string run_file_bytes(const RunResult& result, const std::filesystem::path& target) {
  const h5::QuietErrors quiet;
  try {
    check_layout(result);
    const Handle fapl = h5::in_memory_access();
    Handle file = create_run_file(h5::in_memory_name(), fapl.get(), result);
    std::string bytes = h5::file_image(file.get());
    file.close("closing the file in memory");
    return bytes;
  } catch (const h5::Failure& f) {
    throw OutputError(target, f.what);
  }
}

void write_run_file(FileReplacement& out, const RunResult& result) {
  const h5::QuietErrors quiet;
  try {
    check_layout(result);
    const Handle fapl = h5::temporary_file_access();
    Handle file = create_run_file(out.temporary().string(), fapl.get(), result);
    file.close("closing " + out.temporary().string());
  } catch (const h5::Failure& f) {
    throw OutputError(out.target(), f.what);
  }
}

void write_run_file(const std::filesystem::path& path, const RunResult& result,
                    const OutputRules& rules) {
  FileReplacement file(path, rules);
  write_run_file(file, result);
  file.commit();
}

}  // namespace airace
