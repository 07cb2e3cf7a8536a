/* penetration.c — a rigid needle driven into the layered axisymmetric skin (see penetration.h and
 * docs/penetration.md).
 *
 *   ns_pen_spec_defaults  default single-needle problem (cutting on)
 *   ns_pen_check          input validation
 *   ns_pen_run            grid, materials, mechanics, frictional needle contact on the surface and
 *                         on the wall of the cut, cohesive ties along the path, displacement- or
 *                         force-controlled insertion, series, events, energy ledger, summary
 *   ns_pen_result_free
 *   ns_pen_write          HDF5 datasets with units, snapshots at every event and at maximum
 *                         insertion (+ XDMF)
 *
 * Two grids. Tenting only (fracture = 0): the full axisymmetric block, graded towards the axis
 * and the surface. Cutting (fracture = 1): an annulus r0 <= r <= width (r0 the cut radius) with
 * geometric radial cells (size proportional to r, so the cavity expansion of the wall from r0 to
 * the shaft radius strains the cells evenly) and z cells fine at the surface, uniform along the
 * insertion path and coarsening below it. Layer interfaces are moved onto the nearest z line when
 * that changes neither neighbouring cell by more than half.
 *
 * The wall r = r0 carries one cohesive tie per node (cohesive.h, radial, opening u_r) with the law
 * of the node's layer, and a second contact set for the needle whose penalty matches the tie
 * stiffness (the cone must open the wall, not sink into it); the top face has the ordinary
 * contact set. Both contact sets and the ties act through one chained ns_mech_extra.
 *
 * Cut laws (spec cut_law): cohesive (the ties soften and break by their strength, the core
 * follows their damage after each output step) or griffith (elastic ties; after each output step
 * the shallowest intact rows, a group about the cut radius tall, are released on trial,
 * re-equilibrated with the needle frozen, and kept when the energy they release pays G_c of their
 * area, else the whole state is restored:
 * griffith_advance below; a trial is skipped while the ratio of released energy to G_c A that
 * the earlier trials measured extrapolates well below 1: griffith_due).
 */
#include "needlesim/penetration.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "needlesim/cohesive.h"
#include "needlesim/contact.h"
#include "needlesim/grid.h"
#include "needlesim/material.h"
#include "needlesim/mech.h"
#include "needlesim/mg.h"
#include "needlesim/tensor3.h"
#include "q1cell.h"
#include "voldeg.h"

/* pi/2 (M_PI_2 is not in strict C11). */
#define HALF_PI 1.5707963267948966192313216916398
/* 2 pi: axisymmetric areas are full rings. */
#define TWO_PI 6.283185307179586476925286766559
/* Degrees to radians. */
#define DEG 0.017453292519943295769236907684886
/* Cells required across the stratum corneum: below two its bending cannot be represented at all
 * (the indentation studies ask for four; two is the hard floor for a run to mean anything). */
#define MIN_SC_CELLS 2
/* Automatic surface cell: the stratum corneum thickness over this many cells. */
#define SC_CELLS_AUTO 4
/* A grid line may move onto a layer interface by at most this fraction of a neighbouring cell. */
#define SNAP_FRACTION 0.5
/* Pseudo-time of an augmentation re-equilibration as a fraction of an output step: << the
 * shortest Prony time at the speeds of interest, and above dt_min. */
#define AUG_DT_REL 1e-3
/* Automatic path cell: needle length / PATH_CELLS_PER_LENGTH, clamped to [PATH_CELL_MIN,
 * PATH_CELL_MAX] (10 um keeps a 0.2 mm needle at 20 cells along its path, 25 um keeps a 2.5 mm
 * needle at 100). */
#define PATH_CELLS_PER_LENGTH 100.0
#define PATH_CELL_MIN 10e-6
#define PATH_CELL_MAX 25e-6
/* Uniform path cells continue this many cells below the deepest tip position (the deformed zone
 * under the tip). */
#define PATH_MARGIN_CELLS 8
/* Growth factor of neighbouring z cells in the graded parts (surface -> path, path -> bottom). */
#define Z_GROWTH 1.25
/* Cell counts m 2^k with m at most this (multigrid coarsens by 2 down to m cells; rounding up to
 * such a count adds at most 1/M_MAX of the cells). */
#define COUNT_M_MAX 15
/* Tie stiffness: the opening at peak traction is delta_0 = TIE_PEAK_FRACTION * delta_c. A rigid
 * law (delta_0 -> 0) would make the loaded zone on the wall, about delta_0 / tan(theta) high
 * ahead of the cone's contact, far shorter than a cell: initiation would then be set by the
 * strength times one node's area, i.e. by the grid. With 0.1 the zone is 40 um for the table's
 * delta_c = 2 G_c / sigma_c = 105 um and a 15 degree cone (4 path cells of 10 um), and the energy
 * stored elastically in a tie at its peak is 10 % of G_c. */
#define TIE_PEAK_FRACTION 0.1
/* Penalty of the wall contact relative to the stiffest tie: the cone sets the opening of the wall
 * (its penetration into the wall is 1/10 of the tie's opening). */
#define WALL_PENALTY_RATIO 10.0
/* A given tie stiffness (tie_stiffness) may put the peak anywhere up to this fraction of delta_c
 * (the bilinear law needs delta_0 < delta_c; half leaves a softening branch as long as the
 * loading one). */
#define TIE_PEAK_MAX 0.5
/* Cap of the stiffness the wall penalty follows, in units of the TIE_PEAK_FRACTION rule's
 * stiffness sigma_c / (0.1 delta_c): a stiffer tie (a literature stiffness, e.g. 5000 MPa/mm) does
 * not raise the penalty further, so the cone still penetrates the wall by at most 1 % of delta_c
 * at the peak traction (the opening scale of the energy) and the Newton systems keep the
 * conditioning of the default law. Measured on CUT_CASE with 5000 MPa/mm (12 x the rule's
 * stiffness there): uncapped, puncture 5.3831 mN and peak 6.4811 mN in 207 Newton iterations;
 * capped, 5.3831 and 6.4809 mN in 205. */
#define WALL_PENALTY_CAP 1.0
/* The cut front passes a layer's bottom when it is deeper than bottom - this fraction of the
 * domain depth (round-off of snapped interfaces). */
#define FRONT_TOL 1e-9
/* High-frequency spectral radius of the generalized-alpha integrator with inertia (Chung &
 * Hulbert 1993: alpha_m = 0, alpha_f = 1/3, gamma = 5/6, beta = 4/9; second order, the resolved
 * modes lose energy at O((omega dt)^3) per cycle). The modes that a breaking tie or the stiff wall
 * penalty excites are far above 1 / dt and must be damped: with rho_inf = 1 (trapezoidal rule) the
 * test case at 10 m/s stopped at 293 um (Newton diverged, residual 1.8 N, until dt_min); with 0.8
 * it ran, but the undamped high-frequency strain made the QLV dissipation of single substeps
 * negative (-1.4e-7 J at the end, ledger 1.7 %); with 0.5 the ledger closes to 0.3 % (the
 * algorithmic dissipation, ns_mech_energy.numerical, is a ledger entry) in 30 % fewer Newton
 * iterations. The slow press is unchanged (puncture 5.0937 vs 5.0938 mN quasi-static). */
#define PEN_RHO_INF 0.5
/* Newton tolerance of the insertion runs (relative residual): 1e-8 (the mechanics default) costs
 * several more iterations per substep with friction, and with the stiff wall penalty the line
 * search stalled at round-off 1.3 x above a 1e-7 tolerance (387 um into a cut run); forces change
 * by far less than 1e-4. */
#define PEN_NEWTON_RTOL 1e-6
/* Degradation factor of a broken core cell (isochoric and volumetric): small enough that the
 * ghost cell carries nothing measurable (its stiffness is 1e-6 of the tissue's, i.e. a force
 * 1e-6 of an intact cell's at the same strain), nonzero so that its nodes keep a positive
 * definite stiffness and the Newton systems stay well posed. */
#define CORE_RESIDUAL 1e-6
/* Radial cell columns of the core 0 <= r <= r0. One: the cap's load on the core is carried by
 * the axis node (and the wall's corner) only. Measured with cells as wide as the first annulus
 * cell (3 columns in CUT_CASE, 5 in pen_core's grid): the 30 um press (pen_core) is resolved
 * better (annulus-with-core / full force 1.087 instead of 0.932), but the quasi-static CUT_CASE
 * stalls in the line search at 60 um (97 um with the absolute floor G_c 2 pi r0 alone) and runs
 * through only with inertia, in 5171 Newton iterations (495 s) instead of 507 (31 s). */
#define CORE_COLUMNS 1
#define PEN_NEWTON_AFLOOR 1e-3
/* Automatic viscous regularisation time of the wall ties (cut_viscosity NAN), quasi-static runs:
 * this fraction of the insertion time travel / speed (with inertia: none, the mass and the
 * generalized-alpha damping carry the snap-through). With inertia the dashpot is correct but does
 * not help: measured on the 3 m/s coarse CUT_CASE (test_penetration pen_rate_dashpot) with
 * eta = 1e-4 t_end = 1.5e-8 s, 546 Newton iterations against 547 without, puncture 9.0634 vs
 * 9.0629 mN, ledger 0.17 % both; so the default stays 0 there. (Its 53 % ledger error was not the
 * dashpot: the consistent tie tangent, which eta > 0 used to select, see the tangent below.) The dashpot traction is eta (sigma_c / delta_c) d delta/dt;
 * a tie opens by ~delta_c while the needle advances a cohesive zone l (tens of um), so the
 * traction is ~ (eta / t_end) (travel / l) sigma_c = 1e-4 x 1 mm / 20 um = 0.5 % of sigma_c,
 * whatever the speed (a fixed eta would stiffen the ties of an impact at 3 m/s by 14 sigma_c).
 * Without it the quasi-static 0.2 mm roller case stalled at 0.024 s (line search at 1.15 x the
 * tolerance, dt below dt_min); with it (1e-4 s there) it ran in 255 Newton iterations. */
#define PEN_CUT_VISCOSITY_FRAC 1e-4
/* Griffith cut: at most this many release trials (groups of rows, GRIFFITH_ADVANCE) after one
 * output step. A release that pays G_c
 * usually makes the next one pay too (the crack runs while the force is held); each trial costs
 * a frozen-needle re-equilibration, and a run that reaches the cap continues after the next
 * output step (the needle moves at most one z cell per step, so 32 rows = 32 path cells is
 * far more than one step's advance: the cap bounds the cost of a pathological case only). */
#define GRIFFITH_MAX_ROWS 32
/* Griffith cut: rounding of the wall contact's penalty ramp, a fraction of the layer's modulus
 * (ns_contact_opts.smoothing): pressures below 1 % of E (0.1-0.3 kPa) are rounded, three decades
 * below the wall's pressures where the cone presses it (K delta of the ties, 0.1-1 MPa).
 * Measured on the coarse CUT_CASE with a 20 um tip (test griffith_radius): with the default
 * 1e-6 one release trial in 67 did not converge (line search on the wall node below the released
 * row, at the edge of the cap), with 1e-3, 1e-2 and 1e-1 none, in 748, 646 and 546 Newton
 * iterations; the puncture force is the same to 4 digits (2.5703 mN). */
#define GRIFFITH_WALL_SMOOTHING 1e-2
/* Release continuation (release_solve): the smallest increment of the core's degradation path
 * is 1 / this of the whole (six halvings; g spans six decades, so 0.09 of a decade of g per
 * increment at the smallest). Measured (griffith_radius, 20 um tip): 10 halvings over 67
 * trials, none failed; with the whole path in one increment 4 of the 67 failed. */
#define GRIFFITH_RAMP_MIN 64.0
/* Griffith trial scheduling (griffith_due): each rejected trial measures q = R / (G_c A) of the
 * row it tried, R the energy the release would have freed. After two rejected trials the next one
 * waits until a straight line through the last two (q against tip travel) reaches this fraction
 * of the acceptance q = 1. The margin covers the error of the linear extrapolation: q rises
 * faster than linearly after a release. Measured on test_pen_griffith's three cutting runs
 * (docs/penetration.md section 5 item 13): with 0.7 and 0.6 every release is accepted at the
 * same output step as with a trial after every step, with 0.8 one of 13 releases one step late. */
#define GRIFFITH_Q_TRY 0.7
/* Griffith trial scheduling: whatever the extrapolation says (q falling, flat, or far from
 * GRIFFITH_Q_TRY), a trial at least every this many output steps, i.e. at least every 8 path
 * cells of travel (an output step moves the tip at most one z cell): a bound on how late a
 * release the extrapolation did not foresee is found. */
#define GRIFFITH_TRY_EVERY 8
/* Griffith cut: the crack advance of one release trial, a multiple of the cut radius r0. A trial
 * releases the group of rows (at least one) whose summed tie height comes closest to this length
 * and pays G_c for the group's area: the energy a release frees per unit area depends on the
 * released height, so a criterion per grid row is a different criterion on every grid (finite
 * fracture mechanics: the energy balance over a finite advance, Leguillon 2002 Eur J Mech A/Solids
 * 21:61). Measured on CUT_CASE (docs/penetration.md section 5 item 14): one row per trial, the
 * puncture force 1.37 / 1.61 mN on the base / fine grid (rows ~2-9 um), > 2.1 mN on the next
 * finer grid (not perforated by 170 um: no limit as the rows shrink); the fine grid releasing its
 * rows in pairs (the base grid's heights) 1.39 mN. r0 is the length over which the cap's
 * compression of the core decays (a flat punch's), and the base grid's rows in the stratum
 * corneum (7-9 um at r0 = 10 um) were already about that long. */
#define GRIFFITH_ADVANCE 1.0

struct ns_pen_spec ns_pen_spec_defaults(const struct ns_skin *skin) {
  struct ns_pen_spec s;
  memset(&s, 0, sizeof s);
  s.skin = skin;
  s.needle.length = 1e-3;
  s.needle.shaft_diameter = 250e-6;
  s.needle.tip_radius = 10e-6;
  s.needle.tip_half_angle = 15.0 * DEG;
  s.speed = 1e-3;
  s.travel = 50e-6;
  s.steps = 10;
  s.width = 1.5e-3;
  s.depth = 3e-3;
  s.cells_r = 32;
  s.cells_z = 48;
  s.axis_cell = 2e-6;
  s.surface_cell = 2e-6;
  s.friction = NAN;
  s.elastic = 0;
  s.dynamics = 0;
  s.aug_updates = 0; /* pure penalty: measured remaining penetration 0.05 % of the depth */
  s.snapshots = 1;
  s.fracture = 1;
  s.cut_radius = NAN;
  s.cut_viscosity = NAN;
  s.tie_stiffness = NAN;
  s.toughness_scale = 1.0;
  s.path_cell = 0.0;
  s.force_limit = NAN;
  s.threads = 0;
  s.cancel = NULL;
  return s;
}

static double cut_viscosity_of(const struct ns_pen_spec *s) {
  if (ns_cfg_given(s->cut_viscosity)) return s->cut_viscosity;
  return s->dynamics ? 0.0 : PEN_CUT_VISCOSITY_FRAC * s->travel / s->speed;
}

static double cut_radius_of(const struct ns_pen_spec *s) {
  return ns_cfg_given(s->cut_radius) ? s->cut_radius : s->needle.tip_radius;
}

static double path_cell_of(const struct ns_pen_spec *s) {
  if (s->path_cell > 0.0) return s->path_cell;
  return fmin(PATH_CELL_MAX, fmax(PATH_CELL_MIN, s->needle.length / PATH_CELLS_PER_LENGTH));
}

static double surface_cell_of(const struct ns_pen_spec *s) {
  if (s->surface_cell > 0.0) return s->surface_cell;
  return s->skin->layer[NS_LAYER_STRATUM_CORNEUM].thickness.value / SC_CELLS_AUTO;
}

enum ns_status ns_pen_check(const struct ns_pen_spec *s, struct ns_err *err) {
  const struct ns_cfg_needle *n = &s->needle;
  if (!s->skin) return ns_err_set(err, NS_EINPUT, "penetration: no skin model");
  if (!(n->length > 0.0) || !isfinite(n->length))
    return ns_err_set(err, NS_EINPUT, "needle.length_mm: expected > 0, got %g", n->length * 1e3);
  if (!(n->shaft_diameter > 0.0) || !isfinite(n->shaft_diameter))
    return ns_err_set(err, NS_EINPUT, "needle.shaft_diameter_um: expected > 0, got %g", n->shaft_diameter * 1e6);
  if (!(n->tip_radius > 0.0) || !isfinite(n->tip_radius))
    return ns_err_set(err, NS_EINPUT, "needle.tip_radius_um: expected > 0, got %g", n->tip_radius * 1e6);
  if (!(n->tip_half_angle > 0.0 && n->tip_half_angle < HALF_PI))
    return ns_err_set(err, NS_EINPUT, "needle.tip_half_angle_deg: expected 0 < angle < 90, got %g",
                      n->tip_half_angle / DEG);
  if (s->cut_law != NS_PEN_CUT_COHESIVE && s->cut_law != NS_PEN_CUT_GRIFFITH)
    return ns_err_set(err, NS_EINPUT, "penetration.cut_law: expected cohesive (%d) or griffith (%d), got %d",
                      NS_PEN_CUT_COHESIVE, NS_PEN_CUT_GRIFFITH, s->cut_law);
  if (s->cut_law == NS_PEN_CUT_GRIFFITH && s->fracture && s->dynamics)
    return ns_err_set(err, NS_EINPUT,
                      "penetration.cut_law = griffith: quasi-static only (set penetration.dynamics = off): the "
                      "release trials re-equilibrate in a short pseudo-time, in which inertia would hold the tissue");
  if (!(s->core_crush_j >= 0.0 && s->core_crush_j < 1.0))
    return ns_err_set(err, NS_EINPUT, "penetration.core_crush_j: expected 0 <= J < 1 (0: off), got %g", s->core_crush_j);
  const double Rs = 0.5 * n->shaft_diameter;
  if (n->tip_radius > Rs)
    return ns_err_set(err, NS_EINPUT,
                      "needle.tip_radius_um: expected at most the shaft radius %g um, got %g um (a tip wider than "
                      "the shaft)",
                      Rs * 1e6, n->tip_radius * 1e6);
  if (n->tip_radius * cos(n->tip_half_angle) > Rs)
    return ns_err_set(err, NS_EINPUT,
                      "needle.tip_radius_um: the rounded tip (radius %g um, half-angle %g deg) is wider than the "
                      "shaft radius %g um",
                      n->tip_radius * 1e6, n->tip_half_angle / DEG, Rs * 1e6);
  if (!(s->depth > 0.0) || !(s->width > 0.0))
    return ns_err_set(err, NS_EINPUT, "grid: expected positive width and depth, got %g mm and %g mm", s->width * 1e3,
                      s->depth * 1e3);
  if (n->length >= s->depth)
    return ns_err_set(err, NS_EINPUT,
                      "needle.length_mm: the needle (%g mm) must be shorter than the domain depth grid.depth_mm = "
                      "%g mm",
                      n->length * 1e3, s->depth * 1e3);
  if (Rs >= s->width)
    return ns_err_set(err, NS_EINPUT, "grid.width_mm: expected more than the shaft radius %g mm, got %g mm",
                      Rs * 1e3, s->width * 1e3);
  const int force_ctl = ns_cfg_given(s->force_limit);
  if (!(s->speed > 0.0) || !isfinite(s->speed))
    return ns_err_set(err, NS_EINPUT,
                      force_ctl ? "loading.speed_mm_s: expected > 0 (force control advances the needle at this speed "
                                  "until the force limit), got %g"
                                : "loading.speed_mm_s: expected > 0 for displacement control (a needle that does not "
                                  "move and no force cannot load the skin), got %g",
                      s->speed * 1e3);
  if (force_ctl && !(s->force_limit > 0.0))
    return ns_err_set(err, NS_EINPUT, "loading.force_N: expected > 0, got %g", s->force_limit);
  if (!(s->travel > 0.0) || s->travel > n->length)
    return ns_err_set(err, NS_EINPUT, "loading.depth_mm: expected 0 < travel <= needle length %g mm, got %g mm",
                      n->length * 1e3, s->travel * 1e3);
  if (s->surface_cell > s->skin->layer[NS_LAYER_STRATUM_CORNEUM].thickness.value / MIN_SC_CELLS)
    return ns_err_set(err, NS_EINPUT,
                      "grid.surface_cell_um: expected at most the stratum corneum thickness / %d = %.3g um, got %.3g um",
                      MIN_SC_CELLS, s->skin->layer[NS_LAYER_STRATUM_CORNEUM].thickness.value / MIN_SC_CELLS * 1e6,
                      s->surface_cell * 1e6);
  if (s->steps < 1) return ns_err_set(err, NS_EINPUT, "penetration: expected >= 1 output steps, got %d", s->steps);
  if (s->cells_r < 2 || s->cells_z < 2 || !(s->axis_cell > 0.0) || !(s->surface_cell >= 0.0))
    return ns_err_set(err, NS_EINPUT, "grid: expected >= 2 cells per direction and positive first cells");
  if (s->aug_updates < 0) return ns_err_set(err, NS_EINPUT, "penetration: negative augmentation count");
  if (ns_cfg_given(s->friction) && !(s->friction >= 0.0))
    return ns_err_set(err, NS_EINPUT, "penetration: friction coefficient %g must be >= 0", s->friction);
  if (s->threads < 0) return ns_err_set(err, NS_EINPUT, "penetration: negative thread count %d", s->threads);
  if (s->fracture) {
    const double r0 = cut_radius_of(s);
    if (!(r0 > 0.0) || !isfinite(r0))
      return ns_err_set(err, NS_EINPUT, "penetration.cut_radius_um: expected > 0, got %g", r0 * 1e6);
    if (r0 >= Rs)
      return ns_err_set(err, NS_EINPUT,
                        "penetration.cut_radius_um: expected below the shaft radius %g um (the shaft must open "
                        "the cut), got %g um",
                        Rs * 1e6, r0 * 1e6);
    if (!(s->toughness_scale > 0.0) || !isfinite(s->toughness_scale))
      return ns_err_set(err, NS_EINPUT, "penetration.toughness_scale: expected > 0, got %g", s->toughness_scale);
    if (ns_cfg_given(s->tie_stiffness) && !(s->tie_stiffness >= 0.0 && isfinite(s->tie_stiffness)))
      return ns_err_set(err, NS_EINPUT, "penetration.tie_stiffness_MPa_mm: expected >= 0 (0: the delta_c / 10 rule), got %g",
                        s->tie_stiffness * 1e-9);
    if (ns_cfg_given(s->cut_viscosity) && !(s->cut_viscosity >= 0.0 && isfinite(s->cut_viscosity)))
      return ns_err_set(err, NS_EINPUT, "penetration.cut_viscosity_s: expected >= 0 s, got %g", s->cut_viscosity);
    if (!(s->path_cell >= 0.0) || s->path_cell >= s->depth)
      return ns_err_set(err, NS_EINPUT, "grid.path_cell_um: expected 0 (automatic) or a positive size below the "
                                        "depth, got %g", s->path_cell * 1e6);
    if (s->aug_updates > 0)
      return ns_err_set(err, NS_EINPUT, "penetration: augmentation updates are not supported with cutting (got %d)",
                        s->aug_updates);
    if (!(s->travel + PATH_MARGIN_CELLS * path_cell_of(s) < s->depth))
      return ns_err_set(err, NS_EINPUT,
                        "grid.depth_mm: the domain (%g mm) must extend %d path cells below the deepest tip "
                        "position (%g mm)",
                        s->depth * 1e3, PATH_MARGIN_CELLS, s->travel * 1e3);
  }
  return NS_OK;
}

void ns_pen_result_free(struct ns_pen_result *r) {
  if (!r) return;
  double **arrs[] = {&r->time,         &r->tip_z,        &r->force,          &r->force_friction,
                     &r->tip_depth,    &r->deflection,   &r->work,           &r->stored,
                     &r->kinetic,      &r->viscous,      &r->friction,       &r->interface,
                     &r->r,            &r->z,            &r->u,              &r->stress,
                     &r->cut_depth,    &r->fracture_energy, &r->force_fracture, &r->tie_energy,
                     &r->jump_loss,    &r->tie_z,        &r->tie_damage,     &r->tie_opening,
                     &r->event_u,      &r->event_stress, &r->event_tie_damage, &r->event_tie_opening,
                     &r->numerical,    &r->core_release};
  for (size_t i = 0; i < sizeof arrs / sizeof arrs[0]; i++) {
    free(*arrs[i]);
    *arrs[i] = NULL;
  }
  free(r->layer);
  r->layer = NULL;
  free(r->events);
  r->events = NULL;
  r->nevents = 0;
  r->n = 0;
}

/* Move the interior coordinate nearest to target onto it if the move is at most SNAP_FRACTION
 * of both neighbouring cells and the line was not moved before. */
static void snap(double *x, int n, unsigned char *moved, double target) {
  int best = -1;
  double bd = HUGE_VAL;
  for (int k = 1; k < n - 1; k++)
    if (fabs(x[k] - target) < bd) {
      bd = fabs(x[k] - target);
      best = k;
    }
  if (best < 0 || moved[best]) return;
  if (bd > SNAP_FRACTION * fmin(x[best] - x[best - 1], x[best + 1] - x[best])) return;
  x[best] = target;
  moved[best] = 1;
}

/* The smallest m 2^k >= n with m <= COUNT_M_MAX. */
static int round_count(int n) {
  int k = 0;
  while ((n + (1 << k) - 1) / (1 << k) > COUNT_M_MAX) k++;
  return ((n + (1 << k) - 1) / (1 << k)) << k;
}

/* Cells growing geometrically by at most Z_GROWTH from h0 until they reach h1 (h1 > h0): sizes
 * into out (may be NULL), count returned. The last cell is h1 exactly when the ratio steps over
 * it (so the uniform part that follows starts smoothly). */
static int graded_cells(double h0, double h1, double *out) {
  int n = 0;
  double h = h0;
  while (h < h1 / Z_GROWTH) {
    if (out) out[n] = h;
    n++;
    h *= Z_GROWTH;
  }
  return n;
}

/* z coordinates of the cutting grid, top (0) down to -depth, written bottom-up into *xz_out
 * (malloc'ed, *nz_out cells). */
static enum ns_status cut_z_coords(const struct ns_pen_spec *s, double **xz_out, int *nz_out, struct ns_err *err) {
  const double hs = surface_cell_of(s), hp = path_cell_of(s);
  const int n_top = hp > hs ? graded_cells(hs, hp, NULL) : 0;
  double top_len = 0.0;
  double *top = malloc((size_t)(n_top + 1) * sizeof *top);
  if (!top) return ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
  graded_cells(hs, hp, top);
  for (int i = 0; i < n_top; i++) top_len += top[i];
  const double z_path = s->travel + PATH_MARGIN_CELLS * hp; /* depth where the uniform part ends */
  int n_path = (int)ceil((z_path - top_len) / hp);
  if (n_path < 1) n_path = 1;
  const double path_end = top_len + n_path * hp;
  const double L_b = s->depth - path_end;
  int n_b = 0;
  double beta = 0.0;
  if (L_b > 0.5 * hp) {
    /* Geometric cells from hp growing by Z_GROWTH: sum hp q^i = L_b gives the count. */
    n_b = (int)ceil(log(1.0 + L_b * (Z_GROWTH - 1.0) / hp) / log(Z_GROWTH));
    if (n_b < 1) n_b = 1;
  }
  const int n_min = n_top + n_path + n_b;
  const int nz = round_count(n_min);
  if (L_b > 0.5 * hp)
    n_b += nz - n_min;
  else
    n_path += nz - n_min; /* no bottom part: the path cells shrink instead (never in practice) */
  double *xz = malloc((size_t)(nz + 1) * sizeof *xz);
  if (!xz) {
    free(top);
    return ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
  }
  /* Fill top-down as depths d_i (d_0 = 0), then write z = -d bottom-up. */
  double *d = malloc((size_t)(nz + 1) * sizeof *d);
  if (!d) {
    free(top);
    free(xz);
    return ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
  }
  int k = 0;
  d[0] = 0.0;
  for (int i = 0; i < n_top; i++, k++) d[k + 1] = d[k] + top[i];
  const double hp_eff = L_b > 0.5 * hp ? hp : (s->depth - top_len) / n_path;
  for (int i = 0; i < n_path; i++, k++) d[k + 1] = d[k] + hp_eff;
  if (n_b > 0) {
    double *xb = malloc((size_t)(n_b + 1) * sizeof *xb);
    if (!xb) {
      free(top);
      free(xz);
      free(d);
      return ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
    }
    enum ns_status st = ns_grid_stretch_for(n_b, 0.0, L_b, hp, &beta, err);
    if (st == NS_OK) ns_grid_coords_stretched(n_b, 0.0, L_b, beta, 1, xb);
    for (int i = 0; i < n_b && st == NS_OK; i++, k++) d[k + 1] = path_end + xb[i + 1];
    free(xb);
    if (st != NS_OK) {
      free(top);
      free(xz);
      free(d);
      return st;
    }
  }
  d[nz] = s->depth;
  for (int i = 0; i <= nz; i++) xz[i] = -d[nz - i];
  free(top);
  free(d);
  *xz_out = xz;
  *nz_out = nz;
  return NS_OK;
}

/* The problem's grid, layer per cell and materials. */
struct pen_grid {
  struct ns_grid *g;
  uint8_t *cell_layer;
  struct ns_material mat[NS_NLAYERS];
  int sc_cells;
  double r0; /* cut radius: the wall r = r0 (0: the tenting grid) */
  int iw;    /* radial index of the wall (the core's cells are i < iw; 0: the tenting grid) */
};

static void pen_grid_free(struct pen_grid *pg) {
  ns_grid_free(pg->g);
  free(pg->cell_layer);
  pg->g = NULL;
  pg->cell_layer = NULL;
}

static enum ns_status pen_grid_build(const struct ns_pen_spec *s, struct pen_grid *pg, struct ns_err *err) {
  memset(pg, 0, sizeof *pg);
  int nr = s->cells_r, nz = s->cells_z;
  double *xr = malloc((size_t)(nr + 1) * sizeof *xr), *xz = NULL;
  unsigned char *mz = NULL;
  enum ns_status st = NS_OK;
  double beta = 0.0;
  if (!xr) return ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
  if (s->fracture) {
    /* The core 0 <= r <= r0 in CORE_COLUMNS uniform cell columns (sacrificial material,
     * degraded as the wall ties at r0 break), then geometric radial cells x_i = r0 (W /
     * r0)^((i - iw) / (nr - iw)), every annulus cell the same multiple of r. */
    pg->r0 = cut_radius_of(s);
    pg->iw = CORE_COLUMNS;
    const int na = nr - pg->iw;
    for (int i = 0; i < pg->iw; i++) xr[i] = pg->r0 * i / pg->iw;
    for (int i = pg->iw; i <= nr; i++) xr[i] = pg->r0 * pow(s->width / pg->r0, (double)(i - pg->iw) / na);
    xr[nr] = s->width;
    if ((st = cut_z_coords(s, &xz, &nz, err)) != NS_OK) goto done;
  } else {
    xz = malloc((size_t)(nz + 1) * sizeof *xz);
    if (!xz) {
      st = ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
      goto done;
    }
    if ((st = ns_grid_stretch_for(nr, 0.0, s->width, s->axis_cell, &beta, err)) != NS_OK) goto done;
    ns_grid_coords_stretched(nr, 0.0, s->width, beta, 1, xr);
    if ((st = ns_grid_stretch_for(nz, -s->depth, 0.0, surface_cell_of(s), &beta, err)) != NS_OK) goto done;
    ns_grid_coords_stretched(nz, -s->depth, 0.0, beta, 0, xz);
  }
  mz = calloc((size_t)nz + 1, 1);
  if (!mz) {
    st = ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
    goto done;
  }
  for (int l = 1; l < NS_NLAYERS; l++)
    if (s->skin->layer[l].top < s->depth) snap(xz, nz + 1, mz, -s->skin->layer[l].top);
  pg->cell_layer = malloc((size_t)nr * (size_t)nz);
  if (!pg->cell_layer) {
    st = ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
    goto done;
  }
  for (int j = 0; j < nz; j++) {
    const enum ns_layer_id l = ns_skin_layer_at(s->skin, -0.5 * (xz[j] + xz[j + 1]));
    if (l == NS_LAYER_STRATUM_CORNEUM) pg->sc_cells++;
    memset(pg->cell_layer + (size_t)j * (size_t)nr, (int)l, (size_t)nr);
  }
  if (pg->sc_cells < MIN_SC_CELLS) {
    st = ns_err_set(err, NS_EINPUT,
                    "grid.surface_cell_um: expected at least %d cells across the stratum corneum (%.3g um), got %d "
                    "with a %.3g um surface cell and %d cells",
                    MIN_SC_CELLS, s->skin->layer[0].thickness.value * 1e6, pg->sc_cells, surface_cell_of(s) * 1e6,
                    nz);
    goto done;
  }
  for (int l = 0; l < NS_NLAYERS; l++) {
    const struct ns_skin_layer *L = &s->skin->layer[l];
    const enum ns_hyper_model model = L->ogden_alpha.value == 2.0 ? NS_HYPER_NEOHOOKE : NS_HYPER_OGDEN;
    if ((st = ns_material_from_layer(L, model, &pg->mat[l], err)) != NS_OK) goto done;
    if (s->elastic) {
      /* Elastic tissue with the relaxed modulus: mu_long = g_inf mu_inst. */
      double ginf = 1.0;
      for (int i = 0; i < pg->mat[l].nprony; i++) ginf -= pg->mat[l].g[i];
      pg->mat[l].mu *= ginf;
      pg->mat[l].nprony = 0;
    }
  }
  {
    const int n[3] = {nr + 1, nz + 1, 1};
    const double *const x[3] = {xr, xz, NULL};
    st = ns_grid_create(NS_GEOM_AXISYMMETRIC, n, x, &pg->g, err);
  }
done:
  free(xr);
  free(xz);
  free(mz);
  if (st != NS_OK) pen_grid_free(pg);
  return st;
}

struct tip_path {
  double speed;   /* [m/s] */
  double t_end;   /* insertion time at full travel [s] */
  double t_shift; /* pseudo-time spent in augmentation / release re-equilibrations so far [s] */
  int frozen;     /* 1: the tip is held at z_frozen (a Griffith release trial) */
  double z_frozen; /* [m] */
};

/* Tip height: first contact at t = 0, then down at constant speed until the travel is done; the
 * clock of the mechanics runs ahead of the insertion time by the augmentation pseudo-time. */
static double tip_of(double t, void *ctx) {
  const struct tip_path *p = ctx;
  if (p->frozen) return p->z_frozen;
  return -p->speed * fmin(fmax(t - p->t_shift, 0.0), p->t_end);
}

/* The extra contributions of the cutting model, evaluated and committed in turn: the top
 * contact, the wall contact, the axis nodes' contacts that are still active (one contact set per
 * axis node, so that a node leaves the set by no longer being evaluated or committed; its
 * cumulative work stays valid) and the volumetric degradation of the core cells. */
struct pen_chain {
  struct ns_mech_extra top, wall;
  struct ns_contact **axis; /* [naxis]: the core's nodes r < r0 of row j + 1 (j = 0 .. naxis - 1) */
  unsigned char *axis_on;   /* 1 while the core cells below the row are not broken */
  size_t naxis;
  const double *gcore;      /* degradation of core cell j (the cell between axis nodes j, j + 1) */
  int ncore;
  const struct ns_material *mat; /* per layer */
  const uint8_t *cell_layer;     /* per cell */
  int nr;                        /* cells per row */
  int iw;                        /* radial index of the wall r = r0 (core cells: i < iw) */
};

static enum ns_status core_vol_eval(const struct pen_chain *c, const struct ns_grid *g, const double *u,
                                    double *residual, struct ns_smat *K, struct ns_err *err);

static enum ns_status chain_eval(void *ctx, const struct ns_grid *g, const double *u, double t, double dt,
                                 double *residual, struct ns_smat *K, struct ns_err *err) {
  const struct pen_chain *c = ctx;
  NS_TRY(c->top.eval(c->top.ctx, g, u, t, dt, residual, K, err));
  NS_TRY(c->wall.eval(c->wall.ctx, g, u, t, dt, residual, K, err));
  for (size_t i = 0; i < c->naxis; i++)
    if (c->axis_on[i]) {
      const struct ns_mech_extra x = ns_contact_extra(c->axis[i]);
      NS_TRY(x.eval(x.ctx, g, u, t, dt, residual, K, err));
    }
  return core_vol_eval(c, g, u, residual, K, err);
}

static void chain_commit(void *ctx, const double *u, double t) {
  const struct pen_chain *c = ctx;
  if (c->top.commit) c->top.commit(c->top.ctx, u, t);
  if (c->wall.commit) c->wall.commit(c->wall.ctx, u, t);
  for (size_t i = 0; i < c->naxis; i++)
    if (c->axis_on[i]) {
      const struct ns_mech_extra x = ns_contact_extra(c->axis[i]);
      x.commit(x.ctx, u, t);
    }
}

/* Volumetric energy of core cell (i, j): V U(Jbar) [J] at u; with the residual and K (may be
 * NULL) of -fac V U(Jbar) added (voldeg.h, as in damage.c's volumetric degradation). Returns NAN
 * when det F <= 0 at a Gauss point. */
static double core_vol_cell(const struct ns_grid *g, const struct ns_material *mat, int i, int j, const double *u,
                            double fac, double *residual, struct ns_smat *K) {
  double e;
  return ns_voldeg_cell(g, 2, mat, i, j, 0, u, fac, NS_VOLDEG_ALL, residual, K, &e) ? NAN : e;
}

/* Volumetric degradation of the core: the mechanics degrades only the isochoric part
 * (ns_mech_degradation), so the extra removes (1 - g) of each core cell's volumetric energy,
 * E = -(1 - g_j) V U(Jbar). Serial: the core is one column of cells. */
static enum ns_status core_vol_eval(const struct pen_chain *c, const struct ns_grid *g, const double *u,
                                    double *residual, struct ns_smat *K, struct ns_err *err) {
  for (int j = 0; j < c->ncore; j++) {
    const double fac = 1.0 - c->gcore[j];
    if (fac == 0.0) continue;
    for (int i = 0; i < c->iw; i++) {
      const double e = core_vol_cell(g, &c->mat[c->cell_layer[(size_t)j * (size_t)c->nr]], i, j, u, fac, residual, K);
      if (isnan(e)) return ns_err_set(err, NS_ECONV, "penetration: det F <= 0 in core cell (%d, %d)", i, j);
    }
  }
  return NS_OK;
}

/* Series arrays in one list (allocation, growth, freeing). */
#define NSERIES 19
static void series_list(struct ns_pen_result *r, double **a[NSERIES]) {
  double **l[NSERIES] = {&r->time,     &r->tip_z,     &r->force,           &r->force_friction, &r->tip_depth,
                         &r->deflection, &r->work,    &r->stored,          &r->kinetic,        &r->viscous,
                         &r->friction, &r->interface, &r->cut_depth,       &r->fracture_energy, &r->force_fracture,
                         &r->tie_energy, &r->jump_loss, &r->numerical, &r->core_release};
  memcpy(a, l, sizeof l);
}

static enum ns_status grow_series(struct ns_pen_result *r, size_t cap, struct ns_err *err) {
  double **a[NSERIES];
  series_list(r, a);
  for (int i = 0; i < NSERIES; i++) {
    double *p = realloc(*a[i], cap * sizeof(double));
    if (!p) return ns_err_set(err, NS_ENOMEM, "penetration: out of memory for %zu output points", cap);
    *a[i] = p;
  }
  return NS_OK;
}

/* The run's objects. */
struct pen_run {
  const struct ns_pen_spec *s;
  struct pen_grid pg;
  struct ns_mech *m;
  struct ns_contact *top, *wall;
  struct ns_cohesive *coh;
  struct pen_chain chain;
  struct tip_path path;
  size_t corner;      /* node whose deflection is "the surface at the needle" */
  double stored0;
  double *gnext;      /* [ncore] scratch of core_update */
  unsigned char *crushed; /* [ncore] 1: the core cell failed by crushing */
  double *gcore;      /* [ncore] degradation factor of each core cell (1 intact, CORE_RESIDUAL broken) */
  double core_release; /* cumulative stored energy released by lowering gcore and interface energy
                          of axis nodes released from contact [J] */
  /* Griffith cut (cut_law griffith). */
  int griffith;
  double jump;         /* cumulative energy released by accepted releases beyond G_c A [J] */
  unsigned char *snap; /* checkpoint of the whole committed state (snap_save) */
  size_t snap_size;
  unsigned char *relcells; /* [cells] the released group's core cells (ns_mech_energy_select) */
  long trials, releases, trial_newton, trial_failed;
  long ramp_cuts;      /* release increments halved (release_solve) */
  /* Trial scheduling (griffith_due, griffith_note): the rejected trials since the last accepted
   * release, the last two of them as (tip travel [m], q = R / (G_c A)), newest at index 1. */
  int nrej;
  double rej_z[2], rej_q[2];
  double due_z;        /* tip travel at which the extrapolated q reaches GRIFFITH_Q_TRY [m] */
  int wait;            /* output steps since the last trial */
  long skipped;        /* output steps whose trial was skipped */
  struct ns_cohesive_law coh_laws[NS_NLAYERS]; /* the ties' laws (G_c of a released row) */
};

/* Deepest broken tie (undeformed depth) [m]; 0 when none. */
static double cut_front(const struct pen_run *pr) {
  if (!pr->coh) return 0.0;
  size_t n;
  const struct ns_cohesive_tie *t = ns_cohesive_ties(pr->coh, &n);
  const struct ns_grid *g = pr->pg.g;
  double d = 0.0;
  for (size_t i = 0; i < n; i++)
    if (t[i].broken) d = fmax(d, -g->x[1][t[i].node / (size_t)g->n[0]]);
  return d;
}

/* Stored energy of the tissue at the committed state [J]: the mechanics' (isochoric part already
 * degraded) minus the volumetric energy the core's extra removes, sum (1 - g_j) V U(Jbar_j). */
static double core_stored(const struct pen_run *pr) {
  struct ns_mech_energy e;
  ns_mech_energy(pr->m, &e);
  double s = e.stored;
  const struct pen_chain *c = &pr->chain;
  const double *u = ns_mech_displacement(pr->m);
  for (int j = 0; j < c->ncore; j++)
    for (int i = 0; i < c->iw && c->gcore[j] != 1.0; i++)
      s -= (1.0 - c->gcore[j]) *
           core_vol_cell(pr->pg.g, &c->mat[c->cell_layer[(size_t)j * (size_t)c->nr]], i, j, u, 0.0, NULL, NULL);
  return s;
}

/* Degradation of core cell j: g at every Gauss point (isochoric) and in the volumetric extra. */
static void set_core_g(struct pen_run *pr, int j, double g) {
  const struct pen_chain *c = &pr->chain;
  double *gq = ns_mech_degradation(pr->m);
  pr->gcore[j] = g;
  for (int i = 0; i < c->iw; i++) {
    const size_t cell = (size_t)j * (size_t)c->nr + (size_t)i;
    for (int q = 0; q < 4; q++) gq[4 * cell + (size_t)q] = g;
  }
}

/* After a committed step: core cell j follows the damage of the wall ties on its two nodes at r0,
 * g_j = max(CORE_RESIDUAL, 1 - max(D_j, D_j+1)) (never rising: the damage is irreversible), every
 * Gauss point of the cell; the stored energy this releases at the committed displacement (the
 * isochoric part of the mechanics' free energy and the volumetric part of the extra) goes to
 * core_release. An axis node whose core cell below is broken (g at the residual) leaves the
 * contact: the cap passes through the ghost cells; the penalty energy it held goes to
 * core_release too. With core_crush_j > 0 a crushed core segment fails as well (g at the
 * residual; the release goes to core_release the same way). */
static void core_update(struct pen_run *pr) {
  if (!pr->coh) return;
  size_t nt;
  const struct ns_cohesive_tie *t = ns_cohesive_ties(pr->coh, &nt);
  struct pen_chain *c = &pr->chain;
  int changed = 0;
  /* Crushing (spec core_crush_j > 0): the intact core segment under the cap, from its topmost
   * intact row down, fails down to its deepest cell whose volume ratio (cell-averaged J) is below
   * core_crush_j. The whole segment fails, not only the crushed cell: a ghost cell left under an
   * intact plug is squashed by the plug (J -> 0, where the residual 1e-6 of the neo-Hookean
   * energy is no longer negligible; measured: stored and QLV entries of +-1e-3 J against 4e-6 J
   * of work, and Newton stalls). */
  if (pr->s->core_crush_j > 0.0) {
    const double *jac = ns_mech_cell_jacobian(pr->m);
    const double jcrush = pr->s->core_crush_j;
    int top = c->ncore - 1;
    while (top >= 0 && pr->gcore[top] <= CORE_RESIDUAL) top--;
    int deep = -1;
    for (int j = top; j >= 0 && pr->gcore[j] > CORE_RESIDUAL; j--)
      for (int i = 0; i < c->iw; i++)
        if (jac[(size_t)j * (size_t)c->nr + (size_t)i] < jcrush) deep = j;
    for (int j = top; deep >= 0 && j >= deep; j--) pr->crushed[j] = 1;
  }
  for (int j = 0; j < c->ncore; j++) {
    const double d = fmax(t[j].damage, t[j + 1].damage);
    pr->gnext[j] = pr->crushed[j] ? CORE_RESIDUAL : fmax(CORE_RESIDUAL, 1.0 - d);
    if (pr->gnext[j] < pr->gcore[j]) changed = 1;
  }
  if (changed) {
    const double before = core_stored(pr);
    for (int j = 0; j < c->ncore; j++) set_core_g(pr, j, fmin(pr->gcore[j], pr->gnext[j]));
    pr->core_release += before - core_stored(pr);
  }
  for (size_t i = 0; i < c->naxis; i++)
    if (c->axis_on[i] && pr->gcore[i] <= CORE_RESIDUAL) {
      c->axis_on[i] = 0;
      pr->core_release += ns_contact_result(c->axis[i])->interface_energy;
    }
}

/* Record output point k of the committed state. */
static void record(struct ns_pen_result *r, size_t k, const struct pen_run *pr, double t) {
  const struct ns_contact_result *ct = ns_contact_result(pr->top);
  const struct ns_contact_result *cw = pr->wall ? ns_contact_result(pr->wall) : NULL;
  const double *u = ns_mech_displacement(pr->m);
  r->time[k] = t;
  r->tip_z[k] = ct->z_tip;
  r->force[k] = ct->force_z + (cw ? cw->force_z : 0.0);
  r->force_friction[k] = ct->force_friction_z + (cw ? cw->force_friction_z : 0.0);
  r->tip_depth[k] = -ct->z_tip;
  r->deflection[k] = -u[2 * pr->corner + 1];
  r->work[k] = ct->work + (cw ? cw->work : 0.0);
  r->stored[k] = core_stored(pr) - pr->stored0;
  r->friction[k] = ct->friction_dissipation + (cw ? cw->friction_dissipation : 0.0);
  r->interface[k] = ct->interface_energy + (cw ? cw->interface_energy : 0.0);
  /* Axis nodes: every set's work (a released node's stays as it was), the force and penalty
   * energy of the active ones only (a released node's energy went to core_release). */
  for (size_t i = 0; i < pr->chain.naxis; i++) {
    const struct ns_contact_result *ca = ns_contact_result(pr->chain.axis[i]);
    r->work[k] += ca->work;
    if (!pr->chain.axis_on[i]) continue;
    r->force[k] += ca->force_z;
    r->interface[k] += ca->interface_energy;
  }
  {
    struct ns_mech_energy e;
    ns_mech_energy(pr->m, &e);
    r->kinetic[k] = e.kinetic;
    r->viscous[k] = e.viscous;
    r->numerical[k] = e.numerical;
  }
  r->core_release[k] = pr->core_release;
  r->cut_depth[k] = cut_front(pr);
  r->fracture_energy[k] = r->tie_energy[k] = 0.0;
  if (pr->coh) {
    struct ns_cohesive_energy ce;
    ns_cohesive_energy(pr->coh, &ce);
    r->fracture_energy[k] = ce.dissipated + ce.viscous;
    r->tie_energy[k] = ce.stored;
  }
  r->force_fracture[k] = 0.0;
  if (k > 0 && r->tip_depth[k] > r->tip_depth[k - 1])
    r->force_fracture[k] =
        (r->fracture_energy[k] - r->fracture_energy[k - 1]) / (r->tip_depth[k] - r->tip_depth[k - 1]);
  r->jump_loss[k] = k > 0 ? r->jump_loss[k - 1] : 0.0;
}

/* Ledger residual of point k: work minus every energy entry (jump loss not subtracted). */
static double ledger_residual(const struct ns_pen_result *r, size_t k) {
  return r->work[k] - (r->stored[k] + r->kinetic[k] + r->viscous[k] + r->friction[k] + r->interface[k] +
                       r->tie_energy[k] + r->fracture_energy[k] + r->numerical[k] + r->core_release[k]);
}

/* Copy the committed fields into u3 [(nz+1)(nr+1)][3], stress [cells][6] and, with ties, the
 * ties' damage and opening. */
static void copy_fields(const struct pen_run *pr, double *u3, double *stress, double *dmg, double *open) {
  const struct ns_grid *g = pr->pg.g;
  const double *u = ns_mech_displacement(pr->m);
  for (size_t i = 0; i < g->nnodes; i++) {
    u3[3 * i] = u[2 * i];
    u3[3 * i + 1] = u[2 * i + 1];
    u3[3 * i + 2] = 0.0;
  }
  const size_t nc = (size_t)(g->n[0] - 1) * (size_t)(g->n[1] - 1);
  memcpy(stress, ns_mech_cell_stress(pr->m), 6 * nc * sizeof *stress);
  if (pr->coh && dmg) {
    size_t n;
    const struct ns_cohesive_tie *t = ns_cohesive_ties(pr->coh, &n);
    for (size_t i = 0; i < n; i++) {
      dmg[i] = t[i].damage;
      open[i] = t[i].opening;
    }
  }
}

static enum ns_status keep_fields(struct ns_pen_result *r, const struct pen_run *pr, struct ns_err *err) {
  const struct ns_grid *g = pr->pg.g;
  r->nr = g->n[0] - 1;
  r->nz = g->n[1] - 1;
  const size_t nn = g->nnodes, nc = (size_t)r->nr * (size_t)r->nz;
  r->r = malloc((size_t)g->n[0] * sizeof *r->r);
  r->z = malloc((size_t)g->n[1] * sizeof *r->z);
  r->u = malloc(3 * nn * sizeof *r->u);
  r->stress = malloc(6 * nc * sizeof *r->stress);
  r->layer = malloc(nc * sizeof *r->layer);
  if (r->ntie) {
    r->tie_damage = malloc(r->ntie * sizeof *r->tie_damage);
    r->tie_opening = malloc(r->ntie * sizeof *r->tie_opening);
  }
  if (!r->r || !r->z || !r->u || !r->stress || !r->layer || (r->ntie && (!r->tie_damage || !r->tie_opening)))
    return ns_err_set(err, NS_ENOMEM, "penetration: out of memory for the snapshot");
  memcpy(r->r, g->x[0], (size_t)g->n[0] * sizeof *r->r);
  memcpy(r->z, g->x[1], (size_t)g->n[1] * sizeof *r->z);
  copy_fields(pr, r->u, r->stress, r->tie_damage, r->tie_opening);
  for (size_t i = 0; i < nc; i++) r->layer[i] = pr->pg.cell_layer[i];
  return NS_OK;
}

/* Append an event (with its snapshot when asked). */
static enum ns_status add_event(struct ns_pen_result *r, const struct pen_run *pr, const struct ns_pen_event *ev,
                                struct ns_err *err) {
  struct ns_pen_event *e = realloc(r->events, (r->nevents + 1) * sizeof *e);
  if (!e) return ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
  r->events = e;
  r->events[r->nevents] = *ev;
  if (pr->s->snapshots) {
    const struct ns_grid *g = pr->pg.g;
    const size_t nn = g->nnodes, nc = (size_t)(g->n[0] - 1) * (size_t)(g->n[1] - 1), ne = r->nevents + 1;
    double *eu = realloc(r->event_u, ne * 3 * nn * sizeof *eu);
    if (eu) r->event_u = eu;
    double *es = realloc(r->event_stress, ne * 6 * nc * sizeof *es);
    if (es) r->event_stress = es;
    double *ed = realloc(r->event_tie_damage, ne * (r->ntie ? r->ntie : 1) * sizeof *ed);
    if (ed) r->event_tie_damage = ed;
    double *eo = realloc(r->event_tie_opening, ne * (r->ntie ? r->ntie : 1) * sizeof *eo);
    if (eo) r->event_tie_opening = eo;
    if (!eu || !es || !ed || !eo) return ns_err_set(err, NS_ENOMEM, "penetration: out of memory for a snapshot");
    copy_fields(pr, r->event_u + r->nevents * 3 * nn, r->event_stress + r->nevents * 6 * nc,
                r->event_tie_damage + r->nevents * r->ntie, r->event_tie_opening + r->nevents * r->ntie);
  }
  r->nevents++;
  return NS_OK;
}

/* Law index of a wall node: the layer at its depth (a node on an interface belongs to the layer
 * below it, so the front passes a layer's bottom when the interface node breaks). */
static int tie_law_of(const double X[3], void *ctx) {
  const struct ns_skin *skin = ctx;
  return (int)ns_skin_layer_at(skin, -X[1]);
}

/* 1 when the spec gives the ties' initial stiffness (> 0), 0 for the TIE_PEAK_FRACTION rule. */
static int tie_stiffness_given(const struct ns_pen_spec *s) {
  return ns_cfg_given(s->tie_stiffness) && s->tie_stiffness > 0.0;
}

/* Cohesive law of layer l: strength and toughness of the layer, stiffness from the peak opening
 * (the given initial stiffness, or TIE_PEAK_FRACTION of delta_c). No floor on a small peak
 * opening: with 5000 MPa/mm in CUT_CASE (sigma_c 1 MPa: delta_0 = 0.2 um, loaded zone
 * delta_0 / tan(theta) = 0.75 um, below every surface cell) the puncture force is 5.42 / 5.38 /
 * 5.21 mN with every cell halved twice (-0.6 %, -3.2 %); a floor delta_0 >= h_surface tan(theta)
 * (the loaded zone spans a surface cell) made the law the grid's on all three grids and moved the
 * force more (6.09 / 5.58 / 5.42 mN, -8.4 %, -2.8 %). docs/penetration_parameters.md 5.5. */
static struct ns_cohesive_law tie_law(const struct ns_pen_spec *s, int l) {
  const struct ns_skin_layer *L = &s->skin->layer[l];
  struct ns_cohesive_law law;
  law.strength = L->tensile_strength.value;
  law.toughness = L->toughness.value * s->toughness_scale;
  const double delta_c = 2.0 * law.toughness / law.strength;
  double delta_0 = TIE_PEAK_FRACTION * delta_c;
  if (tie_stiffness_given(s)) delta_0 = fmin(law.strength / s->tie_stiffness, TIE_PEAK_MAX * delta_c);
  law.stiffness = law.strength / delta_0;
  return law;
}

/* Small-strain Young's modulus of a material [Pa]. */
static double youngs(const struct ns_material *m) { return 9.0 * m->kappa * m->mu / (3.0 * m->kappa + m->mu); }

static size_t snap_size_of(const struct pen_run *pr);

static enum ns_status setup(struct pen_run *pr, struct ns_err *err) {
  const struct ns_pen_spec *s = pr->s;
  const struct ns_grid *g = pr->pg.g;
  const double t_end = s->travel / s->speed;
  struct ns_mech_opts o = ns_mech_opts_defaults();
  const double dt_out = t_end / s->steps;
  o.dt_initial = o.dt_max = dt_out;
  o.dt_min = 1e-6 * dt_out;
  o.lin.max_iter = 1000;
  o.newton_rtol = PEN_NEWTON_RTOL;
  /* Quasi-static substeps start from the extrapolated displacement (mech.h): measured on a
   * 0.2 mm roller case, 950 -> 255 Newton iterations and 109 -> 35 substeps, force within 3.5e-5
   * (session 4). Inertia runs ignore it (generalized-alpha has its own start). */
  o.predictor = 1;
  /* Newton systems by a band LU of the tangent on the study's axisymmetric grids (mech.h): on the
   * roller sweep's 5874 unknowns ~15 ms per Newton iteration against ~30 ms for multigrid, and no
   * Krylov failures on the crushed core (docs/penetration.md section 5 items 12 and 15). */
  o.band_lu = 1;
  if (s->fracture) {
    /* Absolute floor: PEN_NEWTON_AFLOOR of the cutting force G_c 2 pi r0 of the dermis (the line
     * search stalls just above the tolerance near a tie's peak otherwise: measured 1.05 x a 1e-6
     * relative tolerance at 388 um, 1.0001 x a 1e-4 floor in the elastic test case). */
    const double gc = s->skin->layer[NS_LAYER_RETICULAR_DERMIS].toughness.value * s->toughness_scale;
    /* ... but never above that fraction of the elastic force scale of the press, E_dermis r0
     * travel (the force of pressing a disc of radius r0 by the travel into a half-space is
     * ~ E r0 travel): with the table toughness (G_c 2 pi r0 = 0.07 N) the floor alone was 7e-5 N,
     * above the whole force of a 30 um press (2e-4 N), and Newton "converged" without equilibrium
     * (the force jumped between 0 and 1.8e-4 N, the ledger was off by 16 %). */
    const double e_d = youngs(&pr->pg.mat[NS_LAYER_RETICULAR_DERMIS]);
    o.newton_atol = PEN_NEWTON_AFLOOR * fmin(gc * TWO_PI * pr->pg.r0, e_d * pr->pg.r0 * s->travel);
  }
  NS_TRY(ns_mech_create(g, pr->pg.mat, NS_NLAYERS, pr->pg.cell_layer, &o, &pr->m, err));
  ns_mech_set_cancel(pr->m, s->cancel);
  NS_TRY(ns_mech_set_face(pr->m, NS_FACE_AXI_BOTTOM, NS_BC_FIXED, err));
  NS_TRY(ns_mech_set_face(pr->m, NS_FACE_AXI_RMAX, NS_BC_SLIDING, err));
  if (s->dynamics) {
    struct ns_mech_dyn_opts d = ns_mech_dyn_defaults();
    d.rho_inf = PEN_RHO_INF;
    NS_TRY(ns_mech_set_dynamics(pr->m, 1, &d, err));
  }
  struct ns_body b;
  memset(&b, 0, sizeof b);
  b.kind = NS_BODY_NEEDLE;
  b.radius = 0.5 * s->needle.shaft_diameter;
  b.half_angle = s->needle.tip_half_angle;
  b.tip_radius = s->needle.tip_radius;
  struct ns_contact_opts co = ns_contact_opts_defaults();
  NS_TRY(ns_contact_create(g, pr->pg.mat, NS_NLAYERS, pr->pg.cell_layer, &b, &co, &pr->top, err));
  if (s->fracture) {
    /* The top face outside the wall: without the core's nodes (their own sets, below) and the
     * corner on the wall (i = iw: a wall node, it carries a tie and must follow the wall's stiff
     * contact, not the surface's). Lumped areas 2 pi r dr. */
    const int nr = g->n[0] - 1, nzt = g->n[1] - 1, iw = pr->pg.iw;
    size_t *tn = malloc((size_t)nr * sizeof *tn);
    double *ta = calloc((size_t)nr, sizeof *ta);
    if (!tn || !ta) {
      free(tn);
      free(ta);
      return ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
    }
    const double *xr = g->x[0];
    for (int i = iw + 1; i <= nr; i++) {
      tn[i - iw - 1] = ns_grid_index(g, i, nzt, 0);
      /* Integral of the hat function times 2 pi r over the cells on each side (exact). */
      const double hl = xr[i] - xr[i - 1];
      ta[i - iw - 1] = TWO_PI * hl * (xr[i - 1] + 2.0 * xr[i]) / 6.0;
      if (i < nr) {
        const double hr = xr[i + 1] - xr[i];
        ta[i - iw - 1] += TWO_PI * hr * (2.0 * xr[i] + xr[i + 1]) / 6.0;
      }
    }
    enum ns_status st0 = ns_contact_add_nodes(pr->top, (size_t)(nr - iw), tn, ta, err);
    free(tn);
    free(ta);
    NS_TRY(st0);
  } else {
    NS_TRY(ns_contact_add_face(pr->top, NS_FACE_AXI_TOP, err));
  }
  /* Friction of each surface node: the given value or that of the stratum corneum (the layer
   * the surface nodes belong to). */
  const double mu_sc = ns_cfg_given(s->friction) ? s->friction
                                                 : s->skin->layer[NS_LAYER_STRATUM_CORNEUM].friction_coefficient.value;
  for (size_t i = 0; i < ns_contact_count(pr->top); i++) NS_TRY(ns_contact_set_friction(pr->top, i, mu_sc, err));
  ns_contact_set_tip_fn(pr->top, tip_of, &pr->path);
  const int nz = g->n[1] - 1;
  const int iw = pr->pg.iw;
  pr->corner = ns_grid_index(g, iw, nz, 0);
  struct ns_mech_extra xt = ns_contact_extra(pr->top);
  if (!s->fracture) {
    ns_mech_set_extra(pr->m, &xt);
    return NS_OK;
  }
  /* Wall contact: the nodes of r = r0 above the fixed bottom, the top corner included, lumped
   * areas 2 pi r0 dz (the corner: half its cell), penalty WALL_PENALTY_RATIO x the stiffest tie's
   * relative to the first annulus cell. */
  struct ns_cohesive_law laws[NS_NLAYERS];
  double factor = co.penalty_factor;
  const double dr0 = g->x[0][iw + 1] - g->x[0][iw];
  for (int l = 0; l < NS_NLAYERS; l++) {
    laws[l] = tie_law(s, l);
    pr->coh_laws[l] = laws[l];
    const double kcap = laws[l].strength / (TIE_PEAK_FRACTION * 2.0 * laws[l].toughness / laws[l].strength);
    factor = fmax(factor, WALL_PENALTY_RATIO * fmin(laws[l].stiffness, WALL_PENALTY_CAP * kcap) * dr0 /
                              youngs(&pr->pg.mat[l]));
  }
  struct ns_contact_opts cw = co;
  cw.penalty_factor = factor;
  if (pr->griffith) {
    /* Griffith: the cone never opens an intact tie (rows are released by the energy criterion,
     * not wedged open), so the wall needs no penalty stiffer than the ties; a released wall is a
     * free surface like the top, with the top's penalty. The stiff wall penalty (10 x the tie
     * stiffness: 470 x the ordinary factor in CUT_CASE) made the frozen-needle re-equilibration
     * of a release stall in the line search (measured on the coarse CUT_CASE: 24 of 27 trials
     * not converged; with the ordinary factor 2 of 31; a factor of 30 stalled an ordinary
     * substep). */
    cw.penalty_factor = co.penalty_factor;
    /* Rounded ramp below GRIFFITH_WALL_SMOOTHING x E of pressure: a wall node at the edge of
     * the cap (gap ~ 0 where the sphere meets r = r0) stalled a release trial in the line search
     * with the default rounding (1e-6 E, a kink at the scale of 1e-13 m). */
    cw.smoothing = GRIFFITH_WALL_SMOOTHING;
  }
  NS_TRY(ns_contact_create(g, pr->pg.mat, NS_NLAYERS, pr->pg.cell_layer, &b, &cw, &pr->wall, err));
  const size_t nw = (size_t)nz;
  size_t *nodes = malloc(nw * sizeof *nodes);
  double *areas = malloc(nw * sizeof *areas);
  if (!nodes || !areas) {
    free(nodes);
    free(areas);
    return ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
  }
  for (int j = 1; j <= nz; j++) {
    nodes[j - 1] = ns_grid_index(g, iw, j, 0);
    areas[j - 1] = TWO_PI * pr->pg.r0 * 0.5 * (g->x[1][j < nz ? j + 1 : j] - g->x[1][j - 1]);
  }
  enum ns_status st = ns_contact_add_nodes(pr->wall, nw, nodes, areas, err);
  free(nodes);
  free(areas);
  NS_TRY(st);
  for (int j = 1; j <= nz; j++) {
    const enum ns_layer_id l = ns_skin_layer_at(s->skin, -g->x[1][j]);
    const double mu = ns_cfg_given(s->friction) ? s->friction : s->skin->layer[l].friction_coefficient.value;
    NS_TRY(ns_contact_set_friction(pr->wall, (size_t)j - 1, mu, err));
  }
  ns_contact_set_tip_fn(pr->wall, tip_of, &pr->path);
  /* The core's nodes r < r0 of each row above the fixed bottom, one contact set per row (the
   * ordinary surface penalty), each node with the area of the core's top face it carries once the
   * core above it is gone (the integral of its hat function times 2 pi r over 0 <= r <= r0).
   * Frictionless: the tissue of the core is sacrificial (it is cut away, not slid along); on the
   * axis the body's tangent is radial and u_r = 0, so the slip is 0 there anyway. The sets stay
   * symmetric. */
  struct pen_chain *ch = &pr->chain;
  ch->naxis = (size_t)nz;
  ch->ncore = nz;
  ch->axis = calloc(ch->naxis, sizeof *ch->axis);
  ch->axis_on = malloc(ch->naxis);
  pr->gcore = malloc((size_t)nz * sizeof *pr->gcore);
  pr->gnext = malloc((size_t)nz * sizeof *pr->gnext);
  pr->crushed = calloc((size_t)nz, 1);
  size_t *cn = malloc((size_t)iw * sizeof *cn);
  double *ca = malloc((size_t)iw * sizeof *ca);
  if (!ch->axis || !ch->axis_on || !pr->gcore || !pr->gnext || !pr->crushed || !cn || !ca) {
    free(cn);
    free(ca);
    return ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
  }
  const double *xr = g->x[0];
  for (int i = 0; i < iw; i++) {
    ca[i] = TWO_PI * (xr[i + 1] - xr[i]) * (2.0 * xr[i] + xr[i + 1]) / 6.0;
    if (i > 0) ca[i] += TWO_PI * (xr[i] - xr[i - 1]) * (xr[i - 1] + 2.0 * xr[i]) / 6.0;
  }
  st = NS_OK;
  for (int j = 1; j <= nz && st == NS_OK; j++) {
    for (int i = 0; i < iw; i++) cn[i] = ns_grid_index(g, i, j, 0);
    pr->gcore[j - 1] = 1.0;
    ch->axis_on[j - 1] = 1;
    st = ns_contact_create(g, pr->pg.mat, NS_NLAYERS, pr->pg.cell_layer, &b, &co, &ch->axis[j - 1], err);
    if (st == NS_OK) st = ns_contact_add_nodes(ch->axis[j - 1], (size_t)iw, cn, ca, err);
    for (int i = 0; i < iw && st == NS_OK; i++) st = ns_contact_set_friction(ch->axis[j - 1], (size_t)i, 0.0, err);
    if (st == NS_OK) ns_contact_set_tip_fn(ch->axis[j - 1], tip_of, &pr->path);
  }
  free(cn);
  free(ca);
  NS_TRY(st);
  ch->gcore = pr->gcore;
  ch->mat = pr->pg.mat;
  ch->cell_layer = pr->pg.cell_layer;
  ch->nr = g->n[0] - 1;
  ch->iw = iw;
  /* Ties on every node of r = r0 (the fixed bottom node included, as on a face), lumped areas
   * 2 pi r0 dz, the law of the node's layer. */
  struct ns_cohesive_opts cop = ns_cohesive_opts_defaults();
  /* Tangent: secant without a dashpot (the consistent one is negative while a tie softens, which
   * makes the frictionless (CG) system indefinite: measured CG breakdown 59 um into the test
   * case); consistent with the dashpot (cut_viscosity > 0), whose eta / dt keeps it positive, so
   * Newton gets the exact direction (the secant one is not a descent direction near a tie's
   * peak, docs/penetration.md section 5 item 8 (b)). Measured on CUT_CASE with eta = 1e-4 s:
   * puncture 5.9358 mN (secant, eta = 0: 5.9369), coarse grid 5.8943 (5.9170), ledger 4.5e-3
   * (4.5e-3), Newton iterations 405 and 286 (507 and 688). With inertia always the secant one:
   * measured on the 3 m/s coarse CUT_CASE (pen_rate_dashpot), the consistent tangent with
   * eta = 1.5e-8 s (eta / dt ~ 0.1: the softening slope dominates the dashpot's) sent Newton
   * through substeps with the core's energy jumping (QLV +8.5e-7 J and algorithmic +5.4e-7 J in
   * one output step against 1.4e-7 J of work), ledger 0.53, puncture 21.4 mN; with eta 1e-12 to
   * 1e-10 s it did not converge at all (dt below dt_min), with eta = 1e-6 s (eta / dt ~ 10) it
   * closed to 0.3 %. The secant tangent with the same dashpot: ledger 0.17 %, 9.06 mN, as eta = 0
   * (the dashpot's dissipation is booked consistently: eta = 1e-6 s moves the force by 0.4 % and
   * the ledger stays at 0.18 %). */
  cop.eta = cut_viscosity_of(s);
  cop.secant = (cop.eta > 0.0 && !s->dynamics) ? 0 : 1;
  if (pr->griffith) {
    /* Griffith: elastic ties (they hold the intact wall at u_r ~ 0, the axis condition moved to
     * r0, and after release keep the compression penalty that stops the wall from closing into
     * the ghost core), no dashpot (nothing softens). */
    cop.elastic = 1;
    cop.eta = 0.0;
    cop.secant = 1;
  }
  NS_TRY(ns_cohesive_create(g, laws, NS_NLAYERS, &cop, &pr->coh, err));
  for (int j = 0; j <= nz; j++) {
    const double X[3] = {pr->pg.r0, g->x[1][j], 0.0};
    const double dz = 0.5 * ((j < nz ? g->x[1][j + 1] : g->x[1][j]) - (j > 0 ? g->x[1][j - 1] : g->x[1][j]));
    NS_TRY(ns_cohesive_add_node(pr->coh, ns_grid_index(g, iw, j, 0), 0, +1, TWO_PI * pr->pg.r0 * dz,
                                tie_law_of(X, (void *)(uintptr_t)s->skin), err));
  }
  ch->top = xt;
  ch->wall = ns_contact_extra(pr->wall);
  struct ns_mech_extra xp;
  xp.eval = chain_eval;
  xp.commit = chain_commit;
  xp.ctx = ch;
  xp.symmetric = ch->top.symmetric && ch->wall.symmetric;
  struct ns_mech_extra x = ns_cohesive_extra(pr->coh, &xp);
  ns_mech_set_extra(pr->m, &x);
  if (pr->griffith) {
    pr->snap_size = snap_size_of(pr);
    pr->snap = malloc(pr->snap_size);
    if (!pr->snap) return ns_err_set(err, NS_ENOMEM, "penetration: out of memory for a checkpoint of %zu bytes", pr->snap_size);
    /* One byte per cell of the axisymmetric grid: 4 Gauss points per cell. */
    pr->relcells = calloc(ns_mech_ngauss(pr->m) / 4, 1);
    if (!pr->relcells) return ns_err_set(err, NS_ENOMEM, "penetration: out of memory for the release mask");
  }
  return NS_OK;
}

/* ---- Griffith cut: release trials ---------------------------------------------------------- */

/* Scalars of the run saved with a checkpoint. */
struct snap_scalars {
  double core_release, jump, t_shift;
};

/* Bytes of a checkpoint of the whole committed state: the mechanics, every contact set, the ties,
 * the core's degradation and axis flags and the run's scalars. */
static size_t snap_size_of(const struct pen_run *pr) {
  const struct pen_chain *c = &pr->chain;
  size_t n = ns_mech_state_size(pr->m) + ns_contact_state_size(pr->top) + ns_contact_state_size(pr->wall) +
             ns_cohesive_state_size(pr->coh) + sizeof(struct snap_scalars);
  for (size_t i = 0; i < c->naxis; i++) n += ns_contact_state_size(c->axis[i]);
  n += (size_t)c->ncore * (sizeof *pr->gcore + sizeof *pr->crushed) + c->naxis * sizeof *c->axis_on;
  return n;
}

/* Copy n bytes between the checkpoint cursor *p and x (out: into the checkpoint). */
static void snap_bytes(unsigned char **p, void *x, size_t n, int out) {
  if (out) memcpy(*p, x, n);
  else memcpy(x, *p, n);
  *p += n;
}

static void snap_save(struct pen_run *pr) {
  struct pen_chain *c = &pr->chain;
  unsigned char *p = pr->snap;
  ns_mech_state_save(pr->m, p);
  p += ns_mech_state_size(pr->m);
  ns_contact_state_save(pr->top, p);
  p += ns_contact_state_size(pr->top);
  ns_contact_state_save(pr->wall, p);
  p += ns_contact_state_size(pr->wall);
  for (size_t i = 0; i < c->naxis; i++) {
    ns_contact_state_save(c->axis[i], p);
    p += ns_contact_state_size(c->axis[i]);
  }
  ns_cohesive_state_save(pr->coh, p);
  p += ns_cohesive_state_size(pr->coh);
  struct snap_scalars sc = {pr->core_release, pr->jump, pr->path.t_shift};
  snap_bytes(&p, &sc, sizeof sc, 1);
  snap_bytes(&p, pr->gcore, (size_t)c->ncore * sizeof *pr->gcore, 1);
  snap_bytes(&p, pr->crushed, (size_t)c->ncore * sizeof *pr->crushed, 1);
  snap_bytes(&p, c->axis_on, c->naxis * sizeof *c->axis_on, 1);
}

static enum ns_status snap_restore(struct pen_run *pr, struct ns_err *err) {
  struct pen_chain *c = &pr->chain;
  unsigned char *p = pr->snap;
  size_t n = ns_mech_state_size(pr->m);
  NS_TRY(ns_mech_state_restore(pr->m, p, n, err));
  p += n;
  n = ns_contact_state_size(pr->top);
  NS_TRY(ns_contact_state_restore(pr->top, p, n, err));
  p += n;
  n = ns_contact_state_size(pr->wall);
  NS_TRY(ns_contact_state_restore(pr->wall, p, n, err));
  p += n;
  for (size_t i = 0; i < c->naxis; i++) {
    n = ns_contact_state_size(c->axis[i]);
    NS_TRY(ns_contact_state_restore(c->axis[i], p, n, err));
    p += n;
  }
  n = ns_cohesive_state_size(pr->coh);
  NS_TRY(ns_cohesive_state_restore(pr->coh, p, n, err));
  p += n;
  struct snap_scalars sc;
  snap_bytes(&p, &sc, sizeof sc, 0);
  pr->core_release = sc.core_release;
  pr->jump = sc.jump;
  pr->path.t_shift = sc.t_shift;
  snap_bytes(&p, pr->gcore, (size_t)c->ncore * sizeof *pr->gcore, 0);
  snap_bytes(&p, pr->crushed, (size_t)c->ncore * sizeof *pr->crushed, 0);
  snap_bytes(&p, c->axis_on, c->naxis * sizeof *c->axis_on, 0);
  return NS_OK;
}

/* Energy held by the committed state [J]: stored (core degraded), kinetic, penalty energy of the
 * top, wall and active axis contacts, elastic energy of the ties; *dissipated: the cumulative
 * QLV, algorithmic, frictional and dashpot dissipation (the entries of record()). */
static double held_energy(const struct pen_run *pr, double *dissipated) {
  struct ns_mech_energy e;
  ns_mech_energy(pr->m, &e);
  struct ns_cohesive_energy ce;
  ns_cohesive_energy(pr->coh, &ce);
  const struct ns_contact_result *ct = ns_contact_result(pr->top), *cw = ns_contact_result(pr->wall);
  double held = core_stored(pr) + e.kinetic + ct->interface_energy + cw->interface_energy + ce.stored;
  for (size_t i = 0; i < pr->chain.naxis; i++)
    if (pr->chain.axis_on[i]) held += ns_contact_result(pr->chain.axis[i])->interface_energy;
  *dissipated = e.viscous + e.numerical + ct->friction_dissipation + cw->friction_dissipation + ce.viscous;
  return held;
}

/* Energy of the released group's core cells jlo .. jlo + n - 1 (selected in pr->relcells) at the
 * committed state [J], as core_stored counts it (isochoric part degraded by the mechanics, the
 * extra's (1 - g) V U(Jbar) taken off); *viscous: the QLV dissipation the mechanics booked in
 * them since ns_mech_energy_select. */
static double released_cells(const struct pen_run *pr, int jlo, int n, double *viscous) {
  const struct pen_chain *c = &pr->chain;
  const double *u = ns_mech_displacement(pr->m);
  double s;
  ns_mech_energy_selected(pr->m, &s, viscous);
  for (int j = jlo; j < jlo + n; j++)
    for (int i = 0; i < c->iw && c->gcore[j] != 1.0; i++)
      s -= (1.0 - c->gcore[j]) *
           core_vol_cell(pr->pg.g, &c->mat[c->cell_layer[(size_t)j * (size_t)c->nr]], i, j, u, 0.0, NULL, NULL);
  return s;
}

/* Phase of a release continuation at s in [0, 1] of the core cells jlo .. jlo + n - 1: cell c's
 * degradation g0[c] (CORE_RESIDUAL / g0[c])^s (geometric: g spans six decades) and its row's axis
 * contact areas scaled by g / g0[c] (area0: n x iw), the contact letting go of the row's axis
 * nodes as the core cell under them loses its stiffness (with the contact switched off at once
 * the compressed core cell, still stiff, threw the free axis node up through the ghost cells
 * above it and Newton stalled, det F <= 0 in the line search). */
static enum ns_status release_phase(struct pen_run *pr, int jlo, int n, const double *g0, const double *area0, double s,
                                    struct ns_err *err) {
  const int iw = pr->chain.iw;
  for (int c = 0; c < n; c++) {
    const double g = s >= 1.0 ? CORE_RESIDUAL : g0[c] * pow(CORE_RESIDUAL / g0[c], s);
    set_core_g(pr, jlo + c, g);
    for (int i = 0; i < iw; i++)
      NS_TRY(ns_contact_set_area(pr->chain.axis[jlo + c], (size_t)i, area0[(size_t)c * (size_t)iw + (size_t)i] * g / g0[c], err));
  }
  return NS_OK;
}

/* Re-equilibrate the released group of rows (core cells jlo .. jlo + n - 1 under them; their
 * ties already broken) with the needle frozen: a continuation in s from 0 to 1 over the
 * pseudo-time dt_aug (release_phase, every cell of the group together), in increments that are
 * each a normal substep from the last (the first try is the whole path at once); an increment
 * that does not converge is undone (the mechanics keeps its committed state, the phase is put
 * back) and halved, down to 1 / GRIFFITH_RAMP_MIN of the path, and doubled again after a success.
 * At s = 1 the rows' axis contacts leave the chain (axis_on 0) and the contact areas are reset.
 * *ok: 1 when s reached 1 (the state is the released equilibrium), 0 when an increment failed at
 * the smallest size (the caller restores the checkpoint). Returns only hard errors (not
 * NS_ECONV). msg: the last failure's message. */
static enum ns_status release_solve(struct pen_run *pr, int jlo, int n, double dt_aug, int *ok, char *msg,
                                    size_t msg_size, struct ns_err *err) {
  const struct ns_mech_opts o_run = ns_mech_get_opts(pr->m);
  struct ns_mech_opts o_aug = o_run;
  const int iw = pr->chain.iw;
  *ok = 0;
  double *g0 = malloc((size_t)n * (size_t)(iw + 1) * sizeof *g0);
  if (!g0) return ns_err_set(err, NS_ENOMEM, "penetration: out of memory for a release of %d rows", n);
  double *area0 = g0 + n;
  for (int c = 0; c < n; c++) {
    size_t na;
    const struct ns_contact_node *an = ns_contact_nodes(pr->chain.axis[jlo + c], &na);
    for (int i = 0; i < iw; i++) area0[(size_t)c * (size_t)iw + (size_t)i] = an[i].area;
    g0[c] = pr->gcore[jlo + c];
  }
  double s = 0.0, ds = 1.0;
  enum ns_status st = NS_OK;
  while (s < 1.0 && st == NS_OK) {
    const double s1 = ds >= 1.0 - s ? 1.0 : s + ds;
    const double h = (s1 - s) * dt_aug;
    /* One halving inside the mechanics at most: with the needle frozen a shorter pseudo-time is
     * nearly the same problem (QLV at its instantaneous modulus); the continuation's smaller
     * increments are what help. */
    o_aug.dt_max = h;
    o_aug.dt_min = 0.5 * h;
    ns_mech_set_opts(pr->m, &o_aug);
    ns_mech_set_substep(pr->m, h);
    if ((st = release_phase(pr, jlo, n, g0, area0, s1, err)) != NS_OK) break;
    struct ns_err e2 = NS_ERR_INIT;
    st = ns_mech_step(pr->m, ns_mech_time(pr->m) + h, &e2);
    if (st == NS_OK) {
      pr->path.t_shift += h;
      s = s1;
      ds *= 2.0;
      continue;
    }
    if (st != NS_ECONV) {
      ns_err_set(err, st, "penetration: release trial: %s", e2.msg);
      break;
    }
    st = NS_OK;
    snprintf(msg, msg_size, "%s", e2.msg);
    if ((st = release_phase(pr, jlo, n, g0, area0, s, err)) != NS_OK) break;
    ds *= 0.5;
    if (ds < 1.0 / GRIFFITH_RAMP_MIN) break;
    pr->ramp_cuts++;
  }
  ns_mech_set_opts(pr->m, &o_run);
  for (int c = 0; c < n; c++)
    for (int i = 0; i < iw; i++) {
      const enum ns_status sa =
          ns_contact_set_area(pr->chain.axis[jlo + c], (size_t)i, area0[(size_t)c * (size_t)iw + (size_t)i], err);
      if (st == NS_OK) st = sa;
    }
  free(g0);
  NS_TRY(st);
  *ok = s >= 1.0;
  for (int c = 0; c < n && *ok; c++) pr->chain.axis_on[jlo + c] = 0;
  return NS_OK;
}

/* Whether the release trial after the output step that ends at tip travel z is due: always with
 * griffith_every_step, and otherwise always until two trials have been rejected since the last accepted release (a running cut is tried
 * every step), then when z reaches the travel due_z at which the extrapolated q reaches
 * GRIFFITH_Q_TRY, or GRIFFITH_TRY_EVERY output steps after the last trial. */
static int griffith_due(const struct pen_run *pr, double z) {
  return pr->s->griffith_every_step || pr->nrej < 2 || z >= pr->due_z || pr->wait + 1 >= GRIFFITH_TRY_EVERY;
}

/* Book a rejected trial at tip travel z with ratio q (R / (G_c A); NAN: the re-equilibration did
 * not converge, no measurement) and extrapolate due_z from the last two measurements: the travel
 * at which their straight line reaches GRIFFITH_Q_TRY (z itself when q is already there; never,
 * i.e. GRIFFITH_TRY_EVERY decides, when q does not rise). */
static void griffith_note(struct pen_run *pr, double z, double q) {
  if (isnan(q)) return;
  pr->rej_z[0] = pr->rej_z[1];
  pr->rej_q[0] = pr->rej_q[1];
  pr->rej_z[1] = z;
  pr->rej_q[1] = q;
  if (pr->nrej < 2) pr->nrej++;
  if (pr->nrej < 2) return;
  const double dz = pr->rej_z[1] - pr->rej_z[0], dq = pr->rej_q[1] - pr->rej_q[0];
  if (q >= GRIFFITH_Q_TRY) pr->due_z = z;
  else if (dz > 0.0 && dq > 0.0) pr->due_z = z + (GRIFFITH_Q_TRY - q) * dz / dq;
  else pr->due_z = HUGE_VAL;
}

/* After a committed output step (cut_law griffith): release on trial the group of the shallowest
 * intact rows k, k - 1, ... whose summed tie height comes closest to GRIFFITH_ADVANCE x r0 (at
 * least one row; a row joins while the group's height up to the row's middle stays within it);
 * their ties broken, G_c A booked by each tie; their axis contacts off; the core cells below
 * them, k - 1 down, degraded to the residual together by release_solve) with the needle frozen
 * for a pseudo-time dt_aug (<< every Prony time, so QLV sees an almost instantaneous change), and
 * keep it when the energy released, the drop of the held energy minus what the re-equilibration
 * dissipated (both without the released core cells: their energy at the checkpoint is freed, what
 * the trial leaves in them or books as their QLV dissipation went into the removed material), is
 * at least the sum of G_c A of the group's ties (to the fracture energy, the
 * excess to the jump loss: a brittle
 * jump with nowhere to go quasi-statically); otherwise restore the checkpoint exactly. Repeats
 * while releases are accepted, at most GRIFFITH_MAX_ROWS trials (groups). A trial whose re-equilibration
 * does not converge is rejected and counted (trial_failed). The output step's first trial only
 * when griffith_due says so (else counted in skipped); each rejection is booked by griffith_note. */
static enum ns_status griffith_advance(struct pen_run *pr, double dt_aug, struct ns_err *err) {
  size_t nt;
  const struct ns_cohesive_tie *t = ns_cohesive_ties(pr->coh, &nt);
  const int max_rows = pr->s->griffith_rows > 0 ? pr->s->griffith_rows : (pr->s->griffith_rows < 0 ? 0 : GRIFFITH_MAX_ROWS);
  const double z = -tip_of(ns_mech_time(pr->m), &pr->path);
  if (max_rows > 0 && !griffith_due(pr, z)) {
    pr->skipped++;
    pr->wait++;
    return NS_OK;
  }
  pr->wait = 0;
  const double adv = GRIFFITH_ADVANCE * pr->pg.r0; /* crack advance of one trial [m] */
  for (int rows = 0; rows < max_rows; rows++) {
    size_t k = nt;
    while (k > 0 && t[k - 1].broken) k--;
    /* Tie 0 is the fixed bottom's node: never released. */
    if (k <= 1) break;
    k--;
    double d0, d1;
    const double e0 = held_energy(pr, &d0);
    const double dt_run = ns_mech_dt(pr->m);
    const long newton0 = ns_mech_get_stats(pr->m)->newton_iters;
    snap_save(pr);
    pr->path.z_frozen = tip_of(ns_mech_time(pr->m), &pr->path);
    pr->path.frozen = 1;
    /* The group: rows k, k - 1, ... while the next row's middle stays within the advance adv
     * (at least one row; tie 0 never), their ties broken, then re-equilibrated together. */
    double gca = 0.0, len = 0.0;
    long nrel = 0;
    enum ns_status st = NS_OK;
    for (size_t m = k; m >= 1 && st == NS_OK; m--) {
      const double h = t[m].area / (TWO_PI * pr->pg.r0);
      if (nrel > 0 && len + 0.5 * h > adv) break;
      st = ns_cohesive_break(pr->coh, m, err);
      gca += pr->coh_laws[t[m].law].toughness * t[m].area;
      len += h;
      nrel++;
    }
    int ok = 0;
    char msg[NS_ERR_MSG_MAX] = "";
    /* The group's core cells: the material the cut removes. Their energy at the checkpoint (in
     * e0) is freed; what the trial leaves in them or books as their QLV dissipation (a collapsing
     * cell's branch stress times its strain change, section 5 item 16) went into the removed
     * material, i.e. was released too: neither is held nor dissipated by the body. */
    const int jlo = (int)(k - (size_t)nrel);
    for (int j = jlo; j < jlo + (int)nrel; j++)
      for (int i = 0; i < pr->chain.iw; i++) pr->relcells[(size_t)j * (size_t)pr->chain.nr + (size_t)i] = 1;
    ns_mech_energy_select(pr->m, pr->relcells);
    if (st == NS_OK) st = release_solve(pr, jlo, (int)nrel, dt_aug, &ok, msg, sizeof msg, err);
    pr->path.frozen = 0;
    pr->trials++;
    pr->trial_newton += ns_mech_get_stats(pr->m)->newton_iters - newton0;
    double rel_visc = 0.0;
    const double rel_held = st == NS_OK && ok ? released_cells(pr, jlo, (int)nrel, &rel_visc) : 0.0;
    ns_mech_energy_select(pr->m, NULL);
    for (int j = jlo; j < jlo + (int)nrel; j++)
      for (int i = 0; i < pr->chain.iw; i++) pr->relcells[(size_t)j * (size_t)pr->chain.nr + (size_t)i] = 0;
    NS_TRY(st);
    if (!ok) pr->trial_failed++;
    /* R = the drop of the energy the body holds, less what the body dissipated. */
    const double released = ok ? (e0 - (held_energy(pr, &d1) - rel_held)) - (d1 - d0 - rel_visc) : -HUGE_VAL;
    if (ok && released >= gca) {
      pr->jump += released - gca;
      pr->releases += nrel;
      pr->nrej = 0;
      ns_mech_set_substep(pr->m, dt_run);
      continue;
    }
    griffith_note(pr, z, ok ? released / gca : NAN);
    NS_TRY(snap_restore(pr, err));
    break;
  }
  return NS_OK;
}

/* Smallest cell-centre J of an intact core cell (g = 1) at the committed state (NAN: none). */
static double core_j_min(const struct pen_run *pr) {
  const struct pen_chain *c = &pr->chain;
  const double *jac = ns_mech_cell_jacobian(pr->m);
  double jm = NAN;
  for (int j = 0; j < c->ncore; j++)
    for (int i = 0; i < c->iw && pr->gcore[j] == 1.0; i++) {
      const double v = jac[(size_t)j * (size_t)c->nr + (size_t)i];
      jm = isnan(jm) ? v : fmin(jm, v);
    }
  return jm;
}

/* z size of the cell containing depth d (the last cell below the grid). */
static double cell_at_depth(const struct ns_grid *g, double d) {
  const double *z = g->x[1];
  for (int j = g->n[1] - 1; j > 0; j--)
    if (-z[j - 1] >= d) return z[j] - z[j - 1];
  return z[1] - z[0];
}

enum ns_status ns_pen_run(const struct ns_pen_spec *s, struct ns_pen_result *res, struct ns_err *err) {
  memset(res, 0, sizeof *res);
  NS_TRY(ns_pen_check(s, err));
  const double t0w = omp_get_wtime();
  struct pen_run pr;
  memset(&pr, 0, sizeof pr);
  pr.s = s;
  NS_TRY(pen_grid_build(s, &pr.pg, err));
  const int threads_before = omp_get_max_threads();
  const int threads = s->threads > 0 ? s->threads : ns_mg_threads(pr.pg.g->nnodes);
  omp_set_num_threads(threads);
  enum ns_status st = NS_OK;
  const double t_end = s->travel / s->speed, dt_out = t_end / s->steps;
  pr.path.speed = s->speed;
  pr.path.t_end = t_end;
  pr.path.t_shift = 0.0;
  res->cut_radius = pr.pg.r0;
  pr.griffith = s->fracture && s->cut_law == NS_PEN_CUT_GRIFFITH;
  res->cut_viscosity = s->fracture && !pr.griffith ? cut_viscosity_of(s) : 0.0;
  res->core_j_min = NAN;
  res->tie_stiffness = s->fracture && tie_stiffness_given(s) ? s->tie_stiffness : 0.0;
  if ((st = setup(&pr, err)) != NS_OK) goto done;
  if (s->log) ns_mech_set_log(pr.m, s->log, s->log_ctx);
  if (pr.coh) {
    const struct ns_cohesive_tie *t = ns_cohesive_ties(pr.coh, &res->ntie);
    res->tie_z = malloc((res->ntie ? res->ntie : 1) * sizeof *res->tie_z);
    if (!res->tie_z) {
      st = ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
      goto done;
    }
    for (size_t i = 0; i < res->ntie; i++) res->tie_z[i] = pr.pg.g->x[1][t[i].node / (size_t)pr.pg.g->n[0]];
  }
  size_t cap = (size_t)s->steps + 1;
  if ((st = grow_series(res, cap, err)) != NS_OK) goto done;
  ns_mech_energy_reset(pr.m);
  pr.stored0 = core_stored(&pr);
  record(res, 0, &pr, 0.0);
  res->n = 1;
  struct ns_contact_aug aug = {s->aug_updates, 0.0, AUG_DT_REL * dt_out};
  int perforated[NS_NLAYERS] = {0};
  size_t broken_before = 0;
  double t = 0.0;
  const double t_eps = 1e-9 * t_end;
  while (t < t_end - t_eps) {
    double dt = fmin(dt_out, t_end - t);
    if (s->fracture) {
      /* The tip moves at most one z cell (at its current depth) per output step. */
      const double h = cell_at_depth(pr.pg.g, s->speed * t);
      dt = fmin(dt, h / s->speed);
      struct ns_mech_opts o = ns_mech_get_opts(pr.m);
      o.dt_max = dt;
      o.dt_min = 1e-6 * dt;
      ns_mech_set_opts(pr.m, &o);
      /* The mechanics' clock runs ahead of the insertion time by the release trials' pseudo-time
       * (griffith; 0 otherwise, where t + dt is kept as the target bit for bit). */
      if ((st = ns_mech_step(pr.m, pr.griffith ? ns_mech_time(pr.m) + dt : t + dt, err)) != NS_OK) goto done;
    } else {
      /* Augmentation re-equilibrations (tip frozen) advance the mechanics clock by dt_aug each
       * (<< every Prony time); the insertion time is the clock minus that pseudo-time. */
      if ((st = ns_contact_step(pr.m, pr.top, ns_mech_time(pr.m) + dt, &aug, NULL, err)) != NS_OK) goto done;
      pr.path.t_shift = ns_mech_time(pr.m) - (t + dt);
    }
    t += dt;
    core_update(&pr);
    if (pr.griffith && (st = griffith_advance(&pr, AUG_DT_REL * dt, err)) != NS_OK) goto done;
    if (pr.coh) {
      const double jm = core_j_min(&pr);
      if (!isnan(jm)) res->core_j_min = isnan(res->core_j_min) ? jm : fmin(res->core_j_min, jm);
    }
    if (res->n == cap) {
      cap *= 2;
      if ((st = grow_series(res, cap, err)) != NS_OK) goto done;
    }
    const size_t k = res->n++;
    record(res, k, &pr, t);
    res->peak_force = fmax(res->peak_force, res->force[k]);
    /* Jump loss: a step in which ties broke and the ledger residual grew released that energy
     * in a jump (quasi-static: it has nowhere to go). */
    size_t broken = 0;
    if (pr.coh) {
      struct ns_cohesive_energy ce;
      ns_cohesive_energy(pr.coh, &ce);
      broken = ce.broken;
    }
    const double dres = ledger_residual(res, k) - ledger_residual(res, k - 1);
    if (pr.griffith)
      res->jump_loss[k] = pr.jump; /* booked by each accepted release */
    else if (broken > broken_before && dres > 0.0)
      res->jump_loss[k] += dres;
    broken_before = broken;
    /* Perforations, in layer order. */
    for (int l = 0; l < NS_NLAYERS; l++) {
      const double bottom = s->skin->layer[l].bottom;
      if (perforated[l] || !(bottom < s->depth) || res->cut_depth[k] < bottom - FRONT_TOL * s->depth) continue;
      perforated[l] = 1;
      struct ns_pen_event ev = {l, t, res->tip_depth[k], res->force[k - 1], res->deflection[k - 1], res->cut_depth[k]};
      if ((st = add_event(res, &pr, &ev, err)) != NS_OK) goto done;
    }
    if (ns_cfg_given(s->force_limit) && res->force[k] >= s->force_limit) {
      res->stopped_by_force = 1;
      break;
    }
  }
  {
    double wmax = 0.0;
    for (size_t k = 0; k < res->n; k++) wmax = fmax(wmax, fabs(res->work[k]));
    for (size_t k = 0; k < res->n && wmax > 0.0; k++) {
      const double rres = ledger_residual(res, k);
      res->energy_error_raw = fmax(res->energy_error_raw, fabs(rres) / wmax);
      res->energy_error = fmax(res->energy_error, fabs(rres - res->jump_loss[k]) / wmax);
    }
  }
  {
    const size_t kl = res->n - 1;
    const struct ns_skin *sk = s->skin;
    res->max_cut_depth = res->cut_depth[kl];
    res->embedded_length = res->tip_depth[kl] - res->deflection[kl];
    res->penetration_fraction = res->max_cut_depth / s->needle.length;
    res->deepest_layer = res->max_cut_depth > 0.0 ? (int)ns_skin_layer_at(sk, res->max_cut_depth * (1.0 - 1e-9)) : -1;
    res->dermis_depth = fmax(0.0, res->max_cut_depth - sk->layer[NS_LAYER_PAPILLARY_DERMIS].top);
    res->reached_capillary_loops = res->max_cut_depth >= sk->capillary_loop_depth.value;
    res->reached_superficial_plexus = res->max_cut_depth >= sk->superficial_plexus_depth.value;
    /* Puncture force: the peak of the force over the output points before the stratum corneum's
     * perforation, i.e. the force at the first drop, as it is read off a measured force-travel
     * curve (Davis et al. 2004 J Biomech 37:1155: the insertion force is the force at the
     * discontinuity where the needle punctures; Roemgens et al. 2014). The cut's first ties break
     * (and the core they carry gives way under the cap) one or two output points before the cut
     * front reaches the layer's bottom, so the force just before that event can lie after the
     * drop: measured for a 20 um tip, 6.07 mN at the peak, 5.26 mN at the last point before the
     * event (docs/penetration.md section 4, pen_blunt). Tenting stays the deflection at that
     * last point. */
    res->puncture_force = res->tenting = NAN;
    for (size_t i = 0; i < res->nevents; i++)
      if (res->events[i].layer == NS_LAYER_STRATUM_CORNEUM) {
        double fmx = -INFINITY;
        for (size_t k = 0; k < res->n && res->time[k] < res->events[i].time; k++) fmx = fmax(fmx, res->force[k]);
        res->puncture_force = fmx;
        res->tenting = res->events[i].deflection;
      }
  }
  if (s->snapshots && (st = keep_fields(res, &pr, err)) != NS_OK) goto done;
  {
    const struct ns_mech_stats *ms = ns_mech_get_stats(pr.m);
    res->newton_iters = ms->newton_iters;
    res->linear_iters = ms->linear_iters;
    res->substeps = ms->steps_accepted;
    res->substeps_rejected = ms->steps_rejected;
    res->t_linear = ms->t_linear;
    res->griffith_trials = pr.trials;
    res->griffith_releases = pr.releases;
    res->griffith_newton = pr.trial_newton;
    res->griffith_failed = pr.trial_failed;
    res->griffith_ramp_cuts = pr.ramp_cuts;
    res->griffith_skipped = pr.skipped;
  }
  res->wall_s = omp_get_wtime() - t0w;
done:
  omp_set_num_threads(threads_before);
  ns_cohesive_free(pr.coh);
  ns_contact_free(pr.wall);
  for (size_t i = 0; i < pr.chain.naxis && pr.chain.axis; i++) ns_contact_free(pr.chain.axis[i]);
  free(pr.chain.axis);
  free(pr.chain.axis_on);
  free(pr.gcore);
  free(pr.gnext);
  free(pr.crushed);
  free(pr.snap);
  free(pr.relcells);
  ns_contact_free(pr.top);
  ns_mech_free(pr.m);
  pen_grid_free(&pr.pg);
  if (st != NS_OK) ns_pen_result_free(res);
  return st;
}

/* One snapshot group: u, stress (and the ties) with an XDMF entry. */
static enum ns_status write_snapshot(const struct ns_pen_result *r, struct ns_writer *w, const char *group,
                                     const char *name, const char *desc, double time, const double *u,
                                     const double *stress, const double *dmg, const double *open,
                                     double *xdmf_time, struct ns_err *err) {
  char p[260], pr[240], pz[240], pl[240], pu[300], ps[300], q[300];
  snprintf(pr, sizeof pr, "%s/grid/r", group);
  snprintf(pz, sizeof pz, "%s/grid/z", group);
  snprintf(pl, sizeof pl, "%s/grid/layer", group);
  const size_t n0 = (size_t)r->nr + 1, n1 = (size_t)r->nz + 1;
  const size_t cd[3] = {(size_t)r->nz, (size_t)r->nr, 6}, nd[3] = {n1, n0, 3};
  snprintf(p, sizeof p, "%s/snapshots/%s", group, name);
  NS_TRY(ns_writer_group(w, p, desc, err));
  NS_TRY(ns_writer_attr_double(w, p, "time", time, "s", err));
  snprintf(pu, sizeof pu, "%s/u", p);
  snprintf(ps, sizeof ps, "%s/stress", p);
  NS_TRY(ns_writer_dataset(w, pu, 3, nd, u, "m", "nodal displacement [z][r][u_r, u_z, 0]", err));
  NS_TRY(ns_writer_dataset(w, ps, 3, cd, stress, "Pa", "Cauchy stress per cell [z][r][rr, zz, thth, rz, 0, 0]",
                           err));
  if (r->ntie && dmg) {
    snprintf(q, sizeof q, "%s/tie_damage", p);
    NS_TRY(ns_writer_dataset(w, q, 1, &r->ntie, dmg, "1", "damage of each wall tie (order of grid/tie_z)", err));
    snprintf(q, sizeof q, "%s/tie_opening", p);
    NS_TRY(ns_writer_dataset(w, q, 1, &r->ntie, open, "m", "opening u_r of each wall tie (order of grid/tie_z)",
                             err));
  }
  /* XDMF times must increase strictly: a snapshot at the time of the previous one (two layers
   * perforated in one step, or at the last step) is written to the file but not to the sidecar. */
  if (!(time > *xdmf_time)) return NS_OK;
  *xdmf_time = time;
  const struct ns_xdmf_field f[] = {{"u", pu, 3, 0}, {"stress", ps, 6, 1}, {"layer", pl, 1, 1}};
  const size_t ndims[3] = {n0, n1, 1};
  const char *const coords[3] = {pr, pz, NULL};
  char gname[64];
  const char *slash = strrchr(group, '/');
  snprintf(gname, sizeof gname, "pen_%s", slash ? slash + 1 : group);
  return ns_writer_xdmf_snapshot(w, gname, time, 2, ndims, coords, 3, f, err);
}

enum ns_status ns_pen_write(const struct ns_pen_result *r, struct ns_writer *w, const char *group,
                            struct ns_err *err) {
  char p[200], q[320];
  snprintf(p, sizeof p, "%s/series", group);
  NS_TRY(ns_writer_group(w, p, "needle insertion history, one entry per output step", err));
  struct {
    const char *name;
    const double *data;
    const char *units, *desc;
  } ds[] = {
      {"time", r->time, "s", "time since first contact"},
      {"tip_z", r->tip_z, "m", "needle tip position (0 = undeformed surface, < 0 below)"},
      {"force", r->force, "N", "axial force of the tissue on the needle (> 0 resists insertion)"},
      {"force_friction", r->force_friction, "N", "friction part of the axial force"},
      {"force_deformation", NULL, "N", "non-frictional part of the axial force (normal contact pressure)"},
      {"force_fracture", r->force_fracture, "N",
       "cutting force: increment of the fracture energy over the increment of tip travel"},
      {"tip_depth", r->tip_depth, "m", "tip depth below the undeformed surface"},
      {"surface_deflection", r->deflection, "m",
       "surface deflection at the needle (axis node, or the top of the cut wall; downward > 0)"},
      {"cut_depth", r->cut_depth, "m", "deepest broken wall tie (undeformed depth; 0 = nothing cut)"},
      {"work", r->work, "J", "cumulative work of the needle on the tissue"},
      {"stored_energy", r->stored, "J", "stored (free) energy change of the tissue since first contact"},
      {"tie_energy", r->tie_energy, "J", "elastic energy in the wall ties"},
      {"fracture_energy", r->fracture_energy, "J", "cumulative fracture energy (cohesive dissipation)"},
      {"kinetic_energy", r->kinetic, "J", "kinetic energy"},
      {"viscous_dissipation", r->viscous, "J", "cumulative QLV dissipation"},
      {"numerical_dissipation", r->numerical, "J",
       "cumulative algorithmic dissipation of the generalized-alpha integrator (0 without inertia)"},
      {"friction_dissipation", r->friction, "J", "cumulative frictional dissipation"},
      {"interface_energy", r->interface, "J", "penalty (interface) energy of the contact"},
      {"core_release", r->core_release, "J",
       "cumulative energy released by the sacrificial core r < r0 as the cut passes: stored energy of the core "
       "cells at each lowering of their degradation, penalty energy of axis nodes leaving the contact"},
      {"jump_loss", r->jump_loss, "J",
       "cumulative energy released in steps where ties broke and the ledger residual grew (quasi-static jumps)"},
  };
  double *tmp = malloc((r->n ? r->n : 1) * sizeof *tmp);
  if (!tmp) return ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
  for (size_t k = 0; k < r->n; k++) tmp[k] = r->force[k] - r->force_friction[k];
  enum ns_status st = NS_OK;
  for (size_t i = 0; i < sizeof ds / sizeof ds[0] && st == NS_OK; i++) {
    snprintf(q, sizeof q, "%s/%s", p, ds[i].name);
    st = ns_writer_dataset(w, q, 1, &r->n, ds[i].data ? ds[i].data : tmp, ds[i].units, ds[i].desc, err);
  }
  free(tmp);
  NS_TRY(st);
  NS_TRY(ns_writer_attr_double(w, p, "peak_force", r->peak_force, "N", err));
  NS_TRY(ns_writer_attr_double(w, p, "energy_balance_error", r->energy_error, "1", err));
  NS_TRY(ns_writer_attr_double(w, p, "energy_balance_error_raw", r->energy_error_raw, "1", err));
  NS_TRY(ns_writer_attr_int(w, p, "newton_iterations", r->newton_iters, err));
  NS_TRY(ns_writer_attr_int(w, p, "substeps", r->substeps, err));
  /* Summary. */
  snprintf(p, sizeof p, "%s/summary", group);
  NS_TRY(ns_writer_group(w, p, "penetration summary (docs/penetration.md)", err));
  {
    struct {
      const char *name;
      double v;
      const char *units;
    } sv[] = {{"peak_force", r->peak_force, "N"},
              {"puncture_force", r->puncture_force, "N"},
              {"tenting", r->tenting, "m"},
              {"max_cut_depth", r->max_cut_depth, "m"},
              {"embedded_length", r->embedded_length, "m"},
              {"penetration_fraction", r->penetration_fraction, "1"},
              {"dermis_depth", r->dermis_depth, "m"},
              {"cut_radius", r->cut_radius, "m"},
              {"cut_viscosity", r->cut_viscosity, "s"},
              {"tie_stiffness", r->tie_stiffness, "Pa/m"},
              {"jump_loss", r->n ? r->jump_loss[r->n - 1] : 0.0, "J"},
              {"core_j_min", r->core_j_min, "1"},
              {"wall_time", r->wall_s, "s"}};
    for (size_t i = 0; i < sizeof sv / sizeof sv[0]; i++) NS_TRY(ns_writer_attr_double(w, p, sv[i].name, sv[i].v, sv[i].units, err));
    NS_TRY(ns_writer_attr_int(w, p, "deepest_layer", r->deepest_layer, err));
    NS_TRY(ns_writer_attr_int(w, p, "reached_capillary_loops", r->reached_capillary_loops, err));
    NS_TRY(ns_writer_attr_int(w, p, "reached_superficial_plexus", r->reached_superficial_plexus, err));
    NS_TRY(ns_writer_attr_int(w, p, "stopped_by_force", r->stopped_by_force, err));
    NS_TRY(ns_writer_attr_int(w, p, "griffith_trials", r->griffith_trials, err));
    NS_TRY(ns_writer_attr_int(w, p, "griffith_releases", r->griffith_releases, err));
    NS_TRY(ns_writer_attr_int(w, p, "griffith_failed", r->griffith_failed, err));
    NS_TRY(ns_writer_attr_int(w, p, "griffith_ramp_cuts", r->griffith_ramp_cuts, err));
    NS_TRY(ns_writer_attr_int(w, p, "griffith_skipped", r->griffith_skipped, err));
    NS_TRY(ns_writer_attr_int(w, p, "griffith_newton", r->griffith_newton, err));
    NS_TRY(ns_writer_attr_int(w, p, "newton_iterations", r->newton_iters, err));
  }
  /* Events. */
  if (r->nevents) {
    const size_t ne = r->nevents;
    double *buf = malloc(5 * ne * sizeof *buf);
    int64_t *lay = malloc(ne * sizeof *lay);
    if (!buf || !lay) {
      free(buf);
      free(lay);
      return ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
    }
    for (size_t i = 0; i < ne; i++) {
      lay[i] = r->events[i].layer;
      buf[i] = r->events[i].time;
      buf[ne + i] = r->events[i].tip_depth;
      buf[2 * ne + i] = r->events[i].force;
      buf[3 * ne + i] = r->events[i].deflection;
      buf[4 * ne + i] = r->events[i].cut_depth;
    }
    snprintf(p, sizeof p, "%s/events", group);
    st = ns_writer_group(w, p, "layer perforations: the cut front (deepest broken tie) passed the layer's bottom",
                         err);
    const char *names[5] = {"time", "tip_depth", "force", "deflection", "cut_depth"};
    const char *units[5] = {"s", "m", "N", "m", "m"};
    const char *descs[5] = {"time of the perforation", "tip depth below the undeformed surface",
                            "force on the needle at the last output point before the perforation",
                            "surface deflection at the needle at that point", "cut depth after the perforation"};
    if (st == NS_OK) {
      snprintf(q, sizeof q, "%s/layer", p);
      st = ns_writer_dataset_int(w, q, 1, &ne, lay, "1", "perforated layer id (enum ns_layer_id)", err);
    }
    for (int i = 0; i < 5 && st == NS_OK; i++) {
      snprintf(q, sizeof q, "%s/%s", p, names[i]);
      st = ns_writer_dataset(w, q, 1, &ne, buf + (size_t)i * ne, units[i], descs[i], err);
    }
    free(buf);
    free(lay);
    NS_TRY(st);
  }
  if (!r->u) return NS_OK;
  char pr[240], pz[240], pl[240];
  snprintf(pr, sizeof pr, "%s/grid/r", group);
  snprintf(pz, sizeof pz, "%s/grid/z", group);
  snprintf(pl, sizeof pl, "%s/grid/layer", group);
  const size_t n0 = (size_t)r->nr + 1, n1 = (size_t)r->nz + 1;
  NS_TRY(ns_writer_dataset(w, pr, 1, &n0, r->r, "m", "radial node coordinates (0 = axis; cutting model: the sacrificial core r < cut_radius, the cut wall at r = cut_radius)",
                           err));
  NS_TRY(ns_writer_dataset(w, pz, 1, &n1, r->z, "m", "vertical node coordinates (0 = skin surface)", err));
  const size_t cd[2] = {(size_t)r->nz, (size_t)r->nr};
  NS_TRY(ns_writer_dataset_int(w, pl, 2, cd, r->layer, "1", "layer id per cell [z][r]", err));
  if (r->ntie) {
    snprintf(q, sizeof q, "%s/grid/tie_z", group);
    NS_TRY(ns_writer_dataset(w, q, 1, &r->ntie, r->tie_z, "m", "reference z of each wall tie (r = r[0])", err));
  }
  const size_t nn = n0 * n1, nc = (size_t)r->nr * (size_t)r->nz;
  double xdmf_time = -HUGE_VAL;
  for (size_t i = 0; i < r->nevents && r->event_u; i++) {
    char name[64], desc[96];
    snprintf(name, sizeof name, "event_%zu_%s", i, ns_layer_name((enum ns_layer_id)r->events[i].layer));
    snprintf(desc, sizeof desc, "fields when the cut front passed the bottom of the %s",
             ns_layer_name((enum ns_layer_id)r->events[i].layer));
    NS_TRY(write_snapshot(r, w, group, name, desc, r->events[i].time, r->event_u + i * 3 * nn,
                          r->event_stress + i * 6 * nc, r->ntie ? r->event_tie_damage + i * r->ntie : NULL,
                          r->ntie ? r->event_tie_opening + i * r->ntie : NULL, &xdmf_time, err));
  }
  return write_snapshot(r, w, group, "max_insertion", "fields at maximum insertion", r->time[r->n - 1], r->u,
                        r->stress, r->tie_damage, r->tie_opening, &xdmf_time, err);
}
