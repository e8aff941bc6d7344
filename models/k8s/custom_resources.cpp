#include "models/k8s/custom_resources.hpp"

#include <array>

namespace kubetwin::models {

namespace {

constexpr const char* kCrdKind = "CustomResourceDefinition";
// The kinds the twin's API server has without a CRD (the built-in API groups it models).
constexpr std::array<std::string_view, 8> kBuiltinKinds = {"CustomResourceDefinition",
                                                           "Event",
                                                           "Job",
                                                           "Pod",
                                                           "Node",
                                                           "Deployment",
                                                           "Service",
                                                           "ConfigMap"};

bool has_condition(const nlohmann::json& status, std::string_view type) {
  if (!status.is_object() || !status.contains("conditions")) return false;
  for (const auto& c : status["conditions"]) {
    if (c.value("type", "") == type && c.value("status", "") == "True") return true;
  }
  return false;
}

}  // namespace

CustomResourceDefinitions::CustomResourceDefinitions(sim::Engine& engine, ApiServer& api,
                                                     double establish_delay)
    : engine_(engine), api_(api), establish_delay_(establish_delay) {
  api_.set_served_kinds([this](std::string_view kind) { return served(kind); });
  api_.committed.connect([this](WatchEventType type, const ObjectPtr& before,
                                const ObjectPtr& now) {
    if (now->meta.kind != kCrdKind) return;
    if (type == WatchEventType::Added) {
      // The establishing controller (in the API server) accepts the names and establishes the CRD.
      engine_.schedule_in(establish_delay_, [this, name = now->meta.name] { establish(name, 0); });
      return;
    }
    const std::string kind = now->spec["names"].value("kind", "");
    if (type == WatchEventType::Deleted) {
      established_.erase(kind);
      return;
    }
    if (has_condition(now->status, "Established") &&
        !(before && has_condition(before->status, "Established"))) {
      established_.insert(kind);
      established.emit(*now);
    }
  });
}

bool CustomResourceDefinitions::served(std::string_view kind) const {
  for (std::string_view b : kBuiltinKinds) {
    if (b == kind) return true;
  }
  return established_.count(kind) > 0;
}

void CustomResourceDefinitions::install(CustomResourceDefinitionSpec crd, double at) {
  engine_.schedule_at(at, [this, crd = std::move(crd)] { create(crd, 0); });
}

void CustomResourceDefinitions::create(CustomResourceDefinitionSpec crd, int failures) {
  ApiObject o;
  o.meta.kind = kCrdKind;
  o.meta.name = crd.plural + "." + crd.group;  // cluster-scoped: no namespace
  o.spec = {{"group", crd.group},
            {"names", {{"kind", crd.kind}, {"plural", crd.plural}}},
            {"scope", "Namespaced"},
            {"versions", {{{"name", crd.version}, {"served", true}, {"storage", true}}}}};
  api_.create("crd-installer", std::move(o), [this, crd, failures](const ApiReply& r) {
    if (r.status.ok() || r.status.code == 409) return;  // stored (409: by an earlier try)
    engine_.schedule_in(ApiServer::client_backoff(failures + 1),
                        [this, crd, failures] { create(crd, failures + 1); });
  });
}

void CustomResourceDefinitions::establish(std::string name, int failures) {
  nlohmann::json conditions = nlohmann::json::array({{{"type", "NamesAccepted"},
                                                      {"status", "True"},
                                                      {"reason", "NoConflicts"},
                                                      {"lastTransitionTime", engine_.now()}},
                                                     {{"type", "Established"},
                                                      {"status", "True"},
                                                      {"reason", "InitialNamesAccepted"},
                                                      {"lastTransitionTime", engine_.now()}}});
  api_.patch_status("apiextensions-apiserver", kCrdKind, "", name, {{"conditions", conditions}},
                    [this, name, failures](const ApiReply& r) {
                      if (r.status.ok() || r.status.code == 404) return;
                      engine_.schedule_in(
                          ApiServer::client_backoff(failures + 1),
                          [this, name, failures] { establish(name, failures + 1); });
                    });
}

}  // namespace kubetwin::models
