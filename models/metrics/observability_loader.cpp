#include "models/metrics/observability_loader.hpp"

#include <cmath>
#include <set>

namespace kubetwin::models {

using sim::Dimension;
using sim::Required;
using sim::StrictObject;

ObservabilityConfig read_observability(StrictObject& o, std::vector<sim::JsonIssue>& issues) {
  ObservabilityConfig c;
  c.scrape_interval = o.quantity("scrapeInterval", Dimension::Time, Required::No, 1e-3).value_or(c.scrape_interval);
  c.start_timestamp = static_cast<double>(o.integer("startTimestamp", Required::No, 0, 4102444800).value_or(0));
  if (auto d = o.object("dcgmExporter")) {
    c.dcgm_exporter = d->boolean("enabled").value_or(c.dcgm_exporter);
    if (auto f = d->object("faults")) {
      c.dcgm_stale = f->boolean("staleValues").value_or(c.dcgm_stale);
      f->finish();
    }
    d->finish();
  }
  if (auto sd = o.object("serviceDiscovery")) {
    c.service_discovery = sd->boolean("enabled").value_or(c.service_discovery);
    c.discovery_delay = sd->quantity("delay", Dimension::Time).value_or(c.discovery_delay);
    sd->finish();
  }
  if (const auto* list = o.array("podMonitors")) {
    std::set<std::string> names;
    for (std::size_t i = 0; i < list->size(); ++i) {
      StrictObject m((*list)[i], o.pointer_of("podMonitors") + "/" + std::to_string(i), issues);
      if (!m.valid()) continue;
      PodMonitorSpec spec;
      spec.name = m.string("name", Required::Yes).value_or("");
      if (!spec.name.empty() && !names.insert(spec.name).second) m.issue("name", "duplicate PodMonitor name \"" + spec.name + "\"");
      spec.ns = m.string("namespace").value_or(spec.ns);
      if (auto sel = m.object("selector", Required::Yes)) {
        spec.selector.match_labels = sel->string_map("matchLabels");
        sel->finish();
      }
      if (auto interval = m.quantity("interval", Dimension::Time, Required::No, 1e-3)) {
        const double k = *interval / c.scrape_interval;
        if (std::abs(k - std::round(k)) > 1e-9 || std::round(k) < 1) {
          m.issue("interval", "must be a whole multiple of /observability/scrapeInterval");
        }
        spec.interval = *interval;
      }
      m.finish();
      c.pod_monitors.push_back(std::move(spec));
    }
  }
  o.finish();
  return c;
}

InferenceServerSpec read_inference_server(StrictObject& o) {
  InferenceServerSpec s;
  s.model_name = o.string("modelName").value_or(s.model_name);
  s.max_num_seqs = static_cast<int>(o.integer("maxNumSeqs", Required::No, 1, 1000000).value_or(s.max_num_seqs));
  s.request_latency = o.quantity("requestLatency", Dimension::Time, Required::No, 1e-6).value_or(s.request_latency);
  s.time_to_first_token = o.quantity("timeToFirstToken", Dimension::Time, Required::No, 0).value_or(s.time_to_first_token);
  if (o.valid() && s.time_to_first_token > s.request_latency) o.issue("timeToFirstToken", "must not exceed requestLatency");
  o.finish();
  return s;
}

}  // namespace kubetwin::models
