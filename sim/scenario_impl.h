/* scenario_impl.h — private to the scenario module (sim/scenario.c, sim/scenario_schema.c).
 *
 * The schema: one `struct ns_key_def` per key. Keys of the five [layer.<name>] sections are
 * described once by a template (section "layer") and expanded per layer. A key of a concrete
 * section is addressed by its *slot*, an index in 0..ns_schema_nslots()-1 in schema order
 * (study, skin, layer.stratum_corneum .. layer.hypodermis, needle, device, loading, closure, grid,
 * numerics, output). Slots are computed, not stored, so the schema is constant data.
 *
 * Error messages all have the form "WHERE: KEY: expected WHAT, got 'VALUE'[TAIL]" and are built
 * by ns_scen_err().
 */
#ifndef NEEDLESIM_SCENARIO_IMPL_H
#define NEEDLESIM_SCENARIO_IMPL_H

#include <stddef.h>

#include "needlesim/config.h"
#include "needlesim/status.h"

enum ns_key_type { NS_KEY_DOUBLE = 0, NS_KEY_INT, NS_KEY_BOOL, NS_KEY_ENUM, NS_KEY_STRING };

/* Range flags: the bound is exclusive; the value must not be zero; the value must be a multiple
 * of 8 (multigrid coarsens cells = m * 2^k at least three times). */
#define NS_KEY_MIN_OPEN 0x1u
#define NS_KEY_MAX_OPEN 0x2u
#define NS_KEY_NONZERO 0x4u
#define NS_KEY_MULT8 0x8u

/* Device applicability mask bit for a device type; 0 in `devices` means "any device". */
#define NS_DEV_BIT(t) (1u << (unsigned)(t))

struct ns_key_def {
  const char *section;              /* "needle"; "layer" for the per-layer template */
  const char *key;                  /* "length_mm" */
  enum ns_key_type type;
  const char *unit;                 /* unit of the value as written: "mm", "1", "" for text */
  const char *def;                  /* default as text; NULL = optional ("none", NAN) */
  double min, max;                  /* inclusive unless NS_KEY_MIN_OPEN / NS_KEY_MAX_OPEN */
  unsigned flags;                   /* NS_KEY_* */
  unsigned devices;                 /* NS_DEV_BIT mask of device types the key applies to */
  const char *(*enum_name)(int i);  /* enum values by index, NULL past the last */
  const char *field;                /* the struct ns_config field it fills ("needle.length") */
  const char *si_unit;              /* unit of that field ("m"); "" for text */
  double to_si;                     /* field = value * to_si (numbers only) */
  size_t offset;                    /* of the field in struct ns_config (layer template: in
                                       struct ns_layer_override) */
  const char *meaning;              /* one line */
};

/* A parsed value: numbers in the key's own unit (d), integers, booleans and enum indices (i). */
struct ns_value {
  double d;
  int i;
};

/* Slots. */
size_t ns_schema_nslots(void);
/* The key of a slot; *layer is its layer (0..NS_NLAYERS-1) or -1 outside [layer.*]. */
const struct ns_key_def *ns_schema_slot(size_t slot, int *layer);
/* "needle" or "layer.epidermis". */
void ns_schema_section(size_t slot, char *buf, size_t n);
/* "needle.length_mm". */
void ns_schema_fullname(size_t slot, char *buf, size_t n);
/* Offset of the slot's field in struct ns_config. */
size_t ns_schema_offset(size_t slot);
/* 1 when `section` names a key section (not "sweep"). */
int ns_schema_section_known(const char *section);
/* Find the slot of section.key; returns 1 when found. */
int ns_schema_find(const char *section, const char *key, size_t *slot);
/* Find the slot of "section.key" (section = everything before the last '.'). */
int ns_schema_find_full(const char *full, size_t *slot);
/* The slot of a key of a fixed section ("needle", "length_mm"); for cross-key checks. */
size_t ns_schema_slot_of(const char *section, const char *key);
/* The slot of a key of [layer.<layer>]. */
size_t ns_schema_layer_slot(int layer, const char *key);

/* Suggestions for misspelt names: write the closest valid name into buf and return 1, or
 * return 0 when nothing is close. ns_schema_suggest_key also finds the same key in another
 * section (then buf holds "section.key"). */
int ns_schema_suggest_section(const char *section, char *buf, size_t n);
int ns_schema_suggest_key(const char *section, const char *key, char *buf, size_t n);
int ns_schema_suggest_full(const char *full, char *buf, size_t n);
/* Comma-separated keys of a known section ("length_mm, shaft_diameter_um, ..."). */
void ns_schema_list_keys(const char *section, char *buf, size_t n);
/* Comma-separated list of the section names, for messages. */
const char *ns_schema_sections_text(void);

/* Parse and check one value for a slot: type, trailing text, finiteness, range, multiple of 8.
 * On failure the message is "WHERE: KEY: expected ..., got 'TEXT'TAIL" (tail may be ""). */
enum ns_status ns_schema_parse(size_t slot, const char *text, const char *where, const char *tail,
                               struct ns_value *v, struct ns_err *err);

/* The range of a slot as text ("[0.05, 5] mm"); empty for text values. */
void ns_schema_range_text(const struct ns_key_def *d, char *buf, size_t n);

/* Record "WHERE: KEY: expected <fmt...>, got 'VALUE'TAIL" as NS_EINPUT. VALUE is shown with
 * control characters replaced and long values shortened, so the message stays one line. */
enum ns_status ns_scen_err(struct ns_err *err, const char *where, const char *key, const char *value,
                           const char *tail, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Copy `s` into buf for a message: at most ~80 characters, control bytes replaced by '?'. */
void ns_scen_quote(const char *s, char *buf, size_t n);

#endif /* NEEDLESIM_SCENARIO_IMPL_H */
