/* test_cohesive.c — cohesive ties (sim/cohesive.c) against independent expectations.
 *
 *   law_single        the bilinear law alone and one tie through the module: tractions at sample
 *                     openings vs the hand-computed triangle, full opening dissipates G_c A,
 *                     unloading is linear to the origin with slope (1 - D) K and stored +
 *                     dissipated equals the work of the path (integrated independently),
 *                     compression is K delta and never damages
 *   tangent_fd        residual/tangent of the extra vs central differences on an annular
 *                     axisymmetric grid (wall and bottom ties) in the elastic, softening,
 *                     unloading, broken and compressed states, with and without the dashpot;
 *                     secant option; nothing but the tie dofs' diagonal is touched
 *   dashpot_dissipation  the viscous regularisation's dissipation booked at commits, none once
 *                     broken, rate-independent energies unchanged
 *   block_pull        an axisymmetric block held on its bottom by ties and pulled at its top in
 *                     load steps (ns_mech_step): peak force sigma_c A, zero force after
 *                     separation, dissipation G_c A, energy balance of the pulling region
 *   chaining          a spring extra chained behind the ties: both contributions, both commits
 *   face_areas        lumped areas of the faces sum to the faces' areas (axisymmetric, 3D)
 *   bad_input         invalid laws, options, nodes, components, signs, areas, laws indices and
 *                     faces are refused with NS_EINPUT and a message naming the field
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "needlesim/cohesive.h"
#include "needlesim/mech.h"
#include "needlesim/smat.h"
#include "dyn_problem.h"

/* pi (M_PI is not in strict C11). */
#define PI 3.14159265358979323846

static double rnd(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return (double)((*s * 2685821657736338717ULL) >> 11) / 4503599627370496.0 - 1.0;
}

/* Grid with n[d] = cells[d] + 1 nodes from lo[d] to hi[d], slightly nonuniform (so that lumped
 * areas differ from node to node). */
static struct ns_grid *make_grid(enum ns_geometry geom, const int cells[3], const double lo[3], const double hi[3]) {
  const int ndim = geom == NS_GEOM_3D ? 3 : 2;
  int n[3] = {1, 1, 1};
  double *x[3] = {NULL, NULL, NULL};
  for (int d = 0; d < ndim; d++) {
    n[d] = cells[d] + 1;
    x[d] = malloc((size_t)n[d] * sizeof(double));
    for (int i = 0; i < n[d]; i++) {
      double s = (double)i / cells[d];
      s += 0.15 * s * (1.0 - s);
      x[d][i] = lo[d] + (hi[d] - lo[d]) * s;
    }
  }
  struct ns_grid *g = NULL;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_grid_create(geom, n, (const double *const *)x, &g, &err), NS_OK);
  for (int d = 0; d < 3; d++) free(x[d]);
  return g;
}

/* A law with "high-entropy" values: sigma_c = 2.385 kPa, G_c = 1.7 J/m^2 (delta_c = 1.4256 mm),
 * K = 3.1e9 Pa/m (delta_0 = 0.769 um). */
static struct ns_cohesive_law law_a(void) {
  struct ns_cohesive_law L = {2.385e3, 1.7, 3.1e9};
  return L;
}

/* ---- 1. single tie ------------------------------------------------------------------------- */

/* The triangle by hand: (0, 0) - (delta_0, sigma_c) - (delta_c, 0) on the monotone path. */
static double triangle(double s, double d0, double dc, double delta) {
  if (delta <= d0) return s * delta / d0;
  if (delta >= dc) return 0.0;
  return s * (dc - delta) / (dc - d0);
}

static void law_single(void **state) {
  (void)state;
  const struct ns_cohesive_law L = law_a();
  const double s = L.strength, d0 = s / L.stiffness, dc = 2.0 * L.toughness / s;
  /* Monotone loading from a fresh tie (kappa_c = the opening reached so far). */
  const double samples[] = {0.37 * d0, d0, 2.0 * d0, 0.1 * dc, 0.5 * dc, 0.93 * dc, dc, 1.7 * dc};
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
    const double delta = samples[i];
    const double t = ns_cohesive_law_traction(&L, delta, 0.0, 0, NULL);
    /* Closed forms evaluated differently from the module (K delta vs sigma delta / delta_0,
     * line through two points): round-off only, 1e-12 of sigma_c. */
    assert_true(fabs(t - triangle(s, d0, dc, delta)) <= 1e-12 * s);
  }
  /* Hand value at delta = delta_c / 2: sigma_c (delta_c/2) / (delta_c - delta_0)
   * = 2385 * 0.7128235 / 1.4248699 mm = 1193.144 Pa. */
  assert_true(fabs(ns_cohesive_law_traction(&L, 0.5 * dc, 0.0, 0, NULL) - 1193.144) < 1e-3);

  /* Work of the monotone path to kappa, integrated by the trapezoid rule over the module's own
   * tractions with nodes at the kinks delta_0 and delta_c (exact for a piecewise linear curve),
   * compared with stored + dissipated from the state functions. */
  const double kappas[] = {0.5 * d0, 3.0 * d0, 0.27 * dc, 0.61 * dc, 1.3 * dc};
  for (size_t i = 0; i < sizeof kappas / sizeof kappas[0]; i++) {
    const double kap = kappas[i];
    double W = 0.0, dprev = 0.0, tprev = 0.0, kc = 0.0;
    const double knots[] = {d0, dc};
    double x = 0.0;
    for (int m = 0; m <= 3 && x < kap; m++) {
      const double xe = m < 2 ? fmin(knots[m], kap) : kap;
      if (!(xe > x)) continue;
      const int sub = 64;
      for (int q = 1; q <= sub; q++) {
        const double dq = x + (xe - x) * q / sub;
        const double tq = ns_cohesive_law_traction(&L, dq, kc, 0, NULL);
        W += 0.5 * (tq + tprev) * (dq - dprev);
        dprev = dq;
        tprev = tq;
        kc = dq;
      }
      x = xe;
    }
    double st, di;
    ns_cohesive_law_energy(&L, kap, kap, &st, &di);
    /* Exact quadrature of a piecewise linear curve: round-off of ~200 terms, 1e-12 of W. */
    assert_true(fabs(st + di - W) <= 1e-12 * W);
    assert_true(di >= 0.0 && di <= L.toughness);
    if (kap >= dc) assert_true(di == L.toughness); /* exactly G_c once broken */
    if (kap <= d0) assert_true(di == 0.0);

    /* Unload to delta < kappa: linear to the origin with slope (1 - D) K, D by hand. */
    const double Dh = kap <= d0 ? 0.0 : kap >= dc ? 1.0 : dc * (kap - d0) / (kap * (dc - d0));
    const double fr[] = {0.8, 0.45, 0.1};
    for (int f = 0; f < 3; f++) {
      const double dl = fr[f] * kap;
      double k;
      const double t = ns_cohesive_law_traction(&L, dl, kap, 0, &k);
      /* (1 - D) K written two ways: cancellation in 1 - D costs K-sized terms, 1e-9 relative. */
      assert_true(fabs(t - (1.0 - Dh) * L.stiffness * dl) <= 1e-9 * s);
      assert_true(fabs(k - (1.0 - Dh) * L.stiffness) <= 1e-9 * L.stiffness);
      /* stored + dissipated = W(kappa) - the work given back along the unloading line. */
      ns_cohesive_law_energy(&L, dl, kap, &st, &di);
      const double back = 0.5 * (1.0 - Dh) * L.stiffness * (kap * kap - dl * dl);
      assert_true(fabs(st + di - (W - back)) <= 1e-9 * W);
    }
    assert_true(ns_cohesive_law_traction(&L, 0.0, kap, 0, NULL) == 0.0);
  }

  /* Compression: K delta and slope K whatever the history. */
  const double hist[] = {0.0, 0.5 * dc, 2.0 * dc};
  for (int h = 0; h < 3; h++) {
    double k;
    const double t = ns_cohesive_law_traction(&L, -4.2 * d0, hist[h], 0, &k);
    assert_true(fabs(t + 4.2 * s) <= 1e-12 * s);
    assert_true(k == L.stiffness);
  }

  /* The same through one tie of the module: residual, commit, energies. */
  const int cells[3] = {2, 2, 1};
  const double lo[3] = {0.0, -1e-3, 0.0}, hi[3] = {1e-3, 0.0, 0.0};
  struct ns_grid *g = make_grid(NS_GEOM_AXISYMMETRIC, cells, lo, hi);
  struct ns_cohesive *c = NULL;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_cohesive_create(g, &L, 1, NULL, &c, &err), NS_OK);
  const size_t node = ns_grid_index(g, 1, 0, 0);
  const double A = 3.7e-7;
  assert_int_equal(ns_cohesive_add_node(c, node, 1, -1, A, 0, &err), NS_OK); /* opening = -u_z */
  struct ns_mech_extra x = ns_cohesive_extra(c, NULL);
  assert_int_equal(x.symmetric, 1);
  const size_t ndof = g->nnodes * 2;
  double *u = calloc(ndof, sizeof *u), *R = calloc(ndof, sizeof *R);
  /* Compression first: no damage. */
  u[node * 2 + 1] = 3.0 * d0;
  x.commit(x.ctx, u, 0.1);
  size_t nt = 0;
  const struct ns_cohesive_tie *tie = ns_cohesive_ties(c, &nt);
  assert_int_equal(nt, 1);
  assert_true(tie->damage == 0.0 && tie->kappa == 0.0 && !tie->broken);
  assert_true(fabs(tie->traction + 3.0 * s) <= 1e-12 * s);
  /* Open to 0.4 delta_c: residual entry = sign * A * t (the force the tie exerts is -A t along
   * the opening, i.e. +A t u_z). */
  u[node * 2 + 1] = -0.4 * dc;
  assert_int_equal(x.eval(x.ctx, g, u, 0.2, 0.1, R, NULL, &err), NS_OK);
  const double t04 = triangle(s, d0, dc, 0.4 * dc);
  assert_true(fabs(R[node * 2 + 1] - (-1.0) * A * t04) <= 1e-12 * A * s);
  for (size_t i = 0; i < ndof; i++)
    if (i != node * 2 + 1) assert_true(R[i] == 0.0);
  x.commit(x.ctx, u, 0.2);
  struct ns_cohesive_energy en;
  ns_cohesive_energy(c, &en);
  const double D04 = dc * (0.4 * dc - d0) / (0.4 * dc * (dc - d0));
  assert_true(fabs(tie->damage - D04) <= 1e-12);
  /* W(kappa) by hand for the triangle: sigma d0 / 2 + (kappa - d0)(sigma + t(kappa)) / 2. */
  const double W04 = 0.5 * s * d0 + 0.5 * (0.4 * dc - d0) * (s + t04);
  assert_true(fabs((en.stored + en.dissipated) - A * W04) <= 1e-12 * A * W04);
  assert_true(fabs(en.stored - 0.5 * A * t04 * 0.4 * dc) <= 1e-12 * A * W04);
  assert_true(en.broken == 0 && en.viscous == 0.0);
  /* Open fully: exactly G_c A dissipated, nothing stored, broken. */
  u[node * 2 + 1] = -1.05 * dc;
  x.commit(x.ctx, u, 0.3);
  ns_cohesive_energy(c, &en);
  assert_true(fabs(en.dissipated - L.toughness * A) <= 1e-12 * L.toughness * A);
  assert_true(en.stored == 0.0 && en.broken == 1 && tie->broken && tie->damage == 1.0);
  assert_true(fabs(en.dissipated_law[0] - en.dissipated) <= 1e-15 * en.dissipated);
  /* A broken tie still resists compression with K. */
  u[node * 2 + 1] = 2.0 * d0;
  memset(R, 0, ndof * sizeof *R);
  assert_int_equal(x.eval(x.ctx, g, u, 0.4, 0.1, R, NULL, &err), NS_OK);
  assert_true(fabs(R[node * 2 + 1] - (-1.0) * A * (-2.0 * s)) <= 1e-12 * A * s);
  free(u);
  free(R);
  ns_cohesive_free(c);
  ns_grid_free(g);
}

/* ---- 2. residual and tangent vs central differences ---------------------------------------- */

/* Two laws by depth (the layer of a node). */
static int law_by_depth(const double X[3], void *ctx) {
  (void)ctx;
  return X[1] > -0.4e-3 ? 0 : 1;
}

enum tie_state { ST_ELASTIC = 0, ST_SOFTENING, ST_UNLOADING, ST_BROKEN, ST_COMPRESSED, ST_COUNT };

/* Committed history kappa_c and current opening of a tie in state st (fractions chosen away
 * from the kinks by at least 0.2 delta_0 or 0.05 delta_c). */
static void state_openings(enum tie_state st, double d0, double dc, double *kc, double *delta) {
  switch (st) {
  case ST_ELASTIC: *kc = 0.3 * d0; *delta = 0.55 * d0; break;
  case ST_SOFTENING: *kc = 0.3 * dc; *delta = 0.47 * dc; break;
  case ST_UNLOADING: *kc = 0.6 * dc; *delta = 0.23 * dc; break;
  case ST_BROKEN: *kc = 1.2 * dc; *delta = 1.5 * dc; break;
  default: *kc = 0.5 * dc; *delta = -2.3 * d0; break;
  }
}

static void tangent_case(double eta, int secant) {
  const int cells[3] = {4, 4, 1};
  const double lo[3] = {2e-5, -1e-3, 0.0}, hi[3] = {1.02e-3, 0.0, 0.0}; /* annulus r0 = 20 um */
  struct ns_grid *g = make_grid(NS_GEOM_AXISYMMETRIC, cells, lo, hi);
  const struct ns_cohesive_law laws[2] = {law_a(), {1.1e4, 0.6, 8.0e9}};
  struct ns_cohesive_opts o = ns_cohesive_opts_defaults();
  o.eta = eta;
  o.secant = secant;
  struct ns_cohesive *c = NULL;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_cohesive_create(g, laws, 2, &o, &c, &err), NS_OK);
  assert_int_equal(ns_cohesive_add_face(c, NS_FACE_AXI_RMIN, 0, 1, law_by_depth, NULL, &err), NS_OK);
  assert_int_equal(ns_cohesive_add_face(c, NS_FACE_AXI_BOTTOM, 1, -1, law_by_depth, NULL, &err), NS_OK);
  size_t nt = 0;
  const struct ns_cohesive_tie *ties = ns_cohesive_ties(c, &nt);
  assert_int_equal(nt, 10); /* 5 wall nodes + 5 bottom nodes (the corner has one tie of each) */
  struct ns_mech_extra x = ns_cohesive_extra(c, NULL);
  const size_t ndof = g->nnodes * 2;
  double *u = calloc(ndof, sizeof *u), *v = calloc(ndof, sizeof *v), *R = calloc(ndof, sizeof *R);
  double *Rp = calloc(ndof, sizeof *Rp), *Rm = calloc(ndof, sizeof *Rm), *Kv = calloc(ndof, sizeof *Kv);
  uint64_t seed = 0x5EEDu + (uint64_t)(secant + 2 * (eta > 0.0));
  /* Committed history: commit at the kappa_c openings (in two steps, so that the dashpot's
   * committed opening is the second one and differs from the current opening). */

  int count[ST_COUNT] = {0};
  for (size_t i = 0; i < nt; i++) {
    const struct ns_cohesive_law *L = &laws[ties[i].law];
    const double d0 = L->strength / L->stiffness, dc = 2.0 * L->toughness / L->strength;
    double kc, delta;
    state_openings((enum tie_state)(i % ST_COUNT), d0, dc, &kc, &delta);
    u[ties[i].node * 2 + (size_t)ties[i].comp] = ties[i].sign * kc;
    count[i % ST_COUNT]++;
  }
  x.commit(x.ctx, u, 1.0);
  for (int st = 0; st < ST_COUNT; st++) assert_true(count[st] == 2);
  for (size_t i = 0; i < nt; i++) {
    const struct ns_cohesive_law *L = &laws[ties[i].law];
    const double d0 = L->strength / L->stiffness, dc = 2.0 * L->toughness / L->strength;
    double kc, delta;
    state_openings((enum tie_state)(i % ST_COUNT), d0, dc, &kc, &delta);
    u[ties[i].node * 2 + (size_t)ties[i].comp] = ties[i].sign * delta;
    assert_true(ties[i].broken == (i % ST_COUNT == ST_BROKEN));
  }
  /* Other dofs get random values: they must not matter. */
  for (size_t i = 0; i < ndof; i++) {
    v[i] = rnd(&seed);
    if (u[i] == 0.0) u[i] = 1e-5 * rnd(&seed);
  }
  struct ns_smat *K = NULL;
  assert_int_equal(ns_smat_create(g, 2, &K, &err), NS_OK);
  const double dt = 0.37; /* s: a substep for the dashpot */
  assert_int_equal(x.eval(x.ctx, g, u, 1.37, dt, R, K, &err), NS_OK);
  ns_smat_apply(K, v, Kv);
  /* Step: 1e-3 of the smallest distance to a kink (0.2 delta_0 of law a = 0.15 um), so every
   * tie stays on its branch; the law is piecewise linear, so central differences are exact up to
   * round-off. */
  const double e = 1.5e-10;
  for (size_t i = 0; i < ndof; i++) u[i] += e * v[i];
  assert_int_equal(x.eval(x.ctx, g, u, 1.37, dt, Rp, NULL, &err), NS_OK);
  for (size_t i = 0; i < ndof; i++) u[i] -= 2.0 * e * v[i];
  assert_int_equal(x.eval(x.ctx, g, u, 1.37, dt, Rm, NULL, &err), NS_OK);
  for (size_t i = 0; i < ndof; i++) u[i] += e * v[i];
  for (size_t i = 0; i < nt; i++) {
    const size_t dof = ties[i].node * 2 + (size_t)ties[i].comp;
    const double fd = (Rp[dof] - Rm[dof]) / (2.0 * e);
    const struct ns_cohesive_law *L = &laws[ties[i].law];
    /* Round-off: R ~ A sigma_c is known to ~1e-16 relative, so the difference quotient to
     * ~1e-16 A sigma_c / e; 100 times that plus 1e-10 of the entry. */
    const double tol = 1e-10 * fabs(Kv[dof]) + 1e-14 * ties[i].area * L->strength / e;
    if (secant) {
      /* The secant is not the derivative while softening: check it against (1 - D) K there. */
      if (i % ST_COUNT == ST_SOFTENING) {
        const double d0 = L->strength / L->stiffness, dc = 2.0 * L->toughness / L->strength;
        double kc, delta;
        state_openings(ST_SOFTENING, d0, dc, &kc, &delta);
        const double ks = L->strength * (dc - delta) / ((dc - d0) * delta);
        double z = eta > 0.0 ? eta * L->strength / dc / dt : 0.0;
        assert_true(fabs(Kv[dof] - ties[i].area * (ks + z) * v[dof]) <= 1e-10 * fabs(Kv[dof]));
        assert_true(ks > 0.0);
        continue;
      }
    }
    if (fabs(fd - Kv[dof]) > tol)
      fail_msg("tie %zu (state %zu): fd %.10e tangent %.10e", i, i % ST_COUNT, fd, Kv[dof]);
    /* Softening without regularisation has a negative slope; broken ties none. */
    if (i % ST_COUNT == ST_SOFTENING && !(eta > 0.0) && !secant) assert_true(Kv[dof] * v[dof] < 0.0);
    if (i % ST_COUNT == ST_BROKEN) assert_true(Kv[dof] == 0.0 && R[dof] == 0.0);
  }
  /* Untied dofs: no residual, no tangent; the tangent is diagonal and so symmetric. */
  for (size_t i = 0; i < ndof; i++) {
    int tied = 0;
    for (size_t j = 0; j < nt; j++) tied |= ties[j].node * 2 + (size_t)ties[j].comp == i;
    if (!tied) assert_true(R[i] == 0.0 && Kv[i] == 0.0);
  }
  assert_true(ns_smat_asymmetry(K) == 0.0);
  /* The residual is the force of the law (plus the dashpot) at the current opening. */
  for (size_t i = 0; i < nt; i++) {
    const struct ns_cohesive_law *L = &laws[ties[i].law];
    const double d0 = L->strength / L->stiffness, dc = 2.0 * L->toughness / L->strength;
    double kc, delta;
    state_openings((enum tie_state)(i % ST_COUNT), d0, dc, &kc, &delta);
    double t = delta < 0.0 ? L->stiffness * delta : triangle(L->strength, d0, dc, fmax(delta, kc));
    if (delta >= 0.0 && delta < kc) t *= delta / kc; /* unloading: secant line to the origin */
    if (eta > 0.0 && i % ST_COUNT != ST_BROKEN) t += eta * L->strength / dc * (delta - kc) / dt;
    /* Hand formula vs module: round-off, 1e-10 of sigma_c (the dashpot term can be 10x it). */
    assert_true(fabs(R[ties[i].node * 2 + (size_t)ties[i].comp] - ties[i].sign * ties[i].area * t) <=
                1e-10 * ties[i].area * L->strength * (1.0 + fabs(delta - kc) / dc * eta / dt));
  }
  ns_smat_free(K);
  free(u);
  free(v);
  free(R);
  free(Rp);
  free(Rm);
  free(Kv);
  ns_cohesive_free(c);
  ns_grid_free(g);
}

static void tangent_fd(void **state) {
  (void)state;
  tangent_case(0.0, 0);
  tangent_case(0.05, 0); /* dashpot: eta/dt = 0.14, its slope comparable to softening's */
  tangent_case(0.0, 1);
}

/* ---- 2b. dashpot dissipation ------------------------------------------------------------------ */

/* One tie with the viscous regularisation: the commit after an evaluation of the substep books
 * A t_v (delta - delta_old) with t_v = eta sigma_c / delta_c (delta - delta_old) / dt; the
 * rate-independent energies are unchanged by it; a broken tie has no dashpot. */
static void dashpot_dissipation(void **state) {
  (void)state;
  const int cells[3] = {2, 2, 1};
  const double lo[3] = {0.0, -1e-3, 0.0}, hi[3] = {1e-3, 0.0, 0.0};
  struct ns_grid *g = make_grid(NS_GEOM_AXISYMMETRIC, cells, lo, hi);
  const struct ns_cohesive_law L = law_a();
  const double s = L.strength, d0 = s / L.stiffness, dc = 2.0 * L.toughness / s;
  struct ns_cohesive_opts o = ns_cohesive_opts_defaults();
  o.eta = 0.013; /* s */
  struct ns_cohesive *c = NULL;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_cohesive_create(g, &L, 1, &o, &c, &err), NS_OK);
  const size_t node = ns_grid_index(g, 2, 1, 0);
  const double A = 2.9e-7;
  assert_int_equal(ns_cohesive_add_node(c, node, 0, 1, A, 0, &err), NS_OK);
  struct ns_mech_extra x = ns_cohesive_extra(c, NULL);
  const size_t ndof = g->nnodes * 2;
  double *u = calloc(ndof, sizeof *u), *R = calloc(ndof, sizeof *R);
  const double z = o.eta * s / dc; /* dashpot per unit area [Pa s/m] */
  const double steps[3][2] = {{0.2 * dc, 0.3}, {0.45 * dc, 0.7}, {1.3 * dc, 0.4}}; /* opening, dt */
  double t = 0.0, dprev = 0.0, visc = 0.0;
  const struct ns_cohesive_tie *tie = ns_cohesive_ties(c, NULL);
  for (int k = 0; k < 3; k++) {
    const double delta = steps[k][0], dt = steps[k][1];
    t += dt;
    u[node * 2] = delta;
    memset(R, 0, ndof * sizeof *R);
    assert_int_equal(x.eval(x.ctx, g, u, t, dt, R, NULL, &err), NS_OK);
    const double tv = z * (delta - dprev) / dt; /* the tie was unbroken at the last commit */
    /* Law plus dashpot by hand: round-off, 1e-12 of the larger of the two. */
    assert_true(fabs(R[node * 2] - A * (triangle(s, d0, dc, delta) + tv)) <= 1e-12 * A * fmax(s, tv));
    x.commit(x.ctx, u, t);
    visc += A * tv * (delta - dprev);
    assert_true(fabs(tie->traction - (triangle(s, d0, dc, delta) + tv)) <= 1e-12 * fmax(s, tv));
    struct ns_cohesive_energy en;
    ns_cohesive_energy(c, &en);
    assert_true(fabs(en.viscous - visc) <= 1e-12 * visc);
    double st, di;
    ns_cohesive_law_energy(&L, delta, delta, &st, &di);
    assert_true(fabs(en.stored + en.dissipated - A * (st + di)) <= 1e-12 * A * (st + di));
    dprev = delta;
  }
  /* Broken now: a further opening evaluates to zero traction, no dashpot, no dissipation. */
  assert_true(tie->broken);
  u[node * 2] = 1.6 * dc;
  memset(R, 0, ndof * sizeof *R);
  assert_int_equal(x.eval(x.ctx, g, u, t + 0.5, 0.5, R, NULL, &err), NS_OK);
  assert_true(R[node * 2] == 0.0);
  x.commit(x.ctx, u, t + 0.5);
  struct ns_cohesive_energy en;
  ns_cohesive_energy(c, &en);
  assert_true(fabs(en.viscous - visc) <= 1e-12 * visc);
  assert_true(fabs(en.dissipated - L.toughness * A) <= 1e-12 * L.toughness * A);
  free(u);
  free(R);
  ns_cohesive_free(c);
  ns_grid_free(g);
}

/* ---- 3. a block pulled off its substrate ---------------------------------------------------- */

static double ramp_scale(double t, void *ctx) {
  (void)ctx;
  return t;
}

/* Neo-Hookean block material, density 1000 kg/m^3 (dyn_problem.h). */
static struct ns_material neo(double mu, double kappa) { return dyn_neo(mu, kappa, 1000.0); }

static struct ns_mech_region pull_region(int face, int comp, double per_time) {
  struct ns_mech_region r;
  memset(&r, 0, sizeof r);
  r.kind = NS_REGION_DISPLACEMENT;
  r.face = face;
  r.shape = NS_SHAPE_BOX;
  for (int d = 0; d < 3; d++) {
    r.lo[d] = -HUGE_VAL;
    r.hi[d] = HUGE_VAL;
  }
  r.comp_mask = 1u << comp;
  r.value[comp] = per_time;
  r.scale = ramp_scale;
  return r;
}

static struct ns_mech_opts tight_opts(double dt) {
  struct ns_mech_opts o = ns_mech_opts_defaults();
  o.newton_rtol = 1e-10; /* far below the 1e-4 comparisons */
  o.lin.rtol = 1e-12;
  o.lin.max_iter = 2000;
  o.dt_initial = dt;
  o.dt_max = dt;
  o.dt_min = 1e-9;
  return o;
}

/* Axisymmetric cylinder, radius W = 1 mm, height H = 1 mm, 8 x 8 cells, neo-Hookean (mu 10 kPa,
 * kappa 100 kPa: E = 29.03 kPa); its bottom z = -H is tied in u_z (sign +1: the block moving up
 * separates) with sigma_c = 1 kPa, G_c = 1 J/m^2 (delta_c = 2 mm), K = 100 E / h; the top is
 * pulled up by u_z = t [mm] (t is a load parameter). The state is homogeneous (uniaxial stress,
 * uniform opening): Q1 with mean dilatation reproduces it exactly and the lumped areas are the
 * consistent nodal weights of a uniform traction. No snap-back: the block's stiffness E/H =
 * 2.9e7 Pa/m exceeds the softening slope sigma_c / (delta_c - delta_0) = 5e5 Pa/m, so
 * displacement control follows the whole softening branch with the consistent tangent. */
static void block_pull(void **state) {
  (void)state;
  const double W = 1e-3, H = 1e-3, mu = 1e4, kap = 1e5;
  const double E = 9.0 * kap * mu / (3.0 * kap + mu);
  const int cells[3] = {8, 8, 1};
  const double lo[3] = {0.0, -H, 0.0}, hi[3] = {W, 0.0, 0.0};
  struct ns_grid *g = make_grid(NS_GEOM_AXISYMMETRIC, cells, lo, hi);
  const double hmin = 0.85 * H / 8.0; /* smallest cell of the stretched grid (s' = 0.85 at s = 1) */
  const struct ns_cohesive_law L = {1e3, 1.0, 100.0 * E / hmin};
  const double d0 = L.strength / L.stiffness;
  const double A = PI * W * W;
  struct ns_material mat = neo(mu, kap);
  uint8_t ids[64] = {0};
  struct ns_mech_opts mo = tight_opts(0.1);
  struct ns_mech *m = NULL;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_mech_create(g, &mat, 1, ids, &mo, &m, &err), NS_OK);
  int rid = -1;
  struct ns_mech_region r = pull_region(NS_FACE_AXI_TOP, 1, 1e-3);
  assert_int_equal(ns_mech_add_region(m, &r, &rid, &err), NS_OK);
  struct ns_cohesive *c = NULL;
  assert_int_equal(ns_cohesive_create(g, &L, 1, NULL, &c, &err), NS_OK);
  assert_int_equal(ns_cohesive_add_face(c, NS_FACE_AXI_BOTTOM, 1, 1, NULL, NULL, &err), NS_OK);
  struct ns_mech_extra x = ns_cohesive_extra(c, NULL);
  ns_mech_set_extra(m, &x);
  size_t nt = 0;
  const struct ns_cohesive_tie *ties = ns_cohesive_ties(c, &nt);
  assert_int_equal(nt, 9);

  /* Load steps: coarse (t_p / 20, t_p the small-strain estimate of the peak, (delta_0 + sigma_c
   * H / E) / 1 mm) until the ties' traction, extrapolated linearly from the last two steps, would
   * pass 0.97 sigma_c at the next step; then NFINE steps across the extrapolated peak time t*
   * (window [t, 2 t* - t], the elastic branch is nearly linear); then 0.05 mm steps that land on
   * u = delta_c = 2 mm exactly (where the force vanishes: the second kink of the curve), and
   * beyond to 2.5 mm. */
  enum { NFINE = 120 };
  const double tp = (d0 + L.strength * H / E) / 1e-3;
  double Fmax = 0.0, dFmax = 0.0, Fprev = 0.0, err_eq = 0.0, spread = 0.0;
  double t = 0.0, t_last = 0.0, tr_last = 0.0, t_fine0 = NAN, dt_fine = NAN;
  int ipeak = -1, nfine = -1, nsteps = 0;
  struct ns_mech_energy me;
  struct ns_cohesive_energy ce;
  double bal_mid = NAN, bal_mid_x = NAN, scale_mid = NAN;
  while (t < 2.5 - 1e-12) {
    const int fine = nfine >= 0 && nfine < NFINE;
    if (nfine < 0) {
      t_last = t;
      t += tp / 20.0;
    } else if (nfine < NFINE) {
      t = t_fine0 + dt_fine * ++nfine;
    } else {
      t = 0.05 * (floor(t / 0.05 + 1e-9) + 1.0);
    }
    enum ns_status st = ns_mech_step(m, t, &err);
    if (st != NS_OK) fail_msg("step to t = %g: %s", t, err.msg);
    nsteps++;
    double f[3];
    assert_int_equal(ns_mech_reaction(m, rid, f, &err), NS_OK);
    /* Equilibrium: the pull equals the ties' force sum A_i t_i (tractions of the commit). */
    double ft = 0.0, tmin = HUGE_VAL, tmax = -HUGE_VAL;
    for (size_t k = 0; k < nt; k++) {
      ft += ties[k].area * ties[k].traction;
      tmin = fmin(tmin, ties[k].opening);
      tmax = fmax(tmax, ties[k].opening);
    }
    err_eq = fmax(err_eq, fabs(f[1] - ft));
    spread = fmax(spread, (tmax - tmin) / fmax(tmax, d0));
    if (f[1] > Fmax) {
      Fmax = f[1];
      ipeak = fine ? nfine : -1;
    }
    if (fine) dFmax = fmax(dFmax, fabs(f[1] - Fprev));
    Fprev = f[1];
    if (nfine < 0) {
      const double tr = ties[0].traction, slope = (tr - tr_last) / (t - t_last);
      if (tr + slope * tp / 20.0 > 0.97 * L.strength) {
        const double tstar = t + (L.strength - tr) / slope;
        t_fine0 = t;
        dt_fine = 2.0 * (tstar - t) / NFINE;
        nfine = 0;
      }
      tr_last = tr;
    }
    if (fabs(t - 1.0) < 1e-12) { /* mid-softening: energy balance with a partly damaged interface */
      ns_mech_energy(m, &me);
      ns_cohesive_energy(c, &ce);
      bal_mid = me.work_region[rid] - (me.stored + ce.stored + ce.dissipated);
      bal_mid_x = -me.work_extra - (ce.stored + ce.dissipated);
      scale_mid = ce.stored + ce.dissipated;
    }
  }
  double f[3];
  assert_int_equal(ns_mech_reaction(m, rid, f, &err), NS_OK);
  ns_mech_energy(m, &me);
  ns_cohesive_energy(c, &ce);
  const double GA = L.toughness * A;
  printf("# block pull (%d load steps, %ld substeps, %ld Newton iterations): peak %.8e N (sigma_c A %.8e N, "
         "rel %.2e) at step %d of %d in the fine window, largest fine increment %.2e N; final force %.2e N; "
         "dissipated / (G_c A) - 1 = %.2e; equilibrium %.2e N, opening spread %.2e\n",
         nsteps, ns_mech_get_stats(m)->steps_accepted, ns_mech_get_stats(m)->newton_iters, Fmax, L.strength * A,
         Fmax / (L.strength * A) - 1.0, ipeak, NFINE, dFmax, f[1], ce.dissipated / GA - 1.0, err_eq, spread);
  printf("# balance mid-softening: (W_pull - stored - D) / (stored_ties + D) = %.3e, (-W_extra - ties) / ties = "
         "%.3e; end: W_pull / (G_c A) - 1 = %.3e, bulk stored %.2e J\n",
         bal_mid / scale_mid, bal_mid_x / scale_mid, me.work_region[rid] / GA - 1.0, me.stored);
  /* Uniform state: every tie has the same opening to the solver tolerance (1e-10 relative
   * Newton tolerance; 1e-6 leaves room for the linear solver's 1e-12). */
  assert_true(spread < 1e-6);
  /* Equilibrium reaction = sum A t to the Newton tolerance (1e-10 of ~sigma_c A = 3 mN). */
  assert_true(err_eq <= 1e-7 * L.strength * A);
  /* Peak: the force curve is piecewise monotone, so the sampled maximum lies within one load
   * increment's force change of the true peak sigma_c A (measured increments ~5e-4 of it); it
   * cannot exceed sigma_c A beyond the equilibrium tolerance. The peak must lie inside the fine
   * window (not at its ends). */
  assert_true(ipeak > 0 && ipeak < NFINE);
  assert_true(Fmax <= L.strength * A * (1.0 + 1e-7));
  assert_true(Fmax >= L.strength * A - dFmax);
  assert_true(dFmax < 1e-3 * L.strength * A);
  /* Separated: every tie broken, force zero to the Newton tolerance (absolute floor ~1e-14 N). */
  assert_int_equal(ce.broken, nt);
  assert_true(fabs(f[1]) <= 1e-9 * L.strength * A);
  /* Dissipation is a state function: exactly G_c times the areas, whose sum is pi W^2 up to
   * round-off. */
  assert_true(fabs(ce.dissipated - GA) <= 1e-12 * GA);
  assert_true(ce.stored == 0.0);
  /* Energy balance, work of the pull by the mechanics' trapezoid rule: the force is piecewise
   * linear in u except (a) the kink at the peak, error <= (slope jump) du^2 / 8 = (E A / H)
   * (2 t_p / 120 mm)^2 / 8 ~ 4e-12 J vs G_c A = 3e-6 J, (b) the kink at delta_c, on a step end,
   * and (c) the neo-Hookean curvature of the bulk (strain <= 3.5 %): trapezoid error ~ (du)^2
   * F''/12 per unit u, F'' ~ strain F / u^2, ~3e-7 of G_c A for the 20 coarse steps to the peak
   * (measured 5e-7 of G_c A for the pull, 1e-9 of the ties' energy for the ties' own work). 1e-5
   * leaves room for the step schedule. */
  assert_true(fabs(me.work_region[rid] - (me.stored + ce.stored + ce.dissipated)) <= 1e-5 * GA);
  assert_true(fabs(bal_mid) <= 1e-5 * scale_mid);
  assert_true(fabs(bal_mid_x) <= 1e-5 * scale_mid);
  assert_true(me.stored < 1e-12 * GA); /* the bulk is unloaded after separation */
  ns_mech_free(m);
  ns_cohesive_free(c);
  ns_grid_free(g);
}

/* ---- 4. chaining ---------------------------------------------------------------------------- */

struct spring {
  size_t dof;
  double k;      /* N/m */
  int commits;   /* how often commit was called */
  int evals;
};

static enum ns_status spring_eval(void *ctx, const struct ns_grid *g, const double *u, double t, double dt,
                                  double *residual, struct ns_smat *K, struct ns_err *err) {
  (void)g;
  (void)t;
  (void)dt;
  (void)err;
  struct spring *s = ctx;
  s->evals++;
  residual[s->dof] += s->k * u[s->dof];
  if (K) {
    const int zero[3] = {0, 0, 0};
    const size_t node = s->dof / 2, comp = s->dof % 2;
    K->a[node * K->bs + (size_t)ns_smat_stencil_index(2, zero) * 4 + comp * 2 + comp] += s->k;
  }
  return NS_OK;
}

static void spring_commit(void *ctx, const double *u, double t) {
  (void)u;
  (void)t;
  struct spring *s = ctx;
  s->commits++;
}

static void chaining(void **state) {
  (void)state;
  const int cells[3] = {4, 4, 1};
  const double lo[3] = {0.0, -1e-3, 0.0}, hi[3] = {1e-3, 0.0, 0.0};
  struct ns_grid *g = make_grid(NS_GEOM_AXISYMMETRIC, cells, lo, hi);
  const struct ns_cohesive_law L = {1e3, 1.0, 2e10};
  struct ns_cohesive *c = NULL;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_cohesive_create(g, &L, 1, NULL, &c, &err), NS_OK);
  assert_int_equal(ns_cohesive_add_face(c, NS_FACE_AXI_BOTTOM, 1, 1, NULL, NULL, &err), NS_OK);
  /* The spring acts on a tied dof (bottom node 2, u_z) so both contributions share an entry. */
  const size_t node = ns_grid_index(g, 2, 0, 0);
  struct spring sp = {node * 2 + 1, 37.0, 0, 0};
  struct ns_mech_extra inner = {spring_eval, spring_commit, &sp, 0};
  struct ns_mech_extra x = ns_cohesive_extra(c, &inner);
  assert_int_equal(x.symmetric, 0); /* inherited from the chained extra */
  inner.symmetric = 1;
  x = ns_cohesive_extra(c, &inner);
  assert_int_equal(x.symmetric, 1);
  const size_t ndof = g->nnodes * 2;
  double *u = calloc(ndof, sizeof *u), *R = calloc(ndof, sizeof *R);
  const double delta = 0.5 * L.strength / L.stiffness; /* elastic */
  u[sp.dof] = delta;
  struct ns_smat *K = NULL;
  assert_int_equal(ns_smat_create(g, 2, &K, &err), NS_OK);
  assert_int_equal(x.eval(x.ctx, g, u, 0.0, 0.0, R, K, &err), NS_OK);
  size_t nt = 0;
  const struct ns_cohesive_tie *ties = ns_cohesive_ties(c, &nt);
  double A = 0.0;
  for (size_t i = 0; i < nt; i++)
    if (ties[i].node == node) A = ties[i].area;
  assert_true(A > 0.0);
  /* Spring k u plus tie A K delta: sums of two exact products, round-off only. */
  assert_true(fabs(R[sp.dof] - (sp.k * delta + A * L.stiffness * delta)) <= 1e-14 * A * L.strength);
  const int zero[3] = {0, 0, 0};
  const double kd = K->a[node * K->bs + (size_t)ns_smat_stencil_index(2, zero) * 4 + 3];
  assert_true(fabs(kd - (sp.k + A * L.stiffness)) <= 1e-14 * A * L.stiffness);
  assert_int_equal(sp.evals, 1);
  /* In a mechanics run both commits happen once per accepted substep. */
  struct ns_material mat = neo(1e4, 1e5);
  uint8_t ids[16] = {0};
  struct ns_mech_opts mo = tight_opts(0.25);
  struct ns_mech *m = NULL;
  assert_int_equal(ns_mech_create(g, &mat, 1, ids, &mo, &m, &err), NS_OK);
  struct ns_mech_region r = pull_region(NS_FACE_AXI_TOP, 1, 1e-6);
  assert_int_equal(ns_mech_add_region(m, &r, NULL, &err), NS_OK);
  ns_mech_set_extra(m, &x);
  assert_int_equal(ns_mech_step(m, 1.0, &err), NS_OK);
  const long acc = ns_mech_get_stats(m)->steps_accepted;
  assert_true(acc >= 4);
  assert_int_equal(sp.commits, (int)acc);
  /* The ties' commit ran too: their opening and kappa are those of the committed u. */
  const double *uc = ns_mech_displacement(m);
  for (size_t i = 0; i < nt; i++) {
    assert_true(ties[i].opening == uc[ties[i].node * 2 + 1]);
    assert_true(ties[i].kappa == ties[i].opening && ties[i].opening > 0.0);
  }
  ns_mech_free(m);
  ns_smat_free(K);
  free(u);
  free(R);
  ns_cohesive_free(c);
  ns_grid_free(g);
}

/* ---- 5. face areas and input validation ----------------------------------------------------- */

static int skip_left(const double X[3], void *ctx) {
  const double *cut = ctx;
  return X[0] < *cut ? -1 : 0;
}

static double area_sum(const struct ns_cohesive *c) {
  size_t n = 0;
  const struct ns_cohesive_tie *t = ns_cohesive_ties(c, &n);
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += t[i].area;
  return s;
}

static void face_areas(void **state) {
  (void)state;
  const struct ns_cohesive_law L = law_a();
  struct ns_err err = NS_ERR_INIT;
  /* Annulus r0 = 0.1 mm .. 1.1 mm, depth 0.8 mm. */
  const double r0 = 1e-4, R1 = 1.1e-3, D = 8e-4;
  const int cells[3] = {6, 5, 1};
  const double lo[3] = {r0, -D, 0.0}, hi[3] = {R1, 0.0, 0.0};
  struct ns_grid *g = make_grid(NS_GEOM_AXISYMMETRIC, cells, lo, hi);
  /* Exact integrals (linear / quadratic integrands): round-off only, 1e-13. */
  const int faces[4] = {NS_FACE_AXI_RMIN, NS_FACE_AXI_RMAX, NS_FACE_AXI_BOTTOM, NS_FACE_AXI_TOP};
  const double exact[4] = {2.0 * PI * r0 * D, 2.0 * PI * R1 * D, PI * (R1 * R1 - r0 * r0), PI * (R1 * R1 - r0 * r0)};
  for (int f = 0; f < 4; f++) {
    struct ns_cohesive *c = NULL;
    assert_int_equal(ns_cohesive_create(g, &L, 1, NULL, &c, &err), NS_OK);
    assert_int_equal(ns_cohesive_add_face(c, faces[f], f < 2 ? 0 : 1, 1, NULL, NULL, &err), NS_OK);
    assert_true(fabs(area_sum(c) - exact[f]) <= 1e-13 * exact[f]);
    ns_cohesive_free(c);
  }
  /* A callback that skips nodes: the top face's nodes with r >= 0.5 mm only. */
  struct ns_cohesive *c = NULL;
  double cut = 5e-4;
  assert_int_equal(ns_cohesive_create(g, &L, 1, NULL, &c, &err), NS_OK);
  assert_int_equal(ns_cohesive_add_face(c, NS_FACE_AXI_TOP, 1, -1, skip_left, &cut, &err), NS_OK);
  size_t n = 0;
  const struct ns_cohesive_tie *t = ns_cohesive_ties(c, &n);
  int want = 0;
  for (int i = 0; i < g->n[0]; i++) want += g->x[0][i] >= cut;
  assert_int_equal((int)n, want);
  for (size_t i = 0; i < n; i++) assert_true(t[i].sign == -1 && t[i].comp == 1);
  ns_cohesive_free(c);
  ns_grid_free(g);
  /* 3D box faces: W1 x W2 etc. */
  const int c3[3] = {3, 4, 2};
  const double lo3[3] = {0.0, 0.0, -7e-4}, hi3[3] = {1.3e-3, 9e-4, 0.0};
  g = make_grid(NS_GEOM_3D, c3, lo3, hi3);
  const double ex3[3] = {9e-4 * 7e-4, 1.3e-3 * 7e-4, 1.3e-3 * 9e-4};
  for (int f = 0; f < 6; f++) {
    assert_int_equal(ns_cohesive_create(g, &L, 1, NULL, &c, &err), NS_OK);
    assert_int_equal(ns_cohesive_add_face(c, f, f / 2, 1, NULL, NULL, &err), NS_OK);
    assert_true(fabs(area_sum(c) - ex3[f / 2]) <= 1e-13 * ex3[f / 2]);
    ns_cohesive_free(c);
  }
  ns_grid_free(g);
}

/* Expect NS_EINPUT with `field` in the message. */
static void expect_einput(enum ns_status s, struct ns_err *err, const char *field) {
  assert_int_equal(s, NS_EINPUT);
  if (!strstr(err->msg, field)) fail_msg("message '%s' does not name '%s'", err->msg, field);
  ns_err_clear(err);
}

static void bad_input(void **state) {
  (void)state;
  const int cells[3] = {2, 2, 1};
  const double lo[3] = {0.0, -1e-3, 0.0}, hi[3] = {1e-3, 0.0, 0.0};
  struct ns_grid *g = make_grid(NS_GEOM_AXISYMMETRIC, cells, lo, hi);
  struct ns_err err = NS_ERR_INIT;
  struct ns_cohesive *c = NULL;
  const struct ns_cohesive_law good = law_a();
  struct ns_cohesive_law bad[6] = {good, good, good, good, good, good};
  bad[0].strength = -1.0;
  bad[1].toughness = 0.0;
  bad[2].stiffness = NAN;
  bad[3].strength = INFINITY;
  bad[4].stiffness = good.strength * good.strength / (2.0 * good.toughness); /* delta_0 = delta_c */
  bad[5].toughness = -2.0;
  const char *field[6] = {"strength", "toughness", "stiffness", "strength", "stiffness", "toughness"};
  for (int i = 0; i < 6; i++) {
    struct ns_cohesive_law two[2] = {good, bad[i]};
    expect_einput(ns_cohesive_create(g, two, 2, NULL, &c, &err), &err, field[i]);
    assert_null(c);
    expect_einput(ns_cohesive_law_check(&bad[i], &err), &err, field[i]);
  }
  {
    struct ns_cohesive_law two[2] = {good, bad[0]};
    expect_einput(ns_cohesive_create(g, two, 2, NULL, &c, &err), &err, "law 1");
  }
  expect_einput(ns_cohesive_create(g, &good, 0, NULL, &c, &err), &err, "nlaw");
  struct ns_cohesive_opts o = ns_cohesive_opts_defaults();
  o.eta = -1.0;
  expect_einput(ns_cohesive_create(g, &good, 1, &o, &c, &err), &err, "eta");
  assert_int_equal(ns_cohesive_create(g, &good, 1, NULL, &c, &err), NS_OK);
  expect_einput(ns_cohesive_add_node(c, g->nnodes, 0, 1, 1e-6, 0, &err), &err, "node");
  expect_einput(ns_cohesive_add_node(c, 3, 2, 1, 1e-6, 0, &err), &err, "comp");
  expect_einput(ns_cohesive_add_node(c, 3, -1, 1, 1e-6, 0, &err), &err, "comp");
  expect_einput(ns_cohesive_add_node(c, 3, 0, 0, 1e-6, 0, &err), &err, "sign");
  expect_einput(ns_cohesive_add_node(c, 3, 0, 2, 1e-6, 0, &err), &err, "sign");
  expect_einput(ns_cohesive_add_node(c, 3, 0, 1, -1e-6, 0, &err), &err, "area");
  expect_einput(ns_cohesive_add_node(c, 3, 0, 1, NAN, 0, &err), &err, "area");
  expect_einput(ns_cohesive_add_node(c, 3, 0, 1, 1e-6, 1, &err), &err, "law");
  expect_einput(ns_cohesive_add_face(c, 4, 0, 1, NULL, NULL, &err), &err, "face");
  expect_einput(ns_cohesive_add_face(c, NS_FACE_AXI_TOP, 3, 1, NULL, NULL, &err), &err, "comp");
  assert_int_equal(ns_cohesive_add_node(c, 3, 0, 1, 1e-6, 0, &err), NS_OK);
  expect_einput(ns_cohesive_add_node(c, 3, 0, -1, 1e-6, 0, &err), &err, "already");
  size_t n = 0;
  ns_cohesive_ties(c, &n);
  assert_int_equal(n, 1); /* the refused ties were not added */
  ns_cohesive_free(c);
  ns_cohesive_free(NULL);
  ns_grid_free(g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(law_single),
      cmocka_unit_test(tangent_fd),
      cmocka_unit_test(dashpot_dissipation),
      cmocka_unit_test(block_pull),
      cmocka_unit_test(chaining),
      cmocka_unit_test(face_areas),
      cmocka_unit_test(bad_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
