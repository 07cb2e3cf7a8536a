/* verify_damage.c — make verify: refinement studies of the phase-field fracture module.
 *
 *   1. profile: fracture energy per area of the 1D profile next to a broken plane, AT1 and AT2,
 *      axisymmetric and 3D, h/l = 1/2 .. 1/32 (expect exactly (1/32)(h/l)^2 for AT1 and
 *      (1/24)(h/l)^2 + O(h^4) for AT2: observed order 2).
 *   2. notch: notched cylinder (tests/unit/damage_problem.h) pulled to failure at fixed l with
 *      h/l = 1/2, 1/4, 1/8: peak force, dissipated fracture energy 2 (Gamma_end - Gamma_0)
 *      against G_c x ligament area, energy balance before the peak (the ligament then breaks
 *      in one unstable quasi-static jump whose released energy has nowhere to go: reported).
 *   3. blister: stable crack growth (penny pre-crack, centre pulled) at h/l = 1/2 and 1/4:
 *      energy balance W = stored + Gamma - Gamma_0 through the growth.
 * Prints tables and "[       OK ]" / "[  FAILED  ]" lines. Criteria: (1) orders in [1.9, 2.1];
 * (2) peak force changes < 5 % between the two finest grids, dissipated energy within 5 % of
 * G_c A (1 + 0.75 h/l) for h/l <= 1/4 (the one-cell plateau of d = 1 next to the crack plane,
 * docs/fracture.md), balance error at the peak < 2 %; (3) the crack grew and the balance error
 * is < 2 % once the work exceeds 10 % of its final value. Arguments: [number of notch grids
 * (default 3)] [all | profile | notch | blister]; VERIFY_DAMAGE_QUICK=1 runs two grids.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/damage_problem.h"

static int profiles(void) {
  int ok = 1;
  printf("1. Profile next to a broken plane: Gamma/A / G_c_exact - 1\n");
  printf("   model geom     h/l      error        order   max nodal error  outer its\n");
  for (int model = 0; model < 2; model++)
    for (int geom = 0; geom < 2; geom++) {
      double prev = NAN;
      for (int ref = 2; ref <= 32; ref *= 2) {
        struct dp_profile_result r = dp_profile(geom ? NS_GEOM_3D : NS_GEOM_AXISYMMETRIC,
                                                (enum ns_damage_model)model, ref, model == NS_DAMAGE_AT2 ? 8.0 : 4.0);
        if (r.status) {
          ok = 0;
          continue;
        }
        const double e = fabs(r.gamma_per_area / r.gamma_exact - 1.0), o = log2(prev / e);
        printf("   %s   %-7s 1/%-3d  %.4e   %5.2f   %.3e        %d\n", model ? "AT2" : "AT1", geom ? "3D" : "axisym",
               ref, e, ref > 2 ? o : NAN, r.err_max, r.active_iters);
        if (ref > 2 && !(o > 1.9 && o < 2.1)) ok = 0;
        prev = e;
      }
    }
  printf("[%s] profile orders\n", ok ? "       OK " : "  FAILED  ");
  return ok;
}

static int notch(int nref) {
  int ok = 1;
  printf("\n2. Notched cylinder, AT1, l = R/16, G_c = 5 J/m^2, mu = 1 MPa, nu = 0.45, k = 1e-6, switch 1e-4, du = 1 um\n");
  printf("   h/l    dofs   peak F [N]   u_peak [um]  D/(G_c A)  D/(G_c A (1+0.75h/l))  bal.peak  steps  stagger  "
         "time [s]\n");
  fflush(stdout);
  double fprev = NAN;
  for (int q = 0; q < nref; q++) {
    struct dp_notch_opts o = dp_notch_defaults();
    o.ref = 2.0 * (1 << q);
    o.du = 1.0e-6;
    /* Module default k = 1e-6 and a smoothed tension/compression switch of the volumetric
     * degradation over 0 < Jbar - 1 < 1e-4 (docs/fracture.md, section 7). With the sharp switch
     * the mechanics' Newton stalled at h/l = 1/8 just before the peak (u = 47 um: line search
     * without decrease at 4e-4 N; before the GMRES fallback it was a PCG breakdown): the
     * volumetric stiffness of a broken cell jumps by 1/k = 1e6 where its Jbar crosses 1, so the
     * residual has a kink that Newton cannot resolve. k = 1e-3 is not a remedy here: after the
     * break the broken band keeps 10-18 % of the peak force, the run never reaches the 2 % stop,
     * the band widens under that force (D then grows with u) and Newton stalls later (u = 70 um
     * at h/l = 1/4, 195 um at 1/2). The smoothing leaves kappa 1e-4 / 2 = 0.5 kPa of tension in
     * broken cells (0.3 % of the peak force over the ligament). */
    o.vol_smooth = 1e-4;
    struct dp_notch_result r = dp_notch(&o);
    if (r.status) {
      printf("   ref %g: %s\n", o.ref, r.msg);
      ok = 0;
      continue;
    }
    const double ratio = r.dissipated_full / (o.gc * r.ligament_area);
    const double corr = ratio / (1.0 + 0.75 / o.ref);
    printf("   1/%-3g %6zu  %.5e   %7.2f      %.4f      %.4f               %8.1e  %5d  %6d  %8.1f\n", o.ref, r.ndof,
           r.peak_force, r.u_peak * 1e6, ratio, corr, r.balance_err_peak, r.steps, r.stagger_total, r.seconds);
    if (q > 0)
      printf("          peak force change from the previous grid: %+.2f %%\n", 100.0 * (r.peak_force / fprev - 1.0));
    fflush(stdout);
    if (q == nref - 1 && q > 0 && fabs(r.peak_force / fprev - 1.0) > 0.05) ok = 0;
    if (o.ref >= 4.0 && fabs(corr - 1.0) > 0.05) ok = 0;
    if (fabs(r.balance_err_peak) > 0.02) ok = 0;
    fprev = r.peak_force;
  }
  printf("[%s] notch grid independence\n", ok ? "       OK " : "  FAILED  ");
  return ok;
}

static int blister(int nref) {
  int ok = 1;
  printf("\n3. Blister (stable growth), AT1, l = 62.5 um, G_c = 5 J/m^2, k = 1e-3, du = 2.5 um up to 250 um\n");
  printf("   h/l    dofs   crack radius [mm]  Gamma-Gamma0 [J]  work [J]   balance end  max after 10%% work  "
         "time [s]\n");
  fflush(stdout);
  for (int q = 0; q < nref; q++) {
    struct dp_notch_opts o = dp_blister_defaults();
    o.ref = 2.0 * (1 << q);
    o.du = 2.5e-6;
    /* With the default k = 1e-6 the mechanics' Newton stalls at u ~ 0.2 mm in broken cells whose
     * volumetric stiffness switches between k kappa (J > 1) and kappa (J < 1); k = 1e-3 runs
     * through (docs/fracture.md, section 7). */
    o.k_res = 1e-3;
    struct dp_notch_result r = dp_notch(&o);
    if (r.status) {
      printf("   ref %g: %s\n", o.ref, r.msg);
      ok = 0;
      continue;
    }
    printf("   1/%-3g %6zu  %.4f             %.4e        %.4e  %+.2e    %.2e            %.1f\n", o.ref, r.ndof,
           r.crack_radius * 1e3, r.gamma_end - r.gamma0, r.work_end, r.balance_err_end, r.max_balance_err_late,
           r.seconds);
    fflush(stdout);
    if (!(r.crack_radius > 1.1 * o.notch)) ok = 0; /* the crack did grow */
    if (r.max_balance_err_late > 0.02) ok = 0;
  }
  printf("[%s] blister energy balance\n", ok ? "       OK " : "  FAILED  ");
  return ok;
}

int main(int argc, char **argv) {
  const char *quick = getenv("VERIFY_DAMAGE_QUICK");
  int nref = argc > 1 ? atoi(argv[1]) : (quick && *quick == '1' ? 2 : 3);
  if (nref < 1) nref = 1;
  const char *part = argc > 2 ? argv[2] : "all"; /* all, profile, notch or blister */
  printf("verify_damage: %d threads\n", omp_get_max_threads());
  int ok = 1;
  if (!strcmp(part, "all") || !strcmp(part, "profile")) ok &= profiles();
  if (!strcmp(part, "all") || !strcmp(part, "notch")) ok &= notch(nref);
  if (!strcmp(part, "all") || !strcmp(part, "blister")) ok &= blister(nref > 2 ? 2 : nref);
  return ok ? 0 : 1;
}
