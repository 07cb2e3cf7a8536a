/* scenario.c — scenario files: parse (libinih), override (--set), expand sweeps, resolve, validate.
 *
 * Public functions (needlesim/scenario.h):
 *   ns_scenario_load, ns_scenario_load_string   read and parse a scenario (file or text)
 *   ns_scenario_free
 *   ns_scenario_set                             one "section.key=value" command-line override
 *   ns_scenario_validate                        resolve every sweep case, report the first error
 *   ns_scenario_case_count                      product of the [sweep] list lengths
 *   ns_scenario_resolve                         one case -> struct ns_config (SI, defaults applied)
 *   ns_scenario_path, ns_scenario_text          provenance
 *   ns_scenario_params, ns_scenario_swept       resolved parameter table, swept keys of a case
 * (ns_scenario_write_reference lives in scenario_schema.c with the schema it prints.)
 *
 * Parsing. libinih does the INI syntax. Debian builds it without line numbers in the handler
 * callback and with multi-line values on, so the text is fed through our own reader
 * (ini_parse_stream): it counts lines (the handler reads the count), strips leading whitespace
 * (so an indented line is never taken for a continuation of the previous value), checks section
 * headers (an unknown section with no keys would otherwise pass unseen), and reports a line too
 * long for libinih's buffer instead of letting it be split. The handler strips `#` inline
 * comments (libinih only knows `;`), looks the key up in the schema and checks the value. The
 * first error wins; the reader then returns end-of-input so parsing stops. libinih's
 * configuration globals are left as they are.
 *
 * Storage. Per schema slot one fixed value (text, origin file line or --set), plus the ordered
 * list of swept keys with their value lists. Values are stored as text and re-parsed when a case
 * is resolved; every value was already checked (type and range) when it was stored, so resolving
 * only adds the checks that involve two or more keys.
 */
#include "needlesim/scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "needlesim/skin.h"
#include "scenario_impl.h"

/* Largest scenario file read, in bytes: scenario files are a few kB; this stops a wrong path
 * (a data file, a device) from being read into memory. */
#define MAX_FILE_BYTES (1024 * 1024)
/* Largest number of sweep cases: each is validated up front and becomes one run. */
#define MAX_CASES ((size_t)100000)

enum origin { ORIGIN_NONE = 0, ORIGIN_FILE, ORIGIN_SET };

struct fixed_value {
  char *text;         /* the value as written (comment and surrounding whitespace removed) */
  int line;           /* file line (ORIGIN_FILE) */
  enum origin origin; /* ORIGIN_NONE: not given */
};

struct sweep_list {
  size_t slot;
  char **values; /* n texts */
  size_t n;
  int line;
  enum origin origin;
};

struct ns_scenario {
  char *path;                /* file name as given, for messages */
  char *text;                /* the text exactly as read */
  size_t nslots;
  struct fixed_value *fixed; /* nslots */
  struct sweep_list *sweep;  /* nsweep, in file order (then --set order) */
  size_t nsweep, capsweep;
};

/* ---- small helpers ---------------------------------------------------------------------------- */

static char *dup_range(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

/* Trim whitespace at both ends in place; returns the start. */
static char *trim(char *s) {
  while (is_blank(*s)) s++;
  size_t n = strlen(s);
  while (n > 0 && is_blank(s[n - 1])) s[--n] = '\0';
  return s;
}

static void free_list(char **v, size_t n) {
  if (!v) return;
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

static struct sweep_list *find_sweep(const struct ns_scenario *sc, size_t slot) {
  for (size_t k = 0; k < sc->nsweep; k++)
    if (sc->sweep[k].slot == slot) return &sc->sweep[k];
  return NULL;
}

size_t ns_scenario_case_count(const struct ns_scenario *sc) {
  size_t n = 1;
  for (size_t k = 0; sc && k < sc->nsweep; k++) n *= sc->sweep[k].n;
  return n;
}

/* Case count if the sweep of `slot` had `n` values (added or replacing its list). */
static size_t count_with(const struct ns_scenario *sc, size_t slot, size_t n) {
  size_t total = n;
  for (size_t k = 0; k < sc->nsweep; k++) {
    if (sc->sweep[k].slot == slot) continue;
    if (total > MAX_CASES) return total;
    total *= sc->sweep[k].n;
  }
  return total;
}

/* Split a comma-separated list and check every element as a value of `slot`. */
static enum ns_status parse_list(size_t slot, const char *text, const char *where, const char *key,
                                 char ***out, size_t *nout, struct ns_err *err) {
  *out = NULL;
  *nout = 0;
  char *work = strdup(text);
  if (!work) return ns_err_set(err, NS_ENOMEM, "%s: %s: out of memory", where, key);
  char *all = trim(work);
  if (all[0] == '\0') {
    free(work);
    return ns_scen_err(err, where, key, text, "", "a comma-separated list of values in [sweep]");
  }
  size_t n = 1;
  for (const char *p = all; *p; p++) n += *p == ',';
  char **v = calloc(n, sizeof *v);
  if (!v) {
    free(work);
    return ns_err_set(err, NS_ENOMEM, "%s: %s: out of memory", where, key);
  }
  enum ns_status st = NS_OK;
  char *p = all;
  for (size_t i = 0; i < n && st == NS_OK; i++) {
    char *comma = strchr(p, ',');
    if (comma) *comma = '\0';
    char *elem = trim(p);
    struct ns_value val;
    if (elem[0] == '\0')
      st = ns_scen_err(err, where, key, text, "", "a comma-separated list without empty elements");
    else
      st = ns_schema_parse(slot, elem, where, "", &val, err);
    if (st == NS_OK && !(v[i] = strdup(elem))) st = ns_err_set(err, NS_ENOMEM, "%s: %s: out of memory", where, key);
    p = comma ? comma + 1 : p + strlen(p);
  }
  free(work);
  if (st != NS_OK) {
    free_list(v, n);
    return st;
  }
  *out = v;
  *nout = n;
  return NS_OK;
}

/* Append a sweep list (takes ownership of `values`). */
static enum ns_status add_sweep(struct ns_scenario *sc, size_t slot, char **values, size_t n, int line,
                                enum origin origin, struct ns_err *err) {
  if (sc->nsweep == sc->capsweep) {
    size_t cap = sc->capsweep ? 2 * sc->capsweep : 8;
    struct sweep_list *p = realloc(sc->sweep, cap * sizeof *p);
    if (!p) {
      free_list(values, n);
      return ns_err_set(err, NS_ENOMEM, "%s: out of memory", sc->path);
    }
    sc->sweep = p;
    sc->capsweep = cap;
  }
  sc->sweep[sc->nsweep++] = (struct sweep_list){slot, values, n, line, origin};
  return NS_OK;
}

/* ---- text checks ------------------------------------------------------------------------------ */

/* Text must be UTF-8 without control characters other than tab, CR and LF. */
static enum ns_status check_text(const char *name, const unsigned char *p, size_t len, struct ns_err *err) {
  size_t i = 0, line_start = 0;
  int line = 1;
  while (i < len) {
    unsigned char c = p[i];
    if (c == '\n') {
      line++;
      line_start = ++i;
      continue;
    }
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
        return ns_err_set(err, NS_EINPUT, "%s:%d: expected text, got control byte 0x%02X in column %zu (binary file?)",
                          name, line, c, i - line_start + 1);
      i++;
      continue;
    }
    size_t need;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      cp = c & 0x07u;
    } else {
      need = 0;
      cp = 0;
    }
    int ok = need > 0 && i + need < len;
    for (size_t k = 1; ok && k <= need; k++) {
      if ((p[i + k] & 0xC0u) != 0x80u)
        ok = 0;
      else
        cp = (cp << 6) | (p[i + k] & 0x3Fu);
    }
    /* Reject overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
    if (ok && ((need == 2 && cp < 0x800u) || (need == 3 && cp < 0x10000u) || (cp >= 0xD800u && cp <= 0xDFFFu) ||
               cp > 0x10FFFFu))
      ok = 0;
    if (!ok)
      return ns_err_set(err, NS_EINPUT, "%s:%d: expected UTF-8 text, got byte 0x%02X in column %zu (binary file?)",
                        name, line, c, i - line_start + 1);
    i += need + 1;
  }
  return NS_OK;
}

/* ---- parsing ---------------------------------------------------------------------------------- */

struct parse_state {
  struct ns_scenario *sc;
  const char *body; /* text after a UTF-8 byte-order mark */
  size_t len, pos;  /* reader position in body */
  int lineno;       /* line most recently handed to libinih */
  int err_line;     /* line of the first error we recorded */
  struct ns_err err;
};

static void where_line(const struct parse_state *ps, char *buf, size_t n) {
  snprintf(buf, n, "%s:%d", ps->sc->path, ps->lineno);
}

/* Section names are compared after trimming, as libinih does not trim them. */
static void section_name(const char *raw, char *buf, size_t n) {
  snprintf(buf, n, "%s", raw);
  char *t = trim(buf);
  memmove(buf, t, strlen(t) + 1);
}

static void unknown_section(struct parse_state *ps, const char *sec) {
  char where[512], label[160], sug[128], tail[200] = "";
  where_line(ps, where, sizeof where);
  snprintf(label, sizeof label, "[%s]", sec);
  if (ns_schema_suggest_section(sec, sug, sizeof sug)) snprintf(tail, sizeof tail, "; did you mean '%s'?", sug);
  ns_scen_err(&ps->err, where, label, sec, tail, "a known section (%s)", ns_schema_sections_text());
}

/* The ini_reader: one line per call, leading whitespace removed, lines counted. */
static char *reader(char *buf, int num, void *stream) {
  struct parse_state *ps = stream;
  if (ps->err.code != NS_OK || ps->pos >= ps->len) return NULL;
  const char *line = ps->body + ps->pos;
  size_t rest = ps->len - ps->pos;
  const char *nl = memchr(line, '\n', rest);
  size_t linelen = nl ? (size_t)(nl - line) : rest;
  ps->pos += linelen + (nl ? 1 : 0);
  ps->lineno++;
  size_t skip = 0;
  while (skip < linelen && (line[skip] == ' ' || line[skip] == '\t')) skip++;
  const char *content = line + skip;
  size_t clen = linelen - skip;
  /* libinih's buffer holds num bytes: the line, its newline and the terminating NUL. A comment
   * line may be longer: libinih ignores its text, so it is handed over shortened. */
  int comment = clen > 0 && (content[0] == ';' || content[0] == '#');
  if (comment && num >= 3 && clen > (size_t)num - 2) clen = (size_t)num - 2;
  if (num < 3 || clen > (size_t)num - 2) {
    char where[512];
    where_line(ps, where, sizeof where);
    ps->err_line = ps->lineno;
    ns_err_set(&ps->err, NS_EINPUT, "%s: expected a line of at most %d characters, got %zu characters", where,
               num - 2, clen);
    return NULL;
  }
  memcpy(buf, content, clen);
  buf[clen] = '\n';
  buf[clen + 1] = '\0';
  if (clen > 0 && content[0] == '[') {
    const char *close = memchr(content, ']', clen);
    if (close) {
      char raw[256], sec[256];
      snprintf(raw, sizeof raw, "%.*s", (int)(close - content - 1), content + 1);
      section_name(raw, sec, sizeof sec);
      if (strcmp(sec, "sweep") != 0 && !ns_schema_section_known(sec)) {
        ps->err_line = ps->lineno;
        unknown_section(ps, sec);
        return NULL;
      }
    }
  }
  return buf;
}

/* Remove an inline `#` comment: a `#` at the start of the value or after whitespace. */
static void strip_hash_comment(char *v) {
  for (size_t i = 0; v[i]; i++)
    if (v[i] == '#' && (i == 0 || v[i - 1] == ' ' || v[i - 1] == '\t')) {
      v[i] = '\0';
      break;
    }
  char *t = trim(v);
  memmove(v, t, strlen(t) + 1);
}

static void duplicate(struct parse_state *ps, const char *where, const char *label, int first, const char *value) {
  char q[128];
  ns_scen_quote(value, q, sizeof q);
  ns_err_set(&ps->err, NS_EINPUT, "%s: %s: expected one value per key (first given on line %d), got a second value '%s'",
             where, label, first, q);
}

static void handle_sweep(struct parse_state *ps, const char *name, const char *value) {
  struct ns_scenario *sc = ps->sc;
  char where[512], label[256], sug[128], tail[200] = "";
  where_line(ps, where, sizeof where);
  size_t slot;
  if (!ns_schema_find_full(name, &slot)) {
    snprintf(label, sizeof label, "sweep.%s", name);
    if (ns_schema_suggest_full(name, sug, sizeof sug)) snprintf(tail, sizeof tail, "; did you mean '%s'?", sug);
    ns_scen_err(&ps->err, where, label, name, tail, "section.key naming a known key");
    return;
  }
  char sec[64];
  ns_schema_fullname(slot, label, sizeof label);
  ns_schema_section(slot, sec, sizeof sec);
  const struct sweep_list *prev = find_sweep(sc, slot);
  if (prev) {
    duplicate(ps, where, label, prev->line, value);
    return;
  }
  if (sc->fixed[slot].origin == ORIGIN_FILE) {
    ns_scen_err(&ps->err, where, label, value, "",
                "a value either in [%s] or in [sweep], not both (other on line %d)", sec, sc->fixed[slot].line);
    return;
  }
  char **values;
  size_t n;
  if (parse_list(slot, value, where, label, &values, &n, &ps->err) != NS_OK) return;
  size_t total = count_with(sc, slot, n);
  if (total > MAX_CASES) {
    free_list(values, n);
    ns_scen_err(&ps->err, where, label, value, " (the sweep would exceed the limit)",
                "at most %zu sweep cases in total", MAX_CASES);
    return;
  }
  add_sweep(sc, slot, values, n, ps->lineno, ORIGIN_FILE, &ps->err);
}

static void handle_key(struct parse_state *ps, const char *sec, const char *name, const char *value) {
  struct ns_scenario *sc = ps->sc;
  char where[512], label[640], sug[160], tail[640] = "";
  where_line(ps, where, sizeof where);
  size_t slot;
  if (!ns_schema_find(sec, name, &slot)) {
    snprintf(label, sizeof label, "%s.%s", sec, name);
    if (ns_schema_suggest_key(sec, name, sug, sizeof sug)) {
      snprintf(tail, sizeof tail, "; did you mean '%s'?", sug);
    } else {
      char list[512];
      ns_schema_list_keys(sec, list, sizeof list);
      snprintf(tail, sizeof tail, " (valid keys: %s)", list);
    }
    ns_scen_err(&ps->err, where, label, name, tail, "a key of [%s]", sec);
    return;
  }
  ns_schema_fullname(slot, label, sizeof label);
  if (sc->fixed[slot].origin == ORIGIN_FILE) {
    duplicate(ps, where, label, sc->fixed[slot].line, value);
    return;
  }
  const struct sweep_list *sw = find_sweep(sc, slot);
  if (sw) {
    ns_scen_err(&ps->err, where, label, value, "", "a value either in [%s] or in [sweep], not both (other on line %d)",
                sec, sw->line);
    return;
  }
  struct ns_value v;
  if (ns_schema_parse(slot, value, where, "", &v, &ps->err) != NS_OK) return;
  char *text = strdup(value);
  if (!text) {
    ns_err_set(&ps->err, NS_ENOMEM, "%s: out of memory", where);
    return;
  }
  sc->fixed[slot] = (struct fixed_value){text, ps->lineno, ORIGIN_FILE};
}

/* The ini_handler. Always returns 1 ("go on"): errors are recorded in ps->err and end the parse
 * through the reader, so that libinih's own return value reports only syntax errors. */
static int handler(void *user, const char *section, const char *name, const char *value) {
  struct parse_state *ps = user;
  if (ps->err.code != NS_OK) return 1;
  char sec[256], val[512], where[512];
  section_name(section, sec, sizeof sec);
  snprintf(val, sizeof val, "%s", value);
  strip_hash_comment(val);
  where_line(ps, where, sizeof where);
  ps->err_line = ps->lineno;
  if (sec[0] == '\0') {
    ns_scen_err(&ps->err, where, name, name, "", "a [section] header before the first key");
  } else if (strcmp(sec, "sweep") == 0) {
    handle_sweep(ps, name, val);
  } else if (!ns_schema_section_known(sec)) {
    unknown_section(ps, sec);
  } else {
    handle_key(ps, sec, name, val);
  }
  return 1;
}

/* Line `lineno` (1-based) of `body`, trimmed, for a syntax error message. */
static void line_text(const char *body, size_t len, int lineno, char *buf, size_t n) {
  size_t pos = 0;
  for (int l = 1; l < lineno && pos < len; l++) {
    const char *nl = memchr(body + pos, '\n', len - pos);
    pos = nl ? (size_t)(nl - body) + 1 : len;
  }
  const char *nl = memchr(body + pos, '\n', len - pos);
  size_t end = nl ? (size_t)(nl - body) : len;
  size_t m = end - pos < n - 1 ? end - pos : n - 1;
  memcpy(buf, body + pos, m);
  buf[m] = '\0';
  char *t = trim(buf);
  memmove(buf, t, strlen(t) + 1);
}

static struct ns_scenario *scenario_new(const char *name, const char *text, size_t len) {
  struct ns_scenario *sc = calloc(1, sizeof *sc);
  if (!sc) return NULL;
  sc->nslots = ns_schema_nslots();
  sc->path = strdup(name);
  sc->text = dup_range(text, len);
  sc->fixed = calloc(sc->nslots, sizeof *sc->fixed);
  if (!sc->path || !sc->text || !sc->fixed) {
    ns_scenario_free(sc);
    return NULL;
  }
  return sc;
}

/* Parse `len` bytes of text (checked: UTF-8, no NUL). */
static enum ns_status load_text(const char *name, const char *text, size_t len, struct ns_scenario **out,
                                struct ns_err *err) {
  *out = NULL;
  NS_TRY(check_text(name, (const unsigned char *)text, len, err));
  struct ns_scenario *sc = scenario_new(name, text, len);
  if (!sc) return ns_err_set(err, NS_ENOMEM, "%s: out of memory", name);
  struct parse_state ps = {sc, sc->text, len, 0, 0, 0, NS_ERR_INIT};
  /* A UTF-8 byte-order mark is not part of the first line. */
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
    ps.body += 3;
    ps.len -= 3;
  }
  size_t i = 0;
  while (i < ps.len && is_blank(ps.body[i])) i++;
  if (i == ps.len) {
    ns_scenario_free(sc);
    return ns_err_set(err, NS_EINPUT, "%s: expected at least one [section] or comment, got an empty file", name);
  }
  int rc = ini_parse_stream(reader, &ps, handler, &ps);
  if (rc < 0) {
    ns_scenario_free(sc);
    return ns_err_set(err, NS_ENOMEM, "%s: out of memory while parsing", name);
  }
  if (rc > 0 && (ps.err.code == NS_OK || rc < ps.err_line)) {
    char line[256], q[128];
    line_text(ps.body, ps.len, rc, line, sizeof line);
    ns_scen_quote(line, q, sizeof q);
    ns_scenario_free(sc);
    return ns_err_set(err, NS_EINPUT, "%s:%d: expected 'key = value', '[section]' or a comment, got '%s'", name, rc,
                      q);
  }
  if (ps.err.code != NS_OK) {
    ns_scenario_free(sc);
    return ns_err_set(err, ps.err.code, "%s", ps.err.msg);
  }
  *out = sc;
  return NS_OK;
}

enum ns_status ns_scenario_load_string(const char *name, const char *text, struct ns_scenario **out,
                                       struct ns_err *err) {
  return load_text(name, text, strlen(text), out, err);
}

enum ns_status ns_scenario_load(const char *path, struct ns_scenario **out, struct ns_err *err) {
  *out = NULL;
  int fd = open(path, O_RDONLY);
  if (fd < 0) return ns_err_set(err, NS_EINPUT, "%s: expected a readable scenario file, got '%s'", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return ns_err_set(err, NS_EINPUT, "%s: expected a readable scenario file, got '%s'", path, strerror(e));
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return ns_err_set(err, NS_EINPUT, "%s: expected a scenario file, got a directory", path);
  }
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  if (!buf) {
    close(fd);
    return ns_err_set(err, NS_ENOMEM, "%s: out of memory", path);
  }
  for (;;) {
    if (len == cap) {
      if (cap > MAX_FILE_BYTES) break;
      char *p = realloc(buf, 2 * cap);
      if (!p) {
        free(buf);
        close(fd);
        return ns_err_set(err, NS_ENOMEM, "%s: out of memory", path);
      }
      buf = p;
      cap *= 2;
    }
    ssize_t r = read(fd, buf + len, cap - len);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int e = errno;
      free(buf);
      close(fd);
      return ns_err_set(err, NS_EINPUT, "%s: expected a readable scenario file, got '%s'", path, strerror(e));
    }
    if (r == 0) break;
    len += (size_t)r;
  }
  close(fd);
  if (len > MAX_FILE_BYTES) {
    free(buf);
    return ns_err_set(err, NS_EINPUT, "%s: expected a scenario file of at most %d bytes, got more", path,
                      MAX_FILE_BYTES);
  }
  enum ns_status s = load_text(path, buf, len, out, err);
  free(buf);
  return s;
}

void ns_scenario_free(struct ns_scenario *sc) {
  if (!sc) return;
  if (sc->fixed)
    for (size_t i = 0; i < sc->nslots; i++) free(sc->fixed[i].text);
  for (size_t k = 0; k < sc->nsweep; k++) free_list(sc->sweep[k].values, sc->sweep[k].n);
  free(sc->fixed);
  free(sc->sweep);
  free(sc->path);
  free(sc->text);
  free(sc);
}

const char *ns_scenario_path(const struct ns_scenario *sc) { return sc->path; }
const char *ns_scenario_text(const struct ns_scenario *sc) { return sc->text; }

/* ---- --set ------------------------------------------------------------------------------------ */

enum ns_status ns_scenario_set(struct ns_scenario *sc, const char *assignment, struct ns_err *err) {
  const char *eq = strchr(assignment, '=');
  char keybuf[256], label[256], sug[160], tail[640] = "";
  char q[128];
  ns_scen_quote(assignment, q, sizeof q);
  if (!eq || (size_t)(eq - assignment) >= sizeof keybuf)
    return ns_err_set(err, NS_EINPUT, "--set: expected section.key=value, got '%s'", q);
  memcpy(keybuf, assignment, (size_t)(eq - assignment));
  keybuf[eq - assignment] = '\0';
  char *key = trim(keybuf);
  char *dot = strrchr(key, '.');
  if (!dot || dot == key || dot[1] == '\0') {
    if (ns_schema_suggest_full(key, sug, sizeof sug)) snprintf(tail, sizeof tail, "; did you mean '%s'?", sug);
    return ns_err_set(err, NS_EINPUT, "--set: expected section.key=value, got '%s'%s", q, tail);
  }
  *dot = '\0';
  const char *sec = key, *name = dot + 1;
  snprintf(label, sizeof label, "%s.%s", sec, name);
  if (strcmp(sec, "sweep") == 0 || strncmp(sec, "sweep.", 6) == 0)
    return ns_scen_err(err, "--set", label, label, "",
                       "section.key=value (a comma-separated value sweeps the key; there is no [sweep] key to set)");
  if (!ns_schema_section_known(sec)) {
    if (ns_schema_suggest_section(sec, sug, sizeof sug)) snprintf(tail, sizeof tail, "; did you mean '%s'?", sug);
    return ns_scen_err(err, "--set", label, sec, tail, "a known section (%s)", ns_schema_sections_text());
  }
  size_t slot;
  if (!ns_schema_find(sec, name, &slot)) {
    if (ns_schema_suggest_key(sec, name, sug, sizeof sug)) {
      snprintf(tail, sizeof tail, "; did you mean '%s'?", sug);
    } else {
      char list[512];
      ns_schema_list_keys(sec, list, sizeof list);
      snprintf(tail, sizeof tail, " (valid keys: %s)", list);
    }
    return ns_scen_err(err, "--set", label, name, tail, "a key of [%s]", sec);
  }
  char *vbuf = strdup(eq + 1);
  if (!vbuf) return ns_err_set(err, NS_ENOMEM, "--set: out of memory");
  char *value = trim(vbuf);
  enum ns_status st = NS_OK;
  struct sweep_list *sw = find_sweep(sc, slot);
  if (strchr(value, ',')) {
    char **values;
    size_t n;
    st = parse_list(slot, value, "--set", label, &values, &n, err);
    if (st == NS_OK && count_with(sc, slot, n) > MAX_CASES) {
      free_list(values, n);
      st = ns_scen_err(err, "--set", label, value, " (the sweep would exceed the limit)",
                       "at most %zu sweep cases in total", MAX_CASES);
    }
    if (st == NS_OK) {
      if (sw) {
        free_list(sw->values, sw->n);
        *sw = (struct sweep_list){slot, values, n, 0, ORIGIN_SET};
      } else {
        st = add_sweep(sc, slot, values, n, 0, ORIGIN_SET, err);
      }
    }
    if (st == NS_OK) {
      free(sc->fixed[slot].text);
      sc->fixed[slot] = (struct fixed_value){NULL, 0, ORIGIN_NONE};
    }
  } else {
    struct ns_value v;
    st = ns_schema_parse(slot, value, "--set", "", &v, err);
    char *text = st == NS_OK ? strdup(value) : NULL;
    if (st == NS_OK && !text) st = ns_err_set(err, NS_ENOMEM, "--set: out of memory");
    if (st == NS_OK) {
      free(sc->fixed[slot].text);
      sc->fixed[slot] = (struct fixed_value){text, 0, ORIGIN_SET};
      if (sw) {
        free_list(sw->values, sw->n);
        size_t k = (size_t)(sw - sc->sweep);
        memmove(sc->sweep + k, sc->sweep + k + 1, (sc->nsweep - k - 1) * sizeof *sc->sweep);
        sc->nsweep--;
      }
    }
  }
  free(vbuf);
  return st;
}

/* ---- resolving one case ----------------------------------------------------------------------- */

enum eff_kind { EFF_DEFAULT = 0, EFF_NONE, EFF_FILE, EFF_SET, EFF_SWEEP_FILE, EFF_SWEEP_SET };

/* The effective value of a slot in one case. */
struct eff {
  const char *text; /* value as written, or the schema default; NULL for EFF_NONE */
  enum eff_kind kind;
  int line;
  struct ns_value v; /* parsed, in the key's own unit */
};

struct rctx {
  const struct ns_scenario *sc;
  struct eff *e;
  char tail[512]; /* " (sweep case a=1, b=2)" or "" */
  struct ns_err *err;
};

static int given(const struct eff *e) { return e->kind != EFF_DEFAULT && e->kind != EFF_NONE; }

static void location(const struct rctx *c, size_t slot, char *buf, size_t n) {
  const struct eff *e = &c->e[slot];
  if (e->kind == EFF_FILE || e->kind == EFF_SWEEP_FILE)
    snprintf(buf, n, "%s:%d", c->sc->path, e->line);
  else if (e->kind == EFF_SET || e->kind == EFF_SWEEP_SET)
    snprintf(buf, n, "--set");
  else
    snprintf(buf, n, "%s", c->sc->path);
}

/* Report a cross-key error at `slot`: "WHERE: KEY: expected <fmt>, got 'VALUE' (sweep case ...)". */
static enum ns_status slot_err(const struct rctx *c, size_t slot, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum ns_status slot_err(const struct rctx *c, size_t slot, const char *fmt, ...) {
  char where[512], key[128], expected[NS_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(expected, sizeof expected, fmt, ap);
  va_end(ap);
  location(c, slot, where, sizeof where);
  ns_schema_fullname(slot, key, sizeof key);
  const char *text = c->e[slot].text ? c->e[slot].text : "none";
  return ns_scen_err(c->err, where, key, text, c->tail, "%s", expected);
}

/* Which of two keys an error about both is reported at: the first one the user gave. */
static size_t pick(const struct rctx *c, size_t a, size_t b) {
  return given(&c->e[a]) || !given(&c->e[b]) ? a : b;
}

static size_t slot_of(const char *section, const char *key) { return ns_schema_slot_of(section, key); }

/* The study whose keys a section holds ([indentation], [suction]), or -1 for keys of every study. */
static int section_study(const char *section) {
  if (strcmp(section, "indentation") == 0) return NS_STUDY_INDENTATION;
  if (strcmp(section, "suction") == 0) return NS_STUDY_SUCTION;
  if (strcmp(section, "penetration") == 0) return NS_STUDY_PENETRATION;
  return -1;
}

/* 1 when key d applies to device type `dev` and study `study`. */
static int key_applies(const struct ns_key_def *d, int dev, int study) {
  int st = section_study(d->section);
  return (d->devices == 0 || (d->devices & NS_DEV_BIT(dev))) && (st < 0 || st == study);
}

/* Fill the effective values of case `icase` and parse them. */
static enum ns_status fill_case(const struct ns_scenario *sc, size_t icase, struct rctx *c) {
  size_t ncases = ns_scenario_case_count(sc);
  if (icase >= ncases)
    return ns_err_set(c->err, NS_EUSAGE, "%s: expected a sweep case number below %zu, got %zu", sc->path, ncases,
                      icase);
  for (size_t s = 0; s < sc->nslots; s++) {
    const struct ns_key_def *d = ns_schema_slot(s, NULL);
    const struct fixed_value *f = &sc->fixed[s];
    if (f->origin != ORIGIN_NONE)
      c->e[s] = (struct eff){f->text, f->origin == ORIGIN_FILE ? EFF_FILE : EFF_SET, f->line, {NAN, 0}};
    else
      c->e[s] = (struct eff){d->def, d->def ? EFF_DEFAULT : EFF_NONE, 0, {NAN, 0}};
  }
  /* Row-major: the last sweep key varies fastest. */
  size_t rest = icase, used = 0;
  c->tail[0] = '\0';
  for (size_t k = sc->nsweep; k-- > 0;) {
    const struct sweep_list *w = &sc->sweep[k];
    size_t idx = rest % w->n;
    rest /= w->n;
    c->e[w->slot] =
        (struct eff){w->values[idx], w->origin == ORIGIN_FILE ? EFF_SWEEP_FILE : EFF_SWEEP_SET, w->line, {NAN, 0}};
  }
  if (sc->nsweep > 0) {
    used = (size_t)snprintf(c->tail, sizeof c->tail, " (sweep case ");
    for (size_t k = 0; k < sc->nsweep && used < sizeof c->tail; k++) {
      char key[128], q[96];
      ns_schema_fullname(sc->sweep[k].slot, key, sizeof key);
      ns_scen_quote(c->e[sc->sweep[k].slot].text, q, sizeof q);
      int w = snprintf(c->tail + used, sizeof c->tail - used, "%s%s=%s", k ? ", " : "", key, q);
      if (w < 0) break;
      used += (size_t)w;
    }
    if (used + 2 <= sizeof c->tail) {
      c->tail[used] = ')';
      c->tail[used + 1] = '\0';
    }
  }
  for (size_t s = 0; s < sc->nslots; s++) {
    if (c->e[s].kind == EFF_NONE) continue;
    /* Values were checked when stored; the location is formatted only if one fails now. */
    if (ns_schema_parse(s, c->e[s].text, "", "", &c->e[s].v, NULL) == NS_OK) continue;
    char where[512];
    location(c, s, where, sizeof where);
    NS_TRY(ns_schema_parse(s, c->e[s].text, where, c->tail, &c->e[s].v, c->err));
  }
  return NS_OK;
}

/* Peak speed of a sinusoidal pen stroke z(t) = (s/2)(1 - cos 2 pi f t): pi f s [mm/s] for the
 * stroke depth s [mm] and rate f [Hz]; the pen's insertion speed unless loading.speed_mm_s is
 * given. */
static double pen_peak_speed_mm_s(const struct eff *e) {
  const double pi = 3.14159265358979323846;
  return pi * e[slot_of("device", "stroke_rate_hz")].v.d * e[slot_of("device", "stroke_depth_mm")].v.d;
}

/* Copy the parsed values into the config, converted to SI. */
static void fill_config(const struct rctx *c, struct ns_config *cfg) {
  const struct ns_scenario *sc = c->sc;
  memset(cfg, 0, sizeof *cfg);
  int dev = c->e[slot_of("device", "type")].v.i, study = c->e[slot_of("study", "type")].v.i;
  for (size_t s = 0; s < sc->nslots; s++) {
    const struct ns_key_def *d = ns_schema_slot(s, NULL);
    const struct eff *e = &c->e[s];
    char *field = (char *)cfg + ns_schema_offset(s);
    int applies = key_applies(d, dev, study);
    switch (d->type) {
    case NS_KEY_DOUBLE: {
      double x = (e->kind == EFF_NONE || !applies) ? NAN : e->v.d * d->to_si;
      memcpy(field, &x, sizeof x);
      break;
    }
    case NS_KEY_INT:
    case NS_KEY_BOOL:
    case NS_KEY_ENUM: {
      int x = applies ? e->v.i : 0;
      memcpy(field, &x, sizeof x);
      break;
    }
    case NS_KEY_STRING: {
      size_t n = strlen(e->text);
      if (n >= NS_PATH_MAX) n = NS_PATH_MAX - 1;
      memcpy(field, e->text, n);
      field[n] = '\0';
      break;
    }
    }
  }
  /* Force control when force_N is given; otherwise depth control, to the needle length when
   * depth_mm is not given either. */
  if (ns_cfg_given(cfg->loading.force)) {
    cfg->loading.control = NS_CONTROL_FORCE;
  } else {
    cfg->loading.control = NS_CONTROL_DEPTH;
    if (!ns_cfg_given(cfg->loading.depth)) cfg->loading.depth = cfg->needle.length;
  }
  /* A pen moves its needles at the stroke's peak speed unless a speed is given. */
  const size_t s_speed = slot_of("loading", "speed_mm_s");
  if (dev == NS_DEVICE_PEN && !given(&c->e[s_speed]))
    cfg->loading.speed = pen_peak_speed_mm_s(c->e) * ns_schema_slot(s_speed, NULL)->to_si;
  /* Indenter keys of the other shapes do not apply: radius_um is not used by a cone,
   * half_angle_deg only by a cone. */
  if (study == NS_STUDY_INDENTATION) {
    if (cfg->indentation.indenter == NS_INDENTER_CONE)
      cfg->indentation.radius = NAN;
    else
      cfg->indentation.half_angle = NAN;
  }
}

/* Domain size per loaded radius for the characterisation studies (dimensionless): the grid
 * width and depth must be at least CONTACT_RADII contact radii (indentation), the width at least
 * DOMAIN_PER_APERTURE aperture diameters (suction). Closer, the fixed bottom and the far side
 * dominate the measured stiffness instead of the skin. */
#define CONTACT_RADII 4.0
#define DOMAIN_PER_APERTURE 2.0

/* Indentation: contact radius at the largest depth (flat: the punch radius; sphere: sqrt(R d),
 * at most R; cone: (2/pi) d tan(theta), Sneddon 1965) against the domain, and a sphere not
 * pressed deeper than its radius. */
static enum ns_status indentation_checks(const struct rctx *c, int indenter) {
  const struct eff *e = c->e;
  const double pi = 3.14159265358979323846, deg = pi / 180.0, um_per_mm = 1000.0;
  size_t s_rad = slot_of("indentation", "radius_um"), s_ang = slot_of("indentation", "half_angle_deg"),
         s_dep = slot_of("indentation", "depth_um"), s_w = slot_of("grid", "width_mm"),
         s_gd = slot_of("grid", "depth_mm");
  double R = e[s_rad].v.d, d = e[s_dep].v.d, a_um;
  size_t s_size; /* the indenter key that sets the contact radius */
  if (indenter == NS_INDENTER_SPHERE && d > R) {
    if (pick(c, s_dep, s_rad) == s_dep)
      return slot_err(c, s_dep, "at most indentation.radius_um = %.10g um (a sphere deeper than its radius)", R);
    return slot_err(c, s_rad, "at least indentation.depth_um = %.10g um (a sphere deeper than its radius)", d);
  }
  if (indenter == NS_INDENTER_FLAT) {
    a_um = R;
    s_size = s_rad;
  } else if (indenter == NS_INDENTER_SPHERE) {
    a_um = sqrt(R * d);
    s_size = s_rad;
  } else {
    a_um = 2.0 / pi * d * tan(e[s_ang].v.d * deg);
    s_size = given(&e[s_ang]) ? s_ang : s_dep;
  }
  const size_t dom[2] = {s_w, s_gd};
  for (int k = 0; k < 2; k++) {
    double dom_mm = e[dom[k]].v.d;
    if (dom_mm * um_per_mm >= CONTACT_RADII * a_um) continue;
    char dname[64];
    ns_schema_fullname(dom[k], dname, sizeof dname);
    if (pick(c, dom[k], s_size) == dom[k])
      return slot_err(c, dom[k],
                      "at least 4 contact radii = %.10g mm (contact radius %.6g um at the largest depth; a closer "
                      "boundary dominates the measured stiffness)",
                      CONTACT_RADII * a_um / um_per_mm, a_um);
    return slot_err(c, s_size,
                    "a contact radius of at most %s / 4 = %.10g um (here %.6g um at the largest depth; a closer "
                    "boundary dominates the measured stiffness)",
                    dname, dom_mm * um_per_mm / CONTACT_RADII, a_um);
  }
  return NS_OK;
}

/* Penetration study: axisymmetric; the holder's travel within the needle; the cut channel
 * within the shaft; each device's own way of loading (pen: its stroke, displacement control;
 * stamp and roller: the periodic cell of one needle is the domain, so grid.width_mm does not
 * apply). */
static enum ns_status penetration_checks(const struct rctx *c, int dev) {
  const struct eff *e = c->e;
  size_t s_geom = slot_of("grid", "geometry"), s_len = slot_of("needle", "length_mm"),
         s_depth = slot_of("loading", "depth_mm"), s_force = slot_of("loading", "force_N"),
         s_cut = slot_of("penetration", "cut_radius_um"), s_shaft = slot_of("needle", "shaft_diameter_um"),
         s_width = slot_of("grid", "width_mm");
  if (e[s_geom].v.i != NS_GEOM_AXISYMMETRIC)
    return slot_err(c, s_geom, "axisymmetric for study.type = penetration (the penetration study is axisymmetric)");
  if (given(&e[s_depth]) && e[s_depth].v.d > e[s_len].v.d) {
    if (pick(c, s_depth, s_len) == s_depth)
      return slot_err(c, s_depth,
                      "at most needle.length_mm = %.10g mm (the needle holder stops when the needle is fully in)",
                      e[s_len].v.d);
    return slot_err(c, s_len, "at least loading.depth_mm = %.10g mm (the needle holder stops when the needle is fully in)",
                    e[s_depth].v.d);
  }
  const double shaft_r_um = 0.5 * e[s_shaft].v.d;
  if (given(&e[s_cut]) && e[s_cut].v.d > shaft_r_um) {
    if (pick(c, s_cut, s_shaft) == s_cut)
      return slot_err(c, s_cut, "at most the shaft radius, needle.shaft_diameter_um / 2 = %.10g um (the cut channel "
                                "cannot be wider than the needle)",
                      shaft_r_um);
    return slot_err(c, s_shaft, "at least twice penetration.cut_radius_um = %.10g um", 2.0 * e[s_cut].v.d);
  }
  if (dev == NS_DEVICE_PEN && given(&e[s_force]))
    return slot_err(c, s_force,
                    "no value with device.type = pen (the pen's motor drives the needles to device.stroke_depth_mm: "
                    "displacement control)");
  if (dev == NS_DEVICE_PEN && given(&e[s_depth]))
    return slot_err(c, s_depth, "no value with device.type = pen (its travel is device.stroke_depth_mm)");
  if ((dev == NS_DEVICE_STAMP || dev == NS_DEVICE_ROLLER) && given(&e[s_width]))
    return slot_err(c, s_width,
                    "no value with device.type = %s in the penetration study (the domain is the periodic cell of one "
                    "needle, its radius set by the needle spacing)",
                    dev == NS_DEVICE_STAMP ? "stamp" : "roller");
  return NS_OK;
}

/* Checks that involve more than one key. Values are compared in the keys' own units. */
static enum ns_status cross_checks(const struct rctx *c) {
  const struct ns_scenario *sc = c->sc;
  const struct eff *e = c->e;
  size_t s_type = slot_of("device", "type");
  int dev = e[s_type].v.i;
  const struct ns_key_def *type_def = ns_schema_slot(s_type, NULL);

  /* 1. Device keys that do not apply to the device type. */
  for (size_t s = 0; s < sc->nslots; s++) {
    const struct ns_key_def *d = ns_schema_slot(s, NULL);
    if (!given(&e[s]) || d->devices == 0 || (d->devices & NS_DEV_BIT(dev))) continue;
    char allowed[128] = "";
    size_t used = 0;
    for (int t = 0; type_def->enum_name(t); t++) {
      if (!(d->devices & NS_DEV_BIT(t))) continue;
      int w = snprintf(allowed + used, sizeof allowed - used, "%s%s", used ? " or " : "", type_def->enum_name(t));
      if (w > 0 && (size_t)w < sizeof allowed - used) used += (size_t)w;
    }
    return slot_err(c, s, "this key only with device.type = %s (here device.type = %s)", allowed,
                    type_def->enum_name(dev));
  }

  /* 1b. Keys of a study section ([indentation], [suction]) need that study, and the indenter
   *     keys their indenter shape. */
  size_t s_study = slot_of("study", "type");
  const struct ns_key_def *study_def = ns_schema_slot(s_study, NULL);
  const int study = e[s_study].v.i;
  for (size_t s = 0; s < sc->nslots; s++) {
    const struct ns_key_def *d = ns_schema_slot(s, NULL);
    int st = section_study(d->section);
    if (!given(&e[s]) || st < 0 || st == study) continue;
    return slot_err(c, s, "this key only with study.type = %s (here study.type = %s)", study_def->enum_name(st),
                    study_def->enum_name(study));
  }
  const size_t s_ind = slot_of("indentation", "indenter"), s_irad = slot_of("indentation", "radius_um"),
               s_iang = slot_of("indentation", "half_angle_deg");
  const int indenter = e[s_ind].v.i;
  if (study == NS_STUDY_INDENTATION && indenter == NS_INDENTER_CONE && given(&e[s_irad]))
    return slot_err(c, s_irad, "this key only with indentation.indenter = flat or sphere (here cone)");
  if (study == NS_STUDY_INDENTATION && indenter != NS_INDENTER_CONE && given(&e[s_iang]))
    return slot_err(c, s_iang, "this key only with indentation.indenter = cone (here %s)",
                    ns_schema_slot(s_ind, NULL)->enum_name(indenter));

  /* 2. Force and depth control exclude each other. */
  size_t s_force = slot_of("loading", "force_N"), s_depth = slot_of("loading", "depth_mm");
  if (given(&e[s_force]) && given(&e[s_depth])) {
    char where[512];
    location(c, s_force, where, sizeof where);
    return slot_err(c, s_depth, "either loading.force_N (given at %s) or loading.depth_mm, not both", where);
  }

  /* 3. Prony terms: weight and time together, weights summing below 1. */
  for (int l = 0; l < NS_NLAYERS; l++) {
    double gsum = 0;
    size_t last_g = (size_t)-1;
    for (int k = 1; k <= NS_MAX_PRONY; k++) {
      char gk[32], tk[32], sec[64];
      snprintf(gk, sizeof gk, "prony_g%d", k);
      snprintf(tk, sizeof tk, "prony_tau%d_s", k);
      snprintf(sec, sizeof sec, "layer.%s", ns_layer_name((enum ns_layer_id)l));
      size_t sg = ns_schema_layer_slot(l, gk), st = ns_schema_layer_slot(l, tk);
      if (given(&e[sg]) && !given(&e[st]))
        return slot_err(c, sg, "%s.%s as well (a Prony term needs both its weight and its time)", sec, tk);
      if (given(&e[st]) && !given(&e[sg]))
        return slot_err(c, st, "%s.%s as well (a Prony term needs both its weight and its time)", sec, gk);
      if (given(&e[sg])) {
        gsum += e[sg].v.d;
        last_g = sg;
      }
    }
    if (last_g != (size_t)-1 && gsum >= 1.0)
      return slot_err(c, last_g,
                      "prony_g1 + prony_g2 + prony_g3 < 1 (the long-term modulus fraction 1 - sum g must stay "
                      "positive; here the sum is %.10g)",
                      gsum);
  }

  /* 4. The rounded tip must fit on the shaft. */
  size_t s_tip = slot_of("needle", "tip_radius_um"), s_shaft = slot_of("needle", "shaft_diameter_um");
  double tip_um = e[s_tip].v.d, shaft_um = e[s_shaft].v.d;
  if (tip_um > 0.5 * shaft_um) {
    if (pick(c, s_tip, s_shaft) == s_tip)
      return slot_err(c, s_tip, "at most the shaft radius, needle.shaft_diameter_um / 2 = %.10g um", 0.5 * shaft_um);
    return slot_err(c, s_shaft, "at least twice needle.tip_radius_um = %.10g um", 2 * tip_um);
  }

  /* 5. The domain must reach well below the deepest needle travel: the bottom boundary is held
   *    fixed, and closer to the tip it would stiffen the response. (Needle studies only: the
   *    characterisation studies have no needle; check 9 below holds their own.) */
  size_t s_gdepth = slot_of("grid", "depth_mm"), s_len = slot_of("needle", "length_mm");
  size_t s_stroke = slot_of("device", "stroke_depth_mm");
  const double depth_factor = 1.5; /* grid depth / deepest travel, dimensionless */
  size_t travel[3] = {s_len, s_depth, s_stroke};
  const int needle_study = study != NS_STUDY_INDENTATION && study != NS_STUDY_SUCTION;
  for (int k = 0; k < 3 && needle_study; k++) {
    size_t s = travel[k];
    if (s == s_depth && !given(&e[s])) continue;
    if (s == s_stroke && dev != NS_DEVICE_PEN) continue;
    double t_mm = e[s].v.d, g_mm = e[s_gdepth].v.d;
    if (g_mm >= depth_factor * t_mm) continue;
    char tname[128];
    ns_schema_fullname(s, tname, sizeof tname);
    if (pick(c, s_gdepth, s) == s_gdepth)
      return slot_err(c, s_gdepth,
                      "at least 1.5 x %s = %.10g mm (the bottom of the domain is held fixed; closer to the needle "
                      "tip it would stiffen the response)",
                      tname, depth_factor * t_mm);
    return slot_err(c, s,
                    "at most grid.depth_mm / 1.5 = %.10g mm (the bottom of the domain is held fixed; closer to the "
                    "needle tip it would stiffen the response)",
                    g_mm / depth_factor);
  }

  /* 6. The needle must fit in the domain laterally. */
  size_t s_width = slot_of("grid", "width_mm");
  const double um_per_mm = 1000.0;
  if (needle_study && e[s_width].v.d * um_per_mm <= 0.5 * shaft_um) {
    if (pick(c, s_width, s_shaft) == s_width)
      return slot_err(c, s_width, "more than the needle shaft radius, %.10g mm", 0.5 * shaft_um / um_per_mm);
    return slot_err(c, s_shaft, "less than 2 x grid.width_mm = %.10g um (the needle must fit in the domain)",
                    2 * e[s_width].v.d * um_per_mm);
  }

  /* 7. dt_min_s <= dt_initial_s <= dt_max_s. */
  size_t s_dt0 = slot_of("numerics", "dt_initial_s"), s_dtmin = slot_of("numerics", "dt_min_s"),
         s_dtmax = slot_of("numerics", "dt_max_s");
  double dt0 = e[s_dt0].v.d, dtmin = e[s_dtmin].v.d, dtmax = e[s_dtmax].v.d;
  if (dt0 < dtmin) {
    if (pick(c, s_dt0, s_dtmin) == s_dt0)
      return slot_err(c, s_dt0, "at least numerics.dt_min_s = %.10g s (dt_min_s <= dt_initial_s <= dt_max_s)", dtmin);
    return slot_err(c, s_dtmin, "at most numerics.dt_initial_s = %.10g s (dt_min_s <= dt_initial_s <= dt_max_s)",
                    dt0);
  }
  if (dt0 > dtmax) {
    if (pick(c, s_dt0, s_dtmax) == s_dt0)
      return slot_err(c, s_dt0, "at most numerics.dt_max_s = %.10g s (dt_min_s <= dt_initial_s <= dt_max_s)", dtmax);
    return slot_err(c, s_dtmax, "at least numerics.dt_initial_s = %.10g s (dt_min_s <= dt_initial_s <= dt_max_s)",
                    dt0);
  }

  /* 8. Neighbouring needles must not overlap. */
  const double pi = 3.14159265358979323846;
  if (dev == NS_DEVICE_STAMP) {
    size_t s_pitch = slot_of("device", "pitch_um");
    double pitch_um = e[s_pitch].v.d;
    if (pitch_um <= shaft_um) {
      if (pick(c, s_pitch, s_shaft) == s_pitch)
        return slot_err(c, s_pitch, "more than needle.shaft_diameter_um = %.10g um (neighbouring needles would overlap)",
                        shaft_um);
      return slot_err(c, s_shaft, "less than device.pitch_um = %.10g um (neighbouring needles would overlap)",
                      pitch_um);
    }
  }
  if (dev == NS_DEVICE_ROLLER) {
    size_t s_rows = slot_of("device", "needle_rows"), s_w = slot_of("device", "drum_width_mm");
    size_t s_per = slot_of("device", "needles_per_row"), s_d = slot_of("device", "drum_diameter_mm");
    double ring_um = e[s_w].v.d * um_per_mm / e[s_rows].v.d;
    double around_um = pi * e[s_d].v.d * um_per_mm / e[s_per].v.d;
    if (ring_um <= shaft_um) {
      size_t s = pick(c, s_rows, pick(c, s_w, s_shaft));
      return slot_err(c, s,
                      "a ring spacing drum_width_mm / needle_rows = %.6g um larger than needle.shaft_diameter_um = "
                      "%.10g um (neighbouring needles would overlap)",
                      ring_um, shaft_um);
    }
    if (around_um <= shaft_um) {
      size_t s = pick(c, s_per, pick(c, s_d, s_shaft));
      return slot_err(c, s,
                      "a spacing pi x drum_diameter_mm / needles_per_row = %.6g um larger than "
                      "needle.shaft_diameter_um = %.10g um (neighbouring needles would overlap)",
                      around_um, shaft_um);
    }
  }

  /* 9. Characterisation studies: axisymmetric, and the loaded region small against the domain. */
  size_t s_geom = slot_of("grid", "geometry");
  if ((study == NS_STUDY_INDENTATION || study == NS_STUDY_SUCTION) && e[s_geom].v.i != NS_GEOM_AXISYMMETRIC)
    return slot_err(c, s_geom, "axisymmetric for study.type = %s (the characterisation studies are axisymmetric)",
                    study_def->enum_name(study));
  if (study == NS_STUDY_PENETRATION) {
    NS_TRY(penetration_checks(c, dev));
  } else if (study == NS_STUDY_INDENTATION) {
    NS_TRY(indentation_checks(c, indenter));
  } else if (study == NS_STUDY_SUCTION) {
    size_t s_ap = slot_of("suction", "aperture_mm"), s_gd = slot_of("grid", "depth_mm");
    double ap_mm = e[s_ap].v.d;
    if (e[s_width].v.d < DOMAIN_PER_APERTURE * ap_mm) {
      if (pick(c, s_width, s_ap) == s_width)
        return slot_err(c, s_width,
                        "at least 2 x suction.aperture_mm = %.10g mm (the probe face around the opening holds the "
                        "skin; a domain edge closer than two aperture radii from the rim stiffens the response)",
                        DOMAIN_PER_APERTURE * ap_mm);
      return slot_err(c, s_ap,
                      "at most grid.width_mm / 2 = %.10g mm (a domain edge closer than two aperture radii from the "
                      "rim stiffens the response)",
                      e[s_width].v.d / DOMAIN_PER_APERTURE);
    }
    if (e[s_gd].v.d < ap_mm) {
      if (pick(c, s_gd, s_ap) == s_gd)
        return slot_err(c, s_gd,
                        "at least suction.aperture_mm = %.10g mm (the suction deforms the tissue to about one "
                        "aperture diameter below the surface; the bottom is held fixed)",
                        ap_mm);
      return slot_err(c, s_ap,
                      "at most grid.depth_mm = %.10g mm (the suction deforms the tissue to about one aperture "
                      "diameter below the surface; the bottom is held fixed)",
                      e[s_gd].v.d);
    }
  }
  return NS_OK;
}

static enum ns_status resolve_into(const struct ns_scenario *sc, size_t icase, struct ns_config *cfg, struct eff *e,
                                   struct ns_err *err) {
  struct rctx c = {sc, e, "", err};
  NS_TRY(fill_case(sc, icase, &c));
  fill_config(&c, cfg);
  return cross_checks(&c);
}

enum ns_status ns_scenario_resolve(const struct ns_scenario *sc, size_t icase, struct ns_config *cfg,
                                   struct ns_err *err) {
  struct eff *e = calloc(sc->nslots, sizeof *e);
  if (!e) return ns_err_set(err, NS_ENOMEM, "%s: out of memory", sc->path);
  enum ns_status s = resolve_into(sc, icase, cfg, e, err);
  free(e);
  return s;
}

enum ns_status ns_scenario_validate(const struct ns_scenario *sc, struct ns_err *err) {
  struct ns_config *cfg = malloc(sizeof *cfg);
  struct eff *e = calloc(sc->nslots, sizeof *e);
  enum ns_status s = NS_OK;
  if (!cfg || !e) s = ns_err_set(err, NS_ENOMEM, "%s: out of memory", sc->path);
  size_t n = ns_scenario_case_count(sc);
  for (size_t i = 0; i < n && s == NS_OK; i++) s = resolve_into(sc, i, cfg, e, err);
  free(cfg);
  free(e);
  return s;
}

/* ---- parameter table -------------------------------------------------------------------------- */

static void origin_text(const struct ns_scenario *sc, const struct eff *e, char *buf, size_t n) {
  switch (e->kind) {
  case EFF_FILE:
    snprintf(buf, n, "%s:%d", sc->path, e->line);
    break;
  case EFF_SET:
    snprintf(buf, n, "--set");
    break;
  case EFF_SWEEP_FILE:
    snprintf(buf, n, "[sweep] %s:%d", sc->path, e->line);
    break;
  case EFF_SWEEP_SET:
    snprintf(buf, n, "[sweep] --set");
    break;
  case EFF_DEFAULT:
  case EFF_NONE:
    snprintf(buf, n, "default");
    break;
  }
}

static void row_unit(const struct ns_key_def *d, char *buf, size_t n) {
  snprintf(buf, n, "%s", (d->type == NS_KEY_DOUBLE || d->type == NS_KEY_INT) ? d->unit : "");
}

enum ns_status ns_scenario_params(const struct ns_scenario *sc, size_t icase, struct ns_param_row **rows,
                                  size_t *nrows, struct ns_err *err) {
  *rows = NULL;
  *nrows = 0;
  struct ns_config *cfg = malloc(sizeof *cfg);
  struct eff *e = calloc(sc->nslots, sizeof *e);
  struct ns_param_row *r = calloc(sc->nslots, sizeof *r);
  if (!cfg || !e || !r) {
    free(cfg);
    free(e);
    free(r);
    return ns_err_set(err, NS_ENOMEM, "%s: out of memory", sc->path);
  }
  enum ns_status s = resolve_into(sc, icase, cfg, e, err);
  if (s == NS_OK) {
    int dev = e[slot_of("device", "type")].v.i, study = e[slot_of("study", "type")].v.i;
    const struct ns_key_def *type_def = ns_schema_slot(slot_of("device", "type"), NULL);
    const struct ns_key_def *study_def = ns_schema_slot(slot_of("study", "type"), NULL);
    size_t s_depth = slot_of("loading", "depth_mm"), s_len = slot_of("needle", "length_mm"),
           s_speed = slot_of("loading", "speed_mm_s");
    for (size_t i = 0; i < sc->nslots; i++) {
      int layer;
      const struct ns_key_def *d = ns_schema_slot(i, &layer);
      ns_schema_fullname(i, r[i].key, sizeof r[i].key);
      row_unit(d, r[i].unit, sizeof r[i].unit);
      origin_text(sc, &e[i], r[i].origin, sizeof r[i].origin);
      if (d->devices && !(d->devices & NS_DEV_BIT(dev)))
        snprintf(r[i].value, sizeof r[i].value, "n/a (device.type = %s)", type_def->enum_name(dev));
      else if (!key_applies(d, dev, study))
        snprintf(r[i].value, sizeof r[i].value, "n/a (study.type = %s)", study_def->enum_name(study));
      else if (study == NS_STUDY_INDENTATION && strcmp(d->section, "indentation") == 0 &&
               ((strcmp(d->key, "radius_um") == 0 && cfg->indentation.indenter == NS_INDENTER_CONE) ||
                (strcmp(d->key, "half_angle_deg") == 0 && cfg->indentation.indenter != NS_INDENTER_CONE)))
        snprintf(r[i].value, sizeof r[i].value, "n/a (indentation.indenter = %s)",
                 ns_schema_slot(slot_of("indentation", "indenter"), NULL)->enum_name(cfg->indentation.indenter));
      else if (i == s_depth && e[i].kind == EFF_NONE && cfg->loading.control == NS_CONTROL_DEPTH) {
        snprintf(r[i].value, sizeof r[i].value, "%s", e[s_len].text);
        snprintf(r[i].origin, sizeof r[i].origin, "default (= needle.length_mm)");
      } else if (i == s_speed && dev == NS_DEVICE_PEN && !given(&e[i])) {
        snprintf(r[i].value, sizeof r[i].value, "%.10g", pen_peak_speed_mm_s(e));
        snprintf(r[i].origin, sizeof r[i].origin, "default (= pi x device.stroke_rate_hz x device.stroke_depth_mm)");
      } else if (e[i].kind == EFF_NONE)
        snprintf(r[i].value, sizeof r[i].value, "%s", layer >= 0 ? "skin model" : "none");
      else
        snprintf(r[i].value, sizeof r[i].value, "%s", e[i].text);
    }
    *rows = r;
    *nrows = sc->nslots;
  } else {
    free(r);
  }
  free(cfg);
  free(e);
  return s;
}

size_t ns_scenario_swept(const struct ns_scenario *sc, size_t icase, struct ns_param_row *rows, size_t max) {
  size_t ncases = ns_scenario_case_count(sc);
  size_t rest = icase < ncases ? icase : 0;
  for (size_t k = sc->nsweep; k-- > 0;) {
    const struct sweep_list *w = &sc->sweep[k];
    size_t i = rest % w->n;
    rest /= w->n;
    if (k >= max) continue;
    const struct ns_key_def *d = ns_schema_slot(w->slot, NULL);
    ns_schema_fullname(w->slot, rows[k].key, sizeof rows[k].key);
    snprintf(rows[k].value, sizeof rows[k].value, "%s", w->values[i]);
    row_unit(d, rows[k].unit, sizeof rows[k].unit);
    if (w->origin == ORIGIN_FILE)
      snprintf(rows[k].origin, sizeof rows[k].origin, "[sweep] %s:%d", sc->path, w->line);
    else
      snprintf(rows[k].origin, sizeof rows[k].origin, "[sweep] --set");
  }
  return sc->nsweep;
}
