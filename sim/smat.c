/* smat.c — structured block-stencil matrices: allocation, apply, residual, Dirichlet elimination.
 *
 * The kernels loop over nodes (OpenMP, static schedule, outer loop over the slowest index) and
 * gather from the 3^ndim neighbours; each output entry is written by one thread only. Matrices
 * of 2 MiB and more ask for transparent huge pages where the system offers them (matrix_alloc).
 */
/* MADV_HUGEPAGE (Linux) is outside the X/Open interfaces the build asks for. */
#define _DEFAULT_SOURCE
#include "needlesim/smat.h"

#include <sys/mman.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "needlesim/vec.h"

/* Size of a transparent huge page on x86-64 and most ARMv8 Linux kernels [bytes]. */
#define NS_HUGE_PAGE ((size_t)2 << 20)

/* A zeroed array of n doubles for a matrix, freed by ns_vec_free. Where the system has
 * transparent huge pages on request (Linux, MADV_HUGEPAGE), an array of at least one huge page is
 * aligned to one and advised before its first touch (the 3D operator of the benchmark, 49^3
 * nodes and 229 MB, spans 56 000 pages of 4 KiB but 110 huge ones; the likely gain is TLB reach,
 * not verified: the measuring VM exposes no hardware counters). Measured (1 thread, best of 20, five alternating
 * pairs, load 2.3-2.8): 3D 49^3 ncomp 3 residual 11.3-14.4 ms (median 12.4) with 4 KiB pages,
 * 10.3-12.6 ms (median 10.9) with huge pages; the axisymmetric 513^2 one is unchanged (5.7-7.0
 * ms either way). Elsewhere the array is an ordinary ns_vec_alloc one. */
static double *matrix_alloc(size_t n) {
#ifdef MADV_HUGEPAGE
  const size_t bytes = n * sizeof(double);
  if (bytes >= NS_HUGE_PAGE) {
    const size_t rounded = (bytes + NS_HUGE_PAGE - 1) / NS_HUGE_PAGE * NS_HUGE_PAGE;
    double *v = aligned_alloc(NS_HUGE_PAGE, rounded);
    if (!v) return NULL;
    /* Only advice: where the kernel declines, the array keeps ordinary pages. */
    (void)madvise(v, rounded, MADV_HUGEPAGE);
    ns_vec_set(n, v, 0.0);
    return v;
  }
#endif
  return ns_vec_alloc(n);
}

enum ns_status ns_smat_create(const struct ns_grid *grid, int ncomp, struct ns_smat **out,
                              struct ns_err *err) {
  *out = NULL;
  if (ncomp < 1 || ncomp > 3) return ns_err_set(err, NS_EINTERNAL, "smat: ncomp %d not in 1..3", ncomp);
  struct ns_smat *A = calloc(1, sizeof *A);
  if (!A) return ns_err_set(err, NS_ENOMEM, "smat: out of memory");
  A->grid = grid;
  A->ncomp = ncomp;
  A->nstencil = grid->ndim == 2 ? 9 : 27;
  A->bs = (size_t)A->nstencil * (size_t)ncomp * (size_t)ncomp;
  A->ndof = grid->nnodes * (size_t)ncomp;
  A->a = matrix_alloc(grid->nnodes * A->bs);
  if (!A->a) {
    free(A);
    return ns_err_set(err, NS_ENOMEM, "smat: out of memory for %zu nodes", grid->nnodes);
  }
  *out = A;
  return NS_OK;
}

void ns_smat_free(struct ns_smat *A) {
  if (!A) return;
  ns_vec_free(A->a);
  free(A);
}

void ns_smat_zero(struct ns_smat *A) { ns_vec_set(A->grid->nnodes * A->bs, A->a, 0.0); }

/* Offsets (in nodes) of the stencil entries, and whether each exists at node (i,j,k). */
static void stencil_offsets(const struct ns_grid *g, ptrdiff_t off[27], int dir[27][3]) {
  int ns = g->ndim == 2 ? 9 : 27;
  for (int s = 0; s < ns; s++) {
    int d0 = s % 3 - 1, d1 = (s / 3) % 3 - 1, d2 = g->ndim == 3 ? s / 9 - 1 : 0;
    dir[s][0] = d0;
    dir[s][1] = d1;
    dir[s][2] = d2;
    off[s] = d0 * g->stride[0] + d1 * g->stride[1] + d2 * g->stride[2];
  }
}

static inline int inside(const struct ns_grid *g, const int ijk[3], const int d[3]) {
  for (int q = 0; q < g->ndim; q++) {
    int v = ijk[q] + d[q];
    if (v < 0 || v >= g->n[q]) return 0;
  }
  return 1;
}

static inline void node_ijk(const struct ns_grid *g, size_t node, int ijk[3]) {
  ijk[0] = (int)(node % (size_t)g->n[0]);
  ijk[1] = (int)((node / (size_t)g->n[0]) % (size_t)g->n[1]);
  ijk[2] = (int)(node / ((size_t)g->n[0] * (size_t)g->n[1]));
  if (g->ndim == 2) { /* (r, z): the vertical index is the second one */
    ijk[1] = (int)(node / (size_t)g->n[0]);
    ijk[2] = 0;
  }
}

#define NS_INLINE static inline __attribute__((always_inline))

/* Shared arguments of one residual: out = b + sgn A x (b may be NULL). */
struct res_args {
  const struct ns_smat *A;
  const double *b, *x;
  double *r;
  double sgn;
  ptrdiff_t off[27];
  int dir[27][3];
};

/* The residual's share of the calling thread (an orphaned work-sharing loop over the grid lines
 * along direction 0, static schedule), specialised for compile-time nc and ndim. A line whose
 * neighbouring lines all exist runs its interior nodes through a branch-free loop over all
 * 3^ndim entries; boundary nodes check each entry. */
NS_INLINE void residual_lines(const int nc, const int ndim, const struct res_args *ra) {
  const struct ns_grid *g = ra->A->grid;
  const int ns = ndim == 2 ? 9 : 27, nb = nc * nc;
  const size_t bs = (size_t)ns * (size_t)nb;
  const int n0 = g->n[0], n1 = g->n[1], n2 = g->n[2];
  const long nl = (long)n1 * n2;
  const double *restrict a = ra->A->a, *restrict b = ra->b, *restrict x = ra->x;
  double *restrict r = ra->r;
  const double sgn = ra->sgn;
#pragma omp for schedule(static)
  for (long t = 0; t < nl; t++) {
    const int j = (int)(t % n1), k = (int)(t / n1);
    const int across = j > 0 && j < n1 - 1 && (ndim == 2 || (k > 0 && k < n2 - 1));
    const size_t base = (size_t)t * (size_t)n0;
    for (int i = 0; i < n0; i++) {
      const size_t node = base + (size_t)i;
      const double *restrict an = a + node * bs;
      double acc[3] = {0.0, 0.0, 0.0};
      if (across && i > 0 && i < n0 - 1) {
        for (int s = 0; s < ns; s++) {
          const double *restrict blk = an + (size_t)s * (size_t)nb;
          const double *restrict xs = x + (size_t)((ptrdiff_t)node + ra->off[s]) * (size_t)nc;
          for (int rr = 0; rr < nc; rr++)
            for (int c = 0; c < nc; c++) acc[rr] += blk[rr * nc + c] * xs[c];
        }
      } else {
        const int ijk[3] = {i, j, k};
        for (int s = 0; s < ns; s++) {
          if (!inside(g, ijk, ra->dir[s])) continue;
          const double *restrict blk = an + (size_t)s * (size_t)nb;
          const double *restrict xs = x + (size_t)((ptrdiff_t)node + ra->off[s]) * (size_t)nc;
          for (int rr = 0; rr < nc; rr++)
            for (int c = 0; c < nc; c++) acc[rr] += blk[rr * nc + c] * xs[c];
        }
      }
      for (int rr = 0; rr < nc; rr++)
        r[node * (size_t)nc + (size_t)rr] = (b ? b[node * (size_t)nc + (size_t)rr] : 0.0) + sgn * acc[rr];
    }
  }
}

/* out = b + sgn A x (b may be NULL). The kernel is instantiated inside the parallel region, as
 * the smoother's is (sim/mg_smooth.c): OpenMP outlining happens before inlining, so the sizes of
 * an instantiation enclosing the region arrived in it as run-time values and the blocks went
 * through generic loops. Measured (1 thread, best of 20, bench operators, load ~2.7): 3D 49^3
 * ncomp 3 18.1-26.5 -> 13.1-14.2 ms, axisymmetric 513^2 ncomp 2 10.2-14.1 -> 6.1-7.1 ms; the
 * arithmetic, and so every result, is bitwise unchanged. Computing several rows in lockstep
 * (independent addition chains) was slower in 3D (28-40 ms for 2-4 rows): the interleaved
 * streams over the rows stalled on memory. */
static void residual_dispatch(const struct ns_smat *A, const double *b, const double *x, double *r, double sgn) {
  struct res_args ra = {.A = A, .b = b, .x = x, .r = r, .sgn = sgn};
  stencil_offsets(A->grid, ra.off, ra.dir);
  const struct res_args *rp = &ra;
  const int key = A->ncomp * 10 + A->grid->ndim;
#pragma omp parallel default(none) shared(rp) firstprivate(key)
  switch (key) {
  case 12: residual_lines(1, 2, rp); break;
  case 22: residual_lines(2, 2, rp); break;
  case 32: residual_lines(3, 2, rp); break;
  case 13: residual_lines(1, 3, rp); break;
  case 23: residual_lines(2, 3, rp); break;
  default: residual_lines(3, 3, rp); break;
  }
}

void ns_smat_residual(const struct ns_smat *A, const double *b, const double *x, double *r) {
  residual_dispatch(A, b, x, r, -1.0);
}

void ns_smat_apply(const struct ns_smat *A, const double *x, double *y) { residual_dispatch(A, NULL, x, y, 1.0); }

void ns_smat_dirichlet(struct ns_smat *A, const uint8_t *mask) {
  const struct ns_grid *g = A->grid;
  ptrdiff_t off[27];
  int dir[27][3];
  stencil_offsets(g, off, dir);
  const int nc = A->ncomp, ns = A->nstencil;
  const size_t nn = g->nnodes, bs = A->bs;
  double *a = A->a;
  const int centre = ns / 2;
#pragma omp parallel for default(none) shared(a, mask, off, dir, g) firstprivate(nc, ns, nn, bs, centre) schedule(static)
  for (size_t node = 0; node < nn; node++) {
    int ijk[3];
    node_ijk(g, node, ijk);
    double *an = a + node * bs;
    for (int s = 0; s < ns; s++) {
      if (!inside(g, ijk, dir[s])) continue;
      size_t nb = (size_t)((ptrdiff_t)node + off[s]);
      double *blk = an + (size_t)s * (size_t)(nc * nc);
      for (int rr = 0; rr < nc; rr++)
        for (int c = 0; c < nc; c++) {
          int row_fixed = mask[node * (size_t)nc + (size_t)rr] != 0;
          int col_fixed = mask[nb * (size_t)nc + (size_t)c] != 0;
          if (row_fixed || col_fixed) blk[rr * nc + c] = (s == centre && rr == c && row_fixed) ? 1.0 : 0.0;
        }
    }
  }
}

double ns_smat_asymmetry(const struct ns_smat *A) {
  const struct ns_grid *g = A->grid;
  ptrdiff_t off[27];
  int dir[27][3];
  stencil_offsets(g, off, dir);
  const int nc = A->ncomp, ns = A->nstencil;
  double amax = 0.0, dmax = 0.0;
  for (size_t node = 0; node < g->nnodes; node++) {
    int ijk[3];
    node_ijk(g, node, ijk);
    for (int s = 0; s < ns; s++) {
      if (!inside(g, ijk, dir[s])) continue;
      size_t nb = (size_t)((ptrdiff_t)node + off[s]);
      int sT = ns - 1 - s; /* the opposite offset */
      for (int rr = 0; rr < nc; rr++)
        for (int c = 0; c < nc; c++) {
          double v = A->a[node * A->bs + (size_t)s * (size_t)(nc * nc) + (size_t)(rr * nc + c)];
          double vT = A->a[nb * A->bs + (size_t)sT * (size_t)(nc * nc) + (size_t)(c * nc + rr)];
          amax = fmax(amax, fabs(v));
          dmax = fmax(dmax, fabs(v - vT));
        }
    }
  }
  return amax > 0.0 ? dmax / amax : 0.0;
}
