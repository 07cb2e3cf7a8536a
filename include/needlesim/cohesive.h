/* needlesim/cohesive.h — cohesive ties: a crack along a known path (a grid face) with an
 * energy-based traction-separation law.
 *
 * Use: the needle's cut in the penetration study (the inner wall r = r0 of an annular
 * axisymmetric grid is tied radially to its reference position until the needle's tip wedges it
 * open: Oldfield, Dini, Giordano & Rodriguez y Baena 2013, Comput Methods Biomech Biomed Eng
 * 16:530, cohesive elements along the insertion path); later the channel faces in closure and the
 * track plane of roller drag. Each tie joins one grid node to its reference position in one
 * displacement component c (the opening is delta = sign * u_c, e.g. u_r on the hole wall): a tie
 * sits on a symmetry surface of the crack (or against a rigid substrate), so its traction acts on
 * one face and its opening is the displacement of that face, i.e. half the crack opening on a
 * symmetry plane (choose G_c per face accordingly); each use documents its choice.
 *
 * Law (per unit reference area A_i of the tie, per node): bilinear (triangular) softening with
 * irreversible damage,
 *   t(delta) = K delta                                  delta <= delta_0 = sigma_c / K
 *   t(delta) = (1 - D) K delta, D from the history kappa = max_t delta:
 *              D(kappa) = delta_c (kappa - delta_0) / (kappa (delta_c - delta_0))
 *              (linear softening from sigma_c at delta_0 to 0 at delta_c = 2 G_c / sigma_c)
 *   t(delta) = K delta for delta < 0 (compression: penalty, never damaged).
 * Unloading from kappa is linear to the origin with the secant slope (1 - D(kappa)) K.
 * The law needs delta_0 < delta_c, i.e. K > sigma_c^2 / (2 G_c) (checked). K is a penalty
 * ("initially rigid" law): choose K = factor * E / h with E the adjacent cell's Young's modulus,
 * h its size normal to the face and factor ~ 100 (as the contact penalty), so delta_0 << delta_c.
 *
 * Energies (state functions of the committed opening and kappa, so a ledger that sums them is
 * exact, with no time-integration error):
 *   stored     = 1/2 (1 - D) K delta^2   (compression: 1/2 K delta^2)
 *   dissipated = W(kappa) - 1/2 (1 - D(kappa)) K kappa^2, W(kappa) the work along the monotone
 *                curve up to kappa: 0 for kappa <= delta_0, 1/2 (sigma_c kappa - t(kappa) delta_0)
 *                in softening, exactly G_c once D = 1 (all per unit area, times A_i).
 *
 * Time-discrete irreversibility: kappa is committed when the mechanics accepts a substep; within
 * a substep the trial kappa = max(kappa_committed, delta). Tangent: consistent (negative slope
 * -sigma_c / (delta_c - delta_0) while softening: the problem can become indefinite through the
 * tie's scalar derivative, but the extra stays symmetric; the structure must be stiffer than the
 * softening branch, i.e. no snap-back, or use the regularisation) or secant (1 - D) K at the
 * trial kappa (opts.secant = 1, always >= 0; Newton then converges linearly while softening).
 * Optional viscous regularisation (Gao & Bower 2004, Modelling Simul Mater Sci Eng 12:453): a
 * dashpot in parallel with every tie that is not broken (committed D < 1),
 *   t_v = eta (sigma_c / delta_c) d delta / dt,  backward Euler (delta - delta_committed) / dt,
 * so eta [s] is the time in which an opening rate of delta_c per eta adds a traction sigma_c
 * (choose eta << the loading time). Its dissipation, sum of A t_v (delta - delta_committed) over
 * accepted substeps (exact for the backward-Euler dashpot), is reported separately (viscous).
 * Evaluations with dt <= 0 (ns_mech_eval's elastic mode, the initial acceleration) have no
 * dashpot.
 *
 * Functions:
 *   ns_cohesive_law_check     validate a law (NS_EINPUT naming the field)
 *   ns_cohesive_law_traction  traction and slope of a law at an opening and committed kappa
 *   ns_cohesive_law_energy    stored and dissipated energy per unit area
 *   ns_cohesive_create / _free
 *   ns_cohesive_add_node      one tie (node, component, sign, area, law)
 *   ns_cohesive_add_face      every node of a face with its lumped area and a law per node
 *                             chosen by a callback (the layer of the node)
 *   ns_cohesive_extra         the ns_mech_extra (residual, tangent, commit), chaining another
 *                             extra (contact) so both act in one mechanics run
 *   ns_cohesive_update        refresh the ties' opening and traction at any u (no commit)
 *   ns_cohesive_ties          per-tie state (opening, damage, traction, broken flag)
 *   ns_cohesive_energy        stored and dissipated energy (total and per law id)
 *   ns_cohesive_break         release one tie now (an energy criterion decided it; G_c A booked)
 *   ns_cohesive_state_size / _state_save / _state_restore   checkpoint of the ties' history
 */
#ifndef NEEDLESIM_COHESIVE_H
#define NEEDLESIM_COHESIVE_H

#include <stddef.h>

#include "needlesim/grid.h"
#include "needlesim/mech.h"
#include "needlesim/status.h"

/* Traction-separation law of one tie family (e.g. one skin layer). */
struct ns_cohesive_law {
  double strength;  /* sigma_c [Pa] (> 0) */
  double toughness; /* G_c [J/m^2] (> 0) */
  double stiffness; /* K [Pa/m] (> 0); the opening at peak is strength / stiffness */
};

struct ns_cohesive_opts {
  int secant;  /* 1: secant tangent (1 - D) K in softening (always >= 0) */
  double eta;  /* viscous regularisation time [s] (>= 0; 0: rate independent) */
  int elastic; /* 1: no softening: a tie follows t = K delta (both signs, no damage, no history)
                  until ns_cohesive_break releases it; then it carries no tension and a
                  compression penalty K max(0, -delta) rounded (C1) over |delta| < 0.3
                  delta_0 (a wall at delta ~ 0 stalled Newton on the kink), with exactly G_c A
                  dissipated. For cuts that
                  advance by an energy (Griffith) criterion decided outside (penetration.c) */
};
struct ns_cohesive_opts ns_cohesive_opts_defaults(void); /* consistent tangent, eta 0, softening */

/* NS_EINPUT naming the field (strength, toughness, stiffness) unless every value is positive
 * and finite and stiffness > strength^2 / (2 toughness) (delta_0 < delta_c). */
enum ns_status ns_cohesive_law_check(const struct ns_cohesive_law *law, struct ns_err *err);

/* Rate-independent traction [Pa] of a law at opening delta [m] with committed history kappa_c
 * (trial kappa = max(kappa_c, delta)); *slope (may be NULL) receives d t / d delta [Pa/m]: the
 * consistent slope (secant == 0) or the secant (1 - D) K at the trial kappa (secant != 0). At
 * delta == kappa_c (the start of every substep) the loading branch's slope is returned (the
 * softening slope once kappa_c > delta_0), the right Newton predictor for continued opening. */
double ns_cohesive_law_traction(const struct ns_cohesive_law *law, double delta, double kappa_c, int secant,
                                double *slope);

/* Per unit area [J/m^2]: stored = 1/2 (1 - D(kappa)) K delta^2 (1/2 K delta^2 for delta < 0) and
 * dissipated = W(kappa) - 1/2 (1 - D(kappa)) K kappa^2 (exactly G_c for kappa >= delta_c);
 * kappa is the history (>= delta for a consistent state). Either output may be NULL. */
void ns_cohesive_law_energy(const struct ns_cohesive_law *law, double delta, double kappa, double *stored,
                            double *dissipated);

/* State of one tie: at the last commit (or the last ns_cohesive_update). */
struct ns_cohesive_tie {
  size_t node;       /* grid node */
  int comp;          /* displacement component */
  int sign;          /* +1 or -1: opening = sign * u_comp */
  int law;           /* index into the laws given at creation */
  double area;       /* reference area [m^2] (axisymmetric: includes 2 pi r) */
  double opening;    /* delta [m] */
  double kappa;      /* committed history max delta [m] */
  double damage;     /* committed D in [0, 1] */
  double traction;   /* traction [Pa] (> 0 resists opening), dashpot included at a commit */
  int broken;        /* 1 once D = 1 (committed) */
};

struct ns_cohesive; /* opaque */

/* Laws are copied (nlaw >= 1, each validated: NS_EINPUT naming the field). grid borrowed.
 * opts NULL: defaults; NS_EINPUT for eta < 0 or not finite. */
enum ns_status ns_cohesive_create(const struct ns_grid *grid, const struct ns_cohesive_law *laws, int nlaw,
                                  const struct ns_cohesive_opts *opts, struct ns_cohesive **out,
                                  struct ns_err *err);
void ns_cohesive_free(struct ns_cohesive *c);

/* NS_EINPUT naming the field: node >= nnodes, comp outside [0, ndim), sign not +-1, area < 0 or
 * not finite, law outside [0, nlaw), or a second tie on the same (node, comp). */
enum ns_status ns_cohesive_add_node(struct ns_cohesive *c, size_t node, int comp, int sign, double area, int law,
                                    struct ns_err *err);

/* Every node of `face` (enum ns_mech_face) with the lumped reference area of the face, the
 * integral of the node's bilinear shape function over the face (as ns_contact_add_face:
 * axisymmetric 2 pi r0 dz on r = r0 faces, 2 pi r dr on z faces; the areas sum to the face's
 * area exactly); law_of(X, ctx) gives the law index of a node at reference position X (X[2] = 0
 * in 2D; return < 0 to skip the node); law_of NULL: law 0 everywhere. Nodes are added in index
 * order. On an error the ties added before it stay. */
typedef int (*ns_cohesive_law_fn)(const double X[3], void *ctx);
enum ns_status ns_cohesive_add_face(struct ns_cohesive *c, int face, int comp, int sign, ns_cohesive_law_fn law_of,
                                    void *ctx, struct ns_err *err);

/* The extra contribution for ns_mech_set_extra. `chain` (may be NULL) is evaluated first and
 * committed too (copied: the chained object must outlive the mechanics run); the result is
 * symmetric when the chained extra is. */
struct ns_mech_extra ns_cohesive_extra(struct ns_cohesive *c, const struct ns_mech_extra *chain);

/* Opening and traction (rate-independent part) of every tie at displacement u, without
 * committing (kappa, damage and broken stay the committed ones). */
void ns_cohesive_update(struct ns_cohesive *c, const double *u);

/* Ties in the order added (borrowed). */
const struct ns_cohesive_tie *ns_cohesive_ties(const struct ns_cohesive *c, size_t *count);

struct ns_cohesive_energy {
  double stored;      /* elastic energy in the ties at the committed state [J] */
  double dissipated;  /* fracture energy dissipated by damage, committed [J] */
  double viscous;     /* dissipation of the viscous regularisation [J] (0 when eta = 0) */
  double dissipated_law[16]; /* per law id (first 16) [J] */
  size_t broken;      /* ties with D = 1 */
};
/* Totals over the ties at the committed state (state functions; viscous cumulative), summed
 * serially in tie order. */
void ns_cohesive_energy(const struct ns_cohesive *c, struct ns_cohesive_energy *e);

/* Release tie i at the committed state: kappa raised to delta_c, D = 1, broken; from now on no
 * tension (the compression penalty stays) and its dissipated energy is exactly G_c A (its law's
 * toughness times its area), its stored energy 1/2 K delta^2 A (if it was open) released. The
 * caller re-equilibrates. NS_EINPUT for i out of range. */
enum ns_status ns_cohesive_break(struct ns_cohesive *c, size_t i, struct ns_err *err);

/* Checkpoint of the ties' history (per tie: opening, kappa, damage, traction, broken; the
 * committed openings; the last evaluation's substep; the dashpot's dissipation). Not the set-up
 * (laws, options, tie list: restore into the set that saved). Caller-owned buffer of
 * ns_cohesive_state_size(c) bytes, a flat image for this build. NS_EINPUT when the size or the
 * tie list differ. */
size_t ns_cohesive_state_size(const struct ns_cohesive *c);
void ns_cohesive_state_save(const struct ns_cohesive *c, void *buf);
enum ns_status ns_cohesive_state_restore(struct ns_cohesive *c, const void *buf, size_t size, struct ns_err *err);

#endif /* NEEDLESIM_COHESIVE_H */
