/* mg_impl.h — private to the mg module (sim/mg.c, sim/mg_smooth.c, sim/krylov.c).
 *
 * The multigrid hierarchy and the kernels the three files share:
 *   ns_mg_lines_factor   block-tridiagonal LU of every grid line along one direction (setup)
 *   ns_mg_lines_sweep    one coloured (zebra) line Gauss-Seidel sweep along one direction
 *   ns_mg_apply_prec     z = V(r): one V-cycle from a zero initial guess (the preconditioner)
 *   ns_mg_serial_begin / ns_mg_serial_end   one-thread scope for small grids (ns_mg_threads)
 */
#ifndef NEEDLESIM_MG_IMPL_H
#define NEEDLESIM_MG_IMPL_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_permutation.h>
#include <stdint.h>

#include "needlesim/mg.h"

/* Deepest hierarchy we build: 2^15 cells per direction is far beyond any grid we can store. */
#define NS_MG_MAX_LEVELS 16

/* Stop coarsening once a level has at most this many unknowns. The coarsest operator is factored
 * by banded LU with partial pivoting (GSL 2.7 gsl_linalg_LU_band_decomp), bandwidth
 * b = (n0 + 1) ncomp + ncomp - 1 in 2D ((n0 n1 + n0 + 1) ncomp + ncomp - 1 in 3D) for n0 (x n1)
 * nodes per line (plane): ~2 N b^2 flops per setup and ~6 N b per solve instead of the dense
 * (2/3) N^3 and 2 N^2. Measured: with the dense LU, 600 unknowns cost 31 % of a penetration run
 * (33 x 49 nodes, a factorisation per Newton iteration; perf, session 4). */
#define NS_MG_COARSE_TARGET 600

/* Largest coarsest grid (unknowns) we factor directly; beyond it (a grid whose node counts do not
 * allow enough coarsenings) the coarsest level is relaxed by NS_MG_COARSE_SWEEPS smoother sweeps. */
#define NS_MG_DIRECT_MAX 4000
#define NS_MG_COARSE_SWEEPS 20

/* Plane smoother data of one 3D level for one plane orientation: the planes normal to direction
 * m, each with its own 2D operator (the in-plane 9 of the 27 stencil entries) and 2D multigrid
 * hierarchy (line smoother), which solves the plane approximately with one V-cycle. */
struct ns_mg_planes {
  int m, a, b;          /* normal direction and the two in-plane directions (2D directions 0, 1) */
  int np;               /* number of planes (n[m]) */
  struct ns_grid *g2;   /* the plane grid, shared by all planes */
  struct ns_smat **A2;  /* per plane: in-plane operator */
  struct ns_mg **mg2;   /* per plane: 2D hierarchy */
  double *xb;           /* per plane: x then b, 2 * nnodes2 * ncomp doubles */
};

struct ns_mg_level {
  const struct ns_grid *g; /* this level's grid (level 0: the caller's) */
  struct ns_grid *gown;    /* owned coarse grid (NULL on level 0) */
  const struct ns_smat *A; /* this level's operator (level 0: the caller's) */
  struct ns_smat *Aown;    /* owned Galerkin operator (NULL on level 0) */
  uint8_t *mask;           /* per dof: 1 = Dirichlet (unit diagonal row, zero row and column) */
  double *fac[3];          /* per line direction: per node [G (nc*nc), C (nc*nc)] of the line LU */
  int step[3];             /* per direction: 2 when the next level keeps every other index of this
                              one, 1 when it keeps them all (semi-coarsening); 0 on the coarsest */
  int *cf[3];              /* per direction (levels with a coarser one): cf[I] is the index on this
                              grid of the next level's index I (2I with step 2, I with step 1,
                              interface-keeping z coarsening: see ns_mg_create) */
  int *lo[3];              /* per direction, per index i of this grid: the largest coarse index I
                              with cf[I] <= i; i is fine-only when cf[lo[i]] != i, and its
                              parents are lo[i] and lo[i] + 1 */
  double *w[3];            /* per direction, per index i of this grid: for fine-only i, the weight
                              of the lower coarse parent lo[i] in the interpolation to this node */
  double *wop;             /* z-only coarsening with operator-dependent weights (NULL otherwise):
                              per node and component of this grid, for odd z index k, the weight of
                              the lower coarse parent (k-1)/2 (see ns_mg_setup) */
  double *x, *b, *r;       /* level vectors (x, b unused on level 0) */
  double *kc[4];           /* K-cycle work vectors c1, v1, c2, v2 (levels below the finest) */
  struct ns_mg_planes *planes[3]; /* 3D plane smoother, per orientation (NULL if unused) */
};

/* Smoothers: line relaxation along every direction (2D grids; 3D optional), or alternating plane
 * relaxation with inexact (one 2D V-cycle) plane solves (3D default). */
enum ns_mg_smoother { NS_MG_SMOOTH_LINES = 0, NS_MG_SMOOTH_PLANES };

/* Cycle shape of the top-level hierarchies (ns_mg_create): every level below the finest that is
 * not the level just above the coarsest is visited NS_MG_CYCLE_GAMMA times per visit of its
 * parent (2: W-cycle); in 3D those visits are the two steps of a flexible CG on that level,
 * preconditioned by one cycle of it (K-cycle, Notay & Vassilevski 2008).
 * Measured on the layered skin operators (contrast 2000, nu 0.45, bench_solver): the V-cycle's
 * factor 0.42-0.50 (axisymmetric 64..256 cells) and 0.24-0.69 (3D 8..32) is limited by the coarse
 * levels; the W-cycle with doubled coarse smoothing gave 0.29-0.33 and 0.24-0.44.
 * Axisymmetric grids: the slow error is the bending of the thin stiff top layer with a lateral
 * wavelength of ~2 mm (about 30 fine cells). Coarsening r makes the coarse bilinear space stiffer
 * in bending (shear locking grows with (cell width / layer thickness)^2): the two-grid factor
 * with an exact coarse solve is 0.33 when the first coarsening halves r (with or without z),
 * 0.10 when it halves z only. The first NS_MG_SEMI_LEVELS_2D coarsenings of a 2D top-level
 * hierarchy therefore halve z only (semi-coarsening), the rest both directions; with the W-cycle
 * below, the factor is 0.12 / 0.11 / 0.23 on 64^2 / 128^2 / 256^2 cells. The 256^2 figure is
 * an interpolation defect: the dermis / hypodermis interface falls on an odd z index there (a
 * node of the fine level only), where linear interpolation misses the kink of the error; a second
 * z-only level (0.226), a K-cycle below the finest level (0.226), doubled coarse smoothing (0.226)
 * or both (0.226) do not move it. z-only coarsenings of top-level hierarchies therefore
 * interpolate across such interfaces with operator-dependent weights (opz_weights in sim/mg.c):
 * 0.124 / 0.112 / 0.157 (512^2: 0.153). z-only coarsening all the way down is O(n log n) under a
 * W-cycle and poor under a V-cycle (0.64-0.90).
 * 3D: the slow error of the full-coarsening hierarchy is the stiff dermis block sinking into the
 * soft hypodermis (u_z nearly uniform over the top 1.5 mm), and the two-grid factor with an exact
 * coarse solve on 8^3 is 0.24 with full coarsening, 0.13 when the first coarsening halves z only.
 * With a W-cycle the z-first hierarchy lost that gain in its coarser levels (0.45 / 0.57 / 0.35 on
 * 8^3 / 16^3 / 32^3: the level below has a few slow modes of its own); the K-cycle's two
 * Krylov steps remove them: 0.11 / 0.21 / 0.13 with single smoothing on every level (full
 * coarsening + W-cycle with doubled smoothing: 0.24 / 0.44 / 0.26). The 16^3 figure (0.207) sits
 * just above the 0.2 target and did not move with a larger coarsest grid (1215 unknowns: 0.206),
 * a second z-only level (0.201), full coarsening under the K-cycle (0.202) or two 2D V-cycles per
 * plane solve (0.206); more smoothing does move it (2+2 -> 3+3 sweeps on every level: 0.194;
 * doubled smoothing below the finest level, NS_MG_COARSE_SWEEP_MULT = 2: 0.10 / 0.198 / 0.13), but
 * not by enough to pay for itself: measured back to back on the quiet machine (bench_solver,
 * 2 threads), PCG solve time per unknown on 16^3 / 32^3 / 48^3 was 31.4 / 34.8 / 46.3 us with the
 * multiplier 2 (6 / 6 / 7 iterations) against 23.2 / 22.4 / 29.6 us with 1 (7 / 6 / 7), so the
 * multiplier is 1: time to solution, not the factor, is what a run pays (session 4).
 * Interface-keeping z coarsening (session 5): the 48^3 slow mode (0.219, asymptotically 0.32) lived
 * under the dermis / hypodermis interface at the odd z index 9, which every-other-node coarsening
 * drops (operator-dependent weights there exposed a dermis mode, 0.29). The top-level 3D hierarchy
 * therefore detects the layer interfaces from the operator at setup (detect_interfaces in
 * sim/mg.c: z planes where the z stiffness ratio jumps by more than NS_MG_OPZ_JUMP on most nodes)
 * and rebuilds itself so that every z coarsening keeps those planes as coarse nodes (coarse cells
 * of one or two fine cells, linear interpolation; an extra split keeps the coarse z cell count
 * even for the plane hierarchies). Bench factors 8^3 / 16^3 / 32^3 / 48^3: 0.112 / 0.207 / 0.125
 * / 0.218 -> 0.066 / 0.073 / 0.127 / 0.148, PCG 6 / 7 / 6 / 7 -> 4 / 5 / 6 / 6 iterations; the
 * hierarchies are 17 -> 11 -> 7 -> 5 and 49 -> 27 -> 15 -> 9 -> 7 -> 5 z nodes (16^3, 48^3).
 * The K-cycle makes the cycle nonlinear (its step lengths depend on the residual); the same cycle
 * preconditions the Krylov solvers, which then run their flexible variants (ns_mg_prec_variable).
 * Coarse levels cost at most 2^-l (2D) of the finest level's work each; in 3D the z-only level
 * costs 1/2 of the finest per visit (times the multiplier) and is visited twice, the rest at most
 * 8^-l. The plane smoothers' 2D hierarchies keep plain V-cycles with full coarsening (gamma 1,
 * multiplier 1). */
#define NS_MG_CYCLE_GAMMA 2
#define NS_MG_COARSE_SWEEP_MULT 1
#define NS_MG_SEMI_LEVELS_2D 1
#define NS_MG_SEMI_LEVELS_3D 1

/* Sweeps of the 2D V-cycle that solves one plane approximately (pre = post). */
#define NS_MG_PLANE_SWEEPS 1

/* Coarse-grid target (unknowns) of the 2D plane hierarchies: small, since there is one coarse LU
 * per plane. */
#define NS_MG_PLANE_COARSE_TARGET 100

struct ns_mg {
  int ncomp, nlev, ready;
  enum ns_mg_smoother smoother;
  int plane_dirs; /* bit m set: relax the planes normal to direction m */
  int gamma;      /* coarse-level visits per parent visit (1: V-cycle, 2: W-cycle) */
  int coarse_mult; /* sweep multiplier on the levels below the finest */
  int opz;       /* 1: z-only coarsenings interpolate with operator-dependent weights along z */
  int kz;        /* 1: z coarsening keeps the layer interfaces as coarse nodes (3D top level) */
  int *zkeep;    /* kz: the level-0 z indices kept (detected layer interfaces), nzkeep of them */
  int nzkeep;
  int kcycle;     /* 1: a level visited gamma times runs gamma flexible-CG steps instead (K-cycle) */
  struct ns_mg_level lev[NS_MG_MAX_LEVELS];
  /* Coarsest level: banded LU (direct == 1; lu is N x (3 band + 1) in GSL's band layout, row j
   * holding column j of the matrix) or relaxation. */
  int direct;
  size_t band;     /* lower = upper bandwidth of the coarsest operator */
  gsl_matrix *lu;
  gsl_vector_uint *piv;
  gsl_vector *cb;
  /* Band LU of the finest operator (mg_band.c), the preconditioner of ns_mg_solve_band: a
   * (n x (3 band + 1), row-major band rows), row interchanges piv, last nonzero column hi per row;
   * valid once factored; active while a band-preconditioned solve runs (ns_mg_apply_prec then
   * applies it instead of a cycle). */
  struct {
    double *a, *l; /* l: the multipliers of step k at l[k band ..] */
    size_t *piv, *hi;
    size_t n, band;
    int valid, active;
  } bnd;
  /* Krylov workspace, sized on first use. */
  double *kw;
  size_t kw_vectors;
  double *hess; /* GMRES Hessenberg, Givens and small vectors */
  int hess_m;
};

/* 1 when the preconditioner z = V(r) is not a fixed linear operator: a K-cycle runs on some level
 * (a level visited gamma > 1 times whose child is not the coarsest, so nlev >= 3). The Krylov
 * solvers then use their flexible variants (sim/krylov.c). */
static inline int ns_mg_prec_variable(const struct ns_mg *mg) {
  return !mg->bnd.active && mg->kcycle && mg->gamma > 1 && mg->nlev >= 3;
}

/* Factor the block-tridiagonal line operators along direction d of level lev. */
enum ns_status ns_mg_lines_factor(struct ns_mg_level *lev, int ncomp, int d, struct ns_err *err);

/* One line Gauss-Seidel sweep along direction d: for each colour in order (reverse == 0) or in
 * reverse order, solve every line of that colour exactly for the current values elsewhere. */
void ns_mg_lines_sweep(const struct ns_mg_level *lev, int ncomp, int d, int reverse, const double *b,
                       double *x);

/* Plane smoother: create/setup/sweep/free for one level (sim/mg_planes.c). */
enum ns_status ns_mg_planes_create(const struct ns_grid *g, int ncomp, int m, struct ns_mg_planes **out,
                                   struct ns_err *err);
enum ns_status ns_mg_planes_setup(struct ns_mg_planes *P, const struct ns_smat *A, struct ns_err *err);
void ns_mg_planes_sweep(struct ns_mg_planes *P, const struct ns_smat *A, int reverse, const double *b, double *x);
void ns_mg_planes_free(struct ns_mg_planes *P);

/* Hierarchy with an explicit coarse target and smoother (ns_mg_create uses the defaults). */
enum ns_status ns_mg_create_opts(const struct ns_grid *fine, int ncomp, size_t coarse_target,
                                 enum ns_mg_smoother smoother, struct ns_mg **out, struct ns_err *err);

/* x <- x + V(b - A x) with the given sweep counts. */
void ns_mg_vcycle_sweeps(struct ns_mg *mg, const double *b, double *x, int pre, int post);

/* z = V(r) with a zero initial guess on the finest level. */
void ns_mg_apply_prec(struct ns_mg *mg, const double *r, double *z, int pre, int post);

/* Serial scope for the work on a grid of nnodes nodes (ns_mg_threads): when the policy asks for one
 * thread and more are set, sets one and returns the previous count for ns_mg_serial_end, else 0.
 * Everything the scope runs (smat, vec.h, the smoother) then forks no threads; results do not
 * change, since every kernel is bitwise independent of the thread count. */
int ns_mg_serial_begin(size_t nnodes);
void ns_mg_serial_end(int saved);

/* Start of a solve entry point (ns_mg_solve, ns_mg_solve_direct): *info (or *dummy when info is
 * NULL) is zeroed and returned; NS_EINTERNAL in err when the hierarchy has no successful setup. */
static inline enum ns_status ns_mg_solve_begin(const struct ns_mg *mg, const char *who, struct ns_linsolve_info **info,
                                               struct ns_linsolve_info *dummy, struct ns_err *err) {
  if (!*info) *info = dummy;
  (*info)->iterations = 0;
  (*info)->rnorm0 = (*info)->rnorm = 0.0;
  (*info)->converged = 0;
  if (!mg->ready) return ns_err_set(err, NS_EINTERNAL, "mg: %s before a successful ns_mg_setup", who);
  return NS_OK;
}

/* Band LU of the finest operator (mg_band.c; ns_mg_band_available is in mg.h). */
enum ns_status ns_mg_band_factor(struct ns_mg *mg, const struct ns_smat *A, struct ns_err *err);
void ns_mg_band_apply(const struct ns_mg *mg, const double *r, double *z);
void ns_mg_band_free(struct ns_mg *mg);

#endif /* NEEDLESIM_MG_IMPL_H */
