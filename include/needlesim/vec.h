/* needlesim/vec.h — OpenMP vector kernels with deterministic reductions.
 *
 * Reductions split [0, n) into a fixed set of blocks that depends on n only (never on the thread
 * count), compute one partial per block in parallel and add the partials serially in block
 * order. Results are therefore bitwise identical for any OMP_NUM_THREADS.
 * First touch: ns_vec_alloc() zeroes in parallel with the kernels' static schedule.
 */
#ifndef NEEDLESIM_VEC_H
#define NEEDLESIM_VEC_H

#include <stddef.h>

/* 64-byte aligned, zero-filled (parallel first touch) array of n doubles; free with ns_vec_free.
 * Returns NULL when out of memory. */
double *ns_vec_alloc(size_t n);
void ns_vec_free(double *v);

double ns_vec_dot(size_t n, const double *x, const double *y);
double ns_vec_norm2(size_t n, const double *x);   /* sqrt(sum x^2) */
double ns_vec_norminf(size_t n, const double *x); /* max |x| */
void ns_vec_set(size_t n, double *x, double value);
void ns_vec_copy(size_t n, double *dst, const double *src);
void ns_vec_axpy(size_t n, double a, const double *x, double *y);            /* y += a x */
void ns_vec_xpay(size_t n, const double *x, double a, double *y);            /* y = x + a y */
void ns_vec_waxpy(size_t n, double *w, double a, const double *x, const double *y); /* w = a x + y */
void ns_vec_scale(size_t n, double a, double *x);

#endif /* NEEDLESIM_VEC_H */
