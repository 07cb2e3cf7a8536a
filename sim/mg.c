/* mg.c — geometric multigrid hierarchy, Galerkin coarse operators, transfers and the V-cycle.
 *
 *   ns_mg_create   grid hierarchy (every-other-node coarsening) and level storage
 *   ns_mg_setup    Dirichlet detection, (3D) layer-interface detection and, when they moved, a
 *                  rebuilt hierarchy, Galerkin operators P^T A P, line factorisations, coarse LU
 *   ns_mg_vcycle   one cycle x <- x + V(b - A x) (W-cycle below the finest level, see mg_impl.h)
 *   ns_mg_solve_direct  banded LU solve of the finest operator (the fallback of a failed Krylov
 *                  solve on small 2D systems)
 *   ns_mg_levels   number of levels
 *   ns_mg_threads  thread policy by node count (ns_mg_serial_begin / _end: its one-thread scope)
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
 * (opz_weights; the level's wop array). 3D top-level hierarchies coarsen z by an index selection
 * instead (zkeep_select: the layer interfaces detected at setup stay coarse nodes, coarse cells
 * span one or two fine cells); every direction's selection is described by the maps cf / lo of
 * struct ns_mg_level, and linear interpolation uses the selected nodes' coordinates. Dirichlet dofs: P has zero rows for fine Dirichlet dofs and zero
 * columns for coarse dofs that sit on a fine Dirichlet dof, so coarse corrections never change a
 * Dirichlet dof, and the coarse Dirichlet rows of P^T A P are zero and get a unit diagonal.
 * Restriction is P^T, so the V-cycle (symmetric smoother, exact coarse solve) is symmetric
 * positive definite for an SPD operator and a valid CG preconditioner.
 *
 * Parallelism: every kernel loops over the rows it writes (fine nodes for P, coarse nodes for
 * P^T and for the Galerkin product), each row written by one thread in a fixed order, so the
 * results are bitwise identical for any thread count. Levels below NS_MG_PARALLEL_MIN_NODES nodes
 * (ns_mg_threads) run on one thread: a cycle enters a serial scope at the first such level, the
 * solve and the setup when the finest grid is that small.
 */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "mg_impl.h"
#include "needlesim/vec.h"

static size_t stencil_band(const struct ns_grid *g, int nc);

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

/* Index maps of one direction (see struct ns_mg_level): cf[I] is the fine index of coarse index
 * I, lo[f] the coarse index of the last coarse node at or below fine index f; f is a fine-only
 * index when cf[lo[f]] != f, and its parents are lo[f] and lo[f] + 1. */
static inline int fine_only(const int *cf, const int *lo, int f) { return cf[lo[f]] != f; }

/* Weight of coarse index I in the interpolation to fine index f (f within one index of cf[I])
 * along one direction; w holds the lower-parent weights of the fine-only indices. */
static inline double pw(const double *w, const int *cf, const int *lo, int f, int I) {
  const int J = lo[f];
  if (cf[J] == f) return I == J ? 1.0 : 0.0;
  return I == J ? w[f] : (I == J + 1 ? 1.0 - w[f] : 0.0);
}

/* Coarse parents of fine index f along one direction: count, indices and weights. */
static inline int parents(const double *w, const int *cf, const int *lo, int f, int J[2], double wt[2]) {
  J[0] = lo[f];
  if (cf[J[0]] == f) {
    wt[0] = 1.0;
    return 1;
  }
  wt[0] = w[f];
  J[1] = J[0] + 1;
  wt[1] = 1.0 - w[f];
  return 2;
}

/* Operator-dependent z weight (levels with wop) of coarse z index I in the interpolation to fine
 * z index f, component c of fine node fn; the geometric weight along z is then 1. */
static inline double zw(const double *wop, const int *cf, size_t fn, int nc, int c, int f, int I) {
  if (f == cf[I]) return 1.0;
  const double w = wop[fn * (size_t)nc + (size_t)c];
  return f > cf[I] ? w : 1.0 - w;
}

static void level_free(struct ns_mg_level *L) {
  ns_grid_free(L->gown);
  ns_smat_free(L->Aown);
  free(L->mask);
  for (int d = 0; d < 3; d++) {
    ns_vec_free(L->fac[d]);
    free(L->w[d]);
    free(L->cf[d]);
    free(L->lo[d]);
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
  ns_mg_band_free(mg);
  ns_vec_free(mg->kw);
  free(mg->hess);
  free(mg->zkeep);
  free(mg);
}

int ns_mg_levels(const struct ns_mg *mg) { return mg ? mg->nlev : 0; }

/* Grids with fewer nodes run on one thread. Measured for the line sweep (the kernel with the most
 * parallel regions per node, one per direction and sweep): a sweep of 4096 nodes takes ~0.06 ms
 * (axisymmetric, ncomp 2, in cache), the order of the fork/join cost of a parallel region on a
 * loaded machine. */
#ifndef NS_MG_PARALLEL_MIN_NODES
#define NS_MG_PARALLEL_MIN_NODES 4096
#endif

int ns_mg_threads(size_t nnodes) { return nnodes < NS_MG_PARALLEL_MIN_NODES ? 1 : omp_get_max_threads(); }

int ns_mg_serial_begin(size_t nnodes) {
  const int t = omp_get_max_threads();
  if (t <= 1 || ns_mg_threads(nnodes) > 1) return 0;
  omp_set_num_threads(1);
  return t;
}

void ns_mg_serial_end(int saved) {
  if (saved > 0) omp_set_num_threads(saved);
}

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
      if (L->w[d])
        for (int i = 0; i < g->n[d]; i++) {
          if (!fine_only(L->cf[d], L->lo[d], i)) continue;
          const double *x = g->x[d];
          const int a = L->cf[d][L->lo[d][i]], b = L->cf[d][L->lo[d][i] + 1];
          L->w[d][i] = (x[b] - x[i]) / (x[b] - x[a]);
        }
    }
  }
  if (!ok) return ns_err_set(err, NS_ENOMEM, "mg: out of memory for a level of %zu nodes", g->nnodes);
  return NS_OK;
}

/* Options of a hierarchy: smoother, z-only first coarsenings, operator-dependent z weights, and
 * interface-keeping z coarsening (kz; keep lists the fine z indices of level 0 that every level
 * keeps as coarse nodes, nkeep of them). */
struct create_opts {
  size_t coarse_target;
  enum ns_mg_smoother smoother;
  int semi_levels, opz, kz, nkeep;
  const int *keep;
};

static enum ns_status create_impl(const struct ns_grid *fine, int ncomp, const struct create_opts *o,
                                  struct ns_mg **out, struct ns_err *err);

/* 1 when the coarsening below level L halves z only. */
static int zonly(const struct ns_mg_level *L) {
  const int zd = L->g->ndim - 1;
  if (L->step[zd] != 2) return 0;
  for (int d = 0; d < zd; d++)
    if (L->step[d] != 1) return 0;
  return 1;
}

/* Top-level hierarchy (ns_mg_create) keeping the given z indices as coarse nodes (3D). */
static enum ns_status create_top(const struct ns_grid *fine, int ncomp, const int *keep, int nkeep,
                                 struct ns_mg **out, struct ns_err *err) {
  const int is3d = fine->ndim == 3;
  const struct create_opts o = {NS_MG_COARSE_TARGET, is3d ? NS_MG_SMOOTH_PLANES : NS_MG_SMOOTH_LINES,
                                is3d ? NS_MG_SEMI_LEVELS_3D : NS_MG_SEMI_LEVELS_2D, 1, is3d, nkeep, keep};
  enum ns_status s = create_impl(fine, ncomp, &o, out, err);
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

/* The 3D hierarchy of ns_mg_create until its first setup: the finest level with its Dirichlet
 * mask (which the setup's interface detection fills) and nothing below it. Its interface count
 * of -1 matches no detected list, so the first ns_mg_setup builds the hierarchy once, around the
 * operator's interfaces, instead of replacing one built without them. Measured (3D skin blocks,
 * 1 thread, best of 5, load 2.4-2.8): the discarded build cost 4-6 ms of 54-89 ms (create and
 * first setup) at 16^3 cells, 23-24 of 377-432 ms at 32^3, 59-67 of 1822-2049 ms at 48^3. */
static enum ns_status create_shell(const struct ns_grid *fine, int ncomp, struct ns_mg **out, struct ns_err *err) {
  *out = NULL;
  if (ncomp < 1 || ncomp > 3) return ns_err_set(err, NS_EINTERNAL, "mg: ncomp %d not in 1..3", ncomp);
  struct ns_mg *mg = calloc(1, sizeof *mg);
  if (!mg) return ns_err_set(err, NS_ENOMEM, "mg: out of memory");
  mg->ncomp = ncomp;
  mg->nlev = 1;
  mg->kz = 1;
  mg->nzkeep = -1;
  mg->lev[0].g = fine;
  mg->lev[0].mask = calloc(fine->nnodes * (size_t)ncomp, 1);
  if (!mg->lev[0].mask) {
    ns_mg_free(mg);
    return ns_err_set(err, NS_ENOMEM, "mg: out of memory for a level of %zu nodes", fine->nnodes);
  }
  *out = mg;
  return NS_OK;
}

enum ns_status ns_mg_create(const struct ns_grid *fine, int ncomp, struct ns_mg **out, struct ns_err *err) {
  if (fine->ndim == 3) return create_shell(fine, ncomp, out, err);
  return create_top(fine, ncomp, NULL, 0, out, err);
}

/* Interface-keeping coarse z indices of an n-node direction whose indices with kept[i] set must
 * stay coarse: from 0 upwards, the next coarse index is the next one when it is kept, else the
 * one after it (the last index at most), so that no coarse cell spans more than two fine cells
 * and no kept index is fine-only. When that leaves an odd number of coarse cells, the topmost
 * two-cell gap is split (its middle index is kept too): the xz and yz planes of the coarse level
 * then have even cell counts, which their 2D plane hierarchies need to coarsen (an odd count
 * left them uncoarsened, with a banded LU of up to 4000 unknowns per plane). Returns the count;
 * fills cf when not NULL. Without kept indices and with n - 1 even this is every other index. */
static int zkeep_select(int n, const uint8_t *kept, int *cf) {
  int cnt = 1, cur = 0, split = -1;
  if (cf) cf[0] = 0;
  while (cur < n - 1) {
    const int next = kept[cur + 1] ? cur + 1 : (cur + 2 < n - 1 ? cur + 2 : n - 1);
    if (next == cur + 2) split = cur + 1;
    cur = next;
    if (cf) cf[cnt] = cur;
    cnt++;
  }
  if ((cnt - 1) % 2 && split > 0) {
    if (cf) {
      int j = cnt;
      for (; cf[j - 1] > split; j--) cf[j] = cf[j - 1];
      cf[j] = split;
    }
    cnt++;
  }
  return cnt;
}

/* Coarsening of one level: with zfirst, z only (the last direction) when its cell count is even
 * and >= 4; otherwise every direction, when every cell count is even and >= 2. With kz (kept: the
 * interface-keeping flags of the z indices), z coarsens by zkeep_select whenever that removes
 * nodes and the level has at least 4 (zfirst) or 2 z cells, and a full coarsening needs even cell
 * counts along x and y only (z then coarsens if it can). Returns 0 when the level cannot be
 * coarsened. */
static int choose_steps(const struct ns_grid *g, int zfirst, int kz, const uint8_t *kept, int step[3]) {
  const int zd = g->ndim - 1, nz = g->n[zd];
  for (int d = 0; d < 3; d++) step[d] = 1;
  const int zcan = kz ? nz - 1 >= (zfirst ? 4 : 2) && zkeep_select(nz, kept, NULL) < nz
                      : (nz - 1) % 2 == 0 && nz - 1 >= (zfirst ? 4 : 2);
  if (zfirst && zcan) {
    step[zd] = 2;
    return 1;
  }
  for (int d = 0; d < (kz ? zd : g->ndim); d++) {
    const int cells = g->n[d] - 1;
    if (cells % 2 || cells < 2) return 0;
  }
  for (int d = 0; d < zd; d++) step[d] = 2;
  step[zd] = (!kz || zcan) ? 2 : 1;
  return 1;
}

/* Index maps cf, lo of level F from its steps (kz: z by zkeep_select with the flags kept); nco
 * receives the next level's node counts. */
static enum ns_status level_maps(struct ns_mg_level *F, int kz, const uint8_t *kept, int nco[3], struct ns_err *err) {
  const struct ns_grid *g = F->g;
  const int zd = g->ndim - 1;
  for (int d = 0; d < 3; d++) nco[d] = 1;
  for (int d = 0; d < g->ndim; d++) {
    const int n = g->n[d];
    F->cf[d] = malloc((size_t)n * sizeof(int));
    F->lo[d] = malloc((size_t)n * sizeof(int));
    if (!F->cf[d] || !F->lo[d]) return ns_err_set(err, NS_ENOMEM, "mg: out of memory for the index maps");
    if (F->step[d] == 1) {
      nco[d] = n;
      for (int i = 0; i < n; i++) F->cf[d][i] = i;
    } else if (kz && d == zd) {
      nco[d] = zkeep_select(n, kept, F->cf[d]);
    } else {
      nco[d] = (n - 1) / 2 + 1;
      for (int i = 0; i < nco[d]; i++) F->cf[d][i] = 2 * i;
    }
    for (int I = 0, i = 0; i < n; i++) {
      if (I + 1 < nco[d] && F->cf[d][I + 1] <= i) I++;
      F->lo[d][i] = I;
    }
  }
  return NS_OK;
}

/* The next level's grid: the nodes cf of level F along every direction. */
static enum ns_status coarsen_grid(const struct ns_mg_level *F, const int nco[3], struct ns_grid **out,
                                   struct ns_err *err) {
  const struct ns_grid *f = F->g;
  *out = NULL;
  double *xc[3] = {NULL, NULL, NULL};
  enum ns_status s = NS_OK;
  for (int d = 0; d < f->ndim; d++) {
    xc[d] = malloc((size_t)nco[d] * sizeof(double));
    if (!xc[d]) {
      s = ns_err_set(err, NS_ENOMEM, "mg: out of memory");
      goto done;
    }
    for (int i = 0; i < nco[d]; i++) xc[d][i] = f->x[d][F->cf[d][i]];
  }
  s = ns_grid_create(f->geom, nco, (const double *const *)xc, out, err);
done:
  for (int d = 0; d < 3; d++) free(xc[d]);
  return s;
}

enum ns_status ns_mg_create_opts(const struct ns_grid *fine, int ncomp, size_t coarse_target,
                                 enum ns_mg_smoother smoother, struct ns_mg **out, struct ns_err *err) {
  const struct create_opts o = {coarse_target, smoother, 0, 0, 0, 0, NULL};
  return create_impl(fine, ncomp, &o, out, err);
}

static enum ns_status create_impl(const struct ns_grid *fine, int ncomp, const struct create_opts *o,
                                  struct ns_mg **out, struct ns_err *err) {
  *out = NULL;
  if (ncomp < 1 || ncomp > 3) return ns_err_set(err, NS_EINTERNAL, "mg: ncomp %d not in 1..3", ncomp);
  struct ns_mg *mg = calloc(1, sizeof *mg);
  if (!mg) return ns_err_set(err, NS_ENOMEM, "mg: out of memory");
  mg->ncomp = ncomp;
  mg->smoother = fine->ndim == 3 ? o->smoother : NS_MG_SMOOTH_LINES;
  mg->plane_dirs = 7;
  mg->gamma = 1;
  mg->coarse_mult = 1;
  mg->lev[0].g = fine;
  mg->nlev = 1;
  enum ns_status s = NS_OK;
  const int zd = fine->ndim - 1;
  /* Interface-keeping flags of the current level's z indices (kz), carried down the levels. */
  uint8_t *kept = NULL;
  mg->kz = o->kz;
  if (o->kz) {
    kept = calloc((size_t)fine->n[zd], 1);
    mg->zkeep = malloc(((size_t)o->nkeep + 1) * sizeof(int));
    if (!kept || !mg->zkeep) {
      s = ns_err_set(err, NS_ENOMEM, "mg: out of memory");
      goto fail;
    }
    mg->nzkeep = o->nkeep;
    for (int i = 0; i < o->nkeep; i++) {
      mg->zkeep[i] = o->keep[i];
      if (o->keep[i] > 0 && o->keep[i] < fine->n[zd] - 1) kept[o->keep[i]] = 1;
    }
  }
  /* Coarsen while the grid allows it and the level is still larger than the direct-solve target. */
  while (mg->nlev < NS_MG_MAX_LEVELS) {
    struct ns_mg_level *F = &mg->lev[mg->nlev - 1];
    const struct ns_grid *g = F->g;
    if (g->nnodes * (size_t)ncomp <= o->coarse_target) break;
    if (!choose_steps(g, mg->nlev - 1 < o->semi_levels, o->kz, kept, F->step)) break;
    struct ns_mg_level *C = &mg->lev[mg->nlev];
    int nco[3];
    s = level_maps(F, o->kz, kept, nco, err);
    if (s != NS_OK) goto fail;
    s = coarsen_grid(F, nco, &C->gown, err);
    if (s != NS_OK) goto fail;
    if (kept) {
      /* The kept indices are coarse nodes: carry their flags to the coarse indices. */
      for (int i = 0; i < nco[zd]; i++) kept[i] = kept[F->cf[zd][i]];
    }
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
  free(kept);
  kept = NULL;
  mg->opz = o->opz;
  for (int l = 0; o->opz && l + 1 < mg->nlev; l++)
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
      mg->band = stencil_band(gc, ncomp);
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
  free(kept);
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
  const int *zcf = L->cf[zd], *zlo = L->lo[zd];
  const uint8_t *mask = L->mask;
  double *wop = L->wop;
  const size_t sz = (size_t)g->stride[zd];
  const int nz = g->n[zd];
  /* Setup kernel: one node per iteration. */
#pragma omp parallel for default(none) shared(a, wz, z, mask, wop) firstprivate(zcf, zlo, ndim, ns, nn, bs, sz, nz, nc) \
    schedule(static)
  for (size_t node = 0; node < nn; node++) {
    const int k = (int)((node / sz) % (size_t)nz);
    for (int c = 0; c < nc; c++) {
      const size_t i = node * (size_t)nc + (size_t)c;
      const int fo = fine_only(zcf, zlo, k);
      wop[i] = fo ? wz[k] : 0.0;
      if (!fo || mask[i] || mask[(node - sz) * (size_t)nc + (size_t)c] || mask[(node + sz) * (size_t)nc + (size_t)c])
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

/* Layer interfaces of a top-level 3D operator (interface-keeping z coarsening): the interior z
 * indices k where, on more than half of the plane's nodes whose z component (the only one for a
 * scalar operator) has positive z couplings, the stiffness ratio above / below (zratio) leaves
 * [1/NS_MG_OPZ_JUMP, NS_MG_OPZ_JUMP]. Dirichlet dofs do not count. Writes them in ascending order
 * to list (n[z] entries) and returns their number. */
static int detect_interfaces(const struct ns_smat *A, const uint8_t *mask, int *list) {
  const struct ns_grid *g = A->grid;
  const int ndim = g->ndim, zd = ndim - 1, ns = A->nstencil, nc = A->ncomp, c = nc - 1, nz = g->n[zd];
  const size_t bs = A->bs, np = (size_t)g->stride[zd];
  const double *a = A->a, *z = g->x[zd];
  /* Setup kernel: one plane per iteration; list[k] = 1 marks an interface plane. */
#pragma omp parallel for default(none) shared(a, z, mask, list) firstprivate(ndim, ns, nc, c, nz, bs, np) \
    schedule(static)
  for (int k = 0; k < nz; k++) {
    list[k] = 0;
    if (k == 0 || k == nz - 1) continue;
    size_t valid = 0, jumps = 0;
    for (size_t p = 0; p < np; p++) {
      const size_t node = (size_t)k * np + p;
      if (mask[node * (size_t)nc + (size_t)c]) continue;
      const double q = zratio(a, bs, ndim, ns, nc, node, c, z, k);
      if (!(q > 0.0)) continue;
      valid++;
      jumps += q > NS_MG_OPZ_JUMP || q < 1.0 / NS_MG_OPZ_JUMP;
    }
    list[k] = 2 * jumps > valid;
  }
  int cnt = 0;
  for (int k = 0; k < nz; k++)
    if (list[k]) list[cnt++] = k;
  return cnt;
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
  const int *cf0 = F->cf[0], *cf1 = F->cf[1], *cf2 = F->cf[2], *lo0 = F->lo[0], *lo1 = F->lo[1], *lo2 = F->lo[2];
  const int zd = ndim - 1;
  const double *wop = F->wop;
  /* Setup kernel: one coarse row per iteration, accumulated in a fixed order. */
#pragma omp parallel for default(none) shared(af, ac, mf, mc, dir, gf, gc) \
    firstprivate(ndim, ns, nb, bs, nnc, nc, w0, w1, w2, cf0, cf1, cf2, lo0, lo1, lo2, zd, wop) schedule(static)
  for (size_t I = 0; I < nnc; I++) {
    const double *wd[3] = {w0, w1, w2};
    const int *cf[3] = {cf0, cf1, cf2}, *lo[3] = {lo0, lo1, lo2};
    int Ic[3];
    node_ijk(gc, I, Ic);
    double *aI = ac + I * bs;
    for (size_t m = 0; m < bs; m++) aI[m] = 0.0;
    for (int so = 0; so < ns; so++) {
      int f[3];
      double wf = 1.0;
      int ok = 1;
      for (int q = 0; q < 3; q++) {
        if (q < ndim) {
          f[q] = cf[q][Ic[q]] + dir[so][q];
          ok &= f[q] >= 0 && f[q] < gf->n[q] && (dir[so][q] == 0 || fine_only(cf[q], lo[q], f[q]));
          if (ok && !(wop && q == zd)) wf *= pw(wd[q], cf[q], lo[q], f[q], Ic[q]);
        } else {
          f[q] = 0;
        }
      }
      if (!ok || wf == 0.0) continue;
      const size_t fn = ns_grid_index(gf, f[0], f[1], f[2]);
      double pf[3];
      int any = 0;
      for (int r = 0; r < nc; r++) {
        const double wr = wop ? wf * zw(wop, cf[zd], fn, nc, r, f[zd], Ic[zd]) : wf;
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
        for (int q = 0; q < ndim; q++) npar[q] = parents(wd[q], cf[q], lo[q], gi[q], Jq[q], Wq[q]);
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
                const double wc = wop ? wJ * zw(wop, cf[zd], gn, nc, c, gi[zd], Jq[zd][zd == 1 ? a1 : a2]) : wJ;
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
  const int *cf0 = F->cf[0], *cf1 = F->cf[1], *cf2 = F->cf[2], *lo0 = F->lo[0], *lo1 = F->lo[1], *lo2 = F->lo[2];
  const int zd = ndim - 1;
  const double *wop = F->wop;
  /* Interpolation: x_f(i) += sum over the 1..2^ndim coarse parents J of w(i,J) x_c(J). */
#pragma omp parallel for default(none) shared(gf, gc, mf, mc, xc, xf) \
    firstprivate(ndim, nn, nc, w0, w1, w2, cf0, cf1, cf2, lo0, lo1, lo2, zd, wop) schedule(static)
  for (size_t node = 0; node < nn; node++) {
    const double *wd[3] = {w0, w1, w2};
    const int *cf[3] = {cf0, cf1, cf2}, *lo[3] = {lo0, lo1, lo2};
    int f[3];
    node_ijk(gf, node, f);
    int Jq[3][2] = {{0, 0}, {0, 0}, {0, 0}}, npar[3] = {1, 1, 1};
    double Wq[3][2] = {{1.0, 0.0}, {1.0, 0.0}, {1.0, 0.0}};
    for (int q = 0; q < ndim; q++) npar[q] = parents(wd[q], cf[q], lo[q], f[q], Jq[q], Wq[q]);
    if (wop) Wq[zd][0] = Wq[zd][1] = 1.0;
    double acc[3] = {0.0, 0.0, 0.0};
    for (int a2 = 0; a2 < npar[2]; a2++)
      for (int a1 = 0; a1 < npar[1]; a1++)
        for (int a0 = 0; a0 < npar[0]; a0++) {
          const double wJ = Wq[0][a0] * Wq[1][a1] * Wq[2][a2];
          const size_t Jn = ns_grid_index(gc, Jq[0][a0], Jq[1][a1], Jq[2][a2]);
          for (int c = 0; c < nc; c++) {
            const double wc = wop ? wJ * zw(wop, cf[zd], node, nc, c, f[zd], Jq[zd][zd == 1 ? a1 : a2]) : wJ;
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
  const int *cf0 = F->cf[0], *cf1 = F->cf[1], *cf2 = F->cf[2], *lo0 = F->lo[0], *lo1 = F->lo[1], *lo2 = F->lo[2];
  const int zd = ndim - 1;
  const double *wop = F->wop;
  int dir[27][3];
  stencil_dirs(ndim, dir);
  /* Restriction: b_c(J) = sum over the 3^ndim fine nodes i around 2J of w(i,J) r_f(i). */
#pragma omp parallel for default(none) shared(gf, gc, mf, mc, rf, bc, dir) \
    firstprivate(ndim, ns, nnc, nc, w0, w1, w2, cf0, cf1, cf2, lo0, lo1, lo2, zd, wop) schedule(static)
  for (size_t J = 0; J < nnc; J++) {
    const double *wd[3] = {w0, w1, w2};
    const int *cf[3] = {cf0, cf1, cf2}, *lo[3] = {lo0, lo1, lo2};
    int Jc[3];
    node_ijk(gc, J, Jc);
    double acc[3] = {0.0, 0.0, 0.0};
    for (int so = 0; so < ns; so++) {
      int f[3] = {0, 0, 0};
      double wf = 1.0;
      int ok = 1;
      for (int q = 0; q < ndim; q++) {
        f[q] = cf[q][Jc[q]] + dir[so][q];
        ok &= f[q] >= 0 && f[q] < gf->n[q] && (dir[so][q] == 0 || fine_only(cf[q], lo[q], f[q]));
        if (ok && !(wop && q == zd)) wf *= pw(wd[q], cf[q], lo[q], f[q], Jc[q]);
      }
      if (!ok) continue;
      const size_t fn = ns_grid_index(gf, f[0], f[1], f[2]);
      for (int c = 0; c < nc; c++) {
        const double wc = wop ? wf * zw(wop, cf[zd], fn, nc, c, f[zd], Jc[zd]) : wf;
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
    size_t fn = ns_grid_index(gf, F->cf[0][ic[0]], F->cf[1][ic[1]], gf->ndim == 3 ? F->cf[2][ic[2]] : 0);
    for (int c = 0; c < nc; c++) C->mask[I * (size_t)nc + (size_t)c] = F->mask[fn * (size_t)nc + (size_t)c];
  }
}

/* Band storage of a structured operator (GSL layout, after LAPACK dgbtrf: A(i, j) at row j,
 * column 2 band + i - j) into lu, which has 3 band + 1 columns. */
static void band_assemble(const struct ns_smat *A, const struct ns_grid *g, int nc, size_t band, gsl_matrix *lu) {
  const int ndim = g->ndim, ns = ndim == 2 ? 9 : 27;
  int dir[27][3];
  stencil_dirs(ndim, dir);
  gsl_matrix_set_zero(lu);
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
      for (int r = 0; r < nc; r++)
        for (int c = 0; c < nc; c++) {
          const size_t i = node * (size_t)nc + (size_t)r, j = col * (size_t)nc + (size_t)c;
          gsl_matrix_set(lu, j, 2 * band + i - j, A->a[node * A->bs + (size_t)(s * nc * nc + r * nc + c)]);
        }
    }
  }
}

/* Bandwidth (in unknowns) of the 9/27-point stencil on grid g: the largest node-index offset. */
static size_t stencil_band(const struct ns_grid *g, int nc) {
  const size_t line = (size_t)g->n[0], plane = line * (size_t)g->n[1];
  const size_t off = g->ndim == 3 ? plane + line + 1 : line + 1;
  const size_t nd = g->nnodes * (size_t)nc;
  const size_t band = off * (size_t)nc + (size_t)nc - 1;
  return band > nd - 1 ? nd - 1 : band;
}

static enum ns_status coarse_factor(struct ns_mg *mg, struct ns_err *err) {
  const struct ns_mg_level *L = &mg->lev[mg->nlev - 1];
  band_assemble(L->A, L->g, mg->ncomp, mg->band, mg->lu);
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
  if (mg->kz) {
    /* Interface-keeping hierarchy: build it when the operator's layer interfaces are not the
     * ones it keeps (the first setup, where ns_mg_create left only the finest level, and whenever
     * they move), swapping the new hierarchy into the caller's object. */
    const int nz = g->n[g->ndim - 1];
    int *list = malloc((size_t)nz * sizeof(int));
    if (!list) return ns_err_set(err, NS_ENOMEM, "mg: out of memory");
    const int cnt = detect_interfaces(A, mg->lev[0].mask, list);
    if (cnt != mg->nzkeep || memcmp(list, mg->zkeep, (size_t)cnt * sizeof(int)) != 0) {
      struct ns_mg *nm = NULL;
      const enum ns_status s = create_top(g, mg->ncomp, list, cnt, &nm, err);
      free(list);
      if (s != NS_OK) return s;
      const struct ns_mg tmp = *mg;
      *mg = *nm;
      *nm = tmp;
      ns_mg_free(nm);
      mg->lev[0].A = A;
      detect_dirichlet(A, mg->lev[0].mask);
    } else {
      free(list);
    }
  }
  for (int l = 0; l + 1 < mg->nlev; l++) {
    const int saved = ns_mg_serial_begin(mg->lev[l].g->nnodes);
    if (mg->lev[l].wop) opz_weights(&mg->lev[l], mg->ncomp);
    coarse_mask(&mg->lev[l], &mg->lev[l + 1], mg->ncomp);
    galerkin(&mg->lev[l], &mg->lev[l + 1], mg->ncomp);
    coarse_dirichlet(&mg->lev[l + 1], mg->ncomp);
    ns_mg_serial_end(saved);
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
  /* The coarse levels from the first one below the thread policy's size down run on one thread. */
  const int saved = ns_mg_serial_begin(C->g->nnodes);
  ns_vec_set(C->g->nnodes * (size_t)nc, C->x, 0.0);
  if (gam > 1 && mg->kcycle) kcycle(mg, l + 1, pre, post);
  else
    for (int it = 0; it < gam; it++) vcycle_level(mg, l + 1, C->b, C->x, pre, post);
  ns_mg_serial_end(saved);
  prolong_add(L, C, nc, C->x, x);
  for (int s = 0; s < post * mult; s++) smooth(mg, L, nc, 1, b, x);
}

void ns_mg_apply_prec(struct ns_mg *mg, const double *r, double *z, int pre, int post) {
  if (mg->bnd.active) {
    ns_mg_band_apply(mg, r, z);
    return;
  }
  ns_vec_set(mg->lev[0].g->nnodes * (size_t)mg->ncomp, z, 0.0);
  vcycle_level(mg, 0, r, z, pre, post);
}

void ns_mg_vcycle_sweeps(struct ns_mg *mg, const double *b, double *x, int pre, int post) {
  vcycle_level(mg, 0, b, x, pre, post);
}

enum ns_status ns_mg_vcycle(struct ns_mg *mg, const double *b, double *x, struct ns_err *err) {
  if (!mg->ready) return ns_err_set(err, NS_EINTERNAL, "mg: ns_mg_vcycle before a successful ns_mg_setup");
  struct ns_linsolve_opts o = ns_linsolve_defaults();
  const int saved = ns_mg_serial_begin(mg->lev[0].g->nnodes);
  vcycle_level(mg, 0, b, x, o.pre_smooth, o.post_smooth);
  ns_mg_serial_end(saved);
  return NS_OK;
}

/* Largest band matrix ns_mg_solve_direct factors [bytes]: 64 MiB holds the axisymmetric grids of
 * the studies (33 x 89 nodes, 2 unknowns: 5874 x 211 doubles, 9.9 MB) with room to spare, and
 * excludes 3D grids (a 17^3 grid already needs 3 x 650 x 9826 doubles, 153 MB). */
#define NS_MG_DIRECT_FINE_BYTES ((size_t)64 << 20)

enum ns_status ns_mg_solve_direct(struct ns_mg *mg, const double *b, double *x, const struct ns_linsolve_opts *opts,
                                  struct ns_linsolve_info *info, struct ns_err *err) {
  struct ns_linsolve_info dummy;
  const enum ns_status s0 = ns_mg_solve_begin(mg, "ns_mg_solve_direct", &info, &dummy, err);
  if (s0 != NS_OK) return s0;
  const struct ns_linsolve_opts o = opts ? *opts : ns_linsolve_defaults();
  const struct ns_smat *A = mg->lev[0].A;
  const struct ns_grid *g = mg->lev[0].g;
  const size_t nd = g->nnodes * (size_t)mg->ncomp, band = stencil_band(g, mg->ncomp);
  if (nd * (3 * band + 1) * sizeof(double) > NS_MG_DIRECT_FINE_BYTES)
    return ns_err_set(err, NS_EINPUT, "mg: direct solve of %zu unknowns (bandwidth %zu) exceeds %zu MiB", nd, band,
                      NS_MG_DIRECT_FINE_BYTES >> 20);
  gsl_matrix *lu = gsl_matrix_alloc(nd, 3 * band + 1);
  gsl_vector_uint *piv = gsl_vector_uint_alloc(nd);
  gsl_vector *c = gsl_vector_alloc(nd);
  double *r = malloc(nd * sizeof(double));
  enum ns_status st = NS_OK;
  if (!lu || !piv || !c || !r) {
    st = ns_err_set(err, NS_ENOMEM, "mg: out of memory for the %zu-unknown band matrix (bandwidth %zu)", nd, band);
    goto done;
  }
  band_assemble(A, g, mg->ncomp, band, lu);
  if (gsl_linalg_LU_band_decomp(nd, band, band, lu, piv) != GSL_SUCCESS) {
    st = ns_err_set(err, NS_ECONV, "mg: LU of the operator failed");
    goto done;
  }
  for (size_t i = 0; i < nd; i++)
    if (gsl_matrix_get(lu, i, 2 * band) == 0.0) {
      st = ns_err_set(err, NS_ECONV, "mg: the operator is singular (zero pivot at dof %zu)", i);
      goto done;
    }
  ns_smat_residual(A, b, x, r);
  info->rnorm0 = ns_vec_norm2(nd, r);
  const double tol = fmax(o.rtol * info->rnorm0, o.atol);
  info->rnorm = info->rnorm0;
  /* x += LU^-1 (b - A x), then one step of iterative refinement with the same factors (partial
   * pivoting on an ill-conditioned operator leaves a residual of eps cond(A) relative). */
  for (int it = 0; it < 2 && !(info->rnorm <= tol); it++) {
    for (size_t i = 0; i < nd; i++) gsl_vector_set(c, i, r[i]);
    gsl_linalg_LU_band_svx(band, band, lu, piv, c);
    for (size_t i = 0; i < nd; i++) x[i] += gsl_vector_get(c, i);
    ns_smat_residual(A, b, x, r);
    info->rnorm = ns_vec_norm2(nd, r);
    info->iterations = it + 1;
  }
  info->converged = info->rnorm <= tol;
  if (!info->converged)
    st = ns_err_set(err, NS_ECONV, "mg: direct solve left the residual %g of %g (tolerance %g)", info->rnorm,
                    info->rnorm0, tol);
done:
  if (lu) gsl_matrix_free(lu);
  if (piv) gsl_vector_uint_free(piv);
  if (c) gsl_vector_free(c);
  free(r);
  return st;
}
