/* needlesim/penetration.h — the penetration study's mechanics: a rigid needle driven into the
 * layered axisymmetric skin.
 *
 * Model (docs/penetration.md): the skin model's layers (skin.h) on a graded axisymmetric grid
 * (layer interfaces on grid lines where possible; bottom fixed, far side sliding, top free); the
 * needle a rigid body of revolution (contact.h, NS_BODY_NEEDLE: rounded tip of radius rho
 * tangent to a cone of half-angle theta, cylindrical shaft of radius Rs) pressed on the surface
 * with Coulomb friction (coefficient of the layer of each contact node, or a given value);
 * displacement control: the tip starts touching the undeformed surface and moves down at
 * `speed` for `travel`; QLV viscoelasticity of every layer (rate effects), optional inertia
 * (implicit generalized-alpha, mech.h).
 *
 * Implemented now: the tenting phase (the skin deflects under the tip; no puncture yet: the
 * phase-field puncture needs the damage module, see docs/penetration.md "Status"). Each run
 * records per output step: time, tip position, force on the needle and its friction part, tip
 * depth below the undeformed surface, surface deflection at the needle (the axis node), and the
 * energy ledger (needle work, stored, kinetic, viscous, friction dissipation, interface energy).
 *
 * Functions:
 *   ns_pen_spec_defaults  a forearm-like single needle with a coarse grid
 *   ns_pen_check          input validation (clear NS_EINPUT messages)
 *   ns_pen_run            solve; fills struct ns_pen_result (free with ns_pen_result_free)
 *   ns_pen_write          datasets with units under a group of an HDF5 writer, plus snapshots
 */
#ifndef NEEDLESIM_PENETRATION_H
#define NEEDLESIM_PENETRATION_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "needlesim/config.h"
#include "needlesim/io.h"
#include "needlesim/mech.h"
#include "needlesim/skin.h"
#include "needlesim/status.h"

struct ns_pen_spec {
  const struct ns_skin *skin;  /* resolved skin (borrowed) */
  struct ns_cfg_needle needle; /* length, shaft diameter, tip radius, tip half-angle [m, rad] */
  double speed;                /* insertion speed [m/s] (> 0) */
  double travel;               /* tip travel past first contact [m] (0 < travel <= needle length) */
  int steps;                   /* output steps (>= 1) */
  double width, depth;         /* domain radius and depth [m] */
  int cells_r, cells_z;        /* cells (m 2^k for multigrid) */
  double axis_cell, surface_cell; /* first cell at the axis / at the surface [m] */
  double friction;             /* Coulomb coefficient; NAN: each node's layer value */
  int elastic;                 /* 1: drop the Prony terms (elastic tissue, tests) */
  int dynamics;                /* 1: inertia (generalized-alpha, rho_inf 0.5; the algorithmic
                                  dissipation is a ledger entry, result.numerical) */
  int aug_updates;             /* Uzawa updates per output step (0: pure penalty) */
  int snapshots;               /* 1: keep the field at maximum insertion for ns_pen_write */
  /* Cutting (cohesive ties along the needle path, cohesive.h; docs/penetration.md). */
  int fracture;                /* 1: the needle cuts (cohesive wall of radius cut_radius); 0: tenting
                                  only on a full grid with the axis (the pre-cut model) */
  double cut_radius;           /* radius r0 of the cut channel [m]; NAN: the tip radius */
  double toughness_scale;      /* multiplies every layer's G_c (sensitivity runs; 1 = table) */
  double cut_viscosity;        /* viscous regularisation time eta of the wall ties [s] (cohesive.h,
                                  Gao & Bower 2004); 0: rate-independent ties; NAN: 1e-4 of the
                                  insertion time travel / speed, 0 with inertia */
  double tie_stiffness;        /* initial stiffness K of the wall ties [Pa/m]: peak opening
                                  delta_0 = min(sigma_c / K, delta_c / 2) (Mohammadi, Ebrahimian &
                                  Maftoon 2021: 5000 MPa/mm for human skin); NAN or 0: delta_0 =
                                  delta_c / 10 (docs/penetration.md section 3.2) */
  double core_crush_j;         /* crushing of the sacrificial core (docs/penetration.md section 5
                                  item 10): after each output step the intact core segment under
                                  the cap fails, from its top row down to its deepest cell whose
                                  volume ratio J is below this value; 0: off (the default). 0.3 is
                                  the solid volume fraction of dermis (about 70 % water), below
                                  which tissue cannot lose volume. Experimental: grid dependent
                                  and it breaks the 3 m/s impact ledger (measured, see the doc) */
  double path_cell;            /* cell height along the insertion path below the epidermis [m];
                                  0: automatic */
  int cut_law;                 /* enum ns_pen_cut_law (config.h). NS_PEN_CUT_COHESIVE (0, the default):
                                  the wall ties soften and break by their strength. NS_PEN_CUT_GRIFFITH:
                                  the ties are elastic and the cut advances by node release when the
                                  energy released with the needle frozen pays G_c of the released
                                  area (docs/penetration.md section 1, "Griffith cut"); quasi-static
                                  only (dynamics = 0) */
  int griffith_rows;           /* griffith: most release trials after one output step; 0: the default
                                  (32); < 0: none (the elastic-tie run without any cut; tests) */
  int griffith_every_step;     /* griffith: 1: a release trial after every output step (no trial
                                  scheduling; tests); 0: trials skipped while the measured ratio
                                  R / (G_c A) extrapolates below penetration.c's GRIFFITH_Q_TRY */
  /* Force control (stamp/roller: the hand force shared by the needles in contact): NAN for
   * displacement control; otherwise the needle advances at `speed` until its force first reaches
   * force_limit [N per needle] (quasi-static force control) or it has travelled `travel`. The
   * array's neighbours: the caller sets width to the radius of the periodic cell (area-equivalent
   * radius pitch / sqrt(pi)), whose side slides. */
  double force_limit;
  int threads;                 /* OpenMP threads of the run; 0: automatic, the multigrid's
                                  node-count policy ns_mg_threads (mg.h: 1 thread on small grids,
                                  where threading costs more than it gains) */
  const volatile sig_atomic_t *cancel; /* polled between Newton iterations (NULL: none); a set
                                          flag stops the run with NS_EINTERRUPTED (the CLI's
                                          SIGINT/SIGTERM flag) */
  ns_mech_log_fn log;          /* called after every attempted substep of the mechanics (mech.h:
                                  substep length, Newton and Krylov iterations, residual, wall
                                  time, why it failed); NULL: none. For profiling long runs */
  void *log_ctx;               /* passed to log */
};

/* A layer perforated: the cut front (deepest broken tie) passed the layer's bottom. */
struct ns_pen_event {
  int layer;          /* enum ns_layer_id */
  double time;        /* [s] */
  double tip_depth;   /* tip depth below the undeformed surface [m] */
  double force;       /* force on the needle just before the event [N] */
  double deflection;  /* surface deflection at the needle [m] */
  double cut_depth;   /* deepest opened material point, undeformed coordinates [m] */
};

/* Defaults: needle 1 mm long, shaft 250 um diameter, tip radius 10 um, half-angle 15 degrees;
 * speed 1 mm/s, travel 50 um in 10 steps; domain 1.5 mm x 3 mm, 32 x 48 cells, 2 um at the axis
 * and the surface; friction from the layers; QLV on; quasi-static; no Uzawa updates (pure penalty: the remaining penetration is 0.05 % of the
 * depth at 50 um, and each update costs a full re-equilibration); snapshots. */
struct ns_pen_spec ns_pen_spec_defaults(const struct ns_skin *skin);

/* NS_EINPUT with a one-line message naming the offending quantity: needle longer than the domain
 * depth, tip radius above the shaft radius (or the rounded tip wider than the shaft), half-angle
 * outside (0, 90) degrees, zero/negative speed, travel beyond the needle length, fewer than 2
 * cells across the stratum corneum, non-positive sizes. */
enum ns_status ns_pen_check(const struct ns_pen_spec *s, struct ns_err *err);

struct ns_pen_result {
  size_t n;                 /* output points (steps + 1, the first at t = 0) */
  double *time;             /* [s] */
  double *tip_z;            /* tip position z (0 = undeformed surface, < 0 below) [m] */
  double *force;            /* axial force of the tissue on the needle (> 0 resists insertion) [N] */
  double *force_friction;   /* its friction part [N] */
  double *tip_depth;        /* tip depth below the undeformed surface, -tip_z [m] */
  double *deflection;       /* surface deflection at the needle (axis node, downward > 0) [m] */
  double *work;             /* cumulative work of the needle on the tissue [J] */
  double *stored;           /* stored (free) energy [J] */
  double *kinetic;          /* kinetic energy [J] */
  double *viscous;          /* cumulative QLV dissipation [J] */
  double *friction;         /* cumulative friction dissipation [J] */
  double *interface;        /* penalty (interface) energy [J] */
  double *cut_depth;        /* deepest broken tie (undeformed depth) [m] */
  double *fracture_energy;  /* cumulative fracture energy (cohesive dissipation) [J] */
  double *force_fracture;   /* cutting part of the force: d(fracture energy)/d(tip travel) [N] */
  size_t nevents;
  struct ns_pen_event *events; /* perforations in order */
  /* Summary (the study's /summary columns). */
  double peak_force;        /* max force [N] */
  double puncture_force;    /* stratum-corneum puncture force [N]: the peak force over the output points
                               before the SC perforation event (the force at the first drop); NAN when
                               not perforated */
  double tenting;           /* surface deflection at the needle at SC perforation [m]; NAN when none */
  double max_cut_depth;     /* deepest opened material point (undeformed) at max insertion [m] */
  double embedded_length;   /* needle length inside the tissue at max insertion: tip depth below the
                               deformed surface at the needle [m] */
  double penetration_fraction; /* max_cut_depth / needle length */
  int deepest_layer;        /* layer containing max_cut_depth (-1: nothing opened) */
  double dermis_depth;      /* max_cut_depth minus the dermis top, >= 0 [m] */
  int reached_capillary_loops, reached_superficial_plexus; /* max_cut_depth beyond the vessel depth */
  double energy_error;      /* max over points of |work - (stored + kinetic - stored_0 + viscous +
                               friction + interface)| / max work (0 when no work) */
  /* Fields at maximum insertion (snapshots = 1): grid and per-node/cell arrays. */
  int nr, nz;               /* cells */
  double *r, *z;            /* node coordinates [nr+1], [nz+1] [m] */
  double *u;                /* nodal displacement [(nz+1)(nr+1)][3] (u_r, u_z, 0) [m] */
  double *stress;           /* Cauchy stress per cell [nz nr][6] [Pa] */
  int64_t *layer;           /* layer id per cell [nz nr] */
  /* Cutting (fracture = 1): the wall's ties and per-event snapshots (snapshots = 1). */
  double cut_radius;        /* r0 used [m] (0 for the tenting model on the full grid) */
  double cut_viscosity;     /* viscous regularisation time of the wall ties used [s] */
  double tie_stiffness;     /* initial stiffness of the wall ties given [Pa/m] (0: the delta_c / 10
                               rule) */
  double *tie_energy;       /* series: elastic energy in the wall ties [J] */
  double *jump_loss;        /* series: cumulative ledger residual of steps in which ties broke and
                               the residual grew (energy released by a jump with nowhere to go in
                               a quasi-static run) [J] */
  double energy_error_raw;  /* as energy_error without subtracting jump_loss */
  double *numerical;        /* series: cumulative algorithmic dissipation of the generalized-alpha
                               integrator (dynamics = 1; mech.h ns_mech_energy.numerical) [J] */
  double *core_release;     /* series: cumulative energy released by the sacrificial core r < r0
                               (fracture = 1; 0 before the cut): the stored energy of core cells
                               whose degradation was lowered after a step, and the penalty energy
                               of axis nodes that left the contact [J] */
  size_t ntie;              /* ties on the wall, bottom up */
  double *tie_z;            /* reference z of each tie [m] [ntie] */
  double *tie_damage, *tie_opening; /* at maximum insertion [ntie] (damage 1, opening [m]) */
  double *event_u;          /* [nevents][(nz+1)(nr+1)][3] displacement at each event [m] */
  double *event_stress;     /* [nevents][nz nr][6] Cauchy stress at each event [Pa] */
  double *event_tie_damage, *event_tie_opening; /* [nevents][ntie] */
  int stopped_by_force;     /* 1: force control stopped the needle at force_limit */
  long newton_iters, linear_iters, substeps;
  long substeps_rejected;   /* substeps the mechanics rolled back (no convergence, Krylov failure) */
  long griffith_trials;     /* cut_law griffith: release trials (each a frozen-needle re-equilibration) */
  long griffith_releases;   /* ... of which accepted (rows cut) */
  long griffith_newton;     /* ... Newton iterations of the trials (in newton_iters too) */
  long griffith_failed;     /* ... whose re-equilibration did not converge (rejected as well) */
  long griffith_ramp_cuts;  /* increments of the release continuations that did not converge and
                               were halved (0: every trial converged in one increment) */
  long griffith_skipped;    /* output steps whose release trial was skipped by the scheduling
                               (penetration.c griffith_due: q = R / (G_c A) extrapolated over the
                               tip travel from the last two rejected trials) */
  double core_j_min;        /* smallest cell-centre J of an intact core cell (g = 1) over the output
                               points (fracture = 1; NAN: none): the crushing of the core */
  double t_linear;          /* wall seconds in the Krylov solves (multigrid set-up included) */
  double wall_s;            /* solve wall time [s] */
};

enum ns_status ns_pen_run(const struct ns_pen_spec *s, struct ns_pen_result *res, struct ns_err *err);
void ns_pen_result_free(struct ns_pen_result *res);

/* Write the series (and, when present, the snapshot at maximum insertion with an XDMF entry)
 * under `group` ("/runs/0000"): group/series/{time, tip_z, force, ...}, group/grid/{r, z,
 * layer}, group/snapshots/max_insertion/{u, stress}; every dataset with units. */
enum ns_status ns_pen_write(const struct ns_pen_result *res, struct ns_writer *w, const char *group,
                            struct ns_err *err);

#endif /* NEEDLESIM_PENETRATION_H */
