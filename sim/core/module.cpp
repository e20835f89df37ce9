#include "sim/core/module.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace airace {

AxisId Declarations::axis(std::string_view group, std::string_view name) const {
  const std::vector<EntityAxis>& axes = catalog_.axes();
  for (std::size_t a = 0; a < axes.size(); ++a)
    if (axes[a].group == group && axes[a].name == name) return a;
  throw std::logic_error("module " + module_ + " uses the axis " + std::string(group) + "/" +
                         std::string(name) + ", which no module declared");
}

std::size_t Declarations::step(StepSpec spec) {
  steps_.push_back({module_, std::move(spec), {}});
  return steps_.size() - 1;
}

SeriesId Declarations::series(std::size_t step, SeriesDecl decl, SeriesFill fill) {
  DeclaredStep& s = steps_.at(step);
  const SeriesId id =
      catalog_.add_series({std::move(decl.group), std::move(decl.name), std::move(decl.units),
                           std::move(decl.description), s.spec.cadence,
                           std::move(decl.entity_axes)});
  s.fills.emplace_back(id, std::move(fill));
  return id;
}

std::vector<std::size_t> order_steps(const std::vector<Declarations::DeclaredStep>& steps) {
  std::map<std::string, std::vector<std::size_t>> writers;  // part -> steps writing it
  for (std::size_t i = 0; i < steps.size(); ++i)
    for (const std::string& p : steps[i].spec.writes) {
      std::vector<std::size_t>& w = writers[p];
      for (std::size_t j : w)
        if (steps[j].module != steps[i].module)
          throw std::logic_error("the part '" + p + "' is written by " + steps[j].spec.name +
                                 " and by " + steps[i].spec.name +
                                 "; each part has one writing module");
      w.push_back(i);
    }
  // A same-day read puts the part's writers first.
  std::vector<std::vector<std::size_t>> before(steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    auto check = [&](const std::string& p) -> const std::vector<std::size_t>& {
      const auto w = writers.find(p);
      if (w == writers.end())
        throw std::logic_error(steps[i].spec.name + " reads the part '" + p +
                               "', which no step writes");
      return w->second;
    };
    for (const std::string& p : steps[i].spec.reads_previous) check(p);
    // A module's own steps run in the order it declared them: a read of its own part waits only
    // for its earlier steps.
    for (const std::string& p : steps[i].spec.reads)
      for (std::size_t w : check(p))
        if (w != i && !(steps[w].module == steps[i].module && w > i) &&
            std::find(before[i].begin(), before[i].end(), w) == before[i].end())
          before[i].push_back(w);
  }
  // Kahn's algorithm, taking the earliest declared step that is ready.
  std::vector<std::size_t> order;
  std::vector<uint8_t> done(steps.size(), 0);
  while (order.size() < steps.size()) {
    std::size_t next = steps.size();
    for (std::size_t i = 0; i < steps.size() && next == steps.size(); ++i)
      if (!done[i] && std::all_of(before[i].begin(), before[i].end(),
                                  [&done](std::size_t w) { return done[w] != 0; }))
        next = i;
    if (next == steps.size()) {
      std::string cycle;
      for (std::size_t i = 0; i < steps.size(); ++i)
        if (!done[i])
          for (std::size_t w : before[i])
            if (!done[w])
              cycle += (cycle.empty() ? "" : "; ") + steps[i].spec.name + " reads what " +
                       steps[w].spec.name + " writes the same day";
      throw std::logic_error("the steps' same-day reads form a cycle: " + cycle);
    }
    done[next] = 1;
    order.push_back(next);
  }
  return order;
}

void schedule_steps(std::vector<Declarations::DeclaredStep>& steps, Schedule& schedule,
                    SeriesBuffer& buffer, std::function<void(const Tick&)> before) {
  const std::vector<std::size_t> order = order_steps(steps);
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    Declarations::DeclaredStep* s = &steps[order[rank]];
    schedule.add({s->spec.name, s->spec.cadence, static_cast<int>(rank),
                  [s, &buffer, before](const Tick& t) {
                    if (before) before(t);
                    s->spec.run(t);
                    for (auto& [id, fill] : s->fills) {
                      SeriesRow row(buffer, id, t);
                      fill(row);
                    }
                  }});
  }
}

}  // namespace airace
