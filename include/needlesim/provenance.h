/* needlesim/provenance.h — what produced a results file: build, libraries, machine, time, input.
 *
 * Filled at start-up (ns_provenance_begin), closed at the end (ns_provenance_end), written into
 * /provenance of the results file (ns_provenance_write) and printed by `needlesim --version`.
 */
#ifndef NEEDLESIM_PROVENANCE_H
#define NEEDLESIM_PROVENANCE_H

#include <stdio.h>
#include <time.h>

#include "needlesim/io.h"
#include "needlesim/scenario.h"
#include "needlesim/status.h"

struct ns_provenance {
  char version[32];        /* program version (VERSION in the Makefile) */
  char git_commit[64];     /* short hash, "-dirty" when built from a modified tree */
  char compiler[128];      /* __VERSION__ */
  char cflags[2048];       /* compile flags of the build */
  char gsl_version[32];
  char hdf5_version[32];
  int openmp_threads;      /* threads the run used */
  char host[256];
  char command_line[2048];
  char start_time[40];     /* ISO 8601 UTC */
  char end_time[40];
  double wall_seconds;
  struct timespec t0;      /* monotonic start */
};

/* Record build information, host, the command line and the start time. */
void ns_provenance_begin(struct ns_provenance *p, int argc, char *const argv[], int threads);
/* Record the end time and wall time. */
void ns_provenance_end(struct ns_provenance *p);
/* Multi-line human-readable build information (for --version). */
void ns_provenance_print(const struct ns_provenance *p, FILE *f);

/* Write /provenance: attributes (schema_version, version, git_commit, compiler, cflags,
 * gsl_version, hdf5_version, openmp_threads, host, command_line, start/end time, wall time),
 * /provenance/scenario_text (dataset, the scenario file as read), /provenance/scenario_path, and
 * /provenance/parameters: the fully resolved parameter table (one row per case and key, defaults
 * included, with units and origin). */
enum ns_status ns_provenance_write(struct ns_writer *w, const struct ns_provenance *p,
                                   const struct ns_scenario *sc, struct ns_err *err);

/* Output layout version written as /provenance@schema_version; bump on incompatible changes. */
#define NS_SCHEMA_VERSION 1

#endif /* NEEDLESIM_PROVENANCE_H */
