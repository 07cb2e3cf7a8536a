/* contact.c — penalty / augmented-Lagrangian contact of a rigid body of revolution (flat punch,
 * sphere, cone, needle) with the nodes of the tissue grid, frictionless or with regularised
 * Coulomb friction (return mapping, axisymmetric grids).
 *
 *   ns_body_check, ns_body_radius_at, ns_body_distance      profile geometry
 *   ns_contact_opts_defaults, ns_contact_create, ns_contact_free
 *   ns_contact_add_face, ns_contact_add_nodes               contact node sets with areas
 *   ns_contact_set_friction                                 per-node Coulomb coefficient
 *   ns_contact_set_area                                     per-node reference area (phasing a node out)
 *   ns_contact_set_tip, ns_contact_set_tip_fn, ns_contact_tip
 *   ns_contact_extra                                        residual/tangent hook for mech
 *   ns_contact_step, ns_contact_update, ns_contact_augment  solve, outputs, Uzawa update
 *   ns_contact_result, ns_contact_nodes, ns_contact_count   accessors
 *   ns_contact_state_size, _state_save, _state_restore      checkpoint of the set's history
 *
 * Geometry (meridian half-plane, r >= 0, h = z - z_tip): every body is the chain
 *   bottom segment (0,0)-(r_flat,0), normal (0,-1)
 *   arc of radius rho about (r_flat, rho), polar angle -pi/2 .. -theta (rho = 0: a corner)
 *   cone segment from the arc end along (sin theta, cos theta) up to radius Rs, normal
 *     (cos theta, -sin theta)
 *   corner at the cone end (polar angles -theta .. 0), shaft r = Rs upwards, normal (1, 0)
 * with (r_flat, rho, theta, Rs) = flat (a, 0, 0, a), sphere (0, R, 0, R), cone (0, rho, theta,
 * inf), needle (0, rho, theta, Rs). The region left of the chain is convex, so outside it the
 * closest point is unique: the distance is the smallest distance to the pieces, with the normal
 * from the closest point (and the curvature (I - n n)/|x - c| for arcs and corners). Inside, the
 * depth is the smallest distance to the pieces' supporting lines/circles within their extent.
 *
 * Friction (see contact.h): per node a scalar elastic tangential gap with the return mapping of
 * the Coulomb cone, history committed through the mech commit callback.
 *
 * The contact kernel loops over contact nodes (each node once, so each writes only its own dofs
 * and its own diagonal block of K: the loop is parallel and thread-count independent). Totals
 * are summed serially in node-list order in ns_contact_update.
 */
#include "needlesim/contact.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "needlesim/smat.h"

/* 2 pi: axisymmetric areas are full rings. */
#define TWO_PI 6.283185307179586476925286766559
/* pi/2 (M_PI_2 is not in strict C11). */
#define HALF_PI 1.5707963267948966192313216916398
/* Below this fraction of the body's size, a distance from an arc centre / corner or from the
 * axis is treated as zero (the normal is then taken from the piece, the hoop curvature from its
 * axis limit). */
#define GEOM_EPS 1e-12
/* Default pseudo-time of an augmentation re-equilibration [s] (<< any relaxation time). */
#define DT_AUG_DEFAULT 1e-9
/* Friction: the stick/slip corner of the Coulomb bound is rounded (C1) over +-FRICTION_ROUND of
 * the bound (|tau_tr| / (mu p) between 0.95 and 1.05), so that Newton does not cycle between
 * stick and slip at a node near the bound; fully sticking and fully sliding nodes are exact. */
#define FRICTION_ROUND 0.05
/* Default Uzawa updates per ns_contact_step. */
#define AUG_DEFAULT 3

struct ns_contact {
  const struct ns_grid *g;
  int ndim;
  struct ns_body body;
  struct ns_contact_opts opts;
  double *cell_E;           /* Young's modulus of every cell [Pa] */
  ptrdiff_t *slot;          /* per grid node: index into nodes[] or -1 */
  struct ns_contact_node *nodes;
  size_t n, cap;
  double z_tip;
  ns_contact_tip_fn tip_fn;
  void *tip_ctx;
  int has_friction;         /* some node has mu > 0 (the tangent is then nonsymmetric) */
  double dissipation;       /* frictional work dissipated over committed substeps [J] */
  double work;              /* work of the body on the tissue over committed substeps [J] */
  double fz_c, z_c;         /* force_z and tip height at the last commit [N, m] */
  int frozen;               /* augmentation: the tip is held at z_frozen */
  double z_frozen;
  struct ns_contact_result res;
};

/* ---- profile ------------------------------------------------------------------------------- */

struct profile {
  double r_flat, rho, theta, Rs; /* see the file comment */
  double rA, hA;                 /* end of the arc (start of the cone) */
  double hB;                     /* height of the cone end (start of the shaft; inf: none) */
  double scale;                  /* a length of the body for GEOM_EPS */
};

static struct profile profile_of(const struct ns_body *b) {
  struct profile p = {0, 0, 0, INFINITY, 0, 0, INFINITY, 1.0};
  switch (b->kind) {
  case NS_BODY_FLAT:
    p.r_flat = b->radius;
    p.Rs = b->radius;
    p.scale = b->radius;
    break;
  case NS_BODY_SPHERE:
    p.rho = b->radius;
    p.Rs = b->radius;
    p.scale = b->radius;
    break;
  case NS_BODY_CONE:
    p.rho = b->tip_radius;
    p.theta = b->half_angle;
    p.scale = b->tip_radius > 0.0 ? b->tip_radius : 1.0;
    break;
  case NS_BODY_NEEDLE:
    p.rho = b->tip_radius;
    p.theta = b->half_angle;
    p.Rs = b->radius;
    p.scale = b->radius;
    break;
  }
  p.rA = p.r_flat + p.rho * cos(p.theta);
  p.hA = p.rho * (1.0 - sin(p.theta));
  if (isfinite(p.Rs)) p.hB = p.theta > 0.0 ? p.hA + (p.Rs - p.rA) / tan(p.theta) : p.hA;
  return p;
}

enum ns_status ns_body_check(const struct ns_body *b, struct ns_err *err) {
  switch (b->kind) {
  case NS_BODY_FLAT:
  case NS_BODY_SPHERE:
    if (!(b->radius > 0.0) || !isfinite(b->radius))
      return ns_err_set(err, NS_EINPUT, "contact: body radius %g m must be positive", b->radius);
    break;
  case NS_BODY_CONE:
  case NS_BODY_NEEDLE:
    if (!(b->half_angle > 0.0 && b->half_angle < HALF_PI))
      return ns_err_set(err, NS_EINPUT, "contact: cone half-angle %g rad must lie in (0, pi/2)", b->half_angle);
    if (!(b->tip_radius >= 0.0) || !isfinite(b->tip_radius))
      return ns_err_set(err, NS_EINPUT, "contact: tip radius %g m must be >= 0", b->tip_radius);
    if (b->kind == NS_BODY_NEEDLE) {
      if (!(b->tip_radius > 0.0))
        return ns_err_set(err, NS_EINPUT, "contact: needle tip radius %g m must be positive", b->tip_radius);
      const double rA = b->tip_radius * cos(b->half_angle);
      if (!(b->radius >= rA) || !isfinite(b->radius))
        return ns_err_set(err, NS_EINPUT,
                          "contact: needle shaft radius %g m is below the tip's tangent radius %g m "
                          "(rho cos theta)",
                          b->radius, rA);
    }
    break;
  default:
    return ns_err_set(err, NS_EINPUT, "contact: unknown body kind %d", (int)b->kind);
  }
  if (!isfinite(b->axis[0]) || !isfinite(b->axis[1]))
    return ns_err_set(err, NS_EINPUT, "contact: body axis is not finite");
  return NS_OK;
}

static double profile_radius(const struct profile *p, double h) {
  if (h < 0.0) return 0.0;
  if (h <= p->hA) {
    const double y = p->rho - h; /* height of the point below the arc centre */
    return p->r_flat + sqrt(fmax(0.0, p->rho * p->rho - y * y));
  }
  if (h <= p->hB) return fmin(p->Rs, p->rA + (h - p->hA) * tan(p->theta));
  return p->Rs;
}

double ns_body_radius_at(const struct ns_body *b, double h) {
  struct profile p = profile_of(b);
  return profile_radius(&p, h);
}

/* Candidate closest piece: distance value (signed as used), normal and Hessian. */
struct cand {
  double d, n[2], H[3];
};

/* Distance from x to the point c, with normal (x - c)/|x - c| and Hessian (I - n n)/|x - c|;
 * fallback normal nf when x == c. */
static void point_cand(const double x[2], const double c[2], double rad, const double nf[2], double scale,
                       struct cand *o) {
  const double dx = x[0] - c[0], dy = x[1] - c[1], L = hypot(dx, dy);
  if (L <= GEOM_EPS * scale) {
    o->d = -rad;
    o->n[0] = nf[0];
    o->n[1] = nf[1];
    o->H[0] = o->H[1] = o->H[2] = 0.0;
    return;
  }
  o->n[0] = dx / L;
  o->n[1] = dy / L;
  o->d = L - rad;
  o->H[0] = (1.0 - o->n[0] * o->n[0]) / L;
  o->H[1] = -o->n[0] * o->n[1] / L;
  o->H[2] = (1.0 - o->n[1] * o->n[1]) / L;
}

/* Segment from p0 along unit dir t for length len (may be inf), outward normal nn. Outside:
 * clamped distance; inside: perpendicular depth when the projection is within the segment. */
static void segment_cand(const double x[2], const double p0[2], const double t[2], double len, const double nn[2],
                         int inside, double scale, struct cand *o) {
  const double rx = x[0] - p0[0], ry = x[1] - p0[1];
  const double s = rx * t[0] + ry * t[1];
  o->d = INFINITY;
  if (s >= 0.0 && s <= len) {
    o->d = rx * nn[0] + ry * nn[1];
    o->n[0] = nn[0];
    o->n[1] = nn[1];
    o->H[0] = o->H[1] = o->H[2] = 0.0;
    if (inside) o->d = fmin(o->d, 0.0);
    return;
  }
  if (inside) return;
  const double sc = s < 0.0 ? 0.0 : len;
  if (!isfinite(sc)) return;
  const double c[2] = {p0[0] + sc * t[0], p0[1] + sc * t[1]};
  point_cand(x, c, 0.0, nn, scale, o);
}

/* Arc of radius rad about c between polar angles a0 < a1 (rad = 0: a corner). Outside: only
 * when the point's polar angle is within [a0, a1] (otherwise a neighbouring segment's end is at
 * least as close); inside: only arcs with rad > 0. */
static void arc_cand(const double x[2], const double c[2], double rad, double a0, double a1, int inside, double scale,
                     struct cand *o) {
  o->d = INFINITY;
  if (inside && !(rad > 0.0)) return;
  const double ang = atan2(x[1] - c[1], x[0] - c[0]);
  const double L = hypot(x[0] - c[0], x[1] - c[1]);
  if (L > GEOM_EPS * scale && (ang < a0 || ang > a1)) return;
  const double mid = 0.5 * (a0 + a1), nf[2] = {cos(mid), sin(mid)};
  point_cand(x, c, rad, nf, scale, o);
}

static double profile_distance(const struct profile *p, double r, double h, double n[2], double hess[3]) {
  const double sgn = r < 0.0 ? -1.0 : 1.0;
  const double x[2] = {fabs(r), h};
  const int inside = h >= 0.0 && x[0] <= profile_radius(p, h);
  struct cand best = {INFINITY, {0.0, -1.0}, {0.0, 0.0, 0.0}}, c;
  const double sc = p->scale;
#define CONSIDER()                                                                                                   \
  do {                                                                                                               \
    if (isfinite(c.d) && (inside ? fabs(c.d) < fabs(best.d) : c.d < best.d)) best = c;                              \
  } while (0)
  if (p->r_flat > 0.0) { /* bottom */
    const double p0[2] = {0.0, 0.0}, t[2] = {1.0, 0.0}, nn[2] = {0.0, -1.0};
    segment_cand(x, p0, t, p->r_flat, nn, inside, sc, &c);
    CONSIDER();
  }
  { /* tip arc or corner */
    const double cc[2] = {p->r_flat, p->rho};
    arc_cand(x, cc, p->rho, -HALF_PI, -p->theta, inside, sc, &c);
    CONSIDER();
  }
  if (p->theta > 0.0) { /* cone */
    const double p0[2] = {p->rA, p->hA}, t[2] = {sin(p->theta), cos(p->theta)};
    const double nn[2] = {cos(p->theta), -sin(p->theta)};
    const double len = isfinite(p->Rs) ? (p->Rs - p->rA) / sin(p->theta) : INFINITY;
    if (len > 0.0) {
      segment_cand(x, p0, t, len, nn, inside, sc, &c);
      CONSIDER();
    }
  }
  if (isfinite(p->Rs)) { /* corner at the cone end, shaft */
    const double cb[2] = {p->Rs, p->hB};
    if (p->theta > 0.0) {
      arc_cand(x, cb, 0.0, -p->theta, 0.0, inside, sc, &c);
      CONSIDER();
    }
    const double t[2] = {0.0, 1.0}, nn[2] = {1.0, 0.0};
    segment_cand(x, cb, t, INFINITY, nn, inside, sc, &c);
    CONSIDER();
  }
#undef CONSIDER
  if (!isfinite(best.d)) { /* cannot happen for a valid body; keep the result finite */
    best.d = 0.0;
  }
  if (n) {
    n[0] = sgn * best.n[0];
    n[1] = best.n[1];
  }
  if (hess) {
    hess[0] = best.H[0];
    hess[1] = sgn * best.H[1];
    hess[2] = best.H[2];
  }
  return best.d;
}

double ns_body_distance(const struct ns_body *b, double r, double h, double n[2], double hess[3]) {
  struct profile p = profile_of(b);
  return profile_distance(&p, r, h, n, hess);
}

/* ---- contact set --------------------------------------------------------------------------- */

struct ns_contact_opts ns_contact_opts_defaults(void) {
  struct ns_contact_opts o = {100.0, 1e-6, 0.0};
  return o;
}

void ns_contact_free(struct ns_contact *c) {
  if (!c) return;
  free(c->cell_E);
  free(c->slot);
  free(c->nodes);
  free(c);
}

static size_t ncells_of(const struct ns_grid *g) {
  size_t n = 1;
  for (int d = 0; d < g->ndim; d++) n *= (size_t)(g->n[d] - 1);
  return n;
}

enum ns_status ns_contact_create(const struct ns_grid *grid, const struct ns_material *mats, int nmat,
                                 const uint8_t *cell_mat, const struct ns_body *body,
                                 const struct ns_contact_opts *opts, struct ns_contact **out,
                                 struct ns_err *err) {
  *out = NULL;
  NS_TRY(ns_body_check(body, err));
  struct ns_contact_opts o = opts ? *opts : ns_contact_opts_defaults();
  if (!(o.penalty_factor > 0.0) || !isfinite(o.penalty_factor))
    return ns_err_set(err, NS_EINPUT, "contact: penalty factor %g must be positive", o.penalty_factor);
  if (!(o.smoothing >= 0.0) || !isfinite(o.smoothing))
    return ns_err_set(err, NS_EINPUT, "contact: smoothing %g must be >= 0", o.smoothing);
  if (!(o.friction >= 0.0) || !isfinite(o.friction))
    return ns_err_set(err, NS_EINPUT, "contact: friction coefficient %g must be >= 0", o.friction);
  if (o.friction > 0.0 && grid->ndim != 2)
    return ns_err_set(err, NS_EINPUT,
                      "contact: friction (coefficient %g) is implemented on axisymmetric grids only, got a %dD grid",
                      o.friction, grid->ndim);
  if (nmat < 1) return ns_err_set(err, NS_EINPUT, "contact: %d materials", nmat);
  struct ns_contact *c = calloc(1, sizeof *c);
  if (!c) return ns_err_set(err, NS_ENOMEM, "contact: out of memory");
  c->g = grid;
  c->ndim = grid->ndim;
  c->body = *body;
  c->opts = o;
  const size_t nc = ncells_of(grid);
  c->cell_E = malloc(nc * sizeof *c->cell_E);
  c->slot = malloc(grid->nnodes * sizeof *c->slot);
  if (!c->cell_E || !c->slot) {
    ns_contact_free(c);
    return ns_err_set(err, NS_ENOMEM, "contact: out of memory for %zu nodes", grid->nnodes);
  }
  for (size_t i = 0; i < nc; i++) {
    if (cell_mat[i] >= nmat) {
      ns_contact_free(c);
      return ns_err_set(err, NS_EINPUT, "contact: cell %zu has material id %d, only %d materials", i, cell_mat[i],
                        nmat);
    }
    const struct ns_material *mt = &mats[cell_mat[i]];
    c->cell_E[i] = 9.0 * mt->kappa * mt->mu / (3.0 * mt->kappa + mt->mu); /* small-strain Young's modulus */
  }
  for (size_t i = 0; i < grid->nnodes; i++) c->slot[i] = -1;
  *out = c;
  return NS_OK;
}

static void node_ijk(const struct ns_grid *g, size_t node, int ijk[3]) {
  ijk[0] = (int)(node % (size_t)g->n[0]);
  ijk[1] = (int)((node / (size_t)g->n[0]) % (size_t)g->n[1]);
  ijk[2] = (int)(node / ((size_t)g->n[0] * (size_t)g->n[1]));
}

/* Penalty stiffness of a node, factor * max E / min edge over the cells around it [Pa/m], and the
 * half-width of the rounded ramp, smoothing * E / k [m]. */
static void node_penalty(const struct ns_contact *c, size_t node, double *k, double *w) {
  const struct ns_grid *g = c->g;
  int ijk[3];
  node_ijk(g, node, ijk);
  double E = 0.0, h = INFINITY;
  int ncell[3] = {1, 1, 1};
  for (int d = 0; d < g->ndim; d++) ncell[d] = g->n[d] - 1;
  for (int o = 0; o < (1 << g->ndim); o++) {
    int cl[3] = {0, 0, 0}, ok = 1;
    for (int d = 0; d < g->ndim; d++) {
      cl[d] = ijk[d] - 1 + ((o >> d) & 1);
      if (cl[d] < 0 || cl[d] >= ncell[d]) ok = 0;
    }
    if (!ok) continue;
    const size_t cell = (size_t)cl[0] + (size_t)ncell[0] * ((size_t)cl[1] + (size_t)ncell[1] * (size_t)cl[2]);
    E = fmax(E, c->cell_E[cell]);
    for (int d = 0; d < g->ndim; d++) h = fmin(h, g->x[d][cl[d] + 1] - g->x[d][cl[d]]);
  }
  *k = c->opts.penalty_factor * E / h;
  *w = c->opts.smoothing * E / *k;
}

static enum ns_status add_node(struct ns_contact *c, size_t node, double area, struct ns_err *err) {
  if (node >= c->g->nnodes) return ns_err_set(err, NS_EINPUT, "contact: node %zu out of range", node);
  if (!(area >= 0.0) || !isfinite(area))
    return ns_err_set(err, NS_EINPUT, "contact: node %zu has area %g m^2", node, area);
  if (c->slot[node] >= 0) return NS_OK;
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 256;
    struct ns_contact_node *nn = realloc(c->nodes, cap * sizeof *nn);
    if (!nn) return ns_err_set(err, NS_ENOMEM, "contact: out of memory for %zu contact nodes", cap);
    c->nodes = nn;
    c->cap = cap;
  }
  struct ns_contact_node *e = &c->nodes[c->n];
  memset(e, 0, sizeof *e);
  e->node = node;
  e->area = area;
  node_penalty(c, node, &e->k, &e->w);
  e->gap = INFINITY;
  e->mu = c->opts.friction;
  e->zc = NAN; /* no friction history yet: the first step has no tangential slip */
  if (e->mu > 0.0) c->has_friction = 1;
  c->slot[node] = (ptrdiff_t)c->n;
  c->n++;
  return NS_OK;
}

enum ns_status ns_contact_add_nodes(struct ns_contact *c, size_t n, const size_t *nodes, const double *areas,
                                    struct ns_err *err) {
  for (size_t i = 0; i < n; i++) NS_TRY(add_node(c, nodes[i], areas[i], err));
  return NS_OK;
}

enum ns_status ns_contact_add_face(struct ns_contact *c, int face, struct ns_err *err) {
  const struct ns_grid *g = c->g;
  const int ndim = g->ndim;
  if (face < 0 || face >= 2 * ndim)
    return ns_err_set(err, NS_EINPUT, "contact: face %d does not exist on a %dD grid", face, ndim);
  const int dn = face / 2;
  const int kface = face % 2 ? g->n[dn] - 1 : 0;
  /* Axisymmetric faces r = const: the ring's radius. */
  const double r_face = g->geom == NS_GEOM_AXISYMMETRIC && dn == 0 ? g->x[0][kface] : 0.0;
  int tdir[2] = {0, 0}, nt = 0;
  for (int d = 0; d < ndim; d++)
    if (d != dn) tdir[nt++] = d;
  const int n0 = g->n[tdir[0]], n1 = nt > 1 ? g->n[tdir[1]] : 1;
  double *area = calloc((size_t)n0 * (size_t)n1, sizeof *area);
  if (!area) return ns_err_set(err, NS_ENOMEM, "contact: out of memory");
  const double gp = 0.5 / sqrt(3.0); /* 2-point Gauss offsets +-gp from the centre on [0, 1] */
  for (int j = 0; j < (nt > 1 ? n1 - 1 : 1); j++)
    for (int i = 0; i < n0 - 1; i++) {
      const double *x0 = g->x[tdir[0]];
      const double h0 = x0[i + 1] - x0[i];
      const double h1 = nt > 1 ? g->x[tdir[1]][j + 1] - g->x[tdir[1]][j] : 1.0;
      for (int q0 = 0; q0 < 2; q0++)
        for (int q1 = 0; q1 < (nt > 1 ? 2 : 1); q1++) {
          const double s0 = 0.5 + (q0 ? gp : -gp), s1 = nt > 1 ? 0.5 + (q1 ? gp : -gp) : 0.0;
          double w = 0.5 * h0 * (nt > 1 ? 0.5 * h1 : 1.0);
          if (g->geom == NS_GEOM_AXISYMMETRIC) w *= TWO_PI * (dn == 0 ? r_face : x0[i] + s0 * h0);
          for (int a = 0; a < 2; a++)
            for (int b = 0; b < (nt > 1 ? 2 : 1); b++) {
              const double N = (a ? s0 : 1.0 - s0) * (nt > 1 ? (b ? s1 : 1.0 - s1) : 1.0);
              area[(size_t)(i + a) + (size_t)n0 * (size_t)(j + b)] += w * N;
            }
        }
    }
  enum ns_status s = NS_OK;
  for (int j = 0; j < n1 && s == NS_OK; j++)
    for (int i = 0; i < n0 && s == NS_OK; i++) {
      int ijk[3] = {0, 0, 0};
      ijk[dn] = kface;
      ijk[tdir[0]] = i;
      if (nt > 1) ijk[tdir[1]] = j;
      s = add_node(c, ns_grid_index(g, ijk[0], ijk[1], ijk[2]), area[(size_t)i + (size_t)n0 * (size_t)j], err);
    }
  free(area);
  return s;
}

enum ns_status ns_contact_set_friction(struct ns_contact *c, size_t i, double mu, struct ns_err *err) {
  if (i >= c->n) return ns_err_set(err, NS_EINPUT, "contact: node entry %zu out of range (%zu)", i, c->n);
  if (!(mu >= 0.0) || !isfinite(mu))
    return ns_err_set(err, NS_EINPUT, "contact: friction coefficient %g must be >= 0", mu);
  if (mu > 0.0 && c->ndim != 2)
    return ns_err_set(err, NS_EINPUT, "contact: friction is implemented on axisymmetric grids only");
  c->nodes[i].mu = mu;
  if (mu > 0.0) c->has_friction = 1;
  return NS_OK;
}

enum ns_status ns_contact_set_area(struct ns_contact *c, size_t i, double area, struct ns_err *err) {
  if (i >= c->n) return ns_err_set(err, NS_EINPUT, "contact: node entry %zu out of range (%zu)", i, c->n);
  if (!(area >= 0.0) || !isfinite(area)) return ns_err_set(err, NS_EINPUT, "contact: node %zu has area %g m^2", i, area);
  c->nodes[i].area = area;
  return NS_OK;
}

void ns_contact_set_tip(struct ns_contact *c, double z_tip) {
  c->z_tip = z_tip;
  c->tip_fn = NULL;
  c->tip_ctx = NULL;
  c->z_c = z_tip;
}

/* The work counts from the tip's position at t = 0. */
void ns_contact_set_tip_fn(struct ns_contact *c, ns_contact_tip_fn fn, void *ctx) {
  c->tip_fn = fn;
  c->tip_ctx = ctx;
  c->z_c = fn(0.0, ctx);
}

double ns_contact_tip(const struct ns_contact *c, double t) {
  if (c->frozen) return c->z_frozen;
  return c->tip_fn ? c->tip_fn(t, c->tip_ctx) : c->z_tip;
}

/* ---- kernel -------------------------------------------------------------------------------- */

/* Rounded ramp: phi(s) = max(s, 0) for |s| >= w, the C1 quadratic (s + w)^2 / (4 w) between;
 * dphi (may be NULL) its derivative. */
static double ramp(double s, double w, double *dphi) {
  if (s >= w || (w <= 0.0 && s > 0.0)) {
    if (dphi) *dphi = 1.0;
    return s;
  }
  if (s <= -w) {
    if (dphi) *dphi = 0.0;
    return 0.0;
  }
  if (dphi) *dphi = 0.5 * (s + w) / w;
  return 0.25 * (s + w) * (s + w) / w;
}

/* Current position x = X + u of a contact node. */
static void node_pos(const struct ns_contact *c, const struct ns_contact_node *e, const double *u, double x[3]) {
  const struct ns_grid *g = c->g;
  const int nd = c->ndim;
  int ijk[3];
  node_ijk(g, e->node, ijk);
  x[0] = x[1] = x[2] = 0.0;
  for (int d = 0; d < nd; d++) x[d] = g->x[d][ijk[d]] + u[e->node * (size_t)nd + (size_t)d];
}

/* Gap, Cartesian normal (ndim) and Cartesian Hessian (H[3*a + b], a, b < ndim) of node e at
 * displacement u; also the axis distance. */
static double node_gap(const struct ns_contact *c, const struct profile *p, const struct ns_contact_node *e,
                       const double *u, double z_tip, double n[3], double H[9], double *rout) {
  const int nd = c->ndim;
  double x[3];
  node_pos(c, e, u, x);
  double n2[2], h2[3];
  if (nd == 2) {
    const double d = profile_distance(p, x[0], x[1] - z_tip, n2, h2);
    n[0] = n2[0];
    n[1] = n2[1];
    H[0] = h2[0];
    H[1] = H[3] = h2[1];
    H[4] = h2[2];
    *rout = x[0];
    return d;
  }
  const double dx = x[0] - c->body.axis[0], dy = x[1] - c->body.axis[1], r = hypot(dx, dy);
  const double d = profile_distance(p, r, x[2] - z_tip, n2, h2);
  const int on_axis = r <= GEOM_EPS * p->scale;
  const double er[2] = {on_axis ? 1.0 : dx / r, on_axis ? 0.0 : dy / r};
  /* Hoop curvature d_r / r (its axis limit is d_rr). */
  const double hoop = on_axis ? h2[0] : n2[0] / r;
  n[0] = n2[0] * er[0];
  n[1] = n2[0] * er[1];
  n[2] = n2[1];
  for (int a = 0; a < 2; a++) {
    for (int b = 0; b < 2; b++)
      H[3 * a + b] = h2[0] * er[a] * er[b] + hoop * ((a == b ? 1.0 : 0.0) - er[a] * er[b]);
    H[3 * a + 2] = H[3 * 2 + a] = h2[1] * er[a];
  }
  H[8] = h2[2];
  *rout = r;
  return d;
}

/* Rounded Coulomb saturation: phi(s) = s for |s| <= 1 - w, sign(s) for |s| >= 1 + w, the C1
 * quadratic sign(s) (1 - (1 + w - |s|)^2 / (4 w)) between (w = FRICTION_ROUND); dphi its
 * derivative. */
static double coulomb_phi(double s, double *dphi) {
  const double as = fabs(s), sg = s >= 0.0 ? 1.0 : -1.0, w = FRICTION_ROUND;
  if (as <= 1.0 - w) {
    *dphi = 1.0;
    return s;
  }
  if (as >= 1.0 + w) {
    *dphi = 0.0;
    return sg;
  }
  *dphi = (1.0 + w - as) / (2.0 * w);
  return sg * (1.0 - (1.0 + w - as) * (1.0 + w - as) / (4.0 * w));
}

/* Integral of phi from 0 to s (0 <= s <= 1 + w): the stored energy of the tangential spring in
 * units of f^2 / k. */
static double coulomb_Phi(double s) {
  const double w = FRICTION_ROUND;
  if (s <= 1.0 - w) return 0.5 * s * s;
  const double a = 1.0 + w - s;
  return 0.5 * (1.0 - w) * (1.0 - w) + (s - (1.0 - w)) - (8.0 * w * w * w - a * a * a) / (12.0 * w);
}

/* Friction of an axisymmetric node in contact (pressure pr > 0, ramp slope dphi) at position x:
 * the tangential traction tau along t = (-n_z, n_r), whether it slides, the trial elastic gap, the
 * elastic gap to commit (ge_next, may be NULL), the stored energy per area (psi, may be NULL),
 * and (when dtau != NULL) d tau/dx and dt/dx (dt[2*a + b] = dt_a/dx_b). Pure function of its
 * arguments.
 *
 * The law is a tangential spring tau = f phi(k g_e / f) (f = mu p, phi the rounded saturation of
 * coulomb_phi) with perfectly plastic slip once |k g_e / f| would exceed 1 + w: the commit keeps
 * g_e = g_trial while |s| <= 1 + w (no slip; in the band the spring is nonlinear) and clips it to
 * sign(s) (1 + w) f / k otherwise (slip g_trial - g_e at |tau| = f). The residual of the state
 * just committed is thereby unchanged by the commit (re-evaluating the same positions gives the
 * same tau), which the earlier choice g_e = tau / k did not do inside the band: a node sliding at
 * |s| >= 1 + w came back at s = 1, i.e. tau = (1 - w / 4) f, so every commit released 1.25 % of
 * every sliding node's friction force and the next substep started with a residual that did not
 * shrink with the substep (measured in the needle insertion with mu = 0.36: 1.8e-5 N at a
 * substep of 1.4e-8 s, 25 x the Newton tolerance; the line search then stalled at 1.3 x it). */
static double friction_tau(const struct ns_contact_node *e, const double x[2], double z_tip, double pr, double dphi,
                           const double nv[3], const double H[9], int predict_ok, int *slip, double *g_trial,
                           double *ge_next, double *psi, double dtau[2], double dt[4]) {
  const double t[2] = {-nv[1], nv[0]};
  /* The tangential history starts at the first commit in contact: a node that was off the body at
   * the last commit has no slip yet (tau = 0 in the substep in which it touches). Measuring its
   * slip from that off-body position would count the tangential motion of the body before the
   * touch as slip at the end-of-substep traction: the dissipation A tau slip then exceeded the
   * work, which carries the friction force only from the touch on (trapezoid from 0); measured
   * on commit 171c927's needle insertion, 10 um tip, mu 0.36: friction 4.195e-12 J against a
   * needle work of 4.03e-12 J at 9 um. */
  const int fresh = isnan(e->zc) || !e->contact_c;
  const double d[2] = {fresh ? 0.0 : x[0] - e->xc[0], fresh ? 0.0 : x[1] - e->xc[1] - (z_tip - e->zc)};
  const double ge = fresh ? 0.0 : e->ge;
  const double gtr = ge + t[0] * d[0] + t[1] * d[1];
  const double tau_tr = e->k * gtr, f = e->mu * pr;
  *g_trial = gtr;
  /* dt/dx = J H with J the rotation t = J n: dt_r/dx_b = -H_zb, dt_z/dx_b = H_rb. */
  const double dtl[4] = {-H[3], -H[4], H[0], H[1]};
  if (dt) memcpy(dt, dtl, sizeof dtl);
  double dtr[2];
  for (int b = 0; b < 2; b++) dtr[b] = fresh ? 0.0 : e->k * (t[b] + dtl[0 + b] * d[0] + dtl[2 + b] * d[1]);
  /* Stick predictor: at the start of a substep (the node still at its committed position) the
   * trial slip is the body's motion alone, and returning it to the Coulomb bound would give a
   * slip tangent that cannot carry the node along with the body (and a residual that does not
   * ask it to move); the first Newton iterate is therefore taken as sticking (residual and
   * tangent: the elastic predictor) when the node was in contact and did not slide at the last
   * commit (a sliding node keeps sliding), and the law applies from the next iterate on. A node
   * that was out of contact at the commit has no history (fresh) and so no predictor: its
   * committed position lies off the body, so "sticking" would drag it with the body back to that
   * relative position, out of contact (measured in the needle insertion: the wall's top node,
   * touched by the cone within the substep, was pulled 4.3 um out of contact by the first
   * iterate). Only ns_mech's evaluations use it (predict_ok); the commit and the outputs evaluate
   * the law. */
  const int predictor = predict_ok && !fresh && !e->slip_c && x[0] == e->xc[0] && x[1] == e->xc[1];
  if (predictor || !(f > 0.0)) {
    *slip = 0;
    if (ge_next) *ge_next = gtr;
    if (psi) *psi = 0.5 * tau_tr * gtr;
    if (dtau) memcpy(dtau, dtr, sizeof dtr);
    return tau_tr;
  }
  /* tau = f phi(s), s = tau_tr / f; d tau/dx = phi' d tau_tr/dx + (phi - s phi') df/dx. */
  const double sv = tau_tr / f, as = fabs(sv), w = FRICTION_ROUND;
  double dphis;
  const double phi = coulomb_phi(sv, &dphis);
  *slip = as >= 1.0;
  if (ge_next) *ge_next = as <= 1.0 + w ? gtr : (sv >= 0.0 ? 1.0 : -1.0) * (1.0 + w) * f / e->k;
  if (psi) *psi = f * f / e->k * coulomb_Phi(fmin(as, 1.0 + w));
  if (dtau) {
    const double cf = phi - sv * dphis;
    for (int b = 0; b < 2; b++) {
      const double df = -e->mu * e->k * dphi * nv[b];
      dtau[b] = dphis * dtr[b] + cf * df;
    }
  }
  return f * phi;
}


static enum ns_status contact_eval(void *ctx, const struct ns_grid *g, const double *u, double t, double dt,
                                   double *residual, struct ns_smat *K, struct ns_err *err) {
  struct ns_contact *c = ctx;
  (void)dt;
  (void)err;
  (void)g;
  const struct profile p = profile_of(&c->body);
  const double z_tip = ns_contact_tip(c, t);
  const size_t n = c->n;
  const int nd = c->ndim;
  const struct ns_contact_node *nodes = c->nodes;
  double *Ka = K ? K->a : NULL;
  const size_t bs = K ? K->bs : 0;
  const int zero[3] = {0, 0, 0};
  const int sc = ns_smat_stencil_index(nd, zero);
#pragma omp parallel for default(none) shared(c, p, nodes, u, residual, Ka) firstprivate(n, nd, z_tip, bs, sc)     \
    schedule(static)
  for (size_t i = 0; i < n; i++) {
    const struct ns_contact_node *e = &nodes[i];
    double nv[3], H[9], r;
    const double gap = node_gap(c, &p, e, u, z_tip, nv, H, &r);
    double dphi;
    const double pr = e->k * ramp(e->lambda / e->k - gap, e->w, &dphi);
    if (!(pr > 0.0)) continue;
    const size_t dof = e->node * (size_t)nd;
    for (int a = 0; a < nd; a++) residual[dof + (size_t)a] -= e->area * pr * nv[a];
    double tau = 0.0, dtau[2] = {0.0, 0.0}, dtdx[4] = {0.0, 0.0, 0.0, 0.0};
    if (e->mu > 0.0) { /* axisymmetric only (checked when mu is set) */
      double x[3], gtr;
      int slip;
      node_pos(c, e, u, x);
      tau = friction_tau(e, x, z_tip, pr, dphi, nv, H, 1, &slip, &gtr, NULL, NULL, Ka ? dtau : NULL, Ka ? dtdx : NULL);
      residual[dof] += e->area * tau * -nv[1];
      residual[dof + 1] += e->area * tau * nv[0];
    }
    if (!Ka) continue;
    double *blk = Ka + e->node * bs + (size_t)sc * (size_t)(nd * nd);
    for (int a = 0; a < nd; a++)
      for (int b = 0; b < nd; b++)
        blk[a * nd + b] += e->area * (e->k * dphi * nv[a] * nv[b] - pr * H[3 * a + b]);
    if (e->mu > 0.0) {
      const double tv[2] = {-nv[1], nv[0]};
      for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) blk[a * 2 + b] += e->area * (tv[a] * dtau[b] + tau * dtdx[2 * a + b]);
    }
  }
  return NS_OK;
}

/* Accepted substep: apply the friction return mapping at u (serially, in node order, so the
 * dissipation sum is deterministic), then refresh the outputs. */
static void contact_commit(void *ctx, const double *u, double t) {
  struct ns_contact *c = ctx;
  if (c->has_friction) {
    const struct profile p = profile_of(&c->body);
    const double z_tip = ns_contact_tip(c, t);
    for (size_t i = 0; i < c->n; i++) {
      struct ns_contact_node *e = &c->nodes[i];
      if (!(e->mu > 0.0)) continue;
      double nv[3], H[9], r, x[3], dphi, gtr;
      const double gap = node_gap(c, &p, e, u, z_tip, nv, H, &r);
      const double pr = e->k * ramp(e->lambda / e->k - gap, e->w, &dphi);
      node_pos(c, e, u, x);
      double ge_new = 0.0;
      if (pr > 0.0) {
        int slip;
        const double tau = friction_tau(e, x, z_tip, pr, dphi, nv, H, 0, &slip, &gtr, &ge_new, NULL, NULL, NULL);
        e->slip_c = slip;
        const double ge_old = isnan(e->zc) ? 0.0 : e->ge;
        /* Slip = total tangential motion minus the change of the elastic part. */
        c->dissipation += e->area * tau * ((gtr - ge_old) - (ge_new - ge_old));
      }
      if (!(pr > 0.0)) e->slip_c = 0;
      e->contact_c = pr > 0.0;
      e->ge = ge_new;
      e->xc[0] = x[0];
      e->xc[1] = x[1];
      e->zc = z_tip;
    }
  }
  ns_contact_update(c, u, t);
  c->work += -0.5 * (c->fz_c + c->res.force_z) * (c->res.z_tip - c->z_c);
  c->fz_c = c->res.force_z;
  c->z_c = c->res.z_tip;
  c->res.work = c->work;
}

struct ns_mech_extra ns_contact_extra(struct ns_contact *c) {
  struct ns_mech_extra x;
  x.eval = contact_eval;
  x.commit = contact_commit;
  x.ctx = c;
  x.symmetric = !c->has_friction;
  return x;
}

void ns_contact_update(struct ns_contact *c, const double *u, double t) {
  const struct profile p = profile_of(&c->body);
  const double z_tip = ns_contact_tip(c, t);
  struct ns_contact_result *res = &c->res;
  memset(res, 0, sizeof *res);
  res->z_tip = z_tip;
  const int nd = c->ndim;
  for (size_t i = 0; i < c->n; i++) {
    struct ns_contact_node *e = &c->nodes[i];
    double nv[3], H[9], r;
    e->gap = node_gap(c, &p, e, u, z_tip, nv, H, &r);
    e->r = r;
    double dphi;
    e->pressure = e->k * ramp(e->lambda / e->k - e->gap, e->w, &dphi);
    e->tau = 0.0;
    e->slip = 0;
    res->max_penetration = fmax(res->max_penetration, -e->gap);
    if (!(e->pressure > 0.0)) continue;
    res->nactive++;
    /* Force on the body: minus the force A p n on the tissue. */
    for (int a = 0; a < nd; a++) res->force[a] -= e->area * e->pressure * nv[a];
    res->interface_energy += e->area * e->pressure * e->pressure / (2.0 * e->k);
    if (e->mu > 0.0) {
      double x[3], gtr;
      node_pos(c, e, u, x);
      double psi;
      e->tau = friction_tau(e, x, z_tip, e->pressure, dphi, nv, H, 0, &e->slip, &gtr, NULL, &psi, NULL, NULL);
      /* Force on the body from friction: + A tau t (the tissue gets - A tau t). */
      res->force[0] += e->area * e->tau * -nv[1];
      res->force[1] += e->area * e->tau * nv[0];
      res->force_friction_z += e->area * e->tau * nv[0];
      res->interface_energy += e->area * psi;
      if (e->slip) res->nslip++;
    }
    res->contact_radius = fmax(res->contact_radius, r);
  }
  if (nd == 2) res->force[0] = 0.0;
  res->force_z = res->force[nd - 1];
  res->friction_dissipation = c->dissipation;
  res->work = c->work;
  res->contact_radius_next = 0.0;
  double next = INFINITY;
  for (size_t i = 0; i < c->n; i++) {
    const struct ns_contact_node *e = &c->nodes[i];
    if (!(e->pressure > 0.0) && e->r > res->contact_radius) next = fmin(next, e->r);
  }
  if (res->nactive > 0 && isfinite(next)) res->contact_radius_next = next;
}

void ns_contact_augment(struct ns_contact *c) {
  for (size_t i = 0; i < c->n; i++) c->nodes[i].lambda = c->nodes[i].pressure;
}

enum ns_status ns_contact_step(struct ns_mech *m, struct ns_contact *c, double t_new, const struct ns_contact_aug *aug,
                               struct ns_contact_aug_info *info, struct ns_err *err) {
  struct ns_contact_aug a = {AUG_DEFAULT, 0.0, DT_AUG_DEFAULT};
  if (aug) a = *aug;
  if (!(a.dt_aug > 0.0)) return ns_err_set(err, NS_EINPUT, "contact: augmentation pseudo-time %g s", a.dt_aug);
  struct ns_contact_aug_info loc;
  memset(&loc, 0, sizeof loc);
  NS_TRY(ns_mech_step(m, t_new, err));
  ns_contact_update(c, ns_mech_displacement(m), ns_mech_time(m));
  loc.penetration[0] = c->res.max_penetration;
  c->z_frozen = ns_contact_tip(c, t_new);
  enum ns_status s = NS_OK;
  while (loc.updates < a.max_updates && c->res.max_penetration > a.pen_tol) {
    ns_contact_augment(c);
    c->frozen = 1;
    s = ns_mech_step(m, ns_mech_time(m) + a.dt_aug, err);
    if (s != NS_OK) break;
    ns_contact_update(c, ns_mech_displacement(m), ns_mech_time(m));
    loc.updates++;
    if (loc.updates < 8) loc.penetration[loc.updates] = c->res.max_penetration;
  }
  c->frozen = 0;
  if (info) *info = loc;
  return s;
}

const struct ns_contact_result *ns_contact_result(const struct ns_contact *c) { return &c->res; }

const struct ns_contact_node *ns_contact_nodes(const struct ns_contact *c, size_t *count) {
  if (count) *count = c->n;
  return c->nodes;
}

size_t ns_contact_count(const struct ns_contact *c) { return c->n; }

/* ---- checkpoint ---------------------------------------------------------------------------- */

/* Buffer layout: the node count, the nodes (their friction history, multipliers and last
 * outputs), then the scalar state (dissipation, work, force and tip at the commit, the frozen
 * tip, the tip height) and the last result. Same build only (struct images). */
struct contact_state_scalars {
  double dissipation, work, fz_c, z_c, z_frozen, z_tip;
  int frozen;
};

size_t ns_contact_state_size(const struct ns_contact *c) {
  return sizeof(size_t) + c->n * sizeof *c->nodes + sizeof(struct contact_state_scalars) + sizeof c->res;
}

void ns_contact_state_save(const struct ns_contact *c, void *buf) {
  unsigned char *p = buf;
  const struct contact_state_scalars s = {c->dissipation, c->work, c->fz_c, c->z_c, c->z_frozen, c->z_tip, c->frozen};
  memcpy(p, &c->n, sizeof c->n);
  p += sizeof c->n;
  memcpy(p, c->nodes, c->n * sizeof *c->nodes);
  p += c->n * sizeof *c->nodes;
  memcpy(p, &s, sizeof s);
  p += sizeof s;
  memcpy(p, &c->res, sizeof c->res);
}

enum ns_status ns_contact_state_restore(struct ns_contact *c, const void *buf, size_t size, struct ns_err *err) {
  const unsigned char *p = buf;
  size_t n;
  if (size != ns_contact_state_size(c))
    return ns_err_set(err, NS_EINPUT, "contact: state buffer of %zu bytes, this set needs %zu", size,
                      ns_contact_state_size(c));
  memcpy(&n, p, sizeof n);
  if (n != c->n) return ns_err_set(err, NS_EINPUT, "contact: state buffer of %zu nodes, this set has %zu", n, c->n);
  p += sizeof n;
  for (size_t i = 0; i < n; i++) {
    struct ns_contact_node e;
    memcpy(&e, p + i * sizeof e, sizeof e);
    if (e.node != c->nodes[i].node)
      return ns_err_set(err, NS_EINPUT, "contact: state buffer of another node set (node %zu is %zu, here %zu)", i,
                        e.node, c->nodes[i].node);
  }
  memcpy(c->nodes, p, n * sizeof *c->nodes);
  p += n * sizeof *c->nodes;
  struct contact_state_scalars s;
  memcpy(&s, p, sizeof s);
  p += sizeof s;
  c->dissipation = s.dissipation;
  c->work = s.work;
  c->fz_c = s.fz_c;
  c->z_c = s.z_c;
  c->z_frozen = s.z_frozen;
  c->z_tip = s.z_tip;
  c->frozen = s.frozen;
  memcpy(&c->res, p, sizeof c->res);
  return NS_OK;
}
