# Regenerates the README's screenshots from real runs (ctest gui.screenshots): runs the default
# scenario (fabric-training for the fabric view, the conformance suite for its viewer), renders
# each view with kubetwin-gui --screenshot into docs/images/, and checks each PNG exists and is
# not tiny (a blank PNG compresses to almost nothing).
#   cmake -DKUBETWIN=... -DKUBETWIN_GUI=... -DSOURCE_DIR=... -DWORK=... -P gui/screenshots.cmake

# Runs a command; a failure ends the test, naming `what`.
function(run_or_fail what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}): ${err}")
  endif()
endfunction()

# Renders docs/images/gui-NAME.png from INPUT (a run folder or a report) with kubetwin-gui's
# extra arguments, and checks it is not blank.
function(screenshot name input)
  set(png ${SOURCE_DIR}/docs/images/gui-${name}.png)
  run_or_fail("kubetwin-gui --screenshot ${name}" ${KUBETWIN_GUI} ${input} --screenshot ${png} ${ARGN})
  file(SIZE ${png} bytes)
  if(bytes LESS 8000)
    message(FATAL_ERROR "${png}: only ${bytes} bytes, a blank screenshot?")
  endif()
endfunction()

set(ENV{QT_QPA_PLATFORM} offscreen)
set(run ${WORK}/default-run)
run_or_fail("kubetwin run default" ${KUBETWIN} run ${SOURCE_DIR}/scenarios/examples/default.json
            --set /workload/synthetic/jobs=3000 --quiet --out ${run})
foreach(view cluster timeline queue charts)
  screenshot(${view} ${run} --at 43200 --view ${view} --size 1100x650)
endforeach()

# The fabric view: the fabric-training example at 50 min, when the 2:1 leaf uplinks are busy.
run_or_fail("kubetwin run fabric-training" ${KUBETWIN} run ${SOURCE_DIR}/scenarios/examples/fabric-training.json
            --quiet --out ${WORK}/fabric-run)
screenshot(fabric ${WORK}/fabric-run --at 3000 --view fabric --size 1100x500)

# The conformance viewer: a real report of the suite (the coscheduling profile, version 1.36).
run_or_fail("kubetwin conformance" ${KUBETWIN} conformance --profile coscheduling --version 1.36 --out ${WORK}/conformance)
screenshot(conformance ${WORK}/conformance/report.json --size 1100x560)
