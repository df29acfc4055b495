// Implementation detail of LinearKernels: the KLU and UMFPACK sparse LU interfaces of SuiteSparse
// (Debian package libsuitesparse-dev; headers under <suitesparse/>, no pkg-config file).
// No stable API; nothing outside LinearKernels imports this module.
#ifndef OFFLOADLAB_CSUITESPARSE_SHIM_H
#define OFFLOADLAB_CSUITESPARSE_SHIM_H
#include <suitesparse/klu.h>
#include <suitesparse/umfpack.h>
#endif
