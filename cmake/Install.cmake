# `cmake --install build --prefix P` lays out a package that find_package(mconv CONFIG) finds in P
# alone: the public headers (include/mconv/), the static library of every part plus ONNX
# Runtime's shared library (lib/mconv/), the mconv executable (bin/), and mconvConfig.cmake, which
# finds the Debian dependencies and defines the imported target mconv::mconv over those files.
# Static parts keep the build as it is (no -fPIC rebuild of everything); the archives are linked
# as one group so their order does not matter.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(MCONV_PACKAGE_VERSION 0.1.0)
# Every static library under src/ (a part added later is packaged without editing this file).
set(MCONV_PACKAGE_TARGETS "")
get_property(mconv_part_dirs DIRECTORY ${PROJECT_SOURCE_DIR}/src PROPERTY SUBDIRECTORIES)
foreach(dir IN LISTS mconv_part_dirs)
  get_property(dir_targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target IN LISTS dir_targets)
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "STATIC_LIBRARY")
      list(APPEND MCONV_PACKAGE_TARGETS ${target})
    endif()
  endforeach()
endforeach()
set(MCONV_PACKAGE_ARCHIVES "")
foreach(target IN LISTS MCONV_PACKAGE_TARGETS)
  get_target_property(name ${target} OUTPUT_NAME)
  if(NOT name)
    set(name ${target})
  endif()
  list(APPEND MCONV_PACKAGE_ARCHIVES "lib${name}.a")
endforeach()

set(MCONV_PACKAGE_LIBDIR "${CMAKE_INSTALL_LIBDIR}/mconv")
install(TARGETS ${MCONV_PACKAGE_TARGETS} ARCHIVE DESTINATION ${MCONV_PACKAGE_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/mconv DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The real file under the SONAME the libraries were linked against (the cache holds a symlink).
file(REAL_PATH "${ORT_ROOT}/lib/libonnxruntime.so.1" MCONV_ORT_LIBRARY)
install(FILES "${MCONV_ORT_LIBRARY}" DESTINATION ${MCONV_PACKAGE_LIBDIR}
        RENAME libonnxruntime.so.1)
set_target_properties(mconv PROPERTIES INSTALL_RPATH "$ORIGIN/../${MCONV_PACKAGE_LIBDIR}")
install(TARGETS mconv RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(MCONV_CONFIG_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/mconv")
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/mconvConfig.cmake.in
  ${PROJECT_BINARY_DIR}/mconvConfig.cmake INSTALL_DESTINATION ${MCONV_CONFIG_DIR}
  PATH_VARS MCONV_PACKAGE_LIBDIR CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mconvConfigVersion.cmake
  VERSION ${MCONV_PACKAGE_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/mconvConfig.cmake ${PROJECT_BINARY_DIR}/mconvConfigVersion.cmake
        DESTINATION ${MCONV_CONFIG_DIR})
