// Implementation detail of LinearKernels: the KLU sparse LU interface of SuiteSparse
// (Debian package libsuitesparse-dev; headers under <suitesparse/>, no pkg-config file).
// No stable API; nothing outside LinearKernels imports this module.
#ifndef OFFLOADLAB_CSUITESPARSE_SHIM_H
#define OFFLOADLAB_CSUITESPARSE_SHIM_H
#include <suitesparse/klu.h>
#endif
