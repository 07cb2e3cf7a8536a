/* needlesim/runner.h — run every case of a scenario and write one results file atomically.
 *
 * Steps: validate every case -> open the writer (temporary file) -> for each case: resolve,
 * build the skin, run the study into /runs/NNNN and a /summary row -> /summary, /failed_runs
 * -> /provenance -> commit (rename).
 *
 * A case that fails (the solver does not converge, memory runs out, ...) does not stop the
 * sweep: its partial group /runs/NNNN is deleted, its summary row is dropped, and it is listed in
 * the report and in /failed_runs (run, label, study, status, error). The file is published when
 * at least one case succeeded. Fatal, whatever the options: an interruption (the file is never
 * written) and an I/O error of the writer (NS_EIO: the file itself is suspect). With
 * opt->fail_fast the first failing case ends the sweep without a file, as a single run does.
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
  int fail_fast;                  /* stop at the first failing case; no file (--fail-fast) */
};

/* What a sweep produced. Owned by the caller after ns_runner_run; free with ns_run_report_free. */
struct ns_run_report {
  struct ns_table *summary; /* successful runs, one row each, as written to /summary */
  struct ns_table *failed;  /* failed cases: columns run, label, study, status, error */
  size_t cases;             /* cases in the sweep */
  int written;              /* 1 when the results file was published */
};

/* Run all cases. Returns NS_OK when the file was written: rep->failed then lists the cases that
 * failed (0 rows: every case succeeded). When no file was written the status is the failure's:
 * with one case (or fail_fast) the first failure, with the message "run N: ..."; when every case
 * of a sweep failed, the first case's status and "every case failed (N of N); no file written"
 * (rep->failed lists each one); input errors before any run, an interruption or a writer I/O
 * error as usual. rep is filled as far as the sweep got, also on failure. */
enum ns_status ns_runner_run(const struct ns_scenario *sc, const struct ns_run_options *opt,
                             struct ns_run_report *rep, struct ns_err *err);

/* Free the tables of a report and zero it. NULL is a no-op. */
void ns_run_report_free(struct ns_run_report *rep);

/* Print the headline columns of every case in case order, one line each; a failed case is
 * printed as "run N: FAILED label=... error=...". */
void ns_runner_print_summary(const struct ns_run_report *rep, FILE *f);

/* Print one line per failed case ("  run N (label): error") to f, after a header line. Nothing
 * when no case failed. */
void ns_runner_print_failures(const struct ns_run_report *rep, FILE *f);

#endif /* NEEDLESIM_RUNNER_H */
