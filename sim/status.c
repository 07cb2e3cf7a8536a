/* status.c — status codes, their messages and exit statuses, and the error buffer.
 *
 *   ns_strerror          short description of a status
 *   ns_status_exit_code  0 / 1 / 2 as main() returns it
 *   ns_err_clear, ns_err_set, ns_err_prefix   fill the caller's message buffer
 */
#include "needlesim/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *ns_strerror(enum ns_status s) {
  switch (s) {
#define NS_X_CASE(code, exitc, text) \
  case code:                         \
    return text;
    NS_STATUS_LIST(NS_X_CASE)
#undef NS_X_CASE
  default:
    return "unknown status";
  }
}

int ns_status_exit_code(enum ns_status s) {
  switch (s) {
#define NS_X_CASE(code, exitc, text) \
  case code:                         \
    return exitc;
    NS_STATUS_LIST(NS_X_CASE)
#undef NS_X_CASE
  default:
    return 1;
  }
}

void ns_err_clear(struct ns_err *err) {
  if (!err) return;
  err->code = NS_OK;
  err->msg[0] = '\0';
}

enum ns_status ns_err_set(struct ns_err *err, enum ns_status code, const char *fmt, ...) {
  if (!err || err->msg[0] != '\0') {
    if (err && err->code == NS_OK) err->code = code;
    return code;
  }
  err->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  return code;
}

enum ns_status ns_err_prefix(struct ns_err *err, const char *fmt, ...) {
  if (!err) return NS_OK;
  char head[NS_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(head, sizeof head, fmt, ap);
  va_end(ap);
  size_t hl = strlen(head);
  if (hl >= sizeof err->msg) hl = sizeof err->msg - 1;
  size_t ol = strlen(err->msg);
  if (hl + ol >= sizeof err->msg) ol = sizeof err->msg - 1 - hl;
  memmove(err->msg + hl, err->msg, ol);
  memcpy(err->msg, head, hl);
  err->msg[hl + ol] = '\0';
  return err->code;
}
