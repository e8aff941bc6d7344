# Regenerates the README's screenshots from real runs (ctest gui.screenshots): runs the default
# scenario (fabric-training for the fabric view, the conformance suite for its viewer), renders each view with kubetwin-gui
# --screenshot into docs/images/, and checks each PNG exists and is not tiny (a blank PNG
# compresses to almost nothing).
#   cmake -DKUBETWIN=... -DKUBETWIN_GUI=... -DSOURCE_DIR=... -DWORK=... -P gui/screenshots.cmake
set(scenario ${SOURCE_DIR}/scenarios/examples/default.json)
set(run ${WORK}/default-run)
execute_process(COMMAND ${KUBETWIN} run ${scenario} --set /workload/synthetic/jobs=3000 --quiet --out ${run}
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "kubetwin run failed (${rc})")
endif()
set(ENV{QT_QPA_PLATFORM} offscreen)
foreach(view cluster timeline queue charts)
  set(png ${SOURCE_DIR}/docs/images/gui-${view}.png)
  execute_process(COMMAND ${KUBETWIN_GUI} ${run} --screenshot ${png} --at 43200 --view ${view} --size 1100x650
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "kubetwin-gui --screenshot ${view} failed (${rc}): ${err}")
  endif()
  file(SIZE ${png} bytes)
  if(bytes LESS 8000)
    message(FATAL_ERROR "${png}: only ${bytes} bytes, a blank screenshot?")
  endif()
endforeach()
# The fabric view: the fabric-training example at 50 min, when the 2:1 leaf uplinks are busy.
execute_process(COMMAND ${KUBETWIN} run ${SOURCE_DIR}/scenarios/examples/fabric-training.json --quiet --out ${WORK}/fabric-run
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "kubetwin run fabric-training failed (${rc})")
endif()
set(png ${SOURCE_DIR}/docs/images/gui-fabric.png)
execute_process(COMMAND ${KUBETWIN_GUI} ${WORK}/fabric-run --screenshot ${png} --at 3000 --view fabric --size 1100x500
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "kubetwin-gui --screenshot fabric failed (${rc}): ${err}")
endif()
file(SIZE ${png} bytes)
if(bytes LESS 8000)
  message(FATAL_ERROR "${png}: only ${bytes} bytes, a blank screenshot?")
endif()
# The conformance viewer: a real report of the suite (the coscheduling profile, version 1.36).
execute_process(COMMAND ${KUBETWIN} conformance --profile coscheduling --version 1.36 --out ${WORK}/conformance
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "kubetwin conformance failed (${rc}): ${err}")
endif()
execute_process(COMMAND ${KUBETWIN_GUI} ${WORK}/conformance/report.json
                        --screenshot ${SOURCE_DIR}/docs/images/gui-conformance.png --size 1100x560
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "kubetwin-gui --screenshot conformance failed (${rc}): ${err}")
endif()
