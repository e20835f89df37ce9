// The seminar's agreements (docs/scenarios.md, "Seminars: teams and levers"): their schema and
// their checks against the teams and the levers.
#include <algorithm>

#include "sim/model/seminar.hpp"

namespace airace {

const Schema<SeminarAgreement>& seminar_agreement_schema() {
  using A = SeminarAgreement;
  static const Schema<SeminarAgreement> s(
      "agreements[]",
      {
          text("id", &A::id, {"unique identifier, used in the API and the decision log", "", true}),
          custom<A>({"set", "a key path", "", "", "",
                     "the parameter the agreement sets to 1 when signed and back to 0 when "
                     "broken: any parameter that may change during a run and takes 0 and 1, "
                     "e.g. safety.agreements[us_cn_pause].in_force",
                     "", true},
                    [](const ConfigNode& n, const std::string& path, A& out, Diagnostics& d) {
                      SetTarget t;
                      read_set_target(n, path, t, d);
                      out.set_where = t.where;
                      out.parameter = t.parameter;
                      if (t.lever != Lever::none)
                        d.error(n.where, path,
                                "the government lever " + lever_info(t.lever).name +
                                    " is a number, not an agreement: an agreement sets a "
                                    "parameter that is 0 or 1",
                                "e.g. safety.agreements[us_cn_pause].in_force; move a "
                                "government lever with levers: instead");
                    }),
          reference_list("parties", &A::parties, "teams[]",
                         {"the teams that sign it (two or more): one proposes it, the others "
                          "accept it, and any of them may break it",
                          "", true}),
          text("label", &A::label, {"what students see", "", true}),
          text("explain", &A::explain, {"one or two sentences for students"}),
      });
  return s;
}

void resolve_seminar_agreements(const std::vector<SeminarAgreement>& agreements,
                                const std::vector<std::string>& team_ids,
                                std::vector<std::string> used, SeminarSetup& setup,
                                Diagnostics& diags) {
  for (const SeminarAgreement& a : agreements) {
    const std::string path = "agreements[" + a.id + "]";
    std::vector<std::size_t> parties;
    for (const EntityRef& p : a.parties)
      if (const auto t = resolve_reference(p, path + ".parties", team_ids, "team", diags)) {
        if (std::find(parties.begin(), parties.end(), *t) != parties.end())
          diags.error(p.where, path + ".parties", "team '" + p.id + "' is named twice");
        else
          parties.push_back(*t);
      }
    if (a.parties.size() < 2)
      diags.error(a.where, path + ".parties",
                  "an agreement needs at least two teams as parties, found " +
                      std::to_string(a.parties.size()),
                  "one team alone moves a lever instead (levers:)");
    setup.agreement_parties.push_back(std::move(parties));
    setup.agreement_value.push_back(0.0);  // filled in by the assembly
    if (a.parameter.empty()) continue;     // reported by the schema
    if (std::find(used.begin(), used.end(), a.parameter) != used.end())
      diags.error(a.set_where, path + ".set",
                  "a lever or another agreement already moves " + a.parameter,
                  "give each agreement a parameter of its own, which no lever moves");
    used.push_back(a.parameter);
  }
}

}  // namespace airace
