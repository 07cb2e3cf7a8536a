/* bench_punch.c — time to solve the layered flat punch to 0.5 % of its converged force.
 *
 * Small strain, as in verify_punch: solved at 5 nm and scaled to 5 um.
 * Runs the refinement sequence of tests/verify/verify_punch.c (family A, levels 0-4), estimates
 * the converged force by Richardson extrapolation of levels 2-4, picks the coarsest level whose
 * force is within 0.5 % of it, and times that solve (best of 3) with 1 and 2 OpenMP threads,
 * reporting the Newton and Krylov iteration counts. Writes out/bench-punch.json (merged into
 * out/bench.json by tests/bench/run.sh) and prints a summary.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "needlesim/punch.h"

/* The 5 um over the 5 nm actually solved (linear response). */
#define DEPTH_SCALE 1e3
/* Repetitions of the timed solve (the minimum is reported: least disturbed by other load). */
#define REPEAT 3

int main(void) {
  struct ns_punch_load L;
  memset(&L, 0, sizeof L);
  L.kind = NS_PUNCH_FLAT_BONDED;
  L.delta = 5e-9; /* small strain: 1e-3 of the 5 um depth, forces scaled by DEPTH_SCALE */
  L.steps = 1;
  double F[5];
  struct ns_err err = NS_ERR_INIT;
  for (int l = 0; l <= 4; l++) {
    struct ns_punch_spec s = ns_punch_spec_layered(l);
    struct ns_punch_result r;
    if (ns_punch_solve(&s, &L, &r, &err) != NS_OK) {
      fprintf(stderr, "bench_punch: %s\n", err.msg);
      return 1;
    }
    F[l] = r.force * DEPTH_SCALE;
  }
  const double p = log2((F[2] - F[3]) / (F[3] - F[4]));
  const double Fext = F[4] - (F[3] - F[4]) / (pow(2.0, p) - 1.0);
  int lev = 4;
  for (int l = 0; l <= 4; l++)
    if (fabs(F[l] / Fext - 1.0) <= 0.005) {
      lev = l;
      break;
    }
  struct ns_punch_spec s = ns_punch_spec_layered(lev);
  double best[2] = {INFINITY, INFINITY};
  struct ns_punch_result res[2];
  for (int t = 0; t < 2; t++) {
    L.threads = t + 1;
    for (int k = 0; k < REPEAT; k++) {
      struct ns_punch_result r;
      if (ns_punch_solve(&s, &L, &r, &err) != NS_OK) {
        fprintf(stderr, "bench_punch: %s\n", err.msg);
        return 1;
      }
      const double w = r.wall_s + r.setup_s;
      if (w < best[t]) {
        best[t] = w;
        res[t] = r;
      }
    }
  }
  printf("bench_punch: layered punch to 0.5 %%: level %d (%d x %d cells, %zu nodes), F = %.6e N (%.3f %% from "
         "the extrapolated %.6e N)\n",
         lev, res[0].cells[0], res[0].cells[1], res[0].nodes, F[lev], 100.0 * (F[lev] / Fext - 1.0), Fext);
  for (int t = 0; t < 2; t++)
    printf("  %d thread(s): %.3f s (set-up %.3f s), Newton %ld, Krylov %ld\n", t + 1, best[t], res[t].setup_s,
           res[t].newton_iters, res[t].linear_iters);
  FILE *f = fopen("out/bench-punch.json", "w");
  if (!f) {
    fprintf(stderr, "bench_punch: cannot write out/bench-punch.json\n");
    return 1;
  }
  fprintf(f,
          "{\"punch\": {\"case\": \"layered flat punch to 0.5 %% of the converged force\", \"level\": %d, "
          "\"cells\": [%d, %d], \"nodes\": %zu, \"force_N\": %.9e, \"force_extrapolated_N\": %.9e, "
          "\"error_percent\": %.4f, \"threads_1\": {\"wall_s\": %.6f, \"newton_iters\": %ld, \"krylov_iters\": %ld}, "
          "\"threads_2\": {\"wall_s\": %.6f, \"newton_iters\": %ld, \"krylov_iters\": %ld}}}\n",
          lev, res[0].cells[0], res[0].cells[1], res[0].nodes, F[lev], Fext, 100.0 * (F[lev] / Fext - 1.0), best[0],
          res[0].newton_iters, res[0].linear_iters, best[1], res[1].newton_iters, res[1].linear_iters);
  fclose(f);
  return 0;
}
