#ifndef DRIFTWATCH_COPENBLAS_SHIM_H
#define DRIFTWATCH_COPENBLAS_SHIM_H
#include <cblas.h>

// LAPACK symbols exported by libopenblas (Fortran calling convention); Debian ships
// no lapacke.h inside the openblas include folder, so the one routine we use is declared here.
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork, int *info);
#endif
