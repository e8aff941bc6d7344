#include "conformance/cases/gang_watch.hpp"

#include <algorithm>
#include <sstream>

namespace kubetwin::conformance::cases {

GangWatch watch_gangs(const SimulationResult& sim, const std::map<std::string, int>& sizes) {
  GangWatch w;
  std::map<std::string, int> bound;                        // job -> pods bound now
  std::map<std::string, double> partial_since;             // job -> when its current partial binding began
  std::map<std::string, std::pair<double, int>> running;   // job -> first PodRunning of this run, pods Running
  auto check = [&](double t) {
    int whole = 0;
    for (const auto& [job, n] : bound) {
      const int size = sizes.at(job);
      if (n == size) ++whole;
      if (n > 0 && n < size) {
        partial_since.emplace(job, t);
        ++w.partial_instants;
        if (w.first_partial.empty()) {
          std::ostringstream s;
          s << job << " had " << n << "/" << size << " pods bound at t=" << t << " s";
          w.first_partial = s.str();
        }
      } else if (auto it = partial_since.find(job); it != partial_since.end()) {
        if (t - it->second > w.longest) {
          w.longest = t - it->second;
          w.longest_job = job;
        }
        partial_since.erase(it);
      }
    }
    w.max_whole_bound = std::max(w.max_whole_bound, whole);
  };
  double now = 0;
  for (const auto& e : sim.events) {
    const double t = e["t"].get<double>();
    if (t != now) check(now);  // the state after every event of an instant
    now = t;
    if (!e.contains("job")) continue;
    const std::string job = e["job"].get<std::string>();
    const auto size = sizes.find(job);
    if (size == sizes.end()) continue;
    const std::string type = e["type"].get<std::string>();
    if (type == "Scheduled") {
      ++bound[job];
    } else if (type == "PodRunning") {
      auto& [first, n] = running[job];
      if (n++ == 0) first = t;
      if (n == size->second) w.max_running_spread = std::max(w.max_running_spread, t - first);
    } else if (type == "JobCompleted" || type == "JobFailed" || type == "Preempted" || type == "Evicted") {
      bound[job] = 0;
      if (type == "JobCompleted" && running[job].second == size->second) ++w.completed_all_running;
      running.erase(job);
    }
  }
  check(now);
  for (const auto& [job, since] : partial_since) {  // still partial at the end: a deadlock
    if (now - since > w.longest) {
      w.longest = now - since;
      w.longest_job = job;
    }
  }
  return w;
}

}  // namespace kubetwin::conformance::cases
