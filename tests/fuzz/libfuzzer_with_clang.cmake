# fuzz_tflite_import_libfuzzer when the project compiler is not clang: every engine and kernel
# source is compiled by clang/clang++ with libFuzzer coverage + ASan + UBSan (one custom command
# per object, with depfiles, so make -j builds them in parallel), then linked by clang++.
# Included from tests/fuzz/CMakeLists.txt; uses TINYFORGE_CLANG, TINYFORGE_CLANGXX.
set(LF_DIR ${CMAKE_CURRENT_BINARY_DIR}/libfuzzer_objects)
set(LF_COMMON -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
set(LF_INCLUDES "")
foreach(dir ${FUZZ_INCLUDES})
  list(APPEND LF_INCLUDES -I${dir})
endforeach()

set(LF_OBJECTS "")
set(LF_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_tflite_import.cpp ${TINYFORGE_ENGINE_SOURCES}
               ${TINYFORGE_KERNEL_SOURCES})
foreach(src ${LF_SOURCES})
  file(RELATIVE_PATH rel ${CMAKE_BINARY_DIR} ${src})
  if(rel MATCHES "^\\.\\.")
    file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR} ${src})
  endif()
  string(REGEX REPLACE "[/.]" "_" key ${rel})
  set(obj ${LF_DIR}/${key}.o)
  if(src MATCHES "\\.c$")
    set(compiler ${TINYFORGE_CLANG} -std=c99)
  else()
    set(compiler ${TINYFORGE_CLANGXX} -std=c++20)
  endif()
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${LF_DIR}
    COMMAND ${compiler} ${LF_COMMON} ${LF_INCLUDES} -MD -MF ${obj}.d -c ${src} -o ${obj}
    DEPENDS ${src}
    DEPFILE ${obj}.d
    COMMENT "clang (libFuzzer): ${rel}"
    VERBATIM)
  list(APPEND LF_OBJECTS ${obj})
endforeach()

set(LF_EXE ${CMAKE_CURRENT_BINARY_DIR}/fuzz_tflite_import_libfuzzer)
add_custom_command(
  OUTPUT ${LF_EXE}
  COMMAND ${TINYFORGE_CLANGXX} -fsanitize=fuzzer,address,undefined ${LF_OBJECTS} -lflatbuffers -lm
          -o ${LF_EXE}
  DEPENDS ${LF_OBJECTS}
  COMMENT "clang++ (libFuzzer): linking fuzz_tflite_import_libfuzzer"
  VERBATIM)
add_custom_target(fuzz_tflite_import_libfuzzer DEPENDS ${LF_EXE})
# The engine target owns the rules that generate the flatbuffers header and embedded_files.cpp.
add_dependencies(fuzz_tflite_import_libfuzzer tinyforge_tflite_schema tinyforge_engine)
