/* needlesim/status.h — status codes and the error message buffer.
 *
 * Every fallible function returns an `enum ns_status` and, on failure, writes one line of
 * explanation into a caller-owned `struct ns_err`. Only main() turns a status into an exit
 * code (ns_status_exit_code): input and usage errors exit 2, everything else 1.
 *
 * Conventions (see ../../docs/architecture.md):
 *   - NS_OK == 0; errors are positive small integers listed once in NS_STATUS_LIST.
 *   - Input errors (the user's scenario or command line is wrong) use NS_EINPUT or NS_EUSAGE and
 *     their message has the form "FILE:LINE: section.key: expected ..., got ...".
 *   - The message buffer is written only on failure; the first writer wins when errors are
 *     propagated (ns_err_set does not overwrite an existing message unless asked to).
 */
#ifndef NEEDLESIM_STATUS_H
#define NEEDLESIM_STATUS_H

#include <stddef.h>

/* X-macro: code, exit status, short description. */
#define NS_STATUS_LIST(X)                                                        \
  X(NS_OK, 0, "success")                                                         \
  X(NS_EINPUT, 2, "invalid input")                                               \
  X(NS_EUSAGE, 2, "invalid command line")                                        \
  X(NS_ENOMEM, 1, "out of memory")                                               \
  X(NS_EIO, 1, "input/output error")                                             \
  X(NS_ECONV, 1, "solver did not converge")                                      \
  X(NS_EINTERRUPTED, 1, "interrupted")                                           \
  X(NS_ENOTIMPL, 1, "not implemented")                                           \
  X(NS_EINTERNAL, 1, "internal error")

enum ns_status {
#define NS_X_ENUM(code, exitc, text) code,
  NS_STATUS_LIST(NS_X_ENUM)
#undef NS_X_ENUM
  NS_STATUS_COUNT
};

#define NS_ERR_MSG_MAX 1024

/* Caller-owned error buffer. Initialise with NS_ERR_INIT or ns_err_clear(). */
struct ns_err {
  enum ns_status code;
  char msg[NS_ERR_MSG_MAX];
};
#define NS_ERR_INIT {NS_OK, {0}}

/* Short description of a status ("invalid input"). Never NULL. */
const char *ns_strerror(enum ns_status s);

/* Exit status main() uses for a status: 0, 1 or 2. */
int ns_status_exit_code(enum ns_status s);

void ns_err_clear(struct ns_err *err);

/* Record an error (printf-style) and return `code`. If `err` already holds a message it is kept
 * (the innermost, most specific message wins). `err` may be NULL. */
enum ns_status ns_err_set(struct ns_err *err, enum ns_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same, but prefix an existing message with context ("while writing run 3: ..."). */
enum ns_status ns_err_prefix(struct ns_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Propagate a failure: evaluate `expr` once; on non-NS_OK return it from the caller. */
#define NS_TRY(expr)                                                             \
  do {                                                                           \
    enum ns_status ns_try_s_ = (expr);                                           \
    if (ns_try_s_ != NS_OK) return ns_try_s_;                                    \
  } while (0)

#endif /* NEEDLESIM_STATUS_H */
