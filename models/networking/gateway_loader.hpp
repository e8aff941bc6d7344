#pragma once
// Reads the scenario's /gateway object (Gateways, HTTPRoutes, InferencePools, endpoint pickers,
// traffic, faults) and a Deployment's `serving` block, strictly (docs/scenario-format.md).

#include <vector>

#include "models/networking/gateway_controller.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::models::networking {

GatewayConfig read_gateway(sim::StrictObject& gateway, std::vector<sim::JsonIssue>& issues);
ModelServing read_model_serving(sim::StrictObject& serving, std::vector<sim::JsonIssue>& issues);

}  // namespace kubetwin::models::networking
