#include "models/dra/dra_loader.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/testing/builders.hpp"
#include "models/workload/trace_format.hpp"

namespace kubetwin::models::dra {
namespace {

using nlohmann::json;
using sim::JsonIssue;
using sim::StrictObject;

// What a scenario's `dra` object holds, as upstream objects would be pasted.
const char* kDra = R"({
  "deviceClasses": [
    {"apiVersion": "resource.k8s.io/v1", "kind": "DeviceClass", "metadata": {"name": "gpu.nvidia.com"},
     "spec": {"selectors": [{"cel": {"expression": "device.driver == \"gpu.nvidia.com\""}}]}}
  ],
  "resourceClaims": [
    {"metadata": {"name": "shared", "namespace": "default"},
     "spec": {"devices": {"requests": [
       {"name": "gpus", "exactly": {"deviceClassName": "gpu.nvidia.com", "count": 2,
         "selectors": [{"cel": {"expression": "device.attributes[\"gpu.nvidia.com\"].model == \"H100\""}}]}}]}}}
  ],
  "resourceClaimTemplates": [
    {"metadata": {"name": "all-gpus"},
     "spec": {"spec": {"devices": {"requests": [
       {"name": "all", "exactly": {"deviceClassName": "gpu.nvidia.com", "allocationMode": "All"}}]}}}}
  ]
})";

TEST(DraLoader, ReadsUpstreamShapedObjects) {
  std::vector<JsonIssue> issues;
  const json doc = json::parse(kDra);
  StrictObject dra(doc, "/dra", issues);
  DraObjects out;
  read_dra(dra, out, issues);
  ASSERT_TRUE(issues.empty()) << issues[0].pointer << ": " << issues[0].message;
  ASSERT_EQ(out.device_classes.size(), 1u);
  EXPECT_EQ(out.device_classes[0].selectors.size(), 1u);
  ASSERT_EQ(out.resource_claims.size(), 1u);
  const DeviceRequest& r = out.resource_claims[0].spec.requests.at(0);
  EXPECT_EQ(r.name, "gpus");
  EXPECT_EQ(r.count, 2);
  EXPECT_EQ(r.allocation_mode, AllocationMode::ExactCount);
  ASSERT_EQ(out.resource_claim_templates.size(), 1u);
  EXPECT_EQ(out.resource_claim_templates[0].spec.requests.at(0).allocation_mode, AllocationMode::All);
}

TEST(DraLoader, ReadsMatchAttributeConstraintsAndTheFault) {
  std::vector<JsonIssue> issues;
  const json doc = json::parse(R"({"faults": {"ignoreConstraints": true},
    "deviceClasses": [{"metadata": {"name": "gpu"}}, {"metadata": {"name": "nic"}}],
    "resourceClaimTemplates": [{"metadata": {"name": "t"}, "spec": {"spec": {"devices": {
      "requests": [{"name": "gpu", "exactly": {"deviceClassName": "gpu"}}, {"name": "nic", "exactly": {"deviceClassName": "nic"}}],
      "constraints": [{"requests": ["gpu", "nic"], "matchAttribute": "kubetwin.io/numaNode"}, {"matchAttribute": "resource.kubernetes.io/pcieRoot"}]}}}}]})");
  StrictObject dra(doc, "/dra", issues);
  DraObjects out;
  read_dra(dra, out, issues);
  ASSERT_TRUE(issues.empty()) << issues[0].pointer << ": " << issues[0].message;
  EXPECT_TRUE(out.ignore_constraints);
  EXPECT_FALSE(out.ignore_request_selectors);
  const auto& constraints = out.resource_claim_templates.at(0).spec.constraints;
  ASSERT_EQ(constraints.size(), 2u);
  EXPECT_EQ(constraints[0].requests, (std::vector<std::string>{"gpu", "nic"}));
  EXPECT_EQ(constraints[0].match_attribute, "kubetwin.io/numaNode");
  EXPECT_TRUE(constraints[1].requests.empty());
}

struct BadInput {
  const char* what;
  const char* dra;
  const char* pointer;
  const char* message_part;
};

TEST(DraLoader, ReportsBadInputWithJsonPointers) {
  const char* cls = R"("deviceClasses": [{"metadata": {"name": "gpu"}}])";
  auto claim = [&](const std::string& exactly) {
    return std::string("{") + cls + R"(, "resourceClaims": [{"metadata": {"name": "c"}, "spec": {"devices": {"requests": [{"name": "r", "exactly": )" +
           exactly + "}]}}}]}";
  };
  const std::vector<std::string> docs = {
      claim(R"({"deviceClassName": "gpu", "selectors": [{"cel": {"expression": "device.attributes[\"d\"].m =< 3"}}]})"),
      claim(R"({"deviceClassName": "tpu"})"),
      claim(R"({"deviceClassName": "gpu", "allocationMode": "All", "count": 2})"),
      claim(R"({"deviceClassName": "gpu", "count": 0})"),
      claim(R"({"deviceClassName": "gpu", "adminAccess": true})"),
      R"({"deviceClasses": [{"metadata": {"name": "gpu"}, "spec": {"selectors": [{"cel": {"expression": "dev.driver == 'x'"}}]}}]})",
      R"({"resourceClaims": [{"metadata": {"name": "c"}, "spec": {"devices": {"requests": [{"name": "r", "firstAvailable": []}]}}}]})",
      R"({"deviceClasses": [{"apiVersion": "resource.k8s.io/v1beta1", "metadata": {"name": "gpu"}}]})",
      std::string("{") + cls + R"(, "resourceClaims": [{"metadata": {"name": "c"}, "spec": {"devices": {"requests": [{"name": "r", "exactly": {"deviceClassName": "gpu"}}], "constraints": [{"requests": ["x"], "matchAttribute": "a.b/numa"}]}}}]})",
      std::string("{") + cls + R"(, "resourceClaims": [{"metadata": {"name": "c"}, "spec": {"devices": {"requests": [{"name": "r", "exactly": {"deviceClassName": "gpu"}}], "constraints": [{"matchAttribute": "numa"}]}}}]})",
      std::string("{") + cls + R"(, "resourceClaims": [{"metadata": {"name": "c"}, "spec": {"devices": {"requests": [{"name": "r", "exactly": {"deviceClassName": "gpu"}}], "constraints": [{"distinctAttribute": "a.b/numa"}]}}}]})",
  };
  const std::vector<BadInput> cases = {
      {"a selector that does not parse", nullptr,
       "/dra/resourceClaims/0/spec/devices/requests/0/exactly/selectors/0/cel/expression",
       "does not parse: column 26: unexpected '='"},
      {"an unknown device class", nullptr, "/dra/resourceClaims/0/spec/devices/requests/0/exactly/deviceClassName",
       "DeviceClass \"tpu\" is not declared"},
      {"count with All", nullptr, "/dra/resourceClaims/0/spec/devices/requests/0/exactly/count", "must not be set with allocationMode All"},
      {"count below 1", nullptr, "/dra/resourceClaims/0/spec/devices/requests/0/exactly/count", "at least 1"},
      {"a field kubetwin does not model", nullptr, "/dra/resourceClaims/0/spec/devices/requests/0/exactly/adminAccess",
       "is not a known field"},
      {"a class selector that does not parse", nullptr, "/dra/deviceClasses/0/spec/selectors/0/cel/expression",
       "undeclared reference to 'dev'"},
      {"firstAvailable", nullptr, "/dra/resourceClaims/0/spec/devices/requests/0/firstAvailable", "not supported"},
      {"an older API version", nullptr, "/dra/deviceClasses/0/apiVersion", "must be resource.k8s.io/v1"},
      {"a constraint naming no request", nullptr, "/dra/resourceClaims/0/spec/devices/constraints/0/requests/0",
       "names no request of this claim"},
      {"an unqualified matchAttribute", nullptr, "/dra/resourceClaims/0/spec/devices/constraints/0/matchAttribute",
       "fully qualified"},
      {"distinctAttribute", nullptr, "/dra/resourceClaims/0/spec/devices/constraints/0/distinctAttribute", "not supported"},
  };
  ASSERT_EQ(docs.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].what);
    std::vector<JsonIssue> issues;
    const json doc = json::parse(docs[i]);
    StrictObject dra(doc, "/dra", issues);
    DraObjects out;
    read_dra(dra, out, issues);
    ASSERT_FALSE(issues.empty());
    bool found = false;
    for (const auto& issue : issues) {
      found = found || (issue.pointer == cases[i].pointer && issue.message.find(cases[i].message_part) != std::string::npos);
    }
    EXPECT_TRUE(found) << "first issue: " << issues[0].pointer << ": " << issues[0].message;
  }
}

const char* kPool = R"({
  "name": "h100", "count": 2,
  "resourceSlices": [{
    "driver": "gpu.nvidia.com",
    "devices": [{"name": "gpu", "count": 4,
                 "attributes": {"model": {"string": "H100"}, "nvlinkDomain": {"int": 0},
                                "driverVersion": {"version": "550.54.15"}, "mig": {"bool": false}},
                 "capacity": {"memory": {"value": "80Gi"}}}]
  }]
})";

TEST(DraLoader, ReadsPoolSliceTemplatesAndPublishesThemOnEveryNode) {
  std::vector<JsonIssue> issues;
  const json doc = json::parse(kPool);
  StrictObject pool(doc, "/platform/nodePools/0", issues);
  DraObjects objects;
  read_pool_resource_slices(pool, "h100", 0, objects, issues);
  ASSERT_TRUE(issues.empty()) << issues[0].pointer << ": " << issues[0].message;
  ASSERT_EQ(objects.pool_slices.size(), 1u);
  const ResourceSlice& slice = objects.pool_slices[0].slices.at(0);
  ASSERT_EQ(slice.devices.size(), 4u);
  EXPECT_EQ(slice.devices[3].name, "gpu-3");
  EXPECT_EQ(slice.devices[0].attributes.size(), 4u);
  EXPECT_EQ(slice.devices[0].capacity.at(0).second, *parse_device_quantity("80Gi"));

  const Cluster cluster({testing::pool("cpu", 1, {8000, 16 * testing::kGi, 0}),
                         testing::pool("h100", 2, {64000, 512 * testing::kGi, 0})});
  const DraState state = build_dra_state(objects, cluster);
  EXPECT_TRUE(state.devices_on(0).empty());
  EXPECT_EQ(state.devices_on(1).size(), 4u);
  EXPECT_EQ(state.devices_on(2).size(), 4u);
  EXPECT_EQ(state.device(state.devices_on(2)[1].shape_device).name, "gpu-1");
}

TEST(DraLoader, RejectsGpusCountedBothAsDevicesAndAsExtendedResource) {
  std::vector<JsonIssue> issues;
  const json doc = json::parse(kPool);
  StrictObject pool(doc, "/platform/nodePools/0", issues);
  DraObjects objects;
  read_pool_resource_slices(pool, "h100", 8, objects, issues);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].pointer, "/platform/nodePools/0/resourceSlices/0/driver");
  EXPECT_NE(issues[0].message.find("nvidia.com/gpu: 0"), std::string::npos);
}

TEST(DraLoader, ReportsBadDeviceAttributes) {
  std::vector<JsonIssue> issues;
  const json doc = json::parse(R"({"resourceSlices": [{"driver": "gpu.nvidia.com", "devices": [
      {"name": "gpu-0", "attributes": {"model": {"string": "H100", "int": 3}, "v": {"version": "5.5"}},
       "capacity": {"memory": {"value": "80 Gi"}}}]}]})");
  StrictObject pool(doc, "/platform/nodePools/1", issues);
  DraObjects objects;
  read_pool_resource_slices(pool, "p", 0, objects, issues);
  std::vector<std::string> pointers;
  for (const auto& i : issues) pointers.push_back(i.pointer);
  const std::string base = "/platform/nodePools/1/resourceSlices/0/devices/0";
  EXPECT_EQ(pointers, (std::vector<std::string>{base + "/attributes/model", base + "/attributes/v/version",
                                                base + "/capacity/memory/value"}));
}

TEST(TraceFormat, ReadsAndWritesPodResourceClaims) {
  const json record = json::parse(R"({"jobId": "j", "submitTime": 0, "duration": "1h", "pods": [{
      "requests": {"cpu": "8"},
      "resourceClaims": [{"name": "gpu", "resourceClaimTemplateName": "one-h100"},
                         {"name": "nic", "resourceClaimName": "shared-nic"}]}]})");
  std::vector<JsonIssue> issues;
  const JobSpec job = read_job_record(record, "", GpuCatalog::builtin(), issues);
  ASSERT_TRUE(issues.empty()) << issues[0].pointer << ": " << issues[0].message;
  const auto& claims = job.pods.at(0).resource_claims;
  ASSERT_EQ(claims.size(), 2u);
  EXPECT_EQ(claims[0].resource_claim_template_name, "one-h100");
  EXPECT_EQ(claims[1].resource_claim_name, "shared-nic");
  EXPECT_EQ(job_record(job)["pods"][0]["resourceClaims"], record["pods"][0]["resourceClaims"]);

  const json bad = json::parse(R"({"jobId": "j", "submitTime": 0, "duration": "1h", "pods": [{
      "requests": {"cpu": "8"}, "resourceClaims": [{"name": "gpu"}]}]})");
  issues.clear();
  read_job_record(bad, "/jobs/0", GpuCatalog::builtin(), issues);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].pointer, "/jobs/0/pods/0/resourceClaims/0");
  EXPECT_EQ(issues[0].message, "must give exactly one of resourceClaimName or resourceClaimTemplateName");
}

}  // namespace
}  // namespace kubetwin::models::dra
