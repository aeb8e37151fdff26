# SPDX-License-Identifier: Apache-2.0
#
# Toolchain for AtomVM on WASI preview1 with a plain clang (no wasi-sdk).
#
#   -DWASI_CLANG=<clang>     clang with the WebAssembly target (Debian: clang-19)
#   -DWASI_SYSROOT=<dir>     holds include/wasm32-wasi and lib/wasm32-wasi
#                            (Debian: a directory of two symlinks to
#                            /usr/include/wasm32-wasi and /usr/lib/wasm32-wasi)

set(CMAKE_SYSTEM_NAME WASI)
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_SYSTEM_PROCESSOR wasm32)

# Platform/WASI.cmake
list(APPEND CMAKE_MODULE_PATH "${CMAKE_CURRENT_LIST_DIR}")

# try_compile projects (compiler checks, check_c_source_compiles) read this
# file again and need the same settings.
set(CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WASI_CLANG WASI_SYSROOT)

if(NOT WASI_CLANG)
    find_program(WASI_CLANG NAMES clang-19 clang)
    if(NOT WASI_CLANG)
        message(FATAL_ERROR "No clang found: set -DWASI_CLANG=<path to clang>")
    endif()
endif()
if(NOT WASI_SYSROOT OR NOT IS_DIRECTORY "${WASI_SYSROOT}/include/wasm32-wasi")
    message(FATAL_ERROR "WASI_SYSROOT='${WASI_SYSROOT}' does not hold include/wasm32-wasi: "
        "set -DWASI_SYSROOT=<dir holding include/wasm32-wasi and lib/wasm32-wasi>")
endif()

set(CMAKE_C_COMPILER "${WASI_CLANG}")
# wasm32-wasi, not wasm32-wasip1: Debian's wasi-libc directories use this name.
set(CMAKE_C_COMPILER_TARGET wasm32-wasi)
# There is no C++ in the build, but upstream's project(libAtomVM) enables C++
# too; without this, CMake would pick the host's c++ and test it against the
# WASI sysroot (and fail on machines without a host C++ compiler).
set(CMAKE_CXX_COMPILER "${WASI_CLANG}")
set(CMAKE_CXX_COMPILER_TARGET wasm32-wasi)
set(CMAKE_SYSROOT "${WASI_SYSROOT}")

set(CMAKE_FIND_ROOT_PATH "${WASI_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
