// Implementation detail of LinearKernels: the UMFPACK sparse LU interface of SuiteSparse
// (Debian package libsuitesparse-dev; headers under <suitesparse/>, no pkg-config file).
// No stable API; nothing outside LinearKernels imports this module.
#ifndef OFFLOADLAB_CSUITESPARSE_SHIM_H
#define OFFLOADLAB_CSUITESPARSE_SHIM_H
#include <suitesparse/umfpack.h>
#endif
