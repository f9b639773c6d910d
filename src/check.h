/* check.h - ftprelay --check-config: load what a session would, print
 * the effective settings, or the first problem. */
#ifndef FTPR_CHECK_H
#define FTPR_CHECK_H

#include "conf.h"

/* cf as cfg_load() left it; err: its message when it failed, else NULL.
 * Prints the summary to stdout (exit 0) or the first problem to stderr
 * (FTPR_EXIT_USAGE).  Returns the exit status. */
int check_config(const struct conf *cf, const char *err);

#endif
