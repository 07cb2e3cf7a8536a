/* mech.c — mechanics state: set-up, boundary conditions, constraint set, external loads, access.
 *
 *   ns_mech_opts_defaults      default Newton / substep options
 *   ns_mech_create / _free     allocate the state for a grid, materials and per-cell ids
 *   ns_mech_set_face, _add_region, _set_region, _set_body_force, _set_dirichlet, _set_extra,
 *   _set_cancel, _set_log, _set_opts                    configure loads and hooks
 *   ns_mech_time, _dt, _displacement, _set_displacement, _ndof, _grid, _cell_stress,
 *   _cell_energy, _cell_jacobian, _degradation, _ngauss, _get_stats      accessors
 *   ns_mech_reaction           force of a region's constraints on the body (with dynamics: incl. M a)
 *   ns_mech_get_opts           the options in force
 *   ns_mech_eval               residual and tangent at a given displacement (no BCs)
 *   ns_mech_state_size, _state_save, _state_restore   checkpoint of the committed state (flat buffer)
 *   ns_mech_set_substep        length of the next substep; forgets the predictor's last step
 * Private (mech_impl.h): ns_mech_build_constraints, ns_mech_external, ns_mech_dirichlet_values.
 *
 * Invariants: mask[dof] != 0 exactly when src[dof] != NS_MECH_SRC_NONE; the axis nodes of an
 * axisymmetric grid with r_min = 0 always have u_r constrained to 0; the committed u, history
 * and outputs only change in ns_mech_step (commit) or ns_mech_set_displacement.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mech_impl.h"
#include "needlesim/vec.h"

/* 2 pi: axisymmetric face integrals run over the full circumference. */
#define TWO_PI 6.283185307179586476925286766559
/* Relative tolerance (of the domain size) for deciding that a node lies inside a region. */
#define REGION_TOL 1e-9
/* Sub-cells per direction used to integrate a pressure over a disc on a 3D face (the disc edge
 * cuts cells; the indicator is sampled at 2x2 Gauss points of each of the 4x4 sub-cells). */
#define DISC_SUB 4

struct ns_mech_opts ns_mech_opts_defaults(void) {
  struct ns_mech_opts o;
  o.newton_rtol = 1e-8;
  o.newton_atol = 0.0;
  o.newton_max_iter = 25;
  o.ls_max_halvings = 10;
  o.lin = ns_linsolve_defaults();
  o.lin.rtol = 1e-8;
  o.lin.max_iter = 500;
  o.dt_initial = 1.0;
  o.dt_min = 1e-6;
  o.dt_max = 1e30;
  o.dt_grow = 1.5;
  o.fast_iters = 5;
  o.predictor = 0;
  o.band_lu = 0;
  return o;
}

static enum ns_status check_opts(const struct ns_mech_opts *o, struct ns_err *err) {
  if (!(o->newton_rtol > 0.0) || !(o->newton_atol >= 0.0) || o->newton_max_iter < 1 || o->ls_max_halvings < 0)
    return ns_err_set(err, NS_EINPUT, "mech: invalid Newton options (rtol %g, atol %g, max_iter %d)",
                      o->newton_rtol, o->newton_atol, o->newton_max_iter);
  if (!(o->dt_min > 0.0) || !(o->dt_initial >= o->dt_min) || !(o->dt_max >= o->dt_initial) || !(o->dt_grow >= 1.0))
    return ns_err_set(err, NS_EINPUT,
                      "mech: invalid substep options (dt_min %g s, dt_initial %g s, dt_max %g s, grow %g)",
                      o->dt_min, o->dt_initial, o->dt_max, o->dt_grow);
  return NS_OK;
}

void ns_mech_free(struct ns_mech *m) {
  if (!m) return;
  free(m->mats);
  free(m->cell_mat);
  free(m->hist_off);
  free(m->hist_ss);
  ns_vec_free(m->hist_old);
  ns_vec_free(m->hist_new);
  ns_vec_free(m->degr);
  free(m->region_nodes);
  free(m->mask);
  free(m->src);
  double *v[] = {m->u_prev, m->u,     m->ut,     m->du,        m->R,        m->Rc,       m->rhs,     m->tmp,
                 m->fext,  m->ud,     m->dyn.v,     m->dyn.a,    m->dyn.Rq,   m->dyn.Rqt, m->dyn.at,
                 m->dyn.y, m->dyn.mlump, m->eb.fext_c, m->eb.fx_c, m->eb.fint, m->eb.cellbuf};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) ns_vec_free(v[i]);
  free(m->dyn.mask_prev);
  ns_smat_free(m->dyn.M);
  for (int s = 0; s < 2; s++) {
    ns_vec_free(m->stress[s]);
    ns_vec_free(m->energy[s]);
    ns_vec_free(m->jac[s]);
  }
  ns_smat_free(m->K);
  ns_mg_free(m->mg);
  free(m);
}

enum ns_status ns_mech_create(const struct ns_grid *grid, const struct ns_material *mats, int nmat,
                              const uint8_t *cell_mat, const struct ns_mech_opts *opts,
                              struct ns_mech **out, struct ns_err *err) {
  *out = NULL;
  if (nmat < 1 || nmat > 256) return ns_err_set(err, NS_EINPUT, "mech: %d materials (need 1..256)", nmat);
  for (int i = 0; i < nmat; i++) {
    enum ns_status s = ns_material_check(&mats[i], err);
    if (s != NS_OK) {
      ns_err_prefix(err, "mech: material %d: ", i);
      return s;
    }
  }
  struct ns_mech_opts o = opts ? *opts : ns_mech_opts_defaults();
  NS_TRY(check_opts(&o, err));
  struct ns_mech *m = calloc(1, sizeof *m);
  if (!m) return ns_err_set(err, NS_ENOMEM, "mech: out of memory");
  enum ns_status s = NS_OK;
  m->g = grid;
  m->ndim = grid->ndim;
  m->nc = grid->ndim;
  m->nen = m->ngp = 1 << grid->ndim;
  m->ncells = 1;
  for (int d = 0; d < 3; d++) {
    m->ncell[d] = d < m->ndim ? grid->n[d] - 1 : 1;
    m->ncells *= (size_t)m->ncell[d];
  }
  m->ndof = grid->nnodes * (size_t)m->nc;
  m->axis = grid->geom == NS_GEOM_AXISYMMETRIC && grid->x[0][0] == 0.0;
  m->opts = o;
  m->nmat = nmat;
  m->lref = 0.0;
  for (int d = 0; d < m->ndim; d++) m->lref = fmax(m->lref, grid->x[d][grid->n[d] - 1] - grid->x[d][0]);
  m->mu_max = 0.0;
  for (int i = 0; i < nmat; i++) m->mu_max = fmax(m->mu_max, mats[i].mu);

  m->mats = malloc((size_t)nmat * sizeof *m->mats);
  m->hist_ss = malloc((size_t)nmat * sizeof *m->hist_ss);
  m->cell_mat = malloc(m->ncells);
  m->hist_off = malloc((m->ncells + 1) * sizeof *m->hist_off);
  if (!m->mats || !m->hist_ss || !m->cell_mat || !m->hist_off) {
    s = ns_err_set(err, NS_ENOMEM, "mech: out of memory for %zu cells", m->ncells);
    goto fail;
  }
  memcpy(m->mats, mats, (size_t)nmat * sizeof *m->mats);
  /* The planar collagen fibre term needs the skin normal's index in F: the last grid direction, z
   * (grid.h; material.h, fibre_normal_axis). */
  for (int i = 0; i < nmat; i++) m->mats[i].fibre_normal_axis = m->ndim - 1;
  for (int i = 0; i < nmat; i++) m->hist_ss[i] = ns_material_state_size(&mats[i]);
  m->hist_off[0] = 0;
  for (size_t c = 0; c < m->ncells; c++) {
    if (cell_mat[c] >= nmat) {
      s = ns_err_set(err, NS_EINPUT, "mech: cell %zu has material id %d, only %d materials", c, cell_mat[c], nmat);
      goto fail;
    }
    m->cell_mat[c] = cell_mat[c];
    m->hist_off[c + 1] = m->hist_off[c] + (size_t)m->ngp * m->hist_ss[cell_mat[c]];
  }
  m->hist_old = ns_vec_alloc(m->hist_off[m->ncells]);
  m->hist_new = ns_vec_alloc(m->hist_off[m->ncells]);
  m->degr = ns_vec_alloc(m->ncells * (size_t)m->ngp);
  m->mask = calloc(m->ndof, 1);
  m->src = malloc(m->ndof);
  m->region_nodes = malloc(NS_MECH_MAX_REGIONS * grid->nnodes * sizeof *m->region_nodes);
  double **v[] = {&m->u_prev, &m->u,  &m->ut,    &m->du,        &m->R,      &m->Rc,     &m->rhs,   &m->tmp,
                  &m->fext, &m->ud, &m->dyn.v, &m->dyn.a, &m->eb.fext_c, &m->eb.fx_c, &m->eb.fint};
  int ok = m->hist_old && m->hist_new && m->degr && m->mask && m->src && m->region_nodes;
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) ok = ok && (*v[i] = ns_vec_alloc(m->ndof)) != NULL;
  ok = ok && (m->eb.cellbuf = ns_vec_alloc(2 * m->ncells)) != NULL;
  for (int sl = 0; sl < 2; sl++) {
    ok = ok && (m->stress[sl] = ns_vec_alloc(6 * m->ncells)) != NULL;
    ok = ok && (m->energy[sl] = ns_vec_alloc(m->ncells)) != NULL;
    ok = ok && (m->jac[sl] = ns_vec_alloc(m->ncells)) != NULL;
  }
  if (!ok) {
    s = ns_err_set(err, NS_ENOMEM, "mech: out of memory for %zu dofs", m->ndof);
    goto fail;
  }
  for (size_t c = 0; c < m->ncells; c++)
    for (int q = 0; q < m->ngp; q++) {
      const struct ns_material *mat = &m->mats[m->cell_mat[c]];
      const size_t ss = m->hist_ss[m->cell_mat[c]];
      if (ss) {
        ns_material_state_init(mat, m->hist_old + m->hist_off[c] + (size_t)q * ss);
        ns_material_state_init(mat, m->hist_new + m->hist_off[c] + (size_t)q * ss);
      }
    }
  ns_vec_set(m->ncells * (size_t)m->ngp, m->degr, 1.0);
  ns_vec_set(m->ncells, m->jac[0], 1.0);
  ns_vec_set(m->ncells, m->jac[1], 1.0);
  s = ns_smat_create(grid, m->nc, &m->K, err);
  if (s != NS_OK) goto fail;
  s = ns_mg_create(grid, m->nc, &m->mg, err);
  if (s != NS_OK) goto fail;
  for (int f = 0; f < NS_MECH_MAX_FACES; f++) m->face_bc[f] = NS_BC_FREE;
  m->constraints_dirty = 1;
  m->dt = o.dt_initial;
  *out = m;
  return NS_OK;
fail:
  ns_mech_free(m);
  return s;
}

/* ---- configuration ------------------------------------------------------------------------ */

enum ns_status ns_mech_set_face(struct ns_mech *m, int face, enum ns_mech_bc bc, struct ns_err *err) {
  if (face < 0 || face >= 2 * m->ndim)
    return ns_err_set(err, NS_EINPUT, "mech: face %d does not exist on a %dD grid", face, m->ndim);
  if (bc != NS_BC_FREE && bc != NS_BC_FIXED && bc != NS_BC_SLIDING)
    return ns_err_set(err, NS_EINPUT, "mech: unknown boundary condition %d", (int)bc);
  m->face_bc[face] = bc;
  m->constraints_dirty = 1;
  return NS_OK;
}

static enum ns_status check_region(const struct ns_mech *m, const struct ns_mech_region *r, struct ns_err *err) {
  if (r->face < 0 || r->face >= 2 * m->ndim)
    return ns_err_set(err, NS_EINPUT, "mech: region on face %d, which does not exist on a %dD grid", r->face,
                      m->ndim);
  if (r->shape == NS_SHAPE_DISC && !(r->radius >= 0.0))
    return ns_err_set(err, NS_EINPUT, "mech: region disc radius %g m must be >= 0", r->radius);
  if (r->kind == NS_REGION_DISPLACEMENT) {
    if (r->comp_mask >= (1u << m->nc))
      return ns_err_set(err, NS_EINPUT, "mech: region component mask %#x has bits beyond %d components",
                        r->comp_mask, m->nc);
    for (int c = 0; c < m->nc; c++)
      if (!isfinite(r->value[c])) return ns_err_set(err, NS_EINPUT, "mech: region displacement is not finite");
  } else if (r->kind == NS_REGION_PRESSURE) {
    if (!isfinite(r->pressure)) return ns_err_set(err, NS_EINPUT, "mech: region pressure is not finite");
  } else {
    return ns_err_set(err, NS_EINPUT, "mech: unknown region kind %d", (int)r->kind);
  }
  return NS_OK;
}

enum ns_status ns_mech_add_region(struct ns_mech *m, const struct ns_mech_region *r, int *id, struct ns_err *err) {
  if (m->nregion >= NS_MECH_MAX_REGIONS)
    return ns_err_set(err, NS_EINPUT, "mech: at most %d regions", NS_MECH_MAX_REGIONS);
  NS_TRY(check_region(m, r, err));
  m->region[m->nregion] = *r;
  if (id) *id = m->nregion;
  m->nregion++;
  m->constraints_dirty = 1;
  m->fext_valid = 0;
  return NS_OK;
}

enum ns_status ns_mech_set_region(struct ns_mech *m, int id, const struct ns_mech_region *r, struct ns_err *err) {
  if (id < 0 || id >= m->nregion) return ns_err_set(err, NS_EINPUT, "mech: no region %d", id);
  NS_TRY(check_region(m, r, err));
  m->region[id] = *r;
  m->constraints_dirty = 1;
  m->fext_valid = 0;
  return NS_OK;
}

void ns_mech_set_body_force(struct ns_mech *m, ns_mech_body_fn fn, void *ctx) {
  m->body = fn;
  m->body_ctx = ctx;
  m->fext_valid = 0;
}

void ns_mech_set_dirichlet(struct ns_mech *m, ns_mech_dirichlet_fn fn, void *ctx) {
  m->dfn = fn;
  m->dfn_ctx = ctx;
  m->constraints_dirty = 1;
}

void ns_mech_set_extra(struct ns_mech *m, const struct ns_mech_extra *extra) {
  m->has_extra = extra != NULL && extra->eval != NULL;
  if (extra) m->extra = *extra;
  else memset(&m->extra, 0, sizeof m->extra);
  ns_vec_set(m->ndof, m->eb.fx_c, 0.0); /* energy bookkeeping: f_extra taken as 0 before the next substep */
  m->dyn.need_accel = 1;
}

void ns_mech_set_cancel(struct ns_mech *m, const volatile sig_atomic_t *flag) { m->cancel = flag; }

void ns_mech_set_log(struct ns_mech *m, ns_mech_log_fn fn, void *ctx) {
  m->log = fn;
  m->log_ctx = ctx;
}

void ns_mech_set_opts(struct ns_mech *m, const struct ns_mech_opts *opts) {
  m->opts = *opts;
  if (m->dt > opts->dt_max) m->dt = opts->dt_max;
  if (m->dt < opts->dt_min) m->dt = opts->dt_min;
}

/* ---- accessors ---------------------------------------------------------------------------- */

double ns_mech_time(const struct ns_mech *m) { return m->t; }
double ns_mech_dt(const struct ns_mech *m) { return m->dt; }
const double *ns_mech_displacement(const struct ns_mech *m) { return m->u; }
void ns_mech_set_displacement(struct ns_mech *m, const double *u) {
  ns_vec_copy(m->ndof, m->u, u);
  m->dyn.need_accel = 1;
  m->pred_valid = 0;
}
size_t ns_mech_ndof(const struct ns_mech *m) { return m->ndof; }
const struct ns_grid *ns_mech_grid(const struct ns_mech *m) { return m->g; }
const double *ns_mech_cell_stress(const struct ns_mech *m) { return m->stress[m->cur]; }
const double *ns_mech_cell_energy(const struct ns_mech *m) { return m->energy[m->cur]; }
const double *ns_mech_cell_jacobian(const struct ns_mech *m) { return m->jac[m->cur]; }
double *ns_mech_degradation(struct ns_mech *m) { return m->degr; }
size_t ns_mech_ngauss(const struct ns_mech *m) { return m->ncells * (size_t)m->ngp; }
const struct ns_mech_stats *ns_mech_get_stats(const struct ns_mech *m) { return &m->stats; }

/* ---- constraints -------------------------------------------------------------------------- */

static void node_ijk(const struct ns_grid *g, size_t node, int ijk[3]) {
  ijk[0] = (int)(node % (size_t)g->n[0]);
  ijk[1] = (int)((node / (size_t)g->n[0]) % (size_t)g->n[1]);
  ijk[2] = (int)(node / ((size_t)g->n[0] * (size_t)g->n[1]));
}

static void node_X(const struct ns_grid *g, const int ijk[3], double X[3]) {
  for (int d = 0; d < 3; d++) X[d] = d < g->ndim ? g->x[d][ijk[d]] : 0.0;
}

static int on_face(const struct ns_grid *g, const int ijk[3], int face) {
  int d = face / 2;
  return ijk[d] == (face % 2 ? g->n[d] - 1 : 0);
}

static int on_boundary(const struct ns_grid *g, const int ijk[3]) {
  for (int d = 0; d < g->ndim; d++)
    if (ijk[d] == 0 || ijk[d] == g->n[d] - 1) return 1;
  return 0;
}

/* Is the point X (on the region's face) inside the region's shape? */
static int in_shape(const struct ns_mech *m, const struct ns_mech_region *r, const double X[3], double tol) {
  const int dn = r->face / 2;
  if (r->shape == NS_SHAPE_DISC) {
    double d2 = 0.0;
    for (int e = 0; e < m->ndim; e++)
      if (e != dn) d2 += (X[e] - r->centre[e]) * (X[e] - r->centre[e]);
    return sqrt(d2) <= r->radius + tol;
  }
  for (int e = 0; e < m->ndim; e++)
    if (e != dn && (X[e] < r->lo[e] - tol || X[e] > r->hi[e] + tol)) return 0;
  return 1;
}

enum ns_status ns_mech_build_constraints(struct ns_mech *m, struct ns_err *err) {
  const struct ns_grid *g = m->g;
  const int nc = m->nc;
  const double tol = REGION_TOL * m->lref;
  for (size_t i = 0; i < m->ndof; i++) m->src[i] = NS_MECH_SRC_NONE;
  for (size_t node = 0; node < g->nnodes; node++) {
    int ijk[3];
    double X[3];
    node_ijk(g, node, ijk);
    if (!on_boundary(g, ijk)) continue;
    node_X(g, ijk, X);
    int8_t *s = m->src + node * (size_t)nc;
    for (int f = 0; f < 2 * m->ndim; f++) {
      if (!on_face(g, ijk, f)) continue;
      if (m->face_bc[f] == NS_BC_FIXED)
        for (int c = 0; c < nc; c++) s[c] = NS_MECH_SRC_ZERO;
      else if (m->face_bc[f] == NS_BC_SLIDING)
        s[f / 2] = NS_MECH_SRC_ZERO;
    }
    for (int r = 0; r < m->nregion; r++) {
      const struct ns_mech_region *rg = &m->region[r];
      if (rg->kind != NS_REGION_DISPLACEMENT || !on_face(g, ijk, rg->face) || !in_shape(m, rg, X, tol)) continue;
      for (int c = 0; c < nc; c++)
        if (rg->comp_mask & (1u << c)) s[c] = (int8_t)r;
    }
    if (m->dfn) {
      double val[3] = {0, 0, 0};
      unsigned bits = m->dfn(X, 0.0, m->dfn_ctx, val);
      for (int c = 0; c < nc; c++)
        if (bits & (1u << c)) s[c] = NS_MECH_SRC_FN;
    }
    if (m->axis && ijk[0] == 0) s[0] = NS_MECH_SRC_ZERO;
  }
  for (size_t i = 0; i < m->ndof; i++) m->mask[i] = m->src[i] != NS_MECH_SRC_NONE;
  size_t pos = 0;
  for (int r = 0; r < m->nregion; r++) {
    m->region_start[r] = pos;
    const struct ns_mech_region *rg = &m->region[r];
    for (size_t node = 0; node < g->nnodes; node++) {
      int ijk[3];
      double X[3];
      node_ijk(g, node, ijk);
      if (!on_face(g, ijk, rg->face)) continue;
      node_X(g, ijk, X);
      if (in_shape(m, rg, X, tol)) m->region_nodes[pos++] = node;
    }
  }
  m->region_start[m->nregion] = pos;
  m->constraints_dirty = 0;
  (void)err;
  return NS_OK;
}

void ns_mech_dirichlet_values(struct ns_mech *m, double t) {
  const struct ns_grid *g = m->g;
  const int nc = m->nc;
  double scale[NS_MECH_MAX_REGIONS];
  for (int r = 0; r < m->nregion; r++)
    scale[r] = m->region[r].scale ? m->region[r].scale(t, m->region[r].scale_ctx) : 1.0;
  for (size_t node = 0; node < g->nnodes; node++) {
    const int8_t *s = m->src + node * (size_t)nc;
    double *ud = m->ud + node * (size_t)nc;
    int need_fn = 0;
    for (int c = 0; c < nc; c++) {
      if (s[c] == NS_MECH_SRC_ZERO) ud[c] = 0.0;
      else if (s[c] >= 0) ud[c] = m->region[s[c]].value[c] * scale[s[c]];
      else if (s[c] == NS_MECH_SRC_FN) need_fn = 1;
    }
    if (need_fn) {
      int ijk[3];
      double X[3], val[3] = {0, 0, 0};
      node_ijk(g, node, ijk);
      node_X(g, ijk, X);
      m->dfn(X, t, m->dfn_ctx, val);
      for (int c = 0; c < nc; c++)
        if (s[c] == NS_MECH_SRC_FN) ud[c] = val[c];
    }
  }
}

/* ---- external loads ----------------------------------------------------------------------- */

/* Consistent nodal loads of a uniform dead pressure p over the part of face cell `cell` (indices
 * of its lowest node) that lies in the region: traction t = -p n on the reference face. */
static void pressure_face_cell(struct ns_mech *m, const struct ns_mech_region *rg, double p, const int lo[3]) {
  const struct ns_grid *g = m->g;
  const int dn = rg->face / 2, nc = m->nc;
  const double sgn = rg->face % 2 ? 1.0 : -1.0; /* outward normal component along dn */
  int tdir[2], nt = 0;
  for (int e = 0; e < m->ndim; e++)
    if (e != dn) tdir[nt++] = e;
  double a[2] = {0, 0}, b[2] = {1, 1};
  for (int q = 0; q < nt; q++) {
    a[q] = g->x[tdir[q]][lo[tdir[q]]];
    b[q] = g->x[tdir[q]][lo[tdir[q]] + 1];
  }
  /* Integration boxes: the clipped cell (box shape, or disc in 2D) or DISC_SUB^2 sub-cells. */
  double ca[2] = {a[0], nt > 1 ? a[1] : 0.0}, cb[2] = {b[0], nt > 1 ? b[1] : 0.0};
  int nsub = 1, indicator = 0;
  if (rg->shape == NS_SHAPE_BOX) {
    for (int q = 0; q < nt; q++) {
      ca[q] = fmax(a[q], rg->lo[tdir[q]]);
      cb[q] = fmin(b[q], rg->hi[tdir[q]]);
    }
  } else if (nt == 1) {
    ca[0] = fmax(a[0], rg->centre[tdir[0]] - rg->radius);
    cb[0] = fmin(b[0], rg->centre[tdir[0]] + rg->radius);
  } else {
    nsub = DISC_SUB;
    indicator = 1;
  }
  for (int q = 0; q < nt; q++)
    if (!(cb[q] > ca[q])) return;
  const double gpos = 1.0 / sqrt(3.0); /* Gauss point position on [-1, 1] */
  const int npt1 = 2 * nsub;
  const int npt[2] = {npt1, nt > 1 ? npt1 : 1};
  double fe[4][3] = {{0}};
  for (int i0 = 0; i0 < npt[0]; i0++)
    for (int i1 = 0; i1 < npt[1]; i1++) {
      const int ii[2] = {i0, i1};
      double s[2] = {0, 0}, w = 1.0;
      for (int q = 0; q < nt; q++) {
        const double hs = (cb[q] - ca[q]) / nsub;
        const int sub = ii[q] / 2;
        const double xi = (ii[q] % 2) ? gpos : -gpos;
        s[q] = ca[q] + hs * (sub + 0.5 * (1.0 + xi));
        w *= 0.5 * hs;
      }
      double X[3] = {0, 0, 0};
      X[dn] = g->x[dn][lo[dn]];
      for (int q = 0; q < nt; q++) X[tdir[q]] = s[q];
      if (indicator && !in_shape(m, rg, X, 0.0)) continue;
      if (g->geom == NS_GEOM_AXISYMMETRIC) w *= TWO_PI * X[0];
      for (int fa = 0; fa < (1 << nt); fa++) {
        double N = 1.0;
        for (int q = 0; q < nt; q++) {
          const double l = (s[q] - a[q]) / (b[q] - a[q]);
          N *= ((fa >> q) & 1) ? l : 1.0 - l;
        }
        fe[fa][dn] += w * N * (-p * sgn);
      }
    }
  for (int fa = 0; fa < (1 << nt); fa++) {
    int ijk[3] = {lo[0], lo[1], lo[2]};
    for (int q = 0; q < nt; q++) ijk[tdir[q]] += (fa >> q) & 1;
    size_t node = ns_grid_index(g, ijk[0], ijk[1], ijk[2]);
    for (int c = 0; c < nc; c++) m->fext[node * (size_t)nc + (size_t)c] += fe[fa][c];
  }
}

void ns_mech_external(struct ns_mech *m, double t) {
  if (m->fext_valid && m->fext_t == t) return;
  ns_vec_set(m->ndof, m->fext, 0.0);
  ns_mech_kern_body(m, t, m->fext);
  const struct ns_grid *g = m->g;
  for (int r = 0; r < m->nregion; r++) {
    const struct ns_mech_region *rg = &m->region[r];
    if (rg->kind != NS_REGION_PRESSURE) continue;
    const double p = rg->pressure * (rg->scale ? rg->scale(t, rg->scale_ctx) : 1.0);
    if (p == 0.0) continue;
    const int dn = rg->face / 2;
    int hi[3] = {1, 1, 1};
    for (int e = 0; e < m->ndim; e++) hi[e] = e == dn ? 1 : g->n[e] - 1;
    int lo[3];
    for (lo[2] = 0; lo[2] < hi[2]; lo[2]++)
      for (lo[1] = 0; lo[1] < hi[1]; lo[1]++)
        for (lo[0] = 0; lo[0] < hi[0]; lo[0]++) {
          int cl[3] = {lo[0], lo[1], lo[2]};
          cl[dn] = rg->face % 2 ? g->n[dn] - 1 : 0;
          pressure_face_cell(m, rg, p, cl);
        }
  }
  m->fext_t = t;
  m->fext_valid = 1;
}

/* ---- reaction and evaluation -------------------------------------------------------------- */

enum ns_status ns_mech_reaction(const struct ns_mech *m, int id, double f[3], struct ns_err *err) {
  if (id < 0 || id >= m->nregion) return ns_err_set(err, NS_EINPUT, "mech: no region %d", id);
  f[0] = f[1] = f[2] = 0.0;
  /* The reaction belongs to a solved state: after a boundary-condition change the stored
   * residual refers to other constraints, so asking for it is a caller error, not zero. */
  if (m->constraints_dirty)
    return ns_err_set(err, NS_EINPUT, "mech: reaction of region %d requested after a boundary-condition change "
                      "and before the next step", id);
  for (size_t i = m->region_start[id]; i < m->region_start[id + 1]; i++)
    for (int c = 0; c < m->nc; c++) f[c] += m->Rc[m->region_nodes[i] * (size_t)m->nc + (size_t)c];
  return NS_OK;
}

struct ns_mech_opts ns_mech_get_opts(const struct ns_mech *m) { return m->opts; }

enum ns_status ns_mech_eval(struct ns_mech *m, const double *u, double t, double dt, double *R, struct ns_smat *K,
                            struct ns_err *err) {
  struct ns_mech_fail fail;
  if (ns_mech_kern_internal(m, u, dt, R, K, &fail))
    return ns_err_set(err, NS_ECONV, "mech: det F <= 0 or non-finite stress in cell %zu", fail.cell);
  if (m->has_extra) NS_TRY(m->extra.eval(m->extra.ctx, m->g, u, t, dt, R, K, err));
  ns_mech_external(m, t);
  ns_vec_axpy(m->ndof, -1.0, m->fext, R);
  return NS_OK;
}

/* ---- checkpoint of the committed state ------------------------------------------------------ */

/* First word of a state buffer ("NSMECH01" read as a little-endian integer): a buffer of another
 * kind or version is refused. */
#define STATE_MAGIC 0x3130484345534d4eULL
/* Header words: magic, ndof, ncells, history doubles, Gauss points, dynamics storage flag. */
#define STATE_HEADER 6

/* Bytes of the state buffer (see ns_mech_state_save for the layout). */
size_t ns_mech_state_size(const struct ns_mech *m) {
  const size_t nd = m->ndof, nc = m->ncells;
  size_t doubles = 4 + NS_MECH_MAX_REGIONS + 6;     /* t, dt, h_prev, pred_valid; work; ebook scalars */
  doubles += 2 * nd;                                /* u, u_prev */
  doubles += m->hist_off[nc] + nc * (size_t)m->ngp; /* committed history, degradation */
  doubles += 8 * nc;                                /* committed stress (6), energy, jacobian */
  doubles += 3 * nd;                                /* Rc, f_ext and f_extra at the commit */
  doubles += 2 * nd;                                /* velocity, acceleration */
  if (m->dyn.allocated) doubles += nd + 2;          /* Rq, need_accel, h */
  size_t bytes = STATE_HEADER * sizeof(uint64_t) + doubles * sizeof(double);
  if (m->dyn.allocated) bytes += nd;                /* mask_prev */
  return bytes;
}

/* Cursor over a state buffer: copies n doubles (or bytes) in or out and advances. */
struct state_cursor {
  unsigned char *p;
  int out; /* 1: from the object into the buffer (save) */
};

static void cur_doubles(struct state_cursor *c, double *x, size_t n) {
  if (c->out) memcpy(c->p, x, n * sizeof *x);
  else memcpy(x, c->p, n * sizeof *x);
  c->p += n * sizeof *x;
}

static void cur_bytes(struct state_cursor *c, void *x, size_t n) {
  if (c->out) memcpy(c->p, x, n);
  else memcpy(x, c->p, n);
  c->p += n;
}

static void cur_int(struct state_cursor *c, int *v) {
  double d = *v;
  cur_doubles(c, &d, 1);
  *v = (int)d;
}

/* The fields of the committed state in buffer order (after the header), both directions. */
static void state_fields(struct ns_mech *m, struct state_cursor *c) {
  const size_t nd = m->ndof, nc = m->ncells;
  struct ns_mech_ebook *eb = &m->eb;
  cur_doubles(c, &m->t, 1);
  cur_doubles(c, &m->dt, 1);
  cur_doubles(c, &m->h_prev, 1);
  cur_int(c, &m->pred_valid);
  cur_doubles(c, eb->work_region, NS_MECH_MAX_REGIONS);
  cur_doubles(c, &eb->viscous, 1);
  cur_doubles(c, &eb->work_dirichlet, 1);
  cur_doubles(c, &eb->work_load, 1);
  cur_doubles(c, &eb->work_extra, 1);
  cur_doubles(c, &eb->numerical, 1);
  cur_int(c, &eb->fext_c_valid);
  cur_doubles(c, m->u, nd);
  cur_doubles(c, m->u_prev, nd);
  cur_doubles(c, m->hist_old, m->hist_off[nc]);
  cur_doubles(c, m->degr, nc * (size_t)m->ngp);
  cur_doubles(c, m->stress[m->cur], 6 * nc);
  cur_doubles(c, m->energy[m->cur], nc);
  cur_doubles(c, m->jac[m->cur], nc);
  cur_doubles(c, m->Rc, nd);
  cur_doubles(c, eb->fext_c, nd);
  cur_doubles(c, eb->fx_c, nd);
  cur_doubles(c, m->dyn.v, nd);
  cur_doubles(c, m->dyn.a, nd);
  if (m->dyn.allocated) {
    cur_doubles(c, m->dyn.Rq, nd);
    cur_int(c, &m->dyn.need_accel);
    cur_doubles(c, &m->dyn.h, 1);
    cur_bytes(c, m->dyn.mask_prev, nd);
  }
}

static void state_header(const struct ns_mech *m, uint64_t h[STATE_HEADER]) {
  h[0] = STATE_MAGIC;
  h[1] = m->ndof;
  h[2] = m->ncells;
  h[3] = m->hist_off[m->ncells];
  h[4] = m->ncells * (size_t)m->ngp;
  h[5] = (uint64_t)m->dyn.allocated;
}

void ns_mech_state_save(const struct ns_mech *m, void *buf) {
  uint64_t h[STATE_HEADER];
  state_header(m, h);
  memcpy(buf, h, sizeof h);
  struct state_cursor c = {(unsigned char *)buf + sizeof h, 1};
  /* The object is only read in this direction (the cursor copies out of it). */
  state_fields((struct ns_mech *)(uintptr_t)m, &c);
}

enum ns_status ns_mech_state_restore(struct ns_mech *m, const void *buf, size_t size, struct ns_err *err) {
  uint64_t h[STATE_HEADER], mine[STATE_HEADER];
  if (size != ns_mech_state_size(m))
    return ns_err_set(err, NS_EINPUT, "mech: state buffer of %zu bytes, this state needs %zu", size,
                      ns_mech_state_size(m));
  memcpy(h, buf, sizeof h);
  state_header(m, mine);
  if (memcmp(h, mine, sizeof h) != 0)
    return ns_err_set(err, NS_EINPUT,
                      "mech: state buffer of another problem (ndof %llu, cells %llu; this one %zu, %zu)",
                      (unsigned long long)h[1], (unsigned long long)h[2], m->ndof, m->ncells);
  struct state_cursor c = {(unsigned char *)(uintptr_t)buf + sizeof h, 0};
  state_fields(m, &c);
  /* Caches keyed by time are rebuilt on demand. */
  m->fext_valid = 0;
  return NS_OK;
}

void ns_mech_set_substep(struct ns_mech *m, double dt) {
  m->dt = fmin(m->opts.dt_max, fmax(m->opts.dt_min, dt));
  m->pred_valid = 0;
}
