/* needlesim/runner.h — run every case of a scenario and write one results file atomically.
 *
 * Steps: validate every case -> open the writer (temporary file) -> for each case: resolve,
 * build the skin, run the study into /runs/NNNN and a /summary row -> /summary -> /provenance
 * -> commit (rename). Any failure or interruption aborts the writer, so the output path never
 * holds a partial file.
 */
#ifndef NEEDLESIM_RUNNER_H
#define NEEDLESIM_RUNNER_H

#include <signal.h>
#include <stdio.h>

#include "needlesim/provenance.h"
#include "needlesim/scenario.h"
#include "needlesim/status.h"
#include "needlesim/table.h"

struct ns_run_options {
  const char *output_path;        /* where the results file goes (required) */
  int progress;                   /* draw a progress line on stderr */
  volatile sig_atomic_t *cancel;  /* interruption flag, may be NULL */
  struct ns_provenance *prov;     /* started by the caller; ended and written by the runner */
  /* Test hook: raise SIGINT after this many runs have been written (0 = never). Exercises the
   * real interruption path deterministically (NEEDLESIM_TEST_INTERRUPT_AFTER in main.c). */
  int interrupt_after_runs;
};

/* Run all cases. On success *summary (caller frees with ns_table_free) holds the summary table
 * that was written. */
enum ns_status ns_runner_run(const struct ns_scenario *sc, const struct ns_run_options *opt,
                             struct ns_table **summary, struct ns_err *err);

/* Print the headline columns of a summary table, one line per run. */
void ns_runner_print_summary(const struct ns_table *t, FILE *f);

#endif /* NEEDLESIM_RUNNER_H */
