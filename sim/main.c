/* main.c — the needlesim command line. The only place in the program that exits.
 *
 *   needlesim run SCENARIO [-o FILE] [--set section.key=value]... [--threads N] [--quiet]
 *                 [--fail-fast]
 *   needlesim check SCENARIO [--set section.key=value]... [--case N]
 *   needlesim keys            the scenario key reference (Markdown; docs/scenarios.md)
 *   needlesim --help | --version
 *
 * Exit status: 0 success, 2 bad input or usage, 1 runtime failure (ns_status_exit_code), 3 a
 * sweep in which some cases failed: the file holds the others and lists the failed ones.
 *
 * Steps of main():
 *   1. Parse the command line.
 *   2. Load the scenario and apply the --set overrides.
 *   3. check: validate, print the resolved model; run: choose the output path, install the
 *      interrupt handler, run every case (runner.c writes the file atomically), print a summary
 *      and, on stderr, each failed case.
 *   4. Turn the status into the exit code, printing the error line if any.
 */
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <limits.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "needlesim/provenance.h"
#include "needlesim/runner.h"
#include "needlesim/scenario.h"
#include "needlesim/skin.h"
#include "needlesim/status.h"

/* The one piece of process state: set by the SIGINT/SIGTERM handler, polled by the runner
 * and the studies through a pointer. A second signal falls through to the default action. */
static volatile sig_atomic_t interrupted = 0;

/* Exit status of a sweep that wrote its file although some cases failed (documented in usage(),
 * README.md and docs/scenarios.md; 1 and 2 keep their meaning from ns_status_exit_code). */
enum { EXIT_SOME_CASES_FAILED = 3 };

static void on_signal(int sig) {
  interrupted = 1;
  signal(sig, SIG_DFL);
}

enum { MAX_SETS = 256 };

struct cli {
  const char *command;  /* "run", "check", "keys" */
  const char *scenario;
  const char *output;
  const char *sets[MAX_SETS];
  int nsets;
  int threads;          /* 0 = OpenMP default */
  int quiet;
  int fail_fast;        /* run: stop at the first failing case (no file) */
  long check_case;
};

static void usage(FILE *f) {
  fputs("usage: needlesim run SCENARIO [-o FILE] [--set section.key=value]... [--threads N] [--quiet]\n"
        "                     [--fail-fast]\n"
        "       needlesim check SCENARIO [--set section.key=value]... [--case N]\n"
        "       needlesim keys\n"
        "       needlesim --help | --version\n"
        "\n"
        "  run     simulate every case of SCENARIO and write one HDF5 file (default: [output] file,\n"
        "          else out/<scenario name>.h5), written atomically: a failed or interrupted run\n"
        "          leaves no file. A sweep case that fails does not stop the others: the file\n"
        "          holds the cases that succeeded and lists the failed ones in /failed_runs\n"
        "  check   validate SCENARIO (every sweep case) and print the resolved model with sources\n"
        "  keys    print the reference of every scenario key (unit, default, range, meaning)\n"
        "\n"
        "  -o, --output FILE      results file\n"
        "  --set section.key=V    override a scenario key (repeatable; a comma list makes a sweep)\n"
        "  --threads N            OpenMP threads (default: OMP_NUM_THREADS or all cores)\n"
        "  --quiet                no progress line and no summary\n"
        "  --fail-fast            stop the sweep at the first failing case and write no file\n"
        "  --case N               (check) print the resolved model of sweep case N (default 0)\n"
        "\n"
        "exit status: 0 success, 2 invalid input or usage, 1 runtime failure (no file written;\n"
        "             also when every case of a sweep failed), 3 some sweep cases failed (the file\n"
        "             was written with the others; stderr lists each failed case)\n"
        "docs: README.md, docs/scenarios.md\n",
        f);
}

static enum ns_status parse_long(const char *what, const char *s, long lo, long hi, long *out, struct ns_err *err) {
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end != '\0' || v < lo || v > hi)
    return ns_err_set(err, NS_EUSAGE, "%s: expected an integer in %ld..%ld, got '%s'", what, lo, hi, s);
  *out = v;
  return NS_OK;
}

/* Step 1: the command line. */
static enum ns_status parse_cli(int argc, char **argv, struct cli *c, struct ns_err *err) {
  memset(c, 0, sizeof *c);
  if (argc < 2) return ns_err_set(err, NS_EUSAGE, "no command given (try 'needlesim --help')");
  c->command = argv[1];
  if (strcmp(c->command, "run") && strcmp(c->command, "check") && strcmp(c->command, "keys"))
    return ns_err_set(err, NS_EUSAGE, "unknown command '%s' (expected run, check, keys, --help or --version)", c->command);
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *val = NULL;
    int is_run = !strcmp(c->command, "run"), is_check = !strcmp(c->command, "check");
#define NEXT_VALUE(name)                                                                      \
  do {                                                                                        \
    if (i + 1 >= argc) return ns_err_set(err, NS_EUSAGE, "option %s needs a value", name);    \
    val = argv[++i];                                                                          \
  } while (0)
    if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && is_run) {
      NEXT_VALUE(a);
      c->output = val;
    } else if (!strncmp(a, "--output=", 9) && is_run) {
      c->output = a + 9;
    } else if (!strcmp(a, "--set") && (is_run || is_check)) {
      NEXT_VALUE(a);
      if (c->nsets == MAX_SETS) return ns_err_set(err, NS_EUSAGE, "more than %d --set options", MAX_SETS);
      c->sets[c->nsets++] = val;
    } else if (!strncmp(a, "--set=", 6) && (is_run || is_check)) {
      if (c->nsets == MAX_SETS) return ns_err_set(err, NS_EUSAGE, "more than %d --set options", MAX_SETS);
      c->sets[c->nsets++] = a + 6;
    } else if (!strcmp(a, "--threads") && is_run) {
      long v;
      NEXT_VALUE(a);
      NS_TRY(parse_long("--threads", val, 1, 4096, &v, err));
      c->threads = (int)v;
    } else if (!strncmp(a, "--threads=", 10) && is_run) {
      long v;
      NS_TRY(parse_long("--threads", a + 10, 1, 4096, &v, err));
      c->threads = (int)v;
    } else if (!strcmp(a, "--quiet") && is_run) {
      c->quiet = 1;
    } else if (!strcmp(a, "--fail-fast") && is_run) {
      c->fail_fast = 1;
    } else if (!strcmp(a, "--case") && is_check) {
      NEXT_VALUE(a);
      NS_TRY(parse_long("--case", val, 0, LONG_MAX, &c->check_case, err));
    } else if (a[0] == '-' && a[1] != '\0') {
      return ns_err_set(err, NS_EUSAGE, "unknown option '%s' for '%s' (try 'needlesim --help')", a, c->command);
    } else if (!c->scenario && strcmp(c->command, "keys")) {
      c->scenario = a;
    } else {
      return ns_err_set(err, NS_EUSAGE, "unexpected argument '%s'", a);
    }
#undef NEXT_VALUE
  }
  if (strcmp(c->command, "keys") && !c->scenario)
    return ns_err_set(err, NS_EUSAGE, "'%s' needs a scenario file (try 'needlesim --help')", c->command);
  return NS_OK;
}

/* Default output: [output] file of the scenario, else out/<basename without .ini>.h5. */
static enum ns_status choose_output(const struct cli *c, const struct ns_scenario *sc, char *path, size_t n,
                                    int *create_dir, struct ns_err *err) {
  *create_dir = 0;
  if (c->output) {
    snprintf(path, n, "%s", c->output);
    return NS_OK;
  }
  struct ns_config cfg;
  NS_TRY(ns_scenario_resolve(sc, 0, &cfg, err));
  if (cfg.output.file[0]) {
    snprintf(path, n, "%s", cfg.output.file);
    return NS_OK;
  }
  const char *base = strrchr(c->scenario, '/');
  base = base ? base + 1 : c->scenario;
  size_t len = strlen(base);
  if (len > 4 && !strcmp(base + len - 4, ".ini")) len -= 4;
  if (snprintf(path, n, "out/%.*s.h5", (int)len, base) >= (int)n)
    return ns_err_set(err, NS_EUSAGE, "output path too long");
  *create_dir = 1;
  return NS_OK;
}

/* The output's directory must exist before hours of computing start (bad path = usage error). */
static enum ns_status check_output_dir(const char *path, int create, struct ns_err *err) {
  char dir[NS_PATH_MAX];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (!slash) snprintf(dir, sizeof dir, ".");
  else if (slash == dir) dir[1] = '\0';
  else *slash = '\0';
  struct stat st;
  if (create && stat(dir, &st) != 0 && mkdir(dir, 0777) != 0 && errno != EEXIST)
    return ns_err_set(err, NS_EIO, "%s: cannot create output directory: %s", dir, strerror(errno));
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return ns_err_set(err, NS_EUSAGE, "%s: output directory does not exist", dir);
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return ns_err_set(err, NS_EUSAGE, "%s: output path is a directory", path);
  return NS_OK;
}

static enum ns_status cmd_check(const struct cli *c, const struct ns_scenario *sc, struct ns_err *err) {
  NS_TRY(ns_scenario_validate(sc, err));
  size_t ncases = ns_scenario_case_count(sc);
  if ((size_t)c->check_case >= ncases)
    return ns_err_set(err, NS_EUSAGE, "--case %ld: the scenario has %zu case(s)", c->check_case, ncases);
  size_t icase = (size_t)c->check_case;
  printf("%s: valid, %zu run(s)\n", ns_scenario_path(sc), ncases);
  for (size_t i = 0; i < ncases; i++) {
    struct ns_param_row rows[16];
    size_t k = ns_scenario_swept(sc, i, rows, 16);
    if (k == 0) break;
    printf("  run %04zu:", i);
    for (size_t j = 0; j < k && j < 16; j++) printf(" %s=%s", rows[j].key, rows[j].value);
    putchar('\n');
  }
  printf("\nresolved parameters of run %zu (key = value unit  [origin]):\n", icase);
  struct ns_param_row *rows = NULL;
  size_t nrows = 0;
  NS_TRY(ns_scenario_params(sc, icase, &rows, &nrows, err));
  size_t from_model = 0;
  for (size_t i = 0; i < nrows; i++) {
    /* Layer keys left to the skin model are listed with their values and sources below. */
    if (!strcmp(rows[i].value, "skin model")) {
      from_model++;
      continue;
    }
    printf("  %-44s = %-14s %-6s [%s]\n", rows[i].key, rows[i].value, rows[i].unit, rows[i].origin);
  }
  if (from_model) printf("  (%zu layer.* keys not given: values from the skin model below)\n", from_model);
  free(rows);
  struct ns_config cfg;
  struct ns_skin skin;
  NS_TRY(ns_scenario_resolve(sc, icase, &cfg, err));
  NS_TRY(ns_skin_build(&cfg.skin, &skin, err));
  printf("\nskin model of run %zu (value, unit, source):\n", icase);
  ns_skin_print(&skin, stdout);
  return NS_OK;
}

/* Run every case. *some_failed = 1 when the file was written but cases failed. */
static enum ns_status cmd_run(const struct cli *c, const struct ns_scenario *sc, int argc, char **argv,
                              int *some_failed, struct ns_err *err) {
  char out[NS_PATH_MAX];
  int create_dir = 0;
  NS_TRY(ns_scenario_validate(sc, err));
  NS_TRY(choose_output(c, sc, out, sizeof out, &create_dir, err));
  NS_TRY(check_output_dir(out, create_dir, err));

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  struct ns_provenance prov;
  ns_provenance_begin(&prov, argc, argv, omp_get_max_threads());
  struct ns_run_options opt = {
      .output_path = out,
      .progress = !c->quiet && isatty(STDERR_FILENO),
      .cancel = &interrupted,
      .prov = &prov,
      .fail_fast = c->fail_fast,
  };
  const char *hook = getenv("NEEDLESIM_TEST_INTERRUPT_AFTER");
  if (hook) {
    long v;
    NS_TRY(parse_long("NEEDLESIM_TEST_INTERRUPT_AFTER", hook, 0, INT_MAX, &v, err));
    opt.interrupt_after_runs = (int)v;
  }
  struct ns_run_report rep;
  enum ns_status s = ns_runner_run(sc, &opt, &rep, err);
  /* Every failed case is listed on stderr, whether or not the file was written (a one-case
   * scenario or --fail-fast reports its failure through the error line alone). */
  if (rep.cases > 1 && !c->fail_fast) ns_runner_print_failures(&rep, stderr);
  if (s == NS_OK && !c->quiet) {
    ns_runner_print_summary(&rep, stdout);
    printf("needlesim: wrote %s (%zu run(s), %zu failed, %.2f s wall, %d thread(s))\n", out,
           ns_table_rows(rep.summary), rep.failed ? ns_table_rows(rep.failed) : (size_t)0, prov.wall_seconds,
           prov.openmp_threads);
  }
  *some_failed = s == NS_OK && rep.failed && ns_table_rows(rep.failed) > 0;
  ns_run_report_free(&rep);
  return s;
}

int main(int argc, char **argv) {
  struct ns_err err = NS_ERR_INIT;
  gsl_set_error_handler_off();

  /* 1. Command line. */
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    usage(stdout);
    return 0;
  }
  if (argc >= 2 && !strcmp(argv[1], "--version")) {
    struct ns_provenance p;
    ns_provenance_begin(&p, argc, argv, omp_get_max_threads());
    ns_provenance_print(&p, stdout);
    return 0;
  }
  struct cli c;
  enum ns_status s = parse_cli(argc, argv, &c, &err);
  if (s == NS_OK && c.threads > 0) omp_set_num_threads(c.threads);

  /* 2. Scenario and overrides. */
  struct ns_scenario *sc = NULL;
  if (s == NS_OK && !strcmp(c.command, "keys")) {
    ns_scenario_write_reference(stdout);
    return 0;
  }
  if (s == NS_OK) s = ns_scenario_load(c.scenario, &sc, &err);
  for (int i = 0; s == NS_OK && i < c.nsets; i++) s = ns_scenario_set(sc, c.sets[i], &err);

  /* 3. The command. */
  int some_failed = 0;
  if (s == NS_OK)
    s = !strcmp(c.command, "check") ? cmd_check(&c, sc, &err) : cmd_run(&c, sc, argc, argv, &some_failed, &err);
  ns_scenario_free(sc);

  /* 4. Exit status. */
  if (s != NS_OK) {
    fprintf(stderr, "needlesim: %s\n", err.msg[0] ? err.msg : ns_strerror(s));
    if (s == NS_EUSAGE && !err.msg[0]) usage(stderr);
  }
  if (s == NS_OK && some_failed) return EXIT_SOME_CASES_FAILED;
  return ns_status_exit_code(s);
}
