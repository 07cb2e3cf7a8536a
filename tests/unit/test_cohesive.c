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
#include "needlesim/smat.h"

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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(law_single),
      cmocka_unit_test(tangent_fd),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
