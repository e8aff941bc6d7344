# Project-wide compile settings, applied to every kubetwin target through kubetwin_settings.
add_library(kubetwin_settings INTERFACE)
target_compile_options(kubetwin_settings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
if(KUBETWIN_WERROR)
  target_compile_options(kubetwin_settings INTERFACE -Werror)
endif()
if(KUBETWIN_SANITIZE)
  # -Wno-maybe-uninitialized: with -fsanitize, GCC 12 reports false positives inside libstdc++'s
  # std::regex (std::function moved in regex_automaton.h). The normal -Werror build keeps the warning.
  target_compile_options(kubetwin_settings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                     -fno-sanitize-recover=undefined -Wno-maybe-uninitialized)
  target_link_options(kubetwin_settings INTERFACE -fsanitize=address,undefined)
endif()
target_include_directories(kubetwin_settings INTERFACE ${PROJECT_SOURCE_DIR})

# kubetwin_add_tests(NAME <binary> LABEL <ctest label> SOURCES <files...> LIBS <targets...>)
# One GoogleTest binary whose cases ctest runs one by one, each in its own process: SimGrid allows
# a single engine per process, so engine-level tests must not share one.
function(kubetwin_add_tests)
  cmake_parse_arguments(T "" "NAME;LABEL" "SOURCES;LIBS" ${ARGN})
  if(NOT KUBETWIN_BUILD_TESTS)
    return()
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main kubetwin_settings)
  gtest_discover_tests(${T_NAME} PROPERTIES LABELS ${T_LABEL} DISCOVERY_TIMEOUT 60)
endfunction()

# kubetwin_embed_text(<out-var> <input file> <symbol> <namespace>): compiles a data file into the
# binary, regenerated whenever the file changes.
function(kubetwin_embed_text out_var input symbol namespace)
  get_filename_component(name ${input} NAME_WE)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/embedded_${name}.cpp)
  add_custom_command(OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${output} -DSYMBOL=${symbol}
            -DNAMESPACE=${namespace} -P ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    DEPENDS ${input} ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    COMMENT "Embedding ${input}")
  set(${out_var} ${output} PARENT_SCOPE)
endfunction()
