# SPDX-License-Identifier: Apache-2.0
#
# CMake before 3.31 ships no platform module for WASI, so this minimal one is
# found through CMAKE_MODULE_PATH (set by wasi-toolchain.cmake). From 3.31 on
# CMake's own module wins, so nothing the build relies on may be set only here:
# CMakeLists.txt sets the .wasm suffix on its target itself.

set(WASI 1)

set(CMAKE_EXECUTABLE_SUFFIX ".wasm")
set(CMAKE_C_OUTPUT_EXTENSION ".o")
set(CMAKE_STATIC_LIBRARY_PREFIX "lib")
set(CMAKE_STATIC_LIBRARY_SUFFIX ".a")
set(CMAKE_FIND_LIBRARY_PREFIXES "lib")
set(CMAKE_FIND_LIBRARY_SUFFIXES ".a")
set_property(GLOBAL PROPERTY TARGET_SUPPORTS_SHARED_LIBS FALSE)

# Archives hold LLVM bitcode (LTO). wasm-ld reads archive members without a
# symbol index, so archives are written without one ("S"): the host's ar and
# ranlib never have to understand bitcode from a newer LLVM than their own.
set(CMAKE_C_ARCHIVE_CREATE "<CMAKE_AR> qcS <TARGET> <LINK_FLAGS> <OBJECTS>")
set(CMAKE_C_ARCHIVE_APPEND "<CMAKE_AR> qS <TARGET> <LINK_FLAGS> <OBJECTS>")
set(CMAKE_C_ARCHIVE_FINISH "")
