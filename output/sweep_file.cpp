#include "output/sweep_file.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>

#include "output/h5_detail.hpp"
#include "output/h5_writer.hpp"
#include "output/meta_checksum.hpp"
#include "sim/core/calendar.hpp"
#include "sim/core/diagnostics.hpp"
#include "sim/core/fnv1a.hpp"

namespace airace {

void SweepTable::allocate() {
  const std::size_t n = runs();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  status.assign(n, RunStatus::not_run);
  reason.assign(n, std::string());
  metric_values.assign(metrics.size(), std::vector<double>(n, nan));
  series_values.clear();
  for (const SweepSeriesInfo& s : series) series_values.emplace_back(n * s.values_per_run, nan);
}

namespace {

using h5::check;
using h5::Handle;

constexpr int kSweepLayoutVersion = 1;

using h5::set_string_array_attr;
using h5::set_string_attr;
using h5::set_uint64_attr;

Handle space_of(const std::vector<hsize_t>& dims) {
  return dims.empty() ? h5::scalar_space() : h5::simple_space(dims);
}

void number_attr(hid_t obj, const std::string& name, hid_t file_type, hid_t mem_type,
                 const void* value) {
  const Handle space = h5::scalar_space();
  const Handle a(H5Acreate2(obj, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                 H5Aclose, "creating attribute " + name);
  check(H5Awrite(a.get(), mem_type, value), "writing attribute " + name);
}

Handle dataset(hid_t parent, const std::string& name, hid_t type, const std::vector<hsize_t>& dims,
               bool compress) {
  const Handle space = space_of(dims);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "creating dataset properties");
  hsize_t total = 1;
  for (hsize_t d : dims) total *= d;
  if (compress && total > 0) {
    // Chunks of whole rows after the first dimension, at most ~256 KiB.
    std::vector<hsize_t> chunk = dims;
    hsize_t row = 1;
    for (std::size_t i = 1; i < dims.size(); ++i) row *= dims[i];
    chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(dims[0], 32768 / std::max<hsize_t>(1, row)));
    check(H5Pset_chunk(dcpl.get(), static_cast<int>(dims.size()), chunk.data()), "chunking");
    check(H5Pset_shuffle(dcpl.get()), "compressing");
    check(H5Pset_deflate(dcpl.get(), 1), "compressing");
  }
  return Handle(
      H5Dcreate2(parent, name.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
      H5Dclose, "creating dataset " + name);
}

Handle write_doubles(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                     const std::vector<double>& values) {
  Handle ds = dataset(parent, name, H5T_IEEE_F64LE, dims, true);
  if (!values.empty())
    check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          "writing " + name);
  return ds;
}

Handle write_strings(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                     const std::vector<std::string>& values) {
  const Handle type = h5::utf8_string_type();
  Handle ds = dataset(parent, name, type.get(), dims, false);
  std::vector<const char*> p;
  for (const std::string& v : values) p.push_back(v.c_str());
  if (!p.empty())
    check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()),
          "writing " + name);
  return ds;
}

Handle write_int64s(hid_t parent, const std::string& name, std::size_t n) {
  Handle ds = dataset(parent, name, H5T_STD_I64LE, {n}, false);
  std::vector<int64_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<int64_t>(i);
  if (n > 0)
    check(H5Dwrite(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
          "writing " + name);
  return ds;
}

Handle group(hid_t parent, const std::string& name) {
  return Handle(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                "creating group " + name);
}

// /series: the kept series, each dimension with its scale (the layout in sweep_file.hpp).
void write_kept_series(hid_t file, const SweepTable& t, hid_t point, hid_t replicate) {
  const Handle series = group(file, "series");
  std::map<std::string, Handle> times;  // /series/time_<cadence>
  for (const SweepSeriesInfo& s : t.series) {
    const std::string time_name = "time_" + s.cadence;
    if (times.contains(time_name)) continue;
    Handle iso = write_strings(series.get(), time_name, {s.dates.size()}, s.dates);
    check(H5DSset_scale(iso.get(), time_name.c_str()), "making /series/" + time_name + " a scale");
    times.emplace(time_name, std::move(iso));
  }
  for (std::size_t i = 0; i < t.series.size(); ++i) {
    const SweepSeriesInfo& s = t.series[i];
    const std::string where = "/series/" + s.group + "/" + s.name;
    const std::string time_name = "time_" + s.cadence;
    if (check(H5Lexists(series.get(), s.group.c_str(), H5P_DEFAULT), "looking up") <= 0)
      group(series.get(), s.group);
    const Handle g(H5Gopen2(series.get(), s.group.c_str(), H5P_DEFAULT), H5Gclose,
                   "opening group " + s.group);
    // The group's own coordinates, written once for all its series.
    auto coordinate = [&](const std::string& name, auto write) {
      if (check(H5Lexists(g.get(), name.c_str(), H5P_DEFAULT), "looking up") <= 0) {
        const Handle c = write();
        check(H5DSset_scale(c.get(), name.c_str()), "making " + name + " a dimension scale");
      }
      return Handle(H5Dopen2(g.get(), name.c_str(), H5P_DEFAULT), H5Dclose, "opening " + name);
    };
    const Handle days = coordinate(time_name, [&] {
      std::vector<int64_t> v;
      for (const std::string& iso : s.dates) {
        const std::optional<Date> d = Date::parse(iso);
        if (!d) throw h5::Failure{"the date '" + iso + "' of " + where + " is not YYYY-MM-DD"};
        v.push_back(d->days_since_epoch());
      }
      Handle ds = dataset(g.get(), time_name, H5T_STD_I64LE, {v.size()}, false);
      if (!v.empty())
        check(H5Dwrite(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
              "writing " + time_name);
      set_string_attr(ds.get(), "units", "days since 1970-01-01");
      set_string_attr(ds.get(), "calendar", "proleptic_gregorian");
      set_string_attr(ds.get(), "standard_name", "time");
      set_string_attr(ds.get(), "canonical_axis", "/series/" + time_name);
      return ds;
    });
    std::vector<Handle> axes;
    for (std::size_t a = 0; a < s.dimensions.size(); ++a)
      axes.push_back(coordinate(s.dimensions[a], [&] {
        if (a < s.entity_ids.size())
          return write_strings(g.get(), s.dimensions[a], {s.entity_ids[a].size()},
                               s.entity_ids[a]);
        return write_int64s(g.get(), s.dimensions[a], s.entity_shape.at(a));
      }));

    std::vector<hsize_t> dims = {t.points, t.replicates, s.dates.size()};
    for (std::size_t e : s.entity_shape) dims.push_back(e);
    const Handle ds = write_doubles(g.get(), s.name, dims, t.series_values[i]);
    std::vector<std::string> names = {"point", "replicate", time_name};
    names.insert(names.end(), s.dimensions.begin(), s.dimensions.end());
    set_string_array_attr(ds.get(), "dimensions", names);
    set_string_attr(ds.get(), "units", s.units);
    set_string_attr(ds.get(), "description", s.description);
    set_string_attr(ds.get(), "cadence", s.cadence);
    // Canonical scales first: netCDF readers take the last one attached to a dimension.
    check(H5DSattach_scale(ds.get(), point, 0), "attaching /point to " + where);
    check(H5DSattach_scale(ds.get(), replicate, 1), "attaching /replicate to " + where);
    check(H5DSattach_scale(ds.get(), times.at(time_name).get(), 2), "attaching the dates");
    check(H5DSattach_scale(ds.get(), days.get(), 2), "attaching the dates");
    for (std::size_t a = 0; a < axes.size(); ++a)
      check(H5DSattach_scale(ds.get(), axes[a].get(), static_cast<unsigned>(3 + a)),
            "attaching " + s.dimensions[a] + " to " + where);
    for (std::size_t d = 0; d < names.size(); ++d)
      check(H5DSset_label(ds.get(), static_cast<unsigned>(d), names[d].c_str()),
            "labelling the dimensions of " + where);
  }
}

void write_table(hid_t file, const SweepTable& t) {
  const SweepMeta& m = t.meta;
  {
    const Handle meta = group(file, "meta");
    // Everything written here is covered by checksum_sha256 (output/meta_checksum.hpp);
    // variable-length text is stored up to its first NUL, and covered as stored.
    h5::CoveredMeta covered(meta.get());
    covered.text("sweep_name", m.sweep_name);
    covered.text("sweep_file", m.sweep_file);
    covered.text("sweep_hash", m.sweep_hash);
    covered.text("program_version", m.program_version);
    covered.text("git_revision", m.git_revision);
    covered.text("base_scenario_file", m.base_scenario_file);
    covered.text("design", m.design);
    covered.text("command_line", m.command_line);
    covered.text("created_utc", m.created_utc);
    covered.count("seed", m.seed);
    covered.count("points", t.points);
    covered.count("replicates", t.replicates);
    covered.count("base_rows", m.base_rows);
    covered.count("second_order", m.second_order);
    covered.count("trajectories", m.trajectories);
    covered.count("levels", m.levels);
    covered.count("shard_index", m.shard_index);
    covered.count("shard_count", m.shard_count);
    covered.int32("layout_version", kSweepLayoutVersion);
    write_strings(meta.get(), "sweep_yaml", {}, {m.sweep_yaml});
    covered.dataset("sweep_yaml", m.sweep_yaml);
    write_strings(meta.get(), "base_scenario_yaml", {}, {m.base_scenario_yaml});
    covered.dataset("base_scenario_yaml", m.base_scenario_yaml);
    covered.finish();
  }
  const Handle point = write_int64s(file, "point", t.points);
  const Handle replicate = write_int64s(file, "replicate", t.replicates);
  const Handle parameter = write_strings(file, "parameter", {t.parameters.size()}, t.parameters);
  check(H5DSset_scale(point.get(), "point"), "making /point a dimension scale");
  check(H5DSset_scale(replicate.get(), "replicate"), "making /replicate a dimension scale");
  check(H5DSset_scale(parameter.get(), "parameter"), "making /parameter a dimension scale");
  auto label_pr = [&](hid_t ds) {
    check(H5DSattach_scale(ds, point.get(), 0), "attaching /point");
    check(H5DSattach_scale(ds, replicate.get(), 1), "attaching /replicate");
  };
  {
    const Handle design = write_doubles(file, "design", {t.points, t.parameters.size()}, t.design);
    set_string_array_attr(design.get(), "parameters", t.parameters);
    set_string_array_attr(design.get(), "units", t.parameter_units);
    check(H5DSattach_scale(design.get(), point.get(), 0), "attaching /point");
    check(H5DSattach_scale(design.get(), parameter.get(), 1), "attaching /parameter");
  }
  {
    const Handle runs = group(file, "runs");
    const Handle status =
        dataset(runs.get(), "status", H5T_STD_I8LE, {t.points, t.replicates}, true);
    if (!t.status.empty())
      check(H5Dwrite(status.get(), H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.status.data()),
            "writing /runs/status");
    set_string_attr(status.get(), "meaning", "0 not run (another shard's run), 1 ok, 2 failed");
    label_pr(status.get());
    const Handle reason = write_strings(runs.get(), "reason", {t.points, t.replicates}, t.reason);
    label_pr(reason.get());
  }
  {
    const Handle metrics = group(file, "metrics");
    for (std::size_t i = 0; i < t.metrics.size(); ++i) {
      const SweepMetricInfo& info = t.metrics[i];
      const Handle ds =
          write_doubles(metrics.get(), info.name, {t.points, t.replicates}, t.metric_values[i]);
      set_string_attr(ds.get(), "units", info.units);
      set_string_attr(ds.get(), "description", info.description);
      set_string_attr(ds.get(), "kind", info.kind);
      set_string_attr(ds.get(), "series", info.series);
      label_pr(ds.get());
    }
  }
  if (!t.series.empty()) write_kept_series(file, t, point.get(), replicate.get());
}

// The bytes of `existing` with what `fill` adds, built in memory (the file is read whole into
// memory by HDF5's core driver). Throws OutputError naming `target`.
template <class Fill>
std::string build_in_memory(const std::filesystem::path& target, Fill fill,
                            const std::filesystem::path& existing) {
  const h5::QuietErrors quiet;
  try {
    const Handle fapl = h5::in_memory_access();
    Handle file(H5Fopen(existing.c_str(), H5F_ACC_RDWR, fapl.get()), H5Fclose,
                "opening " + existing.string());
    fill(file.get());
    std::string bytes = h5::file_image(file.get());
    file.close("closing the file in memory");
    return bytes;
  } catch (const h5::Failure& f) {
    throw OutputError(target, f.what);
  }
}

// ---- Reading --------------------------------------------------------------------------------

std::vector<std::string> read_strings(hid_t obj_type_owner, hid_t type, std::size_t n,
                                      bool attribute, const std::string& what) {
  if (H5Tget_class(type) != H5T_STRING || H5Tis_variable_str(type) <= 0)
    throw h5::Failure{what + " is not variable-length text"};
  h5::check_fits_in_memory(static_cast<double>(n), 40.0, what);  // a std::string and a pointer
  const Handle mem = h5::utf8_string_type();
  std::vector<char*> p(n, nullptr);
  if (n > 0) {
    const h5::ReadingText watched(n);
    const herr_t status =
        attribute ? H5Aread(obj_type_owner, mem.get(), p.data())
                  : H5Dread(obj_type_owner, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data());
    check(status, "reading " + what);
  }
  std::vector<std::string> out;
  for (char* s : p) {
    out.emplace_back(s != nullptr ? s : "");
    std::free(s);
  }
  return out;
}

std::size_t extent(hid_t obj, bool attribute, std::vector<hsize_t>* dims = nullptr) {
  const Handle space(attribute ? H5Aget_space(obj) : H5Dget_space(obj), H5Sclose, "reading");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> d(static_cast<std::size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), d.data(), nullptr);
  if (dims != nullptr) *dims = d;
  return static_cast<std::size_t>(check(H5Sget_simple_extent_npoints(space.get()), "reading"));
}

std::vector<std::string> get_strings_attr(hid_t obj, const std::string& name) {
  const Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, "opening attribute " + name);
  const Handle type(H5Aget_type(a.get()), H5Tclose, "reading attribute " + name);
  return read_strings(a.get(), type.get(), extent(a.get(), true), true, "attribute " + name);
}

std::string get_string_attr(hid_t obj, const std::string& name) {
  const auto v = get_strings_attr(obj, name);
  return v.empty() ? std::string() : v.front();
}

uint64_t get_u64_attr(hid_t obj, const std::string& name) {
  const Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, "opening attribute " + name);
  uint64_t v = 0;
  check(H5Aread(a.get(), H5T_NATIVE_UINT64, &v), "reading attribute " + name);
  return v;
}

std::vector<std::string> get_strings(hid_t parent, const std::string& name) {
  const Handle ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, "opening " + name);
  const Handle type(H5Dget_type(ds.get()), H5Tclose, "reading " + name);
  return read_strings(ds.get(), type.get(), extent(ds.get(), false), false, name);
}

std::vector<double> get_doubles(hid_t parent, const std::string& name, std::size_t expected) {
  const Handle ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, "opening " + name);
  const std::size_t n = extent(ds.get(), false);
  if (n != expected)
    throw h5::Failure{name + " holds " + std::to_string(n) + " values, expected " +
                      std::to_string(expected)};
  h5::check_fits_in_memory(static_cast<double>(n), sizeof(double), name);
  std::vector<double> v(n);
  if (n > 0)
    check(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
          "reading " + name);
  return v;
}

std::vector<std::string> child_names(hid_t g) {
  std::vector<std::string> names;
  H5Literate(
      g, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
        static_cast<std::vector<std::string>*>(out)->emplace_back(name);
        return 0;
      },
      &names);
  return names;
}

SweepTable read_table(hid_t file) {
  SweepTable t;
  {
    const Handle meta(H5Gopen2(file, "meta", H5P_DEFAULT), H5Gclose, "opening /meta");
    if (H5Aexists(meta.get(), "sweep_hash") <= 0)
      throw h5::Failure{"it is not an airace sweep file (no /meta sweep_hash)"};
    SweepMeta& m = t.meta;
    m.sweep_name = get_string_attr(meta.get(), "sweep_name");
    m.sweep_file = get_string_attr(meta.get(), "sweep_file");
    m.sweep_hash = get_string_attr(meta.get(), "sweep_hash");
    m.program_version = get_string_attr(meta.get(), "program_version");
    m.git_revision = get_string_attr(meta.get(), "git_revision");
    m.base_scenario_file = get_string_attr(meta.get(), "base_scenario_file");
    m.design = get_string_attr(meta.get(), "design");
    m.command_line = get_string_attr(meta.get(), "command_line");
    m.created_utc = get_string_attr(meta.get(), "created_utc");
    m.seed = get_u64_attr(meta.get(), "seed");
    m.base_rows = get_u64_attr(meta.get(), "base_rows");
    for (auto [name, field] :
         {std::pair{"second_order", &m.second_order}, std::pair{"trajectories", &m.trajectories},
          std::pair{"levels", &m.levels}})
      *field = H5Aexists(meta.get(), name) > 0 ? get_u64_attr(meta.get(), name) : 0;
    m.shard_index = get_u64_attr(meta.get(), "shard_index");
    m.shard_count = get_u64_attr(meta.get(), "shard_count");
    t.points = get_u64_attr(meta.get(), "points");
    t.replicates = get_u64_attr(meta.get(), "replicates");
    m.sweep_yaml = get_strings(meta.get(), "sweep_yaml").at(0);
    m.base_scenario_yaml = get_strings(meta.get(), "base_scenario_yaml").at(0);
    // A damaged or foreign file must not make merge index past its shards or size a table
    // from a garbled count.
    if (m.shard_count == 0 || m.shard_index >= m.shard_count)
      throw h5::Failure{"/meta says it is shard " + std::to_string(m.shard_index) + " of " +
                        std::to_string(m.shard_count)};
    if (t.replicates > 0 && t.points > std::numeric_limits<std::size_t>::max() / t.replicates)
      throw h5::Failure{"/meta holds " + std::to_string(t.points) + " points and " +
                        std::to_string(t.replicates) + " replicates, more runs than can be"};
  }
  t.parameters = get_strings(file, "parameter");
  {
    const Handle design(H5Dopen2(file, "design", H5P_DEFAULT), H5Dclose, "opening /design");
    t.parameter_units = get_strings_attr(design.get(), "units");
  }
  t.design = get_doubles(file, "design", t.points * t.parameters.size());
  const std::size_t n = t.runs();
  {
    const Handle runs(H5Gopen2(file, "runs", H5P_DEFAULT), H5Gclose, "opening /runs");
    const Handle status(H5Dopen2(runs.get(), "status", H5P_DEFAULT), H5Dclose, "opening status");
    if (extent(status.get(), false) != n) throw h5::Failure{"/runs/status has the wrong size"};
    h5::check_fits_in_memory(static_cast<double>(n), 48.0, "/runs");  // a status and a reason
    t.status.resize(n);
    if (n > 0)
      check(H5Dread(status.get(), H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.status.data()),
            "reading /runs/status");
    for (RunStatus st : t.status)
      if (st != RunStatus::not_run && st != RunStatus::ok && st != RunStatus::failed)
        throw h5::Failure{"/runs/status holds " + std::to_string(static_cast<int>(st)) +
                          " where 0 (not run), 1 (ok) or 2 (failed) was expected"};
    t.reason = get_strings(runs.get(), "reason");
    if (t.reason.size() != n) throw h5::Failure{"/runs/reason has the wrong size"};
  }
  {
    const Handle metrics(H5Gopen2(file, "metrics", H5P_DEFAULT), H5Gclose, "opening /metrics");
    for (const std::string& name : child_names(metrics.get())) {
      const Handle ds(H5Dopen2(metrics.get(), name.c_str(), H5P_DEFAULT), H5Dclose,
                      "opening /metrics/" + name);
      t.metrics.push_back({name, get_string_attr(ds.get(), "units"),
                           get_string_attr(ds.get(), "description"),
                           get_string_attr(ds.get(), "kind"), get_string_attr(ds.get(), "series")});
      t.metric_values.push_back(get_doubles(metrics.get(), name, n));
    }
  }
  if (H5Lexists(file, "series", H5P_DEFAULT) > 0) {
    const Handle series(H5Gopen2(file, "series", H5P_DEFAULT), H5Gclose, "opening /series");
    for (const std::string& g : child_names(series.get())) {
      if (g.starts_with("time_")) continue;  // the time axes; every other link is a group
      const Handle grp(H5Gopen2(series.get(), g.c_str(), H5P_DEFAULT), H5Gclose, "opening " + g);
      for (const std::string& name : child_names(grp.get())) {
        const Handle ds(H5Dopen2(grp.get(), name.c_str(), H5P_DEFAULT), H5Dclose,
                        "opening " + name);
        if (H5DSis_scale(ds.get()) > 0) continue;  // the group's coordinates
        SweepSeriesInfo s;
        s.group = g;
        s.name = name;
        s.units = get_string_attr(ds.get(), "units");
        s.description = get_string_attr(ds.get(), "description");
        s.cadence = get_string_attr(ds.get(), "cadence");
        std::vector<std::string> dims = get_strings_attr(ds.get(), "dimensions");
        s.dimensions.assign(dims.begin() + std::min<std::ptrdiff_t>(3, std::ssize(dims)),
                            dims.end());
        std::vector<hsize_t> shape;
        const std::size_t total = extent(ds.get(), false, &shape);
        for (std::size_t i = 3; i < shape.size(); ++i) s.entity_shape.push_back(shape[i]);
        // The ids of the entity axes, where the file has them as text.
        for (const std::string& axis : s.dimensions) {
          if (H5Lexists(grp.get(), axis.c_str(), H5P_DEFAULT) <= 0) break;
          const Handle a(H5Dopen2(grp.get(), axis.c_str(), H5P_DEFAULT), H5Dclose,
                         "opening " + axis);
          const Handle type(H5Dget_type(a.get()), H5Tclose, "reading " + axis);
          if (H5Tget_class(type.get()) != H5T_STRING) break;
          s.entity_ids.push_back(get_strings(grp.get(), axis));
          if (s.entity_ids.back().size() != s.entity_shape[s.entity_ids.size() - 1])
            throw h5::Failure{"/series/" + g + "/" + axis + " holds " +
                              std::to_string(s.entity_ids.back().size()) + " ids, not one per " +
                              "entity of " + name};
        }
        if (s.entity_ids.size() != s.dimensions.size()) s.entity_ids.clear();
        s.dates = get_strings(series.get(), "time_" + s.cadence);
        if (n > 0 && total % n != 0)
          throw h5::Failure{"/series/" + g + "/" + name + " holds " + std::to_string(total) +
                            " values, not the same number for each of " + std::to_string(n) +
                            " runs"};
        s.values_per_run = n > 0 ? total / n : 0;
        t.series_values.push_back(get_doubles(grp.get(), name, total));
        t.series.push_back(std::move(s));
      }
    }
  }
  return t;
}

}  // namespace

void write_sweep_file(FileReplacement& out, const SweepTable& table) {
  const h5::QuietErrors quiet;
  try {
    const Handle fapl = h5::temporary_file_access();
    Handle file(H5Fcreate(out.temporary().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()),
                H5Fclose, "creating " + out.temporary().string());
    write_table(file.get(), table);
    file.close("closing " + out.temporary().string());
  } catch (const h5::Failure& f) {
    throw OutputError(out.target(), f.what);
  }
}

void write_sweep_file(const std::filesystem::path& path, const SweepTable& table,
                      const OutputRules& rules) {
  FileReplacement file(path, rules);
  write_sweep_file(file, table);
  file.commit();
}

SweepTable read_sweep_file(const std::filesystem::path& path) {
  const h5::QuietErrors quiet;
  const std::string name = path.string();
  const h5::ReadingFile reading(name);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError({name, 0, 0}, "is a directory, not a sweep file");
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError({name, 0, 0}, "no such sweep file");
  try {
    if (H5Fis_hdf5(path.c_str()) <= 0) throw h5::Failure{"it is not an HDF5 file"};
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "opening the file");
    {
      const Handle meta(H5Gopen2(file.get(), "meta", H5P_DEFAULT), H5Gclose, "opening /meta");
      if (const std::string mismatch = h5::meta_checksum_mismatch(meta.get()); !mismatch.empty())
        throw InputError(std::vector<Diagnostic>{
            {{name, 0, 0}, {}, "the file is damaged: " + mismatch, h5::kMetaChecksumHint}});
    }
    return read_table(file.get());
  } catch (const h5::Failure& f) {
    throw InputError({name, 0, 0}, "cannot read the sweep file: " + f.what);
  } catch (const std::out_of_range&) {
    throw InputError({name, 0, 0}, "cannot read the sweep file: /meta is incomplete");
  } catch (const std::bad_alloc&) {
    throw InputError({name, 0, 0},
                     "cannot read the sweep file: it holds more than this machine's memory can "
                     "take in");
  }
}

void write_sensitivity(const std::filesystem::path& path, const std::vector<SensitivityRecord>& r,
                       double confidence, std::size_t resamples, const OutputRules& rules) {
  FileReplacement replacement(path, rules);
  const h5::ReadingFile reading(path.string());  // it reads the file into memory to add to it
  replacement.write(build_in_memory(
      path,
      [&](hid_t file) {
        if (H5Lexists(file, "sensitivity", H5P_DEFAULT) > 0)
          check(H5Ldelete(file, "sensitivity", H5P_DEFAULT), "removing the old /sensitivity");
        const Handle parameter(H5Dopen2(file, "parameter", H5P_DEFAULT), H5Dclose,
                               "opening /parameter");
        const std::vector<std::string> parameters = get_strings(file, "parameter");
        const Handle g = group(file, "sensitivity");
        number_attr(g.get(), "confidence", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &confidence);
        set_uint64_attr(g.get(), "resamples", resamples);
        for (const SensitivityRecord& s : r) {
          const Handle m = group(g.get(), s.metric);
          set_string_attr(m.get(), "method", s.method);
          for (const auto& [name, value] : s.numbers)
            number_attr(m.get(), name.c_str(), H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
          const std::size_t k = parameters.size();
          for (const auto& [name, values] : s.per_parameter)
            if (values.size() != k)
              throw h5::Failure{"/sensitivity/" + s.metric + "/" + name + " has " +
                                std::to_string(values.size()) + " indices for " +
                                std::to_string(k) + " parameters"};
          for (const auto& [name, values] : s.per_pair)
            if (values.size() != k * k)
              throw h5::Failure{"/sensitivity/" + s.metric + "/" + name + " has " +
                                std::to_string(values.size()) + " values for " + std::to_string(k) +
                                " x " + std::to_string(k) + " pairs"};
          // The group's own copy of the parameter names, the scale netCDF readers use (they
          // see dimensions of ancestors, not their values), attached after /parameter.
          const Handle names = write_strings(m.get(), "parameter", {k}, parameters);
          check(H5DSset_scale(names.get(), "parameter"), "making a dimension scale");
          set_string_attr(names.get(), "canonical_axis", "/parameter");
          for (const auto& [name, values] : s.per_parameter) {
            const Handle ds = write_doubles(m.get(), name, {k}, values);
            check(H5DSattach_scale(ds.get(), parameter.get(), 0),
                  "attaching /parameter to " + name);
            check(H5DSattach_scale(ds.get(), names.get(), 0),
                  "attaching the parameter names to " + name);
          }
          if (s.per_pair.empty()) continue;
          // A [K, K] dataset needs two dimensions of distinct names (xarray refuses a repeated
          // one): rows by parameter, columns by other_parameter, the same names.
          const Handle others = write_strings(m.get(), "other_parameter", {k}, parameters);
          check(H5DSset_scale(others.get(), "other_parameter"), "making a dimension scale");
          for (const auto& [name, values] : s.per_pair) {
            const Handle ds = write_doubles(m.get(), name, {k, k}, values);
            check(H5DSattach_scale(ds.get(), parameter.get(), 0),
                  "attaching /parameter to " + name);
            check(H5DSattach_scale(ds.get(), names.get(), 0),
                  "attaching the parameter names to " + name);
            check(H5DSattach_scale(ds.get(), others.get(), 1),
                  "attaching the other parameter names to " + name);
          }
        }
      },
      path));
  replacement.commit();
}

// ---- Batches ----------------------------------------------------------------------------------

namespace {

constexpr char kBatchMagic[8] = {'A', 'I', 'R', 'B', 'A', 'T', 'C', '1'};

uint64_t checksum(const std::string& bytes) { return fnv1a64(bytes, kSweepFileFnvBasis); }

template <class T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

struct Reader {
  const std::string& bytes;
  std::size_t at = 0;
  template <class T>
  bool get(T& v) {
    if (bytes.size() - at < sizeof v) return false;
    std::memcpy(&v, bytes.data() + at, sizeof v);
    at += sizeof v;
    return true;
  }
};

// The records of a batch file, or false when it is torn or damaged.
bool parse_batch(const std::string& bytes, std::vector<RunRecord>& out) {
  if (bytes.size() < sizeof kBatchMagic + 2 * sizeof(uint64_t)) return false;
  if (std::memcmp(bytes.data(), kBatchMagic, sizeof kBatchMagic) != 0) return false;
  const std::string body = bytes.substr(0, bytes.size() - sizeof(uint64_t));
  uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + body.size(), sizeof stored);
  if (stored != checksum(body)) return false;
  Reader r{body, sizeof kBatchMagic};
  uint64_t count = 0;
  if (!r.get(count)) return false;
  std::vector<RunRecord> records;
  for (uint64_t i = 0; i < count; ++i) {
    RunRecord rec;
    int8_t status = 0;
    uint64_t reason_size = 0;
    uint64_t values = 0;
    if (!r.get(rec.run) || !r.get(status) || !r.get(reason_size)) return false;
    if (body.size() - r.at < reason_size) return false;
    rec.reason = body.substr(r.at, reason_size);
    r.at += reason_size;
    if (!r.get(values) || (body.size() - r.at) / sizeof(double) < values) return false;
    rec.values.resize(values);
    std::memcpy(rec.values.data(), body.data() + r.at, values * sizeof(double));
    r.at += values * sizeof(double);
    rec.status = static_cast<RunStatus>(status);
    records.push_back(std::move(rec));
  }
  if (r.at != body.size()) return false;
  out.insert(out.end(), std::make_move_iterator(records.begin()),
             std::make_move_iterator(records.end()));
  return true;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool is_batch_name(const std::string& name, std::size_t* number) {
  if (!name.starts_with("batch-") || !name.ends_with(".bin")) return false;
  const std::string digits = name.substr(6, name.size() - 10);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return false;
  if (number != nullptr) *number = std::stoul(digits);
  return true;
}

}  // namespace

BatchStore::BatchStore(std::filesystem::path dir, const std::string& stamp) : dir_(std::move(dir)) {
  std::error_code ec;
  const std::filesystem::path stamp_file = dir_ / "STAMP";
  if (std::filesystem::exists(stamp_file, ec)) {
    std::string found = slurp(stamp_file);
    while (!found.empty() && found.back() == '\n') found.pop_back();
    if (found != stamp)
      throw InputError({dir_.string(), 0, 0},
                       "this directory of finished runs belongs to another sweep definition or "
                       "program version (" +
                           found + ", this one is " + stamp +
                           "); remove it to start afresh, or write to another file with -o");
  } else {
    const bool created = std::filesystem::create_directories(dir_, ec);
    if (ec) throw OutputError(dir_, ec.message());
    try {
      replace_file(stamp_file, stamp + "\n", OutputRules());
    } catch (const OutputError&) {
      if (created) std::filesystem::remove(dir_, ec);  // empty: nothing was saved in it
      throw;
    }
  }
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    std::size_t n = 0;
    if (is_batch_name(e.path().filename().string(), &n)) next_ = std::max(next_, n + 1);
  }
}

std::vector<RunRecord> BatchStore::load(std::vector<std::string>& dropped) const {
  std::vector<RunRecord> out;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const std::filesystem::path& p : files) {
    const std::string name = p.filename().string();
    std::error_code ignored;
    // A batch that was never renamed, or its lock: it saved no run. The sweep's lock on its
    // output keeps anyone from writing here while this runs.
    if (is_replacement_file_name(name)) {
      std::filesystem::remove(p, ignored);
      continue;
    }
    if (name.starts_with(".batch-")) {  // half-written by an earlier version
      std::filesystem::remove(p, ignored);
      dropped.push_back(name);
      continue;
    }
    if (!is_batch_name(name, nullptr)) continue;
    if (!parse_batch(slurp(p), out)) {
      std::filesystem::remove(p, ignored);
      dropped.push_back(name);
    }
  }
  return out;
}

std::string BatchStore::commit(const std::vector<RunRecord>& records) {
  std::string bytes(kBatchMagic, sizeof kBatchMagic);
  put(bytes, static_cast<uint64_t>(records.size()));
  for (const RunRecord& r : records) {
    put(bytes, r.run);
    put(bytes, static_cast<int8_t>(r.status));
    put(bytes, static_cast<uint64_t>(r.reason.size()));
    bytes += r.reason;
    put(bytes, static_cast<uint64_t>(r.values.size()));
    bytes.append(reinterpret_cast<const char*>(r.values.data()), r.values.size() * sizeof(double));
  }
  put(bytes, checksum(bytes));
  char name[32];
  std::snprintf(name, sizeof name, "batch-%06zu.bin", next_++);
  replace_file(dir_ / name, bytes, OutputRules());
  return name;
}

}  // namespace airace
