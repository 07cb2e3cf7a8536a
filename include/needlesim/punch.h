/* needlesim/punch.h — indentation problems on a (layered) elastic half-space: grid, materials
 * and solution, shared by the punch tests, the verification study and the benchmark.
 *
 * The domain: r (axisymmetric) or x, y (3D quarter model, symmetry planes x = 0 and y = 0) in
 * [0, width], z in [-depth, 0]; layers from the top, each with E, nu (compressible neo-Hookean,
 * mu = E/(2(1+nu)), kappa = E/(3(1-2nu)): the small-strain limit is linear elasticity with E, nu).
 * Bottom fixed, far side free or sliding, 3D symmetry planes sliding.
 *
 * Grid: lateral coordinates in two graded parts, [0, a] fine towards a and [a, width] fine at a,
 * both with first cell h_edge at r = a; vertical: every layer is one graded part (interfaces are
 * nodes), the top one with first cell h_surface at z = 0, each following one starting with the
 * last cell size of the one above. The mappings (stretchings) are fixed at level 0; level L
 * multiplies every cell count by 2^L with the same mappings, so every level bisects the cells of
 * the previous one (a nested refinement sequence, as a Richardson extrapolation needs).
 *
 * Indenters: a flat punch by prescribed displacement on the disc r <= a of the top face
 * (frictionless: u_z only; bonded: u_z and u_r/u_x/u_y = 0), or a rigid body by contact
 * (contact.h). Functions:
 *   ns_punch_spec_default  homogeneous half-space defaults for a given a
 *   ns_punch_spec_layered  issue 3's layered flat punch (verification item 5) at a level
 *   ns_punch_build         grid, materials and cell ids of a spec
 *   ns_punch_solve         solve one indentation, report force, contact radius, iterations
 */
#ifndef NEEDLESIM_PUNCH_H
#define NEEDLESIM_PUNCH_H

#include <stdint.h>

#include "needlesim/config.h"
#include "needlesim/contact.h"
#include "needlesim/grid.h"
#include "needlesim/material.h"
#include "needlesim/mech.h"
#include "needlesim/status.h"

#define NS_PUNCH_MAX_LAYERS 4

struct ns_punch_spec {
  enum ns_geometry geom;
  int nlayer;
  double thick[NS_PUNCH_MAX_LAYERS]; /* layer thicknesses from the top [m]; their sum is the depth */
  double E[NS_PUNCH_MAX_LAYERS];     /* Young's moduli [Pa] */
  double nu[NS_PUNCH_MAX_LAYERS];    /* Poisson's ratios */
  int cells_z[NS_PUNCH_MAX_LAYERS];  /* level-0 cells per layer */
  double h_surface;                  /* level-0 first cell below the surface [m] */
  double width;                      /* lateral extent [m] */
  double a;                          /* radius where the lateral grid is finest [m] */
  double h_edge;                     /* level-0 cell size at r = a [m] */
  int cells_in, cells_out;           /* level-0 lateral cells on [0, a] and [a, width] */
  int level;                         /* refinement level (cells x 2^level) */
  enum ns_mech_bc side_bc;           /* far side(s): NS_BC_FREE or NS_BC_SLIDING */
};

/* A homogeneous half-space (E, nu) of width = depth = 400 a, graded to h_edge = a/8 at the edge
 * and at the surface, 8 + 16 lateral and 24 vertical cells at level 0, free side. */
struct ns_punch_spec ns_punch_spec_default(enum ns_geometry geom, double a, double E, double nu);

/* Issue 3's layered case, axisymmetric: layers 15 um (E = 10 MPa), 85 um (1 MPa), 2 mm (50 kPa),
 * all nu = 0.45, bonded to a rigid base at 2.1 mm; punch radius a = 50 um; 4 / 8 / 12 level-0
 * cells across the layers, surface cell 15 um / 4, width 10 mm, edge cell a / 8; refinement
 * level `level`. Callers may change width and h_edge (the far-side and edge studies). */
struct ns_punch_spec ns_punch_spec_layered(int level);

/* Build the grid (*grid, free with ns_grid_free), the layer materials (mats[nlayer]) and the
 * per-cell layer ids (*cell_mat, free with free()). NS_EINPUT for an inconsistent spec. */
enum ns_status ns_punch_build(const struct ns_punch_spec *s, struct ns_grid **grid, struct ns_material *mats,
                              uint8_t **cell_mat, struct ns_err *err);

enum ns_punch_indenter {
  NS_PUNCH_FLAT_FRICTIONLESS = 0, /* prescribed u_z on r <= a, tangential free */
  NS_PUNCH_FLAT_BONDED,           /* prescribed u_z, tangential 0 on r <= a */
  NS_PUNCH_CONTACT                /* rigid body by contact (body in ns_punch_load) */
};

struct ns_punch_load {
  enum ns_punch_indenter kind;
  double delta;                 /* indentation depth [m] (> 0: into the tissue) */
  int steps;                    /* load steps (>= 1); time runs 0 .. 1 */
  struct ns_body body;          /* contact: the body (its tip goes from z = 0 to -delta) */
  struct ns_contact_opts copts; /* contact: penalty */
  struct ns_contact_aug aug;    /* contact: augmentation per step (dt_aug 0: 1e-2 of a step) */
  double newton_rtol;           /* 0: the mech default */
  int threads;                  /* 0: leave OpenMP's setting */
  ns_mech_log_fn log;           /* optional substep log (ns_mech_set_log) */
  void *log_ctx;
};

struct ns_punch_result {
  double force;            /* vertical force on the indenter, positive resisting [N] (3D: the
                              whole body, i.e. 4 x the quarter model) */
  double contact_radius;   /* contact: outermost node in contact [m] */
  double contact_radius_next; /* contact: next node outside [m] */
  double max_penetration;  /* contact: remaining max penetration [m] */
  size_t nodes;            /* grid nodes */
  int cells[3];            /* cells per direction */
  long newton_iters, linear_iters, steps;
  double wall_s;           /* wall time of the solve (after set-up) [s] */
  double setup_s;          /* grid, materials, mech and contact creation [s] */
};

enum ns_status ns_punch_solve(const struct ns_punch_spec *s, const struct ns_punch_load *L,
                              struct ns_punch_result *res, struct ns_err *err);

#endif /* NEEDLESIM_PUNCH_H */
