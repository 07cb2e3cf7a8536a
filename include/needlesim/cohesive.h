/* needlesim/cohesive.h — cohesive ties: a crack along a known path (a grid face) with an
 * energy-based traction-separation law.
 *
 * Use: the needle's cut in the penetration study (the inner wall r = r0 of an annular
 * axisymmetric grid is tied radially to its reference position until the needle's tip wedges it
 * open: Oldfield, Dini, Giordano & Rodriguez y Baena 2013, Comput Methods Biomech Biomed Eng
 * 16:530, cohesive elements along the insertion path); later the channel faces in closure and the
 * track plane of roller drag. Each tie joins one grid node to its reference position in one
 * displacement component c (the opening is delta = sign * u_c, e.g. u_r on the hole wall): a tie
 * on a symmetry surface of the crack, so the traction acts on one face and the opening is half
 * the crack opening... documented per use.
 *
 * Law (per unit reference area A_i of the tie, per node): bilinear (triangular) softening with
 * irreversible damage,
 *   t(delta) = K delta                                  delta <= delta_0 = sigma_c / K
 *   t(delta) = (1 - D) K delta, D from the history kappa = max_t delta:
 *              D(kappa) = delta_c (kappa - delta_0) / (kappa (delta_c - delta_0))
 *              (linear softening from sigma_c at delta_0 to 0 at delta_c = 2 G_c / sigma_c)
 *   t(delta) = K delta for delta < 0 (compression: penalty, never damaged).
 * The energy dissipated by a tie that is fully opened is exactly G_c A_i (area under the curve,
 * minus nothing stored once D = 1). K is a penalty ("initially rigid" law): default
 * K = stiffness_factor * E / h of the adjacent cell, so delta_0 << delta_c.
 *
 * Time-discrete irreversibility: kappa is committed when the mechanics accepts a substep; within
 * a substep the trial kappa = max(kappa_committed, delta). Tangent: consistent (negative in
 * softening: the problem becomes nonsymmetric-indefinite only through the tie's scalar
 * derivative; the extra is still symmetric) or secant (1 - D) K (opts.secant = 1). Optional
 * viscous regularisation (Gao & Bower 2004): the damage follows its rate-independent target with
 * relaxation time eta [s]; its dissipation is reported separately.
 *
 * Functions:
 *   ns_cohesive_create / _free
 *   ns_cohesive_add_node      one tie (node, component, sign, area, law)
 *   ns_cohesive_add_face      every node of a face with its lumped area and a law per node
 *                             chosen by a callback (the layer of the node)
 *   ns_cohesive_extra         the ns_mech_extra (residual, tangent, commit), chaining another
 *                             extra (contact) so both act in one mechanics run
 *   ns_cohesive_ties          per-tie state (opening, damage, traction, broken flag)
 *   ns_cohesive_energy        stored and dissipated energy (total and per law id)
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
  int secant;  /* 1: secant tangent (1 - D) K in softening (always positive) */
  double eta;  /* viscous regularisation time [s] (0: rate independent) */
};
struct ns_cohesive_opts ns_cohesive_opts_defaults(void); /* consistent tangent, eta 0 */

/* State of one tie (after the last evaluation at the committed or trial state). */
struct ns_cohesive_tie {
  size_t node;       /* grid node */
  int comp;          /* displacement component */
  int sign;          /* +1 or -1: opening = sign * u_comp */
  int law;           /* index into the laws given at creation */
  double area;       /* reference area [m^2] (axisymmetric: includes 2 pi r) */
  double opening;    /* delta [m] (current) */
  double kappa;      /* committed history max delta [m] */
  double damage;     /* committed D in [0, 1] */
  double traction;   /* current traction [Pa] (> 0 resists opening) */
  int broken;        /* 1 once D = 1 (committed) */
};

struct ns_cohesive; /* opaque */

/* Laws are copied (nlaw >= 1, each validated: NS_EINPUT naming the field). grid borrowed. */
enum ns_status ns_cohesive_create(const struct ns_grid *grid, const struct ns_cohesive_law *laws, int nlaw,
                                  const struct ns_cohesive_opts *opts, struct ns_cohesive **out,
                                  struct ns_err *err);
void ns_cohesive_free(struct ns_cohesive *c);

enum ns_status ns_cohesive_add_node(struct ns_cohesive *c, size_t node, int comp, int sign, double area, int law,
                                    struct ns_err *err);

/* Every node of `face` (enum ns_mech_face) with the lumped reference area of the face (as
 * ns_contact_add_face: axisymmetric 2 pi r dz on r = const faces); law_of(X, ctx) gives the law
 * index of a node at reference position X (return < 0 to skip the node). */
typedef int (*ns_cohesive_law_fn)(const double X[3], void *ctx);
enum ns_status ns_cohesive_add_face(struct ns_cohesive *c, int face, int comp, int sign, ns_cohesive_law_fn law_of,
                                    void *ctx, struct ns_err *err);

/* The extra contribution for ns_mech_set_extra. `chain` (may be NULL) is evaluated first and
 * committed too (copied: the chained object must outlive the mechanics run); the result is
 * symmetric when the chained extra is. */
struct ns_mech_extra ns_cohesive_extra(struct ns_cohesive *c, const struct ns_mech_extra *chain);

/* Ties in the order added (borrowed). */
const struct ns_cohesive_tie *ns_cohesive_ties(const struct ns_cohesive *c, size_t *count);

struct ns_cohesive_energy {
  double stored;      /* elastic energy in the ties at the committed state [J] */
  double dissipated;  /* fracture energy dissipated by damage, committed [J] */
  double viscous;     /* dissipation of the viscous regularisation [J] (0 when eta = 0) */
  double dissipated_law[16]; /* per law id (first 16) [J] */
  size_t broken;      /* ties with D = 1 */
};
void ns_cohesive_energy(const struct ns_cohesive *c, struct ns_cohesive_energy *e);

#endif /* NEEDLESIM_COHESIVE_H */
