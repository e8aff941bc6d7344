# All third-party dependencies come from Debian 12 packages (see cmake/dev.sh for the list).
find_package(PkgConfig REQUIRED)
pkg_check_modules(SIMGRID REQUIRED IMPORTED_TARGET simgrid>=3.32)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Threads REQUIRED)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)  # least-squares fits of the GPU efficiency curves
find_package(Boost 1.74 REQUIRED)  # header-only: Boost.Graph for the fabric topology
if(KUBETWIN_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
