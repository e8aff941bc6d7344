// Each case passes on an intact profile and fails on a deliberately broken one (the breakage
// lives where it belongs: a profile without Coscheduling at Permit, the DRA allocator fault
// ignoreRequestSelectors, the autoscalers off). Each simulation runs in a child process.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "conformance/case.hpp"
#include "conformance/catalog.hpp"
#include "conformance/report.hpp"

namespace kubetwin::conformance {
namespace {

namespace fs = std::filesystem;

class Cases : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = fs::temp_directory_path() / ("kubetwin-conformance-test-" + std::to_string(::getpid()));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(work_, ec);
  }
  CaseResult run(const std::string& requirement, const std::string& profile) const {
    const Profile p = load_profile(profile);
    const Case* c = find_case(requirement);
    EXPECT_NE(c, nullptr) << requirement;
    return c->run(CaseContext(p, work_ / (requirement + "-" + p.name)));
  }
  static std::string broken(const std::string& name) {
    return (fs::path(KUBETWIN_SOURCE_DIR) / "conformance/profiles/broken" / (name + ".json")).string();
  }
  fs::path work_;
};

TEST_F(Cases, GangSchedulingPassesWithCoscheduling) {
  const auto r = run("gang_scheduling", "coscheduling");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
  EXPECT_NE(r.evidence.find("5/5 completed, 0 instants with a partially bound gang"), std::string::npos) << r.evidence;
}

TEST_F(Cases, GangSchedulingFailsWithoutPermit) {
  const auto r = run("gang_scheduling", broken("no-gang-permit"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("first: gang-"), std::string::npos) << r.evidence;
}

TEST_F(Cases, GangSchedulingFailsOnStockKubeScheduler) {
  const auto r = run("gang_scheduling", "default");
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
}

TEST_F(Cases, DraSupportPasses) {
  const auto r = run("dra_support", "coscheduling");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
  EXPECT_NE(r.evidence.find(", 0 not satisfying the selector (2 CEL selectors evaluated on each allocated device as published); 6/6 pods completed"), std::string::npos) << r.evidence;
}

TEST_F(Cases, DraSupportFailsWhenTheAllocatorIgnoresSelectors) {
  const auto r = run("dra_support", broken("dra-ignores-selectors"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("(80Gi)"), std::string::npos) << r.evidence;
}

TEST_F(Cases, ClusterAutoscalingPasses) {
  const auto r = run("cluster_autoscaling", "default");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
}

TEST_F(Cases, ClusterAutoscalingFailsWithTheAutoscalerOff) {
  const auto r = run("cluster_autoscaling", broken("no-autoscalers"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("FAIL: the GPU pool never scaled up"), std::string::npos) << r.evidence;
}

TEST_F(Cases, PodAutoscalingPasses) {
  const auto r = run("pod_autoscaling", "default");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
}

TEST_F(Cases, PodAutoscalingFailsWithTheHpaOff) {
  const auto r = run("pod_autoscaling", broken("no-autoscalers"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("FAIL: replicas never rose above 2"), std::string::npos) << r.evidence;
}

TEST_F(Cases, GpuSharingPasses) {
  const auto r = run("gpu_sharing", "default");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
  EXPECT_NE(r.evidence.find("10/10 completed"), std::string::npos) << r.evidence;
}

TEST_F(Cases, EveryRequirementOfEveryVersionHasACaseAndCoschedulingPassesThemAll) {
  for (const auto& v : Catalog::builtin().versions()) {
    for (const auto& [spec, level] : Catalog::builtin().for_version(v)) EXPECT_NE(find_case(spec->id), nullptr) << spec->id;
  }
  const Report r = run_suite(load_profile("coscheduling"), "1.36", work_);
  ASSERT_EQ(r.requirements.size(), 14u);
  for (const auto& q : r.requirements) EXPECT_EQ(q.status, Status::Pass) << q.id << ": " << q.evidence;
  EXPECT_EQ(r.count(Status::Untested), 0);
  // Deterministic: the same report, byte for byte.
  EXPECT_EQ(report_json(r), report_json(run_suite(load_profile("coscheduling"), "1.36", work_ / "again")));
}

TEST_F(Cases, WorkloadFamiliesPassOnAGangProfileAndTrainingFailsWithoutGangs) {
  const Report ok = run_suite(load_profile("coscheduling"), "1.36", work_);
  ASSERT_EQ(ok.workloads.size(), 3u);
  for (const auto& w : ok.workloads) EXPECT_EQ(w.status, Status::Pass) << w.name << ": " << w.evidence;
  EXPECT_NE(ok.workloads[2].evidence.find("pipeline-1 training failed, eval and register skipped"), std::string::npos)
      << ok.workloads[2].evidence;
  const Report broken_run = run_suite(load_profile(broken("no-gang-permit")), "1.36", work_ / "broken");
  EXPECT_EQ(broken_run.workloads[0].family, "training");
  EXPECT_EQ(broken_run.workloads[0].status, Status::Fail) << broken_run.workloads[0].evidence;
  EXPECT_NE(broken_run.workloads[0].evidence.find("FAIL: a gang was partially bound"), std::string::npos)
      << broken_run.workloads[0].evidence;
}

TEST_F(Cases, AConditionalMustDeclaredNotApplicableIsNaWithItsNoteAndDoesNotRun) {
  Profile p = load_profile("default");
  p.not_applicable["cluster_autoscaling"] = "on-premises cluster of fixed size";
  // The autoscaler stays on: the declaration, not the platform's switches, decides n/a.
  const Report r = run_suite(p, "1.36", work_);
  const auto it = std::find_if(r.requirements.begin(), r.requirements.end(),
                               [](const auto& q) { return q.id == "cluster_autoscaling"; });
  ASSERT_NE(it, r.requirements.end());
  EXPECT_EQ(it->status, Status::NotApplicable);
  EXPECT_EQ(it->evidence, "declared n/a by the profile: on-premises cluster of fixed size (the requirement applies if "
                          "the platform provides a cluster autoscaler); the case did not run");
  EXPECT_FALSE(fs::exists(work_ / "cluster_autoscaling")) << "the case ran";
  EXPECT_EQ(r.count(Status::NotApplicable), 1);
}

TEST_F(Cases, HighPerformanceNetworkingPasses) {
  for (const char* profile : {"default", "coscheduling", "kueue", "hierarchical"}) {
    const auto r = run("high_performance_networking", profile);
    EXPECT_EQ(r.status, Status::Pass) << profile << ": " << r.evidence;
    EXPECT_NE(r.evidence.find("(only RDMA nodes)"), std::string::npos) << r.evidence;
    EXPECT_NE(r.evidence.find(", 0 without RDMA, 0 claims across NUMA nodes, 3/3 two-interface pods with 2 distinct NICs, "
                              "0 undiscoverable device properties"),
              std::string::npos)
        << r.evidence;
    EXPECT_NE(r.evidence.find("15/15 pods completed"), std::string::npos) << r.evidence;
  }
}

TEST_F(Cases, HighPerformanceNetworkingFailsWhenTheAllocatorIgnoresConstraints) {
  const auto r = run("high_performance_networking", broken("dra-ignores-constraints"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("FAIL: GPU and NIC on different NUMA nodes"), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find("NUMA nodes on rdma-"), std::string::npos) << r.evidence;
}

TEST_F(Cases, DisaggregatedInferencePasses) {
  const auto r = run("disaggregated_inference", "coscheduling");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
  EXPECT_NE(r.evidence.find("Co-located: 80/80 completed, 0 failed, 80 request ids in both a prefill and a decode pod's log, "
                            "0 role violations"),
            std::string::npos)
      << r.evidence;
  EXPECT_NE(r.evidence.find("(2 shared), K/V paths node 80"), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find("(0 shared), K/V paths spineBlock 80"), std::string::npos) << r.evidence;
  EXPECT_EQ(r.evidence.find("FAIL"), std::string::npos) << r.evidence;
}

TEST_F(Cases, RobustControllerPasses) {
  const auto r = run("robust_controller", "default");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
  EXPECT_NE(r.evidence.find("4/4 invalid rejected by the webhook (403), 12 TrainJobs stored; 12/12 valid Succeeded"),
            std::string::npos)
      << r.evidence;
  EXPECT_NE(r.evidence.find("27 pods expected, 27 created, 0 duplicates, 0 missing"), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find("3 operator restarts"), std::string::npos) << r.evidence;
}

TEST_F(Cases, RobustControllerFailsWhenTheOperatorDropsWorkOnRestart) {
  const auto r = run("robust_controller", broken("operator-drops-work"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("TrainJobs never reconciled to Succeeded: "), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find("vit-pretrain"), std::string::npos) << r.evidence;  // created at 22 s, while it was down
}

TEST_F(Cases, SecureAcceleratorAccessPasses) {
  for (const char* profile : {"default", "coscheduling"}) {
    const auto r = run("secure_accelerator_access", profile);
    EXPECT_EQ(r.status, Status::Pass) << profile << ": " << r.evidence;
    EXPECT_NE(r.evidence.find("the pod with the claim sees 1 device(s)"), std::string::npos) << r.evidence;
    EXPECT_NE(r.evidence.find("the pod without sees 0"), std::string::npos) << r.evidence;
    EXPECT_NE(r.evidence.find("container 0 sees 1 and container 1 0"), std::string::npos) << r.evidence;
    EXPECT_NE(r.evidence.find(" 0 saw a device not allocated to their pod"), std::string::npos) << r.evidence;
    EXPECT_NE(r.evidence.find(", 0 granted; 18/18 pods completed"), std::string::npos) << r.evidence;
  }
}

TEST_F(Cases, SecureAcceleratorAccessFailsWithoutDeviceIsolation) {
  const auto r = run("secure_accelerator_access", broken("no-device-isolation"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  // The evidence names the leak: a container that sees, and opens, a GPU another pod holds.
  EXPECT_NE(r.evidence.find("the pod without sees 4"), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find("FAIL: "), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find("containers saw devices not allocated to their pod (first: container "), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find("(held by "), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find("opens of devices not allocated succeeded (first: container "), std::string::npos) << r.evidence;
}

TEST_F(Cases, VirtualizedAcceleratorPasses) {
  const auto r = run("virtualized_accelerator", "coscheduling");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
  EXPECT_NE(r.evidence.find("summary.containerDevices identical; 16/16 and 16/16 pods completed"), std::string::npos) << r.evidence;
}

TEST_F(Cases, VirtualizedAcceleratorFailsWhenVgpusLeak) {
  const auto r = run("virtualized_accelerator", broken("no-device-isolation"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("[vGPU]"), std::string::npos) << r.evidence;
}

TEST_F(Cases, AcceleratorMetricsPasses) {
  const auto r = run("accelerator_metrics", "default");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
  EXPECT_NE(r.evidence.find("16 devices with DCGM_FI_DEV_GPU_UTIL and DCGM_FI_DEV_FB_USED"), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find("360 points of 12 held devices: utilization >= 100%, up to 68665 MiB used; 936 points of devices not "
                            "held (4 never held) checked"),
            std::string::npos)
      << r.evidence;
  // compute-c waits for compute-b's node and takes its devices over: the pod label changes.
  EXPECT_NE(r.evidence.find("100% at 1200 s (compute-b-worker-0) -> 100% at 1230 s (compute-c-worker-0)"), std::string::npos)
      << r.evidence;
}

TEST_F(Cases, AcceleratorMetricsFailsWithAStuckExporter) {
  const auto r = run("accelerator_metrics", broken("dcgm-exporter-stale"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("FAIL: utilization of compute-a's devices did not rise from 0"), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find("FAIL: utilization 0 on a device while its job runs: 360 points"), std::string::npos) << r.evidence;
}

TEST_F(Cases, AcceleratorMetricsFailsWithoutAnExporter) {
  const auto r = run("accelerator_metrics", broken("dcgm-exporter-off"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("FAIL: no DCGM_FI_DEV_GPU_UTIL series in metrics.om"), std::string::npos) << r.evidence;
}

TEST_F(Cases, AiServiceMetricsPasses) {
  const auto r = run("ai_service_metrics", "default");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
  EXPECT_NE(r.evidence.find("5/5 pods discovered"), std::string::npos) << r.evidence;
}

TEST_F(Cases, AiServiceMetricsFailsWithoutServiceDiscovery) {
  const auto r = run("ai_service_metrics", broken("no-service-discovery"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("FAIL: no vllm:num_requests_running series in metrics.om"), std::string::npos) << r.evidence;
}

TEST_F(Cases, AiServiceMetricsFailsWhenThePodMonitorMatchesNothing) {
  const auto r = run("ai_service_metrics", broken("pod-monitor-matches-nothing"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("FAIL: no vllm:request_success series in metrics.om"), std::string::npos) << r.evidence;
}

TEST_F(Cases, AiInferencePasses) {
  const auto r = run("ai_inference", "coscheduling");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
  EXPECT_NE(r.evidence.find("HTTPRoute llm: Accepted, ResolvedRefs True; canary: BackendNotFound"), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find(" 0 unmatched ones there"), std::string::npos) << r.evidence;
}

TEST_F(Cases, AiInferenceFailsWhenTheGatewayIgnoresWeights) {
  const auto r = run("ai_inference", broken("gateway-ignores-weights"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("FAIL: the observed split is not within 4 sigma of the weights"), std::string::npos) << r.evidence;
  // Only the split breaks: header routing and serving still hold.
  EXPECT_EQ(r.evidence.find("FAIL: header-matched"), std::string::npos) << r.evidence;
}

TEST_F(Cases, AdvancedInferenceIngressPickerBeatsRoundRobin) {
  const auto r = run("advanced_inference_ingress", "default");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
  EXPECT_NE(r.evidence.find("round robin: "), std::string::npos) << r.evidence;
}

TEST_F(Cases, DriverRuntimeManagementPasses) {
  const auto r = run("driver_runtime_management", "default");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
  EXPECT_NE(r.evidence.find("1 drift(s) detected, 1 resolved, longest 30 s"), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find(", 0 where the installed CUDA was older"), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find("14/14 pods completed"), std::string::npos) << r.evidence;
}

TEST_F(Cases, DriverRuntimeManagementFailsWhenFeatureDiscoveryNeverRelabels) {
  const auto r = run("driver_runtime_management", broken("no-feature-discovery"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("FAIL: pool legacy's drift since 1230 s was never resolved"), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find("FAIL: no CUDA 12.4 pod ran on the upgraded pool"), std::string::npos) << r.evidence;
}

}  // namespace
}  // namespace kubetwin::conformance
