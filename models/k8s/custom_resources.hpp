#pragma once
// CustomResourceDefinitions (apiextensions-apiserver, docs/api-server.md#custom-resources): a CRD
// is an object in the store; once its establishing controller has set the Established condition,
// the API server serves its kind. Before that, and for kinds no CRD defines, requests for the kind
// are answered 404 NotFound ("the server could not find the requested resource"), as upstream.
// Built-in kinds (Pod, Job, Event, CustomResourceDefinition...) are always served.

#include <set>
#include <string>
#include <string_view>

#include "models/k8s/api_server.hpp"
#include "sim/engine.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

struct CustomResourceDefinitionSpec {
  std::string group;    ///< "trainer.kubeflow.org"
  std::string kind;     ///< "TrainJob"
  std::string plural;   ///< "trainjobs"; the CRD is named <plural>.<group>
  std::string version;  ///< "v1alpha1"
};

class CustomResourceDefinitions {
 public:
  /// Installs the served-kinds gate on `api`. `establish_delay`: from a CRD's creation until its
  /// establishing controller writes Established (upstream: at once on a single API server).
  CustomResourceDefinitions(sim::Engine& engine, ApiServer& api, double establish_delay);
  CustomResourceDefinitions(const CustomResourceDefinitions&) = delete;
  CustomResourceDefinitions& operator=(const CustomResourceDefinitions&) = delete;

  /// An installer (client "crd-installer") creates the CRD at `at`, retrying until it is stored.
  void install(CustomResourceDefinitionSpec crd, double at);
  bool served(std::string_view kind) const;
  std::size_t established_count() const { return established_.size(); }

  /// The CRD's Established condition was committed: its kind is served from now on.
  sim::Signal<const ApiObject& /*crd*/> established;

 private:
  void create(CustomResourceDefinitionSpec crd, int failures);
  void establish(std::string name, int failures);

  sim::Engine& engine_;
  ApiServer& api_;
  const double establish_delay_;
  std::set<std::string, std::less<>> established_;
};

}  // namespace kubetwin::models
