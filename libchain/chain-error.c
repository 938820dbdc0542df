/* chain-error.c — the CHAIN_ERROR domain */
#include "chain-error.h"

G_DEFINE_QUARK (chain-error-quark, chain_error)
