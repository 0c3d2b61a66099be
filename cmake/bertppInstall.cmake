include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS bertpp EXPORT bertppTargets)
if(TARGET bertpp_translation)
  install(TARGETS bertpp_translation EXPORT bertppTargets)
endif()
if(TARGET bertpp_compiled AND BERTPP_IS_TOP_LEVEL)
  install(TARGETS bertpp_compiled EXPORT bertppTargets)
  set(BERTPP_ARCH_INDEPENDENT "")  # the package now holds a compiled library
else()
  set(BERTPP_ARCH_INDEPENDENT ARCH_INDEPENDENT)
endif()
install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(BERTPP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/bertpp)
install(EXPORT bertppTargets NAMESPACE bertpp:: DESTINATION ${BERTPP_CMAKE_DIR})
configure_package_config_file(cmake/bertppConfig.cmake.in
  ${PROJECT_BINARY_DIR}/bertppConfig.cmake INSTALL_DESTINATION ${BERTPP_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/bertppConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ${BERTPP_ARCH_INDEPENDENT})
install(FILES ${PROJECT_BINARY_DIR}/bertppConfig.cmake
              ${PROJECT_BINARY_DIR}/bertppConfigVersion.cmake
              third_party/cmake/Findutf8proc.cmake
              third_party/cmake/bertppDependencies.cmake
        DESTINATION ${BERTPP_CMAKE_DIR})
