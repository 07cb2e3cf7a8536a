/* testops.h — test-only operator assembly for the solver tests and benchmarks (not the
 * simulation's assembly, which lives in the mech module).
 *
 *   ns_testops_elasticity   Q1 small-strain isotropic elasticity (axisymmetric or 3D), per-cell E, nu
 *   ns_testops_diffusion    Q1 scalar diffusion -div(k grad u), per-cell k
 *   ns_testops_convection   Q1 Galerkin convection  int N_a (v . grad u), added to every component
 *   ns_testops_lift         right side for prescribed (Dirichlet) values before elimination
 *   ns_testops_skin         a layered, graded "skin block" test problem (grid, operator, load, mask)
 *   ns_testops_problem_free
 *   ns_testops_hash01       deterministic pseudo-random number in [0, 1) from an integer
 *
 * All integrals use full 2x2(x2) Gauss quadrature on the rectangular cells; the axisymmetric
 * measure is 2 pi r dr dz and the hoop strain is u_r / r. Cells are indexed
 * c = i + j (n0-1) [+ k (n0-1)(n1-1)].
 */
#ifndef NEEDLESIM_TESTOPS_H
#define NEEDLESIM_TESTOPS_H

#include <stddef.h>
#include <stdint.h>

#include "needlesim/grid.h"
#include "needlesim/smat.h"

size_t ns_testops_ncells(const struct ns_grid *g);

/* A += elasticity stiffness (A->ncomp == ndim). E [Pa] and nu [-] per cell. */
void ns_testops_elasticity(struct ns_smat *A, const double *E, const double *nu);

/* A += diffusion matrix (A->ncomp == 1), conductivity k per cell. */
void ns_testops_diffusion(struct ns_smat *A, const double *k);

/* A += convection matrix int N_a (v . grad N_b) for each component (nonsymmetric). */
void ns_testops_convection(struct ns_smat *A, const double v[3]);

/* Before ns_smat_dirichlet(A, mask): b <- b - A g on free dofs and b = g on masked dofs, where g
 * holds the prescribed values on masked dofs (other entries ignored). work has ndof entries. */
void ns_testops_lift(const struct ns_smat *A, const uint8_t *mask, const double *g, double *b, double *work);

struct ns_testops_problem {
  struct ns_grid *g;
  struct ns_smat *A; /* Dirichlet-eliminated operator */
  double *b;         /* right side (zero on Dirichlet dofs) */
  uint8_t *mask;     /* Dirichlet dofs */
  double *E, *nu;    /* per-cell material */
  double aspect_max; /* largest cell aspect ratio of the grid */
};

/* Layered skin block: width W = 4 mm (radius or quarter half-width), depth H = 4 mm, layers from
 * the surface z = 0 down: 20 um "stratum corneum" E = E0 contrast, 1.5 mm "dermis"
 * E = E0 sqrt(contrast), "hypodermis" E = E0 = 5 kPa; Poisson ratio nu everywhere. Grid graded
 * exponentially towards the surface and the axis/corner with fixed stretchings (refinement
 * bisects cells). Dirichlet: bottom fixed, symmetry planes / axis and the outer walls roller.
 * Load: downward surface traction on the disc/quarter disc of radius 0.5 mm plus a small
 * deterministic pseudo-random body force (so all error frequencies are excited).
 * cells_lat, cells_z: cell counts; geom selects axisymmetric (ncomp 2) or 3D (ncomp 3). */
int ns_testops_skin(enum ns_geometry geom, int cells_lat, int cells_z, double contrast, double nu,
                    struct ns_testops_problem *p);

void ns_testops_problem_free(struct ns_testops_problem *p);

double ns_testops_hash01(uint64_t i);

#endif /* NEEDLESIM_TESTOPS_H */
