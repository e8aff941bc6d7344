#pragma once
// A validating admission webhook (ValidatingWebhookConfiguration, docs/api-server.md#admission):
// the API server calls it for every create of the kinds it names, after the request has passed
// the server's own checks and before it is stored. The call takes the service's `latency`; the
// webhook's verdict is the `validator`'s: a message denies the request (403 Forbidden, "admission
// webhook \"<name>\" denied the request: <message>", never stored, the client must not retry).
//
// The service fails in seeded ways: down windows (no endpoints: the call fails at once) and calls
// that hang (probability `timeout_rate`) or are slower than `timeout` (they fail after `timeout`).
// A failed call is decided by `failurePolicy`: Fail refuses the request (500 InternalError,
// "failed calling webhook ...": not stored, clients retry), Ignore admits it unvalidated.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/k8s/api_server.hpp"
#include "sim/engine.hpp"
#include "sim/random.hpp"

namespace kubetwin::models {

struct WebhookDownWindow {
  double from = 0, to = 0;  ///< [from, to)
};

struct ValidatingWebhookConfig {
  std::string name = "validator.trainjob.trainer.kubeflow.org";
  std::vector<std::string> kinds;  ///< the kinds whose creates it sees
  double latency = 0.005;          ///< the service's answer time
  double timeout = 10;             ///< timeoutSeconds (upstream default 10)
  bool fail_closed = true;         ///< failurePolicy Fail (upstream default); false: Ignore
  double timeout_rate = 0;         ///< probability that a call hangs until the timeout
  std::vector<WebhookDownWindow> down;
};

class AdmissionWebhook {
 public:
  /// Returns the denial message for an object it refuses, nullopt to admit it.
  using Validator = std::function<std::optional<std::string>(const ApiObject&)>;

  /// Registers itself as `api`'s admission step.
  AdmissionWebhook(sim::Engine& engine, ApiServer& api, ValidatingWebhookConfig config,
                   Validator validator, std::uint64_t seed);
  AdmissionWebhook(const AdmissionWebhook&) = delete;
  AdmissionWebhook& operator=(const AdmissionWebhook&) = delete;

  const ValidatingWebhookConfig& config() const { return config_; }
  bool down(double t) const;

  std::uint64_t calls() const { return calls_; }
  std::uint64_t denied() const { return denied_; }
  std::uint64_t timeouts() const { return timeouts_; }
  std::uint64_t unreachable() const { return unreachable_; }
  /// Failed calls (timeouts and unreachable) whose request was refused (Fail) or admitted (Ignore).
  std::uint64_t failed_closed() const { return failed_closed_; }
  std::uint64_t failed_open() const { return failed_open_; }

 private:
  void admit(const ApiObject& object, AdmissionDecision decide);
  void call_failed(const std::string& why, const AdmissionDecision& decide);

  sim::Engine& engine_;
  const ValidatingWebhookConfig config_;
  Validator validator_;
  sim::RandomStream random_;
  std::uint64_t calls_ = 0, denied_ = 0, timeouts_ = 0, unreachable_ = 0, failed_closed_ = 0,
                failed_open_ = 0;
};

}  // namespace kubetwin::models
