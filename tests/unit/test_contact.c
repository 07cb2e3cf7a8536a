/* test_contact.c — rigid body of revolution contact (sim/contact.c) against independent values.
 *
 *   profiles            body radius R(h) of the four shapes against hand-computed values
 *   distance_*          signed distances at points where the answer is known by hand (below a
 *                       flat punch, beside the shaft, below a sphere, inside a cone, at a
 *                       corner), the normal is a unit vector, and it is the gradient of the
 *                       distance (central differences)
 *   tangent_*           the contact tangent equals the central difference of the contact
 *                       residual (axisymmetric and 3D, every body, random displacements) and
 *                       is symmetric
 *   areas               lumped face areas sum to pi W^2 (axisymmetric) and W^2 (3D)
 *   flat_contact_region a flat punch by contact and by a prescribed-displacement region give the
 *                       same force on the same grid (the contact is the same constraint enforced
 *                       by penalty + Uzawa), remaining penetration tiny
 *   bad_input           invalid bodies and options are refused with NS_EINPUT
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

#include "needlesim/contact.h"
#include "needlesim/punch.h"
#include "needlesim/smat.h"

/* pi (PI is not in strict C11). */
#define PI 3.14159265358979323846

static double rnd(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return (double)((*s * 2685821657736338717ULL) >> 11) / 4503599627370496.0 - 1.0;
}

static void profiles(void **state) {
  (void)state;
  struct ns_body f = {NS_BODY_FLAT, 2.0, 0.0, 0.0, {0, 0}};
  assert_true(ns_body_radius_at(&f, -0.1) == 0.0);
  assert_true(fabs(ns_body_radius_at(&f, 0.0) - 2.0) < 1e-15);
  assert_true(fabs(ns_body_radius_at(&f, 5.0) - 2.0) < 1e-15);
  struct ns_body s = {NS_BODY_SPHERE, 1.0, 0.0, 0.0, {0, 0}};
  /* Circle x^2 + (1 - h)^2 = 1: at h = 0.2, x = sqrt(1 - 0.64) = 0.6; above the equator R. */
  assert_true(fabs(ns_body_radius_at(&s, 0.2) - 0.6) < 1e-14);
  assert_true(fabs(ns_body_radius_at(&s, 3.0) - 1.0) < 1e-15);
  struct ns_body c = {NS_BODY_CONE, 0.0, PI / 4.0, 0.0, {0, 0}};
  assert_true(fabs(ns_body_radius_at(&c, 0.7) - 0.7) < 1e-14); /* tan(45 deg) = 1 */
  /* Needle: rho = 1, theta = 30 deg: the arc meets the cone at r = cos 30 = 0.8660, h = 1 -
   * sin 30 = 0.5; the cone reaches Rs = 2 at h = 0.5 + (2 - 0.866)/tan 30 = 2.4641. */
  struct ns_body n = {NS_BODY_NEEDLE, 2.0, PI / 6.0, 1.0, {0, 0}};
  assert_true(fabs(ns_body_radius_at(&n, 0.5) - sqrt(3.0) / 2.0) < 1e-12);
  assert_true(fabs(ns_body_radius_at(&n, 1.0) - (sqrt(3.0) / 2.0 + 0.5 * tan(PI / 6.0))) < 1e-12);
  assert_true(fabs(ns_body_radius_at(&n, 2.4641016) - 2.0) < 1e-6);
  assert_true(fabs(ns_body_radius_at(&n, 10.0) - 2.0) < 1e-15);
}

/* Normal is the gradient of the distance and has unit length. */
static void check_gradient(const struct ns_body *b, double r, double h) {
  double n[2], H[3];
  ns_body_distance(b, r, h, n, H);
  assert_true(fabs(hypot(n[0], n[1]) - 1.0) < 1e-12);
  const double e = 1e-7;
  const double dr = (ns_body_distance(b, r + e, h, NULL, NULL) - ns_body_distance(b, r - e, h, NULL, NULL)) / (2 * e);
  const double dz = (ns_body_distance(b, r, h + e, NULL, NULL) - ns_body_distance(b, r, h - e, NULL, NULL)) / (2 * e);
  /* Central differences of a smooth function with step 1e-7 of unit-size geometry: 1e-6. */
  assert_true(fabs(dr - n[0]) < 1e-6);
  assert_true(fabs(dz - n[1]) < 1e-6);
}

static void distance_known(void **state) {
  (void)state;
  struct ns_body f = {NS_BODY_FLAT, 1.0, 0.0, 0.0, {0, 0}};
  double n[2];
  /* Below the flat face: distance = -h... outside below (h = -0.3): 0.3, normal (0, -1). */
  assert_true(fabs(ns_body_distance(&f, 0.5, -0.3, n, NULL) - 0.3) < 1e-15);
  assert_true(fabs(n[1] + 1.0) < 1e-15);
  /* Inside, 0.1 above the face and 0.2 from the side: depth 0.1. */
  assert_true(fabs(ns_body_distance(&f, 0.8, 0.1, n, NULL) + 0.1) < 1e-15);
  /* Inside, closer to the side: depth 0.05, normal (1, 0). */
  assert_true(fabs(ns_body_distance(&f, 0.95, 0.5, n, NULL) + 0.05) < 1e-15);
  assert_true(fabs(n[0] - 1.0) < 1e-15);
  /* Outside diagonally from the corner (1, 0): distance to the corner, 0.5 for (1.3, -0.4). */
  assert_true(fabs(ns_body_distance(&f, 1.3, -0.4, n, NULL) - 0.5) < 1e-14);
  assert_true(fabs(n[0] - 0.6) < 1e-14 && fabs(n[1] + 0.8) < 1e-14);
  struct ns_body s = {NS_BODY_SPHERE, 1.0, 0.0, 0.0, {0, 0}};
  /* Sphere centre (0, 1): point (0.6, 0.2) on the surface; (1.2, -0.6) at distance 2 - 1 = 1. */
  assert_true(fabs(ns_body_distance(&s, 0.6, 0.2, NULL, NULL)) < 1e-14);
  assert_true(fabs(ns_body_distance(&s, 1.2, -0.6, NULL, NULL) - 1.0) < 1e-14);
  assert_true(fabs(ns_body_distance(&s, 0.0, 0.5, NULL, NULL) + 0.5) < 1e-14);
  /* Beside the shaft above the equator: distance r - 1. */
  assert_true(fabs(ns_body_distance(&s, 1.5, 4.0, NULL, NULL) - 0.5) < 1e-14);
  struct ns_body c = {NS_BODY_CONE, 0.0, PI / 4.0, 0.0, {0, 0}};
  /* 45-degree cone: the point (0, 1) on the axis is 1/sqrt 2 inside; (1, 0) is 1/sqrt 2 away. */
  assert_true(fabs(ns_body_distance(&c, 0.0, 1.0, NULL, NULL) + sqrt(0.5)) < 1e-14);
  assert_true(fabs(ns_body_distance(&c, 1.0, 0.0, NULL, NULL) - sqrt(0.5)) < 1e-14);
  /* Below the tip: distance to the tip. */
  assert_true(fabs(ns_body_distance(&c, 0.3, -0.4, NULL, NULL) - 0.5) < 1e-14);
  struct ns_body nd = {NS_BODY_NEEDLE, 2.0, PI / 6.0, 1.0, {0, 0}};
  /* Rounded tip about (0, 1): (0, -1) is at distance 1; beside the shaft: r - 2. */
  assert_true(fabs(ns_body_distance(&nd, 0.0, -1.0, NULL, NULL) - 1.0) < 1e-14);
  assert_true(fabs(ns_body_distance(&nd, 3.0, 10.0, NULL, NULL) - 1.0) < 1e-14);
  assert_true(fabs(ns_body_distance(&nd, 1.5, 10.0, NULL, NULL) + 0.5) < 1e-14);
  /* Gradients at generic points of every piece, inside and outside. */
  const struct ns_body *bodies[] = {&f, &s, &c, &nd};
  const double pts[][2] = {{0.4, -0.2}, {0.3, 0.05}, {1.4, 0.3}, {1.2, -0.5}, {0.9, 0.7}, {2.5, 3.0}, {0.2, 0.9}};
  for (int b = 0; b < 4; b++)
    for (size_t p = 0; p < sizeof pts / sizeof pts[0]; p++) check_gradient(bodies[b], pts[p][0], pts[p][1]);
}

static struct ns_grid *box_grid(int ndim, int cells, double W, double D) {
  int n[3] = {cells + 1, cells + 1, 1};
  if (ndim == 3) n[2] = cells + 1;
  double *x[3] = {NULL, NULL, NULL};
  for (int d = 0; d < ndim; d++) {
    x[d] = malloc((size_t)(cells + 1) * sizeof(double));
    /* Slightly nonuniform spacing so that areas differ between nodes. */
    for (int i = 0; i <= cells; i++) {
      double s = (double)i / cells;
      s = s + 0.2 * s * (1.0 - s);
      x[d][i] = d == ndim - 1 ? -D + D * s : W * s;
    }
  }
  struct ns_grid *g = NULL;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_grid_create(ndim == 2 ? NS_GEOM_AXISYMMETRIC : NS_GEOM_3D, n, (const double *const *)x, &g, &err),
                   NS_OK);
  for (int d = 0; d < 3; d++) free(x[d]);
  return g;
}

static struct ns_material mat(void) {
  struct ns_material m;
  memset(&m, 0, sizeof m);
  m.model = NS_HYPER_NEOHOOKE;
  m.mu = 1e3;
  m.kappa = 1e4;
  m.alpha = 2.0;
  m.density = 1000.0;
  return m;
}

static void tangent_case(int ndim, const struct ns_body *b, uint64_t seed) {
  const int cells = 8;
  struct ns_grid *g = box_grid(ndim, cells, 1e-3, 1e-3);
  struct ns_material m = mat();
  size_t nc = (size_t)cells * (size_t)cells * (ndim == 3 ? (size_t)cells : 1);
  uint8_t *cm = calloc(nc, 1);
  struct ns_contact *c = NULL;
  struct ns_err err = NS_ERR_INIT;
  struct ns_contact_opts o = ns_contact_opts_defaults();
  o.smoothing = 0.0; /* the check is at generic points, away from the ramp's kink */
  assert_int_equal(ns_contact_create(g, &m, 1, cm, b, &o, &c, &err), NS_OK);
  assert_int_equal(ns_contact_add_face(c, ns_mech_face_top(ndim), &err), NS_OK);
  ns_contact_set_tip(c, -1e-4);
  struct ns_mech_extra x = ns_contact_extra(c);
  const size_t ndof = g->nnodes * (size_t)ndim;
  double *u = calloc(ndof, sizeof *u), *v = calloc(ndof, sizeof *v), *R0 = calloc(ndof, sizeof *R0);
  double *Rp = calloc(ndof, sizeof *Rp), *Rm = calloc(ndof, sizeof *Rm), *Kv = calloc(ndof, sizeof *Kv);
  for (size_t i = 0; i < ndof; i++) {
    u[i] = 3e-5 * rnd(&seed);
    v[i] = rnd(&seed);
  }
  struct ns_smat *K = NULL;
  assert_int_equal(ns_smat_create(g, ndim, &K, &err), NS_OK);
  assert_int_equal(x.eval(x.ctx, g, u, 0.0, 0.0, R0, K, &err), NS_OK);
  ns_smat_apply(K, v, Kv);
  const double e = 1e-9; /* m: 1e-4 of the displacement scale */
  for (size_t i = 0; i < ndof; i++) u[i] += e * v[i];
  assert_int_equal(x.eval(x.ctx, g, u, 0.0, 0.0, Rp, NULL, &err), NS_OK);
  for (size_t i = 0; i < ndof; i++) u[i] -= 2.0 * e * v[i];
  assert_int_equal(x.eval(x.ctx, g, u, 0.0, 0.0, Rm, NULL, &err), NS_OK);
  for (size_t i = 0; i < ndof; i++) u[i] += e * v[i];
  double diff = 0.0, scale = 0.0;
  for (size_t i = 0; i < ndof; i++) {
    diff = fmax(diff, fabs((Rp[i] - Rm[i]) / (2.0 * e) - Kv[i]));
    scale = fmax(scale, fabs(Kv[i]));
  }
  ns_contact_update(c, u, 0.0);
  assert_true(ns_contact_result(c)->nactive > 0); /* the check must see contact */
  /* Central differences: truncation (e/L)^2 ~ 1e-12, round-off ~ 1e-16/1e-5: 1e-8 is loose. */
  assert_true(diff <= 1e-8 * scale);
  assert_true(ns_smat_asymmetry(K) < 1e-14); /* symmetric by construction */
  ns_smat_free(K);
  free(u);
  free(v);
  free(R0);
  free(Rp);
  free(Rm);
  free(Kv);
  free(cm);
  ns_contact_free(c);
  ns_grid_free(g);
}

static void tangent_axi(void **state) {
  (void)state;
  struct ns_body bodies[] = {{NS_BODY_FLAT, 4e-4, 0, 0, {0, 0}},
                             {NS_BODY_SPHERE, 5e-4, 0, 0, {0, 0}},
                             {NS_BODY_CONE, 0, 1.2, 0, {0, 0}},
                             {NS_BODY_CONE, 0, 1.2, 1e-4, {0, 0}},
                             {NS_BODY_NEEDLE, 3e-4, 1.0, 1e-4, {0, 0}}};
  for (int b = 0; b < 5; b++) tangent_case(2, &bodies[b], 11u + (uint64_t)b);
}

static void tangent_3d(void **state) {
  (void)state;
  struct ns_body bodies[] = {{NS_BODY_FLAT, 4e-4, 0, 0, {1e-5, 2e-5}},
                             {NS_BODY_SPHERE, 5e-4, 0, 0, {1e-5, 2e-5}},
                             {NS_BODY_CONE, 0, 1.2, 1e-4, {3e-4, 2e-4}},
                             {NS_BODY_NEEDLE, 3e-4, 1.0, 1e-4, {1e-5, 2e-5}}};
  for (int b = 0; b < 4; b++) tangent_case(3, &bodies[b], 21u + (uint64_t)b);
}

static void areas(void **state) {
  (void)state;
  for (int ndim = 2; ndim <= 3; ndim++) {
    const double W = 2e-3;
    struct ns_grid *g = box_grid(ndim, 8, W, 1e-3);
    struct ns_material m = mat();
    uint8_t *cm = calloc(8 * 8 * 8, 1);
    struct ns_body b = {NS_BODY_FLAT, 1e-4, 0, 0, {0, 0}};
    struct ns_contact *c = NULL;
    struct ns_err err = NS_ERR_INIT;
    assert_int_equal(ns_contact_create(g, &m, 1, cm, &b, NULL, &c, &err), NS_OK);
    assert_int_equal(ns_contact_add_face(c, ns_mech_face_top(ndim), &err), NS_OK);
    /* Adding the face again must not duplicate nodes. */
    assert_int_equal(ns_contact_add_face(c, ns_mech_face_top(ndim), &err), NS_OK);
    size_t n = 0;
    const struct ns_contact_node *nodes = ns_contact_nodes(c, &n);
    assert_int_equal(n, ndim == 2 ? 9 : 81);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += nodes[i].area;
    const double exact = ndim == 2 ? PI * W * W : W * W;
    assert_true(fabs(sum - exact) < 1e-13 * exact); /* exact quadrature: round-off only */
    free(cm);
    ns_contact_free(c);
    ns_grid_free(g);
  }
}

static void flat_contact_region(void **state) {
  (void)state;
  const double a = 1e-3, E = 1e4;
  struct ns_punch_spec s = ns_punch_spec_default(NS_GEOM_AXISYMMETRIC, a, E, 0.3);
  s.level = 2;
  struct ns_punch_load L;
  memset(&L, 0, sizeof L);
  L.kind = NS_PUNCH_FLAT_FRICTIONLESS;
  L.delta = 1e-3 * a;
  L.steps = 1;
  struct ns_punch_result rr, rc;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_punch_solve(&s, &L, &rr, &err), NS_OK);
  L.kind = NS_PUNCH_CONTACT;
  L.body.kind = NS_BODY_FLAT;
  L.body.radius = a;
  L.copts = ns_contact_opts_defaults();
  L.aug.max_updates = 4;
  L.aug.pen_tol = 1e-6 * L.delta;
  assert_int_equal(ns_punch_solve(&s, &L, &rc, &err), NS_OK);
  /* The contact enforces u_z = -delta on the nodes under the face like the region does, to the
   * penalty/Uzawa accuracy (penetration <= 1e-6 delta). The one difference is the node at the
   * sharp edge r = a: it moves inward by u_r, and once u_r exceeds its penetration the side of
   * the punch is its closest face (the corner of a signed-distance contact is ambiguous), so it
   * is pushed sideways instead of down. That node carries a share ~h/a of the force and its
   * singular edge pressure, an O(h) effect that vanishes under refinement (measured: 3 % at
   * level 1, 0.12 % at level 2, h_edge = a/32): 0.5 % bounds it at this level. */
  assert_true(rc.max_penetration <= 1e-6 * L.delta);
  assert_true(fabs(rc.force / rr.force - 1.0) < 5e-3);
  assert_true(fabs(rc.contact_radius - a) < 1e-3 * a);
}

static void bad_input(void **state) {
  (void)state;
  struct ns_err err = NS_ERR_INIT;
  struct ns_body b = {NS_BODY_CONE, 0.0, 2.0, 0.0, {0, 0}}; /* 2 rad > pi/2 */
  assert_int_equal(ns_body_check(&b, &err), NS_EINPUT);
  struct ns_body s = {NS_BODY_SPHERE, -1.0, 0.0, 0.0, {0, 0}};
  assert_int_equal(ns_body_check(&s, &err), NS_EINPUT);
  struct ns_body n = {NS_BODY_NEEDLE, 0.5, 0.3, 1.0, {0, 0}}; /* shaft 0.5 < rho cos theta = 0.955 */
  ns_err_clear(&err);
  assert_int_equal(ns_body_check(&n, &err), NS_EINPUT);
  assert_non_null(strstr(err.msg, "shaft"));
  struct ns_grid *g = box_grid(2, 4, 1e-3, 1e-3);
  struct ns_material m = mat();
  uint8_t cm[16] = {0};
  struct ns_contact *c = NULL;
  struct ns_contact_opts o = ns_contact_opts_defaults();
  o.penalty_factor = 0.0;
  struct ns_body f = {NS_BODY_FLAT, 1e-4, 0, 0, {0, 0}};
  assert_int_equal(ns_contact_create(g, &m, 1, cm, &f, &o, &c, &err), NS_EINPUT);
  assert_null(c);
  assert_int_equal(ns_contact_create(g, &m, 1, cm, &f, NULL, &c, &err), NS_OK);
  assert_int_equal(ns_contact_add_face(c, 7, &err), NS_EINPUT);
  ns_contact_free(c);
  ns_contact_free(NULL);
  ns_grid_free(g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(profiles),   cmocka_unit_test(distance_known),      cmocka_unit_test(tangent_axi),
      cmocka_unit_test(tangent_3d), cmocka_unit_test(areas),               cmocka_unit_test(flat_contact_region),
      cmocka_unit_test(bad_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
