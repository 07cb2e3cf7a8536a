/* dyn_problem.h — shared set-up of the dynamics tests (test_dynamics.c, verify_dynamics.c).
 *
 *   dyn_neo                 neo-Hookean material from mu, kappa, density
 *   dyn_cp                  P-wave speed of the laterally constrained column sqrt((kappa + 4mu/3)/rho)
 *   dyn_column_create       uniform column z in [-L, 0], bottom fixed, lateral faces sliding (1D strain)
 *   dyn_top_node            node at r = 0 / x = y = 0 on the top face
 *   dyn_omega_h             Q1 chain eigenfrequency (lumped or consistent mass) for wavenumber k
 *   dyn_omega_trapezoid     the trapezoidal rule's discrete frequency for omega_h and dt
 *   dyn_fit_cos             cos(theta) of a sequence x_n = A cos(n theta + phi) by least squares on
 *                           the exact three-term recurrence x_{n+1} + x_{n-1} = 2 cos(theta) x_n
 *   dyn_ga_params, dyn_sdof_step   generalized-alpha for x'' + w^2 x = 0 from Chung & Hulbert's
 *                           defining equations (an independent scalar reference)
 *   dyn_mode_displacement   u_z = A sin(pi (z + L) / (2 L)) (first mode of a fixed-free column)
 *
 * The laterally constrained column (sliding lateral faces, fixed bottom, free top) moves in
 * uniaxial strain u_z(z): with the mean-dilatation Q1 cells every cell is in uniform strain, so
 * the discrete problem is exactly the 1D linear-element chain (stiffness (kappa + 4 mu/3) A / h at
 * small strain, consistent mass rho A h/6 [2 1; 1 2] or its row sum), in both geometries.
 * Its modes are sin(k (z + L)) with k = (2j - 1) pi / (2L) (mirror symmetry about the free end),
 * with the chain's frequency omega_h(k).
 */
#ifndef NEEDLESIM_TEST_DYN_PROBLEM_H
#define NEEDLESIM_TEST_DYN_PROBLEM_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "needlesim/grid.h"
#include "needlesim/mech.h"

/* pi (PI is not in strict C11). */
#define DYN_PI 3.14159265358979323846

static inline struct ns_material dyn_neo(double mu, double kappa, double rho) {
  struct ns_material m;
  memset(&m, 0, sizeof m);
  m.model = NS_HYPER_NEOHOOKE;
  m.mu = mu;
  m.kappa = kappa;
  m.alpha = 2.0;
  m.density = rho;
  return m;
}

static inline double dyn_cp(const struct ns_material *m) {
  return sqrt((m->kappa + 4.0 * m->mu / 3.0) / m->density);
}

struct dyn_column {
  int ndim;   /* 2: axisymmetric, 3: 3D */
  int nz, nl; /* axial cells; lateral cells per lateral direction */
  double L, W; /* length [m] (z in [-L, 0]); radius / lateral width [m] */
};

/* Uniform grid and mechanics state of the column; NULL on failure (message in err). */
static inline struct ns_mech *dyn_column_create(const struct dyn_column *c, const struct ns_material *mats, int nmat,
                                                const uint8_t *ids, const struct ns_mech_opts *o,
                                                struct ns_grid **gout, struct ns_err *err) {
  int n[3] = {1, 1, 1};
  double *x[3] = {NULL, NULL, NULL};
  const int nd = c->ndim;
  for (int d = 0; d < nd; d++) {
    const int cells = d == nd - 1 ? c->nz : c->nl;
    n[d] = cells + 1;
    x[d] = malloc((size_t)n[d] * sizeof(double));
    const double a = d == nd - 1 ? -c->L : 0.0, b = d == nd - 1 ? 0.0 : c->W;
    for (int i = 0; i <= cells; i++) x[d][i] = i == cells ? b : a + (b - a) * i / cells;
  }
  *gout = NULL;
  struct ns_mech *m = NULL;
  enum ns_status s = ns_grid_create(nd == 2 ? NS_GEOM_AXISYMMETRIC : NS_GEOM_3D, n, (const double *const *)x, gout, err);
  for (int d = 0; d < 3; d++) free(x[d]);
  if (s != NS_OK) return NULL;
  size_t ncells = 1;
  for (int d = 0; d < nd; d++) ncells *= (size_t)(n[d] - 1);
  uint8_t *z = NULL;
  if (!ids) ids = z = calloc(ncells, 1);
  s = ns_mech_create(*gout, mats, nmat, ids, o, &m, err);
  free(z);
  if (s != NS_OK) return NULL;
  for (int f = 0; f < 2 * (nd - 1); f++)
    if (ns_mech_set_face(m, f, NS_BC_SLIDING, err) != NS_OK) return NULL;
  if (ns_mech_set_face(m, ns_mech_face_bottom(nd), NS_BC_FIXED, err) != NS_OK) return NULL;
  return m;
}

static inline size_t dyn_top_node(const struct ns_grid *g) {
  return g->ndim == 2 ? ns_grid_index(g, 0, g->n[1] - 1, 0) : ns_grid_index(g, 0, 0, g->n[2] - 1);
}

/* Displacement field A sin(k (z + L)) u_z on every node into u (ndof). */
static inline void dyn_mode_displacement(const struct ns_grid *g, double L, double k, double A, double *u) {
  const int nd = g->ndim;
  memset(u, 0, g->nnodes * (size_t)nd * sizeof *u);
  for (size_t node = 0; node < g->nnodes; node++) {
    const int kz = nd == 2 ? (int)(node / (size_t)g->n[0]) : (int)(node / ((size_t)g->n[0] * (size_t)g->n[1]));
    u[node * (size_t)nd + (size_t)(nd - 1)] = A * sin(k * (g->x[nd - 1][kz] + L));
  }
}

/* Eigenfrequency of the uniform linear-element chain (cell h, wave speed c) for wavenumber k:
 * lumped (2c/h) sin(kh/2); consistent (c/h) sqrt(6 (1 - cos kh) / (2 + cos kh)). */
static inline double dyn_omega_h(double c, double h, double k, enum ns_mech_mass mass) {
  const double kh = k * h;
  if (mass == NS_MASS_LUMPED) return 2.0 * c / h * sin(0.5 * kh);
  return c / h * sqrt(6.0 * (1.0 - cos(kh)) / (2.0 + cos(kh)));
}

/* Trapezoidal rule on x'' = -w^2 x: x_n = A cos(n theta) with tan(theta/2) = w dt / 2. */
static inline double dyn_omega_trapezoid(double w, double dt) { return 2.0 * atan(0.5 * w * dt) / dt; }

static inline double dyn_fit_cos(const double *x, int n) {
  double num = 0.0, den = 0.0;
  for (int i = 1; i + 1 < n; i++) {
    num += x[i] * (x[i + 1] + x[i - 1]);
    den += 2.0 * x[i] * x[i];
  }
  return num / den;
}

/* Chung & Hulbert (1993) parameters: am = (2r - 1)/(r + 1), af = r/(r + 1),
 * gamma = 1/2 - am + af, beta = (1 - am + af)^2 / 4. */
struct dyn_ga {
  double am, af, gamma, beta;
};
static inline struct dyn_ga dyn_ga_params(double rho_inf) {
  struct dyn_ga p;
  p.am = (2.0 * rho_inf - 1.0) / (rho_inf + 1.0);
  p.af = rho_inf / (rho_inf + 1.0);
  p.gamma = 0.5 - p.am + p.af;
  p.beta = 0.25 * (1.0 - p.am + p.af) * (1.0 - p.am + p.af);
  return p;
}

/* One generalized-alpha step of x'' + w^2 x = 0, state s = (x, v, a):
 *   (1 - am) a1 + am a0 + w^2 ((1 - af) x1 + af x0) = 0,
 *   x1 = x0 + h v0 + h^2 ((1/2 - beta) a0 + beta a1),  v1 = v0 + h ((1 - gamma) a0 + gamma a1),
 * solved for a1 in closed form. */
static inline void dyn_sdof_step(const struct dyn_ga *p, double w, double h, double s[3]) {
  const double x0 = s[0], v0 = s[1], a0 = s[2], w2 = w * w;
  const double xp = x0 + h * v0 + h * h * (0.5 - p->beta) * a0; /* x1 without the a1 term */
  const double a1 = -(p->am * a0 + w2 * ((1.0 - p->af) * xp + p->af * x0)) /
                    ((1.0 - p->am) + w2 * (1.0 - p->af) * p->beta * h * h);
  s[0] = xp + h * h * p->beta * a1;
  s[1] = v0 + h * ((1.0 - p->gamma) * a0 + p->gamma * a1);
  s[2] = a1;
}

#endif /* NEEDLESIM_TEST_DYN_PROBLEM_H */
