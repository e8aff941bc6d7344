#pragma once
// The run folder's view of disaggregated serving (/disaggregatedServing): serving-requests.jsonl,
// the two roles' request logs in one file (a "prefill" line when a request's prefill ends, then
// a "decode" line when its last token is out, or an "error" line), and the summary's
// `disaggregatedServing` entries.

#include <nlohmann/json.hpp>
#include <string>

#include "models/serving/disaggregated_serving.hpp"

namespace kubetwin::scenarios {

/// {"t", "request", "role": "prefill", "pod", "node", "arrival", "start", "end", "inputTokens", "kvBytes"}
void append_prefill_line(std::string& out, double t, const models::ServedRequest& r);
/// Completed: {"t", "request", "role": "decode", "pod", "node", "prefillPod", "kvPath", "kvTransferSeconds",
/// "firstToken", "end", "outputTokens", "ttftSeconds", "latencySeconds"}; failed: {"t", "request",
/// "role": "error", "reason", "prefillPod", "decodePod"}.
void append_finished_line(std::string& out, double t, const models::ServedRequest& r);
/// name, model, requests, completed, failed, ttftSeconds, latencySeconds and kvTransferSeconds
/// (mean, p50, p90, p99 over completed requests), and per K/V path its requests and mean transfer.
nlohmann::ordered_json serving_summary(const models::DisaggregatedServing& s);

}  // namespace kubetwin::scenarios
