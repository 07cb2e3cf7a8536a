/* needlesim/mg.h — geometric multigrid on structured grids, as a preconditioner for Krylov.
 *
 * Hierarchy: vertex-centred coarsening (every other node; on 2D grids the first coarsening halves
 * z only; on 3D grids z planes are selected so that the layer interfaces, detected from the
 * operator at setup, stay coarse planes: see sim/mg.c and sim/mg_impl.h), prolongation P by
 * (bi/tri)linear interpolation in physical coordinates (along z on the z-only coarsening, across
 * thick layer interfaces at fine-only nodes, operator-dependent weights), restriction P^T, Galerkin coarse operators
 * A_c = P^T A P (stays a 3^ndim-point block stencil, robust to coefficient jumps), a smoother
 * robust to the graded grids' anisotropy, a direct or iterated solve on the coarsest grid. The
 * cycle is a W-cycle below the finest level (3D: the first coarsening halves z only, and the
 * repeated coarse visits are a K-cycle, two flexible-CG steps; see sim/mg_impl.h).
 * Dirichlet dofs of the fine operator (unit diagonal, zero row/column) are kept out of the
 * interpolation so that coarse corrections never touch them.
 * Krylov: preconditioned CG with a symmetric V-cycle for symmetric operators; right-preconditioned
 * GMRES (restarted) for nonsymmetric ones; with the (nonlinear) 3D K-cycle, their flexible
 * variants (FCG(4) and flexible GMRES, chosen automatically). All reductions deterministic (vec.h).
 * Threads: ns_mg_threads is the one node-count policy (1 thread on small grids and coarse levels).
 */
#ifndef NEEDLESIM_MG_H
#define NEEDLESIM_MG_H

#include <stddef.h>

#include "needlesim/grid.h"
#include "needlesim/smat.h"
#include "needlesim/status.h"

enum ns_krylov { NS_KRYLOV_CG = 0, NS_KRYLOV_GMRES };

struct ns_linsolve_opts {
  enum ns_krylov method;
  double rtol;      /* stop when ||b - A x|| <= rtol * ||b - A x0|| */
  double atol;      /* ... or when ||b - A x|| <= atol */
  int max_iter;     /* Krylov iterations */
  int pre_smooth;   /* smoothing sweeps before / after the coarse correction */
  int post_smooth;
  int gmres_restart;
};

/* Sensible defaults: CG, rtol 1e-8, atol 0, 200 iterations, 2+2 sweeps, restart 30. */
struct ns_linsolve_opts ns_linsolve_defaults(void);

struct ns_linsolve_info {
  int iterations;
  double rnorm0, rnorm; /* initial and final residual 2-norms */
  int converged;        /* 1 when a tolerance was met */
};

struct ns_mg; /* opaque */

/* Build the grid hierarchy for `fine` (borrowed, must outlive mg) with ncomp unknowns per node.
 * In 3D the levels below the finest depend on the operator's layer interfaces: the first
 * ns_mg_setup builds them (ns_mg_levels is 1 until then). */
enum ns_status ns_mg_create(const struct ns_grid *fine, int ncomp, struct ns_mg **out, struct ns_err *err);

/* (Re)compute the coarse operators and smoother data for a new fine operator A (borrowed). In 3D
 * the hierarchy keeps the operator's layer interfaces as coarse z nodes: the first setup, and any
 * setup whose operator has its interfaces elsewhere, rebuilds the coarse levels (mg stays the same
 * object; the caller's pointer remains valid). */
enum ns_status ns_mg_setup(struct ns_mg *mg, const struct ns_smat *A, struct ns_err *err);

/* Solve A x = b (A as given to the last ns_mg_setup); x holds the initial guess on entry.
 * NS_ECONV when max_iter is reached without meeting the tolerances (info filled either way). */
enum ns_status ns_mg_solve(struct ns_mg *mg, const double *b, double *x, const struct ns_linsolve_opts *opts,
                           struct ns_linsolve_info *info, struct ns_err *err);

/* Solve A x = b (A as given to the last ns_mg_setup) by a banded LU of A with partial pivoting
 * and one step of iterative refinement: the fallback when a Krylov solve fails on an indefinite
 * or badly preconditioned operator (docs/penetration.md section 5 item 12). Only for systems whose
 * band matrix fits in 64 MiB (axisymmetric grids; NS_EINPUT otherwise); x holds the initial guess
 * on entry; info as ns_mg_solve (iterations: LU solves). NS_ECONV when the operator is singular
 * or the tolerances are not met. */
enum ns_status ns_mg_solve_direct(struct ns_mg *mg, const double *b, double *x, const struct ns_linsolve_opts *opts,
                                  struct ns_linsolve_info *info, struct ns_err *err);

/* Solve A x = b (A borrowed; no ns_mg_setup needed) by GMRES preconditioned with a banded LU
 * (partial pivoting) of the finest operator: with refactor != 0, or when there is no factor yet,
 * of A itself; otherwise the factor of an earlier operator is reused (a nearby operator, e.g. the
 * previous Newton tangent, is still a good preconditioner; the Krylov tolerance is on A, so the
 * solution is the same to opts->rtol). Only where ns_mg_band_available; x holds the initial
 * guess; info as ns_mg_solve. NS_ECONV when the tolerances are not met or the operator is
 * singular (a zero pivot). */
int ns_mg_band_available(const struct ns_mg *mg);
enum ns_status ns_mg_solve_band(struct ns_mg *mg, const struct ns_smat *A, int refactor, const double *b, double *x,
                                const struct ns_linsolve_opts *opts, struct ns_linsolve_info *info,
                                struct ns_err *err);

/* One multigrid cycle as a stand-alone iteration x <- x + V(b - A x) (benchmarks measure its
 * factor); the same cycle preconditions the Krylov solvers. */
enum ns_status ns_mg_vcycle(struct ns_mg *mg, const double *b, double *x, struct ns_err *err);

int ns_mg_levels(const struct ns_mg *mg);

/* Thread policy of the grid kernels: the number of OpenMP threads worth using for work on a
 * structured grid of nnodes nodes. Below 4096 nodes (NS_MG_PARALLEL_MIN_NODES, sim/mg.c) a pass costs
 * about as much as the fork/join of a parallel region, and with more runnable threads than free
 * cores (other processes on a 2-core machine) every barrier can wait a scheduler time slice: 1.
 * Otherwise omp_get_max_threads() of the caller. The multigrid module uses it for every level
 * (coarse levels of a large grid run on one thread); a driver that owns a whole run calls it once
 * with its grid's node count and passes the result to omp_set_num_threads. */
int ns_mg_threads(size_t nnodes);
void ns_mg_free(struct ns_mg *mg);

#endif /* NEEDLESIM_MG_H */
