/* cohesive.c — cohesive ties along a known crack path: bilinear traction-separation law with
 * irreversible damage, as an extra contribution of the mechanics (see cohesive.h).
 *
 *   ns_cohesive_opts_defaults
 *   ns_cohesive_law_check, ns_cohesive_law_traction, ns_cohesive_law_energy   the law alone
 *   ns_cohesive_create, ns_cohesive_free
 *   ns_cohesive_add_node, ns_cohesive_add_face                               ties and their areas
 *   ns_cohesive_extra                                                        residual/tangent/commit hook
 *   ns_cohesive_update, ns_cohesive_ties, ns_cohesive_energy                 outputs
 *   ns_cohesive_break                                                        release one tie (energy criteria)
 *   ns_cohesive_state_size, _state_save, _state_restore                      checkpoint of the ties' history
 *
 * Each tie acts on one dof (node, comp) of its own, so the residual and tangent contributions
 * are a vector entry and a diagonal entry of the node's own stencil block. The tie count is small
 * (one grid face), so the loops are serial: deterministic and cheap next to the bulk assembly.
 * The evaluation allocates nothing and does not change the object except for remembering the
 * substep (t, dt) it was called with (the commit needs dt for the dashpot's dissipation).
 *
 * Lumped face areas: the closed-form integral of each node's bilinear shape function over the
 * face (axisymmetric weight 2 pi r), the same numbers ns_contact_add_face obtains with exact
 * two-point Gauss quadrature. contact.c computes them inline (no function to share), so they are
 * written here once more in closed form.
 */
#include "needlesim/cohesive.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "needlesim/smat.h"

/* 2 pi: axisymmetric areas are full rings. */
#define TWO_PI 6.283185307179586476925286766559
/* Released tie of an elastic set (opts.elastic): its compression penalty max(0, -delta) K is
 * rounded (C1, quadratic) over |delta| < this fraction of the peak opening delta_0 = sigma_c / K.
 * The released wall of a Griffith cut sits at delta ~ 0 (it would move into the ghost core) and
 * the kink of the plain penalty (slope K against 0) stalled Newton there. Measured with the
 * table parameters (scenarios/penetration_single.ini to 300 um, griffith; K = 2e12 Pa/m, 1000 x
 * the tissue's contact penalty): with 1e-2 and 0.1, 9 of 35 release trials did not converge (line
 * search on the released top wall corner's u_r, the correction changing sign between iterations),
 * with 0.3 none (854 instead of 1933 Newton iterations), with 1 none; the coarse CUT_CASE's
 * puncture forces are the same to 4 digits with 1e-2 and 0.3 (test_pen_griffith). The rounding
 * starts at delta = +w (w = this x delta_0): a released wall under a tissue pressure p sits at
 * delta = w - 2 sqrt(w p / K), held open by about w (3 um with the table's dermis delta_0 =
 * 10.5 um, 0.7 um in CUT_CASE) with a penalty energy K w^2 / 12 per area (1.5 J/m^2 with the
 * table's values, 1e-3 of G_c); a released wall the cone touches is opened by the cone anyway. */
#define RELEASED_ROUND 0.3
/* Initial capacity of the tie array (grows by doubling). */
#define TIES_INITIAL 64

struct ns_cohesive {
  const struct ns_grid *g; /* borrowed */
  int ndim;
  struct ns_cohesive_law *laws;
  int nlaw;
  struct ns_cohesive_opts opts;
  struct ns_cohesive_tie *ties;
  double *delta_c;         /* committed opening of every tie [m] (the dashpot's reference) */
  size_t n, cap;
  uint8_t *tied;           /* per dof (node*ndim + comp): 1 when a tie exists */
  struct ns_mech_extra chain;
  int has_chain;
  double t_eval, dt_eval;  /* substep of the last evaluation [s] */
  double viscous;          /* dashpot dissipation over committed substeps [J] */
};

/* ---- the law ------------------------------------------------------------------------------- */

struct ns_cohesive_opts ns_cohesive_opts_defaults(void) {
  struct ns_cohesive_opts o = {0, 0.0, 0};
  return o;
}

static int positive_finite(double x) { return x > 0.0 && isfinite(x); }

/* Validation of law number idx (idx < 0: a law on its own, no number in the message). */
static enum ns_status law_check(const struct ns_cohesive_law *law, int idx, struct ns_err *err) {
  char who[32] = "law";
  if (idx >= 0) snprintf(who, sizeof who, "law %d", idx);
  if (!positive_finite(law->strength))
    return ns_err_set(err, NS_EINPUT, "cohesive: %s: strength %g Pa must be positive and finite", who,
                      law->strength);
  if (!positive_finite(law->toughness))
    return ns_err_set(err, NS_EINPUT, "cohesive: %s: toughness %g J/m^2 must be positive and finite", who,
                      law->toughness);
  if (!positive_finite(law->stiffness))
    return ns_err_set(err, NS_EINPUT, "cohesive: %s: stiffness %g Pa/m must be positive and finite", who,
                      law->stiffness);
  const double d0 = law->strength / law->stiffness, dc = 2.0 * law->toughness / law->strength;
  if (!(d0 < dc))
    return ns_err_set(err, NS_EINPUT,
                      "cohesive: %s: stiffness %g Pa/m must exceed strength^2 / (2 toughness) = %g Pa/m (opening "
                      "at peak %g m >= final opening %g m)",
                      who, law->stiffness, law->strength * law->strength / (2.0 * law->toughness), d0, dc);
  return NS_OK;
}

enum ns_status ns_cohesive_law_check(const struct ns_cohesive_law *law, struct ns_err *err) {
  return law_check(law, -1, err);
}

/* Opening at peak and at full separation [m]. */
static void law_openings(const struct ns_cohesive_law *L, double *d0, double *dc) {
  *d0 = L->strength / L->stiffness;
  *dc = 2.0 * L->toughness / L->strength;
}

/* Secant stiffness (1 - D(kappa)) K [Pa/m], written so that no K-sized terms cancel. */
static double law_secant(const struct ns_cohesive_law *L, double kappa) {
  double d0, dc;
  law_openings(L, &d0, &dc);
  if (kappa <= d0) return L->stiffness;
  if (kappa >= dc) return 0.0;
  return L->strength * (dc - kappa) / ((dc - d0) * kappa);
}

/* Damage D(kappa) in [0, 1]. */
static double law_damage(const struct ns_cohesive_law *L, double kappa) {
  double d0, dc;
  law_openings(L, &d0, &dc);
  if (kappa <= d0) return 0.0;
  if (kappa >= dc) return 1.0;
  return fmin(1.0, dc * (kappa - d0) / (kappa * (dc - d0)));
}

double ns_cohesive_law_traction(const struct ns_cohesive_law *L, double delta, double kappa_c, int secant,
                                double *slope) {
  double d0, dc, k;
  law_openings(L, &d0, &dc);
  const double kt = fmax(kappa_c, delta);
  double t;
  if (delta < 0.0 || kt <= d0) { /* compression or elastic */
    k = L->stiffness;
    t = k * delta;
  } else if (kt >= dc) { /* broken (opening side) */
    k = 0.0;
    t = 0.0;
  } else if (delta >= kappa_c) { /* loading on the softening line */
    t = L->strength * (dc - delta) / (dc - d0);
    k = secant ? law_secant(L, kt) : -L->strength / (dc - d0);
  } else { /* unloading / reloading below the committed history */
    k = law_secant(L, kt);
    t = k * delta;
  }
  if (slope) *slope = k;
  return t;
}

void ns_cohesive_law_energy(const struct ns_cohesive_law *L, double delta, double kappa, double *stored,
                            double *dissipated) {
  double d0, dc;
  law_openings(L, &d0, &dc);
  if (stored) *stored = 0.5 * (delta < 0.0 ? L->stiffness : law_secant(L, kappa)) * delta * delta;
  if (dissipated) {
    if (kappa <= d0) *dissipated = 0.0;
    else if (kappa >= dc) *dissipated = L->toughness;
    else {
      /* W(kappa) = sigma_c d0 / 2 + (kappa - d0)(sigma_c + t)/2, minus t kappa / 2 stored. */
      const double t = L->strength * (dc - kappa) / (dc - d0);
      *dissipated = 0.5 * (L->strength * kappa - t * d0);
    }
  }
}

/* Dashpot coefficient of a law per unit area and the substep: eta sigma_c / delta_c / dt
 * [Pa/m]; 0 without regularisation or without a substep. */
static double dashpot(const struct ns_cohesive *c, const struct ns_cohesive_law *L, double dt) {
  if (!(c->opts.eta > 0.0) || !(dt > 0.0)) return 0.0;
  double d0, dc;
  law_openings(L, &d0, &dc);
  return c->opts.eta * L->strength / dc / dt;
}

/* ---- object -------------------------------------------------------------------------------- */

void ns_cohesive_free(struct ns_cohesive *c) {
  if (!c) return;
  free(c->laws);
  free(c->ties);
  free(c->delta_c);
  free(c->tied);
  free(c);
}

enum ns_status ns_cohesive_create(const struct ns_grid *grid, const struct ns_cohesive_law *laws, int nlaw,
                                  const struct ns_cohesive_opts *opts, struct ns_cohesive **out,
                                  struct ns_err *err) {
  *out = NULL;
  if (nlaw < 1) return ns_err_set(err, NS_EINPUT, "cohesive: nlaw = %d, at least one law is needed", nlaw);
  for (int i = 0; i < nlaw; i++) NS_TRY(law_check(&laws[i], i, err));
  const struct ns_cohesive_opts o = opts ? *opts : ns_cohesive_opts_defaults();
  if (!(o.eta >= 0.0) || !isfinite(o.eta))
    return ns_err_set(err, NS_EINPUT, "cohesive: eta %g s must be >= 0 and finite", o.eta);
  struct ns_cohesive *c = calloc(1, sizeof *c);
  if (!c) return ns_err_set(err, NS_ENOMEM, "cohesive: out of memory");
  c->g = grid;
  c->ndim = grid->ndim;
  c->nlaw = nlaw;
  c->opts = o;
  c->laws = malloc((size_t)nlaw * sizeof *c->laws);
  c->tied = calloc(grid->nnodes * (size_t)grid->ndim, 1);
  if (!c->laws || !c->tied) {
    ns_cohesive_free(c);
    return ns_err_set(err, NS_ENOMEM, "cohesive: out of memory for %zu nodes", grid->nnodes);
  }
  memcpy(c->laws, laws, (size_t)nlaw * sizeof *laws);
  c->t_eval = NAN;
  *out = c;
  return NS_OK;
}

enum ns_status ns_cohesive_add_node(struct ns_cohesive *c, size_t node, int comp, int sign, double area, int law,
                                    struct ns_err *err) {
  if (node >= c->g->nnodes)
    return ns_err_set(err, NS_EINPUT, "cohesive: node %zu out of range (%zu nodes)", node, c->g->nnodes);
  if (comp < 0 || comp >= c->ndim)
    return ns_err_set(err, NS_EINPUT, "cohesive: node %zu: comp %d outside [0, %d)", node, comp, c->ndim);
  if (sign != 1 && sign != -1)
    return ns_err_set(err, NS_EINPUT, "cohesive: node %zu: sign %d must be +1 or -1", node, sign);
  if (!(area >= 0.0) || !isfinite(area))
    return ns_err_set(err, NS_EINPUT, "cohesive: node %zu: area %g m^2 must be >= 0 and finite", node, area);
  if (law < 0 || law >= c->nlaw)
    return ns_err_set(err, NS_EINPUT, "cohesive: node %zu: law %d outside [0, %d)", node, law, c->nlaw);
  const size_t dof = node * (size_t)c->ndim + (size_t)comp;
  if (c->tied[dof])
    return ns_err_set(err, NS_EINPUT, "cohesive: node %zu comp %d already has a tie", node, comp);
  if (c->n == c->cap) {
    const size_t cap = c->cap ? 2 * c->cap : TIES_INITIAL;
    struct ns_cohesive_tie *t = realloc(c->ties, cap * sizeof *t);
    if (!t) return ns_err_set(err, NS_ENOMEM, "cohesive: out of memory for %zu ties", cap);
    c->ties = t;
    double *d = realloc(c->delta_c, cap * sizeof *d);
    if (!d) return ns_err_set(err, NS_ENOMEM, "cohesive: out of memory for %zu ties", cap);
    c->delta_c = d;
    c->cap = cap;
  }
  struct ns_cohesive_tie *e = &c->ties[c->n];
  memset(e, 0, sizeof *e);
  e->node = node;
  e->comp = comp;
  e->sign = sign;
  e->law = law;
  e->area = area;
  c->delta_c[c->n] = 0.0;
  c->tied[dof] = 1;
  c->n++;
  return NS_OK;
}

/* Lumped 1D weight of node i of coordinates x[0..n-1]: the integral of its hat function, with
 * the weight r (axisymmetric radial direction, times 2 pi) when radial != 0. */
static double hat_weight(const double *x, int n, int i, int radial) {
  double w = 0.0;
  if (i > 0) {
    const double h = x[i] - x[i - 1];
    w += radial ? TWO_PI * h * (x[i - 1] + 2.0 * x[i]) / 6.0 : 0.5 * h;
  }
  if (i < n - 1) {
    const double h = x[i + 1] - x[i];
    w += radial ? TWO_PI * h * (2.0 * x[i] + x[i + 1]) / 6.0 : 0.5 * h;
  }
  return w;
}

enum ns_status ns_cohesive_add_face(struct ns_cohesive *c, int face, int comp, int sign, ns_cohesive_law_fn law_of,
                                    void *ctx, struct ns_err *err) {
  const struct ns_grid *g = c->g;
  const int ndim = g->ndim;
  if (face < 0 || face >= 2 * ndim)
    return ns_err_set(err, NS_EINPUT, "cohesive: face %d does not exist on a %dD grid", face, ndim);
  const int dn = face / 2;
  const int kface = face % 2 ? g->n[dn] - 1 : 0;
  const int axi = g->geom == NS_GEOM_AXISYMMETRIC;
  int lo[3] = {0, 0, 0}, hi[3] = {g->n[0], g->n[1], g->n[2]};
  lo[dn] = kface;
  hi[dn] = kface + 1;
  for (int k = lo[2]; k < hi[2]; k++)
    for (int j = lo[1]; j < hi[1]; j++)
      for (int i = lo[0]; i < hi[0]; i++) {
        const int ijk[3] = {i, j, k};
        double X[3] = {0.0, 0.0, 0.0}, area = 1.0;
        for (int d = 0; d < ndim; d++) {
          X[d] = g->x[d][ijk[d]];
          if (d != dn) area *= hat_weight(g->x[d], g->n[d], ijk[d], axi && d == 0);
        }
        if (axi && dn == 0) area *= TWO_PI * X[0]; /* ring of the r = const face */
        const int law = law_of ? law_of(X, ctx) : 0;
        if (law < 0) continue;
        NS_TRY(ns_cohesive_add_node(c, ns_grid_index(g, i, j, k), comp, sign, area, law, err));
      }
  return NS_OK;
}

/* ---- extra contribution -------------------------------------------------------------------- */

/* 1 when tie e follows the linear law K delta (opts.elastic and not released). */
static int elastic_tie(const struct ns_cohesive *c, const struct ns_cohesive_tie *e) {
  return c->opts.elastic && !e->broken;
}

/* 1 for a released tie of an elastic set (the rounded compression penalty). */
static int released_tie(const struct ns_cohesive *c, const struct ns_cohesive_tie *e) {
  return c->opts.elastic && e->broken;
}

/* Rounded compression penalty of a released tie: traction t = -K phi(-delta) with phi(s) = s for
 * s >= w, (s + w)^2 / (4 w) for |s| < w, 0 below (w = RELEASED_ROUND delta_0); *slope its
 * derivative; *energy (may be NULL) the stored energy per unit area K Phi(-delta), Phi the
 * integral of phi (s^2 / 2 + w^2 / 6 for s >= w, (s + w)^3 / (12 w) inside, 0 below). */
static double released_traction(const struct ns_cohesive_law *L, double delta, double *slope, double *energy) {
  const double K = L->stiffness, w = RELEASED_ROUND * L->strength / K, s = -delta;
  if (s >= w) {
    *slope = K;
    if (energy) *energy = K * (0.5 * s * s + w * w / 6.0);
    return -K * s;
  }
  if (s <= -w) {
    *slope = 0.0;
    if (energy) *energy = 0.0;
    return 0.0;
  }
  *slope = 0.5 * K * (s + w) / w;
  if (energy) *energy = K * (s + w) * (s + w) * (s + w) / (12.0 * w);
  return -0.25 * K * (s + w) * (s + w) / w;
}

static enum ns_status cohesive_eval(void *ctx, const struct ns_grid *g, const double *u, double t, double dt,
                                    double *residual, struct ns_smat *K, struct ns_err *err) {
  struct ns_cohesive *c = ctx;
  if (c->has_chain) NS_TRY(c->chain.eval(c->chain.ctx, g, u, t, dt, residual, K, err));
  c->t_eval = t;
  c->dt_eval = dt;
  const int nd = c->ndim;
  const int zero[3] = {0, 0, 0};
  const size_t sc = (size_t)ns_smat_stencil_index(nd, zero);
  for (size_t i = 0; i < c->n; i++) {
    const struct ns_cohesive_tie *e = &c->ties[i];
    const struct ns_cohesive_law *L = &c->laws[e->law];
    const size_t dof = e->node * (size_t)nd + (size_t)e->comp;
    const double delta = e->sign * u[dof];
    double k = L->stiffness, tr = k * delta;
    if (released_tie(c, e)) tr = released_traction(L, delta, &k, NULL);
    else if (!elastic_tie(c, e)) tr = ns_cohesive_law_traction(L, delta, e->kappa, c->opts.secant, &k);
    if (!e->broken) {
      const double z = dashpot(c, L, dt);
      tr += z * (delta - c->delta_c[i]);
      k += z;
    }
    residual[dof] += e->sign * e->area * tr;
    if (K) K->a[e->node * K->bs + sc * (size_t)(nd * nd) + (size_t)(e->comp * nd + e->comp)] += e->area * k;
  }
  return NS_OK;
}

/* Accepted substep: the dashpot's dissipation with the substep of the last evaluation (the one
 * at the converged state), then history, damage and outputs at u. */
static void cohesive_commit(void *ctx, const double *u, double t) {
  struct ns_cohesive *c = ctx;
  if (c->has_chain && c->chain.commit) c->chain.commit(c->chain.ctx, u, t);
  const double dt = t == c->t_eval ? c->dt_eval : 0.0;
  const int nd = c->ndim;
  for (size_t i = 0; i < c->n; i++) {
    struct ns_cohesive_tie *e = &c->ties[i];
    const struct ns_cohesive_law *L = &c->laws[e->law];
    const double delta = e->sign * u[e->node * (size_t)nd + (size_t)e->comp];
    double tv = 0.0;
    if (!e->broken) {
      const double step = delta - c->delta_c[i];
      tv = dashpot(c, L, dt) * step;
      c->viscous += e->area * tv * step;
    }
    e->opening = delta;
    c->delta_c[i] = delta;
    if (elastic_tie(c, e)) { /* no history: kappa stays 0, the energy is 1/2 K delta^2 */
      e->traction = L->stiffness * delta + tv;
      continue;
    }
    if (released_tie(c, e)) {
      double k;
      e->traction = released_traction(L, delta, &k, NULL);
      continue;
    }
    e->traction = ns_cohesive_law_traction(L, delta, e->kappa, 0, NULL) + tv;
    e->kappa = fmax(e->kappa, delta);
    e->damage = law_damage(L, e->kappa);
    e->broken = e->damage >= 1.0;
  }
}

struct ns_mech_extra ns_cohesive_extra(struct ns_cohesive *c, const struct ns_mech_extra *chain) {
  c->has_chain = chain != NULL && chain->eval != NULL;
  if (c->has_chain) c->chain = *chain;
  else memset(&c->chain, 0, sizeof c->chain);
  struct ns_mech_extra x;
  x.eval = cohesive_eval;
  x.commit = cohesive_commit;
  x.ctx = c;
  x.symmetric = c->has_chain ? chain->symmetric : 1;
  return x;
}

/* ---- outputs ------------------------------------------------------------------------------- */

void ns_cohesive_update(struct ns_cohesive *c, const double *u) {
  const int nd = c->ndim;
  for (size_t i = 0; i < c->n; i++) {
    struct ns_cohesive_tie *e = &c->ties[i];
    e->opening = e->sign * u[e->node * (size_t)nd + (size_t)e->comp];
    double k;
    if (elastic_tie(c, e)) e->traction = c->laws[e->law].stiffness * e->opening;
    else if (released_tie(c, e)) e->traction = released_traction(&c->laws[e->law], e->opening, &k, NULL);
    else e->traction = ns_cohesive_law_traction(&c->laws[e->law], e->opening, e->kappa, 0, NULL);
  }
}

const struct ns_cohesive_tie *ns_cohesive_ties(const struct ns_cohesive *c, size_t *count) {
  if (count) *count = c->n;
  return c->ties;
}

void ns_cohesive_energy(const struct ns_cohesive *c, struct ns_cohesive_energy *en) {
  memset(en, 0, sizeof *en);
  const int nrep = (int)(sizeof en->dissipated_law / sizeof en->dissipated_law[0]);
  for (size_t i = 0; i < c->n; i++) {
    const struct ns_cohesive_tie *e = &c->ties[i];
    double w, d;
    ns_cohesive_law_energy(&c->laws[e->law], c->delta_c[i], e->kappa, &w, &d);
    if (released_tie(c, e)) {
      double k;
      released_traction(&c->laws[e->law], c->delta_c[i], &k, &w);
    }
    en->stored += e->area * w;
    en->dissipated += e->area * d;
    if (e->law < nrep) en->dissipated_law[e->law] += e->area * d;
    if (e->broken) en->broken++;
  }
  en->viscous = c->viscous;
}

/* ---- release and checkpoint ---------------------------------------------------------------- */

enum ns_status ns_cohesive_break(struct ns_cohesive *c, size_t i, struct ns_err *err) {
  if (i >= c->n) return ns_err_set(err, NS_EINPUT, "cohesive: tie %zu out of range (%zu ties)", i, c->n);
  struct ns_cohesive_tie *e = &c->ties[i];
  const struct ns_cohesive_law *L = &c->laws[e->law];
  double d0, dc;
  law_openings(L, &d0, &dc);
  e->kappa = fmax(e->kappa, dc);
  e->damage = 1.0;
  e->broken = 1;
  double k;
  e->traction = c->opts.elastic ? released_traction(L, e->opening, &k, NULL)
                                : ns_cohesive_law_traction(L, e->opening, e->kappa, 0, NULL);
  return NS_OK;
}

/* Buffer layout: the tie count, the ties (their history and last outputs), the committed
 * openings, then the last evaluation's substep and the dashpot's dissipation. */
size_t ns_cohesive_state_size(const struct ns_cohesive *c) {
  return sizeof(size_t) + c->n * (sizeof *c->ties + sizeof *c->delta_c) + 3 * sizeof(double);
}

void ns_cohesive_state_save(const struct ns_cohesive *c, void *buf) {
  unsigned char *p = buf;
  const double sc[3] = {c->t_eval, c->dt_eval, c->viscous};
  memcpy(p, &c->n, sizeof c->n);
  p += sizeof c->n;
  memcpy(p, c->ties, c->n * sizeof *c->ties);
  p += c->n * sizeof *c->ties;
  memcpy(p, c->delta_c, c->n * sizeof *c->delta_c);
  p += c->n * sizeof *c->delta_c;
  memcpy(p, sc, sizeof sc);
}

enum ns_status ns_cohesive_state_restore(struct ns_cohesive *c, const void *buf, size_t size, struct ns_err *err) {
  const unsigned char *p = buf;
  size_t n;
  if (size != ns_cohesive_state_size(c))
    return ns_err_set(err, NS_EINPUT, "cohesive: state buffer of %zu bytes, these ties need %zu", size,
                      ns_cohesive_state_size(c));
  memcpy(&n, p, sizeof n);
  if (n != c->n) return ns_err_set(err, NS_EINPUT, "cohesive: state buffer of %zu ties, this set has %zu", n, c->n);
  p += sizeof n;
  for (size_t i = 0; i < n; i++) {
    struct ns_cohesive_tie e;
    memcpy(&e, p + i * sizeof e, sizeof e);
    if (e.node != c->ties[i].node || e.comp != c->ties[i].comp)
      return ns_err_set(err, NS_EINPUT, "cohesive: state buffer of another tie set (tie %zu)", i);
  }
  memcpy(c->ties, p, n * sizeof *c->ties);
  p += n * sizeof *c->ties;
  memcpy(c->delta_c, p, n * sizeof *c->delta_c);
  p += n * sizeof *c->delta_c;
  double sc[3];
  memcpy(sc, p, sizeof sc);
  c->t_eval = sc[0];
  c->dt_eval = sc[1];
  c->viscous = sc[2];
  return NS_OK;
}
