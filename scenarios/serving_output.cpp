#include "scenarios/serving_output.hpp"

#include <map>

#include "models/metrics/distribution.hpp"
#include "sim/json_writer.hpp"

namespace kubetwin::scenarios {

void append_prefill_line(std::string& out, double t, const models::ServedRequest& r) {
  sim::JsonObjectWriter(out)
      .field("t", t)
      .field("request", r.id)
      .field("role", "prefill")
      .field("pod", r.prefill_pod)
      .field("node", r.prefill_node)
      .field("arrival", r.arrival)
      .field("start", r.prefill_start)
      .field("end", r.prefill_end)
      .field("inputTokens", r.input_tokens)
      .field("kvBytes", r.kv_bytes)
      .close();
  out += '\n';
}

void append_finished_line(std::string& out, double t, const models::ServedRequest& r) {
  sim::JsonObjectWriter w(out);
  w.field("t", t).field("request", r.id);
  if (r.failed) {
    w.field("role", "error").field("reason", r.failure).field("prefillPod", r.prefill_pod).field("decodePod", r.decode_pod);
  } else {
    w.field("role", "decode")
        .field("pod", r.decode_pod)
        .field("node", r.decode_node)
        .field("prefillPod", r.prefill_pod)
        .field("kvPath", models::kv_path_name(r.path))
        .field("kvTransferSeconds", r.kv_transfer_seconds)
        .field("firstToken", r.first_token)
        .field("end", r.end)
        .field("outputTokens", r.output_tokens)
        .field("ttftSeconds", r.first_token - r.arrival)
        .field("latencySeconds", r.end - r.arrival);
  }
  w.close();
  out += '\n';
}

nlohmann::ordered_json serving_summary(const models::DisaggregatedServing& s) {
  models::Distribution ttft, latency, kv;
  std::map<models::KvPath, std::pair<int, double>> by_path;  // requests, summed transfer seconds
  for (const models::ServedRequest& r : s.requests()) {
    if (r.failed || r.end < 0) continue;
    ttft.add(r.first_token - r.arrival);
    latency.add(r.end - r.arrival);
    kv.add(r.kv_transfer_seconds);
    auto& [n, sum] = by_path[r.path];
    ++n;
    sum += r.kv_transfer_seconds;
  }
  auto dist = [](const models::Distribution& d) {
    const auto sm = d.summarize().value_or(models::DistributionSummary{});
    return nlohmann::ordered_json{{"mean", sm.mean}, {"p50", sm.p50}, {"p90", sm.p90}, {"p99", sm.p99}};
  };
  nlohmann::ordered_json paths = nlohmann::ordered_json::object();
  for (const auto& [path, v] : by_path) {
    paths[models::kv_path_name(path)] = {{"requests", v.first}, {"meanKvTransferSeconds", v.second / v.first}};
  }
  return {{"name", s.spec().name},
          {"model", s.spec().model.name},
          {"prefillDeployment", s.spec().prefill_deployment},
          {"decodeDeployment", s.spec().decode_deployment},
          {"requests", s.requests().size()},
          {"completed", s.completed()},
          {"failed", s.failed()},
          {"ttftSeconds", dist(ttft)},
          {"latencySeconds", dist(latency)},
          {"kvTransferSeconds", dist(kv)},
          {"kvPaths", paths}};
}

}  // namespace kubetwin::scenarios
