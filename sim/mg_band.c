/* mg_band.c — banded LU of the finest operator as a Krylov preconditioner for small 2D systems.
 *
 *   ns_mg_band_available  1 when the finest operator's band matrix fits NS_MG_BAND_BYTES
 *   ns_mg_band_factor     assemble the band matrix of A and factor it (partial pivoting)
 *   ns_mg_band_apply      z = (LU)^-1 r with the last factors (the preconditioner of
 *                         ns_mg_solve_band, sim/krylov.c)
 *   ns_mg_band_free       release the factors (called by ns_mg_free)
 *
 * Storage: row-major band rows of width W = 3 band + 1; row i holds the columns
 * i - band .. i + 2 band at offsets 0 .. W - 1 (the upper band grows from band to 2 band by the
 * row interchanges of partial pivoting, as in LAPACK's dgbtrf). Elimination step k takes the
 * largest |a(i, k)|, k <= i <= k + band, as the pivot (row k and row piv[k] exchange their
 * columns k .. k + 2 band), and subtracts l_ik row k from rows k + 1 .. k + band, storing
 * l_ik contiguously per step (l, n x band; the forward solve then reads one stride-1 run per
 * step); later interchanges only move columns >= their own step, so the multipliers of step k
 * stay with the positions they eliminated (the forward solve applies the
 * interchange of step k and then step k's multipliers, like LAPACK's dgbtrs). hi[i] is the last
 * column of row i that can be nonzero (i + band, grown by interchanges and updates): the updates
 * run to hi[k] only, so without interchanges a step costs band x band multiply-adds instead of
 * band x 2 band. The rows are contiguous in the column index, so the update is one stride-1 axpy
 * per row (GSL's band LU, column-major, runs a rank-1 dger per step: ~0.05 s for the penetration
 * grids' 5874 unknowns, bandwidth 69).
 * Everything runs on one thread, so results do not depend on the thread count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mg_impl.h"

/* Largest band matrix factored here [bytes]: the axisymmetric grids of the studies (33 x 89
 * nodes, 2 unknowns: 5874 x 208 doubles, 9.8 MB) fit; 3D grids do not (17^3 nodes already need
 * 9826 x 1951 doubles, 153 MB), nor axisymmetric grids much beyond 200 x 200 nodes, where
 * multigrid is the cheaper solver anyway. */
#define NS_MG_BAND_BYTES ((size_t)32 << 20)

/* Bandwidth (in unknowns) of the 9-point stencil on the finest grid. */
static size_t band_of(const struct ns_mg *mg) {
  const struct ns_grid *g = mg->lev[0].g;
  const size_t nc = (size_t)mg->ncomp, nd = g->nnodes * nc;
  const size_t band = ((size_t)g->n[0] + 1) * nc + nc - 1;
  return band > nd - 1 ? nd - 1 : band;
}

int ns_mg_band_available(const struct ns_mg *mg) {
  const struct ns_grid *g = mg->lev[0].g;
  if (g->ndim != 2) return 0;
  const size_t nd = g->nnodes * (size_t)mg->ncomp, band = band_of(mg);
  return nd * (3 * band + 1) * sizeof(double) <= NS_MG_BAND_BYTES;
}

void ns_mg_band_free(struct ns_mg *mg) {
  free(mg->bnd.a);
  free(mg->bnd.piv);
  free(mg->bnd.hi);
  free(mg->bnd.l);
  memset(&mg->bnd, 0, sizeof mg->bnd);
}

/* Band rows of A (9-point stencil, blocks of ncomp x ncomp per neighbour, smat layout). */
static void band_fill(const struct ns_smat *A, const struct ns_grid *g, int nc, size_t band, double *a) {
  const size_t w = 3 * band + 1, nd = g->nnodes * (size_t)nc;
  memset(a, 0, nd * w * sizeof(double));
  const int nx = g->n[0], ny = g->n[1];
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++) {
      const size_t node = (size_t)j * (size_t)nx + (size_t)i;
      /* Stencil order of smat (x fastest): s = (dy + 1) * 3 + (dx + 1). */
      for (int s = 0; s < 9; s++) {
        const int di = s % 3 - 1, dj = s / 3 - 1;
        if (i + di < 0 || i + di >= nx || j + dj < 0 || j + dj >= ny) continue;
        const size_t col = node + (size_t)((long)dj * nx + di);
        for (int r = 0; r < nc; r++) {
          const size_t row = node * (size_t)nc + (size_t)r;
          double *ar = a + row * w + band - row; /* ar[c] = a(row, c) */
          for (int c = 0; c < nc; c++)
            ar[col * (size_t)nc + (size_t)c] = A->a[node * A->bs + (size_t)(s * nc * nc + r * nc + c)];
        }
      }
    }
}

enum ns_status ns_mg_band_factor(struct ns_mg *mg, const struct ns_smat *A, struct ns_err *err) {
  const struct ns_grid *g = mg->lev[0].g;
  const int nc = mg->ncomp;
  const size_t nd = g->nnodes * (size_t)nc, band = band_of(mg), w = 3 * band + 1;
  mg->bnd.valid = 0;
  if (!ns_mg_band_available(mg))
    return ns_err_set(err, NS_EINPUT, "mg: band LU of %zu unknowns (bandwidth %zu) exceeds %zu MiB", nd, band,
                      NS_MG_BAND_BYTES >> 20);
  if (!mg->bnd.a) {
    mg->bnd.a = malloc(nd * w * sizeof(double));
    mg->bnd.piv = malloc(nd * sizeof(size_t));
    mg->bnd.hi = malloc(nd * sizeof(size_t));
    mg->bnd.l = malloc(nd * band * sizeof(double));
    if (!mg->bnd.a || !mg->bnd.piv || !mg->bnd.hi || !mg->bnd.l) {
      ns_mg_band_free(mg);
      return ns_err_set(err, NS_ENOMEM, "mg: out of memory for the band LU (%zu unknowns)", nd);
    }
    mg->bnd.n = nd;
    mg->bnd.band = band;
  }
  double *a = mg->bnd.a;
  double *lm = mg->bnd.l;
  size_t *piv = mg->bnd.piv, *hi = mg->bnd.hi;
  band_fill(A, g, nc, band, a);
  for (size_t i = 0; i < nd; i++) hi[i] = i + band < nd ? i + band : nd - 1;
  for (size_t k = 0; k < nd; k++) {
    const size_t last = k + band < nd ? k + band : nd - 1;
    /* a(i, c) of row i is a[i * w + band + c - i]. */
    size_t p = k;
    double big = fabs(a[k * w + band]);
    for (size_t i = k + 1; i <= last; i++) {
      const double v = fabs(a[i * w + band + k - i]);
      if (v > big) {
        big = v;
        p = i;
      }
    }
    piv[k] = p;
    if (!(big > 0.0) || !isfinite(big))
      return ns_err_set(err, NS_ECONV, "mg: band LU: zero or non-finite pivot at dof %zu", k);
    if (p != k) {
      double *rk = a + k * w + band - k, *rp = a + p * w + band - p;
      const size_t end = hi[k] > hi[p] ? hi[k] : hi[p];
      for (size_t c = k; c <= end; c++) {
        const double t = rk[c];
        rk[c] = rp[c];
        rp[c] = t;
      }
      hi[k] = hi[p] = end;
    }
    const double *rk = a + k * w + band - k;
    const double inv = 1.0 / rk[k];
    const size_t end = hi[k];
    double *lk = lm + k * band;
    for (size_t i = k + 1; i <= last; i++) {
      double *ri = a + i * w + band - i;
      const double l = ri[k] * inv;
      lk[i - k - 1] = l;
      if (l == 0.0) continue;
      for (size_t c = k + 1; c <= end; c++) ri[c] -= l * rk[c];
      if (hi[i] < end) hi[i] = end;
    }
  }
  mg->bnd.valid = 1;
  return NS_OK;
}

void ns_mg_band_apply(const struct ns_mg *mg, const double *r, double *z) {
  const size_t nd = mg->bnd.n, band = mg->bnd.band, w = 3 * band + 1;
  const double *a = mg->bnd.a, *lm = mg->bnd.l;
  const size_t *piv = mg->bnd.piv, *hi = mg->bnd.hi;
  memcpy(z, r, nd * sizeof(double));
  for (size_t k = 0; k < nd; k++) {
    const size_t p = piv[k];
    if (p != k) {
      const double t = z[k];
      z[k] = z[p];
      z[p] = t;
    }
    const double zk = z[k];
    if (zk == 0.0) continue;
    const size_t cnt = k + band < nd ? band : nd - 1 - k;
    const double *lk = lm + k * band;
    for (size_t i = 0; i < cnt; i++) z[k + 1 + i] -= lk[i] * zk;
  }
  for (size_t k = nd; k-- > 0;) {
    const double *rk = a + k * w + band - k;
    /* Four partial sums (a fixed order, so the result is reproducible): one running sum would
     * wait on the adder's latency at every term. */
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t c = k + 1;
    for (; c + 3 <= hi[k]; c += 4) {
      s0 += rk[c] * z[c];
      s1 += rk[c + 1] * z[c + 1];
      s2 += rk[c + 2] * z[c + 2];
      s3 += rk[c + 3] * z[c + 3];
    }
    for (; c <= hi[k]; c++) s0 += rk[c] * z[c];
    z[k] = (z[k] - ((s0 + s1) + (s2 + s3))) / rk[k];
  }
}
