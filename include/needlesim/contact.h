/* needlesim/contact.h — contact of a rigid body of revolution with the tissue, frictionless or
 * with Coulomb friction (axisymmetric grids).
 *
 * The body: a rigid body of revolution about a vertical axis (axisymmetric grids: the axis r = 0;
 * 3D grids: the line (x0, y0)), described by its meridian profile, the body's radius as a
 * function of the height h above its lowest point (the tip), which sits at z = z_tip(t):
 *   flat punch (radius a)           R(h) = a                       (h >= 0)
 *   sphere (radius R)               R(h) = sqrt(2 R h - h^2) up to the equator, then R (a
 *                                   hemispherically capped cylinder)
 *   cone (half-angle theta between  R(h) = h tan(theta), optionally with the tip rounded by a
 *     the axis and the face)        sphere of radius rho that meets the cone tangentially
 *   needle                          rounded tip of radius rho, tangent to a cone of half-angle
 *                                   theta, which ends on a cylindrical shaft of radius Rs
 * Every profile is one chain (flat bottom, arc, cone line, shaft), so the body is convex and the
 * signed distance in the (r, z) meridian plane has a unique closest point outside the body.
 *
 * The gap of a contact node: the signed distance from the node's current position x = X + u to
 * the body in the meridian plane (negative inside), g(x) = d(r(x), z(x) - z_tip). It is general
 * (any node, any position), so the same code serves the top surface now and the channel wall
 * touching the shaft after puncture.
 *
 * Enforcement: penalty with augmented-Lagrangian (Uzawa) multipliers. Node i carries a reference
 * area A_i [m^2], a penalty stiffness k_i [Pa/m] and a multiplier lambda_i [Pa]; its pressure is
 *   p_i = k_i phi(lambda_i / k_i - g_i),  phi(s) = max(0, s) rounded on |s| < w_i (see opts),
 * derived from the potential Phi = sum_i A_i k_i Psi(lambda_i/k_i - g_i), Psi' = phi (without the
 * rounding Phi = sum_i A_i/(2 k_i) p_i^2), so the nodal force on the tissue is
 * A_i p_i n (n the body's outward unit normal at the closest point), and the residual and its
 * tangent added to the mechanics (through struct ns_mech_extra) are
 *   R_i += -A_i p_i n,   K_ii += A_i k_i phi' n n^T - A_i p_i H   (H = dn/dx, the curvature term),
 * exactly symmetric. k_i = penalty_factor * E_i / h_i, with E_i the largest Young's modulus
 * (small-strain, 9 kappa mu / (3 kappa + mu)) of the cells around the node and h_i the smallest
 * edge of those cells: penalty_factor is the ratio of the penalty to the local stiffness of the
 * tissue under one node, which is what governs both the remaining penetration (p h / (factor E))
 * and the conditioning. Uzawa updates lambda_i <- p_i between re-equilibrations
 * (ns_contact_step) remove the penetration geometrically (about a factor 1 + penalty_factor each).
 * Units follow the mechanics: axisymmetric areas are full rings (A_i = integral of N_i 2 pi r dr
 * over the top face), so forces are newtons on the full 2 pi body, like ns_mech's residual; 3D
 * areas are those of the modelled part (a quarter model gives a quarter of the force).
 *
 * Friction (axisymmetric grids, coefficient mu > 0 per node): regularised Coulomb law with a
 * return mapping, the tangential analogue of elastoplasticity (Wriggers, Computational Contact
 * Mechanics, 2nd ed. 2006, sec. 5.2; Simo & Laursen 1992). In the meridian plane the body's unit
 * tangent at the closest point is t = (-n_z, n_r) (pointing up along the profile). Each node
 * carries a committed elastic tangential gap ge_i [m] and its committed position x_c and tip
 * height z_c, recorded at every commit; over a step the relative tangential slip of the node
 * against the body is
 *   delta_i = t . ((x - x_c) - (z_tip - z_c) e_z)
 * when the node was in contact at the last commit, and 0 otherwise (the history starts at the
 * first commit in contact: a node touching within a substep carries no friction in it, so that
 * the body's tangential motion before the touch is not dissipated at the final traction),
 * the trial traction tau_tr = k_i (ge_i + delta_i), and with the Coulomb bound f = mu_i p_i
 *   stick |tau_tr| <= f: tau = tau_tr;     slip: tau = f sign(tau_tr)
 * (k_i the normal penalty, so sticking nodes creep by tau/k ~ the normal penetration). The force
 * on the tissue is -A_i tau_i t; residual R_i += A_i tau_i t, tangent
 *   K_ii += A_i (t (d tau/dx)^T + tau dt/dx),  d tau/dx = k (t + (dt/dx)^T d) (stick),
 *                                              d tau/dx = -mu sign(tau) k phi' n (slip),
 * nonsymmetric (ns_contact_extra then reports symmetric = 0, so mech uses GMRES). The corner of
 * the bound is rounded (C1) over |tau_tr| / f in [1 - w, 1 + w], w = 0.05: tau = f phi(tau_tr / f)
 * with phi(s) = s below 1 - w, sign(s) above 1 + w, a quadratic between. The commit callback (an
 * accepted substep) stores x_c, z_c and the elastic gap ge_i = g_trial while |tau_tr| / f <= 1 + w
 * (no slip; within the band the tangential spring is nonlinear), sign (1 + w) f / k_i otherwise
 * (slip g_trial - ge_i at |tau| = f), so that the committed state evaluates to the same traction
 * after the commit (history-consistent), and adds the frictional dissipation
 * A_i tau_i (g_trial - ge_new) (backward Euler; >= 0 by construction) to a running total. The
 * interface energy counts the tangential spring as A_i (f^2 / k_i) int_0^s phi, s = min(|tau_tr| /
 * f, 1 + w) (= A_i tau^2 / (2 k_i) below 1 - w). Nodes out of contact reset ge_i = 0. There is no
 * separate static coefficient (the issue and the literature give one dynamic value).
 *
 * Public functions:
 *   ns_body_check, ns_body_radius_at, ns_body_distance     the profile and its signed distance
 *   ns_contact_opts_defaults, ns_contact_create, ns_contact_free
 *   ns_contact_add_face, ns_contact_add_nodes              which nodes can touch the body
 *   ns_contact_set_friction                                per-node Coulomb coefficient
 *   ns_contact_set_tip, ns_contact_set_tip_fn, ns_contact_tip     the body's position z_tip(t)
 *   ns_contact_extra                                       the hook for ns_mech_set_extra
 *   ns_contact_step                                        ns_mech_step plus Uzawa augmentation
 *   ns_contact_update, ns_contact_augment                  outputs / multiplier update
 *   ns_contact_result, ns_contact_nodes, ns_contact_count  force, contact radius, pressures
 *   ns_contact_set_area                                    a node's area (phasing it out)
 *   ns_contact_state_size, _state_save, _state_restore     checkpoint of the set's history
 */
#ifndef NEEDLESIM_CONTACT_H
#define NEEDLESIM_CONTACT_H

#include <stddef.h>
#include <stdint.h>

#include "needlesim/grid.h"
#include "needlesim/material.h"
#include "needlesim/mech.h"
#include "needlesim/status.h"

enum ns_body_kind { NS_BODY_FLAT = 0, NS_BODY_SPHERE, NS_BODY_CONE, NS_BODY_NEEDLE };

struct ns_body {
  enum ns_body_kind kind;
  double radius;     /* flat: punch radius a; sphere: R; needle: shaft radius Rs [m] */
  double half_angle; /* cone, needle: theta in (0, pi/2), between the axis and the face [rad] */
  double tip_radius; /* cone: tip rounding rho (0 = sharp); needle: rho > 0 [m] */
  double axis[2];    /* 3D grids: the axis (x0, y0) [m]; ignored on axisymmetric grids */
};

/* NS_EINPUT with a message for an invalid body (non-positive radii, angle out of range, needle
 * shaft thinner than the rounded tip's tangent point). */
enum ns_status ns_body_check(const struct ns_body *b, struct ns_err *err);

/* The profile: the body's radius [m] at height h >= 0 above its tip (0 for h < 0). */
double ns_body_radius_at(const struct ns_body *b, double h);

/* Signed distance [m] from the meridian-plane point (r >= 0, h = z - z_tip) to the body,
 * negative inside. n[2] (may be NULL): the body's outward unit normal (r, z components) at the
 * closest point, i.e. the gradient of the distance; hess[3] (may be NULL): its second
 * derivatives (d_rr, d_rz, d_zz) with respect to (r, z). */
double ns_body_distance(const struct ns_body *b, double r, double h, double n[2], double hess[3]);

struct ns_contact_opts {
  double penalty_factor; /* k_i = factor * E_i / h_i (dimensionless, > 0) */
  double smoothing;      /* the ramp max(0, .) is rounded (C1 quadratic) for pressures below
                            smoothing * E_i (dimensionless strain, >= 0; 0: sharp) */
  double friction;       /* Coulomb coefficient mu of every node added (>= 0; > 0 only on
                            axisymmetric grids); per node: ns_contact_set_friction */
};
/* Defaults: penalty_factor 100 (Uzawa then gains about two decades of penetration per update),
 * friction 0, smoothing 1e-6 (without it Newton can cycle when a node sits at p = 0 exactly: the active set
 * flips between iterations; a pressure of 1e-6 E on one edge node is far below any tolerance). */
struct ns_contact_opts ns_contact_opts_defaults(void);

/* Per contact node: inputs (node, area, k) and the outputs of the last ns_contact_update. */
struct ns_contact_node {
  size_t node;     /* grid node index */
  double area;     /* A_i [m^2] (reference configuration) */
  double k;        /* penalty stiffness [Pa/m] */
  double w;        /* half-width of the rounded ramp, in gap units [m] */
  double lambda;   /* Uzawa multiplier [Pa] */
  double gap;      /* signed distance to the body [m] (negative: penetration) */
  double pressure; /* contact pressure p_i [Pa] */
  double r;        /* current distance of the node from the body's axis [m] */
  double mu;       /* Coulomb friction coefficient (0: frictionless) */
  double ge;       /* committed elastic tangential gap [m] (friction history) */
  double xc[3];    /* committed current position of the node [m] (friction history) */
  double zc;       /* tip height at the committed state [m] (friction history) */
  double tau;      /* tangential traction on the body along t [Pa] (last update) */
  int slip;        /* 1 when the node slides (|tau| = mu p), 0 sticks or is free (last update) */
  int slip_c;      /* 1 when the node slid in the last committed substep (friction history) */
  int contact_c;   /* 1 when the node was in contact (p > 0) at the last commit (friction history) */
};

/* Summary of the contact state at the displacement of the last ns_contact_update. */
struct ns_contact_result {
  double force[3];        /* force the tissue exerts on the body [N]; axisymmetric: [1] axial,
                             [0] = 0 (radial forces cancel on the ring); 3D: x, y, z */
  double force_z;         /* its vertical component (positive: the tissue pushes the body up) */
  double contact_radius;  /* current axis distance of the outermost node in contact [m] (0: none) */
  double contact_radius_next; /* that of the innermost node outside it on the same list (the
                                 contact edge lies between the two) [m]; 0 when none */
  double max_penetration; /* max over nodes of -gap (>= 0) [m] */
  size_t nactive;         /* nodes with p > 0 */
  double z_tip;           /* the body's tip height used [m] */
  double force_friction_z; /* the part of force_z carried by friction [N] */
  size_t nslip;           /* nodes in contact that slide */
  double friction_dissipation; /* frictional work dissipated since creation, summed over
                                  committed substeps [J] (axisymmetric: the full ring) */
  double work;            /* work done by the body on the tissue since the tip was set, summed
                             over committed substeps by the trapezoidal rule,
                             -(Fz_old + Fz_new)/2 (z_tip_new - z_tip_old) [J] */
  double interface_energy; /* energy stored in the penalty springs, sum A (p^2/(2k) +
                              psi_t) [J], psi_t the tangential spring's energy (tau^2/(2k)
                              below the friction band; see the file comment) (exact for pure
                              penalty without rounding) */
};

struct ns_contact; /* opaque */

/* Create a contact set for `grid` (borrowed) and the body (copied). mats/cell_mat as for
 * ns_mech_create (used for the penalty scaling only; copied where needed). opts may be NULL
 * (defaults). No nodes yet: add them with ns_contact_add_face / _add_nodes. The tip starts at
 * z_tip = 0. NS_EINPUT, NS_ENOMEM. Free with ns_contact_free. */
enum ns_status ns_contact_create(const struct ns_grid *grid, const struct ns_material *mats, int nmat,
                                 const uint8_t *cell_mat, const struct ns_body *body,
                                 const struct ns_contact_opts *opts, struct ns_contact **out,
                                 struct ns_err *err);
void ns_contact_free(struct ns_contact *c);

/* Add every node of a face (enum ns_mech_face) with its lumped reference area integral N_i dA
 * (axisymmetric: 2 pi r dA; on the faces r = const, 2 pi r dz). Nodes already present keep their
 * entry (areas are not summed). The top face is the skin surface; an inner face r = r_min > 0
 * serves as the wall of a pre-formed hole (friction tests). */
enum ns_status ns_contact_add_face(struct ns_contact *c, int face, struct ns_err *err);

/* Add arbitrary nodes with given reference areas [m^2] (channel walls later). */
enum ns_status ns_contact_add_nodes(struct ns_contact *c, size_t n, const size_t *nodes, const double *areas,
                                    struct ns_err *err);

/* Friction coefficient of contact node i (in the order of ns_contact_nodes); mu >= 0 (> 0 only
 * on axisymmetric grids). NS_EINPUT otherwise. */
enum ns_status ns_contact_set_friction(struct ns_contact *c, size_t i, double mu, struct ns_err *err);

/* Reference area of contact node i (in the order of ns_contact_nodes) [m^2], >= 0 and finite:
 * its penalty force, tangent and interface energy scale with it (a continuation that phases a
 * node out of the contact, e.g. a Griffith release in penetration.c). Set-up, not state: the
 * state checkpoint does not hold it. NS_EINPUT otherwise. */
enum ns_status ns_contact_set_area(struct ns_contact *c, size_t i, double area, struct ns_err *err);

/* Tip position: a value (used at every time until changed) or a function of time. */
typedef double (*ns_contact_tip_fn)(double t, void *ctx);
void ns_contact_set_tip(struct ns_contact *c, double z_tip);
void ns_contact_set_tip_fn(struct ns_contact *c, ns_contact_tip_fn fn, void *ctx);
double ns_contact_tip(const struct ns_contact *c, double t);

/* The extra contribution for ns_mech_set_extra (symmetric when no node has friction; commit
 * applies the friction return mapping and updates the outputs). Call it after the friction
 * coefficients are set: `symmetric` is fixed when it is returned. The
 * contact object must outlive its use by the mechanics. */
struct ns_mech_extra ns_contact_extra(struct ns_contact *c);

/* Options and report of ns_contact_step. */
struct ns_contact_aug {
  int max_updates;   /* Uzawa updates after the step at most (0: pure penalty) */
  double pen_tol;    /* stop when the max penetration is <= pen_tol [m] */
  double dt_aug;     /* pseudo-time [s] of each re-equilibration (the body is held still) */
};
struct ns_contact_aug_info {
  int updates;           /* Uzawa updates done */
  double penetration[8]; /* max penetration after the step and each of the first 7 updates [m] */
};

/* Advance the mechanics (whose extra must be this contact) to t_new with ns_mech_step, then
 * while the max penetration exceeds aug->pen_tol and fewer than aug->max_updates updates were
 * made: lambda_i <- p_i and re-equilibrate with the body held at z_tip(t_new) by a further
 * ns_mech_step of aug->dt_aug (so ns_mech_time ends at t_new + updates * dt_aug; for elastic
 * tissue time is only a load parameter, for QLV tissue dt_aug must be << every tau). aug may be
 * NULL (3 updates, pen_tol 0, dt_aug 1e-9 s); info may be NULL. Errors of ns_mech_step. */
enum ns_status ns_contact_step(struct ns_mech *m, struct ns_contact *c, double t_new, const struct ns_contact_aug *aug,
                               struct ns_contact_aug_info *info, struct ns_err *err);

/* Recompute gaps, pressures, tangential tractions (trial from the committed friction history,
 * which is not changed) and the result at displacement u and time t (done on every commit). */
void ns_contact_update(struct ns_contact *c, const double *u, double t);
/* Uzawa update lambda_i <- p_i from the last update. */
void ns_contact_augment(struct ns_contact *c);

const struct ns_contact_result *ns_contact_result(const struct ns_contact *c);
/* The contact nodes (borrowed, valid until nodes are added), in the order they were added
 * (ns_contact_add_face: increasing node index, i.e. increasing r along the top of an
 * axisymmetric grid). */
const struct ns_contact_node *ns_contact_nodes(const struct ns_contact *c, size_t *count);
size_t ns_contact_count(const struct ns_contact *c);

/* Checkpoint of everything a contact set remembers between substeps: per node the friction
 * history, multiplier and last outputs; the frictional dissipation and work so far, the force
 * and tip at the last commit, the augmentation's frozen tip and the last result. Not the set-up
 * (body, options, nodes and areas: restore into the set that saved). Caller-owned buffer of
 * ns_contact_state_size(c) bytes, a flat image for this build (trial-and-restore; a restart file
 * written and read by the same build). NS_EINPUT when the size or the node list differ. */
size_t ns_contact_state_size(const struct ns_contact *c);
void ns_contact_state_save(const struct ns_contact *c, void *buf);
enum ns_status ns_contact_state_restore(struct ns_contact *c, const void *buf, size_t size, struct ns_err *err);

#endif /* NEEDLESIM_CONTACT_H */
