// Implementation detail of LinearKernels: the CBLAS and LAPACKE interfaces of OpenBLAS.
// No stable API; nothing outside LinearKernels imports this module.
#ifndef OFFLOADLAB_COPENBLAS_SHIM_H
#define OFFLOADLAB_COPENBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
