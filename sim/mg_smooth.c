/* mg_smooth.c — the multigrid smoother: coloured block line Gauss-Seidel on structured grids.
 *
 *   ns_mg_lines_factor  block-tridiagonal LU (ncomp x ncomp blocks) of every line along a direction
 *   ns_mg_lines_sweep   one zebra line Gauss-Seidel sweep along a direction
 *
 * A line along direction d is the set of nodes that differ only in index d. Its unknowns couple
 * to each other through the stencil entries with offset (0, .., +-1 or 0 along d, .., 0) — a
 * block-tridiagonal matrix T — and to the neighbouring lines through all other entries. One line
 * update solves T x_line = b_line - (off-line part of A) x exactly. Lines are coloured by the
 * parity of their two other indices (2 colours in 2D, 4 in 3D); two lines of one colour never
 * share a stencil entry (27-point stencils included), so all lines of a colour are solved in
 * parallel, each by one thread, and the result does not depend on the thread count.
 * Line relaxation along the direction of strong coupling is what makes the smoother robust to
 * the graded grids' cell aspect ratios (up to ~100) — point smoothers are not. The sweep runs
 * once along every direction, so whichever direction is strong somewhere is covered.
 *
 * The LU of T is computed at setup (block Thomas algorithm): pivots P_0 = D_0,
 * P_k = D_k - L_k C_{k-1}, with G_k = P_k^{-1} and C_k = G_k U_k stored per node (2 blocks).
 * A sweep then costs one pass over the matrix plus the two factor blocks per node:
 *   forward  y_k = G_k (rhs_k - L_k y_{k-1})   (y stored in x in place)
 *   backward x_k = y_k - C_k x_{k+1}.
 * Kernels are specialised for ncomp 1..3 and ndim 2, 3 (always-inline template, dispatched
 * inside the parallel region so that the sizes are compile-time constants there), and interior
 * nodes take a path without bounds checks. Each thread solves a few lines of a colour in
 * lockstep (independent recursions overlap) and prefetches the operator rows a few steps ahead.
 * The two colours that share a parity across the second direction are interleaved as a
 * wavefront (pair_step): a line of the later colour is solved as soon as its two neighbours of
 * the earlier colour are, so both colours' lines of a neighbourhood go through the cache (and,
 * for lines across the fastest index, the TLB) together. This only reorders independent work:
 * every line sees the values of the plain colour-by-colour order, so the sweep is bitwise the
 * zebra sweep (1-thread CPU time of one sweep on the benchmark operators, loaded machine:
 * axisymmetric 513^2 z lines 12.6 -> 8.8 ms, r lines 5.8 -> 5.5 ms; 3D 49^3 x / y / z lines
 * 36.9 / 43.7 / 43.6 -> 33.6 / 33.9 / 34.0 ms).
 */
#include <math.h>
#include <omp.h>
#include <stddef.h>

#include "mg_impl.h"
#include "needlesim/smat.h"

#define NS_INLINE static inline __attribute__((always_inline))

/* Lines solved in lockstep by one thread (see solve_batch). Measured on the 513^2 axisymmetric
 * skin operator (bench_solver, 1 thread): 4 lines beat 2, 6, 8 and 16 along both directions; r
 * lines take 5.5 ms per sweep with 4, 8.5 ms with 8 and 11 ms with 16, whose forward pass no
 * longer leaves the factors and x of the batch in L2 for the back substitution. The exception
 * is NS_LINE_BATCH_X. */
#ifndef NS_LINE_BATCH
#define NS_LINE_BATCH 4
#endif

/* Lines per batch for 3D lines along direction 0 (the fastest grid index). Such a line's
 * operator rows (27 ncomp^2 doubles, 1944 bytes with ncomp 3) are contiguous, so one line is a
 * single sequential stream that the hardware prefetchers follow; a batch of several lines
 * interleaves as many streams a few kilobytes apart, and they did not keep up. Measured (3D
 * 49^3 skin operator, ncomp 3, 1 thread, best of 5, load 2.0-2.7, three runs): x lines
 * 33.6-37.7 ms per sweep with 4 lines, 19.2-24.4 ms with 1 (y and z lines, which jump a grid
 * row or plane per step, stay faster with 4: 33-39 ms against 38-46 ms). In 2D (rows of
 * 9 ncomp^2 doubles) 4 lines stay best along both directions. */
#ifndef NS_LINE_BATCH_X
#define NS_LINE_BATCH_X 1
#endif

/* Steps ahead along the line at which a batch prefetches its operator rows (see prefetch_step). */
#ifndef NS_PREFETCH_STEPS
#define NS_PREFETCH_STEPS 2
#endif

/* Cache line size of x86-64 and ARMv8 server cores [bytes]. */
#define NS_CACHE_LINE 64

/* Stencil geometry of a grid: node offset and direction triple of every entry. */
static void stencil_geom(const struct ns_grid *g, ptrdiff_t off[27], int dir[27][3]) {
  const int ns = g->ndim == 2 ? 9 : 27;
  for (int s = 0; s < ns; s++) {
    dir[s][0] = s % 3 - 1;
    dir[s][1] = (s / 3) % 3 - 1;
    dir[s][2] = g->ndim == 3 ? s / 9 - 1 : 0;
    off[s] = dir[s][0] * g->stride[0] + dir[s][1] * g->stride[1] + dir[s][2] * g->stride[2];
  }
}

/* The two directions other than d (in 2D the second one is the unused direction 2, n = 1). */
static void other_dirs(int ndim, int d, int *o1, int *o2) {
  if (ndim == 2) {
    *o1 = 1 - d;
    *o2 = 2;
  } else {
    *o1 = d == 0 ? 1 : 0;
    *o2 = d == 2 ? 1 : 2;
  }
}

/* inv = a^{-1} for an nc x nc row-major block; returns 0, or 1 when a is singular. */
NS_INLINE int block_inverse(const int nc, const double *a, double *inv) {
  if (nc == 1) {
    if (a[0] == 0.0 || !isfinite(a[0])) return 1;
    inv[0] = 1.0 / a[0];
    return 0;
  }
  if (nc == 2) {
    double det = a[0] * a[3] - a[1] * a[2];
    if (det == 0.0 || !isfinite(det)) return 1;
    double id = 1.0 / det;
    inv[0] = a[3] * id;
    inv[1] = -a[1] * id;
    inv[2] = -a[2] * id;
    inv[3] = a[0] * id;
    return 0;
  }
  double c0 = a[4] * a[8] - a[5] * a[7], c1 = a[5] * a[6] - a[3] * a[8], c2 = a[3] * a[7] - a[4] * a[6];
  double det = a[0] * c0 + a[1] * c1 + a[2] * c2;
  if (det == 0.0 || !isfinite(det)) return 1;
  double id = 1.0 / det;
  inv[0] = c0 * id;
  inv[1] = (a[2] * a[7] - a[1] * a[8]) * id;
  inv[2] = (a[1] * a[5] - a[2] * a[4]) * id;
  inv[3] = c1 * id;
  inv[4] = (a[0] * a[8] - a[2] * a[6]) * id;
  inv[5] = (a[2] * a[3] - a[0] * a[5]) * id;
  inv[6] = c2 * id;
  inv[7] = (a[1] * a[6] - a[0] * a[7]) * id;
  inv[8] = (a[0] * a[4] - a[1] * a[3]) * id;
  return 0;
}

/* c = a b for nc x nc blocks. */
static void block_mul(int nc, const double *a, const double *b, double *c) {
  for (int r = 0; r < nc; r++)
    for (int q = 0; q < nc; q++) {
      double s = 0.0;
      for (int m = 0; m < nc; m++) s += a[r * nc + m] * b[m * nc + q];
      c[r * nc + q] = s;
    }
}

enum ns_status ns_mg_lines_factor(struct ns_mg_level *lev, int nc, int d, struct ns_err *err) {
  const struct ns_grid *g = lev->g;
  const int ndim = g->ndim, ns = ndim == 2 ? 9 : 27, nb = nc * nc;
  const size_t bs = (size_t)ns * (size_t)nb;
  int o1, o2;
  other_dirs(ndim, d, &o1, &o2);
  int dl[3] = {0, 0, 0}, du[3] = {0, 0, 0}, dc[3] = {0, 0, 0};
  dl[d] = -1;
  du[d] = 1;
  const int sL = ns_smat_stencil_index(ndim, dl), sU = ns_smat_stencil_index(ndim, du),
            sC = ns_smat_stencil_index(ndim, dc);
  const long n1 = g->n[o1], nl = (long)g->n[o1] * g->n[o2];
  const int len = g->n[d];
  const ptrdiff_t s1 = g->stride[o1], s2 = g->stride[o2], sd = g->stride[d];
  const double *a = lev->A->a;
  double *fac = lev->fac[d];
  int bad = 0;
  /* Setup kernel: one thread per line, every node's factor blocks written by that thread. */
#pragma omp parallel for default(none) shared(a, fac, bad) \
    firstprivate(nc, nb, bs, n1, nl, len, s1, s2, sd, sL, sU, sC) schedule(static)
  for (long t = 0; t < nl; t++) {
    size_t base = (size_t)((t % n1) * s1 + (t / n1) * s2);
    double piv[9], tmp[9];
    const double *cprev = NULL;
    for (int k = 0; k < len; k++) {
      size_t node = base + (size_t)k * (size_t)sd;
      const double *an = a + node * bs;
      double *G = fac + node * 2 * (size_t)nb, *C = G + nb;
      for (int m = 0; m < nb; m++) piv[m] = an[(size_t)sC * (size_t)nb + (size_t)m];
      if (cprev) {
        block_mul(nc, an + (size_t)sL * (size_t)nb, cprev, tmp);
        for (int m = 0; m < nb; m++) piv[m] -= tmp[m];
      }
      int sing = nc == 1 ? block_inverse(1, piv, G) : nc == 2 ? block_inverse(2, piv, G) : block_inverse(3, piv, G);
      /* A unit pivot row (a Dirichlet dof) gets an exactly unit row of G, so the line solve
       * returns the prescribed value bitwise (the cofactor formula could be 1 ulp off). */
      for (int r = 0; r < nc && !sing; r++) {
        int unit = 1;
        for (int c = 0; c < nc; c++) unit &= piv[r * nc + c] == (r == c ? 1.0 : 0.0);
        if (unit)
          for (int c = 0; c < nc; c++) G[r * nc + c] = r == c ? 1.0 : 0.0;
      }
      if (sing) {
#pragma omp atomic write
        bad = 1;
        for (int m = 0; m < 2 * nb; m++) G[m] = 0.0;
      } else if (k + 1 < len) {
        block_mul(nc, G, an + (size_t)sU * (size_t)nb, C);
      } else {
        for (int m = 0; m < nb; m++) C[m] = 0.0;
      }
      cprev = C;
    }
  }
  if (bad)
    return ns_err_set(err, NS_ECONV,
                      "mg: singular pivot in the line factorisation along direction %d on a %d x %d x %d grid "
                      "(is the operator singular, e.g. a free body without Dirichlet conditions?)",
                      d, g->n[0], g->n[1], g->n[2]);
  return NS_OK;
}

/* Read-only data of one sweep along one direction, shared by the threads. */
struct sweep_ctx {
  const double *a, *fac, *b; /* operator, line factors, right side */
  double *x;                 /* iterate, updated in place */
  int offs[27];              /* stencil index of every off-line entry */
  ptrdiff_t offo[27];        /* its node offset */
  int dir[27][3];            /* direction triple of every stencil entry */
  int gn[3];                 /* grid nodes per direction */
  int sL;                    /* stencil index of the in-line entry towards k - 1 */
  int batch;                 /* lines per batch (NS_LINE_BATCH or NS_LINE_BATCH_X) */
  size_t nnodes;             /* grid nodes */
  int d, o1, o2, len, n1, n2;
  ptrdiff_t s1, s2, sd;      /* node strides across (o1, o2) and along (d) the line */
};

/* acc -= (off-line part of row node) x for a node whose whole stencil lies inside the grid:
 * no bounds checks, the entry loop has a compile-time trip count. */
NS_INLINE void offline_interior(const int nc, const int ndim, const struct sweep_ctx *restrict c, size_t node,
                                double acc[3]) {
  const int ns = ndim == 2 ? 9 : 27, nb = nc * nc, noff = ns - 3;
  const double *restrict an = c->a + node * (size_t)ns * (size_t)nb;
  const double *restrict x = c->x;
  for (int e = 0; e < noff; e++) {
    const double *restrict blk = an + (size_t)c->offs[e] * (size_t)nb;
    const double *restrict xs = x + (size_t)((ptrdiff_t)node + c->offo[e]) * (size_t)nc;
    for (int r = 0; r < nc; r++)
      for (int q = 0; q < nc; q++) acc[r] -= blk[r * nc + q] * xs[q];
  }
}

/* The same for a node on the grid boundary: entries pointing outside the grid are skipped (the
 * order of the remaining entries, hence the rounding, is that of offline_interior). */
NS_INLINE void offline_boundary(const int nc, const int ndim, const struct sweep_ctx *restrict c, size_t node,
                                int p, int q, int k, double acc[3]) {
  const int ns = ndim == 2 ? 9 : 27, nb = nc * nc, noff = ns - 3;
  const double *restrict an = c->a + node * (size_t)ns * (size_t)nb;
  const double *restrict x = c->x;
  int ijk[3];
  ijk[c->o1] = p;
  ijk[c->o2] = q;
  ijk[c->d] = k;
  for (int e = 0; e < noff; e++) {
    const int s = c->offs[e];
    int ok = 1;
    for (int q2 = 0; q2 < ndim; q2++) {
      int v = ijk[q2] + c->dir[s][q2];
      ok &= v >= 0 && v < c->gn[q2];
    }
    if (!ok) continue;
    const double *restrict blk = an + (size_t)s * (size_t)nb;
    const double *restrict xs = x + (size_t)((ptrdiff_t)node + c->offo[e]) * (size_t)nc;
    for (int r = 0; r < nc; r++)
      for (int q3 = 0; q3 < nc; q3++) acc[r] -= blk[r * nc + q3] * xs[q3];
  }
}

/* Software prefetch of what the forward step of a line at node will read: its operator row
 * (ns nc^2 doubles), factor blocks, right side and the iterate at the node and across the line.
 * The lines of a batch sit one colour period apart, so for lines across the fastest grid index
 * (z lines in 2D, y and z lines in 3D) a batch touches a few hundred contiguous bytes per step
 * and then jumps a whole grid row or plane: the hardware prefetchers, which follow streams
 * within a page, do not run ahead of such an access pattern. */
NS_INLINE void prefetch_step(const int nc, const int ndim, const struct sweep_ctx *restrict c, size_t node) {
  const int ns = ndim == 2 ? 9 : 27, nb = nc * nc;
  const size_t rowbytes = (size_t)ns * (size_t)nb * sizeof(double);
  const char *pa = (const char *)(c->a + node * (size_t)ns * (size_t)nb);
  for (size_t o = 0; o < rowbytes; o += NS_CACHE_LINE) __builtin_prefetch(pa + o);
  __builtin_prefetch(pa + rowbytes - 1);
  const char *pf = (const char *)(c->fac + node * 2 * (size_t)nb);
  for (size_t o = 0; o < 2 * (size_t)nb * sizeof(double); o += NS_CACHE_LINE) __builtin_prefetch(pf + o);
  __builtin_prefetch(c->b + node * (size_t)nc);
  __builtin_prefetch(c->x + node * (size_t)nc);
  /* The node across the line (clamped to the grid: the last line has none). */
  const size_t last = c->nnodes - 1;
  size_t n1 = node + (size_t)c->s1;
  __builtin_prefetch(c->x + (n1 < last ? n1 : last) * (size_t)nc);
  if (ndim == 3) {
    size_t n2 = node + (size_t)c->s2, n12 = n2 + (size_t)c->s1;
    __builtin_prefetch(c->x + (n2 < last ? n2 : last) * (size_t)nc);
    __builtin_prefetch(c->x + (n12 < last ? n12 : last) * (size_t)nc);
  }
}

/* Exact block-tridiagonal solve of nbl <= c->batch lines of one colour, advancing in
 * lockstep: line l starts at node base[l] and lies at index (pq[l][0], pq[l][1]) across. The
 * interleaving only changes the order in which independent lines are processed, not any line's
 * arithmetic. While one line's recursion waits on its previous step, the others' proceed. */
NS_INLINE void solve_batch(const int nc, const int ndim, const struct sweep_ctx *restrict c, int nbl,
                           const size_t base[NS_LINE_BATCH], const int pq[NS_LINE_BATCH][2]) {
  const int ns = ndim == 2 ? 9 : 27, nb = nc * nc;
  const size_t bs = (size_t)ns * (size_t)nb;
  const int len = c->len;
  const size_t sd = (size_t)c->sd;
  const double *restrict a = c->a, *restrict fac = c->fac, *restrict b = c->b;
  double *restrict x = c->x;
  int inside[NS_LINE_BATCH], all_inside = 1;
  for (int l = 0; l < nbl; l++) {
    const int p = pq[l][0], q = pq[l][1];
    inside[l] = p > 0 && p < c->n1 - 1 && (ndim == 2 || (q > 0 && q < c->n2 - 1));
    all_inside &= inside[l];
  }
  double yprev[NS_LINE_BATCH][3];
  for (int l = 0; l < nbl; l++)
    for (int k = 0; k < NS_PREFETCH_STEPS && k < len; k++) prefetch_step(nc, ndim, c, base[l] + (size_t)k * sd);
  /* Forward elimination y_k = G_k (rhs_k - L_k y_{k-1}), y stored in x. */
  for (int k = 0; k < len; k++) {
    const int interior_k = k > 0 && k < len - 1;
    for (int l = 0; l < nbl; l++) {
      const size_t node = base[l] + (size_t)k * sd;
      if (k + NS_PREFETCH_STEPS < len) prefetch_step(nc, ndim, c, node + (size_t)NS_PREFETCH_STEPS * sd);
      double acc[3];
      for (int r = 0; r < nc; r++) acc[r] = b[node * (size_t)nc + (size_t)r];
      if (interior_k && (all_inside || inside[l]))
        offline_interior(nc, ndim, c, node, acc);
      else
        offline_boundary(nc, ndim, c, node, pq[l][0], pq[l][1], k, acc);
      if (k > 0) {
        const double *restrict lb = a + node * bs + (size_t)c->sL * (size_t)nb;
        for (int r = 0; r < nc; r++)
          for (int q = 0; q < nc; q++) acc[r] -= lb[r * nc + q] * yprev[l][q];
      }
      const double *restrict G = fac + node * 2 * (size_t)nb;
      for (int r = 0; r < nc; r++) {
        double y = 0.0;
        for (int q = 0; q < nc; q++) y += G[r * nc + q] * acc[q];
        yprev[l][r] = y;
      }
      for (int r = 0; r < nc; r++) x[node * (size_t)nc + (size_t)r] = yprev[l][r];
    }
  }
  /* Back substitution x_k = y_k - C_k x_{k+1}; the factors and x of the batch were just read by
   * the forward pass and are still in cache. */
  for (int k = len - 2; k >= 0; k--)
    for (int l = 0; l < nbl; l++) {
      const size_t node = base[l] + (size_t)k * sd;
      const double *restrict C = fac + node * 2 * (size_t)nb + nb;
      const double *restrict xn = x + (node + sd) * (size_t)nc;
      double *restrict xk = x + node * (size_t)nc;
      double corr[3];
      for (int r = 0; r < nc; r++) {
        corr[r] = 0.0;
        for (int q = 0; q < nc; q++) corr[r] += C[r * nc + q] * xn[q];
      }
      for (int r = 0; r < nc; r++) xk[r] -= corr[r];
    }
}

/* Solves the lines t0 <= t < t1 of row q (across index o2) whose index across o1 has parity pp,
 * i.e. p = 2 t + pp, in lockstep (at most c->batch of them). The kernel is instantiated
 * here, in a function inlined into the outlined parallel region: OpenMP outlining happens before
 * inlining, so constants of an enclosing instantiation would arrive in the region as run-time
 * values. */
NS_INLINE void solve_lines(const struct sweep_ctx *restrict c, int nc, int ndim, int pp, long q, long t0, long t1) {
  if (t1 <= t0) return;
  const int nbl = (int)(t1 - t0);
  size_t base[NS_LINE_BATCH];
  int pq[NS_LINE_BATCH][2];
  for (int l = 0; l < nbl; l++) {
    pq[l][0] = (int)(2 * (t0 + l) + pp);
    pq[l][1] = (int)q;
    base[l] = (size_t)((ptrdiff_t)pq[l][0] * c->s1 + (ptrdiff_t)q * c->s2);
  }
  switch (nc * 10 + ndim) {
  case 12: solve_batch(1, 2, c, nbl, base, pq); break;
  case 22: solve_batch(2, 2, c, nbl, base, pq); break;
  case 32: solve_batch(3, 2, c, nbl, base, pq); break;
  case 13: solve_batch(1, 3, c, nbl, base, pq); break;
  case 23: solve_batch(2, 3, c, nbl, base, pq); break;
  default: solve_batch(3, 3, c, nbl, base, pq); break;
  }
}

/* Wavefront schedule of one colour pair. Lines are indexed by (p, q) across the line (directions
 * o1, o2); colour (p mod 2) + 2 (q mod 2). A pair is the two colours of one q parity q0, in
 * the rows q = q0, q0 + 2, ...; its first colour (the one the zebra order solves first) has p
 * parity f, the second 1 - f. Within a pair, lines couple only to the lines p +- 1 of the same
 * row (the other rows of the pair are two apart), so a second-colour line can be solved as soon
 * as its two first-colour neighbours are. Step j of a row solves the first-colour lines
 * t = B j .. B j + B - 1 (p = 2 t + f, B = c->batch) and then the second-colour lines
 * t' = lo(j) .. hi(j) with hi(j) = B j + B - 2 + f, the last t' whose neighbour p + 1 was just
 * solved; one extra step per row takes the remaining second-colour lines. Each line therefore
 * sees exactly the values of the plain zebra order (first-colour lines still see the old
 * second-colour values, since their second-colour neighbours come in the same or a later step),
 * and the lines of both colours are solved while the operator rows, factors and iterate of
 * their neighbourhood are still in cache, instead of one colour's whole pass apart (and, for
 * lines across the fastest grid index, a page apart per step: the second colour reuses the
 * first one's TLB entries). Steps are numbered row by row, gs = row * nstep + j. */
struct pair_sched {
  int f, q0;          /* first colour's p parity; rows' q parity */
  int B;              /* lines per batch */
  long nfirst, nsec;  /* lines per row of the first and the second colour */
  long nstep, nsteps; /* steps per row; steps in all */
};

static void pair_setup(const struct sweep_ctx *c, int pair, int reverse, struct pair_sched *ps) {
  ps->q0 = pair;
  ps->f = reverse ? 1 : 0;
  ps->nfirst = (c->n1 - ps->f + 1) / 2;
  ps->nsec = (c->n1 - (1 - ps->f) + 1) / 2;
  ps->B = c->batch;
  ps->nstep = (ps->nfirst + ps->B - 1) / ps->B + 1;
  const long nrow = (c->n2 - ps->q0 + 1) / 2;
  ps->nsteps = nrow * ps->nstep;
}

/* Last second-colour line of step j of a row (-1: none yet). */
static long pair_hi(const struct pair_sched *ps, long j) {
  if (j < 0) return -1;
  long hi = j == ps->nstep - 1 ? ps->nsec - 1 : ps->B * j + ps->B - 2 + ps->f;
  return hi < ps->nsec - 1 ? hi : ps->nsec - 1;
}

/* Runs step gs. A thread's share of the steps starts at gs with first != 0; if that step is not
 * the first of its row, its first second-colour line lo has the first-colour neighbour p - 1 in
 * the previous share, and the previous share's last first-colour line must still see lo's old
 * value: lo is left out here and solved by pair_deferred after the barrier. */
NS_INLINE void pair_step(const struct sweep_ctx *restrict c, int nc, int ndim, const struct pair_sched *ps, long gs,
                         int first) {
  const long row = gs / ps->nstep, j = gs % ps->nstep, q = ps->q0 + 2 * row;
  const long t0 = ps->B * j, t1 = t0 + ps->B < ps->nfirst ? t0 + ps->B : ps->nfirst;
  solve_lines(c, nc, ndim, ps->f, q, t0, t1);
  long lo = pair_hi(ps, j - 1) + 1;
  if (first && j > 0) lo++;
  solve_lines(c, nc, ndim, 1 - ps->f, q, lo, pair_hi(ps, j) + 1);
}

/* Solves the line that pair_step left out at the start of a share beginning at step gs. */
NS_INLINE void pair_deferred(const struct sweep_ctx *restrict c, int nc, int ndim, const struct pair_sched *ps,
                             long gs) {
  const long row = gs / ps->nstep, j = gs % ps->nstep, q = ps->q0 + 2 * row;
  if (j == 0) return;
  const long lo = pair_hi(ps, j - 1) + 1;
  if (lo <= pair_hi(ps, j)) solve_lines(c, nc, ndim, 1 - ps->f, q, lo, lo + 1);
}

void ns_mg_lines_sweep(const struct ns_mg_level *lev, int nc, int d, int reverse, const double *b, double *x) {
  const struct ns_grid *g = lev->g;
  const int ndim = g->ndim, ns = ndim == 2 ? 9 : 27;
  struct sweep_ctx ctx;
  ptrdiff_t off[27];
  stencil_geom(g, off, ctx.dir);
  other_dirs(ndim, d, &ctx.o1, &ctx.o2);
  /* The off-line entries: every stencil entry with a non-zero offset across the line. */
  int m = 0;
  for (int s = 0; s < ns; s++)
    if (ctx.dir[s][ctx.o1] != 0 || ctx.dir[s][ctx.o2] != 0) {
      ctx.offs[m] = s;
      ctx.offo[m] = off[s];
      m++;
    }
  int dl[3] = {0, 0, 0};
  dl[d] = -1;
  ctx.sL = ns_smat_stencil_index(ndim, dl);
  ctx.d = d;
  ctx.batch = ndim == 3 && d == 0 ? NS_LINE_BATCH_X : NS_LINE_BATCH;
  ctx.nnodes = g->nnodes;
  ctx.len = g->n[d];
  ctx.n1 = g->n[ctx.o1];
  ctx.n2 = g->n[ctx.o2];
  ctx.s1 = g->stride[ctx.o1];
  ctx.s2 = g->stride[ctx.o2];
  ctx.sd = g->stride[d];
  for (int q = 0; q < 3; q++) ctx.gn[q] = g->n[q];
  ctx.a = lev->A->a;
  ctx.fac = lev->fac[d];
  ctx.b = b;
  ctx.x = x;
  const struct sweep_ctx *cp = &ctx;
  const int npair = ndim == 2 ? 1 : 2;
  const int par = ns_mg_threads(g->nnodes) > 1;
  /* One parallel region per sweep. The colours are processed in pairs that share the parity of
   * q (2D: the single pair {0, 1}; 3D: {0, 1} then {2, 3}; the reverse sweep runs {3, 2} then
   * {1, 0}), each pair as a wavefront: see pair_steps. Every line is solved with exactly the
   * values it sees in the plain colour-by-colour order, so the result is bitwise that of the
   * zebra sweep, whichever thread solves a line and for any thread count (on small grids, where
   * a parallel region costs more than the sweep, the region runs on one thread: ns_mg_threads). */
#pragma omp parallel default(none) shared(cp) firstprivate(nc, ndim, npair, reverse) if (par)
  for (int pi = 0; pi < npair; pi++) {
    const int pair = reverse ? npair - 1 - pi : pi;
    struct pair_sched ps;
    pair_setup(cp, pair, reverse, &ps);
    const int nchunk = omp_get_num_threads();
    /* Phase 1: every thread runs its contiguous share of the steps, leaving out the one line at
     * the start of its share that depends on the previous share (see pair_steps). */
#pragma omp for schedule(static)
    for (int ch = 0; ch < nchunk; ch++) {
      const long g0 = ps.nsteps * ch / nchunk, g1 = ps.nsteps * (ch + 1) / nchunk;
      for (long gs = g0; gs < g1; gs++) pair_step(cp, nc, ndim, &ps, gs, gs == g0);
    }
    /* Phase 2: the lines left out at the shares' boundaries; their neighbours are all final. */
#pragma omp for schedule(static)
    for (int ch = 1; ch < nchunk; ch++) {
      const long g0 = ps.nsteps * ch / nchunk, g1 = ps.nsteps * (ch + 1) / nchunk;
      if (g0 < g1) pair_deferred(cp, nc, ndim, &ps, g0);
    }
  }
}
