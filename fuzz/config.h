/* config.h - stand-in for autoconf's header in the fuzz build (fuzz/run
 * puts fuzz/ first on the include path; the parsers need nothing else). */
#ifndef FTPR_FUZZ_CONFIG_H
#define FTPR_FUZZ_CONFIG_H

#define _GNU_SOURCE 1
#define PACKAGE_VERSION "fuzz"

#endif
