/* vec.c — BLAS-1 style OpenMP kernels with deterministic (thread-count independent) reductions.
 *
 * Reduction layout: at most NS_RED_BLOCKS blocks of at least NS_RED_MIN entries each, fixed by n.
 */
#include "needlesim/vec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { NS_RED_BLOCKS = 1024, NS_RED_MIN = 2048 };

static size_t red_block(size_t n) {
  size_t b = (n + NS_RED_BLOCKS - 1) / NS_RED_BLOCKS;
  return b < NS_RED_MIN ? NS_RED_MIN : b;
}

double *ns_vec_alloc(size_t n) {
  size_t bytes = (n * sizeof(double) + 63) / 64 * 64;
  if (bytes == 0) bytes = 64;
  double *v = aligned_alloc(64, bytes);
  if (!v) return NULL;
  ns_vec_set(n, v, 0.0);
  return v;
}

void ns_vec_free(double *v) { free(v); }

double ns_vec_dot(size_t n, const double *x, const double *y) {
  double part[NS_RED_BLOCKS];
  const size_t bs = red_block(n);
  const long nb = (long)((n + bs - 1) / bs);
#pragma omp parallel for default(none) shared(part, x, y) firstprivate(n, bs, nb) schedule(static)
  for (long b = 0; b < nb; b++) {
    size_t lo = (size_t)b * bs, hi = lo + bs < n ? lo + bs : n;
    double s = 0.0;
    for (size_t i = lo; i < hi; i++) s += x[i] * y[i];
    part[b] = s;
  }
  double s = 0.0;
  for (long b = 0; b < nb; b++) s += part[b];
  return s;
}

double ns_vec_norm2(size_t n, const double *x) { return sqrt(ns_vec_dot(n, x, x)); }

double ns_vec_norminf(size_t n, const double *x) {
  double part[NS_RED_BLOCKS];
  const size_t bs = red_block(n);
  const long nb = (long)((n + bs - 1) / bs);
#pragma omp parallel for default(none) shared(part, x) firstprivate(n, bs, nb) schedule(static)
  for (long b = 0; b < nb; b++) {
    size_t lo = (size_t)b * bs, hi = lo + bs < n ? lo + bs : n;
    double m = 0.0;
    for (size_t i = lo; i < hi; i++) m = fmax(m, fabs(x[i]));
    part[b] = m;
  }
  double m = 0.0;
  for (long b = 0; b < nb; b++) m = fmax(m, part[b]);
  return m;
}

void ns_vec_set(size_t n, double *x, double value) {
#pragma omp parallel for simd default(none) shared(x) firstprivate(n, value) schedule(static)
  for (size_t i = 0; i < n; i++) x[i] = value;
}

void ns_vec_copy(size_t n, double *dst, const double *src) {
#pragma omp parallel for simd default(none) shared(dst, src) firstprivate(n) schedule(static)
  for (size_t i = 0; i < n; i++) dst[i] = src[i];
}

void ns_vec_axpy(size_t n, double a, const double *x, double *y) {
#pragma omp parallel for simd default(none) shared(x, y) firstprivate(n, a) schedule(static)
  for (size_t i = 0; i < n; i++) y[i] += a * x[i];
}

void ns_vec_xpay(size_t n, const double *x, double a, double *y) {
#pragma omp parallel for simd default(none) shared(x, y) firstprivate(n, a) schedule(static)
  for (size_t i = 0; i < n; i++) y[i] = x[i] + a * y[i];
}

void ns_vec_waxpy(size_t n, double *w, double a, const double *x, const double *y) {
#pragma omp parallel for simd default(none) shared(w, x, y) firstprivate(n, a) schedule(static)
  for (size_t i = 0; i < n; i++) w[i] = a * x[i] + y[i];
}

void ns_vec_scale(size_t n, double a, double *x) {
#pragma omp parallel for simd default(none) shared(x) firstprivate(n, a) schedule(static)
  for (size_t i = 0; i < n; i++) x[i] *= a;
}
