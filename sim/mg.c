/* mg.c — geometric multigrid hierarchy, Galerkin coarse operators, transfers and the V-cycle.
 *
 *   ns_mg_create   grid hierarchy (every-other-node coarsening) and level storage
 *   ns_mg_setup    Dirichlet detection, Galerkin operators P^T A P, line factorisations, coarse LU
 *   ns_mg_vcycle   one cycle x <- x + V(b - A x) (W-cycle below the finest level, see mg_impl.h)
 *   ns_mg_levels   number of levels
 *   ns_mg_free     release everything (NULL is a no-op)
 *
 * Coarsening keeps every other node along each direction with step 2 (every node along a
 * direction with step 1: semi-coarsening, see NS_MG_SEMI_LEVELS_2D in mg_impl.h); along a step-1
 * direction fine index I is coarse index I with weight 1.
 * Interpolation P (fine level l from coarse level l+1), per direction with step 2, with x the
 * fine-level node coordinates: an even fine index 2I takes coarse node I with weight 1; an odd fine index 2I+1
 * takes coarse I with weight w = (x[2I+2] - x[2I+1]) / (x[2I+2] - x[2I]) and coarse I+1 with 1 - w
 * (linear in physical coordinates, so exact for linear fields on graded grids). In 2D/3D the
 * weights are tensor products. Exception: on a z-only coarsening of a top-level hierarchy, a
 * fine-only node on a thick layer interface takes operator-dependent z weights per component
 * (opz_weights; the level's wop array). Dirichlet dofs: P has zero rows for fine Dirichlet dofs and zero
 * columns for coarse dofs that sit on a fine Dirichlet dof, so coarse corrections never change a
 * Dirichlet dof, and the coarse Dirichlet rows of P^T A P are zero and get a unit diagonal.
 * Restriction is P^T, so the V-cycle (symmetric smoother, exact coarse solve) is symmetric
 * positive definite for an SPD operator and a valid CG preconditioner.
 *
 * Parallelism: every kernel loops over the rows it writes (fine nodes for P, coarse nodes for
 * P^T and for the Galerkin product), each row written by one thread in a fixed order, so the
 * results are bitwise identical for any thread count.
 */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <stdlib.h>
#include <string.h>

#include "mg_impl.h"
#include "needlesim/vec.h"

/* Direction triples of the stencil entries and of the 3^ndim support offsets. */
static void stencil_dirs(int ndim, int dir[27][3]) {
  const int ns = ndim == 2 ? 9 : 27;
  for (int s = 0; s < ns; s++) {
    dir[s][0] = s % 3 - 1;
    dir[s][1] = (s / 3) % 3 - 1;
    dir[s][2] = ndim == 3 ? s / 9 - 1 : 0;
  }
}

static inline void node_ijk(const struct ns_grid *g, size_t node, int ijk[3]) {
  ijk[0] = (int)(node % (size_t)g->n[0]);
  ijk[1] = (int)((node / (size_t)g->n[0]) % (size_t)g->n[1]);
  ijk[2] = (int)(node / ((size_t)g->n[0] * (size_t)g->n[1]));
}

/* Weight of coarse index I in the interpolation to fine index f (|f - 2I| <= 1) along one
 * direction; w holds the left-parent weights of the odd fine indices. */
static inline double pw(const double *w, int step, int f, int I) {
  if (f == step * I) return 1.0;
  if (step == 1) return 0.0;
  return f > 2 * I ? w[f] : 1.0 - w[f];
}

/* Coarse parents of fine index f along one direction: count, indices and weights. */
static inline int parents(const double *w, int step, int f, int J[2], double wt[2]) {
  if (step == 1) {
    J[0] = f;
    wt[0] = 1.0;
    return 1;
  }
  if (!(f & 1)) {
    J[0] = f / 2;
    wt[0] = 1.0;
    return 1;
  }
  J[0] = (f - 1) / 2;
  wt[0] = w[f];
  J[1] = (f + 1) / 2;
  wt[1] = 1.0 - w[f];
  return 2;
}

/* Operator-dependent z weight (levels with wop) of coarse z index I in the interpolation to fine
 * z index f, component c of fine node fn; the geometric weight along z is then 1. */
static inline double zw(const double *wop, size_t fn, int nc, int c, int f, int I) {
  if (f == 2 * I) return 1.0;
  const double w = wop[fn * (size_t)nc + (size_t)c];
  return f > 2 * I ? w : 1.0 - w;
}

static void level_free(struct ns_mg_level *L) {
  ns_grid_free(L->gown);
  ns_smat_free(L->Aown);
  free(L->mask);
  for (int d = 0; d < 3; d++) {
    ns_vec_free(L->fac[d]);
    free(L->w[d]);
  }
  ns_vec_free(L->wop);
  ns_vec_free(L->x);
  ns_vec_free(L->b);
  ns_vec_free(L->r);
  for (int k = 0; k < 4; k++) ns_vec_free(L->kc[k]);
  for (int m = 0; m < 3; m++) ns_mg_planes_free(L->planes[m]);
  memset(L, 0, sizeof *L);
}

void ns_mg_free(struct ns_mg *mg) {
  if (!mg) return;
  for (int l = 0; l < mg->nlev; l++) level_free(&mg->lev[l]);
  if (mg->lu) gsl_matrix_free(mg->lu);
  if (mg->piv) gsl_vector_uint_free(mg->piv);
  if (mg->cb) gsl_vector_free(mg->cb);
  ns_vec_free(mg->kw);
  free(mg->hess);
  free(mg);
}

int ns_mg_levels(const struct ns_mg *mg) { return mg ? mg->nlev : 0; }

static enum ns_status level_alloc(struct ns_mg_level *L, int nc, int has_coarse, struct ns_err *err) {
  const struct ns_grid *g = L->g;
  const size_t ndof = g->nnodes * (size_t)nc;
  L->mask = calloc(ndof, 1);
  L->x = ns_vec_alloc(ndof);
  L->b = ns_vec_alloc(ndof);
  L->r = ns_vec_alloc(ndof);
  int ok = L->mask && L->x && L->b && L->r;
  for (int d = 0; d < g->ndim; d++) {
    L->fac[d] = ns_vec_alloc(g->nnodes * 2 * (size_t)(nc * nc));
    ok = ok && L->fac[d];
    if (has_coarse) {
      L->w[d] = calloc((size_t)g->n[d], sizeof(double));
      ok = ok && L->w[d];
      if (L->w[d] && L->step[d] == 2)
        for (int i = 1; i < g->n[d]; i += 2) {
          const double *x = g->x[d];
          L->w[d][i] = (x[i + 1] - x[i]) / (x[i + 1] - x[i - 1]);
        }
    }
  }
  if (!ok) return ns_err_set(err, NS_ENOMEM, "mg: out of memory for a level of %zu nodes", g->nnodes);
  return NS_OK;
}

static enum ns_status create_impl(const struct ns_grid *fine, int ncomp, size_t coarse_target,
                                  enum ns_mg_smoother smoother, int semi_levels, int opz, struct ns_mg **out,
                                  struct ns_err *err);

/* 1 when the coarsening below level L halves z only. */
static int zonly(const struct ns_mg_level *L) {
  const int zd = L->g->ndim - 1;
  if (L->step[zd] != 2) return 0;
  for (int d = 0; d < zd; d++)
    if (L->step[d] != 1) return 0;
  return 1;
}

enum ns_status ns_mg_create(const struct ns_grid *fine, int ncomp, struct ns_mg **out, struct ns_err *err) {
  const int is3d = fine->ndim == 3;
  enum ns_status s = create_impl(fine, ncomp, NS_MG_COARSE_TARGET, is3d ? NS_MG_SMOOTH_PLANES : NS_MG_SMOOTH_LINES,
                                 is3d ? NS_MG_SEMI_LEVELS_3D : NS_MG_SEMI_LEVELS_2D, 1, out, err);
  if (s == NS_OK) {
    (*out)->gamma = NS_MG_CYCLE_GAMMA;
    (*out)->coarse_mult = is3d ? NS_MG_COARSE_SWEEP_MULT : 1;
    /* 3D: the visits below the finest level are K-cycles (see mg_impl.h); their work vectors. */
    if (is3d) {
      struct ns_mg *mg = *out;
      mg->kcycle = 1;
      for (int l = 1; l < mg->nlev; l++)
        for (int k = 0; k < 4; k++) {
          mg->lev[l].kc[k] = ns_vec_alloc(mg->lev[l].g->nnodes * (size_t)ncomp);
          if (!mg->lev[l].kc[k]) {
            ns_mg_free(mg);
            *out = NULL;
            return ns_err_set(err, NS_ENOMEM, "mg: out of memory for the K-cycle vectors");
          }
        }
    }
  }
  return s;
}

/* Coarsening of one level: with zfirst, z only (the last direction) when its cell count is even
 * and >= 4; otherwise every direction, when every cell count is even and >= 2. Returns 0 when the
 * level cannot be coarsened. */
static int choose_steps(const struct ns_grid *g, int zfirst, int step[3]) {
  const int zd = g->ndim - 1;
  for (int d = 0; d < 3; d++) step[d] = 1;
  if (zfirst && (g->n[zd] - 1) % 2 == 0 && g->n[zd] - 1 >= 4) {
    step[zd] = 2;
    return 1;
  }
  for (int d = 0; d < g->ndim; d++) {
    const int cells = g->n[d] - 1;
    if (cells % 2 || cells < 2) return 0;
  }
  for (int d = 0; d < g->ndim; d++) step[d] = 2;
  return 1;
}

/* The next level's grid: every other index along the directions with step 2, all along the others. */
static enum ns_status coarsen_grid(const struct ns_grid *f, const int step[3], struct ns_grid **out,
                                   struct ns_err *err) {
  *out = NULL;
  int nc[3] = {1, 1, 1};
  double *xc[3] = {NULL, NULL, NULL};
  enum ns_status s = NS_OK;
  for (int d = 0; d < f->ndim; d++) {
    nc[d] = (f->n[d] - 1) / step[d] + 1;
    xc[d] = malloc((size_t)nc[d] * sizeof(double));
    if (!xc[d]) {
      s = ns_err_set(err, NS_ENOMEM, "mg: out of memory");
      goto done;
    }
    for (int i = 0; i < nc[d]; i++) xc[d][i] = f->x[d][step[d] * i];
  }
  s = ns_grid_create(f->geom, nc, (const double *const *)xc, out, err);
done:
  for (int d = 0; d < 3; d++) free(xc[d]);
  return s;
}

enum ns_status ns_mg_create_opts(const struct ns_grid *fine, int ncomp, size_t coarse_target,
                                 enum ns_mg_smoother smoother, struct ns_mg **out, struct ns_err *err) {
  return create_impl(fine, ncomp, coarse_target, smoother, 0, 0, out, err);
}

static enum ns_status create_impl(const struct ns_grid *fine, int ncomp, size_t coarse_target,
                                  enum ns_mg_smoother smoother, int semi_levels, int opz, struct ns_mg **out,
                                  struct ns_err *err) {
  *out = NULL;
  if (ncomp < 1 || ncomp > 3) return ns_err_set(err, NS_EINTERNAL, "mg: ncomp %d not in 1..3", ncomp);
  struct ns_mg *mg = calloc(1, sizeof *mg);
  if (!mg) return ns_err_set(err, NS_ENOMEM, "mg: out of memory");
  mg->ncomp = ncomp;
  mg->smoother = fine->ndim == 3 ? smoother : NS_MG_SMOOTH_LINES;
  mg->plane_dirs = 7;
  mg->gamma = 1;
  mg->coarse_mult = 1;
  mg->lev[0].g = fine;
  mg->nlev = 1;
  enum ns_status s = NS_OK;
  /* Coarsen while the grid allows it and the level is still larger than the direct-solve target. */
  while (mg->nlev < NS_MG_MAX_LEVELS) {
    struct ns_mg_level *F = &mg->lev[mg->nlev - 1];
    const struct ns_grid *g = F->g;
    if (g->nnodes * (size_t)ncomp <= coarse_target) break;
    if (!choose_steps(g, mg->nlev - 1 < semi_levels, F->step)) break;
    struct ns_mg_level *C = &mg->lev[mg->nlev];
    s = coarsen_grid(g, F->step, &C->gown, err);
    if (s != NS_OK) goto fail;
    C->g = C->gown;
    s = ns_smat_create(C->g, ncomp, &C->Aown, err);
    if (s != NS_OK) goto fail;
    C->A = C->Aown;
    mg->nlev++;
  }
  for (int l = 0; l < mg->nlev; l++) {
    s = level_alloc(&mg->lev[l], ncomp, l + 1 < mg->nlev, err);
    if (s != NS_OK) goto fail;
  }
  mg->opz = opz;
  for (int l = 0; opz && l + 1 < mg->nlev; l++)
    if (zonly(&mg->lev[l])) {
      mg->lev[l].wop = ns_vec_alloc(mg->lev[l].g->nnodes * (size_t)ncomp);
      if (!mg->lev[l].wop) {
        s = ns_err_set(err, NS_ENOMEM, "mg: out of memory for the interpolation weights");
        goto fail;
      }
    }
  {
    const struct ns_grid *gc = mg->lev[mg->nlev - 1].g;
    const size_t nd = gc->nnodes * (size_t)ncomp;
    mg->direct = nd <= NS_MG_DIRECT_MAX;
    if (mg->direct) {
      /* Bandwidth: the largest node-index offset of the 9/27-point stencil, in unknowns. */
      const size_t line = (size_t)gc->n[0], plane = line * (size_t)gc->n[1];
      const size_t off = gc->ndim == 3 ? plane + line + 1 : line + 1;
      mg->band = off * (size_t)ncomp + (size_t)ncomp - 1;
      if (mg->band > nd - 1) mg->band = nd - 1;
      mg->lu = gsl_matrix_alloc(nd, 3 * mg->band + 1);
      mg->piv = gsl_vector_uint_alloc(nd);
      mg->cb = gsl_vector_alloc(nd);
      if (!mg->lu || !mg->piv || !mg->cb) {
        s = ns_err_set(err, NS_ENOMEM, "mg: out of memory for the %zu-unknown coarse band matrix (bandwidth %zu)",
                       nd, mg->band);
        goto fail;
      }
    }
  }
  if (mg->smoother == NS_MG_SMOOTH_PLANES)
    for (int l = 0; l < mg->nlev; l++) {
      if (l == mg->nlev - 1 && mg->direct) break;
      for (int m = 0; m < 3; m++) {
        s = ns_mg_planes_create(mg->lev[l].g, ncomp, m, &mg->lev[l].planes[m], err);
        if (s != NS_OK) goto fail;
      }
    }
  *out = mg;
  return NS_OK;
fail:
  ns_mg_free(mg);
  return s;
}

/* Collapsed z couplings of dof (node, c): a_dn = -sum A_cc(., k-1), a_up = -sum A_cc(., k+1) over
 * the in-plane offsets (diagonal entries cc). */
static inline void zcouple(const double *a, size_t bs, int ndim, int ns, int nc, size_t node, int c, double *dn,
                           double *up) {
  *dn = *up = 0.0;
  for (int s = 0; s < ns; s++) {
    const int dz = ndim == 2 ? s / 3 - 1 : s / 9 - 1;
    const double v = a[node * bs + (size_t)(s * nc * nc + c * nc + c)];
    if (dz < 0) *dn -= v;
    else if (dz > 0) *up -= v;
  }
}

/* Stiffness ratio above / below dof (node, c) at z index k: (a_up dz_up) / (a_dn dz_dn), about
 * E_above / E_below; 0 when a coupling is not positive. */
static inline double zratio(const double *a, size_t bs, int ndim, int ns, int nc, size_t node, int c,
                            const double *z, int k) {
  double dn, up;
  zcouple(a, bs, ndim, ns, nc, node, c, &dn, &up);
  if (!(dn > 0.0 && up > 0.0)) return 0.0;
  return up * (z[k + 1] - z[k]) / (dn * (z[k] - z[k - 1]));
}

/* Operator-dependent z weights of a z-only coarsening (L->wop). A layer interface at an odd z
 * index k (a fine-only node) is where linear interpolation fails: the error is continuous but
 * kinked there, flat on the stiff side. Measured on the skin operator (bench_solver): the
 * dermis / hypodermis interface falls on odd index 49 of 256^2 cells, and the factor is 0.226
 * there against 0.12 / 0.11 on 64^2 / 128^2 (interfaces at even indices). There, for component
 * c, the lower parent's weight is a_dn / (a_dn + a_up) (collapsed couplings, see zcouple): the
 * 1D flux balance, so the node follows the stiff side (256^2: 0.226 -> 0.157). Everywhere else
 * the linear weight is kept. An interface counts when the stiffness ratio (zratio) leaves
 * [1/NS_MG_OPZ_JUMP, NS_MG_OPZ_JUMP]; it is kept linear when the layer on either side is thinner
 * than NS_MG_OPZ_MIN_CELLS fine cells (up to the next interface or the boundary): a thin stiff
 * layer (the 20 um stratum corneum, 7 cells on 64^2, interface at odd index 57) bends, and its
 * slow error varies linearly through the thickness instead of being flat (64^2 with the weights
 * there too: 0.124 -> 0.387; 512^2, 57 cells across it: 0.152 -> 0.153). Dirichlet dofs and
 * dofs next to one keep the linear weight. */
#define NS_MG_OPZ_JUMP 2.0 /* graded homogeneous columns give ratios within 1.1 */
#define NS_MG_OPZ_MIN_CELLS 16
static void opz_weights(struct ns_mg_level *L, int nc) {
  const struct ns_grid *g = L->g;
  const int ndim = g->ndim, zd = ndim - 1, ns = L->A->nstencil;
  const size_t nn = g->nnodes, bs = L->A->bs;
  const double *a = L->A->a, *wz = L->w[zd], *z = g->x[zd];
  const uint8_t *mask = L->mask;
  double *wop = L->wop;
  const size_t sz = (size_t)g->stride[zd];
  const int nz = g->n[zd];
  /* Setup kernel: one node per iteration. */
#pragma omp parallel for default(none) shared(a, wz, z, mask, wop) firstprivate(ndim, ns, nn, bs, sz, nz, nc) \
    schedule(static)
  for (size_t node = 0; node < nn; node++) {
    const int k = (int)((node / sz) % (size_t)nz);
    for (int c = 0; c < nc; c++) {
      const size_t i = node * (size_t)nc + (size_t)c;
      wop[i] = (k & 1) ? wz[k] : 0.0;
      if (!(k & 1) || mask[i] || mask[(node - sz) * (size_t)nc + (size_t)c] || mask[(node + sz) * (size_t)nc + (size_t)c])
        continue;
      const double q = zratio(a, bs, ndim, ns, nc, node, c, z, k);
      if (!(q > NS_MG_OPZ_JUMP || (q > 0.0 && q < 1.0 / NS_MG_OPZ_JUMP))) continue;
      /* Both layers at least NS_MG_OPZ_MIN_CELLS thick: no other interface, and no boundary,
       * within that many nodes up and down. */
      int thick = k >= NS_MG_OPZ_MIN_CELLS && k + NS_MG_OPZ_MIN_CELLS <= nz - 1;
      for (int j = 1; j < NS_MG_OPZ_MIN_CELLS && thick; j++)
        for (int sgn = -1; sgn <= 1 && thick; sgn += 2) {
          const int kj = k + sgn * j;
          const size_t nj = sgn > 0 ? node + (size_t)j * sz : node - (size_t)j * sz;
          const double qj = zratio(a, bs, ndim, ns, nc, nj, c, z, kj);
          thick = qj > 0.0 && qj <= NS_MG_OPZ_JUMP && qj >= 1.0 / NS_MG_OPZ_JUMP;
        }
      if (!thick) continue;
      double dn, up;
      zcouple(a, bs, ndim, ns, nc, node, c, &dn, &up);
      wop[i] = dn / (dn + up);
    }
  }
}

/* A dof is Dirichlet when its row is the unit row: diagonal 1, every other entry 0. */
static void detect_dirichlet(const struct ns_smat *A, uint8_t *mask) {
  const int nc = A->ncomp, ns = A->nstencil, centre = ns / 2;
  const size_t nn = A->grid->nnodes, bs = A->bs;
  const double *a = A->a;
#pragma omp parallel for default(none) shared(a, mask) firstprivate(nc, ns, centre, nn, bs) schedule(static)
  for (size_t node = 0; node < nn; node++) {
    for (int r = 0; r < nc; r++) {
      int unit = 1;
      for (int s = 0; s < ns && unit; s++)
        for (int c = 0; c < nc; c++) {
          double v = a[node * bs + (size_t)(s * nc * nc + r * nc + c)];
          double want = (s == centre && c == r) ? 1.0 : 0.0;
          if (v != want) {
            unit = 0;
            break;
          }
        }
      mask[node * (size_t)nc + (size_t)r] = (uint8_t)unit;
    }
  }
}

/* A_c = P^T A_f P for one coarse level (see the file comment for P). For each coarse node I and
 * each fine node f in its support (f = 2I + o, o in {-1,0,1}^ndim), each fine stencil entry
 * (f -> g) is spread onto the coarse parents J of g, which always lie in I's stencil. */
static void galerkin(const struct ns_mg_level *F, struct ns_mg_level *C, int nc) {
  const struct ns_grid *gf = F->g, *gc = C->g;
  const int ndim = gf->ndim, ns = ndim == 2 ? 9 : 27, nb = nc * nc;
  const size_t bs = (size_t)ns * (size_t)nb, nnc = gc->nnodes;
  int dir[27][3];
  stencil_dirs(ndim, dir);
  const double *af = F->A->a;
  double *ac = C->Aown->a;
  const uint8_t *mf = F->mask, *mc = C->mask;
  const double *w0 = F->w[0], *w1 = F->w[1], *w2 = ndim == 3 ? F->w[2] : NULL;
  const int st0 = F->step[0], st1 = F->step[1], st2 = F->step[2], zd = ndim - 1;
  const double *wop = F->wop;
  /* Setup kernel: one coarse row per iteration, accumulated in a fixed order. */
#pragma omp parallel for default(none) shared(af, ac, mf, mc, dir, gf, gc) \
    firstprivate(ndim, ns, nb, bs, nnc, nc, w0, w1, w2, st0, st1, st2, zd, wop) schedule(static)
  for (size_t I = 0; I < nnc; I++) {
    const double *wd[3] = {w0, w1, w2};
    const int st[3] = {st0, st1, st2};
    int Ic[3];
    node_ijk(gc, I, Ic);
    double *aI = ac + I * bs;
    for (size_t m = 0; m < bs; m++) aI[m] = 0.0;
    for (int so = 0; so < ns; so++) {
      int f[3];
      double wf = 1.0;
      int ok = 1;
      for (int q = 0; q < 3; q++) {
        f[q] = st[q] * Ic[q] + dir[so][q];
        if (q < ndim) {
          ok &= f[q] >= 0 && f[q] < gf->n[q] && (st[q] == 2 || dir[so][q] == 0);
          if (ok && !(wop && q == zd)) wf *= pw(wd[q], st[q], f[q], Ic[q]);
        } else {
          f[q] = 0;
        }
      }
      if (!ok || wf == 0.0) continue;
      const size_t fn = ns_grid_index(gf, f[0], f[1], f[2]);
      double pf[3];
      int any = 0;
      for (int r = 0; r < nc; r++) {
        const double wr = wop ? wf * zw(wop, fn, nc, r, f[zd], Ic[zd]) : wf;
        pf[r] = (mf[fn * (size_t)nc + (size_t)r] || mc[I * (size_t)nc + (size_t)r]) ? 0.0 : wr;
        any |= pf[r] != 0.0;
      }
      if (!any) continue;
      for (int s = 0; s < ns; s++) {
        int gi[3] = {0, 0, 0};
        int in = 1;
        for (int q = 0; q < ndim; q++) {
          gi[q] = f[q] + dir[s][q];
          in &= gi[q] >= 0 && gi[q] < gf->n[q];
        }
        if (!in) continue;
        const double *blk = af + fn * bs + (size_t)s * (size_t)nb;
        const size_t gn = ns_grid_index(gf, gi[0], gi[1], gi[2]);
        int Jq[3][2], npar[3] = {1, 1, 1};
        double Wq[3][2] = {{1.0, 0.0}, {1.0, 0.0}, {1.0, 0.0}};
        Jq[2][0] = 0;
        for (int q = 0; q < ndim; q++) npar[q] = parents(wd[q], st[q], gi[q], Jq[q], Wq[q]);
        if (wop) Wq[zd][0] = Wq[zd][1] = 1.0;
        for (int a2 = 0; a2 < npar[2]; a2++)
          for (int a1 = 0; a1 < npar[1]; a1++)
            for (int a0 = 0; a0 < npar[0]; a0++) {
              const double wJ = Wq[0][a0] * Wq[1][a1] * Wq[2][a2];
              if (wJ == 0.0) continue;
              const int dJ[3] = {Jq[0][a0] - Ic[0], Jq[1][a1] - Ic[1], ndim == 3 ? Jq[2][a2] - Ic[2] : 0};
              const size_t Jn = ns_grid_index(gc, Jq[0][a0], Jq[1][a1], ndim == 3 ? Jq[2][a2] : 0);
              double *out = aI + (size_t)ns_smat_stencil_index(ndim, dJ) * (size_t)nb;
              for (int c = 0; c < nc; c++) {
                if (mf[gn * (size_t)nc + (size_t)c] || mc[Jn * (size_t)nc + (size_t)c]) continue;
                const double wc = wop ? wJ * zw(wop, gn, nc, c, gi[zd], Jq[zd][zd == 1 ? a1 : a2]) : wJ;
                for (int r = 0; r < nc; r++) out[r * nc + c] += pf[r] * blk[r * nc + c] * wc;
              }
            }
      }
    }
  }
}

/* Coarse Dirichlet rows: a coarse dof on a fine Dirichlet dof, or one whose row came out zero
 * (its whole interpolation support is Dirichlet), becomes a unit row. */
static void coarse_dirichlet(struct ns_mg_level *C, int nc) {
  const int ns = C->A->nstencil, centre = ns / 2;
  const size_t bs = C->A->bs, nn = C->g->nnodes;
  double *a = C->Aown->a;
  uint8_t *mask = C->mask;
#pragma omp parallel for default(none) shared(a, mask) firstprivate(nc, ns, centre, bs, nn) schedule(static)
  for (size_t node = 0; node < nn; node++)
    for (int r = 0; r < nc; r++) {
      int zero = 1;
      for (int s = 0; s < ns && zero; s++)
        for (int c = 0; c < nc; c++) zero &= a[node * bs + (size_t)(s * nc * nc + r * nc + c)] == 0.0;
      if (zero) mask[node * (size_t)nc + (size_t)r] = 1;
      if (mask[node * (size_t)nc + (size_t)r]) a[node * bs + (size_t)(centre * nc * nc + r * nc + r)] = 1.0;
    }
}

/* x_f += P x_c (over fine nodes). */
static void prolong_add(const struct ns_mg_level *F, const struct ns_mg_level *C, int nc, const double *xc,
                        double *xf) {
  const struct ns_grid *gf = F->g, *gc = C->g;
  const int ndim = gf->ndim;
  const size_t nn = gf->nnodes;
  const uint8_t *mf = F->mask, *mc = C->mask;
  const double *w0 = F->w[0], *w1 = F->w[1], *w2 = ndim == 3 ? F->w[2] : NULL;
  const int st0 = F->step[0], st1 = F->step[1], st2 = F->step[2], zd = ndim - 1;
  const double *wop = F->wop;
  /* Interpolation: x_f(i) += sum over the 1..2^ndim coarse parents J of w(i,J) x_c(J). */
#pragma omp parallel for default(none) shared(gf, gc, mf, mc, xc, xf) \
    firstprivate(ndim, nn, nc, w0, w1, w2, st0, st1, st2, zd, wop) schedule(static)
  for (size_t node = 0; node < nn; node++) {
    const double *wd[3] = {w0, w1, w2};
    const int st[3] = {st0, st1, st2};
    int f[3];
    node_ijk(gf, node, f);
    int Jq[3][2] = {{0, 0}, {0, 0}, {0, 0}}, npar[3] = {1, 1, 1};
    double Wq[3][2] = {{1.0, 0.0}, {1.0, 0.0}, {1.0, 0.0}};
    for (int q = 0; q < ndim; q++) npar[q] = parents(wd[q], st[q], f[q], Jq[q], Wq[q]);
    if (wop) Wq[zd][0] = Wq[zd][1] = 1.0;
    double acc[3] = {0.0, 0.0, 0.0};
    for (int a2 = 0; a2 < npar[2]; a2++)
      for (int a1 = 0; a1 < npar[1]; a1++)
        for (int a0 = 0; a0 < npar[0]; a0++) {
          const double wJ = Wq[0][a0] * Wq[1][a1] * Wq[2][a2];
          const size_t Jn = ns_grid_index(gc, Jq[0][a0], Jq[1][a1], Jq[2][a2]);
          for (int c = 0; c < nc; c++) {
            const double wc = wop ? wJ * zw(wop, node, nc, c, f[zd], Jq[zd][zd == 1 ? a1 : a2]) : wJ;
            if (!mc[Jn * (size_t)nc + (size_t)c]) acc[c] += wc * xc[Jn * (size_t)nc + (size_t)c];
          }
        }
    for (int c = 0; c < nc; c++)
      if (!mf[node * (size_t)nc + (size_t)c]) xf[node * (size_t)nc + (size_t)c] += acc[c];
  }
}

/* b_c = P^T r_f (over coarse nodes). */
static void restrict_res(const struct ns_mg_level *F, const struct ns_mg_level *C, int nc, const double *rf,
                         double *bc) {
  const struct ns_grid *gf = F->g, *gc = C->g;
  const int ndim = gf->ndim, ns = ndim == 2 ? 9 : 27;
  const size_t nnc = gc->nnodes;
  const uint8_t *mf = F->mask, *mc = C->mask;
  const double *w0 = F->w[0], *w1 = F->w[1], *w2 = ndim == 3 ? F->w[2] : NULL;
  const int st0 = F->step[0], st1 = F->step[1], st2 = F->step[2], zd = ndim - 1;
  const double *wop = F->wop;
  int dir[27][3];
  stencil_dirs(ndim, dir);
  /* Restriction: b_c(J) = sum over the 3^ndim fine nodes i around 2J of w(i,J) r_f(i). */
#pragma omp parallel for default(none) shared(gf, gc, mf, mc, rf, bc, dir) \
    firstprivate(ndim, ns, nnc, nc, w0, w1, w2, st0, st1, st2, zd, wop) schedule(static)
  for (size_t J = 0; J < nnc; J++) {
    const double *wd[3] = {w0, w1, w2};
    const int st[3] = {st0, st1, st2};
    int Jc[3];
    node_ijk(gc, J, Jc);
    double acc[3] = {0.0, 0.0, 0.0};
    for (int so = 0; so < ns; so++) {
      int f[3] = {0, 0, 0};
      double wf = 1.0;
      int ok = 1;
      for (int q = 0; q < ndim; q++) {
        f[q] = st[q] * Jc[q] + dir[so][q];
        ok &= f[q] >= 0 && f[q] < gf->n[q] && (st[q] == 2 || dir[so][q] == 0);
        if (ok && !(wop && q == zd)) wf *= pw(wd[q], st[q], f[q], Jc[q]);
      }
      if (!ok) continue;
      const size_t fn = ns_grid_index(gf, f[0], f[1], f[2]);
      for (int c = 0; c < nc; c++) {
        const double wc = wop ? wf * zw(wop, fn, nc, c, f[zd], Jc[zd]) : wf;
        if (!mf[fn * (size_t)nc + (size_t)c]) acc[c] += wc * rf[fn * (size_t)nc + (size_t)c];
      }
    }
    for (int c = 0; c < nc; c++)
      bc[J * (size_t)nc + (size_t)c] = mc[J * (size_t)nc + (size_t)c] ? 0.0 : acc[c];
  }
}

/* Coarse-level Dirichlet mask from the fine one: the coarse node 2I coincides with a fine node. */
static void coarse_mask(const struct ns_mg_level *F, struct ns_mg_level *C, int nc) {
  const struct ns_grid *gf = F->g, *gc = C->g;
  for (size_t I = 0; I < gc->nnodes; I++) {
    int ic[3];
    node_ijk(gc, I, ic);
    size_t fn = ns_grid_index(gf, F->step[0] * ic[0], F->step[1] * ic[1], gf->ndim == 3 ? F->step[2] * ic[2] : 0);
    for (int c = 0; c < nc; c++) C->mask[I * (size_t)nc + (size_t)c] = F->mask[fn * (size_t)nc + (size_t)c];
  }
}

static enum ns_status coarse_factor(struct ns_mg *mg, struct ns_err *err) {
  const struct ns_mg_level *L = &mg->lev[mg->nlev - 1];
  const struct ns_grid *g = L->g;
  const int nc = mg->ncomp, ndim = g->ndim, ns = ndim == 2 ? 9 : 27;
  int dir[27][3];
  stencil_dirs(ndim, dir);
  gsl_matrix_set_zero(mg->lu);
  for (size_t node = 0; node < g->nnodes; node++) {
    int ijk[3];
    node_ijk(g, node, ijk);
    for (int s = 0; s < ns; s++) {
      int nb[3] = {0, 0, 0}, in = 1;
      for (int q = 0; q < ndim; q++) {
        nb[q] = ijk[q] + dir[s][q];
        in &= nb[q] >= 0 && nb[q] < g->n[q];
      }
      if (!in) continue;
      size_t col = ns_grid_index(g, nb[0], nb[1], nb[2]);
      /* Band layout (GSL, after LAPACK dgbtrf): A(i, j) at row j, column 2 band + i - j. */
      for (int r = 0; r < nc; r++)
        for (int c = 0; c < nc; c++) {
          const size_t i = node * (size_t)nc + (size_t)r, j = col * (size_t)nc + (size_t)c;
          gsl_matrix_set(mg->lu, j, 2 * mg->band + i - j, L->A->a[node * L->A->bs + (size_t)(s * nc * nc + r * nc + c)]);
        }
    }
  }
  /* LU_band_decomp reports errors only for inconsistent sizes; singularity shows as a zero pivot
   * (U's diagonal: column 2 band). */
  int gs = gsl_linalg_LU_band_decomp(mg->lu->size1, mg->band, mg->band, mg->lu, mg->piv);
  if (gs != GSL_SUCCESS)
    return ns_err_set(err, NS_ECONV, "mg: LU of the coarsest operator failed (%s)", gsl_strerror(gs));
  for (size_t i = 0; i < mg->lu->size1; i++)
    if (gsl_matrix_get(mg->lu, i, 2 * mg->band) == 0.0)
      return ns_err_set(err, NS_ECONV, "mg: the coarsest operator is singular (zero pivot at dof %zu)", i);
  return NS_OK;
}

enum ns_status ns_mg_setup(struct ns_mg *mg, const struct ns_smat *A, struct ns_err *err) {
  mg->ready = 0;
  const struct ns_grid *g = mg->lev[0].g;
  if (A->ncomp != mg->ncomp || A->grid->ndim != g->ndim || A->grid->n[0] != g->n[0] || A->grid->n[1] != g->n[1] ||
      A->grid->n[2] != g->n[2])
    return ns_err_set(err, NS_EINTERNAL, "mg: operator (ncomp %d, %d x %d x %d nodes) does not match the hierarchy",
                      A->ncomp, A->grid->n[0], A->grid->n[1], A->grid->n[2]);
  mg->lev[0].A = A;
  detect_dirichlet(A, mg->lev[0].mask);
  for (int l = 0; l + 1 < mg->nlev; l++) {
    if (mg->lev[l].wop) opz_weights(&mg->lev[l], mg->ncomp);
    coarse_mask(&mg->lev[l], &mg->lev[l + 1], mg->ncomp);
    galerkin(&mg->lev[l], &mg->lev[l + 1], mg->ncomp);
    coarse_dirichlet(&mg->lev[l + 1], mg->ncomp);
  }
  for (int l = 0; l < mg->nlev; l++) {
    if (l == mg->nlev - 1 && mg->direct) break;
    if (mg->smoother == NS_MG_SMOOTH_PLANES) {
      for (int m = 0; m < 3; m++)
        if (mg->plane_dirs & (1 << m)) {
          enum ns_status s = ns_mg_planes_setup(mg->lev[l].planes[m], mg->lev[l].A, err);
          if (s != NS_OK) return ns_err_prefix(err, "level %d: ", l);
        }
      continue;
    }
    for (int d = 0; d < g->ndim; d++) {
      enum ns_status s = ns_mg_lines_factor(&mg->lev[l], mg->ncomp, d, err);
      if (s != NS_OK) return ns_err_prefix(err, "level %d: ", l);
    }
  }
  if (mg->direct) NS_TRY(coarse_factor(mg, err));
  mg->ready = 1;
  return NS_OK;
}

/* One smoothing step: lines along z first (forward), or planes normal to z, y, x; the post step
 * runs the exact reverse order (directions and colours), so that pre- and post-smoothing are
 * adjoint and the V-cycle is symmetric. */
static void smooth(const struct ns_mg *mg, const struct ns_mg_level *L, int nc, int post, const double *b,
                   double *x) {
  const int ndim = L->g->ndim;
  if (mg->smoother == NS_MG_SMOOTH_PLANES) {
    for (int q = 0; q < 3; q++) {
      const int m = post ? q : 2 - q;
      if (mg->plane_dirs & (1 << m)) ns_mg_planes_sweep(L->planes[m], L->A, post, b, x);
    }
    return;
  }
  for (int q = 0; q < ndim; q++) {
    const int d = post ? q : ndim - 1 - q;
    ns_mg_lines_sweep(L, nc, d, post, b, x);
  }
}

static void coarse_solve(struct ns_mg *mg, const double *b, double *x) {
  struct ns_mg_level *L = &mg->lev[mg->nlev - 1];
  const int nc = mg->ncomp;
  const size_t nd = L->g->nnodes * (size_t)nc;
  if (mg->direct) {
    ns_smat_residual(L->A, b, x, L->r);
    for (size_t i = 0; i < nd; i++) gsl_vector_set(mg->cb, i, L->r[i]);
    gsl_linalg_LU_band_svx(mg->band, mg->band, mg->lu, mg->piv, mg->cb);
    for (size_t i = 0; i < nd; i++) x[i] += gsl_vector_get(mg->cb, i);
    return;
  }
  for (int it = 0; it < NS_MG_COARSE_SWEEPS; it++) {
    smooth(mg, L, nc, 0, b, x);
    smooth(mg, L, nc, 1, b, x);
  }
}

static void vcycle_level(struct ns_mg *mg, int l, const double *b, double *x, int pre, int post);

/* K-cycle visit of level l: two flexible-CG steps on A_l x = b_l from x = 0, each preconditioned
 * by one cycle of level l (Notay & Vassilevski 2008). */
static void kcycle(struct ns_mg *mg, int l, int pre, int post) {
  struct ns_mg_level *L = &mg->lev[l];
  const size_t n = L->g->nnodes * (size_t)mg->ncomp;
  double *c1 = L->kc[0], *v1 = L->kc[1], *c2 = L->kc[2], *v2 = L->kc[3];
  ns_vec_set(n, c1, 0.0);
  vcycle_level(mg, l, L->b, c1, pre, post);
  ns_smat_apply(L->A, c1, v1);
  const double rho1 = ns_vec_dot(n, c1, v1), a1 = ns_vec_dot(n, c1, L->b);
  if (!(rho1 > 0.0)) {
    ns_vec_copy(n, L->x, c1);
    return;
  }
  /* rt = b - (a1/rho1) v1, kept in v2 until c2 is computed. */
  double *rt = v2;
  for (size_t i = 0; i < n; i++) rt[i] = L->b[i] - (a1 / rho1) * v1[i];
  ns_vec_set(n, c2, 0.0);
  vcycle_level(mg, l, rt, c2, pre, post);
  const double a2 = ns_vec_dot(n, c2, rt), gam = ns_vec_dot(n, c2, v1);
  ns_smat_apply(L->A, c2, v2);
  const double beta = ns_vec_dot(n, c2, v2), rho2 = beta - gam * gam / rho1;
  if (!(rho2 > 0.0)) {
    for (size_t i = 0; i < n; i++) L->x[i] = (a1 / rho1) * c1[i];
    return;
  }
  const double s1 = a1 / rho1 - gam * a2 / (rho1 * rho2), s2 = a2 / rho2;
  for (size_t i = 0; i < n; i++) L->x[i] = s1 * c1[i] + s2 * c2[i];
}

static void vcycle_level(struct ns_mg *mg, int l, const double *b, double *x, int pre, int post) {
  struct ns_mg_level *L = &mg->lev[l];
  const int nc = mg->ncomp;
  if (l == mg->nlev - 1) {
    coarse_solve(mg, b, x);
    return;
  }
  struct ns_mg_level *C = &mg->lev[l + 1];
  /* Coarse levels smooth more; a level whose child is not the (exactly solved) coarsest one
   * visits it gamma times, each visit continuing from the previous child iterate. */
  const int mult = l > 0 ? mg->coarse_mult : 1;
  const int gam = l + 2 < mg->nlev ? mg->gamma : 1;
  for (int s = 0; s < pre * mult; s++) smooth(mg, L, nc, 0, b, x);
  ns_smat_residual(L->A, b, x, L->r);
  restrict_res(L, C, nc, L->r, C->b);
  ns_vec_set(C->g->nnodes * (size_t)nc, C->x, 0.0);
  if (gam > 1 && mg->kcycle) kcycle(mg, l + 1, pre, post);
  else
    for (int it = 0; it < gam; it++) vcycle_level(mg, l + 1, C->b, C->x, pre, post);
  prolong_add(L, C, nc, C->x, x);
  for (int s = 0; s < post * mult; s++) smooth(mg, L, nc, 1, b, x);
}

void ns_mg_apply_prec(struct ns_mg *mg, const double *r, double *z, int pre, int post) {
  ns_vec_set(mg->lev[0].g->nnodes * (size_t)mg->ncomp, z, 0.0);
  vcycle_level(mg, 0, r, z, pre, post);
}

void ns_mg_vcycle_sweeps(struct ns_mg *mg, const double *b, double *x, int pre, int post) {
  vcycle_level(mg, 0, b, x, pre, post);
}

enum ns_status ns_mg_vcycle(struct ns_mg *mg, const double *b, double *x, struct ns_err *err) {
  if (!mg->ready) return ns_err_set(err, NS_EINTERNAL, "mg: ns_mg_vcycle before a successful ns_mg_setup");
  struct ns_linsolve_opts o = ns_linsolve_defaults();
  vcycle_level(mg, 0, b, x, o.pre_smooth, o.post_smooth);
  return NS_OK;
}
