/* mech_dyn.c — inertia (implicit dynamics) and energy bookkeeping of the mechanics core.
 *
 * Public (mech.h):
 *   ns_mech_dyn_defaults, ns_mech_set_dynamics, ns_mech_dynamics_on   switch inertia on / off
 *   ns_mech_velocity, _acceleration, _set_velocity, _set_region_velocity   kinematic state
 *   ns_mech_energy, ns_mech_energy_reset                                  energy balance terms
 *                                                                         (with the algorithmic
 *                                                                         dissipation)
 *   ns_mech_energy_select, ns_mech_energy_selected                        stored energy and QLV
 *                                                                         dissipation of a set
 *                                                                         of cells
 * Private (mech_impl.h): ns_mech_dyn_mass, _apply_mass, _trial_accel, _residual, _prepare,
 *   _reaction, _accept, _error, ns_mech_energy_increment.
 *
 * Time integration: generalized-alpha (Chung & Hulbert 1993) with the forces averaged at the
 * alpha level (the form of Kuhl & Crisfield 1999 for nonlinear problems, identical to Chung &
 * Hulbert's for linear ones), unknown u_{n+1}, Newmark relations
 *   a_{n+1} = (u_{n+1} - u_n - h v_n) / (beta h^2) - (1/(2 beta) - 1) a_n,
 *   v_{n+1} = v_n + h ((1 - gamma) a_n + gamma a_{n+1}),
 * and the balance (on the free dofs)
 *   M ((1 - am) a_{n+1} + am a_n) + (1 - af) Rq(u_{n+1}, t_{n+1}) + af Rq_n = 0,
 * Rq = f_int + f_extra - f_ext the quasi-static residual (QLV history of the substep inside
 * f_int). Parameters from rho_inf in [0, 1]: am = (2 rho - 1)/(rho + 1), af = rho/(rho + 1),
 * gamma = 1/2 - am + af, beta = (1 - am + af)^2 / 4: second order, unconditionally stable for
 * linear problems, high-frequency spectral radius rho_inf; rho_inf = 1 gives am = af = 1/2,
 * gamma = 1/2, beta = 1/4, the trapezoidal (average acceleration) rule. Newton solves the balance
 * divided by (1 - af), so the quasi-static part keeps unit weight:
 *   G(u) = Rq(u) + [M ((1 - am) a(u) + am a_n) + af Rq_n] / (1 - af),
 *   dG/du = K + (1 - am) / ((1 - af) beta h^2) M   (symmetric when K is: CG still applies).
 * Prescribed dofs take u from their data and v, a from the same Newmark relations.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mech_impl.h"
#include "needlesim/vec.h"

/* Default high-frequency spectral radius: strong damping of the modes with omega dt >> 1
 * (contact and impact noise) at an O((omega dt)^3) damping ratio of the resolved ones. */
#define DYN_RHO_INF_DEFAULT 0.8
/* Substep length used to evaluate the committed stress: dt/tau underflows in the QLV factors,
 * so exp(-dt/tau) = 1 and the kernel returns g_inf S_e + sum H_i of the committed history. */
#define DT_COMMITTED 1e-300
/* Relative tolerance and iteration cap of the consistent-mass solve for the initial
 * acceleration (the Q1 mass is spectrally equivalent to its lumped diagonal within a factor
 * 3^ndim, so preconditioned CG needs few iterations). */
#define MASS_SOLVE_RTOL 1e-13
#define MASS_SOLVE_MAX_ITER 500

struct ns_mech_dyn_opts ns_mech_dyn_defaults(void) {
  struct ns_mech_dyn_opts o;
  o.rho_inf = DYN_RHO_INF_DEFAULT;
  o.mass = NS_MASS_LUMPED;
  o.err_tol = 0.0;
  return o;
}

enum ns_status ns_mech_set_dynamics(struct ns_mech *m, int enable, const struct ns_mech_dyn_opts *opts,
                                    struct ns_err *err) {
  if (!enable) {
    m->dyn.on = 0;
    return NS_OK;
  }
  const struct ns_mech_dyn_opts o = opts ? *opts : ns_mech_dyn_defaults();
  if (!(o.rho_inf >= 0.0 && o.rho_inf <= 1.0))
    return ns_err_set(err, NS_EINPUT, "mech: dynamics rho_inf = %g, must lie in [0, 1]", o.rho_inf);
  if (o.mass != NS_MASS_LUMPED && o.mass != NS_MASS_CONSISTENT)
    return ns_err_set(err, NS_EINPUT, "mech: unknown mass matrix kind %d", (int)o.mass);
  if (!(o.err_tol >= 0.0 && isfinite(o.err_tol)))
    return ns_err_set(err, NS_EINPUT, "mech: dynamics error tolerance %g must be >= 0", o.err_tol);
  for (int i = 0; i < m->nmat; i++)
    if (!(m->mats[i].density > 0.0 && isfinite(m->mats[i].density)))
      return ns_err_set(err, NS_EINPUT, "mech: dynamics needs density > 0, material %d has %g kg/m^3", i,
                        m->mats[i].density);
  struct ns_mech_dynstate *d = &m->dyn;
  if (!d->allocated) {
    double **v[] = {&d->Rq, &d->Rqt, &d->at, &d->y};
    int ok = 1;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) ok = ok && (*v[i] = ns_vec_alloc(m->ndof)) != NULL;
    ok = ok && (d->mask_prev = calloc(m->ndof, 1)) != NULL;
    if (!ok) return ns_err_set(err, NS_ENOMEM, "mech: out of memory for the dynamics of %zu dofs", m->ndof);
    d->allocated = 1;
    d->mass_kind = -1;
  }
  d->opts = o;
  const double r = o.rho_inf;
  d->am = (2.0 * r - 1.0) / (r + 1.0);
  d->af = r / (r + 1.0);
  d->gamma = 0.5 - d->am + d->af;
  d->beta = 0.25 * (1.0 - d->am + d->af) * (1.0 - d->am + d->af);
  NS_TRY(ns_mech_dyn_mass(m, err));
  d->on = 1;
  d->need_accel = 1;
  return NS_OK;
}

int ns_mech_dynamics_on(const struct ns_mech *m) { return m->dyn.on; }
const double *ns_mech_velocity(const struct ns_mech *m) { return m->dyn.v; }
const double *ns_mech_acceleration(const struct ns_mech *m) { return m->dyn.a; }
void ns_mech_set_velocity(struct ns_mech *m, const double *v) { ns_vec_copy(m->ndof, m->dyn.v, v); }

enum ns_status ns_mech_set_region_velocity(struct ns_mech *m, int id, const double v[3], struct ns_err *err) {
  if (id < 0 || id >= m->nregion) return ns_err_set(err, NS_EINPUT, "mech: no region %d", id);
  if (m->region[id].kind != NS_REGION_DISPLACEMENT)
    return ns_err_set(err, NS_EINPUT, "mech: region %d prescribes no displacement", id);
  if (m->constraints_dirty) NS_TRY(ns_mech_build_constraints(m, err));
  for (size_t i = 0; i < m->ndof; i++)
    if (m->src[i] == id) {
      m->dyn.v[i] = v[i % (size_t)m->nc];
      m->dyn.a[i] = 0.0;
    }
  return NS_OK;
}

/* ---- mass --------------------------------------------------------------------------------- */

enum ns_status ns_mech_dyn_mass(struct ns_mech *m, struct ns_err *err) {
  struct ns_mech_dynstate *d = &m->dyn;
  if (d->mass_kind == (int)d->opts.mass) return NS_OK;
  if (d->opts.mass == NS_MASS_LUMPED) {
    if (!d->mlump && !(d->mlump = ns_vec_alloc(m->ndof)))
      return ns_err_set(err, NS_ENOMEM, "mech: out of memory for the lumped mass");
    ns_mech_kern_mass(m, NULL, d->mlump);
  } else {
    if (!d->M) NS_TRY(ns_smat_create(m->g, m->nc, &d->M, err));
    ns_mech_kern_mass(m, d->M, NULL);
  }
  d->mass_kind = (int)d->opts.mass;
  return NS_OK;
}

void ns_mech_dyn_apply_mass(const struct ns_mech *m, const double *x, double *y) {
  if (m->dyn.opts.mass == NS_MASS_CONSISTENT) {
    ns_smat_apply(m->dyn.M, x, y);
    return;
  }
  const size_t n = m->ndof;
  const double *ml = m->dyn.mlump;
#pragma omp parallel for simd default(none) shared(x, y, ml) firstprivate(n) schedule(static)
  for (size_t i = 0; i < n; i++) y[i] = ml[i] * x[i];
}

/* K += c M. */
static void add_mass(const struct ns_mech *m, double c, struct ns_smat *K) {
  if (m->dyn.opts.mass == NS_MASS_CONSISTENT) {
    const size_t n = K->bs * m->g->nnodes;
    double *ka = K->a;
    const double *ma = m->dyn.M->a;
#pragma omp parallel for simd default(none) shared(ka, ma) firstprivate(n, c) schedule(static)
    for (size_t i = 0; i < n; i++) ka[i] += c * ma[i];
    return;
  }
  const int z[3] = {0, 0, 0}, nc = m->nc;
  const size_t centre = (size_t)ns_smat_stencil_index(m->ndim, z) * (size_t)(nc * nc);
  const size_t nn = m->g->nnodes, bs = K->bs;
  double *ka = K->a;
  const double *ml = m->dyn.mlump;
#pragma omp parallel for default(none) shared(ka, ml) firstprivate(nn, bs, centre, nc, c) schedule(static)
  for (size_t node = 0; node < nn; node++)
    for (int comp = 0; comp < nc; comp++)
      ka[node * bs + centre + (size_t)(comp * nc + comp)] += c * ml[node * (size_t)nc + (size_t)comp];
}

/* ---- generalized-alpha terms -------------------------------------------------------------- */

void ns_mech_dyn_trial_accel(struct ns_mech *m, const double *u, double h, double *at) {
  const struct ns_mech_dynstate *d = &m->dyn;
  const double c0 = 1.0 / (d->beta * h * h), c1 = 1.0 / (2.0 * d->beta) - 1.0;
  const size_t n = m->ndof;
  const double *un = m->u, *vn = d->v, *an = d->a;
#pragma omp parallel for simd default(none) shared(u, un, vn, an, at) firstprivate(n, c0, c1, h) schedule(static)
  for (size_t i = 0; i < n; i++) at[i] = c0 * (u[i] - un[i] - h * vn[i]) - c1 * an[i];
}

void ns_mech_dyn_residual(struct ns_mech *m, const double *u, double h, double *R, struct ns_smat *K) {
  struct ns_mech_dynstate *d = &m->dyn;
  const size_t n = m->ndof;
  ns_vec_copy(n, d->Rqt, R);
  ns_mech_dyn_trial_accel(m, u, h, d->at);
  /* at <- (1 - am) a(u) + am a_n; y = M at; R += (y + af Rq_n) / (1 - af). */
  ns_vec_scale(n, 1.0 - d->am, d->at);
  ns_vec_axpy(n, d->am, d->a, d->at);
  ns_mech_dyn_apply_mass(m, d->at, d->y);
  const double s = 1.0 / (1.0 - d->af), saf = d->af / (1.0 - d->af);
  ns_vec_axpy(n, s, d->y, R);
  ns_vec_axpy(n, saf, d->Rq, R);
  if (K) add_mass(m, (1.0 - d->am) / ((1.0 - d->af) * d->beta * h * h), K);
}

enum ns_status ns_mech_dyn_prepare(struct ns_mech *m, struct ns_err *err) {
  struct ns_mech_dynstate *d = &m->dyn;
  if (memcmp(d->mask_prev, m->mask, m->ndof) != 0) {
    d->need_accel = 1;
    memcpy(d->mask_prev, m->mask, m->ndof);
  }
  if (!d->need_accel) return NS_OK;
  const size_t n = m->ndof;
  /* Quasi-static residual of the committed state at the committed time. */
  struct ns_mech_fail fail;
  if (ns_mech_kern_internal(m, m->u, DT_COMMITTED, d->Rq, NULL, &fail))
    return ns_err_set(err, NS_EINPUT, "mech: committed state at t = %.6g s has det F <= 0 in cell %zu", m->t,
                      fail.cell);
  if (m->has_extra) {
    enum ns_status s = m->extra.eval(m->extra.ctx, m->g, m->u, m->t, 0.0, d->Rq, NULL, err);
    if (s != NS_OK) {
      ns_err_prefix(err, "mech: initial acceleration: ");
      return s;
    }
  }
  ns_mech_external(m, m->t);
  ns_vec_axpy(n, -1.0, m->fext, d->Rq);
  /* M_FF a_F = -Rq_F - M_FD a_D. */
  double *rhs = d->y, *a = d->a;
  const uint8_t *mask = m->mask;
  if (d->opts.mass == NS_MASS_LUMPED) {
    const double *ml = d->mlump, *Rq = d->Rq;
#pragma omp parallel for simd default(none) shared(a, ml, Rq, mask) firstprivate(n) schedule(static)
    for (size_t i = 0; i < n; i++)
      if (!mask[i]) a[i] = -Rq[i] / ml[i];
  } else {
    double *aD = d->at;
    const double *Rq = d->Rq;
#pragma omp parallel for simd default(none) shared(aD, a, mask) firstprivate(n) schedule(static)
    for (size_t i = 0; i < n; i++) aD[i] = mask[i] ? a[i] : 0.0;
    ns_smat_apply(d->M, aD, rhs);
#pragma omp parallel for simd default(none) shared(aD, rhs, Rq, mask) firstprivate(n) schedule(static)
    for (size_t i = 0; i < n; i++) rhs[i] = mask[i] ? aD[i] : -Rq[i] - rhs[i];
    memcpy(m->K->a, d->M->a, m->K->bs * m->g->nnodes * sizeof *m->K->a);
    ns_smat_dirichlet(m->K, m->mask);
    NS_TRY(ns_mg_setup(m->mg, m->K, err));
    struct ns_linsolve_opts lo = m->opts.lin;
    lo.method = NS_KRYLOV_CG;
    lo.rtol = MASS_SOLVE_RTOL;
    lo.max_iter = MASS_SOLVE_MAX_ITER;
    struct ns_linsolve_info info;
    enum ns_status s = ns_mg_solve(m->mg, rhs, aD, &lo, &info, err);
    if (s != NS_OK && s != NS_ECONV) return s;
    ns_vec_copy(n, a, aD);
  }
  /* Constraint forces of the committed state: Rq + M a. */
  ns_mech_dyn_apply_mass(m, d->a, d->y);
  ns_vec_waxpy(n, m->Rc, 1.0, d->y, d->Rq);
  d->need_accel = 0;
  return NS_OK;
}

void ns_mech_dyn_reaction(struct ns_mech *m, const double *u_new, double h, double *Rc_new) {
  struct ns_mech_dynstate *d = &m->dyn;
  ns_mech_dyn_trial_accel(m, u_new, h, d->at);
  ns_mech_dyn_apply_mass(m, d->at, d->y);
  ns_vec_waxpy(m->ndof, Rc_new, 1.0, d->y, d->Rqt);
}

void ns_mech_dyn_accept(struct ns_mech *m, double h) {
  struct ns_mech_dynstate *d = &m->dyn;
  const size_t n = m->ndof;
  const double c = h * (1.0 - d->gamma), cg = h * d->gamma;
  double *v = d->v, *a = d->a;
  const double *at = d->at;
#pragma omp parallel for simd default(none) shared(v, a, at) firstprivate(n, c, cg) schedule(static)
  for (size_t i = 0; i < n; i++) {
    v[i] += c * a[i] + cg * at[i];
    a[i] = at[i];
  }
  ns_vec_copy(n, d->Rq, d->Rqt);
}

/* Zienkiewicz & Xie (1991): the local displacement error of Newmark's scheme is
 * (beta - 1/6) h^2 (a_{n+1} - a_n) + O(h^4); measured on the free dofs relative to the
 * displacement increment of the substep (so eta ~ (omega h)^2 |beta - 1/6| for a vibration). */
double ns_mech_dyn_error(struct ns_mech *m, const double *u_new, double h) {
  struct ns_mech_dynstate *d = &m->dyn;
  const size_t n = m->ndof;
  double *e = d->y;
  const double *at = d->at, *a = d->a, *un = m->u;
  const uint8_t *mask = m->mask;
  const double c = (d->beta - 1.0 / 6.0) * h * h;
  ns_mech_dyn_trial_accel(m, u_new, h, d->at);
#pragma omp parallel for simd default(none) shared(e, at, a, mask) firstprivate(n, c) schedule(static)
  for (size_t i = 0; i < n; i++) e[i] = mask[i] ? 0.0 : c * (at[i] - a[i]);
  const double en = ns_vec_norm2(n, e);
#pragma omp parallel for simd default(none) shared(e, u_new, un) firstprivate(n) schedule(static)
  for (size_t i = 0; i < n; i++) e[i] = u_new[i] - un[i];
  const double dn = ns_vec_norm2(n, e);
  return dn > 0.0 ? en / dn : (en > 0.0 ? HUGE_VAL : 0.0);
}

/* ---- energy ------------------------------------------------------------------------------- */

/* Serial sum in cell order (deterministic for any thread count). */
static double sum_cells(const struct ns_mech *m, const double *v) {
  double s = 0.0;
  for (size_t c = 0; c < m->ncells; c++) s += v[c];
  return s;
}

/* Algorithmic dissipation of the substep u -> u_new of length h (called by the commit after
 * ns_mech_dyn_reaction, so d->at holds a_new while v, a, Rq are still the committed ones). On the
 * free dofs the scheme solves M a_alpha + (1 - af) Rq_new + af Rq_old = 0; its product with du,
 * rewritten with the trapezoidal force (Rq_old + Rq_new) / 2 that the energy bookkeeping
 * integrates, is
 *   du . (Rq_old + Rq_new) / 2 + (K_new - K_old) + D = 0,
 *   D = du . M a_alpha - (K_new - K_old) + (1/2 - af) du . (Rq_new - Rq_old),
 * so D is the energy the scheme removes in the substep beyond the physical terms. With
 * am = af = 1/2, beta = 1/4, gamma = 1/2 (rho_inf = 1) the Newmark relations give
 * du = h (v_old + v_new) / 2 and M a_alpha . du = K_new - K_old: D = 0 identically. Scratch:
 * d->y and m->du (Newton's increment, unused at the commit). Serial sums (deterministic). */
static double numerical_dissipation(struct ns_mech *m, const double *u_new, const double *Rq_new, double h) {
  struct ns_mech_dynstate *d = &m->dyn;
  const size_t n = m->ndof;
  const double *un = m->u, *an = d->a, *at = d->at, *vn = d->v, *Rq = d->Rq;
  const uint8_t *mask = m->mask;
  double *w = m->du, *y = d->y;
  double D = 0.0;
  /* du . M a_alpha. */
  for (size_t i = 0; i < n; i++) w[i] = (1.0 - d->am) * at[i] + d->am * an[i];
  ns_mech_dyn_apply_mass(m, w, y);
  for (size_t i = 0; i < n; i++)
    if (!mask[i]) D += (u_new[i] - un[i]) * (y[i] + (0.5 - d->af) * (Rq_new[i] - Rq[i]));
  /* - (K_new - K_old) over the free dofs, v_new from the Newmark relation. */
  for (size_t i = 0; i < n; i++) w[i] = vn[i] + h * ((1.0 - d->gamma) * an[i] + d->gamma * at[i]);
  ns_mech_dyn_apply_mass(m, w, y);
  double k1 = 0.0, k0 = 0.0;
  for (size_t i = 0; i < n; i++)
    if (!mask[i]) k1 += w[i] * y[i];
  ns_mech_dyn_apply_mass(m, vn, y);
  for (size_t i = 0; i < n; i++)
    if (!mask[i]) k0 += vn[i] * y[i];
  return D - 0.5 * (k1 - k0);
}

void ns_mech_energy_increment(struct ns_mech *m, const double *u_new, const double *Rc_new, const double *Rq_new,
                              double dt) {
  struct ns_mech_ebook *eb = &m->eb;
  const size_t n = m->ndof;
  const double *u = m->u, *Rc = m->Rc, *fe = m->fext;
  /* f_extra of the new state: Rq = f_int + f_extra - f_ext. */
  double *fx = m->tmp;
  if (m->has_extra) {
    for (size_t i = 0; i < n; i++) fx[i] = Rq_new[i] - eb->fint[i] + fe[i];
  } else {
    ns_vec_set(n, fx, 0.0);
  }
  double wr[NS_MECH_MAX_REGIONS] = {0}, wfn = 0.0, wl = 0.0, wx = 0.0;
  for (size_t i = 0; i < n; i++) {
    const double du = u_new[i] - u[i];
    if (du == 0.0) continue;
    if (m->mask[i]) {
      const double w = 0.5 * (Rc[i] + Rc_new[i]) * du;
      if (m->src[i] >= 0) wr[m->src[i]] += w;
      else if (m->src[i] == NS_MECH_SRC_FN) wfn += w;
    }
    wl += 0.5 * (eb->fext_c[i] + fe[i]) * du;
    wx -= 0.5 * (eb->fx_c[i] + fx[i]) * du;
  }
  for (int r = 0; r < NS_MECH_MAX_REGIONS; r++) eb->work_region[r] += wr[r];
  eb->work_dirichlet += wfn;
  eb->work_load += wl;
  eb->work_extra += wx;
  ns_mech_kern_dissipation(m, u_new, dt, eb->cellbuf);
  eb->viscous += sum_cells(m, eb->cellbuf);
  if (eb->sel)
    for (size_t c = 0; c < m->ncells; c++)
      if (eb->sel[c]) eb->sel_viscous += eb->cellbuf[c];
  if (m->dyn.on) eb->numerical += numerical_dissipation(m, u_new, Rq_new, dt);
  ns_vec_copy(n, eb->fext_c, fe);
  ns_vec_copy(n, eb->fx_c, fx);
}

void ns_mech_energy(const struct ns_mech *m, struct ns_mech_energy *e) {
  memset(e, 0, sizeof *e);
  if (m->dyn.allocated && (m->dyn.mass_kind == (int)m->dyn.opts.mass)) {
    /* Kinetic energy with the mass of the current kind (scratch: the dynamics' own vector). */
    ns_mech_dyn_apply_mass(m, m->dyn.v, m->dyn.y);
    e->kinetic = 0.5 * ns_vec_dot(m->ndof, m->dyn.v, m->dyn.y);
  }
  ns_mech_kern_free_energy(m, m->eb.cellbuf, m->eb.cellbuf + m->ncells);
  e->stored = sum_cells(m, m->eb.cellbuf);
  e->strain = sum_cells(m, m->eb.cellbuf + m->ncells);
  e->viscous = m->eb.viscous;
  e->numerical = m->eb.numerical;
  for (int r = 0; r < NS_MECH_MAX_REGIONS; r++) {
    e->work_region[r] = m->eb.work_region[r];
    e->work_total += e->work_region[r];
  }
  e->work_dirichlet = m->eb.work_dirichlet;
  e->work_load = m->eb.work_load;
  e->work_extra = m->eb.work_extra;
  e->work_total += e->work_dirichlet + e->work_load + e->work_extra;
}

void ns_mech_energy_select(struct ns_mech *m, const unsigned char *mask) {
  m->eb.sel = mask;
  m->eb.sel_viscous = 0.0;
}

void ns_mech_energy_selected(const struct ns_mech *m, double *stored, double *viscous) {
  *viscous = m->eb.sel_viscous;
  *stored = 0.0;
  if (!m->eb.sel) return;
  ns_mech_kern_free_energy(m, m->eb.cellbuf, m->eb.cellbuf + m->ncells);
  for (size_t c = 0; c < m->ncells; c++)
    if (m->eb.sel[c]) *stored += m->eb.cellbuf[c];
}

void ns_mech_energy_reset(struct ns_mech *m) {
  struct ns_mech_ebook *eb = &m->eb;
  eb->viscous = eb->numerical = eb->work_dirichlet = eb->work_load = eb->work_extra = 0.0;
  for (int r = 0; r < NS_MECH_MAX_REGIONS; r++) eb->work_region[r] = 0.0;
}
