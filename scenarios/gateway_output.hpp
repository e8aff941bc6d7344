#pragma once
// The inference gateway in the run folder: gateway.jsonl (one line per request: where the rules
// sent it and what the client saw) and the summary's "gateway" object (per route, per backendRef
// and per endpoint: counts, completions, TTFT and latency). Written only for scenarios with a
// /gateway (docs/output-files.md).

#include <iosfwd>
#include <nlohmann/json.hpp>

#include "models/networking/gateway_controller.hpp"

namespace kubetwin::scenarios {

void write_gateway_jsonl(std::ostream& out, const models::networking::GatewayController& gateway);
nlohmann::ordered_json gateway_summary(const models::networking::GatewayController& gateway);

}  // namespace kubetwin::scenarios
