#include "models/k8s/admission_webhook.hpp"

#include <algorithm>
#include <memory>

namespace kubetwin::models {

AdmissionWebhook::AdmissionWebhook(sim::Engine& engine, ApiServer& api,
                                   ValidatingWebhookConfig config, Validator validator,
                                   std::uint64_t seed)
    : engine_(engine),
      config_(std::move(config)),
      validator_(std::move(validator)),
      random_(seed ^ sim::fnv1a64("admission-webhook:" + config_.name)) {
  api.set_admission([this](const ApiObject& object, AdmissionDecision decide) {
    admit(object, std::move(decide));
  });
}

bool AdmissionWebhook::down(double t) const {
  return std::any_of(config_.down.begin(), config_.down.end(),
                     [t](const WebhookDownWindow& w) { return t >= w.from && t < w.to; });
}

void AdmissionWebhook::admit(const ApiObject& object, AdmissionDecision decide) {
  if (std::find(config_.kinds.begin(), config_.kinds.end(), object.meta.kind) ==
      config_.kinds.end()) {
    decide(std::nullopt, {});  // no rule matches: not called
    return;
  }
  ++calls_;
  if (down(engine_.now())) {  // no endpoints behind the service: the call fails at once
    ++unreachable_;
    call_failed("no endpoints available for service \"" + config_.name + "\"", decide);
    return;
  }
  // The draw is made for every call that reaches the service, so one call's fate does not shift
  // another's when the configuration changes elsewhere.
  const bool hangs = config_.timeout_rate > 0 && random_.uniform01() < config_.timeout_rate;
  if (hangs || config_.latency >= config_.timeout) {
    ++timeouts_;
    engine_.schedule_in(config_.timeout, [this, decide = std::move(decide)] {
      call_failed("context deadline exceeded", decide);
    });
    return;
  }
  auto copy = std::make_shared<const ApiObject>(object);
  engine_.schedule_in(config_.latency, [this, copy, decide = std::move(decide)] {
    if (std::optional<std::string> why = validator_(*copy)) {
      ++denied_;
      decide(ApiStatus{403, "Forbidden"},
             "admission webhook \"" + config_.name + "\" denied the request: " + *why);
    } else {
      decide(std::nullopt, {});
    }
  });
}

void AdmissionWebhook::call_failed(const std::string& why, const AdmissionDecision& decide) {
  if (config_.fail_closed) {
    ++failed_closed_;
    decide(ApiStatus{500, "InternalError"},
           "Internal error occurred: failed calling webhook \"" + config_.name + "\": " + why);
  } else {
    ++failed_open_;
    decide(std::nullopt, {});
  }
}

}  // namespace kubetwin::models
