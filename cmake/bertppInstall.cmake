include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS bertpp EXPORT bertppTargets)
if(TARGET bertpp_translation)
  install(TARGETS bertpp_translation EXPORT bertppTargets)
endif()
install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(BERTPP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/bertpp)
install(EXPORT bertppTargets NAMESPACE bertpp:: DESTINATION ${BERTPP_CMAKE_DIR})
configure_package_config_file(cmake/bertppConfig.cmake.in
  ${PROJECT_BINARY_DIR}/bertppConfig.cmake INSTALL_DESTINATION ${BERTPP_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/bertppConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/bertppConfig.cmake
              ${PROJECT_BINARY_DIR}/bertppConfigVersion.cmake
              third_party/cmake/Findutf8proc.cmake
              third_party/cmake/bertppDependencies.cmake
        DESTINATION ${BERTPP_CMAKE_DIR})
