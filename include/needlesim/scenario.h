/* needlesim/scenario.h — scenario files: parse (libinih), override, validate, expand sweeps.
 *
 * Data flow: ns_scenario_load -> ns_scenario_set (each --set) -> ns_scenario_validate ->
 *            for case in 0..ns_scenario_case_count-1: ns_scenario_resolve -> struct ns_config.
 *
 * Every key is described once in a schema table (section, key, type, unit, default, range, meaning)
 * that drives parsing, range checks, defaults, the resolved-parameter table and the key reference
 * (docs/scenarios.md is generated from it by `needlesim keys`).
 *
 * Errors are NS_EINPUT with exactly one line, no trailing newline:
 *   "FILE:LINE: section.key: expected <what>, got '<value>'"
 * where FILE:LINE is where the offending value was written ("--set" for a command-line override,
 * FILE without :LINE for whole-file problems such as an empty file or a missing [sweep] partner).
 */
#ifndef NEEDLESIM_SCENARIO_H
#define NEEDLESIM_SCENARIO_H

#include <stddef.h>
#include <stdio.h>

#include "needlesim/config.h"
#include "needlesim/status.h"

struct ns_scenario; /* opaque */

/* Parse a scenario file. Rejects: a missing/unreadable file, a directory, binary data (NUL bytes
 * or invalid UTF-8), syntax errors, unknown sections and keys, duplicate keys, and values that do
 * not parse as the key's type. On success *out is owned by the caller (ns_scenario_free). */
enum ns_status ns_scenario_load(const char *path, struct ns_scenario **out, struct ns_err *err);

/* Same, from text in memory; `name` stands for the file name in messages. */
enum ns_status ns_scenario_load_string(const char *name, const char *text, struct ns_scenario **out,
                                       struct ns_err *err);

void ns_scenario_free(struct ns_scenario *sc);

/* Apply one command-line override "section.key=value" (layer sections: "layer.dermis...":
 * the section is everything before the last '.'). Overrides a [sweep] list for that key too. */
enum ns_status ns_scenario_set(struct ns_scenario *sc, const char *assignment, struct ns_err *err);

/* Check every case (types, ranges, cross-key consistency). The first error is reported. */
enum ns_status ns_scenario_validate(const struct ns_scenario *sc, struct ns_err *err);

/* Number of runs: the product of the [sweep] list lengths (1 without a sweep). */
size_t ns_scenario_case_count(const struct ns_scenario *sc);

/* Resolve case `icase` (row-major over the [sweep] keys in file order, last key fastest) into a
 * fully typed, SI, validated config with all defaults applied. */
enum ns_status ns_scenario_resolve(const struct ns_scenario *sc, size_t icase, struct ns_config *cfg,
                                   struct ns_err *err);

/* The path as given to ns_scenario_load (or the name given to _load_string). */
const char *ns_scenario_path(const struct ns_scenario *sc);
/* The scenario text exactly as read (for provenance). */
const char *ns_scenario_text(const struct ns_scenario *sc);

/* One row of the fully resolved parameter table (defaults included). */
struct ns_param_row {
  char key[96];     /* "needle.length_mm" */
  char value[256];  /* the value as text, in the key's own unit ("0.5") */
  char unit[32];    /* "mm"; "1" dimensionless; "" for text values */
  char origin[320]; /* "scenarios/x.ini:12", "--set", "[sweep] scenarios/x.ini:30", "default" */
};

/* The resolved table for case `icase`, in schema order. *rows is malloc'ed: free() it. */
enum ns_status ns_scenario_params(const struct ns_scenario *sc, size_t icase, struct ns_param_row **rows,
                                  size_t *nrows, struct ns_err *err);

/* Keys varied by the sweep, in sweep order, and their values for case `icase` (text). Used to
 * label runs. Returns the number of swept keys; fills at most `max` entries. */
size_t ns_scenario_swept(const struct ns_scenario *sc, size_t icase, struct ns_param_row *rows, size_t max);

/* Write the key reference as Markdown (the body of docs/scenarios.md). */
void ns_scenario_write_reference(FILE *f);

#endif /* NEEDLESIM_SCENARIO_H */
