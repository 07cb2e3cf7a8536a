/* damage.c — phase-field fracture: damage sub-problem, coupling to the mechanics, energies.
 *
 *   ns_damage_params_defaults, ns_damage_cw       parameters
 *   ns_damage_create / _free                      state for a grid, materials and fracture layers
 *   ns_damage_set_field, _field, _broken, _ncells initial damage and accessors
 *   ns_damage_solve                               bound-constrained damage sub-problem (PDAS + MG-PCG)
 *   ns_damage_driving_force, _apply, _update      coupling with the mechanics' committed state
 *   ns_damage_commit                              end of a load step (irreversibility, history)
 *   ns_damage_mech_extra                          tensile volumetric degradation as an extra term
 *   ns_damage_stagger                             one staggered (alternate minimisation) load step
 *   ns_damage_energies                            stored and fracture energy, per material id
 *   ns_damage_ledger_init / _work / _error        external-work bookkeeping
 *
 * The model and the discretisation are described in include/needlesim/damage.h and
 * docs/fracture.md. Invariants: lo <= d <= 1 after every solve (lo = committed damage);
 * gq[cell*ngp + q] = g(d_q) and gcell[cell] = sum_q w_q gq / V for the current d after
 * ns_damage_apply; the broken flags follow every change of d.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "needlesim/tensor3.h"
#include "q1cell.h"
#include "voldeg.h"
#include "needlesim/damage.h"
#include "needlesim/vec.h"

/* Per-cell sizes from q1cell.h. */
#define NEN_MAX NS_Q1_NEN_MAX
#define NLOC_MAX NS_Q1_NLOC_MAX

struct ns_damage {
  const struct ns_grid *g; /* borrowed */
  int ndim, nen, ngp;
  int ncell[3];
  size_t ncells, nnodes, ngauss;
  struct ns_damage_params p;
  int nmat;
  struct ns_damage_layer *layer; /* [nmat] */
  struct ns_material *mats;      /* [nmat] */
  uint8_t *cell_mat;             /* [ncells] */

  double *d;      /* current nodal damage */
  double *lo;     /* committed damage: lower bound */
  double *dprev;  /* field at the start of the current solve */
  double *hist;   /* committed maximum of the driving force per Gauss point */
  double *psi;    /* last driving force used (for the history update) */
  double *H;      /* driving force of the current solve */
  double *gq;     /* degradation per Gauss point */
  double *gcell;  /* volume-weighted mean degradation per cell (volumetric part) */
  uint8_t *broken;

  struct ns_smat *A, *Ar; /* assembled and Dirichlet-reduced damage matrices */
  struct ns_mg *mg;
  double *b, *x, *r, *rhs, *tmp; /* nnodes */
  uint8_t *mask;                 /* nnodes: 1 held on the lower bound, 2 on the upper, 0 free */

  double *jbar;   /* ncells scratch: cell mean J of the mechanics state */
  double *w_iso;  /* ngauss scratch: W_iso of the mechanics state */
  double *e_stored, *e_frac; /* ncells scratch */
  double *stored_by_mat, *frac_by_mat; /* [nmat] */

  struct ns_mech_extra inner; /* chained extra contribution */
  int has_inner;
};

struct ns_damage_params ns_damage_params_defaults(void) {
  struct ns_damage_params p;
  memset(&p, 0, sizeof p);
  p.model = NS_DAMAGE_AT1;
  p.k_res = 1e-6;
  p.broken_d = 0.95;
  p.degrade_volumetric = 1;
  p.history = 0;
  p.stagger_tol = 1e-3;
  p.stagger_max = 200;
  p.active_max = 100;
  p.solve_tol = 1e-9;
  p.lin = ns_linsolve_defaults();
  p.lin.method = NS_KRYLOV_CG;
  p.lin.rtol = 1e-10;
  p.lin.max_iter = 500;
  return p;
}

double ns_damage_cw(enum ns_damage_model model) { return model == NS_DAMAGE_AT1 ? 8.0 / 3.0 : 2.0; }

void ns_damage_free(struct ns_damage *dmg) {
  if (!dmg) return;
  free(dmg->layer);
  free(dmg->mats);
  free(dmg->cell_mat);
  double *v[] = {dmg->d, dmg->lo, dmg->dprev, dmg->hist, dmg->psi, dmg->H, dmg->gq, dmg->gcell, dmg->b, dmg->x,
                 dmg->r, dmg->rhs, dmg->tmp, dmg->jbar, dmg->w_iso, dmg->e_stored, dmg->e_frac};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) ns_vec_free(v[i]);
  free(dmg->stored_by_mat);
  free(dmg->frac_by_mat);
  free(dmg->broken);
  free(dmg->mask);
  ns_smat_free(dmg->A);
  ns_smat_free(dmg->Ar);
  ns_mg_free(dmg->mg);
  free(dmg);
}

static enum ns_status check_params(const struct ns_damage_params *p, struct ns_err *err) {
  if (p->model != NS_DAMAGE_AT1 && p->model != NS_DAMAGE_AT2)
    return ns_err_set(err, NS_EINPUT, "damage: unknown model %d (AT1 = 0, AT2 = 1)", (int)p->model);
  if (!(p->k_res >= 0.0 && p->k_res < 1.0))
    return ns_err_set(err, NS_EINPUT, "damage: residual stiffness k = %g, expected 0 <= k < 1", p->k_res);
  if (!(p->broken_d > 0.0 && p->broken_d <= 1.0))
    return ns_err_set(err, NS_EINPUT, "damage: broken threshold %g, expected in (0, 1]", p->broken_d);
  if (!(p->vol_smooth >= 0.0 && p->vol_smooth < 1.0))
    return ns_err_set(err, NS_EINPUT, "damage: volumetric switch width %g, expected 0 <= eps < 1", p->vol_smooth);
  if (!(p->stagger_tol > 0.0) || p->stagger_max < 1 || p->active_max < 1)
    return ns_err_set(err, NS_EINPUT, "damage: staggered tolerance %g / iterations %d / active-set iterations %d",
                      p->stagger_tol, p->stagger_max, p->active_max);
  return NS_OK;
}

enum ns_status ns_damage_create(const struct ns_grid *grid, const struct ns_damage_params *params,
                                const struct ns_material *mats, const struct ns_damage_layer *layers, int nmat,
                                const uint8_t *cell_mat, struct ns_damage **out, struct ns_err *err) {
  *out = NULL;
  if (!grid || !params || !mats || !layers || !cell_mat || nmat < 1 || nmat > 256)
    return ns_err_set(err, NS_EINPUT, "damage: missing grid, parameters, materials or cell ids (nmat %d)", nmat);
  NS_TRY(check_params(params, err));
  for (int i = 0; i < nmat; i++) {
    if (!(layers[i].gc > 0.0) || !isfinite(layers[i].gc) || !(layers[i].ell > 0.0) || !isfinite(layers[i].ell))
      return ns_err_set(err, NS_EINPUT, "damage: material %d: G_c = %g J/m^2 and l = %g m must be positive", i,
                        layers[i].gc, layers[i].ell);
    NS_TRY(ns_material_check(&mats[i], err));
    /* The phase-field driving energy is split from the material's energy, which a pre-stretched
     * material counts from its pre-stressed state (material.h), so it can go negative: that
     * combination is not derived or verified yet and is refused rather than run. */
    if (ns_material_has_prestretch(&mats[i]))
      return ns_err_set(err, NS_EINPUT,
                        "damage: material %d is pre-stretched (skin.prestretch = %g); phase-field damage of a "
                        "pre-stretched material is not supported yet (set skin.prestretch = 1)",
                        i, mats[i].prestretch);
  }
  struct ns_damage *D = calloc(1, sizeof *D);
  if (!D) return ns_err_set(err, NS_ENOMEM, "damage: out of memory");
  D->g = grid;
  D->ndim = grid->ndim;
  D->nen = D->ngp = 1 << grid->ndim;
  D->ncells = 1;
  for (int d = 0; d < 3; d++) {
    D->ncell[d] = d < grid->ndim ? grid->n[d] - 1 : 1;
    D->ncells *= (size_t)D->ncell[d];
  }
  D->nnodes = grid->nnodes;
  D->ngauss = D->ncells * (size_t)D->ngp;
  D->p = *params;
  D->nmat = nmat;
  for (size_t c = 0; c < D->ncells; c++)
    if (cell_mat[c] >= nmat) {
      ns_damage_free(D);
      return ns_err_set(err, NS_EINPUT, "damage: cell %zu has material id %d >= %d", c, cell_mat[c], nmat);
    }
  D->layer = malloc((size_t)nmat * sizeof *D->layer);
  D->mats = malloc((size_t)nmat * sizeof *D->mats);
  D->cell_mat = malloc(D->ncells);
  D->stored_by_mat = calloc((size_t)nmat, sizeof(double));
  D->frac_by_mat = calloc((size_t)nmat, sizeof(double));
  D->broken = calloc(D->ncells, 1);
  D->mask = calloc(D->nnodes, 1);
  const size_t nn = D->nnodes, ng = D->ngauss, nc = D->ncells;
  D->d = ns_vec_alloc(nn);
  D->lo = ns_vec_alloc(nn);
  D->dprev = ns_vec_alloc(nn);
  D->b = ns_vec_alloc(nn);
  D->x = ns_vec_alloc(nn);
  D->r = ns_vec_alloc(nn);
  D->rhs = ns_vec_alloc(nn);
  D->tmp = ns_vec_alloc(nn);
  D->hist = ns_vec_alloc(ng);
  D->psi = ns_vec_alloc(ng);
  D->H = ns_vec_alloc(ng);
  D->gq = ns_vec_alloc(ng);
  D->w_iso = ns_vec_alloc(ng);
  D->gcell = ns_vec_alloc(nc);
  D->jbar = ns_vec_alloc(nc);
  D->e_stored = ns_vec_alloc(nc);
  D->e_frac = ns_vec_alloc(nc);
  if (!D->layer || !D->mats || !D->cell_mat || !D->stored_by_mat || !D->frac_by_mat || !D->broken || !D->mask || !D->d || !D->lo || !D->dprev || !D->b || !D->x || !D->r || !D->rhs || !D->tmp || !D->hist ||
      !D->psi || !D->H || !D->gq || !D->w_iso || !D->gcell || !D->jbar || !D->e_stored || !D->e_frac) {
    ns_damage_free(D);
    return ns_err_set(err, NS_ENOMEM, "damage: out of memory (%zu nodes, %zu cells)", nn, nc);
  }
  memcpy(D->layer, layers, (size_t)nmat * sizeof *D->layer);
  memcpy(D->mats, mats, (size_t)nmat * sizeof *D->mats);
  memcpy(D->cell_mat, cell_mat, nc);
  ns_vec_set(ng, D->gq, 1.0);
  ns_vec_set(nc, D->gcell, 1.0);
  enum ns_status s = ns_smat_create(grid, 1, &D->A, err);
  if (s == NS_OK) s = ns_smat_create(grid, 1, &D->Ar, err);
  if (s == NS_OK) s = ns_mg_create(grid, 1, &D->mg, err);
  if (s != NS_OK) {
    ns_damage_free(D);
    return s;
  }
  *out = D;
  return NS_OK;
}

/* ---- cell geometry -------------------------------------------------------------------------- */

/* Cell geometry and Gauss-point kinematics come from q1cell.h, shared with the mechanics
 * kernels (same rule and node/point numbering). Linear index of cell (i, j, k): */
static inline size_t cell_index(const struct ns_damage *D, int i, int j, int k) {
  return (size_t)i + (size_t)D->ncell[0] * ((size_t)j + (size_t)D->ncell[1] * (size_t)k);
}

/* Local displacement vector of a cell. */
static void cell_u(const struct ns_damage *D, const struct ns_q1cell *c, const double *u, double *ue) {
  const int nd = D->ndim;
  for (int a = 0; a < D->nen; a++)
    for (int comp = 0; comp < nd; comp++) ue[a * nd + comp] = u[c->node[a] * (size_t)nd + (size_t)comp];
}

/* F at point q from the map and the local displacement. */
static void point_F(const struct ns_damage *D, const struct ns_q1dmap *M, const double *ue, double F[9]) {
  const int nloc = D->nen * D->ndim;
  for (int e = 0; e < 9; e++) F[e] = 0.0;
  F[0] = F[4] = F[8] = 1.0;
  for (int p = 0; p < nloc; p++)
    for (int t = 0; t < 3; t++) F[M->idx[p][t]] += M->val[p][t] * ue[p];
}

/* Cell mean Jacobian Jbar = sum_q w_q det F_q / V (the mechanics' mean dilatation). Returns 0
 * when some det F <= 0. */
static int cell_jbar(const struct ns_damage *D, const struct ns_q1cell *c, const double *u, double *jbar) {
  double ue[NLOC_MAX], F[9], s = 0.0;
  struct ns_q1dmap M;
  cell_u(D, c, u, ue);
  for (int q = 0; q < D->ngp; q++) {
    ns_q1cell_dmap(D->ndim, c, q, &M);
    point_F(D, &M, ue, F);
    const double J = ns_det3(F);
    if (!(J > 0.0)) return 0;
    s += c->w[q] * J;
  }
  *jbar = s / c->vol;
  return 1;
}

/* Tensile part U_+(J) = U(J) for J > 1, else 0 (U(1) = 0 for the laws of material.h); with
 * params.vol_smooth = eps > 0 the smoothed U_+ of ns_voldeg_tension. */
static double vol_plus(const struct ns_material *mat, double J, double eps) {
  if (!(J > 1.0)) return 0.0;
  double U, dU, d2U;
  if (eps > 0.0) ns_voldeg_tension(mat, J, eps, &U, &dU, &d2U);
  else ns_material_vol(mat, J, &U, NULL, NULL);
  return U;
}

/* ---- coloured cell loops ------------------------------------------------------------------- */

enum loop_kind { LOOP_ASSEMBLE, LOOP_EXTRA };

struct loop_args {
  struct ns_damage *D;
  const double *u; /* LOOP_EXTRA: displacement */
  double *R;       /* LOOP_EXTRA: residual (ndof) */
  struct ns_smat *K; /* LOOP_EXTRA: tangent (may be NULL) */
};

/* Damage matrix and right side of one cell (see damage.h):
 *   A_ab += sum_q w_q [(2 (1-k) H_q + m2) N_a N_b + c_l G_a . G_b],
 *   b_a  += sum_q w_q (2 (1-k) H_q - m1) N_a,
 * c_l = 2 G_c l / c_w, m1 = G_c / (c_w l) (AT1), m2 = 2 G_c / (c_w l) (AT2). */
static void cell_assemble(struct ns_damage *D, int i, int j, int k) {
  struct ns_q1cell c;
  ns_q1cell_setup(D->g, i, j, k, &c);
  const size_t cell = cell_index(D, i, j, k);
  const struct ns_damage_layer *L = &D->layer[D->cell_mat[cell]];
  const double cw = ns_damage_cw(D->p.model), kr = D->p.k_res;
  const double cl = 2.0 * L->gc * L->ell / cw;
  const double m1 = D->p.model == NS_DAMAGE_AT1 ? L->gc / (cw * L->ell) : 0.0;
  const double m2 = D->p.model == NS_DAMAGE_AT2 ? 2.0 * L->gc / (cw * L->ell) : 0.0;
  const int nen = D->nen, ngp = D->ngp;
  double Ke[NEN_MAX][NEN_MAX], fe[NEN_MAX];
  memset(Ke, 0, sizeof Ke);
  memset(fe, 0, sizeof fe);
  for (int q = 0; q < ngp; q++) {
    const double Hq = D->H[cell * (size_t)ngp + (size_t)q];
    const double react = c.w[q] * (2.0 * (1.0 - kr) * Hq + m2), src = c.w[q] * (2.0 * (1.0 - kr) * Hq - m1);
    for (int a = 0; a < nen; a++) {
      fe[a] += src * c.N[q][a];
      for (int b = 0; b < nen; b++) {
        const double gg = c.G[q][a][0] * c.G[q][b][0] + c.G[q][a][1] * c.G[q][b][1] + c.G[q][a][2] * c.G[q][b][2];
        Ke[a][b] += react * c.N[q][a] * c.N[q][b] + c.w[q] * cl * gg;
      }
    }
  }
  for (int a = 0; a < nen; a++) {
    D->b[c.node[a]] += fe[a];
    double *row = D->A->a + c.node[a] * D->A->bs;
    for (int b = 0; b < nen; b++) {
      int off[3];
      for (int e = 0; e < 3; e++) off[e] = ((b >> e) & 1) - ((a >> e) & 1);
      row[ns_smat_stencil_index(D->ndim, off)] += Ke[a][b];
    }
  }
}

/* Tensile volumetric degradation of one cell (extra contribution, see damage.h):
 * E_c = -(1 - g_c) V U_+(Jbar), its residual and tangent (voldeg.h). Returns nonzero when
 * det F <= 0 somewhere in the cell. */
static int cell_extra(struct loop_args *la, int i, int j, int k) {
  struct ns_damage *D = la->D;
  const size_t cell = cell_index(D, i, j, k);
  const double fac = 1.0 - D->gcell[cell];
  if (fac == 0.0) return 0;
  double e;
  if (D->p.vol_smooth > 0.0)
    return ns_voldeg_cell_smooth(D->g, D->ndim, &D->mats[D->cell_mat[cell]], i, j, k, la->u, fac, D->p.vol_smooth,
                                 la->R, la->K, &e);
  return ns_voldeg_cell(D->g, D->ndim, &D->mats[D->cell_mat[cell]], i, j, k, la->u, fac, NS_VOLDEG_TENSION, la->R,
                        la->K, &e);
}

/* Loop over all cells in 2^ndim colours (index parity): cells of one colour share no node, the
 * colour order is fixed, so every entry receives its contributions in a thread-count independent
 * order. Returns nonzero when some cell failed (LOOP_EXTRA: det F <= 0). */
static int colour_loop(struct loop_args *la, enum loop_kind kind) {
  const struct ns_damage *D = la->D;
  const int ncol = 1 << D->ndim;
  const int n0 = D->ncell[0], n1 = D->ncell[1], n2 = D->ncell[2];
  int bad = 0;
  for (int col = 0; col < ncol; col++) {
    const int p0 = col & 1, p1 = (col >> 1) & 1, p2 = (col >> 2) & 1;
    const int nk = (n2 - p2 + 1) / 2, nj = (n1 - p1 + 1) / 2;
    int badc = 0;
#pragma omp parallel for collapse(2) default(none) shared(la) firstprivate(kind, nk, nj, n0, p0, p1, p2) \
    reduction(| : badc) schedule(static)
    for (int kk = 0; kk < nk; kk++)
      for (int jj = 0; jj < nj; jj++) {
        const int k = 2 * kk + p2, j = 2 * jj + p1;
        for (int i = p0; i < n0; i += 2) {
          if (kind == LOOP_ASSEMBLE) cell_assemble(la->D, i, j, k);
          else badc |= cell_extra(la, i, j, k);
        }
      }
    bad |= badc;
  }
  return bad;
}

/* ---- damage field and bookkeeping ---------------------------------------------------------- */

static void update_broken(struct ns_damage *D) {
  const int n0 = D->ncell[0], n1 = D->ncell[1], n2 = D->ncell[2];
  const struct ns_grid *g = D->g;
  const double thr = D->p.broken_d;
  const double *d = D->d;
  uint8_t *br = D->broken;
  const int nen = D->nen;
#pragma omp parallel for collapse(2) default(none) shared(g, d, br) firstprivate(n0, n1, n2, thr, nen) \
    schedule(static)
  for (int k = 0; k < n2; k++)
    for (int j = 0; j < n1; j++)
      for (int i = 0; i < n0; i++) {
        int all = 1;
        for (int a = 0; a < nen; a++)
          if (!(d[ns_grid_index(g, i + (a & 1), j + ((a >> 1) & 1), k + ((a >> 2) & 1))] > thr)) all = 0;
        br[(size_t)i + (size_t)n0 * ((size_t)j + (size_t)n1 * (size_t)k)] = (uint8_t)all;
      }
}

void ns_damage_set_field(struct ns_damage *dmg, const double *d0) {
  for (size_t i = 0; i < dmg->nnodes; i++) {
    double v = d0[i];
    v = v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v);
    dmg->d[i] = dmg->lo[i] = v;
  }
  update_broken(dmg);
}

const double *ns_damage_field(const struct ns_damage *dmg) { return dmg->d; }
const uint8_t *ns_damage_broken(const struct ns_damage *dmg) { return dmg->broken; }
size_t ns_damage_ncells(const struct ns_damage *dmg) { return dmg->ncells; }

/* ---- damage sub-problem -------------------------------------------------------------------- */

/* q(x) = 1/2 x^T A x - b^T x (deterministic reductions). */
static double qp_energy(struct ns_damage *D, const double *x) {
  ns_smat_apply(D->A, x, D->tmp);
  return 0.5 * ns_vec_dot(D->nnodes, x, D->tmp) - ns_vec_dot(D->nnodes, D->b, x);
}

/* One projected Gauss-Seidel sweep over all nodes in lexicographic order (dir = +1) or reverse
 * (dir = -1): x_i <- clamp(x_i + (b - A x)_i / A_ii, lo_i, 1). Coordinate descent on the convex
 * quadratic: never increases q, keeps x feasible, and carries information across the whole
 * grid in one sweep along the sweep direction. Serial (deterministic). */
static void pgs_sweep(struct ns_damage *D, double *x, int dir) {
  const struct ns_grid *g = D->g;
  const int ndim = D->ndim, ns = D->A->nstencil, dc = ndim == 2 ? 4 : 13;
  const size_t bs = D->A->bs;
  for (size_t t = 0; t < D->nnodes; t++) {
    const size_t i = dir > 0 ? t : D->nnodes - 1 - t;
    const int ijk[3] = {(int)(i % (size_t)g->n[0]), (int)((i / (size_t)g->n[0]) % (size_t)g->n[1]),
                        (int)(i / ((size_t)g->n[0] * (size_t)g->n[1]))};
    const double *row = D->A->a + i * bs;
    double r = D->b[i];
    for (int st = 0; st < ns; st++) {
      const double a = row[st];
      if (a == 0.0) continue;
      const int off[3] = {st % 3 - 1, (st / 3) % 3 - 1, ndim == 3 ? st / 9 - 1 : 0};
      int inside = 1;
      for (int d = 0; d < ndim; d++)
        if (ijk[d] + off[d] < 0 || ijk[d] + off[d] >= g->n[d]) inside = 0;
      if (!inside) continue;
      r -= a * x[(size_t)((ptrdiff_t)i + off[0] * g->stride[0] + off[1] * g->stride[1] + off[2] * g->stride[2])];
    }
    const double v = x[i] + r / row[dc];
    x[i] = v < D->lo[i] ? D->lo[i] : (v > 1.0 ? 1.0 : v);
  }
}

/* Symmetric projected Gauss-Seidel sweeps (forward + backward) per outer iteration. */
#define PGS_SWEEPS 2
/* Step halvings of the projected line search along the reduced Newton direction. */
#define LS_HALVINGS 30
/* An inexact Newton direction (PCG hit max_iter) is still used when PCG reduced the residual by
 * this factor: the line search keeps the iteration monotone either way. */
#define LINEAR_ACCEPT 1e-3

/* Bound-constrained minimisation of q(x) = 1/2 x^T A x - b^T x over lo <= x <= 1 (see damage.h).
 * Each outer iteration: (1) PGS_SWEEPS symmetric projected Gauss-Seidel sweeps; (2) the binding
 * set: nodes on a bound whose gradient points out of the box (lower: x_i = lo_i and
 * (A x - b)_i > 0; upper: x_i = 1 and (A x - b)_i < 0); (3) the Newton step on the free nodes,
 * i.e. the reduced system with the binding nodes held on their bounds, solved by multigrid PCG;
 * (4) a projected line search x <- clamp(x + alpha (x_N - x)), alpha = 1, 1/2, ..., accepted when
 * q does not increase. Every step keeps x feasible and q non-increasing, so the method cannot
 * cycle (plain primal-dual active-set iterations did, for the non-M-matrices of anisotropic
 * cells); once the binding set is right, one Newton step solves the problem. Stop when the
 * projected Jacobi step max_i |x_i - clamp(x_i - (A x - b)_i / A_ii)| <= solve_tol (d units). */
enum ns_status ns_damage_solve(struct ns_damage *dmg, const double *psi, struct ns_damage_info *info,
                               struct ns_err *err) {
  struct ns_damage *D = dmg;
  const size_t nn = D->nnodes, ng = D->ngauss;
  for (size_t q = 0; q < ng; q++) {
    if (!isfinite(psi[q]) || psi[q] < 0.0)
      return ns_err_set(err, NS_EINPUT, "damage: driving force %g J/m^3 at Gauss point %zu (cell %zu)", psi[q], q,
                        q / (size_t)D->ngp);
    D->psi[q] = psi[q];
    D->H[q] = D->p.history ? fmax(D->hist[q], psi[q]) : psi[q];
  }
  ns_vec_copy(nn, D->dprev, D->d);
  ns_smat_zero(D->A);
  ns_vec_set(nn, D->b, 0.0);
  struct loop_args la = {D, NULL, NULL, NULL};
  (void)colour_loop(&la, LOOP_ASSEMBLE);
  /* Scale the system so that the largest diagonal entry is 1 (the eliminated rows carry a unit
   * diagonal: keeps both kinds of rows on one scale for the Krylov residual). */
  const int dc = D->ndim == 2 ? 4 : 13; /* stencil index of the centre (offset 0) */
  double dmax = 0.0;
  for (size_t i = 0; i < nn; i++) dmax = fmax(dmax, D->A->a[i * D->A->bs + (size_t)dc]);
  if (!(dmax > 0.0) || !isfinite(dmax))
    return ns_err_set(err, NS_EINTERNAL, "damage: degenerate damage matrix (largest diagonal %g)", dmax);
  ns_vec_scale(nn * D->A->bs, 1.0 / dmax, D->A->a);
  ns_vec_scale(nn, 1.0 / dmax, D->b);
  double *x = D->x;
  for (size_t i = 0; i < nn; i++) x[i] = fmin(1.0, fmax(D->lo[i], D->d[i]));
  int it = 0, lin = 0;
  double kkt = HUGE_VAL;
  enum ns_status s = NS_OK;
  for (;;) {
    for (int sw = 0; sw < PGS_SWEEPS; sw++) {
      pgs_sweep(D, x, +1);
      pgs_sweep(D, x, -1);
    }
    ns_smat_residual(D->A, D->b, x, D->r); /* r = b - A x = -gradient */
    kkt = 0.0;
    for (size_t i = 0; i < nn; i++) {
      const double diag = D->A->a[i * D->A->bs + (size_t)dc];
      const double v = fmin(1.0, fmax(D->lo[i], x[i] + D->r[i] / diag));
      kkt = fmax(kkt, fabs(v - x[i]));
      uint8_t mk = 0;
      if (D->lo[i] >= 1.0 || (x[i] <= D->lo[i] && D->r[i] < 0.0)) mk = 1;
      else if (x[i] >= 1.0 && D->r[i] > 0.0) mk = 2;
      D->mask[i] = mk;
    }
    if (kkt <= D->p.solve_tol) break;
    if (it >= D->p.active_max) {
      s = ns_err_set(err, NS_ECONV, "damage: bound-constrained solve did not converge in %d iterations (step %.3e)",
                     D->p.active_max, kkt);
      break;
    }
    it++;
    /* Reduced Newton system: binding nodes on their bounds, lifted into the right side. */
    for (size_t i = 0; i < nn; i++) D->tmp[i] = D->mask[i] ? x[i] : 0.0;
    ns_smat_apply(D->A, D->tmp, D->rhs);
    for (size_t i = 0; i < nn; i++) D->rhs[i] = D->mask[i] ? x[i] : D->b[i] - D->rhs[i];
    memcpy(D->Ar->a, D->A->a, nn * D->A->bs * sizeof(double));
    ns_smat_dirichlet(D->Ar, D->mask);
    s = ns_mg_setup(D->mg, D->Ar, err);
    if (s != NS_OK) break;
    struct ns_linsolve_opts lo = D->p.lin;
    lo.method = NS_KRYLOV_CG;
    struct ns_linsolve_info li;
    memset(&li, 0, sizeof li);
    ns_vec_copy(nn, D->r, x); /* Newton point in r, starting from x */
    s = ns_mg_solve(D->mg, D->rhs, D->r, &lo, &li, err);
    lin += li.iterations;
    if (s != NS_OK && !(s == NS_ECONV && li.rnorm <= LINEAR_ACCEPT * li.rnorm0)) {
      ns_err_prefix(err, "damage: Newton step %d: ", it);
      break;
    }
    s = NS_OK;
    /* Projected line search on q. */
    const double q0 = qp_energy(D, x);
    double alpha = 1.0;
    for (int h = 0; h <= LS_HALVINGS; h++, alpha *= 0.5) {
      for (size_t i = 0; i < nn; i++) {
        const double v = x[i] + alpha * (D->r[i] - x[i]);
        D->rhs[i] = v < D->lo[i] ? D->lo[i] : (v > 1.0 ? 1.0 : v);
      }
      if (qp_energy(D, D->rhs) <= q0) {
        ns_vec_copy(nn, x, D->rhs);
        break;
      }
    }
  }
  double change = 0.0, dmx = 0.0;
  size_t nlo = 0, nhi = 0;
  if (s == NS_OK) {
    for (size_t i = 0; i < nn; i++) {
      const double v = fmin(1.0, fmax(D->lo[i], x[i]));
      change = fmax(change, fabs(v - D->dprev[i]));
      D->d[i] = v;
      dmx = fmax(dmx, v);
      nlo += v <= D->lo[i];
      nhi += v >= 1.0;
    }
    update_broken(D);
  }
  if (info) {
    info->active_iters = it;
    info->linear_iters = lin;
    info->change = change;
    info->d_max = dmx;
    info->n_active_lo = nlo;
    info->n_active_hi = nhi;
    info->kkt = kkt;
  }
  return s;
}

/* ---- coupling with the mechanics ----------------------------------------------------------- */

static void compute_jbar(struct ns_damage *D, const double *u) {
  const int n0 = D->ncell[0], n1 = D->ncell[1], n2 = D->ncell[2];
  double *jb = D->jbar;
  /* Cells write only their own entry. */
#pragma omp parallel for collapse(2) default(none) shared(D, u, jb) firstprivate(n0, n1, n2) schedule(static)
  for (int k = 0; k < n2; k++)
    for (int j = 0; j < n1; j++)
      for (int i = 0; i < n0; i++) {
        struct ns_q1cell c;
        ns_q1cell_setup(D->g, i, j, k, &c);
        double v = NAN;
        if (!cell_jbar(D, &c, u, &v)) v = NAN;
        jb[cell_index(D, i, j, k)] = v;
      }
}

void ns_damage_driving_force(struct ns_damage *dmg, const struct ns_mech *m, double *psi) {
  struct ns_damage *D = dmg;
  ns_mech_gauss_energy(m, psi);
  if (!D->p.degrade_volumetric) return;
  compute_jbar(D, ns_mech_displacement(m));
  const int ngp = D->ngp;
  for (size_t c = 0; c < D->ncells; c++) {
    const double up = vol_plus(&D->mats[D->cell_mat[c]], D->jbar[c], D->p.vol_smooth);
    for (int q = 0; q < ngp; q++) psi[c * (size_t)ngp + (size_t)q] += up;
  }
}

/* g(d_q) at every Gauss point and the cell means g_c. */
static void compute_degradation(struct ns_damage *D) {
  const int n0 = D->ncell[0], n1 = D->ncell[1], n2 = D->ncell[2];
  const double kr = D->p.k_res;
  double *gq = D->gq, *gc = D->gcell;
  const double *d = D->d;
#pragma omp parallel for collapse(2) default(none) shared(D, gq, gc, d) firstprivate(n0, n1, n2, kr) \
    schedule(static)
  for (int k = 0; k < n2; k++)
    for (int j = 0; j < n1; j++)
      for (int i = 0; i < n0; i++) {
        struct ns_q1cell c;
        ns_q1cell_setup(D->g, i, j, k, &c);
        const size_t cell = cell_index(D, i, j, k);
        double s = 0.0;
        for (int q = 0; q < D->ngp; q++) {
          double dq = 0.0;
          for (int a = 0; a < D->nen; a++) dq += c.N[q][a] * d[c.node[a]];
          /* An undamaged point keeps exactly 1 (the mechanics then skips the scaling). */
          const double gv = dq == 0.0 ? 1.0 : ns_damage_g(dq, kr);
          gq[cell * (size_t)D->ngp + (size_t)q] = gv;
          s += c.w[q] * gv;
        }
        gc[cell] = s / c.vol;
      }
}

void ns_damage_apply(struct ns_damage *dmg, struct ns_mech *m) {
  compute_degradation(dmg);
  ns_vec_copy(dmg->ngauss, ns_mech_degradation(m), dmg->gq);
}

enum ns_status ns_damage_update(struct ns_damage *dmg, struct ns_mech *m, struct ns_damage_info *info,
                                struct ns_err *err) {
  if (ns_mech_ngauss(m) != dmg->ngauss)
    return ns_err_set(err, NS_EINPUT, "damage: mechanics has %zu Gauss points, damage %zu", ns_mech_ngauss(m),
                      dmg->ngauss);
  ns_damage_driving_force(dmg, m, dmg->w_iso);
  NS_TRY(ns_damage_solve(dmg, dmg->w_iso, info, err));
  ns_damage_apply(dmg, m);
  return NS_OK;
}

void ns_damage_commit(struct ns_damage *dmg) {
  ns_vec_copy(dmg->nnodes, dmg->lo, dmg->d);
  if (dmg->p.history)
    for (size_t q = 0; q < dmg->ngauss; q++) dmg->hist[q] = fmax(dmg->hist[q], dmg->psi[q]);
}

/* Extra-contribution callbacks: the inner contribution (contact) first, then the volumetric
 * degradation of the damaged cells. */
static enum ns_status extra_eval(void *ctx, const struct ns_grid *g, const double *u, double t, double dt,
                                 double *residual, struct ns_smat *K, struct ns_err *err) {
  struct ns_damage *D = ctx;
  if (D->has_inner) NS_TRY(D->inner.eval(D->inner.ctx, g, u, t, dt, residual, K, err));
  if (!D->p.degrade_volumetric) return NS_OK;
  struct loop_args la = {D, u, residual, K};
  if (colour_loop(&la, LOOP_EXTRA))
    return ns_err_set(err, NS_ECONV, "damage: det F <= 0 in the volumetric degradation");
  return NS_OK;
}

static void extra_commit(void *ctx, const double *u, double t) {
  struct ns_damage *D = ctx;
  if (D->has_inner && D->inner.commit) D->inner.commit(D->inner.ctx, u, t);
}

struct ns_mech_extra ns_damage_mech_extra(struct ns_damage *dmg, const struct ns_mech_extra *inner) {
  dmg->has_inner = inner != NULL && inner->eval != NULL;
  if (dmg->has_inner) dmg->inner = *inner;
  struct ns_mech_extra e;
  e.eval = extra_eval;
  e.commit = extra_commit;
  e.ctx = dmg;
  e.symmetric = dmg->has_inner ? inner->symmetric : 1;
  return e;
}

enum ns_status ns_damage_stagger(struct ns_damage *dmg, struct ns_mech *m, double t_new, double dt_iter,
                                 struct ns_damage_info *info, struct ns_err *err) {
  if (!(dt_iter > 0.0)) return ns_err_set(err, NS_EINPUT, "damage: staggered pseudo-time step %g s <= 0", dt_iter);
  struct ns_damage_info li;
  memset(&li, 0, sizeof li);
  NS_TRY(ns_mech_step(m, t_new, err));
  for (int it = 1; it <= dmg->p.stagger_max; it++) {
    NS_TRY(ns_damage_update(dmg, m, &li, err));
    li.stagger_iters = it;
    if (li.change <= dmg->p.stagger_tol) {
      ns_damage_commit(dmg);
      if (info) *info = li;
      return NS_OK;
    }
    NS_TRY(ns_mech_step(m, ns_mech_time(m) + dt_iter, err));
  }
  if (info) *info = li;
  return ns_err_set(err, NS_ECONV, "damage: staggered iterations at t = %.6g s did not converge in %d (last change %.3e)",
                    t_new, dmg->p.stagger_max, li.change);
}

/* ---- energies ------------------------------------------------------------------------------ */

void ns_damage_energies(struct ns_damage *dmg, const struct ns_mech *m, struct ns_damage_energy *e) {
  struct ns_damage *D = dmg;
  ns_mech_gauss_energy(m, D->w_iso);
  compute_jbar(D, ns_mech_displacement(m));
  compute_degradation(D);
  const int n0 = D->ncell[0], n1 = D->ncell[1], n2 = D->ncell[2];
  const double cw = ns_damage_cw(D->p.model);
  const int at1 = D->p.model == NS_DAMAGE_AT1, degv = D->p.degrade_volumetric;
  double *es = D->e_stored, *ef = D->e_frac;
  const double *d = D->d;
  /* Per-cell energies (cells write only their own entries), summed serially below. */
#pragma omp parallel for collapse(2) default(none) shared(D, es, ef, d) firstprivate(n0, n1, n2, cw, at1, degv) \
    schedule(static)
  for (int k = 0; k < n2; k++)
    for (int j = 0; j < n1; j++)
      for (int i = 0; i < n0; i++) {
        struct ns_q1cell c;
        ns_q1cell_setup(D->g, i, j, k, &c);
        const size_t cell = cell_index(D, i, j, k);
        const struct ns_damage_layer *L = &D->layer[D->cell_mat[cell]];
        const struct ns_material *mat = &D->mats[D->cell_mat[cell]];
        double sto = 0.0, fr = 0.0;
        for (int q = 0; q < D->ngp; q++) {
          const size_t gi = cell * (size_t)D->ngp + (size_t)q;
          double dq = 0.0, gr[3] = {0, 0, 0};
          for (int a = 0; a < D->nen; a++) {
            dq += c.N[q][a] * d[c.node[a]];
            for (int e2 = 0; e2 < 3; e2++) gr[e2] += c.G[q][a][e2] * d[c.node[a]];
          }
          const double wd = at1 ? dq : dq * dq;
          fr += c.w[q] * L->gc / cw * (wd / L->ell + L->ell * (gr[0] * gr[0] + gr[1] * gr[1] + gr[2] * gr[2]));
          sto += c.w[q] * D->gq[gi] * D->w_iso[gi];
        }
        double U = 0.0;
        ns_material_vol(mat, D->jbar[cell], &U, NULL, NULL);
        if (degv && D->jbar[cell] > 1.0) {
          if (D->p.vol_smooth > 0.0) U -= (1.0 - D->gcell[cell]) * vol_plus(mat, D->jbar[cell], D->p.vol_smooth);
          else U *= D->gcell[cell];
        }
        es[cell] = sto + c.vol * U;
        ef[cell] = fr;
      }
  e->stored = e->fracture = e->broken_volume = 0.0;
  for (int i = 0; i < D->nmat; i++) D->stored_by_mat[i] = D->frac_by_mat[i] = 0.0;
  for (int k = 0; k < n2; k++)
    for (int j = 0; j < n1; j++)
      for (int i = 0; i < n0; i++) {
        const size_t cell = cell_index(D, i, j, k);
        e->stored += es[cell];
        e->fracture += ef[cell];
        D->stored_by_mat[D->cell_mat[cell]] += es[cell];
        D->frac_by_mat[D->cell_mat[cell]] += ef[cell];
        if (D->broken[cell]) {
          struct ns_q1cell c;
          ns_q1cell_setup(D->g, i, j, k, &c);
          e->broken_volume += c.vol;
        }
      }
  e->stored_by_mat = D->stored_by_mat;
  e->fracture_by_mat = D->frac_by_mat;
}

/* ---- energy ledger ------------------------------------------------------------------------- */

void ns_damage_ledger_init(struct ns_damage_ledger *L, const double f[3], const double u[3]) {
  memset(L, 0, sizeof *L);
  for (int c = 0; c < 3; c++) {
    L->f_prev[c] = f[c];
    L->u_prev[c] = u[c];
  }
  L->started = 1;
}

void ns_damage_ledger_work(struct ns_damage_ledger *L, const double f[3], const double u[3]) {
  for (int c = 0; c < 3; c++) {
    L->work += 0.5 * (L->f_prev[c] + f[c]) * (u[c] - L->u_prev[c]);
    L->f_prev[c] = f[c];
    L->u_prev[c] = u[c];
  }
}

double ns_damage_ledger_error(const struct ns_damage_ledger *L) {
  const double rhs = L->stored + L->fracture + L->dissipated_other;
  const double scale = fmax(fabs(L->work), fabs(rhs));
  return scale > 0.0 ? (L->work - rhs) / scale : 0.0;
}
